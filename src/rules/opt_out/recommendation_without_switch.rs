//! OPT001 recommendation-without-switch: an endpoint ranks content per
//! user, and nothing in the project lets users turn that off.

use serde_json::json;

use crate::finding::{Finding, Level};
use crate::rules::opt_out::{ranking_related, shared_rankings, shared_switches, unswitched};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct RecommendationWithoutSwitch;

static META: RuleMeta = RuleMeta {
    code: "OPT001",
    name: "recommendation-without-switch",
    category: Category::OptOut,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-ARP-17", "CN-PIPL-24"],
    summary: "An endpoint ranks content per user and users have no setting to switch personalisation off.",
    security_severity: "4.0",
    doc: r#"
## What it does
Finds code that ranks content for one user: a recommender library call
(implicit, LightFM, Surprise, RecBole, TorchRec, TensorFlow Recommenders,
Merlin, LibRecommender), a similarity search (faiss, hnswlib, annoy, Milvus,
Qdrant, Chroma, Pinecone) that searches with a per-user vector such as
`user_embedding`, or a sort by a per-user score such as `user_score`. For
each web or UI endpoint that reaches such a call, it walks the calls in
between and asks whether the ranking runs only on one branch of a test of a
personalisation switch (`personalized`, `personalization_enabled`,
`recommend_off`, `ranking_mode`, `个性化推荐`), in the endpoint or in any
function on the way, or after a branch that returns early (a test of a
ranking chosen per request, `if sort == "suggested":` with `sort` read from
a request parameter, counts); a template the
endpoint renders by name that tests such a switch (`{% if %}`, `v-if`,
`{#if}`) counts as well, and so does a front end that requests the
endpoint's route and tests the switch: the page itself, or a page whose
test guards the component that requests it (`{prefs.personalized &&
<Feed/>}` where `Feed.tsx` fetches `/api/feed`). When the ranking runs on a path without such a
branch, and the project has no such switch anywhere, the endpoint is
reported.

## Why is this bad?
A service that recommends content by users' personal traits must offer a
choice that is not targeted at them, or a convenient way to switch
recommendation off that takes effect at once. Automated decisions used to
push information to individuals must come with that option too. A feed
that is always personalised leaves users no such choice.

## Example
```python
@app.get("/feed")
def feed(user: User = Depends(current_user)):
    _, ids = index.search(user.embedding_vector, 20)
    return [items[i] for i in ids[0]]
```

Use instead:
```python
@app.get("/feed")
def feed(user: User = Depends(current_user)):
    if not user.personalized:
        return latest_items(20)
    _, ids = index.search(user.embedding_vector, 20)
    return [items[i] for i in ids[0]]
```

## Options
Recommender calls, similarity methods, per-user vector and score names and
switch names are catalogue data: extend them with `[catalog.opt_out]`
(`switches = ["(?i)for_you_off"]`) and `[[catalog.opt_out.recommender]]`.

## Known problems
Switches are recognised by name, and only a branch on one counts: a switch
applied by a gateway, a query that filters by it, or an A/B framework that
chooses the ranking elsewhere is not seen. A project that has a switch but
does not read it on this path is OPT002's. Models loaded from files
(`pickle.load`) are not known to be recommenders unless a similarity search
or sort names a per-user vector or score. Ranking done offline by a batch
job is not reported.
"#,
};

impl Rule for RecommendationWithoutSwitch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let all = shared_rankings(cx);
        if all.is_empty() {
            return;
        }
        // A switch defined somewhere makes an unread one OPT002's.
        if !shared_switches(cx).is_empty() {
            return;
        }
        for u in unswitched(cx, all) {
            let entry = &cx.analysis.entry_points[u.entry];
            let first = &all[u.rankings[0]];
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "{} ranks content per user ({}), and no setting lets users switch personalised recommendation off",
                    entry.describe(),
                    first.what
                ),
                entry.location.clone(),
            );
            f.related = ranking_related(cx, all, &u.rankings);
            let what: Vec<&str> = u.rankings.iter().map(|&i| all[i].what.as_str()).collect();
            f.properties.insert("rankings", json!(what));
            out.push(f);
        }
    }
}

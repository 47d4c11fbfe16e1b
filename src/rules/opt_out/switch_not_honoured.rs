//! OPT002 switch-not-honoured: the project has a personalisation switch,
//! but an endpoint ranks content per user without reading it.

use serde_json::json;

use crate::finding::{Finding, Level};
use crate::rules::opt_out::{
    ranking_related, related, shared_rankings, shared_switches, unswitched,
};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct SwitchNotHonoured;

static META: RuleMeta = RuleMeta {
    code: "OPT002",
    name: "switch-not-honoured",
    category: Category::OptOut,
    default_level: Level::Error,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-ARP-17"],
    summary: "Users can set a personalisation switch, but the ranking path never reads it.",
    security_severity: "6.0",
    doc: r#"
## What it does
Looks for a personalisation switch the project defines or sets: a model or
settings field, an assignment, a keyword argument, a dict key, a request
parameter or a configuration key named like `personalized`,
`personalization_enabled`, `recommend_off` or `个性化推荐`. When there is one,
each web or UI endpoint that ranks content per user (as OPT001 finds it)
must run the ranking only on one branch of a test of such a switch, in the
endpoint or a function on the way, or hand the switch to the ranking call
itself (`sorted(posts, key=lambda p: p.user_score if prefs.personalized
else p.created_at)`, a query filtered on it). An endpoint whose ranking runs
on a path that never tests the switch is reported, with the place the
switch is set. Passing the switch to a project function is not enough: that
function must test it. A page that tests the switch counts too: when the
endpoint, or code it reaches, names a template (`render_template("feed.html",
…)`, `TemplateResponse(request, "feed/feed.html", …)`) whose `{% if %}`,
`v-if` or `{#if}` reads a switch (`{% if request.user.show_suggested_users %}`),
the page shows the ranking only to those who keep it on. A ranking users
ask for per request counts as switched too: one on a branch of a test of a
local named like a choice (`sort`, `order_by`, `view`) read from a request
parameter (`sort = request.GET.get("sort")`, then `if sort == "suggested":`).
A front end that
fetches the ranking counts the same way: a page (JS/TS, JSX, Vue, Svelte,
HTML) holding a literal of the endpoint's route (`fetch("/api/feed")`,
`` `${API}/api/feed` ``) that tests the switch in a JSX condition
(`{me.personalized && …}`, `{me.personalized ? <Feed/> : <Latest/>}`) or a
template test, or whose switch test guards a component (`<Feed/>`) whose
file (`Feed.tsx`, `Feed/index.jsx`) holds that literal.

## Why is this bad?
Switching recommendation off must take effect at once. A switch that users
can set but that the ranking code never reads is a promise the service does
not keep: the feed stays personalised whatever users choose.

## Example
```python
class Settings(Base):
    personalized = Column(Boolean, default=True)

@app.get("/feed")
def feed(user: User = Depends(current_user)):
    return model.recommend(user.id, interactions[user.id], N=20)
```

Use instead:
```python
@app.get("/feed")
def feed(user: User = Depends(current_user)):
    if not user.settings.personalized:
        return trending(20)
    return model.recommend(user.id, interactions[user.id], N=20)
```

## Options
Switch names, recommender calls and per-user names are catalogue data:
`[catalog.opt_out]` (`switches = ["(?i)for_you"]`) and
`[[catalog.opt_out.recommender]]`.

## Known problems
Only a branch, or the switch handed to the ranking call itself, counts as
reading it: a query filtered on it earlier and ranked later, or a ranking
service in another repository that reads it, is not seen. A name that merely contains a switch word (a variable
`personalized_items`) counts as a switch that exists. A rendered name is
looked for in the project's template folders (Flask `template_folder=` and
its default `templates/`, `Jinja2Templates(directory=…)`, `FileSystemLoader`,
Django `TEMPLATES` `DIRS` and each application's `templates/`, as
`[[catalog.opt_out.template_dirs]]` data); only when none is known is it
matched against the end of template paths. A folder built at run time from
anything but literals is not seen, and a template counts whatever its test
guards. A front end is followed one component deep, by file name; a switch
tested in plain script code (`if (prefs.personalized)`), a route built from
parts, or a page that requests the route and tests the switch around
something else is taken as honouring it.
"#,
};

impl Rule for SwitchNotHonoured {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let all = shared_rankings(cx);
        if all.is_empty() {
            return;
        }
        let sites = shared_switches(cx);
        let Some(site) = sites.first() else {
            return;
        };
        for u in unswitched(cx, all) {
            let entry = &cx.analysis.entry_points[u.entry];
            let first = &all[u.rankings[0]];
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "{} ranks content per user ({}) without reading the switch `{}` users set: the ranking runs whatever they chose",
                    entry.describe(),
                    first.what,
                    site.name
                ),
                entry.location.clone(),
            );
            f.related.push(related(
                cx,
                site.file,
                site.span,
                format!("the switch `{}` is set here", site.name),
            ));
            f.related.extend(ranking_related(cx, all, &u.rankings));
            let what: Vec<&str> = u.rankings.iter().map(|&i| all[i].what.as_str()).collect();
            f.properties.insert("rankings", json!(what));
            f.properties.insert("switch", json!(site.name));
            out.push(f);
        }
    }
}

//! OPT004 profile-without-controls: a recommending project builds a
//! per-user interest profile or tag set, and no endpoint lets users change
//! or delete it.

use std::collections::BTreeSet;

use serde_json::json;

use crate::analysis::Reader;
use crate::analysis::entrypoints::Handler;
use crate::finding::{Finding, Level, Location};
use crate::rules::opt_out::{related, shared_rankings};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct ProfileWithoutControls;

static META: RuleMeta = RuleMeta {
    code: "OPT004",
    name: "profile-without-controls",
    category: Category::OptOut,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-ARP-17", "CN-ARP-10"],
    summary: "A recommending project builds a per-user interest profile or tag set that users cannot see, or cannot change or delete, through any endpoint.",
    security_severity: "2.0",
    doc: r#"
## What it does
In a project that ranks content per user (what OPT001 looks for), finds
the code that writes a per-user interest profile or tag set: an assignment
to an attribute, or an `append`/`update`/`zincrby`-style call on, a name such as
`user_tags`, `interest_vector`, `user_interests` or `用户画像`. For each
profile name it then looks for a web or UI endpoint whose route or handler
name shares a word with it (`/me/tags` for `user_tags`, `delete_interests`
for `interest_scores`) and shows it (a `GET` route or a UI handler that
changes nothing) or changes or removes something (a `DELETE`, `PUT` or
`PATCH` route, or a handler or route that says `delete`, `remove`,
`clear`, `reset`, `edit` or `update`). The first writer of a profile that
users cannot see, or cannot change, is reported, and the message says
which is missing.

## Why is this bad?
Users of a recommendation service must be able to select or delete the
tags that profile them by their personal traits, and the provider must
manage what goes into user models and tags. A profile that only the
service can see or change leaves users no control over it.

## Example
```python
def on_click(user, item):
    user.interest_tags.update(item.tags)
```

Use instead:
```python
def on_click(user, item):
    user.interest_tags.update(item.tags)

@app.delete("/me/interests/{tag}")
def delete_interest(tag: str, user: User = Depends(current_user)):
    user.interest_tags.discard(tag)
```

## Options
Profile names, the methods that write them, the words that only name the
owner and the words of a controlling endpoint are catalogue data under
`[catalog.opt_out]` (`profile_names`, `profile_writes`,
`profile_owner_words`, `profile_controls`).

## Known problems
Profiles and endpoints are matched by name. A settings page served by
another repository, or a profile stored under a generic name (`data`,
`features`), is not seen. Any `GET` route that shares a word with the
profile counts as showing it, whatever it returns.
"#,
};

impl Rule for ProfileWithoutControls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let oo = &cx.catalog.opt_out;
        let writers = shared_profile_writers(cx);
        if writers.is_empty() {
            return;
        }
        let all = shared_rankings(cx);
        let Some(ranking) = all.first() else {
            return;
        };
        let an = cx.analysis;
        // What each service endpoint that shows or changes something is
        // called, and which it does.
        let endpoints: Vec<(String, bool, bool)> = an
            .entry_points
            .iter()
            .filter(|e| !e.kind.is_local())
            .map(|e| {
                let handler = match &e.handler {
                    Handler::Function { qualname, .. } => qualname.as_str(),
                    _ => "",
                };
                let text = format!("{} {handler}", e.route.as_deref().unwrap_or(""));
                let changes = e
                    .methods
                    .iter()
                    .any(|m| matches!(m.as_str(), "DELETE" | "PUT" | "PATCH"))
                    || oo.is_profile_control(&text);
                // A read: a GET route, or a route or UI handler that changes nothing.
                let shows =
                    !changes && (e.methods.is_empty() || e.methods.iter().any(|m| m == "GET"));
                (text.to_lowercase(), shows, changes)
            })
            .collect();
        for w in writers {
            let (name, fi, span) = (&w.name, w.file, w.span);
            let words: Vec<String> = name
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty() && !oo.profile_owner_words.iter().any(|o| o == w))
                .map(|w| w.to_string())
                .collect();
            let shares = |text: &str| words.iter().any(|w| mentions_word(text, w));
            let viewed = endpoints.iter().any(|(t, shows, _)| *shows && shares(t));
            let changed = endpoints
                .iter()
                .any(|(t, _, changes)| *changes && shares(t));
            let missing = match (viewed, changed) {
                (true, true) => continue,
                (false, false) => "see, change or delete",
                (true, false) => "change or delete",
                (false, true) => "see",
            };
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "The project builds a per-user profile `{name}` for recommendation, and no endpoint lets users {missing} it"
                ),
                Location {
                    path: cx.project.path(fi).into(),
                    span,
                },
            );
            let call = &cx.project.file(ranking.file, Reader::RulesOptOut).calls[ranking.call];
            f.related.push(related(
                cx,
                ranking.file,
                call.span,
                format!("ranks per user: {}", ranking.what),
            ));
            f.properties.insert("profile", json!(name));
            f.properties.insert("missing", json!(missing));
            out.push(f);
        }
    }
}

fn last(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Where a per-user profile is written: the first writer of its name.
#[derive(Debug, Clone)]
pub struct ProfileWriter {
    /// The profile's name, the written name's last segment.
    pub name: String,
    pub file: usize,
    pub span: Span,
}

/// The first writer of each profile name in the project, in file order
/// (in a file, assignments before calls), computed once per scan: the
/// rules' per-file phase makes it when OPT004 is enabled
/// (`rules::per_file`); this loop serves a call without it.
pub fn shared_profile_writers<'c>(cx: &'c Context<'_>) -> &'c [ProfileWriter] {
    cx.shared.profile_writers.get_or_init(|| {
        let oo = &cx.catalog.opt_out;
        let files = cx.project.each_file(Reader::RulesOptOut);
        first_profile_writers(files.iter().map(|(fi, f)| file_profile_writers(oo, fi, &f)))
    })
}

/// The first writer of each name among every file's candidates
/// ([`file_profile_writers`], in file order).
pub(crate) fn first_profile_writers(
    files: impl IntoIterator<Item = Vec<ProfileWriter>>,
) -> Vec<ProfileWriter> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for w in files.into_iter().flatten() {
        if seen.insert(w.name.clone()) {
            out.push(w);
        }
    }
    out
}

/// File `fi`'s profile writers, the first of each name in the file
/// (assignments, then calls): what the project's first writers are chosen
/// from.
pub(crate) fn file_profile_writers(
    oo: &crate::catalog::opt_out::OptOut,
    fi: usize,
    f: &crate::facts::FileFacts,
) -> Vec<ProfileWriter> {
    // Every candidate, in order; then the first of each name.
    let mut found: Vec<(&str, Span)> = Vec::new();
    for a in &f.assignments {
        // Stored on something (`user.interest_tags = ...`): not a local
        // variable or a field declaration.
        if !a.target.contains('.') {
            continue;
        }
        let name = last(&a.target);
        if oo.is_profile(name) {
            found.push((name, a.span));
        }
    }
    for c in &f.calls {
        let (receiver, method) = c.callee.rsplit_once('.').unwrap_or(("", &c.callee));
        let name = last(receiver);
        if !receiver.is_empty() && oo.is_profile_write(method) && oo.is_profile(name) {
            found.push((name, c.span));
        }
    }
    let mut writers: Vec<ProfileWriter> = Vec::new();
    for (name, span) in found {
        if !writers.iter().any(|w| w.name == name) {
            writers.push(ProfileWriter {
                name: name.to_string(),
                file: fi,
                span,
            });
        }
    }
    writers
}

/// Whether `text` holds `word` as a word, or with a plural `s` either way
/// (`interest` in `/me/interests`).
fn mentions_word(text: &str, word: &str) -> bool {
    let stem = word.strip_suffix('s').unwrap_or(word);
    text.split(|c: char| !c.is_alphanumeric())
        .any(|t| t == word || t == stem || t.strip_suffix('s') == Some(stem))
}

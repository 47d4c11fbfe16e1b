//! SVC003 minors-mode-missing: a consumer app (user accounts, plus chat or
//! recommendation) with no age check or minors setting anywhere.

use crate::analysis::entrypoints::Handler;
use crate::catalog::ContentType;
use crate::finding::{Finding, Level, Location};
use crate::rules::opt_out::rankings;
use crate::rules::service::{chat_ui, endpoint_related, public_generation, shown};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct MinorsModeMissing;

static META: RuleMeta = RuleMeta {
    code: "SVC003",
    name: "minors-mode-missing",
    category: Category::Service,
    default_level: Level::Note,
    precision: Precision::Low,
    status: Status::Preview,
    articles: &["CN-GAI-10", "CN-ARP-18", "CN-PIPL-31"],
    summary: "A consumer app with user accounts and chat or recommendation has no age check or minors setting.",
    security_severity: "2.0",
    doc: r#"
## What it does
For a project with at least one public endpoint that reaches a generation
call, decides whether it is a consumer app: it has user accounts (a public
route or handler for registration or login — `/register`, `/signup`,
`/login`, `sign_in` — or a stored user class such as `User(Base)`), and it
chats (a chat UI, or a public endpoint that generates text) or ranks
content per user (what OPT001 looks for). Then it looks for an age or
minors setting: names in code and configuration (`minor_mode`,
`youth_mode`, `age_gate`, `age_verification`, `date_of_birth`,
`is_minor`, `parental_control`) or user-facing text (`未成年人模式`,
`青少年模式`, `防沉迷`, `年龄验证`, "13 years old"). When none is found, one
note points at the account route (or the user class).

## Why is this bad?
Generative AI providers must take effective measures to keep minors from
over-relying on or becoming addicted to the service; recommendation
providers must offer a minors mode and content suited to minors; personal
information of children under 14 is sensitive and needs a guardian's
consent. None of that is possible without knowing a user's age or offering
a minors setting.

## Example
```python
@app.post("/signup")
def signup(form: SignupForm): ...

@app.post("/chat")
def chat(msg: Message): return llm.invoke(msg.text)
```

Use instead:
```python
@app.post("/signup")
def signup(form: SignupForm):
    if form.date_of_birth > adult_cutoff():
        enable_minor_mode(form.user)
```

## Options
When the age check or minors mode lives outside this repository (an
identity provider, an app's own settings screen), declare it in the
config: `[service] minors_mode = "where it lives"`. The names and terms
are catalogue data under `[catalog.service]` (`minors_terms`,
`account_routes`, `account_classes`).

## Known problems
Everything is matched by name, so precision is low: a developer tool with a
login page counts as a consumer app, and any `birthday` field quiets the
rule though nothing reads it. Services only for organisations can turn the
rule off.
"#,
};

impl Rule for MinorsModeMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(entry) = public_generation(cx) else {
            return;
        };
        let sv = &cx.catalog.service;
        if sv.declared.minors_mode.is_some() {
            return;
        }
        let tests = &cx.catalog.entrypoints.test_paths;
        let an = cx.analysis;
        // Accounts: a route or handler, else a stored user class.
        let route = an.entry_points.iter().filter(|e| e.public).find(|e| {
            let handler = match &e.handler {
                Handler::Function { qualname, .. } => qualname.as_str(),
                _ => "",
            };
            e.route
                .as_deref()
                .is_some_and(|r| sv.account_routes.is_match(r))
                || sv.account_routes.is_match(handler)
        });
        let (location, accounts) = match route {
            Some(e) => (e.location.clone(), format!("accounts: {}", e.describe())),
            None => {
                let class = cx.project.files.iter().find_map(|f| {
                    if tests.is_match(f.path.as_str()) {
                        return None;
                    }
                    f.classes
                        .iter()
                        .find(|c| !c.bases.is_empty() && sv.account_classes.is_match(&c.name))
                        .map(|c| (f, c))
                });
                let Some((f, c)) = class else {
                    return;
                };
                (
                    Location {
                        path: f.path.clone(),
                        span: c.name_span,
                    },
                    format!("accounts: the user class `{}`", c.name),
                )
            }
        };
        let chats = chat_ui(cx).is_some()
            || an
                .generation_endpoints()
                .any(|(i, e, _)| e.public && an.content_of(i).contains(&ContentType::Text));
        let consumer = if chats {
            "chat"
        } else if !rankings(cx).is_empty() {
            "personalised recommendation"
        } else {
            return;
        };
        if has_minors_setting(cx) {
            return;
        }
        let mut f = Finding::new(
            META.code,
            META.default_level,
            format!(
                "This consumer app ({accounts}; {consumer}) has no age check or minors setting: add one (a minors mode such as `minor_mode`/未成年人模式, an age gate or a date-of-birth check at registration), or, if it lives outside this repository, declare it with `[service] minors_mode = \"…\"` in the synthlint config"
            ),
            location,
        );
        f.related.push(endpoint_related(entry));
        out.push(f);
    }
}

/// Whether any name in code or configuration, or any user-facing text,
/// says minors mode or age check.
fn has_minors_setting(cx: &Context<'_>) -> bool {
    let terms = &cx.catalog.service.minors_terms;
    let tests = &cx.catalog.entrypoints.test_paths;
    if shown(cx, false).iter().any(|s| terms.is_match(s.text)) {
        return true;
    }
    cx.project.files.iter().any(|f| {
        if tests.is_match(f.path.as_str()) {
            return false;
        }
        f.functions
            .iter()
            .any(|g| terms.is_match(&g.name) || g.params.iter().any(|p| terms.is_match(p)))
            || f.assignments.iter().any(|a| terms.is_match(&a.target))
            || f.classes.iter().any(|c| {
                terms.is_match(&c.name) || c.fields.iter().any(|x| terms.is_match(&x.name))
            })
            || f.calls.iter().any(|c| {
                c.args
                    .iter()
                    .any(|a| a.keyword.is_some_and(|k| terms.is_match(&k)))
            })
            || f.config.iter().any(|e| terms.is_match(e.key()))
    })
}

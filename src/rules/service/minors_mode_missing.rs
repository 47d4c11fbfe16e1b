//! SVC003 minors-mode-missing: a consumer app (user accounts, plus chat or
//! recommendation) with no age check or minors setting anywhere.

use rayon::prelude::*;
use regex::RegexSet;

use crate::analysis::Reader;
use crate::analysis::door::Item;
use crate::analysis::entrypoints::{EntryPoint, Handler};
use crate::analysis::index::dotted;
use crate::catalog::ContentType;
use crate::facts::{Class, FileFacts};
use crate::finding::{Finding, Level, Location};
use crate::rules::opt_out::shared_rankings;
use crate::rules::opt_out::stored::is_stored;
use crate::rules::service::{Duty, chat_ui, endpoint_related, public_generation, shared, shows};
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
route or handler that makes them — `/register`, `/signup`, `/oauth/...` —
or a user class stored in a database, such as `User(Base)` with SQLAlchemy
or a Django `AbstractUser`; a login page alone is not enough, it may guard
a tool with one shared password), and it
chats (a chat UI, or a public endpoint that generates text) or ranks
content per user (what OPT001 looks for). Then it looks for an age or
minors setting: names in code and configuration (`minor_mode`,
`youth_mode`, `age_gate`, `age_verification`, `is_minor`,
`parental_control`) or user-facing text (`未成年人模式`, `青少年模式`,
`防沉迷`, `年龄验证`, "13 years old"). A birth date or age (`date_of_birth`,
`birthday`, `dob`, `age`, `出生日期`) counts only where accounts are: a field
of a user or profile class, a parameter of a sign-up or login handler, a
string of an account page (`register.html`, `settings.vue`); a résumé
parser's "Date of Birth" or a prompt's "birthday" does not. When none is
found, one note points at the account route (or the user class).

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
Accounts, chat and the age check are matched by name and kind, not by what
the code does with them: a registered user's `birthday` field quiets the
rule though nothing reads it, and a service only for organisations (a
team tool with sign-up) is still taken for a consumer app; such services
can turn the rule off or declare the age check.
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
        let an = cx.analysis;
        // Accounts: a route that makes them, or a stored user class (a
        // login page alone may guard a tool with one shared password).
        let signup = an.entry_points.iter().find(|e| names(e, &sv.signup_routes));
        let user_class = stored_user_class(cx);
        let login = an
            .entry_points
            .iter()
            .find(|e| names(e, &sv.account_routes));
        let (location, accounts) = match (signup, user_class, login) {
            (Some(e), _, _) => (e.location.clone(), format!("accounts: {}", e.describe())),
            (None, Some((_, c)), Some(e)) => (
                e.location.clone(),
                format!("accounts: {}, the user class `{}`", e.describe(), c.name),
            ),
            (None, Some((fi, c)), None) => (
                Location {
                    path: cx.project.path(fi).into(),
                    span: c.name_span,
                },
                format!("accounts: the user class `{}`", c.name),
            ),
            (None, None, _) => return,
        };
        let chats = chat_ui(cx).is_some()
            || an
                .generation_endpoints()
                .any(|(i, e, _)| e.public && an.content_of(i).contains(&ContentType::Text));
        let consumer = if chats {
            "chat"
        } else if !shared_rankings(cx).is_empty() {
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

/// Whether public entry point `e` is named by `set`, by its route or its
/// handler's name.
fn names(e: &EntryPoint, set: &RegexSet) -> bool {
    e.public
        && (e.route.as_deref().is_some_and(|r| set.is_match(r))
            || handler_name(e).is_some_and(|h| set.is_match(h)))
}

/// The qualified names of the handlers of the routes that make or use
/// accounts (sign-up, login): their parameters may hold a birth date.
pub(crate) fn account_handlers<'p>(cx: &Context<'p>) -> Vec<&'p str> {
    let sv = &cx.catalog.service;
    cx.analysis
        .entry_points
        .iter()
        .filter(|e| names(e, &sv.signup_routes) || names(e, &sv.account_routes))
        .filter_map(handler_name)
        .collect()
}

/// The qualified name of an entry point's handler function.
fn handler_name(e: &EntryPoint) -> Option<&str> {
    match &e.handler {
        Handler::Function { qualname, .. } => Some(qualname.as_str()),
        _ => None,
    }
}

/// The first class, outside test paths, named as a user account and
/// stored in a database (an ORM or document model: `[opt_out.rights]
/// storage_bases`).
///
/// Worked out once per scan: the rules' per-file phase does it when SVC003
/// is enabled (`rules::per_file`); this search serves a call without it.
fn stored_user_class<'p>(cx: &Context<'p>) -> Option<(usize, Item<'p, Class>)> {
    let found = cx.shared.user_class.get_or_init(|| {
        let tests = cx.test_files();
        cx.project
            .each_file(Reader::RulesService)
            .par_iter()
            .find_map_first(|(fi, f)| {
                if tests[fi] {
                    return None;
                }
                file_user_class(cx, &f).map(|ci| (fi, ci))
            })
    });
    let &(fi, ci) = found.as_ref()?;
    Some((fi, cx.project.file(fi, Reader::RulesService).class(ci)))
}

/// The first class of file `f` (not a test file) that
/// [`stored_user_class`] would pick.
pub(crate) fn file_user_class(cx: &Context<'_>, f: &FileFacts) -> Option<usize> {
    let sv = &cx.catalog.service;
    let rights = &cx.catalog.opt_out.rights;
    f.classes.iter().position(|c| {
        !c.bases.is_empty()
            && sv.account_classes.is_match(&c.name)
            && is_stored(cx, rights, &dotted(&f.module, &c.qualname))
    })
}

/// Whether the project has an age check or minors setting. A minors term
/// (`minor_mode`, 未成年人模式, `age_gate`) counts anywhere: a name in code or
/// configuration, or user-facing text. A birth date or age
/// (`minors_fields`) counts only where accounts are: a field of a class
/// named for them (`UserProfile.date_of_birth`), a parameter of an account
/// handler ([`account_handlers`]) or of a function named for accounts, or
/// a string of a page named for them (`register.html`).
fn has_minors_setting(cx: &Context<'_>) -> bool {
    if shows(cx, Duty::Minors) {
        return true;
    }
    // The names: made by the rules' per-file pass (`rules::per_file`),
    // else file by file here, on the pool.
    if let Some(named) = shared(cx).minors_named() {
        return named;
    }
    let handlers = account_handlers(cx);
    let tests = cx.test_files();
    cx.project
        .each_file(Reader::RulesService)
        .par_iter()
        .any(|(fi, f)| !tests[fi] && file_names_minors(cx, &handlers, &f))
}

/// Whether a name of file `f` (not a test file) says the project has an
/// age check or minors setting ([`has_minors_setting`]): a function, its
/// parameters, an assignment, a class or its fields, a keyword argument or
/// a configuration key. `account_handlers` as [`account_handlers`] gives
/// them.
pub(crate) fn file_names_minors(
    cx: &Context<'_>,
    account_handlers: &[&str],
    f: &FileFacts,
) -> bool {
    let sv = &cx.catalog.service;
    let terms = &sv.minors_terms;
    let fields = &sv.minors_fields;
    let accounts = &sv.account_contexts;
    let account_class = |c: &Class| accounts.is_match(&c.name);
    f.functions.iter().any(|g| {
        terms.is_match(&g.name)
            || g.params.iter().any(|p| terms.is_match(p))
            || ((accounts.is_match(&g.name) || account_handlers.contains(&g.qualname.as_str()))
                && g.params.iter().any(|p| fields.is_match(p)))
    }) || f.assignments.iter().any(|a| {
        terms.is_match(&a.target)
            || (a.scope.is_none()
                && fields.is_match(&a.target)
                && f.classes
                    .iter()
                    .any(|c| account_class(c) && c.span.contains(&a.span)))
    }) || f.classes.iter().any(|c| {
        terms.is_match(&c.name)
            || c.fields
                .iter()
                .any(|x| terms.is_match(&x.name) || (account_class(c) && fields.is_match(&x.name)))
    }) || f.calls.iter().any(|c| {
        c.args
            .iter()
            .any(|a| a.keyword.is_some_and(|k| terms.is_match(&k)))
    }) || f.config.iter().any(|e| terms.is_match(e.key()))
}

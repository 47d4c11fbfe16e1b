//! OPT005 rights-endpoints-missing: the project stores personal data or
//! conversations per user, and no endpoint lets users export, correct or
//! delete them.

use std::collections::BTreeMap;

use serde_json::json;

use crate::catalog::rights::RightKind;
use crate::finding::{Finding, Level, Location};
use crate::rules::opt_out::related;
use crate::rules::opt_out::stored::{Services, StoredClass, rights_endpoints, stored_classes};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct RightsEndpointsMissing;

static META: RuleMeta = RuleMeta {
    code: "OPT005",
    name: "rights-endpoints-missing",
    category: Category::OptOut,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-PIPL-45", "CN-PIPL-46", "CN-PIPL-47", "CN-GAI-11"],
    summary: "The project stores personal data or conversations per user, and no endpoint lets users export, correct or delete them.",
    security_severity: "2.0",
    doc: r#"
## What it does
Finds the records a service keeps about its users: project classes that
derive from an ORM model or document base (SQLAlchemy, Flask-SQLAlchemy,
Django, SQLModel, Beanie, MongoEngine, ODMantic, Peewee, Tortoise), either
the user table itself (`User`, `Account`, `Profile`) or a class with an
owner field (`user_id`, `owner`, `author`), with at least one field that
holds personal data (`email`, `phone`, `address`, ...) or conversation
content (`messages`, `prompt`; or the record is named for it:
`Conversation`, `ChatHistory`).

It then looks at the service's endpoints (HTTP routes, UI handlers) for
the three things users have the right to ask for:
- **export**: a route or handler that says `export`, `download`,
  `takeout`, `my_data`, `导出`;
- **correct**: a `PUT` or `PATCH` route, or one that says `update`,
  `edit`, `correct`, `修改`;
- **delete**: a `DELETE` route, or one that says `delete`, `remove`,
  `erase`, `deactivate`, `注销`.

An endpoint counts when its route or handler names a stored class (its
name or table name, singular or plural: `/conversations/{id}` for
`Conversation`) or the user's account as a whole (`/me`, `account`,
`user`), in the same service as the class: the nearest folder above both
with a `pyproject.toml`, `setup.py`, `manage.py`, `Dockerfile` or
`Cargo.toml` (a second service in the repository does not serve the first
one's users). One finding per service, at its first stored class, lists
the rights no endpoint serves.

## Why is this bad?
People whose personal information a service handles may look at and copy
it, have it corrected and have it deleted, and a generative AI service
must take and act on such requests in time. A service that keeps every
user's conversations but gives them no way to download or delete them
leaves each request to manual work, or to nobody.

## Example
```python
class Conversation(Base):
    __tablename__ = "conversations"
    user_id = Column(Integer, ForeignKey("users.id"))
    messages = Column(JSON)

@app.post("/chat")
def chat(req: ChatRequest, user=Depends(current_user)): ...
```

Use instead:
```python
@app.get("/me/export")
def export_my_data(user=Depends(current_user)): ...

@app.patch("/conversations/{cid}")
def rename_conversation(cid: int, body: Rename, user=Depends(current_user)): ...

@app.delete("/conversations/{cid}")
def delete_conversation(cid: int, user=Depends(current_user)): ...
```

## Options
The storage base classes, owner field names, user table names, the words
of each kind of endpoint and the words that mean the whole account are
catalogue data under `[catalog.opt_out.rights]` (`storage_bases`,
`owner_fields`, `user_tables`, `export`, `correct`, `delete`,
`account_words`).

## Known problems
Endpoints are recognised by their methods and names, not by what their
code does: a handler called `update_settings` counts as a correction
endpoint whatever it changes. Requests handled outside the repository (a
support mailbox, an admin console served by another service) are not seen;
suppress the finding with a reason that says where they are handled.
"#,
};

impl Rule for RightsEndpointsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysis.entry_points.iter().any(|e| !e.kind.is_local()) {
            return;
        }
        let services = Services::new(cx);
        let stored = stored_classes(cx);
        if stored.is_empty() {
            return;
        }
        let endpoints = rights_endpoints(cx, &services);
        let mut parts: BTreeMap<&str, Vec<&StoredClass>> = BTreeMap::new();
        for c in stored.iter() {
            parts.entry(c.part.as_str()).or_default().push(c);
        }
        for (part, classes) in parts {
            let served = |kind: RightKind| {
                endpoints.iter().any(|e| {
                    e.kinds.contains(&kind)
                        && e.part == part
                        && (e.account || classes.iter().any(|c| e.names(c)))
                })
            };
            let missing: Vec<RightKind> =
                RightKind::ALL.into_iter().filter(|k| !served(*k)).collect();
            if !missing.is_empty() {
                out.push(finding(cx, &classes, &missing));
            }
        }
    }
}

/// One finding for a service, at its first stored class.
fn finding(cx: &Context<'_>, classes: &[&StoredClass], missing: &[RightKind]) -> Finding {
    let first = classes[0];
    let verbs: Vec<&str> = missing.iter().map(|k| k.verb()).collect();
    let what: Vec<String> = classes
        .iter()
        .take(3)
        .map(|c| format!("`{}` ({})", c.name, c.holds.join(", ")))
        .collect();
    let more = match classes.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let mut f = Finding::new(
        META.code,
        META.default_level,
        format!(
            "Users' personal data is stored per user in {}{more}, and no endpoint lets users {} it",
            what.join(", "),
            or_list(&verbs)
        ),
        Location {
            path: cx.project.path(first.file).into(),
            span: first.name_span,
        },
    );
    for c in classes.iter().skip(1).take(8) {
        f.related.push(related(
            cx,
            c.file,
            c.name_span,
            format!("also stored per user: `{}`", c.name),
        ));
    }
    f.properties.insert("missing", json!(verbs));
    f
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

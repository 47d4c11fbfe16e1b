//! LOG003 record-without-requester: a record of user input that says
//! nothing of who sent it or from where.

use std::collections::BTreeMap;

use serde_json::json;

use super::records;
use crate::analysis::Reader;
use crate::finding::{Finding, Level, Location, Related};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct RecordWithoutRequester;

static META: RuleMeta = RuleMeta {
    code: "LOG003",
    name: "record-without-requester",
    category: Category::Log,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-SAP-5", "CN-CSL-23"],
    summary: "A record of user input names neither the account or session nor the source address.",
    security_severity: "2.0",
    doc: r#"
## What it does
Looks at each record of user input (see LOG002 for what a record is) made in
code that a service's generation endpoint runs, and reports it when nothing
on the record identifies who sent the input — an account, user or session id
— or where it came from — `request.client.host`, `remote_addr`, the
`X-Forwarded-For` or `X-Real-IP` header. It reads the record call's
arguments and keywords, the calls inside them (`Row(user_id=...)`), a bound
logger's fields (`logger.bind(user_id=...)`), dictionary keys and header
names, and the assignments of the names it passes, one step back. Records
reached only from local entry points (command lines) are not reported, nor
error-level logs, which report a failure rather than record the request.

## Why is this bad?
A record of what was asked that cannot be tied to an account or an address
answers neither a complaint nor a regulator: providers must be able to trace
generated content and illegal use back to the user, and network logs are kept
for that purpose (Service Agreement and Personal Information rules Art. 5,
Cybersecurity Law Art. 23, formerly 21).

## Example
```python
@app.post("/chat")
async def chat(req: ChatRequest):
    logger.info("prompt %s", req.prompt)        # LOG003: whose prompt?
    return {"answer": llm.invoke(req.prompt)}
```

Use instead:
```python
@app.post("/chat")
async def chat(req: ChatRequest, request: Request):
    logger.info("prompt %s user %s ip %s", req.prompt, req.user_id,
                request.client.host)
    return {"answer": llm.invoke(req.prompt)}
```

## Known problems
Identity is recognised by name (`user_id`, `session`, `account`, `ip`,
`remote_addr`, ...): a field named otherwise is missed and the record
reported, and a logging configuration that adds the user and address to every
line (a filter, a formatter, a context variable, an access log) is not seen.
Name-based matching can also take an unrelated `owner` or `login` for an
identity.
"#,
};

impl Rule for RecordWithoutRequester {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        if an.generation_endpoints().next().is_none() {
            return;
        }
        let found = records::shared(cx);
        let Some(found) = found.as_ref() else {
            return;
        };
        // Per counted record: the service endpoints whose path holds it.
        let mut by_node: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, r) in found.sites.iter().enumerate() {
            // An error log reports a failure, not the request: its fields
            // are whatever failed (a model name), not a record of the input.
            if r.not_counted.is_none() && r.kind != "log-error" {
                by_node.entry(r.node).or_default().push(i);
            }
        }
        let mut endpoints: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (e, entry, _) in an.generation_endpoints() {
            if entry.kind.is_local() {
                continue;
            }
            for n in &an.reach[e].nodes {
                for &i in by_node.get(n).into_iter().flatten() {
                    endpoints.entry(i).or_default().push(e);
                }
            }
        }
        for (i, entries) in endpoints {
            let r = &found.sites[i];
            if records::identifies(cx, r.site) {
                continue;
            }
            let file = cx.project.file(r.site.file, Reader::RulesLogs);
            let call = &file.calls[r.site.call];
            let entry = &an.entry_points[entries[0]];
            let more = match entries.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let message = format!(
                "`{}` records user input from {}{more} but nothing on the record says who sent it \
                 (an account, user or session id) or from where (`request.client.host`, \
                 `remote_addr`, `X-Forwarded-For`)",
                call.callee,
                entry.describe()
            );
            let mut f = Finding::new(
                META.code,
                META.default_level,
                message,
                Location {
                    path: file.path.as_str().into(),
                    span: call.span,
                },
            );
            f.symbol = call.scope.map(crate::finding::Text::from);
            f.related = vec![Related {
                location: entry.location.clone(),
                message: format!("entry point {}", entry.describe()).into(),
            }];
            f.flow = found.taint.flows[r.flow]
                .steps
                .iter()
                .map(|s| s.related(cx.project))
                .collect();
            f.properties.insert("recordKind", json!(r.kind));
            out.push(f);
        }
    }
}

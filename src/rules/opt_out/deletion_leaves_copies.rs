//! OPT006 deletion-leaves-copies: an endpoint deletes a user's records,
//! but copies that the path storing those records also wrote — into a
//! vector store, a cache, a training set — are left behind.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::analysis::Reader;
use crate::analysis::callgraph::NodeId;
use crate::catalog::rights::RightKind;
use crate::finding::{Finding, Level};
use crate::qname::OptionQName;
use crate::rules::opt_out::stored::{Services, reach, rights_endpoints, stored_classes};
use crate::rules::opt_out::{call_node, related};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct DeletionLeavesCopies;

static META: RuleMeta = RuleMeta {
    code: "OPT006",
    name: "deletion-leaves-copies",
    category: Category::OptOut,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-PIPL-47", "CN-GAI-11"],
    summary: "An endpoint deletes a user's records but not the copies the storing path wrote into a vector store, cache or training set.",
    security_severity: "4.0",
    doc: r#"
## What it does
Takes the records a service keeps per user (the classes OPT005 finds) and
the endpoints that store them: entry points whose code creates such a
record (`Conversation(...)`, `Message.objects.create(...)`, a Rust struct
literal `Conversation { user_id, .. }`). Where the
same endpoint's code also writes into another store — a vector store
(`add_texts`, `upsert` on a collection or index), a cache (`redis.set`,
`lpush`) or a training set (`append_to_training_data`) — that store holds a
copy of the user's data.

For every deletion endpoint that names the record (a `DELETE` route, or a
route or handler that says `delete`, `remove`, `erase`, on
`/conversations/{id}` for `Conversation`), it follows the handler's code
along call edges and reports the endpoint when it never deletes from a
store that holds a copy. The message names the store and the write.
A deletion done by a job the endpoint hands off counts: a function passed
to be run (`BackgroundTasks.add_task(purge, …)`, `queue.enqueue(purge, …)`,
`Thread(target=purge)`) or a task function sent to a worker
(`purge.delay(…)`, `purge.apply_async(…)`, Dramatiq's `purge.send(…)`).

## Why is this bad?
A deletion request covers every copy of the person's data the service
keeps. Deleting the database row while the same text stays retrievable from
a vector store, answerable from a cache, or queued for the next training
run leaves the data in use after the user asked for it to be gone.

## Example
```python
@app.post("/conversations/{cid}/messages")
def add_message(cid: int, body: MessageIn):
    db.add(Message(conversation_id=cid, user_id=body.user_id, content=body.text))
    vectorstore.add_texts([body.text], metadatas=[{"cid": cid}])

@app.delete("/conversations/{cid}")
def delete_conversation(cid: int):
    db.query(Message).filter_by(conversation_id=cid).delete()
```

Use instead:
```python
@app.delete("/conversations/{cid}")
def delete_conversation(cid: int):
    db.query(Message).filter_by(conversation_id=cid).delete()
    vectorstore.delete(filter={"cid": cid})
```

## Options
The stores, and the calls that write and delete there, are catalogue data
under `[[catalog.opt_out.rights.copy]]` (`kind`, `writes`, `deletes`:
regular expressions over the callee as written and as resolved).

## Known problems
Stores and calls are matched by name. A job enqueued by name (Celery's
`send_task("tasks.purge")`) or run by another service, a store that expires
entries on its own (a cache with a time to live), or a copy made by another
service is not seen.
"#,
};

/// Methods on a record class that write a record (`Message.objects.create`).
const CREATES: &[&str] = &[
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "insert",
    "insert_one",
    "insert_many",
    "save",
];

impl Rule for DeletionLeavesCopies {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let copies = &cx.catalog.opt_out.rights.copies;
        if copies.is_empty() {
            return;
        }
        let services = Services::new(cx);
        let stored = stored_classes(cx);
        if stored.is_empty() {
            return;
        }
        let endpoints = rights_endpoints(cx, &services);
        // Deletion endpoints and the stored classes each names.
        let deletions: Vec<(usize, Vec<usize>)> = endpoints
            .iter()
            .filter(|e| e.kinds.contains(&RightKind::Delete))
            .filter_map(|e| {
                let named = e.named(&stored);
                (!named.is_empty()).then_some((e.entry, named))
            })
            .collect();
        if deletions.is_empty() {
            return;
        }
        // The calls that matter, by the node whose code makes them.
        let mut creates: BTreeMap<NodeId, BTreeSet<usize>> = BTreeMap::new();
        let mut writes: BTreeMap<NodeId, Vec<(usize, usize, usize)>> = BTreeMap::new();
        let mut deletes: BTreeMap<NodeId, BTreeSet<usize>> = BTreeMap::new();
        for (fi, f) in cx.project.each_file(Reader::RulesOptOut).iter() {
            for (ci, call) in f.calls.iter().enumerate() {
                let resolved = call.resolved.as_name();
                let names = [Some(call.callee.as_str()), resolved];
                for (k, copy) in copies.iter().enumerate() {
                    if names.iter().flatten().any(|n| copy.writes(n)) {
                        writes
                            .entry(call_node(cx, fi, ci))
                            .or_default()
                            .push((k, fi, ci));
                    }
                    if names.iter().flatten().any(|n| copy.deletes(n)) {
                        deletes.entry(call_node(cx, fi, ci)).or_default().insert(k);
                    }
                }
                if let Some(r) = resolved {
                    for (c, class) in stored.iter().enumerate() {
                        if creates_record(r, &class.dotted) {
                            creates.entry(call_node(cx, fi, ci)).or_default().insert(c);
                        }
                    }
                }
            }
        }
        if writes.is_empty() || creates.is_empty() {
            return;
        }
        // For each stored class, the copies written on a path that stores
        // it: (copy kind, file, call, storing entry).
        let mut copied: Vec<Vec<(usize, usize, usize, usize)>> = vec![Vec::new(); stored.len()];
        let an = cx.analysis;
        for (e, entry) in an.entry_points.iter().enumerate() {
            if entry.kind.is_local() {
                continue;
            }
            let nodes = reach(cx, e);
            let classes: BTreeSet<usize> = nodes
                .iter()
                .filter_map(|n| creates.get(n))
                .flatten()
                .copied()
                .collect();
            if classes.is_empty() {
                continue;
            }
            let written: Vec<(usize, usize, usize)> = nodes
                .iter()
                .filter_map(|n| writes.get(n))
                .flatten()
                .copied()
                .collect();
            for c in classes {
                copied[c].extend(written.iter().map(|&(k, fi, ci)| (k, fi, ci, e)));
            }
        }
        for (entry, named) in deletions {
            let nodes = reach(cx, entry);
            let deleted: BTreeSet<usize> = nodes
                .iter()
                .filter_map(|n| deletes.get(n))
                .flatten()
                .copied()
                .collect();
            // The first write of each kind of copy left behind.
            let mut left: BTreeMap<usize, (usize, usize, usize, usize)> = BTreeMap::new();
            for &c in &named {
                for &(k, fi, ci, e) in &copied[c] {
                    if e != entry && !deleted.contains(&k) {
                        left.entry(k).or_insert((c, fi, ci, e));
                    }
                }
            }
            if left.is_empty() {
                continue;
            }
            let ep = &an.entry_points[entry];
            let kinds: Vec<&str> = left.keys().map(|&k| copies[k].kind.as_str()).collect();
            let classes: Vec<String> = named
                .iter()
                .map(|&c| format!("`{}`", stored[c].name))
                .collect();
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "{} deletes {} records but not the copies the storing path wrote to the {}",
                    ep.describe(),
                    classes.join(", "),
                    kinds.join(" and the ")
                ),
                ep.location.clone(),
            );
            for (&k, &(c, fi, ci, e)) in &left {
                let call = &cx.project.file(fi, Reader::RulesOptOut).calls[ci];
                f.related.push(related(
                    cx,
                    fi,
                    call.span,
                    format!(
                        "{} also writes `{}` data here ({}: `{}`)",
                        an.entry_points[e].describe(),
                        stored[c].name,
                        copies[k].kind,
                        call.callee
                    ),
                ));
            }
            f.properties.insert("stores", json!(kinds));
            out.push(f);
        }
    }
}

/// Whether a resolved callee makes a record of class `dotted`: its
/// constructor, or a creating method on it (`Message.objects.create`).
fn creates_record(resolved: &str, dotted: &str) -> bool {
    let Some(rest) = resolved.strip_prefix(dotted) else {
        return false;
    };
    if rest.is_empty() || rest == "()" {
        return true;
    }
    rest.starts_with('.')
        && rest
            .rsplit('.')
            .next()
            .is_some_and(|m| CREATES.contains(&m))
}

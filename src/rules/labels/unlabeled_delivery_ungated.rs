//! LBL008 unlabeled-delivery-ungated: a request or setting can turn the
//! explicit label off, and the path that leaves it off neither checks that
//! the user accepted the agreement nor logs who received the content.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::analysis::Reader;
use crate::analysis::callgraph::{Node, NodeId};
use crate::analysis::results::LabelEvidence;
use crate::catalog::ContentType;
use crate::catalog::labels::{LabelGate, LabelKind};
use crate::facts::{Call, FileFacts, Value};
use crate::finding::{Finding, Level, Location, Related};
use crate::qname::OptionQName;
use crate::rules::labels::{generation_related, is_service, needs_label};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct UnlabeledDeliveryUngated;

static META: RuleMeta = RuleMeta {
    code: "LBL008",
    name: "unlabeled-delivery-ungated",
    category: Category::Label,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-LBL-9", "CN-LBL-8", "CN-LBL-4"],
    summary: "The explicit label can be switched off without an agreement check and a log of the recipient.",
    security_severity: "4.0",
    doc: r#"
## What it does
Looks for an explicit label that is added only when a value says so: a
request field, query parameter, flag or setting such as `add_watermark`,
`no_label` or `show_ai_label` in the `if` (or conditional expression) around
the label call or disclosure text, in the endpoint's own code or around the
call that reaches the labeling helper. For each service endpoint with such a
switch, it then looks at all the code the endpoint reaches for two things:
an agreement check (a condition, call or dependency named like
`user.agreed_to_terms` or `require_agreement`), and a logging or database
call that names the recipient (`user.id`, `account_id`) on the path where the
label is left out, or that records the switch itself. It reports the
endpoint when either is missing, and says which.

## Why is this bad?
Content that must carry a visible label may go out without one only when the
user asks for it, and only after the user agreement has spelt out the user's
own labeling duties. The provider must also keep logs that identify who
received unlabeled content, for at least six months. A switch that turns the
label off with neither safeguard hands out unlabeled AI content with no
record of where it went.

## Example
```python
@app.post("/images")
def create(req: ImageRequest, user: User = Depends(current_user)):
    image = pipe(req.prompt).images[0]
    if req.add_watermark:
        image = draw_ai_label(image)
    return to_png(image)
```

Use instead:
```python
@app.post("/images")
def create(req: ImageRequest, user: User = Depends(current_user)):
    image = pipe(req.prompt).images[0]
    if req.add_watermark:
        image = draw_ai_label(image)
    else:
        if not user.agreed_to_terms:
            raise HTTPException(403, "accept the user agreement first")
        audit_log.info("unlabeled image delivered", extra={"user_id": user.id})
    return to_png(image)
```

## Options
Names are catalogue data (regular expressions over names as written); add
your own in the configuration:
`[catalog.label_gate] agreement = ["(?i)signed_contract"]`, and likewise
`switches`, `logs` and `recipients`.

## Known problems
Switches, agreement checks and logs are recognised by their names. An
agreement enforced at sign-up or by a gateway, and logs written by a separate
audit service, are not seen; silence the endpoint in configuration then. A
label skipped by an early `return` before it, or by a short-circuit
(`flag and draw(...)`), is not seen as switched. How long logs are kept is
not checked. Endpoints that only enhance content are left to LBL009.
"#,
};

impl Rule for UnlabeledDeliveryUngated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let gate = &cx.catalog.label_gate;
        // Per file: the conditions that read a label switch. Most projects
        // have none, and then there is nothing to do.
        let switches = label_switches(cx);
        if switches.iter().all(Vec::is_empty) {
            return;
        }
        let scan = Scan {
            cx,
            gate,
            switches: &switches,
        };
        let an = cx.analysis;
        for (e, entry, _) in an.generation_endpoints() {
            if !is_service(entry) {
                continue;
            }
            let needed = needs_label(cx, e, LabelKind::Explicit);
            let Some(start) = an.graph.handler_node(cx.project, &entry.handler) else {
                continue;
            };
            if needed.is_empty() {
                continue;
            }
            let Some(found) = scan.endpoint(start, &needed) else {
                continue;
            };
            let mut missing = Vec::new();
            if !found.agreement {
                missing.push("agreement");
            }
            if !found.recipient_log {
                missing.push("recipient-log");
            }
            if missing.is_empty() {
                continue;
            }
            let what = match (found.agreement, found.recipient_log) {
                (false, false) => {
                    "neither checks that the user accepted the agreement nor logs who receives the content"
                }
                (false, true) => "does not check that the user accepted the agreement",
                _ => "does not log who receives the unlabeled content",
            };
            let content: Vec<&str> = found.content.iter().map(|c| c.as_str()).collect();
            let label_file = cx.project.file(found.label.file, Reader::RulesLabels);
            let switch_file = cx.project.file(found.switch.file, Reader::RulesLabels);
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "{} can deliver generated {} without its explicit label (`{}` switches it off), and the path that leaves the label out {what}",
                    entry.describe(),
                    content.join("/"),
                    found.switch_name
                ),
                entry.location.clone(),
            );
            f.related = vec![
                Related {
                    location: Location {
                        path: switch_file.path.as_str().into(),
                        span: found.switch.span,
                    },
                    message: format!("the explicit label depends on `{}`", found.switch_name)
                        .into(),
                },
                Related {
                    location: Location {
                        path: label_file.path.as_str().into(),
                        span: found.label.span,
                    },
                    message: format!(
                        "the explicit label, added only on one branch of `{}`",
                        found.switch_name
                    )
                    .into(),
                },
            ];
            f.related.extend(generation_related(cx, e));
            f.properties.insert("contentTypes", json!(content));
            f.properties
                .insert("switch", json!(found.switch_name.clone()));
            f.properties.insert("missing", json!(missing));
            out.push(f);
        }
    }
}

/// One branch of one switch condition: the code runs only when the
/// condition in `file` holds (`then`) or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Guard {
    file: usize,
    cond: usize,
    then: bool,
}

/// What was found on one endpoint's paths.
struct Found {
    content: Vec<ContentType>,
    switch_name: String,
    /// The switch condition's test, and the label it guards.
    switch: Located,
    label: Located,
    agreement: bool,
    recipient_log: bool,
}

#[derive(Clone, Copy)]
struct Located {
    file: usize,
    span: Span,
}

/// Per file, the conditions that read a label switch, computed once per
/// scan: the rules' per-file phase makes them when LBL008 is enabled
/// (`rules::per_file`); this loop serves a call without it.
///
/// Freed after LBL008 (`rules::HELD`).
fn label_switches(cx: &Context<'_>) -> std::sync::Arc<Vec<Vec<usize>>> {
    cx.shared.label_switches.get_or_init(|| {
        let gate = &cx.catalog.label_gate;
        cx.project
            .each_file(Reader::RulesLabels)
            .facts()
            .map(|f| file_label_switches(gate, &f))
            .collect()
    })
}

/// [`label_switches`] of one file (catalogue only; empty in most files).
pub(crate) fn file_label_switches(gate: &LabelGate, f: &FileFacts) -> Vec<usize> {
    (0..f.conditions.len())
        .filter(|&c| f.conditions[c].names.iter().any(|n| gate.is_switch(n)))
        .collect()
}

struct Scan<'c, 'a> {
    cx: &'c Context<'a>,
    gate: &'c LabelGate,
    /// Per file: indices of the conditions that read a switch.
    switches: &'c [Vec<usize>],
}

impl Scan<'_, '_> {
    /// Where a node's code lives: file, function qualname (`None` at module
    /// level) and, for a `__main__` block, its span.
    fn place(&self, node: NodeId) -> (usize, Option<&str>, Option<Span>) {
        let project = self.cx.project;
        match self.cx.analysis.graph.nodes[node] {
            Node::Function { file, func } => (
                file,
                Some(
                    project.file(file, Reader::RulesLabels).functions[func]
                        .qualname
                        .as_str(),
                ),
                None,
            ),
            Node::Module { file } => (file, None, None),
            Node::Main { file, guard } => (
                file,
                None,
                Some(project.file(file, Reader::RulesLabels).main_guards[guard]),
            ),
            Node::Closure { file, closure } => {
                let (scope, span) = self.cx.analysis.graph.closure_place(file, closure);
                (file, scope.map(|s| s.as_str()), Some(span))
            }
        }
    }

    /// Whether code at `span` belongs to `node`'s own code.
    fn in_node(&self, node: NodeId, scope: Option<&str>, span: &Span) -> bool {
        let (file, own, main) = self.place(node);
        let f = self.cx.project.file(file, Reader::RulesLabels);
        scope == own
            && match main {
                Some(m) => m.contains(span),
                None => own.is_some() || !f.main_guards.iter().any(|g| g.contains(span)),
            }
    }

    /// The innermost switch condition in `node`'s own code whose branch holds `span`.
    fn own_guard(&self, node: NodeId, span: &Span) -> Option<Guard> {
        let (file, scope, _) = self.place(node);
        let f = self.cx.project.file(file, Reader::RulesLabels);
        self.switches[file]
            .iter()
            .filter(|&&c| f.conditions[c].scope.as_deref() == scope)
            .filter_map(|&c| {
                let cond = &f.conditions[c];
                let then = cond.then.contains(span);
                let orelse = cond.orelse.as_ref().is_some_and(|o| o.contains(span));
                (then || orelse).then_some((
                    cond.span.start_byte,
                    Guard {
                        file,
                        cond: c,
                        then,
                    },
                ))
            })
            .max_by_key(|(start, _)| *start)
            .map(|(_, g)| g)
    }

    /// Every node `start` reaches, with the switch branch it runs under
    /// (`None`: reached on some path without one). Breadth-first; a node
    /// is visited again at most once, when first seen under a switch and
    /// then found without one.
    fn guarded_reach(&self, start: NodeId) -> BTreeMap<NodeId, Option<Guard>> {
        self.cx.analysis.graph.walk(
            start,
            None,
            |node, site, guard: &Option<Guard>| {
                let call = &self.cx.project.file(site.file, Reader::RulesLabels).calls[site.call];
                guard.or_else(|| self.own_guard(node, &call.span))
            },
            // Reached on a path without a switch: that settles it.
            |old, new| old.is_some() && new.is_none(),
        )
    }

    /// The calls in `node`'s own code (`f`: its file), by index.
    fn calls(&self, node: NodeId, f: &FileFacts) -> Vec<usize> {
        f.calls
            .iter()
            .enumerate()
            .filter(|(_, c)| self.in_node(node, c.scope.as_deref(), &c.span))
            .map(|(ci, _)| ci)
            .collect()
    }

    fn endpoint(&self, start: NodeId, needed: &BTreeSet<ContentType>) -> Option<Found> {
        let an = self.cx.analysis;
        let reach = self.guarded_reach(start);
        // Explicit labels, each with the switch branch it runs under.
        let mut labels: Vec<(&LabelEvidence, Option<Guard>)> = Vec::new();
        for (&node, &guard) in &reach {
            for ev in an.labels[node]
                .iter()
                .filter(|l| l.kind == LabelKind::Explicit)
            {
                labels.push((ev, guard.or_else(|| self.own_guard(node, &ev.span))));
            }
        }
        // A label on both branches of a switch is not switched off.
        let branches: BTreeSet<Guard> = labels.iter().filter_map(|(_, g)| *g).collect();
        for (_, g) in &mut labels {
            if g.is_some_and(|g| branches.contains(&Guard { then: !g.then, ..g })) {
                *g = None;
            }
        }
        let covers =
            |ev: &LabelEvidence, c: ContentType| ev.content.is_empty() || ev.content.contains(&c);
        let always: BTreeSet<ContentType> = needed
            .iter()
            .copied()
            .filter(|&c| labels.iter().any(|(ev, g)| g.is_none() && covers(ev, c)))
            .collect();
        let (label, guard) = labels
            .iter()
            .filter_map(|(ev, g)| Some((*ev, (*g)?)))
            .filter(|(ev, _)| {
                needed
                    .iter()
                    .any(|&c| !always.contains(&c) && covers(ev, c))
            })
            .min_by_key(|(ev, _)| (ev.file, ev.span.start_byte))?;
        let content: Vec<ContentType> = needed
            .iter()
            .copied()
            .filter(|&c| {
                !always.contains(&c) && labels.iter().any(|(ev, g)| g.is_some() && covers(ev, c))
            })
            .collect();
        let label_guards: BTreeSet<Guard> = labels.iter().filter_map(|(_, g)| *g).collect();
        let switch_cond = &self
            .cx
            .project
            .file(guard.file, Reader::RulesLabels)
            .conditions[guard.cond];
        let switch_name = switch_cond
            .names
            .iter()
            .find(|n| self.gate.is_switch(n))
            .map(|n| n.to_string())
            .unwrap_or_default();

        let mut agreement = false;
        let mut recipient_log = false;
        for (&node, &node_guard) in &reach {
            let (file, _, _) = self.place(node);
            let f = self.cx.project.file(file, Reader::RulesLabels);
            if !agreement {
                agreement = f
                    .conditions
                    .iter()
                    .filter(|c| self.in_node(node, c.scope.as_deref(), &c.span))
                    .any(|c| c.names.iter().any(|n| self.gate.is_agreement(n)))
                    || self.decorated_with_agreement(node);
            }
            for ci in self.calls(node, &f) {
                let call = &f.calls[ci];
                if !agreement {
                    agreement = self.gate.is_agreement(&call.callee)
                        || call
                            .args
                            .iter()
                            .any(|a| mentions(&a.value, &|t| self.gate.is_agreement(t)));
                }
                if recipient_log || !self.is_recipient_log(&f.calls, call) {
                    continue;
                }
                // On the path that leaves the label out: under a switch
                // branch other than the label's, or recording the switch.
                let g = node_guard.or_else(|| self.own_guard(node, &call.span));
                let off_path = g.is_some_and(|g| !label_guards.contains(&g));
                let records_switch = call.args.iter().any(|a| {
                    a.keyword.as_deref().is_some_and(|k| self.gate.is_switch(k))
                        || mentions(&a.value, &|t| self.gate.is_switch(t))
                });
                recipient_log = off_path || records_switch;
            }
        }
        Some(Found {
            content,
            switch_name,
            switch: Located {
                file: guard.file,
                span: switch_cond.span,
            },
            label: Located {
                file: label.file,
                span: label.span,
            },
            agreement,
            recipient_log,
        })
    }

    fn decorated_with_agreement(&self, node: NodeId) -> bool {
        match self.cx.analysis.graph.nodes[node] {
            Node::Function { file, func } => {
                self.cx.project.file(file, Reader::RulesLabels).functions[func]
                    .decorators
                    .iter()
                    .any(|d| self.gate.is_agreement(&d.text))
            }
            _ => false,
        }
    }

    /// A logging or storage call with an argument that names the recipient.
    /// The arguments of a builder chain's earlier calls count too: sqlx binds
    /// the values of `query(..).bind(user.id).execute(pool)` before the call
    /// that writes.
    fn is_recipient_log(&self, calls: &[Call], call: &Call) -> bool {
        let named = self.gate.is_log(&call.callee)
            || call.resolved.as_name().is_some_and(|r| self.gate.is_log(r));
        named
            && call.chain_back(calls).flat_map(|c| c.args.iter()).any(|a| {
                a.keyword
                    .as_deref()
                    .is_some_and(|k| self.gate.is_recipient(k))
                    || mentions(&a.value, &|t| self.gate.is_recipient(t))
            })
    }
}

/// Whether a name, expression or dict key in `value` satisfies `pred`.
/// Plain string values are messages, not names, and do not count.
fn mentions(value: &Value, pred: &dyn Fn(&str) -> bool) -> bool {
    let mut stack = vec![(value, 0)];
    while let Some((v, depth)) = stack.pop() {
        match v {
            Value::Name { text, .. } if pred(text) => return true,
            Value::Expr(e) if e.reads.iter().any(|r| pred(r)) => return true,
            Value::Env { name, .. } if pred(name) => return true,
            Value::Dict(pairs) if depth < 4 => {
                for (k, v) in pairs {
                    if k.as_str().is_some_and(pred) {
                        return true;
                    }
                    stack.push((k, depth + 1));
                    stack.push((v, depth + 1));
                }
            }
            Value::List(items) if depth < 4 => stack.extend(items.iter().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    false
}

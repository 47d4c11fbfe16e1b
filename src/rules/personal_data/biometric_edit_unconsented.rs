//! PII002 biometric-edit-unconsented: an entry point reaches a face or
//! voice editing call (face swap, face editing, voice cloning) on a path
//! that no consent check guards.

use std::collections::BTreeMap;

use serde_json::json;
use ustr::Ustr;

use crate::analysis::callgraph::{Node, NodeId};
use crate::catalog::ContentType;
use crate::finding::{Finding, Level, Location, Related};
use crate::rules::labels::is_service;
use crate::rules::personal_data::PiiDomain;
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct BiometricEditUnconsented;

static META: RuleMeta = RuleMeta {
    code: "PII002",
    name: "biometric-edit-unconsented",
    category: Category::PersonalData,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-14", "CN-PIPL-28", "CN-PIPL-29"],
    summary: "A service edits faces or voices on a path with no check of the person's separate consent.",
    security_severity: "6.5",
    doc: r#"
## What it does
Finds the service entry points (routes, UI handlers, model servers; not
local command-line tools) whose code reaches a generation call that edits
biometric features: face swap, face editing or restoration, lip sync, voice
cloning (catalogue entries marked `biometric = true`). It walks the calls
from the entry point and looks for a consent check that guards the editing
call: an `if` or conditional expression that reads a consent-like value
(`consent`, `agreed`, `authorized`, `同意`, or a handler parameter fed by a
Gradio checkbox), around the call or before it in the same function, or
around a call on the way; or a decorator with such a name on the handler.
It reports each entry point with a path that has none, once, at the entry
point, with the editing calls as related locations.

## Why is this bad?
Faces and voices are biometric information, sensitive personal information
that may only be processed with the person's separate consent. A service
that edits them (a face swap, a cloned voice) must remind its users to
tell the person whose face or voice is edited and obtain that person's
separate consent. A path that edits an uploaded face or voice with no
consent check at all leaves that duty to chance.

## Example
```python
import gradio as gr

def swap(source, target):
    return swapper.get(target, target_face, source_face, paste_back=True)

gr.Interface(swap, [gr.Image(), gr.Image()], gr.Image()).launch()
```

Use instead:
```python
import gradio as gr

def swap(source, target, consent):
    if not consent:
        raise gr.Error("Confirm that the person shown agreed to the edit.")
    return swapper.get(target, target_face, source_face, paste_back=True)

gr.Interface(swap, [gr.Image(), gr.Image(), gr.Checkbox()], gr.Image()).launch()
```

## Options
Consent names are catalogue data (regular expressions over names as
written): `[catalog.personal_data.consent] names = ["(?i)release_signed"]`;
so are checkbox components (`checkbox = [...]`) and biometric generation
APIs (`biometric = true` on a `[[catalog.generation]]` entry).

## Known problems
A consent check is recognised by its name, in conditions: a call whose result
is not tested (`check_consent(user)` on a line of its own) is no check, and
a check named otherwise, or made by a gateway or at sign-up, is not seen;
silence the entry point then. A condition that reads a consent value before
the editing call counts, whatever its branches do. Local command-line tools
are left out.
"#,
};

impl Rule for BiometricEditUnconsented {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        if !an.sites.iter().any(|s| s.api.biometric) {
            return;
        }
        let domain = PiiDomain::new(cx);
        let pd = domain.classifier();
        for (e, entry) in an.entry_points.iter().enumerate() {
            if !is_service(entry) {
                continue;
            }
            let sites: Vec<usize> = an.reach[e]
                .sinks
                .iter()
                .map(|r| r.sink)
                .filter(|&s| an.sites[s].api.biometric)
                .collect();
            if sites.is_empty() {
                continue;
            }
            let Some(start) = an.graph.handler_node(cx.project, &entry.handler) else {
                continue;
            };
            // Handler parameters fed by a checkbox are consent answers.
            let mut extra: Vec<Ustr> = Vec::new();
            if let Node::Function { file, func } = an.graph.nodes[start] {
                let f = &cx.project.files[file].functions[func];
                let skip =
                    usize::from(f.class.is_some() && f.params.first().is_some_and(|p| p == "self"));
                for (i, input) in domain.inputs(e).iter().enumerate() {
                    if input.checkbox
                        && let Some(p) = f.params.get(i + skip)
                    {
                        extra.push(*p);
                    }
                }
            }
            let scan = Scan {
                cx,
                extra,
                handler: start,
            };
            let decorated = scan.decorated(start);
            let reach = an.graph.walk(
                start,
                decorated,
                |node, site, consented: &bool| {
                    let call = &cx.project.files[site.file].calls[site.call];
                    *consented || scan.guarded(node, &call.span)
                },
                // Seen under consent, now reached without: look again.
                |old, new| *old && !*new,
            );
            let mut unconsented: BTreeMap<(usize, u32), usize> = BTreeMap::new();
            for &s in &sites {
                let site = &an.sites[s];
                let call = &cx.project.files[site.file].calls[site.call];
                let node = an
                    .graph
                    .node_containing(cx.project, site.file, call.span.start_byte);
                let Some(&consented) = reach.get(&node) else {
                    continue;
                };
                if !consented && !scan.guarded(node, &call.span) {
                    unconsented
                        .entry((site.file, call.span.start_byte))
                        .or_insert(s);
                }
            }
            if unconsented.is_empty() {
                continue;
            }
            let related: Vec<Related> = unconsented
                .values()
                .map(|&s| {
                    let site = &an.sites[s];
                    let file = &cx.project.files[site.file];
                    let call = &file.calls[site.call];
                    Related {
                        location: Location {
                            path: file.path.clone(),
                            span: call.span,
                        },
                        message: format!(
                            "`{}` edits biometric features ({})",
                            site.callee(call),
                            site.provider
                        ),
                    }
                })
                .collect();
            let what: Vec<String> = unconsented
                .values()
                .map(|&s| an.sites[s].provider.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let inputs: Vec<&str> = domain
                .inputs(e)
                .iter()
                .flat_map(|i| pd.iter(i.categories))
                .map(|c| c.title.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let taking = if inputs.is_empty() {
                String::new()
            } else {
                format!(", taking a {},", inputs.join(" and a "))
            };
            let content = |c: ContentType| {
                unconsented
                    .values()
                    .any(|&s| an.sites[s].content.contains(&c))
            };
            let faces = content(ContentType::Image) || content(ContentType::Video);
            let voices = content(ContentType::Audio);
            let (edits, whose) = match (faces, voices) {
                (true, false) => ("faces", "face"),
                (false, true) => ("voices", "voice"),
                _ => ("faces or voices", "face or voice"),
            };
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "{}{taking} edits {edits} ({}) on a path with no check of the separate consent of the person whose {whose} it is",
                    entry.describe(),
                    what.join(", ")
                ),
                entry.location.clone(),
            );
            f.related = related;
            f.properties.insert("editors".into(), json!(what));
            out.push(f);
        }
    }
}

struct Scan<'c, 'a> {
    cx: &'c Context<'a>,
    /// Checkbox parameters of the handler.
    extra: Vec<Ustr>,
    handler: NodeId,
}

impl Scan<'_, '_> {
    fn is_consent(&self, node: NodeId, name: &str) -> bool {
        self.cx.catalog.personal_data.is_consent(name)
            || (node == self.handler
                && self
                    .extra
                    .iter()
                    .any(|p| name == p.as_str() || name.starts_with(&format!("{p}."))))
    }

    /// Whether a consent condition in `node`'s own code guards code at
    /// `span`: it holds `span` in a branch, or comes before it (an early
    /// exit). A name the condition reads counts when it is consent-like or
    /// was assigned from something consent-like in the same scope
    /// (`ok = check_consent(user)`, `if not ok`).
    fn guarded(&self, node: NodeId, span: &Span) -> bool {
        let Some((fi, scope)) = self.place(node) else {
            return false;
        };
        let file = &self.cx.project.files[fi];
        file.conditions.iter().any(|c| {
            c.scope == scope
                && (c.then.contains(span)
                    || c.orelse.as_ref().is_some_and(|o| o.contains(span))
                    || c.span.end_byte <= span.start_byte)
                && c.names.iter().any(|n| {
                    self.is_consent(node, n)
                        || file.assignments.iter().any(|a| {
                            a.scope == scope
                                && a.target == *n
                                && a.span.end_byte <= c.span.start_byte
                                && self.value_is_consent(node, &a.value)
                        })
                })
        })
    }

    fn value_is_consent(&self, node: NodeId, v: &crate::facts::Value) -> bool {
        let mut reads = Vec::new();
        v.reads(&mut reads);
        reads.iter().any(|r| self.is_consent(node, r))
    }

    fn decorated(&self, node: NodeId) -> bool {
        match self.cx.analysis.graph.nodes[node] {
            Node::Function { file, func } => self.cx.project.files[file].functions[func]
                .decorators
                .iter()
                .any(|d| self.cx.catalog.personal_data.is_consent(&d.text)),
            _ => false,
        }
    }

    /// A function node's file and scope (module-level code has no guards
    /// we can place; `__main__` blocks are local).
    fn place(&self, node: NodeId) -> Option<(usize, Option<Ustr>)> {
        match self.cx.analysis.graph.nodes[node] {
            Node::Function { file, func } => Some((
                file,
                Some(self.cx.project.files[file].functions[func].qualname),
            )),
            Node::Module { file } => Some((file, None)),
            Node::Main { .. } => None,
            Node::Closure { file, closure } => {
                Some((file, self.cx.analysis.graph.closure_place(file, closure).0))
            }
        }
    }
}

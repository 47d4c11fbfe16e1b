//! PII002 biometric-edit-unconsented: an entry point reaches a face or
//! voice editing call (face swap, face editing, voice cloning) on a path
//! that no consent check guards.

use std::collections::BTreeMap;

use serde_json::json;
use ustr::Ustr;

use crate::analysis::Reader;
use crate::analysis::callgraph::{Node, NodeId, Reached};
use crate::catalog::{ContentType, GenerationApi};
use crate::finding::{Finding, Level, Location, Related};
use crate::rules::generation::generation_endpoint::endpoint_flow;
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
cloning. Such calls are catalogue entries marked `biometric = true`
(InsightFace's swapper, CosyVoice zero-shot, cross-lingual and instructed
synthesis from a prompt speech, GPT-SoVITS, OpenVoice, XTTS; Coqui TTS
only with `speaker_wav=`; in Rust an `ort` session made from a face swap
model file), and the project's own models whose name or model file says
they edit faces or voices (`face_swapper.run(None, feeds)`,
`InferenceSession("inswapper_128.onnx")`: `[inferred] biometric_models`,
for models run where an entry point shows or writes media). It walks the
calls from the entry point and looks for a consent check that guards the editing
call: an `if` or conditional expression that reads a consent-like value
(`consent`, `agreed`, `authorized`, `同意`, or a handler parameter fed by a
Gradio tick box whose name, label or info text asks for consent or
permission; one that accepts a licence or terms of use is no consent, even
named `agree`), around the call or before it in the same function, or
around a call on the way; or a decorator with such a name on the handler.
Gradio `Examples` are left out: they run the handler on the examples the
product ships, not on a user's upload. It reports each entry point with a
path that has none, once, at the entry point, with the editing calls as
related locations and the shortest call path to one of them as the code
flow.

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
silence the entry point then, or name the check in the configuration. A
condition that reads a consent value before the editing call counts,
whatever its branches do. Whether the face or voice edited is the
user's upload is not asked: the editing call decides. The project's own
models are known only by name (a pool key, a receiver, a model file); one
named otherwise is missed. Local command-line and desktop tools are left
out.
"#,
};

impl Rule for BiometricEditUnconsented {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        let domain = PiiDomain::new(cx);
        let pd = domain.classifier();
        for (e, entry) in an.entry_points.iter().enumerate() {
            if !is_service(entry)
                || (entry.framework == "gradio"
                    && entry.route.as_deref().is_some_and(|r| pd.is_examples(r)))
            {
                continue;
            }
            let Some(start) = an.graph.handler_node(cx.project, &entry.handler) else {
                continue;
            };
            let reached: Vec<&Reached> = an.reach[e]
                .sinks
                .iter()
                .filter(|r| an.sites[r.sink].biometric)
                .collect();
            let own = own_api(cx, start);
            if reached.is_empty() && own.is_none() {
                continue;
            }
            // Handler parameters fed by a consent tick box are consent
            // answers; those fed by a licence box are not, whatever their name.
            let mut extra: Vec<Ustr> = Vec::new();
            let mut not: Vec<Ustr> = Vec::new();
            if let Node::Function { file, func } = an.graph.nodes[start] {
                let f = &cx.project.file(file, Reader::RulesPersonalData).functions[func];
                let skip =
                    usize::from(f.class.is_some() && f.params.first().is_some_and(|p| p == "self"));
                for (i, input) in domain.inputs(e).iter().enumerate() {
                    if let Some(p) = f.params.get(i + skip) {
                        if input.checkbox {
                            extra.push(*p);
                        } else if input.other_agreement {
                            not.push(*p);
                        }
                    }
                }
            }
            let scan = Scan {
                cx,
                extra,
                not,
                handler: start,
            };
            let decorated = scan.decorated(start);
            let reach = an.graph.walk(
                start,
                decorated,
                |node, site, consented: &bool| {
                    let call =
                        &cx.project.file(site.file, Reader::RulesPersonalData).calls[site.call];
                    *consented || scan.guarded(node, &call.span)
                },
                // Seen under consent, now reached without: look again.
                |old, new| *old && !*new,
            );
            let mut unconsented: BTreeMap<(usize, u32), usize> = BTreeMap::new();
            // The shortest call path to an unconsented editing call: the code flow.
            let mut shortest: Option<&Reached> = None;
            for &r in &reached {
                let s = r.sink;
                let site = &an.sites[s];
                let span = site.at.span;
                let node = an
                    .graph
                    .node_containing(cx.project, site.file, span.start_byte);
                let Some(&consented) = reach.get(&node) else {
                    continue;
                };
                if !consented && !scan.guarded(node, &span) {
                    unconsented.entry((site.file, span.start_byte)).or_insert(s);
                    if shortest.is_none_or(|b| r.path.len() < b.path.len()) {
                        shortest = Some(r);
                    }
                }
            }
            // The handler is itself an editing function (GPT-SoVITS's own
            // `get_tts_wav` registered as a Gradio handler).
            let own = own.filter(|_| !decorated);
            if unconsented.is_empty() && own.is_none() {
                continue;
            }
            let mut related: Vec<Related> = unconsented
                .values()
                .map(|&s| {
                    let site = &an.sites[s];
                    Related {
                        location: Location {
                            path: cx.project.path(site.file).into(),
                            span: site.at.span,
                        },
                        message: format!(
                            "`{}` edits biometric features ({})",
                            site.callee(),
                            site.provider
                        )
                        .into(),
                    }
                })
                .collect();
            if let Some((api, location)) = &own {
                related.insert(
                    0,
                    Related {
                        location: location.clone(),
                        message: format!(
                            "the handler itself edits biometric features ({})",
                            api.provider
                        )
                        .into(),
                    },
                );
            }
            let what: Vec<String> = unconsented
                .values()
                .map(|&s| an.sites[s].provider.clone())
                .chain(own.as_ref().map(|(api, _)| api.provider.clone()))
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
                    || own
                        .as_ref()
                        .is_some_and(|(api, _)| api.content.contains(&c))
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
            if let Some(r) = shortest {
                f.flow = endpoint_flow(cx, entry, r);
            }
            f.properties.insert("editors", json!(what));
            out.push(f);
        }
    }
}

/// The biometric API a handler function is itself, with where it is
/// defined: its dotted name matches a `biometric = true` entry, as it is or
/// from a library root on (the product is the library).
fn own_api<'c>(cx: &Context<'c>, node: NodeId) -> Option<(&'c GenerationApi, Location)> {
    let Node::Function { file, func } = cx.analysis.graph.nodes[node] else {
        return None;
    };
    let facts = cx.project.file(file, Reader::RulesPersonalData);
    let f = &facts.functions[func];
    let dotted = crate::analysis::index::dotted(&facts.module, &f.qualname);
    let api = std::iter::once(dotted.as_str())
        .chain(cx.catalog.biometric_tails(&dotted))
        .filter_map(|n| cx.catalog.generation_api(facts.language, n))
        .find(|api| api.biometric)?;
    Some((
        api,
        Location {
            path: facts.path.as_str().into(),
            span: f.name_span,
        },
    ))
}

struct Scan<'c, 'a> {
    cx: &'c Context<'a>,
    /// Consent tick box parameters of the handler.
    extra: Vec<Ustr>,
    /// Licence tick box parameters of the handler.
    not: Vec<Ustr>,
    handler: NodeId,
}

impl Scan<'_, '_> {
    fn is_consent(&self, node: NodeId, name: &str) -> bool {
        let param = |p: &Ustr| name == p.as_str() || name.starts_with(&format!("{p}."));
        if node == self.handler && self.not.iter().any(param) {
            return false;
        }
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
        let file = self.cx.project.file(fi, Reader::RulesPersonalData);
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
            Node::Function { file, func } => self
                .cx
                .project
                .file(file, Reader::RulesPersonalData)
                .functions[func]
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
                Some(
                    self.cx
                        .project
                        .file(file, Reader::RulesPersonalData)
                        .functions[func]
                        .qualname,
                ),
            )),
            Node::Module { file } => Some((file, None)),
            Node::Main { .. } => None,
            Node::Closure { file, closure } => {
                Some((file, self.cx.analysis.graph.closure_place(file, closure).0))
            }
        }
    }
}

//! PII002 biometric-edit-unconsented: an entry point reaches a face or
//! voice editing call (face swap, face editing, voice cloning) on a path
//! that no consent check guards.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;
use ustr::Ustr;

use crate::analysis::Reader;
use crate::analysis::callgraph::{Node, NodeId, Reached};
use crate::catalog::{ContentType, GenerationApi};
use crate::facts::FileFacts;
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
        // What the rules' per-file pass kept; without it (the rule run on
        // its own) each file is read for it when first asked.
        let kept = cx.shared.consent.get();
        let read = RefCell::new(BTreeMap::new());
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
            let own = match kept {
                Some(kept) => kept.own_api(cx, start),
                None => own_api(cx, start),
            };
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
            let mut scan = Scan {
                cx,
                extra,
                not,
                handler: start,
                handler_conditions: Vec::new(),
                kept,
                read: &read,
            };
            scan.handler_conditions = scan.own_conditions(start);
            let decorated = scan.decorated(start);
            let reach = an.graph.walk(
                start,
                decorated,
                |node, site, consented: &bool| {
                    // The call's span is read only where a consent condition
                    // could guard it: most nodes have none.
                    *consented
                        || (scan.has_conditions(node) && {
                            let call = &cx.project.file(site.file, Reader::RulesPersonalData).calls
                                [site.call];
                            scan.guarded(node, &call.span)
                        })
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
    own_api_in(cx, &cx.project.file(file, Reader::RulesPersonalData), func)
}

/// [`own_api`] of function `func` of `facts`.
fn own_api_in<'c>(
    cx: &Context<'c>,
    facts: &FileFacts,
    func: usize,
) -> Option<(&'c GenerationApi, Location)> {
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

/// A condition that reads a consent value: what it guards.
#[derive(Clone, Copy)]
struct ConsentCondition {
    then: Span,
    orelse: Option<Span>,
    /// Where the test ends: code after it is guarded too (an early exit).
    end_byte: u32,
}

impl ConsentCondition {
    fn guards(&self, span: &Span) -> bool {
        self.then.contains(span)
            || self.orelse.as_ref().is_some_and(|o| o.contains(span))
            || self.end_byte <= span.start_byte
    }
}

/// Whether value `v` reads a name `is_consent` accepts.
fn reads_any(v: &crate::facts::Value, is_consent: impl Fn(&str) -> bool) -> bool {
    let mut reads = Vec::new();
    v.reads(&mut reads);
    reads.iter().any(|r| is_consent(r))
}

/// The conditions of `file` in `scope` (every scope with `None`) that read
/// a name `is_consent` accepts, or a name assigned, before the test in the
/// same scope, from a value that reads one (`ok = check_consent(user)`,
/// `if not ok`).
///
/// Linear in the file's conditions, their names and its assignments: the
/// per-file pass runs it on every file, and a long function holds
/// thousands of each (`x = x + 1 if x else y` on every line).
fn consent_conditions(
    file: &FileFacts,
    scope: Option<Option<Ustr>>,
    is_consent: impl Fn(&str) -> bool,
) -> Vec<(Option<Ustr>, ConsentCondition)> {
    let value_is_consent = |v: &crate::facts::Value| reads_any(v, &is_consent);
    let in_scope = |c: &&crate::facts::Condition| scope.is_none_or(|s| c.scope == s);
    // Whether each condition reads a consent-like name itself; the names
    // of the others are looked up among the assignments.
    let direct: Vec<bool> = file
        .conditions
        .iter()
        .filter(in_scope)
        .map(|c| c.names.iter().any(|n| is_consent(n)))
        .collect();
    // For each (scope, name) such a condition reads: where the first
    // assignment of it from a consent-like value ends (`u32::MAX`: none).
    let mut first_consent: HashMap<(Option<Ustr>, Ustr), u32> = HashMap::new();
    for (c, _) in file
        .conditions
        .iter()
        .filter(in_scope)
        .zip(&direct)
        .filter(|(_, direct)| !**direct)
    {
        for n in &c.names {
            first_consent.insert((c.scope, *n), u32::MAX);
        }
    }
    if !first_consent.is_empty() {
        for a in &file.assignments {
            if let Some(first) = first_consent.get_mut(&(a.scope, a.target))
                && a.span.end_byte < *first
                && value_is_consent(&a.value)
            {
                *first = a.span.end_byte;
            }
        }
    }
    file.conditions
        .iter()
        .filter(in_scope)
        .zip(&direct)
        .filter(|(c, direct)| {
            **direct
                || c.names.iter().any(|n| {
                    first_consent
                        .get(&(c.scope, *n))
                        .is_some_and(|&end| end <= c.span.start_byte)
                })
        })
        .map(|(c, _)| {
            (
                c.scope,
                ConsentCondition {
                    then: c.then,
                    orelse: c.orelse,
                    end_byte: c.span.end_byte,
                },
            )
        })
        .collect()
}

/// One file's consent conditions, for the nodes other than a walk's
/// handler (whose tick box parameters are consent answers of their own).
pub(crate) struct FileConsent {
    /// By scope, in the file's order.
    conditions: Vec<(Option<Ustr>, ConsentCondition)>,
    /// The functions whose qualname is a scope of `conditions`.
    functions: Vec<(usize, Ustr)>,
}

impl FileConsent {
    /// Made by the rules' per-file pass for each file; `None` for a file
    /// without a consent condition (most).
    pub(crate) fn of_file(cx: &Context<'_>, file: &FileFacts) -> Option<FileConsent> {
        let pd = &cx.catalog.personal_data;
        let conditions = consent_conditions(file, None, |n| pd.is_consent(n));
        if conditions.is_empty() {
            return None;
        }
        let scopes: HashSet<Ustr> = conditions.iter().filter_map(|(s, _)| *s).collect();
        let functions = file
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| scopes.contains(&f.qualname))
            .map(|(i, f)| (i, f.qualname))
            .collect();
        Some(FileConsent {
            conditions,
            functions,
        })
    }
}

/// What PII002's walks read of every file, kept by the rules' per-file
/// pass (`rules::Shared::consent`), so that a walk reads no file at a node
/// without a consent condition, and no handler's file for its own API.
pub(crate) struct ConsentFiles {
    /// The files with a consent condition, in file order.
    files: Vec<(usize, FileConsent)>,
    /// The service handlers that are themselves a biometric API (node
    /// order): the API's position in the catalogue and where it is defined.
    own: Vec<(NodeId, usize, Location)>,
}

impl ConsentFiles {
    /// Joins the pass's files' results, each in file order.
    pub(crate) fn of_files(
        files: Vec<(usize, FileConsent)>,
        mut own: Vec<(NodeId, usize, Location)>,
    ) -> ConsentFiles {
        own.sort_by_key(|(node, _, _)| *node);
        ConsentFiles { files, own }
    }

    fn file(&self, fi: usize) -> Option<&FileConsent> {
        let i = self.files.binary_search_by_key(&fi, |(f, _)| *f).ok()?;
        Some(&self.files[i].1)
    }

    fn own_api<'c>(&self, cx: &Context<'c>, node: NodeId) -> Option<(&'c GenerationApi, Location)> {
        let i = self.own.binary_search_by_key(&node, |(n, _, _)| *n).ok()?;
        let (_, api, location) = &self.own[i];
        Some((&cx.catalog.generation[*api], location.clone()))
    }
}

/// The service handlers' functions in file `fi` (PII002 asks whether each
/// is itself a biometric API), with their nodes.
pub(crate) fn service_handlers(cx: &Context<'_>) -> BTreeMap<usize, Vec<(usize, NodeId)>> {
    let an = cx.analysis;
    let mut by_file: BTreeMap<usize, Vec<(usize, NodeId)>> = BTreeMap::new();
    for entry in an.entry_points.iter().filter(|e| is_service(e)) {
        if let Some(node) = an.graph.handler_node(cx.project, &entry.handler)
            && let Node::Function { file, func } = an.graph.nodes[node]
        {
            by_file.entry(file).or_default().push((func, node));
        }
    }
    for handlers in by_file.values_mut() {
        handlers.sort_unstable();
        handlers.dedup();
    }
    by_file
}

/// Which of `handlers` (functions of `file` and their nodes) are
/// themselves a biometric API, as [`ConsentFiles::own`] keeps them.
pub(crate) fn file_own_apis(
    cx: &Context<'_>,
    file: &FileFacts,
    handlers: &[(usize, NodeId)],
) -> Vec<(NodeId, usize, Location)> {
    handlers
        .iter()
        .filter_map(|&(func, node)| {
            let (api, location) = own_api_in(cx, file, func)?;
            let at = cx
                .catalog
                .generation
                .iter()
                .position(|g| std::ptr::eq(g, api))?;
            Some((node, at, location))
        })
        .collect()
}

struct Scan<'c, 'a> {
    cx: &'c Context<'a>,
    /// Consent tick box parameters of the handler.
    extra: Vec<Ustr>,
    /// Licence tick box parameters of the handler.
    not: Vec<Ustr>,
    handler: NodeId,
    /// The handler's own consent conditions (its tick boxes count).
    handler_conditions: Vec<ConsentCondition>,
    /// The other nodes' files' consent conditions, from the per-file pass.
    kept: Option<&'c ConsentFiles>,
    /// Without it, each file's, read when first asked.
    read: &'c RefCell<BTreeMap<usize, Option<FileConsent>>>,
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

    /// The handler's consent conditions, read from its file.
    fn own_conditions(&self, handler: NodeId) -> Vec<ConsentCondition> {
        let Some((fi, scope)) = self.place(handler) else {
            return Vec::new();
        };
        let file = self.cx.project.file(fi, Reader::RulesPersonalData);
        consent_conditions(&file, Some(scope), |n| self.is_consent(handler, n))
            .into_iter()
            .map(|(_, c)| c)
            .collect()
    }

    /// Whether one of `node`'s own consent conditions passes `test`.
    fn any_condition(&self, node: NodeId, test: impl Fn(&ConsentCondition) -> bool) -> bool {
        if node == self.handler {
            return self.handler_conditions.iter().any(test);
        }
        // A function's scope is its qualname, known here only for the
        // functions that are a condition's scope.
        let (fi, func, scope) = match self.cx.analysis.graph.nodes[node] {
            Node::Function { file, func } => (file, Some(func), None),
            Node::Module { file } => (file, None, None),
            Node::Main { .. } => return false,
            Node::Closure { file, closure } => (
                file,
                None,
                self.cx.analysis.graph.closure_place(file, closure).0,
            ),
        };
        let look = |fc: &FileConsent| {
            let scope = match func {
                Some(func) => match fc.functions.iter().find(|(i, _)| *i == func) {
                    Some((_, qualname)) => Some(*qualname),
                    None => return false,
                },
                None => scope,
            };
            fc.conditions.iter().any(|(s, c)| *s == scope && test(c))
        };
        match self.kept {
            Some(kept) => kept.file(fi).is_some_and(look),
            None => self
                .read
                .borrow_mut()
                .entry(fi)
                .or_insert_with(|| {
                    let file = self.cx.project.file(fi, Reader::RulesPersonalData);
                    FileConsent::of_file(self.cx, &file)
                })
                .as_ref()
                .is_some_and(look),
        }
    }

    /// Whether a consent condition in `node`'s own code guards code at
    /// `span`: it holds `span` in a branch, or comes before it (an early
    /// exit). A name the condition reads counts when it is consent-like or
    /// was assigned from something consent-like in the same scope
    /// (`ok = check_consent(user)`, `if not ok`).
    fn guarded(&self, node: NodeId, span: &Span) -> bool {
        self.any_condition(node, |c| c.guards(span))
    }

    /// Whether `node` has a consent condition at all.
    fn has_conditions(&self, node: NodeId) -> bool {
        self.any_condition(node, |_| true)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The search as it was first written: for each name of each
    /// condition, every assignment of the file.
    fn naive(
        file: &FileFacts,
        scope: Option<Option<Ustr>>,
        is_consent: impl Fn(&str) -> bool,
    ) -> Vec<(Option<Ustr>, ConsentCondition)> {
        let value_is_consent = |v: &crate::facts::Value| reads_any(v, &is_consent);
        file.conditions
            .iter()
            .filter(|c| scope.is_none_or(|s| c.scope == s))
            .filter(|c| {
                c.names.iter().any(|n| {
                    is_consent(n)
                        || file.assignments.iter().any(|a| {
                            a.scope == c.scope
                                && a.target == *n
                                && a.span.end_byte <= c.span.start_byte
                                && value_is_consent(&a.value)
                        })
                })
            })
            .map(|c| {
                let condition = ConsentCondition {
                    then: c.then,
                    orelse: c.orelse,
                    end_byte: c.span.end_byte,
                };
                (c.scope, condition)
            })
            .collect()
    }

    fn shown(found: &[(Option<Ustr>, ConsentCondition)]) -> Vec<String> {
        found
            .iter()
            .map(|(s, c)| format!("{s:?} {:?} {:?} {}", c.then, c.orelse, c.end_byte))
            .collect()
    }

    /// Many conditions and many assignments, in several scopes: the
    /// indexed search finds what the naive one finds, names assigned from
    /// consent before the test (and not only after it) included.
    #[test]
    fn indexed_search_finds_what_the_naive_search_finds() {
        let mut src = String::from("import os\nok = user.consent_given\n");
        for f in 0..8 {
            src.push_str(&format!("\n\ndef step{f}(user, x):\n"));
            for i in 0..60 {
                let line = match (i + f) % 7 {
                    0 => format!("    x = x + {i} if x else os.getpid()\n"),
                    1 => "    ok = user.has_consent and x\n".to_string(),
                    2 => "    if not ok:\n        return None\n".to_string(),
                    3 => "    agreed = user.consent\n".to_string(),
                    4 => "    if x and agreed:\n        x = 1\n    else:\n        x = 2\n"
                        .to_string(),
                    5 => "    late = x\n    if late:\n        pass\n".to_string(),
                    _ => "    late = user.consent\n".to_string(),
                };
                src.push_str(&line);
            }
        }
        src.push_str("\nif ok:\n    pass\nif x:\n    pass\n");
        let (file, _) = crate::lang::python::extract("pkg/many.py", &src, &[]);
        let (conditions, assignments) = (file.conditions.len(), file.assignments.len());
        assert!(
            conditions > 250 && assignments > 400,
            "{conditions} conditions, {assignments} assignments"
        );
        let is_consent = |n: &str| n.contains("consent");

        let every = consent_conditions(&file, None, is_consent);
        assert_eq!(shown(&every), shown(&naive(&file, None, is_consent)));
        // `if not ok` and `if x and agreed` count through their assignments,
        // `if late` only once `late = user.consent` came before it.
        let direct = file
            .conditions
            .iter()
            .filter(|c| c.names.iter().any(|n| is_consent(n)))
            .count();
        assert!(every.len() > direct, "{} of {direct}", every.len());
        assert!(every.len() < file.conditions.len());

        for scope in [None, Some(Ustr::from("step3")), Some(Ustr::from("nope"))] {
            let one = consent_conditions(&file, Some(scope), is_consent);
            assert_eq!(
                one.is_empty(),
                scope == Some(Ustr::from("nope")),
                "{scope:?}"
            );
            assert_eq!(
                shown(&one),
                shown(&naive(&file, Some(scope), is_consent)),
                "{scope:?}"
            );
        }
    }
}

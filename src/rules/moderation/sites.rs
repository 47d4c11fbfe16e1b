//! Moderation calls and what becomes of their verdicts, shared by MOD002
//! and MOD003: catalogued moderation APIs (`[[moderation]]` in
//! `moderation.toml`, and the project's own checks from config), project
//! functions that hand such a verdict back to their caller (found through
//! the call graph), and, for one endpoint, which of them review its input
//! and which its generated output.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ustr::Ustr;

use crate::analysis::Reader;
use crate::analysis::callgraph::{NodeId, Site};
use crate::analysis::dataflow::Labels;
use crate::analysis::dataflow::{Data, LabelDomain, Taint};
use crate::analysis::entrypoints::EntryPoint;
use crate::facts::{Call, FileFacts, Receiver, Value};
use crate::finding::{Location, Related};
use crate::rules::Context;
use crate::source::Span;

/// The taint spec (`moderation.toml`) that follows generated output.
pub const OUTPUT_SPEC: &str = "generated-output";
/// Wrappers of wrappers are followed this many levels up.
const MAX_WRAPPER_DEPTH: usize = 8;
/// Names a verdict is copied into are followed this far.
const MAX_HOLDERS: usize = 16;

/// What the code does with a moderation call's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Tested in a condition, or handed to other code.
    Read,
    /// Returned to the caller (itself, or `True`/`False` from a branch that
    /// tests it): the calls of its function carry it on.
    Returned,
    /// Never looked at: the call reviews nothing.
    Ignored,
}

#[derive(Debug, Clone)]
pub struct ModerationSite {
    pub site: Site,
    /// The call-graph node whose code makes the call.
    pub node: NodeId,
    /// The catalogued API at the bottom (index in `Catalog::moderation`).
    pub api: usize,
    /// A call of a project function that returns a verdict.
    pub wrapper: bool,
    pub verdict: Verdict,
}

pub struct Moderation {
    pub sites: Vec<ModerationSite>,
    /// Site indices by node.
    by_node: BTreeMap<NodeId, Vec<usize>>,
}

/// The moderation an endpoint's code does, sorted out.
#[derive(Default)]
pub struct EndpointModeration {
    /// Sites that review what the user sent (their verdict is read).
    pub input: Vec<usize>,
    /// Sites that review generated output (their verdict is read).
    pub output: Vec<usize>,
    /// Sites whose verdict nobody reads.
    pub ignored: Vec<usize>,
}

impl Moderation {
    /// [`Moderation::find`], computed once per scan.
    pub fn shared(cx: &Context<'_>) -> std::sync::Arc<Moderation> {
        cx.shared.moderation.get_or_init(|| Moderation::find(cx))
    }

    /// Every moderation call of the project with its verdict's fate.
    pub fn find(cx: &Context<'_>) -> Moderation {
        let project = cx.project;
        let graph = &cx.analysis.graph;
        // The catalogued calls: found by the rules' per-file phase when a
        // reader is enabled (`rules::per_file`), else by a loop here.
        let mut sites = match cx.shared.moderation_calls.get() {
            Some(found) => found.clone(),
            None => project
                .each_file(Reader::RulesModeration)
                .iter()
                .flat_map(|(fi, file)| file_moderation_calls(cx, fi, &file))
                .collect(),
        };
        // Project functions that return a verdict, and the calls of them,
        // level by level.
        let mut wrappers: BTreeMap<NodeId, usize> = BTreeMap::new();
        let mut new: BTreeMap<NodeId, usize> = returned(&sites, &wrappers);
        let mut depth = 0;
        while !new.is_empty() && depth < MAX_WRAPPER_DEPTH {
            depth += 1;
            wrappers.extend(new.iter().map(|(&n, &a)| (n, a)));
            let before = sites.len();
            for (fi, file) in project.each_file(Reader::RulesModeration).iter() {
                for ci in 0..file.calls.len() {
                    let s = Site { file: fi, call: ci };
                    if let Some(&api) = graph.targets_at(s).iter().find_map(|(t, _)| new.get(t)) {
                        sites.push(site(cx, fi, ci, api, true));
                    }
                }
            }
            new = returned(&sites[before..], &wrappers);
        }
        sites.sort_by_key(|s| (s.site, s.wrapper));
        sites.dedup_by_key(|s| s.site);
        let mut by_node: BTreeMap<NodeId, Vec<usize>> = BTreeMap::new();
        for (i, s) in sites.iter().enumerate() {
            by_node.entry(s.node).or_default().push(i);
        }
        Moderation { sites, by_node }
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// The moderation an endpoint does: in the code its handler reaches
    /// and, for a UI handler, in the handlers that run before it in the
    /// same event chain (`submit(add_text).then(bot_response)`).
    pub fn endpoint(&self, cx: &Context<'_>, e: usize, output: &OutputTaint) -> EndpointModeration {
        let an = cx.analysis;
        let mut out = EndpointModeration::default();
        if self.is_empty() {
            return out;
        }
        let entry = &an.entry_points[e];
        let start = an.graph.handler_node(cx.project, &entry.handler);
        let mut nodes: BTreeSet<NodeId> = an.reach[e].nodes.iter().copied().collect();
        let earlier = earlier_handlers(cx, entry);
        if !earlier.is_empty() {
            let none = an.graph.sink_set([]);
            for &n in &earlier {
                nodes.extend(an.graph.reach(n, &none).nodes);
            }
        }
        // A handler that returns the verdict hands it to the client.
        let handlers: BTreeSet<NodeId> = start.into_iter().chain(earlier).collect();
        for &n in &nodes {
            for &i in self.by_node.get(&n).into_iter().flatten() {
                let s = &self.sites[i];
                let read = s.verdict == Verdict::Read
                    || (s.verdict == Verdict::Returned && handlers.contains(&s.node));
                if !read {
                    if s.verdict == Verdict::Ignored {
                        out.ignored.push(i);
                    }
                    continue;
                }
                let (input, generated) = self.reviews(cx, i, &nodes, output);
                if input {
                    out.input.push(i);
                }
                if generated {
                    out.output.push(i);
                }
            }
        }
        out
    }

    /// Whether site `i` reviews what the user sent, generated output, or
    /// both. A check inside a helper is judged by the calls of the helper
    /// in `nodes` too: the data flow joins what all callers pass.
    fn reviews(
        &self,
        cx: &Context<'_>,
        i: usize,
        nodes: &BTreeSet<NodeId>,
        output: &OutputTaint,
    ) -> (bool, bool) {
        let s = &self.sites[i];
        let own = output.generated(cx, s.site);
        if !own {
            return (true, false);
        }
        let mut input = false;
        for &n in nodes {
            for (to, call) in cx.analysis.graph.calls_from(n) {
                if to == s.node && !output.generated(cx, call) {
                    input = true;
                }
            }
        }
        (input, true)
    }

    /// A related location for site `i`, with `what` said about it.
    pub fn related(&self, cx: &Context<'_>, i: usize, what: &str) -> Related {
        let s = &self.sites[i];
        let file = cx.project.file(s.site.file, Reader::RulesModeration);
        let call = &file.calls[s.site.call];
        Related {
            location: Location {
                path: file.path.as_str().into(),
                span: call.span,
            },
            message: format!("`{}` {what}", call.callee).into(),
        }
    }

    /// Says in `message`, and with related locations, which checks on the
    /// path have a verdict no one reads (they review nothing).
    pub fn note_ignored(
        &self,
        cx: &Context<'_>,
        ignored: &[usize],
        message: &mut String,
        related: &mut Vec<Related>,
    ) {
        if ignored.is_empty() {
            return;
        }
        let names: Vec<String> = ignored.iter().map(|&i| self.describe(cx, i)).collect();
        message.push_str(&format!(
            "; the verdict of {} is never read, so it reviews nothing",
            names.join(", ")
        ));
        related.extend(
            ignored
                .iter()
                .map(|&i| self.related(cx, i, "moderates, but its verdict is never read")),
        );
    }

    /// How a site is named in messages: the call, and the API under a wrapper.
    pub fn describe(&self, cx: &Context<'_>, i: usize) -> String {
        let s = &self.sites[i];
        let file = cx.project.file(s.site.file, Reader::RulesModeration);
        let call = &file.calls[s.site.call];
        let api = &cx.catalog.moderation[s.api];
        let at = format!("{}:{}", file.path, call.span.start_line);
        if s.wrapper {
            format!(
                "`{}` ({at}, {} via `{}`)",
                call.callee, api.provider, api.id
            )
        } else {
            format!("`{}` ({at}, {})", call.callee, api.provider)
        }
    }
}

/// Generated output followed through the project, asked only when there is
/// moderation to judge.
pub struct OutputTaint<'c> {
    spec: Option<&'c crate::catalog::taint::TaintSpec>,
    taint: Option<Arc<Taint<Labels>>>,
}

impl<'c> OutputTaint<'c> {
    pub fn new(cx: &'c Context<'c>, moderation: &Moderation) -> OutputTaint<'c> {
        let spec = cx.catalog.taint.get(OUTPUT_SPEC);
        let taint = match spec {
            Some(spec) if !moderation.is_empty() => {
                Some(cx.analysis.taint(cx.project, spec, &LabelDomain { spec }))
            }
            _ => None,
        };
        OutputTaint { spec, taint }
    }

    /// Whether what call `site` is given (its arguments or receiver) holds
    /// generated output.
    fn generated(&self, cx: &Context<'_>, site: Site) -> bool {
        let (Some(spec), Some(taint)) = (self.spec, &self.taint) else {
            return false;
        };
        let file = cx.project.file(site.file, Reader::RulesModeration);
        let call = &file.calls[site.call];
        let mut data: Vec<Data<'_>> = call
            .args
            .iter()
            .map(|a| Data::Value(&a.value, a.span.start_byte..a.span.end_byte))
            .collect();
        data.push(Data::Receiver(site.call));
        let domain = LabelDomain { spec };
        taint
            .query(cx.analysis, cx.project, spec, &domain)
            .value(site.file, call.scope, &data, call.span.start_byte)
            .is_some_and(|v| !v.0.is_empty())
    }
}

/// The calls of file `fi` to a catalogued moderation API, in call order.
pub(crate) fn file_moderation_calls(
    cx: &Context<'_>,
    fi: usize,
    file: &FileFacts,
) -> Vec<ModerationSite> {
    let mut out = Vec::new();
    for (ci, call) in file.calls.iter().enumerate() {
        if let Some(api) = cx.catalog.moderation_api(file.language, call) {
            out.push(site_in(cx, fi, file, ci, api, false));
        }
    }
    out
}

fn site(cx: &Context<'_>, fi: usize, ci: usize, api: usize, wrapper: bool) -> ModerationSite {
    let file = cx.project.file(fi, Reader::RulesModeration);
    site_in(cx, fi, &file, ci, api, wrapper)
}

/// [`site`] of call `ci` of file `fi`, read already.
fn site_in(
    cx: &Context<'_>,
    fi: usize,
    file: &FileFacts,
    ci: usize,
    api: usize,
    wrapper: bool,
) -> ModerationSite {
    let call = &file.calls[ci];
    let node = cx
        .analysis
        .graph
        .node_at(fi, call.scope.as_deref(), call.span.start_byte);
    ModerationSite {
        site: Site { file: fi, call: ci },
        node,
        api,
        wrapper,
        verdict: verdict(file, ci),
    }
}

/// Functions (not yet wrappers) that return the verdict of one of `sites`,
/// with the API underneath.
fn returned(sites: &[ModerationSite], known: &BTreeMap<NodeId, usize>) -> BTreeMap<NodeId, usize> {
    let mut out = BTreeMap::new();
    for s in sites {
        if s.verdict == Verdict::Returned && !known.contains_key(&s.node) {
            out.entry(s.node).or_insert(s.api);
        }
    }
    out
}

/// A value that holds the verdict: the result of a call, or a name bound
/// to it from a position on.
enum Holder {
    Call(usize),
    Name(Ustr, u32),
}

/// What the code around call `ci` does with its result: tests it, hands
/// it to other code or returns it, directly or through the names it is
/// assigned to (`res = moderate(x)`, `flagged = res.results[0].flagged`,
/// `if flagged:`). Printing or logging it is no reading.
pub fn verdict(file: &FileFacts, ci: usize) -> Verdict {
    verdict_and_tests(file, ci).0
}

/// The verdict's fate, and the conditions (indices in
/// `FileFacts::conditions`) that test it, in source order.
pub fn verdict_and_tests(file: &FileFacts, ci: usize) -> (Verdict, Vec<usize>) {
    let mut tests = Vec::new();
    let scope = file.calls[ci].scope;
    let in_scope = |s: &Option<Ustr>| *s == scope;
    let mut returned = false;
    let mut read = false;
    let mut work = vec![Holder::Call(ci)];
    let mut seen = 0;
    while let Some(h) = work.pop() {
        seen += 1;
        if seen > MAX_HOLDERS {
            break;
        }
        match h {
            Holder::Call(c) => {
                let span = file.calls[c].span;
                for (ki, k) in file.conditions.iter().enumerate() {
                    if in_scope(&k.scope) && k.span.contains(&span) {
                        tests.push(ki);
                        if returns_bool_under(file, k) {
                            returned = true;
                        } else {
                            read = true;
                        }
                    }
                }
                if file
                    .returns
                    .iter()
                    .any(|r| in_scope(&r.scope) && r.span.contains(&span))
                {
                    returned = true;
                    continue;
                }
                // An argument of another call, or the receiver of a method.
                for (oi, other) in file.calls.iter().enumerate() {
                    if oi == c || !in_scope(&other.scope) {
                        continue;
                    }
                    if other.receiver == Receiver::Call(c as u32) {
                        work.push(Holder::Call(oi));
                    } else if other.args.iter().any(|a| a.span.contains(&span))
                        && !is_print_or_log(other)
                    {
                        read = true;
                    }
                }
                for a in &file.assignments {
                    if in_scope(&a.scope) && a.span.contains(&span) {
                        work.push(Holder::Name(a.target, a.span.end_byte));
                    }
                }
            }
            Holder::Name(name, from) => {
                let reads = |n: &str| holds(n, &name);
                let value_reads = |v: &Value| {
                    let mut names = Vec::new();
                    v.reads(&mut names);
                    names.iter().any(|n| reads(n))
                };
                for (ki, k) in file.conditions.iter().enumerate() {
                    if in_scope(&k.scope)
                        && k.span.start_byte >= from
                        && k.names.iter().any(|n| reads(n))
                    {
                        tests.push(ki);
                        if returns_bool_under(file, k) {
                            returned = true;
                        } else {
                            read = true;
                        }
                    }
                }
                if file.returns.iter().any(|r| {
                    in_scope(&r.scope) && r.span.start_byte >= from && value_reads(&r.value)
                }) {
                    returned = true;
                }
                for (oi, other) in file.calls.iter().enumerate() {
                    if !in_scope(&other.scope) || other.span.start_byte < from {
                        continue;
                    }
                    if let Receiver::Name(r) = other.receiver
                        && reads(&r)
                    {
                        work.push(Holder::Call(oi));
                    } else if other.args.iter().any(|a| value_reads(&a.value))
                        && !is_print_or_log(other)
                    {
                        read = true;
                    }
                }
                for a in &file.assignments {
                    if in_scope(&a.scope)
                        && a.span.start_byte >= from
                        && a.target != name
                        && value_reads(&a.value)
                    {
                        work.push(Holder::Name(a.target, a.span.end_byte));
                    }
                }
            }
        }
    }
    // A verdict that goes back to the caller is the caller's to act on,
    // even when it was looked at here first.
    tests.sort_unstable();
    tests.dedup();
    let verdict = if returned {
        Verdict::Returned
    } else if read {
        Verdict::Read
    } else {
        Verdict::Ignored
    };
    (verdict, tests)
}

/// Whether a branch of condition `k` returns a boolean literal
/// (`if r.flagged: return True`): the test's outcome is handed back.
fn returns_bool_under(file: &FileFacts, k: &crate::facts::Condition) -> bool {
    file.returns.iter().any(|r| {
        r.scope == k.scope
            && matches!(r.value, Value::Bool(_))
            && (k.then.contains(&r.span) || k.orelse.as_ref().is_some_and(|o| o.contains(&r.span)))
    })
}

/// Whether a name or attribute chain as written reads `name`
/// (`res`, `res.results[0].flagged`, `res["flagged"]`).
fn holds(read: &str, name: &str) -> bool {
    read.strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// `print(...)` and logging calls show a value; they do not act on it.
fn is_print_or_log(call: &Call) -> bool {
    let callee = call.callee.as_str();
    if callee == "print" {
        return true;
    }
    let (head, method) = callee.rsplit_once('.').unwrap_or(("", callee));
    matches!(
        method,
        "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical" | "log"
    ) && (head.contains("log") || head.is_empty())
}

/// Handlers that run before a UI handler in the same event chain: the
/// links before it in `btn.click(f).then(g)`, as call-graph nodes.
fn earlier_handlers(cx: &Context<'_>, entry: &EntryPoint) -> Vec<NodeId> {
    let project = cx.project;
    let Some(fi) = project.file_index(&entry.location.path) else {
        return Vec::new();
    };
    let file = project.file(fi, Reader::RulesModeration);
    let at: &Span = &entry.location.span;
    let Some(mut link) = file
        .calls
        .iter()
        .position(|c| c.args.iter().any(|a| a.span == *at))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut hops = 0;
    while let Receiver::Call(prev) = file.calls[link].receiver {
        hops += 1;
        if hops > MAX_HOLDERS {
            break;
        }
        link = prev as usize;
        let call = &file.calls[link];
        let handler = call
            .arg(Some(0), Some("fn"))
            .map(|a| &a.value)
            .and_then(|v| match v {
                Value::Name {
                    resolved: Some(r), ..
                } => Some(project.canonical_or_same(r)),
                _ => None,
            });
        if let Some(h) = handler {
            out.extend(cx.analysis.graph.targets(project, &h));
        }
    }
    out
}

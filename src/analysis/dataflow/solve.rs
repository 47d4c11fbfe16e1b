//! The fixed point behind [`Analysis::taint`]: passes over the scopes taint
//! can reach, function summaries, parameters, then sinks and their steps.
//!
//! A scope is analysed only once something can put taint into it ("live"):
//! it makes a source call or reads a source, calls a function whose result
//! holds its own taint, or has a parameter that received taint. A pass
//! walks the scope's events in order and records what each assignment,
//! parameter and call effect binds, symbolically ([`Sym`]); it gives the
//! function's return value and the values its calls pass to project
//! functions. When a summary grows, its callers are analysed again; when a
//! parameter's taint grows, it flows on along the recorded arguments without
//! analysing anything again (values are symbolic in their parameters).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use ustr::Ustr;

use super::index::{Event, FileIndex};
use super::{
    Data, Domain, Effect, Flow, INBOX, Lattice, MAX_PARAMS, MAX_PASSES, MAX_STEPS, Origin, Step,
    TaintStats, literal, place,
};
use crate::analysis::FileRef;
use crate::analysis::callgraph::{Node, NodeId, Params, Site, Via};
use crate::analysis::entrypoints::Handler;
use crate::analysis::index::ScopeAssigns;
use crate::analysis::results::Analysis;
use crate::analysis::{FastMap, FastSet, Project, Reader};
use crate::catalog::taint::{Loc, LocName, Role, TaintSpec, UnknownCalls};
use crate::facts::{Arg, Call, FileFacts, Function, QName, Receiver, Value};
use crate::lang;

/// A value inside one function: the taint of sources seen from there
/// (`own`), and the function's parameters it was computed from (bit `i`
/// for parameter `i`), whose taint is added when the value is read out.
#[derive(Debug, Clone, PartialEq)]
struct Sym<V> {
    own: Option<V>,
    params: u64,
    /// Parameters read through an attribute (`p.name`): what the domain
    /// says an attribute of their value holds (`Domain::field`).
    fields: u64,
}

impl<V: Lattice> Sym<V> {
    fn bottom() -> Self {
        Sym {
            own: None,
            params: 0,
            fields: 0,
        }
    }

    fn of(v: V) -> Self {
        Sym {
            own: Some(v),
            params: 0,
            fields: 0,
        }
    }

    fn is_bottom(&self) -> bool {
        self.own.is_none() && self.params == 0 && self.fields == 0
    }

    /// What an attribute of this value holds.
    fn field<D: Domain<Value = V>>(&self, domain: &D) -> Sym<V> {
        Sym {
            own: self.own.as_ref().and_then(|v| domain.field(v)),
            params: 0,
            fields: self.params | self.fields,
        }
    }

    fn join(&mut self, other: &Sym<V>) -> bool {
        let mut changed = false;
        if let Some(o) = &other.own {
            changed |= join_into(&mut self.own, o);
        }
        if other.params & !self.params != 0 {
            self.params |= other.params;
            changed = true;
        }
        if other.fields & !self.fields != 0 {
            self.fields |= other.fields;
            changed = true;
        }
        changed
    }
}

fn join_into<V: Lattice>(into: &mut Option<V>, v: &V) -> bool {
    match into {
        Some(old) => old.join(v),
        None => {
            *into = Some(v.clone());
            true
        }
    }
}

fn bits(mut set: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let i = set.trailing_zeros() as usize;
            set &= set - 1;
            i
        })
    })
}

/// A scope: file index and function qualname (`None` for module level).
pub(super) type ScopeKey = (usize, Option<Ustr>);

/// Why a place holds what it holds (other than an assignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Param(u32),
    /// A source call wrote its value into an output argument.
    Output(u32),
    /// Effect `index` of call `call` (spec propagators, then the domain's).
    Effect {
        call: u32,
        index: u32,
    },
    /// Element store `index` of the file (`d["k"] = v`).
    Store(u32),
}

#[derive(Debug, Clone)]
struct Def<V> {
    pos: u32,
    value: Sym<V>,
    why: Why,
}

/// What a pass over a scope has found so far, looked up as the pass goes
/// on; kept as a [`ScopeState`] once the pass is done.
#[derive(Debug)]
struct Building<V> {
    /// Assignments whose value holds something, by index in the file.
    assigns: FastMap<u32, Sym<V>>,
    /// Parameters (bound at the `def`) and places calls put values into
    /// (bound at the call's end), in position order, by place.
    defs: FastMap<&'static str, (Ustr, Vec<Def<V>>)>,
    /// Whether some def binds a literal string (else literals are not looked up).
    literals: bool,
}

impl<V: Lattice> Building<V> {
    fn new() -> Self {
        Building {
            assigns: FastMap::default(),
            defs: FastMap::default(),
            literals: false,
        }
    }

    fn def(&mut self, place: Ustr, pos: u32, value: Sym<V>, why: Why) {
        self.literals |= place.starts_with('"');
        let (_, defs) = self
            .defs
            .entry(place.as_str())
            .or_insert_with(|| (place, Vec::new()));
        // Parameters come first (at the def); calls in position order.
        let at = defs.partition_point(|d| d.pos <= pos);
        defs.insert(at, Def { pos, value, why });
    }

    /// The pass is done: what it found, sorted into two slices. The
    /// parameters' defs are left out: the function's parameter list gives
    /// them back ([`StateRef::def_before`]).
    fn finish(self) -> ScopeState<V> {
        let mut assigns: Vec<(u32, Sym<V>)> = self.assigns.into_iter().collect();
        assigns.sort_unstable_by_key(|&(ai, _)| ai);
        let mut places: Vec<_> = self.defs.into_iter().collect();
        // One entry per place: an unstable sort keeps each place's order.
        places.sort_unstable_by_key(|&(place, _)| place);
        let kept = |d: &Def<V>| !matches!(d.why, Why::Param(_));
        let count = places
            .iter()
            .map(|(_, (_, d))| d.iter().filter(|d| kept(d)).count())
            .sum();
        let mut defs = Vec::with_capacity(count);
        for (_, (place, list)) in places {
            defs.extend(list.into_iter().filter(kept).map(|d| PlaceDef {
                place,
                pos: d.pos,
                why: d.why,
                value: d.value,
            }));
        }
        ScopeState {
            assigns: assigns.into_boxed_slice(),
            defs: defs.into_boxed_slice(),
            literals: self.literals,
        }
    }
}

/// A def of a finished scope, with the place it binds.
#[derive(Debug, Clone)]
struct PlaceDef<V> {
    place: Ustr,
    pos: u32,
    why: Why,
    value: Sym<V>,
}

/// What one pass over a scope found, kept while the result is: two sorted
/// slices, searched by binary search, without the parameters' defs. A
/// scope holds ~2 defs, most of them parameters, and ~0.6 assignments; as
/// the pass's hash maps of vectors they took ~4 times the heap
/// (docs/performance.md, sc26).
#[derive(Debug)]
struct ScopeState<V> {
    /// Assignments whose value holds something, by index in the file.
    assigns: Box<[(u32, Sym<V>)]>,
    /// Defs but parameters' by place (its text), then position: a place's
    /// defs in the pass's order (position order, ties as bound).
    defs: Box<[PlaceDef<V>]>,
    /// Whether some def binds a literal string (else literals are not looked up).
    literals: bool,
}

impl<V> ScopeState<V> {
    fn assign(&self, ai: u32) -> Option<&Sym<V>> {
        let i = self.assigns.binary_search_by_key(&ai, |&(a, _)| a).ok()?;
        Some(&self.assigns[i].1)
    }

    /// The last def of `place` before `pos`.
    fn def_before(&self, place: &str, pos: u32) -> Option<&PlaceDef<V>> {
        let at = self
            .defs
            .partition_point(|d| (d.place.as_str(), d.pos) < (place, pos));
        let d = self.defs[..at].last()?;
        (d.place.as_str() == place).then_some(d)
    }
}

/// A scope's state as evaluation reads it: during its pass, or after, with
/// the parameters the pass bound (the function's, up to `MAX_PARAMS`).
enum StateRef<'s, V> {
    Pass(&'s Building<V>),
    Done(&'s ScopeState<V>),
}

impl<V> Clone for StateRef<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for StateRef<'_, V> {}

impl<'s, V> StateRef<'s, V> {
    fn literals(self) -> bool {
        match self {
            StateRef::Pass(b) => b.literals,
            StateRef::Done(s) => s.literals,
        }
    }

    /// What assignment `ai` (by index in the file) bound, if anything.
    fn assign(self, ai: u32) -> Option<&'s Sym<V>> {
        match self {
            StateRef::Pass(b) => b.assigns.get(&ai),
            StateRef::Done(s) => s.assign(ai),
        }
    }

    /// The last def of `place` before `pos`: its position, value and why.
    /// `params`: the scope's parameters (a finished state keeps none).
    fn def_before(
        self,
        place: &str,
        pos: u32,
        params: &[Ustr],
    ) -> Option<(u32, Cow<'s, Sym<V>>, Why)>
    where
        V: Clone,
    {
        match self {
            StateRef::Pass(b) => {
                let (_, defs) = b.defs.get(place)?;
                let d = defs.iter().rev().find(|d| d.pos < pos)?;
                Some((d.pos, Cow::Borrowed(&d.value), d.why))
            }
            StateRef::Done(s) => {
                if let Some(d) = s.def_before(place, pos) {
                    return Some((d.pos, Cow::Borrowed(&d.value), d.why));
                }
                // Parameters are bound at 0, before any other def, the
                // last of a repeated name last.
                if pos == 0 {
                    return None;
                }
                let i = params.iter().rposition(|p| p.as_str() == place)?;
                let value = Sym {
                    own: None,
                    params: 1 << i,
                    fields: 0,
                };
                Some((0, Cow::Owned(value), Why::Param(i as u32)))
            }
        }
    }
}

/// Whether a parameter type is one of `listed` (what the server hands a
/// handler), directly or as a type alias of another module that names
/// one (`type Extracted = State<Shared>;`), through at most
/// `MAX_ALIAS_HOPS` aliases.
fn server_type(project: &Project, listed: &[String], t: QName) -> bool {
    const MAX_ALIAS_HOPS: usize = 8;
    let mut t = t;
    for _ in 0..MAX_ALIAS_HOPS {
        if listed.iter().any(|n| n == t.as_str()) {
            return true;
        }
        let Some((module, name)) = t.as_str().rsplit_once('.') else {
            return false;
        };
        let Some(&fi) = project.modules.get(module) else {
            return false;
        };
        match project
            .file(fi, Reader::TaintSetup)
            .type_aliases
            .iter()
            .find(|(n, _)| n == name)
        {
            Some((_, declared)) => t = *declared,
            None => return false,
        }
    }
    false
}

/// What bound a name, for flows.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Assign(usize),
    Def(Why),
}

#[derive(Debug)]
struct ScopeInfo {
    file: usize,
    scope: Option<Ustr>,
    /// The function node, for function scopes.
    node: Option<NodeId>,
    live: bool,
    queued: bool,
    passes: u32,
}

/// How a parameter got its taint (the first time).
#[derive(Debug, Clone, Copy)]
enum ParamWhy {
    Entry {
        entry: usize,
        source: usize,
    },
    /// `handed`: given to a worker (`Thread(target=f, args=(x,))`,
    /// `q.put(x)`), not passed by a call of the function.
    Arg {
        scope: usize,
        call: u32,
        arg: u32,
        handed: bool,
    },
}

#[derive(Debug)]
struct ParamTaint<V> {
    value: V,
    why: ParamWhy,
}

/// A value passed to a project function's parameter.
#[derive(Debug, Clone)]
struct ArgEdge<V> {
    call: u32,
    arg: u32,
    target: NodeId,
    param: u32,
    value: Sym<V>,
    handed: bool,
}

/// Everything the fixed point computed.
#[derive(Debug)]
struct State<V> {
    /// Source calls by (file, call): the first source they match and the
    /// join of their seeds.
    seeds: FastMap<(usize, usize), (usize, V)>,
    infos: Vec<ScopeInfo>,
    ids: FastMap<ScopeKey, usize>,
    node_scope: FastMap<NodeId, usize>,
    states: Vec<Option<ScopeState<V>>>,
    summaries: FastMap<NodeId, Sym<V>>,
    params: FastMap<(NodeId, u32), ParamTaint<V>>,
    edges: Vec<Vec<ArgEdge<V>>>,
}

/// One spec's result over the project.
#[derive(Debug)]
pub struct Taint<V> {
    state: State<V>,
    /// Every flow from a source to a sink, by sink site.
    pub flows: Vec<Flow<V>>,
    pub stats: TaintStats,
}

/// How much a result's scope states hold, for `debug memory`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StateCounts {
    /// Scopes known to the solve, and those with a state (live and passed).
    pub scopes: usize,
    pub states: usize,
    /// Defs (parameters, stores, call effects), the places they bind, and
    /// assignments with a value.
    pub defs: usize,
    pub places: usize,
    pub assigns: usize,
}

impl<V> Taint<V> {
    /// What the scope states hold.
    pub fn state_counts(&self) -> StateCounts {
        let mut c = StateCounts {
            scopes: self.state.infos.len(),
            ..StateCounts::default()
        };
        for s in self.state.states.iter().flatten() {
            c.states += 1;
            c.defs += s.defs.len();
            c.places += s.defs.chunk_by(|a, b| a.place == b.place).count();
            c.assigns += s.assigns.len();
        }
        c
    }

    /// Free part `k` of the result and name it; `None` past the last. For
    /// `debug memory`, which reads the heap after each.
    pub fn free_part(&mut self, k: usize) -> Option<&'static str> {
        let st = &mut self.state;
        Some(match k {
            0 => {
                st.states = Vec::new();
                "scope states"
            }
            1 => {
                st.summaries = FastMap::default();
                "summaries"
            }
            2 => {
                st.params = FastMap::default();
                "parameters"
            }
            3 => {
                st.seeds = FastMap::default();
                "seeds"
            }
            4 => {
                st.infos = Vec::new();
                st.ids = FastMap::default();
                st.node_scope = FastMap::default();
                "scope tables"
            }
            5 => {
                self.flows = Vec::new();
                "flows"
            }
            _ => return None,
        })
    }
}

/// What evaluation reads besides the state.
struct Cx<'a, D> {
    an: &'a Analysis<'a>,
    project: &'a Project,
    spec: &'a TaintSpec,
    domain: &'a D,
    /// The spec's source that classifies names, unless the domain can
    /// classify none (then no name, type or key is looked at).
    name_source: Option<usize>,
    /// Per file, [`imports_reads`]: found by the seeding (empty for a
    /// spec without read sources).
    imports_reads: Vec<bool>,
}

impl<'a, D: Domain> Cx<'a, D> {
    fn new(an: &'a Analysis<'a>, project: &'a Project, spec: &'a TaintSpec, domain: &'a D) -> Self {
        Cx {
            an,
            project,
            spec,
            domain,
            name_source: spec.name_source().filter(|_| domain.classifies_names()),
            imports_reads: Vec::new(),
        }
    }

    /// Whether a name file `fi` imports can start a read source.
    fn imports_reads(&self, fi: usize) -> bool {
        self.imports_reads.get(fi).copied().unwrap_or(false)
    }

    /// The source a read of `name` in file `fi` is, if any.
    fn read_source(&self, fi: usize, name: &str) -> Option<usize> {
        read_source(self.spec, self.project, fi, self.imports_reads(fi), name)
    }
}

pub(super) fn run<'a, D: Domain>(
    an: &'a Analysis<'a>,
    project: &'a Project,
    spec: &'a TaintSpec,
    domain: &'a D,
) -> Taint<D::Value> {
    let mut s = Solver {
        cx: Cx::new(an, project, spec, domain),
        st: State {
            seeds: FastMap::default(),
            infos: Vec::new(),
            ids: FastMap::default(),
            node_scope: FastMap::default(),
            states: Vec::new(),
            summaries: FastMap::default(),
            params: FastMap::default(),
            edges: Vec::new(),
        },
        queue: VecDeque::new(),
        callers: None,
        changed: Vec::new(),
        round: 0,
        stats: TaintStats::default(),
    };
    s.seed();
    if !s.queue.is_empty() {
        s.solve();
    }
    // The argument edges, the callers and the rounds only drive the fixed
    // point; neither the sinks nor the queries read them, and the sinks of
    // the longest spec run while the other rules' findings pile up (the
    // scan's peak, docs/performance.md, am32).
    s.st.edges = Vec::new();
    s.callers = None;
    s.changed = Vec::new();
    crate::memory::mark(|| format!("sinks of {}", spec.id));
    let flows = s.sinks();
    s.stats.flows = flows.len();
    s.stats.scopes = s.st.infos.iter().filter(|i| i.live).count();
    Taint {
        state: s.st,
        flows,
        stats: s.stats,
    }
}

struct Solver<'a, D: Domain> {
    cx: Cx<'a, D>,
    st: State<D::Value>,
    queue: VecDeque<usize>,
    /// Per node: the scopes that call it (the cache's, asked for when
    /// first needed).
    callers: Option<Arc<Vec<Vec<ScopeKey>>>>,
    /// Per file: the last round of passes made ahead during which the
    /// summary of a function its calls run grew (0: none); a pass made
    /// ahead in that round or before is made again.
    changed: Vec<u32>,
    /// Rounds of passes made ahead so far.
    round: u32,
    stats: TaintStats,
}

/// What a pass over a scope gives: its state, its return value and what it
/// passes to project functions.
type Pass<V> = (ScopeState<V>, Sym<V>, Vec<ArgEdge<V>>);

impl<'a, D: Domain> Solver<'a, D> {
    fn scope_id(&mut self, file: usize, scope: Option<Ustr>) -> usize {
        if let Some(&id) = self.st.ids.get(&(file, scope)) {
            return id;
        }
        let cx = &self.cx;
        let node = scope.and_then(|q| {
            let n = cx.an.graph.node_at(file, Some(&q), u32::MAX);
            matches!(cx.an.graph.nodes[n], Node::Function { .. }).then_some(n)
        });
        let id = self.st.infos.len();
        self.st.infos.push(ScopeInfo {
            file,
            scope,
            node,
            live: false,
            queued: false,
            passes: 0,
        });
        self.st.states.push(None);
        self.st.edges.push(Vec::new());
        self.st.ids.insert((file, scope), id);
        if let Some(n) = node {
            self.st.node_scope.insert(n, id);
        }
        id
    }

    fn node_scope(&mut self, node: NodeId) -> Option<usize> {
        if let Some(&id) = self.st.node_scope.get(&node) {
            return Some(id);
        }
        let Node::Function { file, func } = self.cx.an.graph.nodes[node] else {
            return None;
        };
        // The graph knows the qualname of a function that is the last of
        // its name in its file (the one its name places a position in); an
        // earlier one of the same name is read.
        let q = match self.cx.an.graph.last_of_its_name(file, func) {
            Some(q) => q,
            None => self.cx.project.file(file, Reader::TaintSetup).functions[func].qualname,
        };
        let id = self.scope_id(file, Some(q));
        (self.st.infos[id].node == Some(node)).then_some(id)
    }

    /// Mark a scope live and queue a pass over it.
    fn wake(&mut self, id: usize) {
        let info = &mut self.st.infos[id];
        info.live = true;
        if !info.queued {
            info.queued = true;
            self.queue.push_back(id);
        }
    }

    /// Find the sources; wake the scopes that hold them.
    fn seed(&mut self) {
        let (an, project, spec, domain) =
            (self.cx.an, self.cx.project, self.cx.spec, self.cx.domain);
        let mut seeds: FastMap<(usize, usize), (usize, D::Value)> = FastMap::default();
        let mut add = |key: (usize, usize), source: usize, v: D::Value| match seeds.get_mut(&key) {
            Some((_, old)) => {
                old.join(&v);
            }
            None => {
                seeds.insert(key, (source, v));
            }
        };
        let call_sources = super::setup::call_sources(spec);
        let mut woken: Vec<ScopeKey> = Vec::new();
        // Where each seeded call is: a generation site keeps its call's
        // scope, the set-up's calls and fetched rows come with theirs.
        let mut scope_of: FastMap<(usize, usize), Option<Ustr>> = FastMap::default();
        for (si, src) in spec.data.source.iter().enumerate() {
            if src.generation {
                for (i, site) in an.sites.iter().enumerate() {
                    if let Some(v) = domain.seed(&Origin::Generation {
                        source: si,
                        site: i,
                    }) {
                        add((site.file, site.call), si, v);
                        scope_of.insert((site.file, site.call), site.at.scope);
                    }
                }
            }
        }
        // The spec's set-up: made by the rules' per-file phase for every
        // spec it is made for there (`setup`), else here, each file read
        // once, on every thread. The values of a known type read back by a
        // call (ORM rows) and the names the domain classifies are the
        // domain's: found here, in the same read of each file. Each part
        // is joined in file order, in the order its loop had (joins into
        // one key happen in the order they did on one thread).
        let name_source = self.cx.name_source;
        let planned = an.dataflow.take_setup(&spec.id);
        let alone = planned.is_none();
        let found = crate::analysis::map_indices(project.file_count(), |fi| {
            let file =
                (alone || name_source.is_some()).then(|| project.file(fi, Reader::TaintSetup));
            let own = match &file {
                Some(file) if alone => {
                    let library: &[(usize, Vec<String>)] = if call_sources {
                        an.library_calls(project, fi)
                    } else {
                        &[]
                    };
                    Some(super::setup::spec_file(spec, project, fi, file, library))
                }
                _ => None,
            };
            let mut fetched = Vec::new();
            let mut names = Vec::new();
            if let (Some(si), Some(file)) = (name_source, file) {
                for (ci, call) in file.calls.iter().enumerate() {
                    let site = Site { file: fi, call: ci };
                    if let Some(v) = domain.seed(&Origin::Fetched { source: si, site }) {
                        fetched.push(((fi, ci), call.scope, v));
                    }
                }
                names_source(domain, si, fi, &file, &mut names);
            }
            (own, fetched, names)
        });
        let mut setup = planned.unwrap_or_default();
        let mut fetched = Vec::new();
        let mut names = Vec::new();
        for (fi, (own, f, n)) in found.into_iter().enumerate() {
            if let Some(own) = own {
                setup.push(spec, fi, own);
            }
            fetched.extend(f);
            names.extend(n);
        }
        if call_sources {
            for &(key, scope, ref roles) in &setup.calls {
                for &si in roles {
                    let site = Site {
                        file: key.0,
                        call: key.1,
                    };
                    if let Some(v) = domain.seed(&Origin::Call { source: si, site }) {
                        add(key, si, v);
                        scope_of.insert(key, scope);
                    }
                }
            }
        }
        if let Some(si) = name_source {
            for (key, scope, v) in fetched {
                add(key, si, v);
                scope_of.insert(key, scope);
            }
        }
        let mut keys: Vec<(usize, usize)> = seeds.keys().copied().collect();
        keys.sort_unstable();
        for (fi, ci) in keys {
            let scope = match scope_of.get(&(fi, ci)) {
                Some(&scope) => scope,
                None => project.file(fi, Reader::TaintSetup).calls[ci].scope,
            };
            woken.push((fi, scope));
        }
        self.st.seeds = seeds;
        self.cx.imports_reads = std::mem::take(&mut setup.imports);
        woken.extend(setup.reads);
        woken.extend(names);
        for (fi, scope) in woken {
            let id = self.scope_id(fi, scope);
            self.wake(id);
        }
        for (si, src) in spec.data.source.iter().enumerate() {
            if !src.entry_point_params {
                continue;
            }
            for (e, entry) in an.entry_points.iter().enumerate() {
                if !matches!(entry.handler, Handler::Function { .. }) {
                    continue;
                }
                let Some(node) = an.graph.handler_node(project, &entry.handler) else {
                    continue;
                };
                let Node::Function { file, func } = an.graph.nodes[node] else {
                    continue;
                };
                let f = &project.file(file, Reader::TaintSetup).functions[func];
                for p in skip_self(f)..f.params.len() {
                    if let Some(Some(t)) = f.param_types.get(p)
                        && server_type(project, &src.not_param_types, *t)
                    {
                        continue;
                    }
                    let Some(v) = domain.seed(&Origin::Param {
                        source: si,
                        entry: e,
                        node,
                        param: p,
                    }) else {
                        continue;
                    };
                    if p >= MAX_PARAMS {
                        self.stats.cut_params += 1;
                        continue;
                    }
                    self.st
                        .params
                        .entry((node, p as u32))
                        .and_modify(|t| {
                            t.value.join(&v);
                        })
                        .or_insert(ParamTaint {
                            value: v,
                            why: ParamWhy::Entry {
                                entry: e,
                                source: si,
                            },
                        });
                    if let Some(id) = self.node_scope(node) {
                        self.wake(id);
                    }
                }
            }
        }
    }

    fn solve(&mut self) {
        // The worklist is one thread, but its passes are made ahead, side
        // by side, in rounds: when the scope at the front has no pass made
        // ahead that still holds, one is made for every queued scope that
        // lacks one. A pass reads nothing that changes but the summaries of
        // the functions its file's calls run, so a pass made ahead is the
        // one the worklist would make unless such a summary has grown since
        // its round began (`changed`, set where summaries grow); it is then
        // made again. Same passes, same order: the result does not depend
        // on the threads.
        let mut ahead: FastMap<usize, (u32, Pass<D::Value>)> = FastMap::default();
        self.changed = vec![0; self.cx.project.file_count()];
        // Passes made ahead a round: a batch per thread from the front of
        // the queue (on one thread, only the front one: no pass is made
        // twice). Further back, a summary has likelier grown before the
        // worklist gets there, and the pass is made again: with the whole
        // queue, mistral.rs's training-data spec took 2.5 times as long.
        // Where more than a quarter of the passes made ahead are made again
        // (a file's passes all wait on any summary its calls read, and large
        // files have many), the rest of the solve makes one at a time.
        let threads = crate::analysis::pool_threads();
        let mut window = if threads <= 1 { 1 } else { threads * 8 };
        let (mut made, mut again) = (0usize, 0usize);
        while let Some(&id) = self.queue.front() {
            let holds = |s: &Self, (round, _): &(u32, Pass<D::Value>), id: usize| {
                s.changed[s.st.infos[id].file] < *round
            };
            let ready = ahead.get(&id).is_some_and(|p| holds(self, p, id));
            if !ready && self.st.infos[id].passes < MAX_PASSES {
                self.round += 1;
                let todo: Vec<usize> = self
                    .queue
                    .iter()
                    .copied()
                    .filter(|&q| self.st.infos[q].passes < MAX_PASSES)
                    .filter(|q| !ahead.get(q).is_some_and(|p| holds(self, p, *q)))
                    .take(window)
                    .collect();
                let this = &*self;
                let done = crate::analysis::map_indices(todo.len(), |k| this.pass(todo[k]));
                for (q, pass) in todo.into_iter().zip(done) {
                    made += 1;
                    again += usize::from(ahead.insert(q, (self.round, pass)).is_some());
                }
                if window > 1 && made >= 64 && again * 4 > made {
                    window = 1;
                }
            }
            self.queue.pop_front();
            let made = ahead.remove(&id);
            self.st.infos[id].queued = false;
            if self.st.infos[id].passes >= MAX_PASSES {
                self.stats.cut_passes += 1;
                continue;
            }
            self.st.infos[id].passes += 1;
            self.stats.passes += 1;
            let (_, (state, ret, edges)) = made.expect("made ahead");
            self.st.states[id] = Some(state);
            self.st.edges[id] = edges;
            if let Some(node) = self.st.infos[id].node {
                let summary = self.st.summaries.entry(node).or_insert_with(Sym::bottom);
                if summary.join(&ret) {
                    let own = summary.own.is_some();
                    self.notify_callers(node, own);
                }
            }
            self.propagate(id);
        }
    }

    /// A summary grew: its live callers need another pass, and every caller
    /// once it returns taint of its own.
    fn notify_callers(&mut self, node: NodeId, all: bool) {
        if self.callers.is_none() {
            let (an, project) = (self.cx.an, self.cx.project);
            self.callers = Some(an.dataflow.callers(an, project));
        }
        let list = self.callers.as_ref().expect("built")[node].clone();
        for (fi, scope) in list {
            // Passes made ahead over this file may have read the old summary.
            self.changed[fi] = self.round;
            let id = self.scope_id(fi, scope);
            if all || self.st.infos[id].live {
                self.wake(id);
            }
        }
    }

    /// Parameters take what scope `from` passes them, and pass it on.
    fn propagate(&mut self, from: usize) {
        let mut work = VecDeque::from([from]);
        while let Some(s) = work.pop_front() {
            let node = self.st.infos[s].node;
            for k in 0..self.st.edges[s].len() {
                let e = &self.st.edges[s][k];
                let Some(v) = resolve(&self.st, node, &e.value, self.cx.domain) else {
                    continue;
                };
                let (target, param, handed) = (e.target, e.param, e.handed);
                if param as usize >= MAX_PARAMS && param != INBOX {
                    self.stats.cut_params += 1;
                    continue;
                }
                let why = ParamWhy::Arg {
                    scope: s,
                    call: e.call,
                    arg: e.arg,
                    handed,
                };
                let changed = match self.st.params.get_mut(&(target, param)) {
                    Some(t) => t.value.join(&v),
                    None => {
                        self.st
                            .params
                            .insert((target, param), ParamTaint { value: v, why });
                        true
                    }
                };
                if !changed {
                    continue;
                }
                if let Some(ts) = self.node_scope(target) {
                    if self.st.infos[ts].live {
                        if self.st.states[ts].is_some() {
                            work.push_back(ts);
                        }
                    } else {
                        self.wake(ts);
                    }
                }
            }
        }
    }

    /// One pass over a scope: what its assignments and call effects bind,
    /// its return value, and what it passes to project functions.
    fn pass(&self, id: usize) -> Pass<D::Value> {
        let info = &self.st.infos[id];
        let (fi, scope) = (info.file, info.scope);
        let project = self.cx.project;
        let file = project.file(fi, Reader::TaintPasses);
        let idx = self.cx.an.file_index(project, fi);
        let mut state = Building::new();
        for (i, p) in scope_params(&self.cx, &file, info.node).iter().enumerate() {
            let sym = Sym {
                own: None,
                params: 1 << i,
                fields: 0,
            };
            // Bound before anything of the scope: a Rust `#[instrument]`
            // call sits on its attribute, before `fn`.
            state.def(*p, 0, sym, Why::Param(i as u32));
        }
        let mut ret = Sym::bottom();
        let mut edges = Vec::new();
        let mut effects = Vec::new();
        let mut args: Vec<Sym<D::Value>> = Vec::new();
        let assigns = scope_assigns(project, fi, scope);
        for event in idx.events(scope) {
            let ev = Ev {
                cx: &self.cx,
                st: &self.st,
                fi,
                file: file.clone(),
                node: info.node,
                idx: idx.clone(),
                scope,
                assigns,
                state: Some(StateRef::Pass(&state)),
            };
            match *event {
                Event::Assign(ai) => {
                    let a = &file.assignments[ai as usize];
                    let mut v = ev.value(&a.value, a.span.bytes(), a.span.end_byte);
                    if let Some(seed) = ev.target_seed(a) {
                        v.join(&Sym::of(seed));
                    }
                    if !v.is_bottom() {
                        state.assigns.insert(ai, v);
                    }
                }
                Event::Store(si) => {
                    // A weak update: the container keeps what it held.
                    let st = &file.stores[si as usize];
                    let end = st.span.end_byte;
                    let mut v = ev.stored(st);
                    if let Some(to) = store_place(st)
                        && !v.is_bottom()
                    {
                        if let Some((prior, _)) = ev.lookup(to, end) {
                            v.join(&prior);
                        }
                        state.def(to, end, v, Why::Store(si));
                    }
                }
                Event::Return(ri) => {
                    let r = &file.returns[ri as usize];
                    ret.join(&ev.value(&r.value, r.span.bytes(), r.span.end_byte));
                }
                Event::Call(ci) => {
                    let ci = ci as usize;
                    let call = &file.calls[ci];
                    let (start, end) = (call.span.start_byte, call.span.end_byte);
                    let mut defs: Vec<(Ustr, Sym<D::Value>, Why)> = Vec::new();
                    if let Some((si, seed)) = self.st.seeds.get(&(fi, ci)) {
                        for out in &self.cx.spec.data.source[*si].outputs {
                            let arg = call.arg(out.position, out.keyword.as_deref());
                            if let Some(p) = arg.and_then(|a| place(&a.value)) {
                                defs.push((p, Sym::of(seed.clone()), Why::Output(ci as u32)));
                            }
                        }
                    }
                    effects.clear();
                    ev.effects(&file, ci, &mut effects);
                    for (k, e) in effects.iter().enumerate() {
                        let mut v = Sym::bottom();
                        for d in &e.from {
                            v.join(&ev.data(d, start));
                        }
                        if !v.is_bottom() {
                            let why = Why::Effect {
                                call: ci as u32,
                                index: k as u32,
                            };
                            defs.push((e.to, v, why));
                        }
                    }
                    let site = Site { file: fi, call: ci };
                    let targets = self.cx.an.graph.targets_at(site);
                    if targets
                        .iter()
                        .any(|(_, via)| matches!(via, Via::Callee | Via::Argument | Via::Queue))
                    {
                        args.clear();
                        args.extend(call.args.iter().map(|a| ev.arg(a, start)));
                        for &(t, via) in targets {
                            let Node::Function { file: tf, func } = self.cx.an.graph.nodes[t]
                            else {
                                continue;
                            };
                            // Kept by the graph for the functions calls reach.
                            let read;
                            let f = match self.cx.an.graph.params(t) {
                                Some(kept) => kept,
                                None => {
                                    read = Params::of(
                                        &project.file(tf, Reader::TaintPasses).functions[func],
                                    );
                                    &read
                                }
                            };
                            let mut edge = |arg: usize, param: u32, value: Sym<D::Value>| {
                                if !value.is_bottom() {
                                    edges.push(ArgEdge {
                                        call: ci as u32,
                                        arg: arg as u32,
                                        target: t,
                                        param,
                                        value,
                                        handed: via != Via::Callee,
                                    });
                                }
                            };
                            match via {
                                Via::Callee => {
                                    for (i, v) in args.iter().enumerate() {
                                        if let Some(p) = param_of(call, i, f) {
                                            edge(i, param_bit(p), v.clone());
                                        }
                                    }
                                }
                                // What is put on the queue is what the
                                // worker takes off it.
                                Via::Queue => {
                                    for (i, v) in args.iter().enumerate() {
                                        edge(i, INBOX, v.clone());
                                    }
                                }
                                Via::Argument => {
                                    for h in handed(call, f) {
                                        let v = match h.element {
                                            Some(el) => ev.value(el, 0..0, start),
                                            None => args[h.arg].clone(),
                                        };
                                        edge(h.arg, param_bit(h.param), v);
                                    }
                                }
                                Via::Service { .. } => {}
                            }
                        }
                    }
                    for (p, v, why) in defs {
                        state.def(p, end, v, why);
                    }
                }
            }
        }
        (state.finish(), ret, edges)
    }

    /// Flows into every sink of the live scopes. The solved scopes' calls
    /// are looked at a file at a time, files side by side (the state no
    /// longer changes), and their flows joined in call order: direct
    /// sinks, then handed ones.
    fn sinks(&mut self) -> Vec<Flow<D::Value>> {
        let spec = self.cx.spec;
        if spec.data.sink.is_empty() {
            return Vec::new();
        }
        let generation_sinks: Vec<usize> = (0..spec.data.sink.len())
            .filter(|&k| spec.data.sink[k].generation)
            .collect();
        let generation_sites: FastSet<(usize, usize)> = if generation_sinks.is_empty() {
            FastSet::default()
        } else {
            self.cx.an.sites.iter().map(|s| (s.file, s.call)).collect()
        };
        // The solved scopes grouped by file, a file's in scope order, and a
        // scope's calls in their order: a file is read once for the flow
        // index (its scopes' calls) and the sinks alike (a stored file was
        // decoded twice, once for each). The flows are sorted below, and
        // those of one call keep their order.
        let mut solved: Vec<(usize, u32)> = (0..self.st.infos.len())
            .filter(|&id| self.st.states[id].is_some())
            .map(|id| (self.st.infos[id].file, id as u32))
            .collect();
        solved.sort_unstable();
        let files: Vec<&[(usize, u32)]> = solved.chunk_by(|a, b| a.0 == b.0).collect();
        let this = &*self;
        let project = self.cx.project;
        let runs = crate::analysis::map_indices(files.len(), |k| {
            let fi = files[k][0].0;
            let (mut direct, mut handed) = (Vec::new(), Vec::new());
            let (mut roles, mut sinks) = (Vec::new(), Vec::new());
            // A stored file is read before its flow index, which then
            // builds from this decoding if it was freed; a kept one only
            // when a scope has calls.
            let mut held = project
                .is_stored(fi)
                .then(|| project.file(fi, Reader::TaintSinks));
            let idx = this.cx.an.file_index(project, fi);
            for &(_, id) in files[k] {
                let info = &this.st.infos[id as usize];
                for event in idx.events(info.scope) {
                    let Event::Call(ci) = *event else {
                        continue;
                    };
                    let file = held.get_or_insert_with(|| project.file(fi, Reader::TaintSinks));
                    let call = (id as usize, fi, info.node, ci as usize);
                    this.direct_flows(
                        call,
                        file,
                        &generation_sites,
                        &generation_sinks,
                        &mut roles,
                        &mut direct,
                    );
                    this.handed_flows(call, file, &mut sinks, &mut handed);
                }
            }
            (direct, handed)
        });
        let mut flows = Vec::new();
        let mut handed = Vec::new();
        for (d, h) in runs {
            flows.extend(d);
            handed.extend(h);
        }
        flows.extend(handed);
        self.stats.cut_steps += flows.iter().filter(|f| f.cut).count();
        flows.sort_by_key(|f| (f.site, f.sink));
        flows
    }

    /// Flows into the sinks call `ci` (of scope `id`, in `file`) is.
    fn direct_flows(
        &self,
        (id, fi, node, ci): (usize, usize, Option<NodeId>, usize),
        file: &FileFacts,
        generation_sites: &FastSet<(usize, usize)>,
        generation_sinks: &[usize],
        roles: &mut Vec<Role>,
        flows: &mut Vec<Flow<D::Value>>,
    ) {
        let spec = self.cx.spec;
        let project = self.cx.project;
        let call = &file.calls[ci];
        spec.roles(
            file.language,
            call,
            project.runtime().alternatives(fi, ci),
            roles,
        );
        if generation_sites.contains(&(fi, ci)) {
            roles.extend(generation_sinks.iter().map(|&k| Role::Sink(k)));
            roles.sort_unstable();
            roles.dedup();
        }
        for role in roles.iter() {
            let Role::Sink(k) = *role else { continue };
            let sink = &spec.data.sink[k];
            let all = [Loc::Named(LocName::Arguments)];
            let at: &[Loc] = if sink.at.is_empty() { &all } else { &sink.at };
            let ev = self.ev(id);
            let pos = call.span.start_byte;
            let mut v = Sym::bottom();
            for loc in at {
                v.join(&ev.loc(ci, loc, pos));
                if *loc == Loc::Named(LocName::Receiver) {
                    v.join(&ev.stored_on_receiver(ci, pos));
                }
            }
            let reaches = || format!("reaches `{}` (sink `{}`)", call.callee, sink.id);
            flows.extend(
                self.flow(
                    (Site { file: fi, call: ci }, node, call.span),
                    k,
                    &v,
                    reaches,
                    at.iter()
                        .map(|loc| (loc, self.weight(id, &ev.loc(ci, loc, pos)))),
                    |loc, trail| self.why_loc(id, ci, loc, pos, trail),
                ),
            );
        }
    }

    /// Library sinks handed to another call to run with the arguments after
    /// them (`asyncio.to_thread(client.send, body)`,
    /// `loop.run_in_executor(None, client.send, body)`), as the call graph's
    /// hand-offs do for project functions: the flow's site is the call that
    /// runs it. Only sinks that take their arguments (not the receiver).
    fn handed_flows(
        &self,
        (id, fi, node, ci): (usize, usize, Option<NodeId>, usize),
        file: &FileFacts,
        sinks: &mut Vec<usize>,
        flows: &mut Vec<Flow<D::Value>>,
    ) {
        let spec = self.cx.spec;
        let call = &file.calls[ci];
        let handed = call.args.iter().position(|a| {
            a.keyword.is_none()
                && matches!(
                    &a.value,
                    Value::Name {
                        resolved: Some(_),
                        ..
                    }
                )
        });
        let Some(h) = handed else { return };
        let Value::Name {
            text,
            resolved: Some(q),
        } = &call.args[h].value
        else {
            return;
        };
        spec.sinks_of_name(file.language, q.as_str(), sinks);
        let rest = &call.args[h + 1..];
        if sinks.is_empty() || rest.is_empty() {
            return;
        }
        let pos = call.span.start_byte;
        for &k in sinks.iter() {
            let ev = self.ev(id);
            let sink = &spec.data.sink[k];
            if !(sink.at.is_empty() || sink.at.contains(&Loc::Named(LocName::Arguments))) {
                continue;
            }
            let mut v = Sym::bottom();
            for a in rest {
                v.join(&ev.arg(a, pos));
            }
            let reaches = || {
                format!(
                    "reaches `{text}`, run by `{}` (sink `{}`)",
                    call.callee, sink.id
                )
            };
            flows.extend(self.flow(
                (Site { file: fi, call: ci }, node, call.span),
                k,
                &v,
                reaches,
                rest.iter().map(|a| (a, self.weight(id, &ev.arg(a, pos)))),
                |a, trail| self.why_value(id, &a.value, a.span.bytes(), pos, trail),
            ));
        }
    }

    /// The flow into sink `k` of the call at `site` (its span `span`) when
    /// `v` holds taint: the sink step, then why the heaviest of `parts`
    /// holds it.
    fn flow<T>(
        &self,
        (site, node, span): (Site, Option<NodeId>, crate::source::Span),
        k: usize,
        v: &Sym<D::Value>,
        reaches: impl FnOnce() -> String,
        parts: impl Iterator<Item = (T, Option<u32>)>,
        why: impl FnOnce(T, &mut Trail),
    ) -> Option<Flow<D::Value>> {
        let value = resolve(&self.st, node, v, self.cx.domain)?;
        let mut trail = Trail::new();
        trail.push(site.file, span, reaches());
        if let Some(part) = first_heaviest(parts) {
            why(part, &mut trail);
        }
        let (steps, cut) = trail.finish();
        Some(Flow {
            sink: k,
            site,
            value,
            steps,
            cut,
        })
    }

    fn ev(&self, id: usize) -> Ev<'_, 'a, D> {
        ev(&self.cx, &self.st, id)
    }

    /// How a step names what a source gave: the domain's words, else the
    /// source's label.
    fn label(&self, source: usize, v: &D::Value) -> String {
        self.cx
            .domain
            .describe(v)
            .unwrap_or_else(|| self.cx.spec.label(source).to_string())
    }

    fn tainted(&self, id: usize, v: &Sym<D::Value>) -> bool {
        resolve(&self.st, self.st.infos[id].node, v, self.cx.domain).is_some()
    }

    /// How much a tainted value weighs for explanations (`None`: clean).
    fn weight(&self, id: usize, v: &Sym<D::Value>) -> Option<u32> {
        resolve(&self.st, self.st.infos[id].node, v, self.cx.domain)
            .map(|v| self.cx.domain.weight(&v))
    }

    // --- Steps: the first tainted part of each value, back to a source ---

    fn why_value(&self, id: usize, v: &Value, bytes: Range<u32>, pos: u32, t: &mut Trail) {
        if t.full() {
            return;
        }
        let ev = self.ev(id);
        // The part that weighs most (the first of those), so that the
        // explanation names what the rule reports.
        let parts = ev.parts(v, &bytes).into_iter().map(|part| {
            let w = match part {
                Part::Call(c) => self.weight(id, &ev.call(c, pos)),
                Part::Read(r) => self.weight(id, &ev.read(r, pos)),
                Part::Key(k) => ev.name_seed(k).map(|s| self.cx.domain.weight(&s)),
                Part::Field(b, k) => self.weight(id, &ev.field(b, k, pos)),
            };
            (part, w)
        });
        if let Some(part) = first_heaviest(parts) {
            match part {
                Part::Call(c) => self.why_call(id, c, pos, t),
                Part::Read(r) => self.why_read(id, r, pos, t),
                Part::Key(k) if ev.name_seed(k).is_some() => {
                    let info = &self.st.infos[id];
                    let file = self.cx.project.file(info.file, Reader::TaintTrails);
                    let seed = ev.name_seed(k).expect("checked");
                    let label = self.label(ev.name_source().unwrap_or(0), &seed);
                    t.push(
                        info.file,
                        read_span(&file, info.scope, pos),
                        format!("the key `{k}` holds {label}"),
                    );
                }
                Part::Field(b, k) => self.why_field(id, b, k, pos, t),
                _ => {}
            }
        }
    }

    /// Why `name["key"]` holds what it holds: its entry's heaviest part,
    /// else the whole container.
    fn why_field(&self, id: usize, name: Ustr, key: Ustr, pos: u32, t: &mut Trail) {
        let ev = self.ev(id);
        let Some((parts, at)) = ev.entry_parts(name, key, pos) else {
            return self.why_read(id, name, pos, t);
        };
        let weighed = parts.into_iter().map(|part| {
            let w = match part {
                Part::Call(c) => self.weight(id, &ev.call(c, at)),
                Part::Read(r) => self.weight(id, &ev.read(r, at)),
                Part::Key(k) => ev.name_seed(k).map(|s| self.cx.domain.weight(&s)),
                Part::Field(..) => None,
            };
            (part, w)
        });
        let info = &self.st.infos[id];
        let file = self.cx.project.file(info.file, Reader::TaintTrails);
        t.push(
            info.file,
            read_span(&file, info.scope, pos),
            format!("reads the entry `{key}` of `{name}`"),
        );
        match first_heaviest(weighed) {
            Some(Part::Call(c)) => self.why_call(id, c, at, t),
            Some(Part::Read(r)) => self.why_read(id, r, at, t),
            Some(Part::Key(k)) if ev.name_seed(k).is_some() => {
                let seed = ev.name_seed(k).expect("checked");
                let label = self.label(ev.name_source().unwrap_or(0), &seed);
                t.push(
                    info.file,
                    read_span(&file, info.scope, at),
                    format!("the key `{k}` holds {label}"),
                );
            }
            _ => {}
        }
    }

    fn why_data(&self, id: usize, d: &Data<'_>, pos: u32, t: &mut Trail) {
        match d {
            Data::Value(v, bytes) => self.why_value(id, v, bytes.clone(), pos, t),
            Data::Receiver(ci) => self.why_receiver(id, *ci, pos, t),
            Data::Call(ci) => self.why_call(id, *ci, pos, t),
            Data::Names(names) => {
                let ev = self.ev(id);
                if let Some(n) = names.iter().find(|n| self.tainted(id, &ev.read(**n, pos))) {
                    self.why_read(id, *n, pos, t);
                }
            }
        }
    }

    fn why_read(&self, id: usize, name: Ustr, pos: u32, t: &mut Trail) {
        if t.full() {
            return;
        }
        let ev = self.ev(id);
        let info = &self.st.infos[id];
        let file = self.cx.project.file(info.file, Reader::TaintTrails);
        if let Some(seed) = ev.read_seed(name, pos) {
            let label = self.label(ev.name_source().unwrap_or(0), &seed);
            // Seeded by what it is called, or by its declared or made type.
            let how = if ev.name_seed(name).is_some() {
                "its name"
            } else {
                "its type"
            };
            t.push(
                info.file,
                read_span(&file, info.scope, pos),
                format!("`{name}` holds {label}, by {how}"),
            );
            return;
        }
        let bound = ev.lookup(name, pos).filter(|(v, _)| self.tainted(id, v));
        let Some((_, bound)) = bound else {
            if let Some(si) = self.cx.read_source(info.file, &name) {
                let label = self.cx.spec.label(si);
                t.push(
                    info.file,
                    read_span(&file, info.scope, pos),
                    format!("reads {label} from `{name}`"),
                );
            }
            return;
        };
        match bound {
            Bound::Assign(ai) => {
                if !t.visit((id, 0, ai as u32)) {
                    return;
                }
                let a = &file.assignments[ai];
                t.push(info.file, a.span, format!("assigned to `{}`", a.target));
                self.why_value(id, &a.value, a.span.bytes(), a.span.end_byte, t);
            }
            Bound::Def(Why::Param(i)) => {
                if !t.visit((id, 1, i)) {
                    return;
                }
                if let Some(node) = info.node {
                    self.why_param(node, i, t);
                }
            }
            Bound::Def(Why::Output(ci)) => {
                let call = &file.calls[ci as usize];
                let label = self
                    .st
                    .seeds
                    .get(&(info.file, ci as usize))
                    .map_or(self.cx.spec.id.as_str(), |(si, _)| self.cx.spec.label(*si));
                t.push(
                    info.file,
                    call.span,
                    format!("`{}` writes {label} to `{name}`", call.callee),
                );
            }
            Bound::Def(Why::Store(si)) => {
                if !t.visit((id, 3, si)) {
                    return;
                }
                let st = &file.stores[si as usize];
                let key = st.key.map(|k| format!("[\"{k}\"]")).unwrap_or_default();
                t.push(
                    info.file,
                    st.span,
                    format!("stored in `{}{key}`", st.container),
                );
                let end = st.span.end_byte;
                let bytes = st.value_span.bytes();
                if self.tainted(id, &ev.value(&st.value, bytes.clone(), end)) {
                    self.why_value(id, &st.value, bytes, end, t);
                } else if let Some(to) = store_place(st) {
                    self.why_read(id, to, st.span.start_byte, t);
                }
            }
            Bound::Def(Why::Effect { call: ci, index }) => {
                if !t.visit((id, 2, ci)) {
                    return;
                }
                let call = &file.calls[ci as usize];
                let mut effects = Vec::new();
                ev.effects(&file, ci as usize, &mut effects);
                let Some(e) = effects.get(index as usize) else {
                    return;
                };
                t.push(
                    info.file,
                    call.span,
                    format!("`{}` {} `{}`", call.callee, e.what, e.to),
                );
                let start = call.span.start_byte;
                if let Some(d) = e.from.iter().find(|d| self.tainted(id, &ev.data(d, start))) {
                    self.why_data(id, d, start, t);
                }
            }
        }
    }

    /// Where parameter `param` of function `node` got its taint: an entry
    /// point (a source), or an argument of its first caller that passed it.
    fn why_param(&self, node: NodeId, param: u32, t: &mut Trail) {
        let Some(p) = self.st.params.get(&(node, param)) else {
            return;
        };
        let Node::Function { file, func } = self.cx.an.graph.nodes[node] else {
            return;
        };
        let f = &self.cx.project.file(file, Reader::TaintTrails).functions[func];
        match p.why {
            ParamWhy::Entry { entry, source } => {
                let e = &self.cx.an.entry_points[entry];
                let label = self.cx.spec.label(source);
                let what = e.route.as_deref().unwrap_or(e.framework.as_str());
                t.push(
                    file,
                    f.name_span,
                    format!(
                        "`{}` receives {label} from the entry point ({what})",
                        f.params[param as usize]
                    ),
                );
            }
            ParamWhy::Arg {
                scope,
                call,
                arg,
                handed,
            } => {
                let fi = self.st.infos[scope].file;
                let c = &self.cx.project.file(fi, Reader::TaintTrails).calls[call as usize];
                let a = &c.args[arg as usize];
                if param == INBOX {
                    let queue = match c.receiver {
                        Receiver::Name(n) => n.as_str(),
                        _ => c.callee.as_str(),
                    };
                    t.push(
                        file,
                        f.name_span,
                        format!("`{}` takes it off `{queue}`", f.qualname),
                    );
                    t.push(
                        fi,
                        a.span,
                        format!("handed to the worker through `{queue}`"),
                    );
                } else {
                    t.push(
                        file,
                        f.name_span,
                        format!(
                            "parameter `{}` of `{}`",
                            f.params[param as usize], f.qualname
                        ),
                    );
                    let how = if handed {
                        "handed to a worker by"
                    } else {
                        "passed to"
                    };
                    t.push(fi, a.span, format!("{how} `{}`", c.callee));
                }
                self.why_value(scope, &a.value, a.span.bytes(), c.span.start_byte, t);
            }
        }
    }

    fn why_call(&self, id: usize, ci: usize, pos: u32, t: &mut Trail) {
        if t.full() {
            return;
        }
        let ev = self.ev(id);
        let fi = self.st.infos[id].file;
        let file = self.cx.project.file(fi, Reader::TaintTrails);
        let call = &file.calls[ci];
        if let Some((si, _)) = self.st.seeds.get(&(fi, ci)) {
            let label = self.cx.spec.label(*si);
            t.push(fi, call.span, format!("`{}` returns {label}", call.callee));
            return;
        }
        let mut roles = Vec::new();
        let alts = self.cx.project.runtime().alternatives(fi, ci);
        self.cx.spec.roles(file.language, call, alts, &mut roles);
        for r in &roles {
            let Role::Propagator(p) = *r else { continue };
            let prop = &self.cx.spec.data.propagator[p];
            if prop.to != Loc::Named(LocName::Result) {
                continue;
            }
            if let Some(loc) = prop
                .from
                .iter()
                .find(|l| self.tainted(id, &ev.loc(ci, l, pos)))
            {
                t.push(fi, call.span, format!("`{}` passes it on", call.callee));
                return self.why_loc(id, ci, loc, pos, t);
            }
        }
        for (tn, summary) in ev.summaries(ci) {
            let Node::Function { file: tf, func } = self.cx.an.graph.nodes[tn] else {
                continue;
            };
            let f = &self.cx.project.file(tf, Reader::TaintTrails).functions[func];
            if summary.own.is_some()
                && let Some(&ts) = self.st.node_scope.get(&tn)
                && t.visit((ts, 3, 0))
            {
                t.push(fi, call.span, format!("`{}` returns it", call.callee));
                let tev = self.ev(ts);
                let returns = &self.cx.project.file(tf, Reader::TaintTrails).returns;
                if let Some(r) = returns.iter().find(|r| {
                    r.scope == Some(f.qualname)
                        && tev
                            .value(&r.value, r.span.bytes(), r.span.end_byte)
                            .own
                            .is_some()
                }) {
                    t.push(tf, r.span, format!("returned from `{}`", f.qualname));
                    self.why_value(ts, &r.value, r.span.bytes(), r.span.end_byte, t);
                }
                return;
            }
            let params = Params::of(f);
            for i in bits(summary.params | summary.fields) {
                if let Some(a) = arg_for_param(call, &params, i)
                    && self.tainted(id, &ev.arg(a, pos))
                {
                    t.push(
                        fi,
                        call.span,
                        format!("`{}` returns its argument `{}`", call.callee, f.params[i]),
                    );
                    return self.why_value(id, &a.value, a.span.bytes(), pos, t);
                }
            }
        }
        if ev.takes(call)
            && let Some(node) = self.st.infos[id].node
            && self.st.params.contains_key(&(node, INBOX))
        {
            return self.why_param(node, INBOX, t);
        }
        if self.cx.spec.data.unknown_calls == UnknownCalls::Propagate {
            t.push(fi, call.span, format!("`{}` passes it on", call.callee));
            if self.tainted(id, &ev.receiver(ci, pos)) {
                return self.why_receiver(id, ci, pos, t);
            }
            if is_chain(&call.callee) && self.tainted(id, &ev.read_place(call.callee, pos)) {
                return self.why_read(id, call.callee, pos, t);
            }
            if let Some(a) = call.args.iter().find(|a| self.tainted(id, &ev.arg(a, pos))) {
                self.why_value(id, &a.value, a.span.bytes(), pos, t);
            }
        }
    }

    fn why_receiver(&self, id: usize, ci: usize, pos: u32, t: &mut Trail) {
        let fi = self.st.infos[id].file;
        match self.cx.project.file(fi, Reader::TaintTrails).calls[ci].receiver {
            Receiver::Name(n) => self.why_read(id, n, pos, t),
            Receiver::Call(j) => self.why_call(id, j as usize, pos, t),
            Receiver::None => {}
        }
    }

    fn why_loc(&self, id: usize, ci: usize, loc: &Loc, pos: u32, t: &mut Trail) {
        let fi = self.st.infos[id].file;
        let call = &self.cx.project.file(fi, Reader::TaintTrails).calls[ci];
        match loc {
            Loc::Named(LocName::Receiver) => self.why_receiver(id, ci, pos, t),
            Loc::Named(LocName::Result) => {}
            Loc::Named(LocName::Arguments) => {
                let ev = self.ev(id);
                let args = call
                    .args
                    .iter()
                    .map(|a| (a, self.weight(id, &ev.arg(a, pos))));
                if let Some(a) = first_heaviest(args) {
                    self.why_value(id, &a.value, a.span.bytes(), pos, t);
                }
            }
            Loc::Arg(r) => {
                if let Some(a) = call.arg(r.position, r.keyword.as_deref()) {
                    self.why_value(id, &a.value, a.span.bytes(), pos, t);
                }
            }
        }
    }
}

/// Steps, collected from the sink back to the source.
struct Trail {
    steps: Vec<Step>,
    seen: FastSet<(usize, u8, u32)>,
}

impl Trail {
    fn new() -> Trail {
        Trail {
            steps: Vec::new(),
            seen: FastSet::default(),
        }
    }

    fn push(&mut self, file: usize, span: crate::source::Span, message: String) {
        if !self.full() {
            self.steps.push(Step {
                file,
                span,
                message,
            });
        }
    }

    /// The walk back stops here (the flow's steps are then cut).
    fn full(&self) -> bool {
        self.steps.len() >= 4 * MAX_STEPS
    }

    /// Whether a binding is seen for the first time (loops end here).
    fn visit(&mut self, key: (usize, u8, u32)) -> bool {
        self.seen.insert(key)
    }

    /// Source first; at most `MAX_STEPS`, keeping the source and the steps
    /// nearest the sink; whether anything was cut.
    fn finish(mut self) -> (Vec<Step>, bool) {
        let cut = self.full() || self.steps.len() > MAX_STEPS;
        self.steps.reverse();
        if self.steps.len() > MAX_STEPS {
            let tail = self.steps.split_off(self.steps.len() - (MAX_STEPS - 1));
            self.steps.truncate(1);
            self.steps.extend(tail);
        }
        (self.steps, cut)
    }
}

/// Where a read at `pos` happens, for a step: the innermost statement
/// around it (an assignment, a return or a call), else the position itself.
fn read_span(file: &FileFacts, scope: Option<Ustr>, pos: u32) -> crate::source::Span {
    let around = |s: &crate::source::Span| s.start_byte <= pos && pos <= s.end_byte;
    file.calls
        .iter()
        .filter(|c| c.scope == scope && around(&c.span))
        .map(|c| c.span)
        .chain(
            file.assignments
                .iter()
                .filter(|a| a.scope == scope && around(&a.span))
                .map(|a| a.span),
        )
        .chain(
            file.returns
                .iter()
                .filter(|r| r.scope == scope && around(&r.span))
                .map(|r| r.span),
        )
        .chain(
            file.stores
                .iter()
                .filter(|s| around(&s.span) && super::index::scope_at(file, s.span) == scope)
                .map(|s| s.span),
        )
        .min_by_key(|s| s.end_byte - s.start_byte)
        .unwrap_or_default()
}

/// The value of `sym` as seen from the function `node`'s callers, all of them.
/// The first item of the greatest weight, among those with one.
fn first_heaviest<T>(items: impl Iterator<Item = (T, Option<u32>)>) -> Option<T> {
    let mut best: Option<(T, u32)> = None;
    for (item, w) in items {
        if let Some(w) = w
            && best.as_ref().is_none_or(|(_, b)| w > *b)
        {
            best = Some((item, w));
        }
    }
    best.map(|(item, _)| item)
}

fn resolve<D: Domain>(
    st: &State<D::Value>,
    node: Option<NodeId>,
    sym: &Sym<D::Value>,
    domain: &D,
) -> Option<D::Value> {
    let mut out = sym.own.clone();
    if let Some(node) = node {
        for i in bits(sym.params) {
            if let Some(p) = st.params.get(&(node, i as u32)) {
                join_into(&mut out, &p.value);
            }
        }
        for i in bits(sym.fields) {
            if let Some(p) = st.params.get(&(node, i as u32))
                && let Some(v) = domain.field(&p.value)
            {
                join_into(&mut out, &v);
            }
        }
    }
    out
}

/// Scope `scope` of file `fi`'s assignments by name.
fn scope_assigns(project: &Project, fi: usize, scope: Option<Ustr>) -> ScopeAssigns<'_> {
    project
        .index
        .bindings(fi)
        .scope_assigns(scope.as_ref().map(Ustr::as_str))
}

/// The parameters a pass over a scope binds: its function's, up to
/// `MAX_PARAMS` (none at module level).
fn scope_params<'f, D: Domain>(
    cx: &Cx<'_, D>,
    file: &'f FileFacts,
    node: Option<NodeId>,
) -> &'f [Ustr] {
    match node.map(|n| &cx.an.graph.nodes[n]) {
        Some(&Node::Function { func, .. }) => {
            let params = &file.functions[func].params;
            &params[..params.len().min(MAX_PARAMS)]
        }
        _ => &[],
    }
}

fn ev<'s, 'a, D: Domain>(cx: &'s Cx<'a, D>, st: &'s State<D::Value>, id: usize) -> Ev<'s, 'a, D> {
    let info = &st.infos[id];
    Ev {
        cx,
        st,
        fi: info.file,
        file: cx.project.file(info.file, Reader::TaintValues),
        node: info.node,
        idx: cx.an.file_index(cx.project, info.file),
        scope: info.scope,
        assigns: scope_assigns(cx.project, info.file, info.scope),
        state: st.states[id].as_ref().map(StateRef::Done),
    }
}

/// `self`/`cls` of a method: not bound by the call's arguments.
fn skip_self(f: &Function) -> usize {
    usize::from(Params::first_is_self(f))
}

/// The parameter argument `i` of `call` binds in `f`: by keyword, or by
/// position after `self`/`cls`; none for `*`/`**` unpacking and for
/// positionals after a keyword.
fn param_of(call: &Call, i: usize, f: &Params) -> Option<usize> {
    match call.args[i].keyword.as_deref() {
        Some("*" | "**") => None,
        Some(k) => f.names.iter().position(|p| p == k),
        None if call.args[..i].iter().any(|a| a.keyword.is_some()) => None,
        None => {
            let p = f.skip_self() + i;
            (p < f.names.len()).then_some(p)
        }
    }
}

fn arg_for_param<'c>(call: &'c Call, f: &Params, param: usize) -> Option<&'c Arg> {
    (0..call.args.len())
        .find(|&i| param_of(call, i, f) == Some(param))
        .map(|i| &call.args[i])
}

/// A parameter's index as an edge carries it: past the cap, one that
/// `propagate` counts as cut (never [`INBOX`]).
fn param_bit(p: usize) -> u32 {
    if p < MAX_PARAMS { p as u32 } else { u32::MAX }
}

/// An argument a call hands to a function it runs later, and the parameter
/// it binds.
struct Handed<'c> {
    arg: usize,
    /// An element of `args=(...)` or a value of `kwargs={...}`.
    element: Option<&'c Value>,
    param: usize,
}

/// How the arguments of a call that hands function `f` to a worker bind its
/// parameters: the positionals after `f` itself (`executor.submit(f, x)`,
/// `tasks.add_task(f, x)`, `q.enqueue(f, x)`), all of them when `f` is the
/// receiver (`f.delay(x)`), `args=(x,)` by position and `kwargs={"k": x}` by
/// key (`Thread(target=f, args=(x,))`, `f.apply_async(args=[x])`), and other
/// keywords by name. `f` given as a keyword (`target=f`) binds no
/// positionals: they are the starter's own.
fn handed<'c>(call: &'c Call, f: &Params) -> Vec<Handed<'c>> {
    let names_f = |text: &str| text.rsplit('.').next() == Some(f.name.as_str());
    let skip = f.skip_self();
    let first = match call.receiver {
        Receiver::Name(n) if names_f(&n) => Some(0),
        _ => call
            .args
            .iter()
            .position(|a| {
                a.keyword.is_none() && matches!(&a.value, Value::Name { text, .. } if names_f(text))
            })
            .map(|k| k + 1),
    };
    let by_name = |k: &str| f.names.iter().position(|p| p == k);
    let mut out = Vec::new();
    let mut push = |arg: usize, element: Option<&'c Value>, param: usize| {
        if param < f.names.len() {
            out.push(Handed {
                arg,
                element,
                param,
            });
        }
    };
    for (i, a) in call.args.iter().enumerate() {
        match (a.keyword.as_deref(), &a.value) {
            (None, _) => {
                if let Some(k) = first.filter(|&k| i >= k) {
                    push(i, None, skip + i - k);
                }
            }
            (Some("args"), Value::List(items)) => {
                for (j, el) in items.iter().enumerate() {
                    push(i, Some(el), skip + j);
                }
            }
            (Some("kwargs"), Value::Dict(pairs)) => {
                for (k, v) in pairs.iter() {
                    if let Some(q) = k.as_str().and_then(by_name) {
                        push(i, Some(v), q);
                    }
                }
            }
            (Some("*" | "**"), _) => {}
            (Some(k), _) => {
                if let Some(q) = by_name(k) {
                    push(i, None, q);
                }
            }
        }
    }
    out
}

/// A callee that is a plain name or attribute chain.
fn is_chain(callee: &str) -> bool {
    !callee.contains(['(', '[', '"', '\''])
}

/// The source whose `reads` match a read (or a prefix of it) in file
/// `fi`, resolved through the file's imports, else as written.
///
/// `imports`: whether some name the file imports comes from where a read
/// source can start ([`imports_reads`]); when none does, no import is
/// looked up (most reads of most files).
fn read_source(
    spec: &TaintSpec,
    project: &Project,
    fi: usize,
    imports: bool,
    name: &str,
) -> Option<usize> {
    if !spec.has_read_sources() {
        return None;
    }
    // First segments found by one byte search: reads are asked for by the
    // hundred thousand.
    let first = |s: &'_ str| -> usize { memchr::memchr(b'.', s.as_bytes()).unwrap_or(s.len()) };
    let head = &name[..first(name)];
    // Only names that can start a pattern are spelled out and matched.
    let target = if imports {
        let targets = project.index.bindings(fi).import_targets(head);
        targets
            .last()
            .filter(|t| spec.read_head_possible(&t[..first(t)]))
    } else {
        None
    };
    if target.is_none() && !spec.read_head_possible(head) {
        return None;
    }
    let language = project.language(fi);
    let first = |full: &str| {
        let mut prefix = full;
        loop {
            if let Some(s) = spec.read_source(language, prefix) {
                return Some(s);
            }
            match prefix.rfind('.') {
                Some(dot) => prefix = &prefix[..dot],
                None => return None,
            }
        }
    };
    if let Some(t) = target {
        // The resolved name spelled in one reused buffer: reads are asked
        // for by the hundred thousand.
        let found = RESOLVED.with_borrow_mut(|full| {
            full.clear();
            full.push_str(t);
            full.push_str(&name[head.len()..]);
            first(full)
        });
        if found.is_some() {
            return found;
        }
    }
    first(name)
}

thread_local! {
    static RESOLVED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Whether a name file `fi` imports comes from where one of `spec`'s read
/// sources starts (the last target of the name, as [`read_source`] takes
/// it). False for a spec without read sources.
pub(super) fn imports_reads(
    spec: &TaintSpec,
    project: &Project,
    fi: usize,
    file: &FileFacts,
) -> bool {
    if !spec.has_read_sources() {
        return false;
    }
    let head = |t: &str| -> usize { memchr::memchr(b'.', t.as_bytes()).unwrap_or(t.len()) };
    let bindings = project.index.bindings(fi);
    file.imports.iter().any(|i| {
        bindings
            .import_targets(&i.local)
            .last()
            .is_some_and(|t| spec.read_head_possible(&t[..head(t)]))
    })
}

/// The scopes of file `fi` that read a source, each once.
pub(super) fn reads_source(
    spec: &TaintSpec,
    project: &Project,
    fi: usize,
    file: &FileFacts,
    imports: bool,
    out: &mut Vec<Option<Ustr>>,
) {
    let mut reads = Vec::new();
    let mut check =
        ScopesFound::new(|r: Ustr| read_source(spec, project, fi, imports, &r).is_some());
    // A scope found is not read again.
    for a in &file.assignments {
        if !check.found(a.scope) {
            a.value.reads(&mut reads);
            check.names(a.scope, &mut reads);
        }
    }
    for r in &file.returns {
        if !check.found(r.scope) {
            r.value.reads(&mut reads);
            check.names(r.scope, &mut reads);
        }
    }
    for c in &file.calls {
        if check.found(c.scope) {
            continue;
        }
        if let Receiver::Name(n) = c.receiver {
            reads.push(n);
        }
        reads.push(c.callee);
        c.args.iter().for_each(|a| a.value.reads(&mut reads));
        check.names(c.scope, &mut reads);
    }
    out.extend(check.scopes);
}

/// The scopes of file `fi` that read a name, assign a target or use a key
/// the domain classifies, each once. Callees are left out (see `inputs`).
fn names_source<D: Domain>(
    domain: &D,
    source: usize,
    fi: usize,
    file: &FileFacts,
    out: &mut Vec<ScopeKey>,
) {
    let mut names = Vec::new();
    let mut check = ScopesFound::new(|name: Ustr| {
        domain
            .seed(&Origin::Name {
                source,
                file: fi,
                name,
            })
            .is_some()
    });
    // A scope found is not read again.
    for a in &file.assignments {
        if !check.found(a.scope) {
            names.push(a.target);
            a.value.reads(&mut names);
            value_keys(&a.value, &mut names);
            check.names(a.scope, &mut names);
        }
    }
    for r in &file.returns {
        if !check.found(r.scope) {
            r.value.reads(&mut names);
            value_keys(&r.value, &mut names);
            check.names(r.scope, &mut names);
        }
    }
    for st in &file.stores {
        let scope = super::index::scope_at(file, st.span);
        if !check.found(scope) {
            names.extend(st.key);
            st.value.reads(&mut names);
            value_keys(&st.value, &mut names);
            check.names(scope, &mut names);
        }
    }
    for c in &file.calls {
        if check.found(c.scope) {
            continue;
        }
        if let Receiver::Name(n) = c.receiver {
            names.push(n);
        }
        for a in c.args.iter() {
            a.value.reads(&mut names);
            value_keys(&a.value, &mut names);
        }
        check.names(c.scope, &mut names);
    }
    let mut found = check.scopes;
    // Values of a type the domain classifies: typed parameters, and
    // assignments from what makes or fetches one.
    let typed = |ty: crate::facts::QName, args: Option<&[crate::facts::Arg]>| {
        domain
            .seed(&Origin::Typed {
                source,
                file: fi,
                ty,
                args,
            })
            .is_some()
    };
    for f in &file.functions {
        let scope = Some(f.qualname);
        if !found.contains(&scope) && f.param_types.iter().flatten().any(|&t| typed(t, None)) {
            found.push(scope);
        }
    }
    for a in &file.assignments {
        if !found.contains(&a.scope)
            && a.value_call
                .is_some_and(|t| typed(t, a.value_args.as_deref()))
        {
            found.push(a.scope);
        }
    }
    out.extend(found.into_iter().map(|s| (fi, s)));
}

/// The scopes of a file found to use a name of interest, in the order
/// found, each once; each name is asked about once per file (a file uses
/// the same names again and again).
struct ScopesFound<F> {
    scopes: Vec<Option<Ustr>>,
    known: FastMap<Ustr, bool>,
    is_source: F,
}

impl<F: FnMut(Ustr) -> bool> ScopesFound<F> {
    fn new(is_source: F) -> Self {
        ScopesFound {
            scopes: Vec::new(),
            known: FastMap::default(),
            is_source,
        }
    }

    fn found(&self, scope: Option<Ustr>) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether any of `names` (used in `scope`, not yet found) is of
    /// interest; `names` is emptied.
    fn names(&mut self, scope: Option<Ustr>, names: &mut Vec<Ustr>) {
        let (known, is_source) = (&mut self.known, &mut self.is_source);
        if names
            .iter()
            .any(|&n| *known.entry(n).or_insert_with(|| is_source(n)))
        {
            self.scopes.push(scope);
        }
        names.clear();
    }
}

/// The literal keys of a value: dict displays (`{"phone": v}`) and
/// subscripts (`form["phone"]`), outside calls, to a bounded depth.
fn value_keys(v: &Value, out: &mut Vec<Ustr>) {
    // Most values are names and scalars: no stack for them.
    match v {
        Value::Dict(_) | Value::List(_) => {}
        Value::Expr(e) => return shape_keys(&e.shape, out),
        _ => return,
    }
    let mut stack = vec![(v, 0u8)];
    while let Some((v, depth)) = stack.pop() {
        match v {
            Value::Dict(pairs) if depth < 8 => {
                for (k, v) in pairs.iter() {
                    if let Value::Str(k) = k {
                        out.push(*k);
                    }
                    stack.push((v, depth + 1));
                }
            }
            Value::List(items) if depth < 8 => {
                stack.extend(items.iter().map(|i| (i, depth + 1)));
            }
            Value::Expr(e) => shape_keys(&e.shape, out),
            _ => {}
        }
    }
}

fn shape_keys(shape: &crate::facts::Shape, out: &mut Vec<Ustr>) {
    use crate::facts::Shape;
    // Only these shapes hold keys: no stack for the others.
    if !matches!(
        shape,
        Shape::Index(_) | Shape::Binary(..) | Shape::Neg(_) | Shape::Tuple(_) | Shape::Template(_)
    ) {
        return;
    }
    let mut stack = vec![(shape, 0u8)];
    while let Some((s, depth)) = stack.pop() {
        if depth >= 8 {
            continue;
        }
        match s {
            Shape::Index(pair) => {
                if let Shape::Str(k) = &pair.1 {
                    out.push(*k);
                }
                stack.push((&pair.0, depth + 1));
            }
            Shape::Binary(_, pair) => {
                stack.push((&pair.0, depth + 1));
                stack.push((&pair.1, depth + 1));
            }
            Shape::Neg(inner) => stack.push((inner, depth + 1)),
            Shape::Tuple(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            // A hole keeps only its text: `{form['phone']}`.
            Shape::Template(parts) => {
                for p in parts.iter() {
                    if let crate::facts::Part::Hole { text, .. } = p {
                        hole_keys(text, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The names a value reads only through a literal key (`d["sub"]`, also
/// in a template hole, `{d['sub']}`), with the key, and the names it reads
/// any other way (whole). A shape it cannot see into reads its names whole.
fn keyed_reads(v: &Value, keyed: &mut Vec<(Ustr, Ustr)>, whole: &mut Vec<Ustr>) {
    use crate::facts::Shape;
    match v {
        Value::Name { text, .. } => whole.push(*text),
        Value::List(items) => items.iter().for_each(|i| keyed_reads(i, keyed, whole)),
        Value::Dict(pairs) => pairs.iter().for_each(|(_, v)| keyed_reads(v, keyed, whole)),
        Value::Expr(e) => {
            let before = keyed.len();
            let mut stack = vec![(&e.shape, 0u8)];
            let mut opaque = false;
            while let Some((s, depth)) = stack.pop() {
                if depth >= 8 {
                    opaque = true;
                    continue;
                }
                match s {
                    Shape::Index(pair) => match (&pair.0, &pair.1) {
                        (Shape::Name(b), Shape::Str(k)) => keyed.push((*b, *k)),
                        (a, b) => {
                            stack.push((a, depth + 1));
                            stack.push((b, depth + 1));
                        }
                    },
                    Shape::Name(n) => whole.push(*n),
                    Shape::Binary(_, pair) | Shape::Or(pair) => {
                        stack.push((&pair.0, depth + 1));
                        stack.push((&pair.1, depth + 1));
                    }
                    Shape::Neg(inner) | Shape::Method(inner, _) => stack.push((inner, depth + 1)),
                    Shape::Tuple(items) | Shape::Call(_, items) => {
                        stack.extend(items.iter().map(|i| (i, depth + 1)));
                    }
                    Shape::Template(parts) => {
                        for p in parts.iter() {
                            if let crate::facts::Part::Hole { text, reads } = p {
                                match hole_field(text) {
                                    Some((b, k)) if reads.len() == 1 && reads[0] == b => {
                                        keyed.push((b, k));
                                    }
                                    _ => whole.extend(reads.iter().copied()),
                                }
                            }
                        }
                    }
                    Shape::Num(_) | Shape::Str(_) => {}
                    Shape::Other | Shape::Function => opaque = true,
                }
            }
            if opaque {
                keyed.truncate(before);
                whole.extend(e.reads.iter().copied());
            }
        }
        _ => {}
    }
}

/// `(name, key)` of a template hole that is exactly `{name["key"]}` (a
/// conversion or format spec after it allowed).
fn hole_field(text: &str) -> Option<(Ustr, Ustr)> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let inner = inner.split(['!', ':']).next()?.trim();
    let (name, rest) = inner.split_once('[')?;
    let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let key = rest[1..].strip_suffix(']')?.strip_suffix(q)?;
    let ok = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    (!name.is_empty() && name.chars().all(ok) && !key.contains(['"', '\'']))
        .then(|| (Ustr::from(name), Ustr::from(key)))
}

/// The literal subscript keys written in a template hole's text
/// (`form['phone']`, `d["id_card"]`).
fn hole_keys(text: &str, out: &mut Vec<Ustr>) {
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        rest = &rest[i + 1..];
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let body = &rest[1..];
        if let Some(end) = body.find(q)
            && body[end + 1..].starts_with(']')
        {
            out.push(Ustr::from(&body[..end]));
            rest = &body[end + 1..];
        }
    }
}

/// Per node, the scopes with a call that runs it: one loop over every
/// file ([`crate::analysis::dataflow::Cache::callers`] keeps it for every
/// spec).
pub(super) fn callers(an: &Analysis<'_>, project: &Project) -> Vec<Vec<ScopeKey>> {
    // Per file on every thread (the lists are sorted after).
    let files = project.each_file(Reader::TaintSetup);
    let found = crate::analysis::map_indices(files.len(), |fi| {
        let mut calls = Vec::new();
        file_callers(an, fi, &files.get(fi), &mut calls);
        calls
    });
    merge_callers(an.graph.nodes.len(), found)
}

/// File `fi`'s part of [`callers`]: the node each of its calls runs
/// (directly), with the call's scope, in call order.
pub(super) fn file_callers(
    an: &Analysis<'_>,
    fi: usize,
    file: &FileFacts,
    out: &mut Vec<(NodeId, Option<Ustr>)>,
) {
    for (ci, call) in file.calls.iter().enumerate() {
        for &(t, via) in an.graph.targets_at(Site { file: fi, call: ci }) {
            if via == Via::Callee {
                out.push((t, call.scope));
            }
        }
    }
}

/// [`callers`] from each file's part ([`file_callers`]), files in order.
pub(super) fn merge_callers(
    nodes: usize,
    files: Vec<Vec<(NodeId, Option<Ustr>)>>,
) -> Vec<Vec<ScopeKey>> {
    let mut out: Vec<Vec<ScopeKey>> = vec![Vec::new(); nodes];
    for (fi, calls) in files.into_iter().enumerate() {
        for (t, scope) in calls {
            let key = (fi, scope);
            if out[t].last() != Some(&key) {
                out[t].push(key);
            }
        }
    }
    for list in &mut out {
        list.sort_unstable();
        list.dedup();
    }
    out
}

/// The parts of a value that carry taint into it.
#[derive(Clone, Copy)]
enum Part {
    /// An outermost call.
    Call(usize),
    /// A name read outside any call, or a literal place.
    Read(Ustr),
    /// A dict or subscript key (for sources that classify names).
    Key(Ustr),
    /// A read of one literal key of a name (`d["sub"]`), when the name is
    /// read no other way in the value.
    Field(Ustr, Ustr),
}

/// Evaluation in one scope, during a pass or after the fixed point.
struct Ev<'s, 'a, D: Domain> {
    cx: &'s Cx<'a, D>,
    st: &'s State<D::Value>,
    fi: usize,
    file: FileRef<'a>,
    /// The scope's call-graph node (its parameters).
    node: Option<NodeId>,
    idx: Arc<FileIndex>,
    scope: Option<Ustr>,
    /// The scope's assignments by name, found once.
    assigns: ScopeAssigns<'a>,
    state: Option<StateRef<'s, D::Value>>,
}

impl<'a, D: Domain> Ev<'_, 'a, D> {
    /// The outermost calls of a value, the names it reads outside them
    /// (the names read by a call's callee, receiver and arguments are that
    /// call's business), and the literal places it names.
    fn parts(&self, v: &Value, bytes: &Range<u32>) -> Vec<Part> {
        let mut out = Vec::new();
        let calls: Vec<usize> = if bytes.is_empty() {
            Vec::new()
        } else {
            self.file.calls_in(bytes.clone()).collect()
        };
        for &c in &calls {
            if !self.idx.consumed_within(&self.file, c, bytes) {
                out.push(Part::Call(c));
            }
        }
        let mut reads = Vec::new();
        v.reads(&mut reads);
        if !reads.is_empty() {
            let mut covered: Vec<Ustr> = Vec::new();
            for &c in &calls {
                let call = &self.file.calls[c];
                covered.push(call.callee);
                if let Receiver::Name(n) = call.receiver {
                    covered.push(n);
                }
                call.args.iter().for_each(|a| a.value.reads(&mut covered));
            }
            covered.sort_unstable();
            let (mut keyed, mut whole) = (Vec::new(), Vec::new());
            keyed_reads(v, &mut keyed, &mut whole);
            for r in reads
                .into_iter()
                .filter(|r| covered.binary_search(r).is_err())
            {
                if whole.contains(&r) || !keyed.iter().any(|(b, _)| *b == r) {
                    out.push(Part::Read(r));
                } else {
                    out.extend(
                        keyed
                            .iter()
                            .filter(|(b, _)| *b == r)
                            .map(|&(b, k)| Part::Field(b, k)),
                    );
                }
            }
        }
        if self.cx.name_source.is_some() {
            let mut keys = Vec::new();
            value_keys(v, &mut keys);
            out.extend(keys.into_iter().map(Part::Key));
        }
        if self.state.is_some_and(|s| s.literals()) {
            literals(v, &mut |s| {
                if let Some(p) = Ustr::from_existing(&literal(s)) {
                    out.push(Part::Read(p));
                }
            });
        }
        out
    }

    fn value(&self, v: &Value, bytes: Range<u32>, pos: u32) -> Sym<D::Value> {
        let mut out = Sym::bottom();
        for part in self.parts(v, &bytes) {
            match part {
                Part::Call(c) => out.join(&self.call(c, pos)),
                Part::Read(r) => out.join(&self.read(r, pos)),
                Part::Key(k) => self
                    .name_seed(k)
                    .is_some_and(|seed| out.join(&Sym::of(seed))),
                Part::Field(b, k) => out.join(&self.field(b, k, pos)),
            };
        }
        out
    }

    /// What `name["key"]` holds at `pos`: the entry of that key when the
    /// dict display bound to `name` has one (its other keys and entries
    /// are not read), else the whole container.
    fn field(&self, name: Ustr, key: Ustr, pos: u32) -> Sym<D::Value> {
        let Some((parts, at)) = self.entry_parts(name, key, pos) else {
            return self.read(name, pos);
        };
        let mut out = Sym::bottom();
        for part in parts {
            match part {
                Part::Call(c) => out.join(&self.call(c, at)),
                Part::Read(r) => out.join(&self.read(r, at)),
                Part::Key(k) => self
                    .name_seed(k)
                    .is_some_and(|seed| out.join(&Sym::of(seed))),
                Part::Field(..) => false,
            };
        }
        out
    }

    /// The parts of the entry for `key` of the dict display that binds
    /// `name` at `pos`, with the position they are read at (the end of
    /// that assignment). Entries keep no spans: the assignment's outermost
    /// calls count when the entry reads their callee or receiver and
    /// writes their literal first argument (`d.get("sub")`).
    fn entry_parts(&self, name: Ustr, key: Ustr, pos: u32) -> Option<(Vec<Part>, u32)> {
        let (_, Bound::Assign(ai)) = self.lookup(name, pos)? else {
            return None;
        };
        let a = &self.file.assignments[ai];
        if a.target != name || a.element.is_some() {
            return None;
        }
        let Value::Dict(pairs) = &a.value else {
            return None;
        };
        let entry = pairs
            .iter()
            .find_map(|(k, v)| matches!(k, Value::Str(s) if *s == key).then_some(v))?;
        let mut parts = vec![Part::Key(key)];
        let mut reads = Vec::new();
        entry.reads(&mut reads);
        let text = match entry {
            Value::Expr(e) => e.text.as_str(),
            _ => "",
        };
        let bytes = a.span.bytes();
        let mut covered = Vec::new();
        for c in self.file.calls_in(bytes.clone()) {
            if self.idx.consumed_within(&self.file, c, &bytes) {
                continue;
            }
            let call = &self.file.calls[c];
            let named = reads.contains(&call.callee)
                || matches!(call.receiver, Receiver::Name(n) if reads.contains(&n));
            let written = match call.args.first() {
                Some(Arg {
                    keyword: None,
                    value: Value::Str(s),
                    ..
                }) => text.contains(s.as_str()),
                _ => true,
            };
            if named && written {
                parts.push(Part::Call(c));
                covered.push(call.callee);
                if let Receiver::Name(n) = call.receiver {
                    covered.push(n);
                }
                call.args.iter().for_each(|a| a.value.reads(&mut covered));
            }
        }
        parts.extend(
            reads
                .into_iter()
                .filter(|r| !covered.contains(r))
                .map(Part::Read),
        );
        let mut keys = Vec::new();
        value_keys(entry, &mut keys);
        parts.extend(keys.into_iter().map(Part::Key));
        Some((parts, a.span.end_byte))
    }

    fn arg(&self, a: &Arg, pos: u32) -> Sym<D::Value> {
        self.value(&a.value, a.span.bytes(), pos)
    }

    fn data(&self, d: &Data<'_>, pos: u32) -> Sym<D::Value> {
        match d {
            Data::Value(v, bytes) => self.value(v, bytes.clone(), pos),
            Data::Receiver(ci) => self.receiver(*ci, pos),
            Data::Call(ci) => self.call(*ci, pos),
            Data::Names(names) => {
                let mut out = Sym::bottom();
                for n in names {
                    out.join(&self.read(*n, pos));
                }
                out
            }
        }
    }

    /// What a name holds at `pos`, a read source's value, and what the
    /// name itself names (for sources that classify names).
    fn read(&self, name: Ustr, pos: u32) -> Sym<D::Value> {
        let mut out = self.read_place(name, pos);
        if let Some(seed) = self.read_seed(name, pos) {
            out.join(&Sym::of(seed));
        }
        out
    }

    /// The source that classifies names, if the spec has one.
    fn name_source(&self) -> Option<usize> {
        self.cx.name_source
    }

    /// What a name, chain or key names, for a source that classifies names.
    fn name_seed(&self, name: Ustr) -> Option<D::Value> {
        let source = self.name_source()?;
        self.cx.domain.seed(&Origin::Name {
            source,
            file: self.fi,
            name,
        })
    }

    /// What a read of `name` names: nothing when an assignment to the very
    /// name reaches it (the assignment decides: `phone = mask(phone)` is
    /// clean).
    fn read_seed(&self, name: Ustr, pos: u32) -> Option<D::Value> {
        let source = self.name_source()?;
        let assigned = super::index::reaching_in(&self.file.assignments, self.assigns, &name, pos)
            .filter(|&ai| self.file.assignments[ai].target == name);
        if let Some(ai) = assigned {
            // The assignment decides; a whole value of a known type
            // (`u = User.objects.get(...)`) is what its type says.
            let a = &self.file.assignments[ai];
            return self.typed_seed(source, a.value_call?, a.value_args.as_deref());
        }
        if let Some(seed) = self.name_seed(name) {
            return Some(seed);
        }
        if let Some((base, rest)) = name.split_once('.') {
            // An attribute of a value of a known type (`order.customer` of
            // `order: Order`): what the type says that field holds.
            let ty = self.type_of(Ustr::from(base), pos)?;
            return self.typed_seed(
                source,
                crate::facts::QName::from(format!("{ty}.{rest}")),
                None,
            );
        }
        // A parameter read whole, with its declared type (`body: UserIn`).
        let ty = self.param_type(name)?;
        self.typed_seed(source, ty, None)
    }

    /// The declared type of parameter `name` of this scope.
    fn param_type(&self, name: Ustr) -> Option<crate::facts::QName> {
        let f = self
            .cx
            .project
            .index
            .bindings(self.fi)
            .function(self.scope?.as_str())?;
        let f = &self.file.functions[f];
        let p = f.params.iter().position(|p| *p == name)?;
        *f.param_types.get(p)?
    }

    /// The type of a whole name at `pos`: what the assignment that binds it
    /// made, else its parameter's declared type.
    fn type_of(&self, name: Ustr, pos: u32) -> Option<crate::facts::QName> {
        let assigned = super::index::reaching_in(&self.file.assignments, self.assigns, &name, pos)
            .filter(|&ai| self.file.assignments[ai].target == name);
        match assigned {
            Some(ai) => self.file.assignments[ai].value_call,
            None => self.param_type(name),
        }
    }

    /// What a whole value of type `ty` holds, for a name-classifying source.
    fn typed_seed(
        &self,
        source: usize,
        ty: crate::facts::QName,
        args: Option<&[crate::facts::Arg]>,
    ) -> Option<D::Value> {
        self.cx.domain.seed(&Origin::Typed {
            source,
            file: self.fi,
            ty,
            args,
        })
    }

    /// What an element store puts into its container: the value. Its key
    /// names nothing here: a container read whole by an entry elsewhere
    /// (`resume["school"]` of a parsed résumé) would carry every keyed
    /// entry, where a display's own keys are read entry by entry.
    fn stored(&self, st: &crate::facts::Store) -> Sym<D::Value> {
        self.value(&st.value, st.value_span.bytes(), st.span.end_byte)
    }

    /// What an assignment's target names, unless the value is a literal or
    /// comes from a sanitizer.
    fn target_seed(&self, a: &crate::facts::Assignment) -> Option<D::Value> {
        self.name_source()?;
        if matches!(
            a.value,
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None
        ) {
            return None;
        }
        let seed = self.name_seed(a.target)?;
        let mut roles = Vec::new();
        let sanitized = self.file.calls_in(a.span.bytes()).any(|c| {
            let alts = self.cx.project.runtime().alternatives(self.fi, c);
            self.cx
                .spec
                .roles(self.file.language, &self.file.calls[c], alts, &mut roles);
            roles.iter().any(|r| matches!(r, Role::Sanitizer(_)))
        });
        (!sanitized).then_some(seed)
    }

    /// What a name holds at `pos` and a read source's value.
    fn read_place(&self, name: Ustr, pos: u32) -> Sym<D::Value> {
        let mut out = self.lookup(name, pos).map_or_else(Sym::bottom, |(v, _)| v);
        if let Some(si) = self.cx.read_source(self.fi, &name)
            && let Some(v) = self.cx.domain.seed(&Origin::Read {
                source: si,
                file: self.fi,
                name: &name,
            })
        {
            out.join(&Sym::of(v));
        }
        out
    }

    /// The binding of the longest prefix of `name` bound before `pos`.
    fn lookup(&self, name: Ustr, pos: u32) -> Option<(Sym<D::Value>, Bound)> {
        let state = self.state?;
        let mut prefix: &str = name.as_str();
        loop {
            let a = super::index::reaching_in(&self.file.assignments, self.assigns, prefix, pos);
            let d = state.def_before(prefix, pos, scope_params(self.cx, &self.file, self.node));
            let a_end = a.map(|ai| self.file.assignments[ai].span.end_byte);
            // An attribute of a bound value holds what the domain says
            // attributes hold (a whole data model's categories stay with
            // the model: `user.nickname` is no phone number).
            let attr = prefix.len() < name.len();
            let part = |v: Sym<D::Value>| if attr { v.field(self.cx.domain) } else { v };
            match (a, d) {
                (Some(ai), d)
                    if d.as_ref()
                        .is_none_or(|(at, _, _)| a_end.is_some_and(|e| e > *at)) =>
                {
                    let v = state.assign(ai as u32).cloned().unwrap_or_else(Sym::bottom);
                    return Some((part(v), Bound::Assign(ai)));
                }
                (_, Some((_, v, why))) => return Some((part(v.into_owned()), Bound::Def(why))),
                _ => {}
            }
            prefix = &prefix[..prefix.rfind('.')?];
        }
    }

    /// What a call returns.
    fn call(&self, ci: usize, pos: u32) -> Sym<D::Value> {
        let call = &self.file.calls[ci];
        let mut roles = Vec::new();
        let alts = self.cx.project.runtime().alternatives(self.fi, ci);
        self.cx
            .spec
            .roles(self.file.language, call, alts, &mut roles);
        if roles.iter().any(|r| matches!(r, Role::Sanitizer(_))) {
            return Sym::bottom();
        }
        let mut out = Sym::bottom();
        if let Some((_, seed)) = self.st.seeds.get(&(self.fi, ci)) {
            out.join(&Sym::of(seed.clone()));
        }
        for r in &roles {
            if let Role::Propagator(p) = *r {
                let prop = &self.cx.spec.data.propagator[p];
                if prop.to == Loc::Named(LocName::Result) {
                    for loc in &prop.from {
                        out.join(&self.loc(ci, loc, pos));
                    }
                }
            }
        }
        if self.takes(call) {
            out.join(&Sym {
                own: None,
                params: 1 << INBOX,
                fields: 0,
            });
        }
        for (t, summary) in self.summaries(ci) {
            if let Some(own) = &summary.own {
                join_into(&mut out.own, own);
            }
            if summary.params | summary.fields != 0
                && let Node::Function { file: tf, func } = self.cx.an.graph.nodes[t]
            {
                let read;
                let f = match self.cx.an.graph.params(t) {
                    Some(kept) => kept,
                    None => {
                        read = Params::of(
                            &self.cx.project.file(tf, Reader::TaintValues).functions[func],
                        );
                        &read
                    }
                };
                for i in bits(summary.params) {
                    if let Some(a) = arg_for_param(call, f, i) {
                        out.join(&self.arg(a, pos));
                    }
                }
                // The callee returns an attribute of its argument.
                for i in bits(summary.fields) {
                    if let Some(a) = arg_for_param(call, f, i) {
                        out.join(&self.arg(a, pos).field(self.cx.domain));
                    }
                }
            }
        }
        if self.cx.spec.data.unknown_calls == UnknownCalls::Propagate {
            out.join(&self.inputs(ci, pos));
        } else if self.file.is_literal(ci)
            || (self.cx.spec.data.constructors && self.constructs_project_class(call))
        {
            for a in &call.args {
                out.join(&self.arg(a, pos));
            }
        }
        out
    }

    /// What was stored on a named receiver's attributes in this scope
    /// before `pos` (`row.prompt = x; row.save()`): a sink at a receiver
    /// sees the fields set on it. Only sinks ask, so a scan of the scope's
    /// assignments is cheap.
    fn stored_on_receiver(&self, ci: usize, pos: u32) -> Sym<D::Value> {
        let mut out = Sym::bottom();
        let (Receiver::Name(n), Some(state)) = (self.file.calls[ci].receiver, self.state) else {
            return out;
        };
        for (ai, a) in self.file.assignments.iter().enumerate() {
            if a.scope == self.scope
                && a.span.end_byte < pos
                && a.target.len() > n.len()
                && a.target.starts_with(n.as_str())
                && a.target.as_bytes()[n.len()] == b'.'
                && let Some(v) = state.assign(ai as u32)
            {
                out.join(v);
            }
        }
        out
    }

    /// Whether a call takes a task off a queue in a queue worker
    /// (`task = q.get()`): its result is what the producers put ([`INBOX`]).
    fn takes(&self, call: &Call) -> bool {
        matches!(call.receiver, Receiver::Name(_))
            && lang::semantics(self.file.language)
                .dequeue
                .contains(&call.method())
            && self
                .st
                .ids
                .get(&(self.fi, self.scope))
                .and_then(|&id| self.st.infos[id].node)
                .is_some_and(|n| self.cx.an.graph.queue_workers.contains(&n))
    }

    /// Whether a call makes an instance of a project class (its fields are
    /// the arguments it is given).
    fn constructs_project_class(&self, call: &Call) -> bool {
        let Some(name) = call.resolved.as_ref() else {
            return false;
        };
        let project = self.cx.project;
        let canonical = project.canonical_or_same(name);
        matches!(
            project.index.symbol(canonical.as_str()),
            Some(crate::analysis::index::Symbol::Class(..))
        )
    }

    /// The summaries of the project functions a call runs.
    fn summaries(&self, ci: usize) -> Vec<(NodeId, &Sym<D::Value>)> {
        let site = Site {
            file: self.fi,
            call: ci,
        };
        self.cx
            .an
            .graph
            .targets_at(site)
            .iter()
            .filter(|(_, via)| *via == Via::Callee)
            .filter_map(|(t, _)| Some((*t, self.st.summaries.get(t)?)))
            .collect()
    }

    /// Everything a call is given: receiver, callee and arguments.
    fn inputs(&self, ci: usize, pos: u32) -> Sym<D::Value> {
        let call = &self.file.calls[ci];
        let mut out = self.receiver(ci, pos);
        // A callee is read as the place it names, not classified by name
        // (`detect_face(img)` returns no face by being called so).
        if is_chain(&call.callee) {
            out.join(&self.read_place(call.callee, pos));
        }
        for a in &call.args {
            out.join(&self.arg(a, pos));
        }
        out
    }

    fn receiver(&self, ci: usize, pos: u32) -> Sym<D::Value> {
        match self.file.calls[ci].receiver {
            Receiver::Name(n) => self.read(n, pos),
            Receiver::Call(j) => self.call(j as usize, pos),
            Receiver::None => Sym::bottom(),
        }
    }

    fn loc(&self, ci: usize, loc: &Loc, pos: u32) -> Sym<D::Value> {
        let call = &self.file.calls[ci];
        match loc {
            Loc::Named(LocName::Receiver) => self.receiver(ci, pos),
            Loc::Named(LocName::Result) => Sym::bottom(),
            Loc::Named(LocName::Arguments) => {
                let mut out = Sym::bottom();
                for a in &call.args {
                    out.join(&self.arg(a, pos));
                }
                out
            }
            Loc::Arg(r) => call
                .arg(r.position, r.keyword.as_deref())
                .map_or_else(Sym::bottom, |a| self.arg(a, pos)),
        }
    }

    /// What a call puts into places: the spec's propagators to the receiver
    /// or an argument, then the domain's effects.
    /// `file`: this scope's file, as the caller holds it (the effects
    /// borrow from it).
    fn effects<'f>(&self, file: &'f FileFacts, ci: usize, out: &mut Vec<Effect<'f>>) {
        let call = &file.calls[ci];
        let spec = self.cx.spec;
        if spec.has_call_roles() {
            let mut roles = Vec::new();
            let alts = self.cx.project.runtime().alternatives(self.fi, ci);
            spec.roles(file.language, call, alts, &mut roles);
            for r in &roles {
                let Role::Propagator(p) = *r else { continue };
                let prop = &spec.data.propagator[p];
                let to = match &prop.to {
                    Loc::Named(LocName::Receiver) => receiver_place(call),
                    Loc::Arg(r) => call
                        .arg(r.position, r.keyword.as_deref())
                        .and_then(|a| place(&a.value)),
                    Loc::Named(_) => None,
                };
                let Some(to) = to else { continue };
                let from = prop
                    .from
                    .iter()
                    .flat_map(|loc| loc_data(file, ci, loc))
                    .collect();
                out.push(Effect {
                    from,
                    to,
                    what: "puts it into",
                });
            }
        }
        self.cx.domain.effects(file, self.fi, ci, out);
    }
}

/// The place an element store fills: the name or attribute chain before
/// the first subscript (`event` of `event["props"]["phone"] = v`); none
/// through a call (`get()["k"] = v`).
fn store_place(st: &crate::facts::Store) -> Option<Ustr> {
    let c = st.container.as_str();
    let head = &c[..c.find('[').unwrap_or(c.len())];
    (!head.is_empty() && !head.contains('(')).then(|| Ustr::from(head))
}

/// The name a method is called on, when it is called on that very name
/// (`canvas` of `canvas.paste(x)`, not of `canvas.layers[0].paste(x)`).
fn receiver_place(call: &Call) -> Option<Ustr> {
    let Receiver::Name(n) = call.receiver else {
        return None;
    };
    let head = call.callee.strip_suffix(call.method())?.strip_suffix('.')?;
    (head == n.as_str()).then_some(n)
}

/// A location of a call as data an effect reads.
fn loc_data<'f>(file: &'f FileFacts, ci: usize, loc: &Loc) -> Vec<Data<'f>> {
    let call = &file.calls[ci];
    match loc {
        Loc::Named(LocName::Receiver) => vec![Data::Receiver(ci)],
        Loc::Named(LocName::Result) => Vec::new(),
        Loc::Named(LocName::Arguments) => call
            .args
            .iter()
            .map(|a| Data::Value(&a.value, a.span.bytes()))
            .collect(),
        Loc::Arg(r) => call
            .arg(r.position, r.keyword.as_deref())
            .map(|a| Data::Value(&a.value, a.span.bytes()))
            .into_iter()
            .collect(),
    }
}

/// The literal strings of a value that can name a place.
fn literals<'v>(v: &'v Value, f: &mut impl FnMut(&'v str)) {
    match v {
        Value::Str(s) if !s.is_empty() => f(s),
        Value::List(items) => items.iter().for_each(|i| literals(i, f)),
        Value::Dict(pairs) => pairs.iter().for_each(|(_, v)| literals(v, f)),
        _ => {}
    }
}

/// Queries over a result, for the rules that ran it.
pub struct Query<'q, 'a, D: Domain> {
    cx: Cx<'a, D>,
    st: &'q State<D::Value>,
}

impl<V: Lattice> Taint<V> {
    /// Ask what values hold, with the domain the spec ran with.
    pub fn query<'q, 'a, D: Domain<Value = V>>(
        &'q self,
        an: &'a Analysis<'a>,
        project: &'a Project,
        spec: &'a TaintSpec,
        domain: &'a D,
    ) -> Query<'q, 'a, D> {
        Query {
            cx: Cx::new(an, project, spec, domain),
            st: &self.state,
        }
    }

    /// Whether anything can hold taint in scope `scope` of file `fi`.
    pub fn is_live(&self, fi: usize, scope: Option<Ustr>) -> bool {
        self.state
            .ids
            .get(&(fi, scope))
            .is_some_and(|&id| self.state.states[id].is_some())
    }

    /// Per file (of `files`): whether anything there can hold taint.
    pub fn live_files(&self, files: usize) -> Vec<bool> {
        let mut out = vec![false; files];
        for (i, s) in self.state.infos.iter().zip(&self.state.states) {
            if s.is_some() {
                out[i.file] = true;
            }
        }
        out
    }
}

impl<V: Lattice, D: Domain<Value = V>> Query<'_, '_, D> {
    /// What `data`, read at `pos` in scope `scope` of file `fi`, holds.
    pub fn value(&self, fi: usize, scope: Option<Ustr>, data: &[Data<'_>], pos: u32) -> Option<V> {
        let &id = self.st.ids.get(&(fi, scope))?;
        self.st.states[id].as_ref()?;
        let ev = ev(&self.cx, self.st, id);
        let mut v = Sym::bottom();
        for d in data {
            v.join(&ev.data(d, pos));
        }
        resolve(self.st, self.st.infos[id].node, &v, self.cx.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dataflow::Labels;

    fn sym(label: &str) -> Sym<Labels> {
        Sym::of(Labels(vec![Ustr::from(label)]))
    }

    /// A finished scope answers every look-up as the pass did: a place's
    /// defs in position order with parameters first and ties as bound,
    /// places that sort next to each other or are prefixes of each other
    /// kept apart, parameters given back from the parameter list, a
    /// repeated parameter name as its last, assignments found by index.
    #[test]
    fn finished_scope_answers_as_the_pass() {
        let places = ["b", "a.b", "a", "ab", "\"k\"", "a.b.c", "a_"];
        // The function's parameters, as the pass binds them: `b` twice, and
        // `c` with no other def.
        let params: Vec<Ustr> = ["b", "a.b", "a", "b", "c"]
            .iter()
            .map(|p| Ustr::from(p))
            .collect();
        let mut pass: Building<Labels> = Building::new();
        let mut k = 0;
        for (i, p) in places.iter().enumerate() {
            let base = 10 * i as u32;
            // Out of position order, with a tie.
            for pos in [base + 30, base + 10, base + 20, base + 10] {
                pass.def(Ustr::from(p), pos, sym(&format!("{p}#{k}")), Why::Store(k));
                k += 1;
            }
            if i == 1 {
                // Parameters bound after other defs still come first.
                for (j, param) in params.iter().enumerate() {
                    let value = Sym {
                        own: None,
                        params: 1 << j,
                        fields: 0,
                    };
                    pass.def(*param, 0, value, Why::Param(j as u32));
                }
            }
        }
        for ai in [7u32, 3, 11, 5, 0] {
            pass.assigns.insert(ai, sym(&format!("assign{ai}")));
        }
        let probes: Vec<&str> = places
            .iter()
            .copied()
            .chain(["", "c", "a.", "aa", "a.b.c.d", "\"", "zz"])
            .collect();
        let answers = |state: StateRef<'_, Labels>| {
            let mut out = Vec::new();
            for p in &probes {
                for pos in 0..=110 {
                    let d = state.def_before(p, pos, &params);
                    out.push(d.map(|(at, v, why)| (at, v.into_owned(), why)));
                }
            }
            let assigns: Vec<_> = (0..16).map(|ai| state.assign(ai).cloned()).collect();
            (out, assigns)
        };
        let during = answers(StateRef::Pass(&pass));
        let done = pass.finish();
        let after = StateRef::Done(&done);
        assert_eq!(answers(after), during);

        // Sorted by place, then position; no parameter kept.
        assert!(
            done.defs
                .windows(2)
                .all(|w| { (w[0].place.as_str(), w[0].pos) <= (w[1].place.as_str(), w[1].pos) })
        );
        assert_eq!(done.defs.len(), 4 * places.len());
        // Place "a" (the third): by position, the tie at 30 in the order
        // bound (defs 9, then 11).
        let a: Vec<(u32, Why)> = done
            .defs
            .iter()
            .filter(|d| d.place == "a")
            .map(|d| (d.pos, d.why))
            .collect();
        let stores = [(30, 9), (30, 11), (40, 10), (50, 8)].map(|(p, k)| (p, Why::Store(k)));
        assert_eq!(a, stores);
        let found = |p: &str, pos| {
            after
                .def_before(p, pos, &params)
                .map(|(at, v, why)| (at, v.params, why))
        };
        assert_eq!(found("a", 0), None);
        assert_eq!(found("a", 1), Some((0, 1 << 2, Why::Param(2))));
        assert_eq!(found("a", 31), Some((30, 0, Why::Store(11))));
        assert_eq!(found("a", 1000), Some((50, 0, Why::Store(8))));
        assert_eq!(found("b", 5), Some((0, 1 << 3, Why::Param(3))));
        assert_eq!(found("c", 1000), Some((0, 1 << 4, Why::Param(4))));
        assert_eq!(found("a.", 1000), None);
        assert_eq!(found("\"k\"", 55), Some((50, 0, Why::Store(19))));
        assert_eq!(found("zz", 1000), None);
        // Assignments by index.
        assert_eq!(
            done.assigns.iter().map(|&(ai, _)| ai).collect::<Vec<_>>(),
            [0, 3, 5, 7, 11]
        );
        assert_eq!(done.assign(5), Some(&sym("assign5")));
        assert_eq!(done.assign(4), None);
        assert_eq!(done.assign(12), None);
    }
}

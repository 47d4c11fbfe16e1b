//! The project call graph, built from resolved call names only (no fan-out
//! by bare method names), and the queries every analysis shares: the
//! targets of a call site, the node that holds a position, reachability
//! from a node to any set of sink sites with the call path that gets there,
//! and a walk that carries a caller-supplied state along call edges.
//!
//! Nodes are functions and methods, each module's top-level code, and each
//! `__main__` block. An edge is a call site whose resolved callee names a
//! project function, a class (its `__init__`), an instance (`__call__`) or a
//! method of a known instance type (looked up along project base classes),
//! or a call that passes a project function as an argument (callbacks such
//! as `run_in_executor(None, fn)` or `Thread(target=fn)`).

use std::collections::{BTreeMap, HashSet, VecDeque};

use rayon::prelude::*;

use ustr::Ustr;

use crate::analysis::entrypoints::Handler;
use crate::analysis::index::{Symbol, dotted};
use crate::analysis::queues::{self, QueueStats};
use crate::analysis::{FastMap, FastSet, Project, Reader};
use crate::facts::{Call, QName, Value};
use crate::finding::DispatchStats;
use crate::lang;
use crate::source::Span;

/// Base-class lookups stop after this many classes (cycles, deep hierarchies).
const MAX_MRO: usize = 32;
/// A call through an interface (a Rust trait object or bound) runs at most
/// this many implementations of the method; the rest are cut (`--stats`).
pub const MAX_IMPLS: usize = 16;
/// A state walk visits one node at most this many times (each time with a
/// changed state); lattices of caller-supplied states are small.
const MAX_VISITS: usize = 8;

pub type NodeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Function {
        file: usize,
        func: usize,
    },
    /// Module-level code outside `__main__` blocks.
    Module {
        file: usize,
    },
    Main {
        file: usize,
        guard: usize,
    },
    /// A closure given as a handler (`Handler::Closure`): the calls in its
    /// span, taken from the function that registers it.
    Closure {
        file: usize,
        closure: usize,
    },
}

/// A call site: file index and call index in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub file: usize,
    pub call: usize,
}

/// A call site with what places it in the call graph
/// ([`CallGraph::node_at`]): the call's enclosing function and first byte.
/// Kept by whoever found the call, so that placing it reads no file (with
/// the facts stored each read decodes the file).
#[derive(Debug, Clone, Copy)]
pub struct PlacedSite {
    pub site: Site,
    pub scope: Option<Ustr>,
    pub pos: u32,
}

impl PlacedSite {
    /// Call `call` of file `file`, read already.
    pub fn of(file: usize, call: usize, facts: &crate::facts::Call) -> PlacedSite {
        PlacedSite {
            site: Site { file, call },
            scope: facts.scope,
            pos: facts.span.start_byte,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    to: NodeId,
    site: Site,
}

/// How a call site reaches a project function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    /// The callee itself (a function, `__init__`, `__call__`, a method).
    Callee,
    /// A project function passed as an argument (`Thread(target=fn)`).
    Argument,
    /// A task put on a queue or list that the worker function takes it
    /// from (`analysis::queues`).
    Queue,
    /// A request to the project's own service: the handler of entry point
    /// `entry` serves the path the call sends to (`analysis::hops`).
    Service { entry: u32 },
}

/// A call site's targets, each with how it is reached.
type Targets = Box<[(NodeId, Via)]>;

/// A list per node, all in one vector: node `n`'s items are
/// `items[ends[n - 1]..ends[n]]`. Most nodes have no call edge, sink or
/// label; a vector each took 24 bytes a node (6.6 MiB on 10k files for the
/// three, docs/performance.md, am32), an end takes 4.
#[derive(Debug, Clone)]
pub struct PerNode<T> {
    ends: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for PerNode<T> {
    fn default() -> Self {
        PerNode {
            ends: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<T> PerNode<T> {
    /// The lists of `nodes` nodes from (node, item) pairs: each node's items
    /// in the pairs' order.
    pub fn collect(nodes: usize, mut pairs: Vec<(NodeId, T)>) -> PerNode<T> {
        // Stable: a node's items keep their order.
        pairs.sort_by_key(|(n, _)| *n);
        let mut ends = vec![0u32; nodes];
        for (n, _) in &pairs {
            ends[*n] += 1;
        }
        let mut total = 0u32;
        for end in &mut ends {
            total += *end;
            *end = total;
        }
        PerNode {
            ends,
            items: pairs.into_iter().map(|(_, item)| item).collect(),
        }
    }

    /// Every (node, item) pair, in node order, then each node's order.
    fn into_pairs(self) -> Vec<(NodeId, T)> {
        let mut pairs = Vec::with_capacity(self.items.len());
        let mut items = self.items.into_iter();
        let mut start = 0;
        for (n, &end) in self.ends.iter().enumerate() {
            pairs.extend(items.by_ref().take((end - start) as usize).map(|i| (n, i)));
            start = end;
        }
        pairs
    }

    /// These lists with `more` pairs added, each after the items its node
    /// has (in the pairs' order).
    fn with(self, more: Vec<(NodeId, T)>) -> PerNode<T> {
        if more.is_empty() {
            return self;
        }
        let nodes = self.ends.len();
        let mut pairs = self.into_pairs();
        pairs.extend(more);
        PerNode::collect(nodes, pairs)
    }

    /// Items over all nodes.
    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    /// The lists' nodes.
    pub fn node_count(&self) -> usize {
        self.ends.len()
    }
}

impl<T> std::ops::Index<NodeId> for PerNode<T> {
    type Output = [T];

    fn index(&self, node: NodeId) -> &[T] {
        let start = if node == 0 { 0 } else { self.ends[node - 1] };
        &self.items[start as usize..self.ends[node] as usize]
    }
}

pub struct CallGraph {
    pub nodes: Vec<Node>,
    /// Per node, its call edges in the order they were found.
    edges: PerNode<Edge>,
    /// Per file: (call index, targets with how each is reached), by call index.
    site_targets: Vec<Vec<(u32, Targets)>>,
    /// Per file: the node of each function, by function index.
    function_nodes: Vec<Vec<NodeId>>,
    /// Per file: function qualname → the function's index in the file.
    by_qualname: Vec<FastMap<Ustr, u32>>,
    /// Per file: the last segments of nested plain functions' qualnames
    /// (`gen` of `handler.gen`): `nested` turns other names away before
    /// spelling a qualname for every enclosing scope.
    nested_names: Vec<FastSet<&'static str>>,
    module_nodes: Vec<NodeId>,
    /// Per file: main guards' spans and nodes, in guard order (kept here
    /// so that placing a position reads no file: with the facts stored each
    /// read decodes the file).
    main_nodes: Vec<Box<[(Span, NodeId)]>>,
    /// Per file: closure handlers (enclosing scope, span, node).
    closure_nodes: Vec<Vec<(Option<Ustr>, Span, NodeId)>>,
    /// What the queue hand-off pass found and cut.
    pub queue_stats: QueueStats,
    /// The workers that take from a queue (targets of `Via::Queue` edges).
    pub queue_workers: FastSet<NodeId>,
    /// (project interface, method) → the project methods that implement
    /// it (`Function::implements`), at most `MAX_IMPLS`.
    implementations: FastMap<(Ustr, Ustr), Vec<NodeId>>,
    /// What calls through interfaces added and cut.
    pub dispatch_stats: DispatchStats,
    /// The parameters of each function a call reaches (`Via::Callee`,
    /// `Argument`, `Queue`), by node: the taint passes bind a call's
    /// arguments with them instead of reading the function's file (with
    /// the facts stored each read decodes the file).
    params: Vec<(NodeId, Params)>,
}

/// How a call binds a function's parameters: their names, the function's
/// own name (a worker named in a hand-off) and whether the first is
/// `self`/`cls` (a method's). 32 bytes and 8 a parameter.
#[derive(Debug, Clone)]
pub struct Params {
    pub name: Ustr,
    pub names: Box<[Ustr]>,
    skips_self: bool,
}

impl Params {
    pub fn of(f: &crate::facts::Function) -> Params {
        Params {
            name: f.name,
            names: f.params.iter().copied().collect(),
            skips_self: Params::first_is_self(f),
        }
    }

    /// Whether `f` is a method whose first parameter is `self`/`cls`: not
    /// bound by the call's arguments.
    pub fn first_is_self(f: &crate::facts::Function) -> bool {
        f.class.is_some() && f.params.first().is_some_and(|p| p == "self" || p == "cls")
    }

    /// The parameters a call's positionals start at: 1 past `self`/`cls`.
    pub fn skip_self(&self) -> usize {
        usize::from(self.skips_self)
    }
}

/// A set of sink call sites, indexed by the node whose code makes them.
/// Built once per kind of sink (generation calls, log calls, ...) and
/// shared by every reachability query over it.
#[derive(Clone)]
pub struct SinkSet {
    /// Per node: (sink id, site) of the sinks its own code calls.
    per_node: PerNode<(usize, Site)>,
}

/// What a start node reaches.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub sinks: Vec<Reached>,
    /// Every node reached, the start included, in breadth-first order.
    pub nodes: Vec<NodeId>,
}

/// A sink reached from a start node, by its id in the [`SinkSet`], with the
/// call sites on the way (the last one is the sink call itself).
#[derive(Debug, Clone)]
pub struct Reached {
    pub sink: usize,
    pub path: Vec<Site>,
}

impl CallGraph {
    /// The heap of each part (items, bytes), for `synthlint debug memory`:
    /// each part is copied and the copy weighed.
    pub fn heap_parts(&self) -> Vec<crate::memory::FieldBytes> {
        use crate::memory::{FieldBytes, heap_of};
        vec![
            FieldBytes::copied("call graph: nodes", self.nodes.len(), &self.nodes),
            FieldBytes::copied("call graph: edges", self.edges.item_count(), &self.edges),
            FieldBytes::copied(
                "call graph: call sites' targets",
                self.site_targets.iter().map(Vec::len).sum(),
                &self.site_targets,
            ),
            FieldBytes::copied(
                "call graph: functions' nodes",
                self.function_nodes.iter().map(Vec::len).sum(),
                &self.function_nodes,
            ),
            FieldBytes::copied(
                "call graph: functions by qualname",
                self.by_qualname.iter().map(|m| m.len()).sum(),
                &self.by_qualname,
            ),
            FieldBytes::copied(
                "call graph: nested names",
                self.nested_names.iter().map(|m| m.len()).sum(),
                &self.nested_names,
            ),
            FieldBytes {
                field: "call graph: the rest",
                items: self.module_nodes.len(),
                bytes: heap_of(|| {
                    vec![(
                        self.module_nodes.clone(),
                        self.main_nodes.clone(),
                        self.closure_nodes.clone(),
                        self.queue_workers.clone(),
                        self.implementations.clone(),
                    )]
                }),
            },
        ]
    }

    /// `handlers`: `module.qualname` of entry-point handlers. Passing one as
    /// an argument (`button.click(fn=generate)`) registers it with a framework
    /// that runs it later; it is not a callback run now, so no edge is added.
    /// `closures`: the closure handlers (file, enclosing scope, span); each
    /// is a node that takes the calls in its span.
    pub fn build(
        project: &Project,
        files: Vec<FileGraphParts>,
        overrides: Vec<Vec<((Ustr, Ustr), u32)>>,
        handlers: &HashSet<String>,
        closures: &[(usize, Option<Ustr>, Span)],
    ) -> CallGraph {
        let mut g = CallGraph {
            nodes: Vec::new(),
            edges: PerNode::default(),
            site_targets: Vec::new(),
            function_nodes: Vec::with_capacity(project.file_count()),
            by_qualname: Vec::with_capacity(project.file_count()),
            nested_names: Vec::with_capacity(project.file_count()),
            module_nodes: Vec::new(),
            main_nodes: Vec::new(),
            closure_nodes: vec![Vec::new(); project.file_count()],
            queue_stats: QueueStats::default(),
            queue_workers: FastSet::default(),
            implementations: FastMap::default(),
            dispatch_stats: DispatchStats::default(),
            params: Vec::new(),
        };
        // Per file: its module node, its main guards, then its functions.
        let mut implementations = Vec::with_capacity(files.len());
        let has_calls: Vec<bool> = files.iter().map(|f| f.has_calls).collect();
        let mut file_params = Vec::with_capacity(files.len());
        for (fi, mut file) in files.into_iter().enumerate() {
            file_params.push(std::mem::take(&mut file.params));
            let module = g.add(Node::Module { file: fi });
            g.module_nodes.push(module);
            let mains = file
                .main_guards
                .iter()
                .enumerate()
                .map(|(guard, &span)| (span, g.add(Node::Main { file: fi, guard })))
                .collect();
            g.main_nodes.push(mains);
            let nodes = (0..file.functions)
                .map(|func| g.add(Node::Function { file: fi, func }))
                .collect();
            g.function_nodes.push(nodes);
            g.by_qualname.push(file.by_qualname);
            g.nested_names.push(file.nested_names);
            implementations.push(file.implementations);
        }
        for (k, &(fi, scope, span)) in closures.iter().enumerate() {
            let id = g.add(Node::Closure {
                file: fi,
                closure: k,
            });
            g.closure_nodes[fi].push((scope, span, id));
        }
        g.index_implementations(implementations, overrides);
        // The targets of each call only read the maps built above: files are
        // looked at in parallel, and edges added in file and call order. In
        // the same pass, each file's queue calls, which read only the
        // file's own targets (the hand-offs themselves join every file's),
        // and the calls that go through an interface (`--stats`). This
        // cannot be part of the per-file phase: the targets need every
        // file's nodes, the entry points' handlers and the overrides, all
        // known only after it. A file with no call has nothing here, so
        // only the files with calls (the per-file phase says which) are read.
        #[allow(clippy::type_complexity)]
        let (mut per_file, (queue_calls, dispatch)): (
            Vec<Vec<(NodeId, Site, Vec<(NodeId, Via)>)>>,
            (Vec<queues::FileQueues>, Vec<(usize, usize)>),
        ) = (0..project.file_count())
            .into_par_iter()
            .map(|fi| {
                if !has_calls[fi] {
                    return (Vec::new(), (queues::FileQueues::default(), (0, 0)));
                }
                let file = project.file(fi, Reader::CallGraph);
                // A file calls the same names again and again.
                let mut known = FastMap::default();
                let found: Vec<(NodeId, Site, Vec<(NodeId, Via)>)> = file
                    .calls
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, call)| {
                        let mut targets = g.call_targets(project, fi, call, handlers, &mut known);
                        // Callees known only at run time, each candidate.
                        for alt in project.runtime().alternatives(fi, ci) {
                            targets.extend(
                                g.targets(project, alt)
                                    .into_iter()
                                    .map(|t| (t, Via::Callee)),
                            );
                        }
                        targets.sort_unstable();
                        targets.dedup_by_key(|t| t.0);
                        let caller = g.node_at(fi, call.scope.as_deref(), call.span.start_byte);
                        (!targets.is_empty()).then_some((
                            caller,
                            Site { file: fi, call: ci },
                            targets,
                        ))
                    })
                    .collect();
                let queues = queues::file_queues(
                    project,
                    fi,
                    &file,
                    &|site| own_targets(&found, site),
                    // Only the file's own calls: in the file held here.
                    &|_, call| g.node_at(fi, call.scope.as_deref(), call.span.start_byte),
                    &|n| matches!(g.nodes[n], Node::Function { .. }),
                );
                (found, (queues, g.file_dispatch(&file)))
            })
            .unzip();
        for (sites, edges) in dispatch {
            g.dispatch_stats.sites += sites;
            g.dispatch_stats.edges += edges;
        }
        g.add_queue_edges(project, queue_calls, &mut per_file);
        g.keep_params(&per_file, file_params);
        // Each file's sites on the thread pool; their edges added in file
        // and call order.
        #[allow(clippy::type_complexity)]
        let (edges, site_targets): (Vec<Vec<(NodeId, Edge)>>, Vec<Vec<(u32, Targets)>>) = per_file
            .into_par_iter()
            .map(|sites| {
                let mut edges = Vec::new();
                let mut targets_of = Vec::with_capacity(sites.len());
                for (caller, site, targets) in sites {
                    let mut seen: Vec<NodeId> = targets.iter().map(|t| t.0).collect();
                    seen.dedup();
                    edges.extend(seen.into_iter().map(|to| (caller, Edge { to, site })));
                    targets_of.push((site.call as u32, targets.into()));
                }
                (edges, targets_of)
            })
            .unzip();
        g.site_targets = site_targets;
        let edges: Vec<(NodeId, Edge)> = edges.into_iter().flatten().collect();
        g.edges = PerNode::collect(g.nodes.len(), edges);
        g
    }

    /// Keep the parameters of the functions the calls reach, out of every
    /// function's (`file_params`, per file by function index).
    #[allow(clippy::type_complexity)]
    fn keep_params(
        &mut self,
        per_file: &[Vec<(NodeId, Site, Vec<(NodeId, Via)>)>],
        file_params: Vec<Box<[Params]>>,
    ) {
        let mut reached: Vec<NodeId> = per_file
            .iter()
            .flatten()
            .flat_map(|(_, _, targets)| targets.iter())
            .filter(|(_, via)| matches!(via, Via::Callee | Via::Argument | Via::Queue))
            .map(|&(t, _)| t)
            .filter(|&t| matches!(self.nodes[t], Node::Function { .. }))
            .collect();
        reached.sort_unstable();
        reached.dedup();
        self.params = reached
            .into_iter()
            .map(|t| {
                let Node::Function { file, func } = self.nodes[t] else {
                    unreachable!("filtered to functions above")
                };
                (t, file_params[file][func].clone())
            })
            .collect();
    }

    /// The parameters of function node `node`, when a call reaches it
    /// (`None`: read them from its file).
    pub fn params(&self, node: NodeId) -> Option<&Params> {
        self.params
            .binary_search_by_key(&node, |(n, _)| *n)
            .ok()
            .map(|i| &self.params[i].1)
    }

    /// Calls into plugins loaded by name (`analysis::plugins`), added after
    /// the build: each runs every plugin module's function of that name.
    pub fn add_plugin_calls(
        &mut self,
        project: &Project,
        calls: &crate::analysis::plugins::PluginCalls,
    ) {
        // Added once the calls are all looked at; `seen` keeps a call
        // from adding an edge twice.
        let mut added: Vec<(NodeId, Edge)> = Vec::new();
        let mut seen: std::collections::BTreeSet<(NodeId, NodeId, Site)> = Default::default();
        for ((fi, ci), targets) in &calls.calls {
            let site = Site {
                file: *fi,
                call: *ci,
            };
            let call = &project.file(*fi, Reader::CallGraph).calls[*ci];
            let caller = self.node_at(*fi, call.scope.as_deref(), call.span.start_byte);
            let ids: Vec<NodeId> = targets
                .iter()
                .map(|&(f, g)| self.function_nodes[f][g])
                .collect();
            for &to in &ids {
                let known = self.edges[caller]
                    .iter()
                    .any(|e| e.to == to && e.site == site);
                if !known && seen.insert((caller, to, site)) {
                    added.push((caller, Edge { to, site }));
                }
            }
            let per_file = &mut self.site_targets[*fi];
            let at = match per_file.binary_search_by_key(&(*ci as u32), |(c, _)| *c) {
                Ok(i) => i,
                Err(i) => {
                    per_file.insert(i, (*ci as u32, Box::new([])));
                    i
                }
            };
            let mut all: Vec<(NodeId, Via)> = per_file[at].1.to_vec();
            all.extend(ids.iter().map(|&t| (t, Via::Callee)));
            all.sort_unstable();
            all.dedup_by_key(|t| t.0);
            per_file[at].1 = all.into();
        }
        self.edges = std::mem::take(&mut self.edges).with(added);
    }

    /// Hand-offs through queues (`analysis::queues`), merged into the
    /// per-file targets (sorted by call index) before edges are added.
    #[allow(clippy::type_complexity)]
    fn add_queue_edges(
        &mut self,
        project: &Project,
        queue_calls: Vec<queues::FileQueues>,
        per_file: &mut [Vec<(NodeId, Site, Vec<(NodeId, Via)>)>],
    ) {
        let found: &[Vec<(NodeId, Site, Vec<(NodeId, Via)>)>] = per_file;
        let (edges, stats) = queues::queue_edges(
            project,
            queue_calls,
            |site| found_targets(found, site),
            |fi, call| self.node_at(fi, call.scope.as_deref(), call.span.start_byte),
        );
        self.queue_stats = stats;
        for e in edges {
            let list = &mut per_file[e.site.file];
            let i = match list.binary_search_by_key(&e.site.call, |(_, s, _)| s.call) {
                Ok(i) => i,
                Err(i) => {
                    list.insert(i, (e.caller, e.site, Vec::new()));
                    i
                }
            };
            let targets = &mut list[i].2;
            self.queue_workers.insert(e.to);
            if !targets.iter().any(|t| t.0 == e.to) {
                targets.push((e.to, Via::Queue));
                targets.sort_unstable();
            }
        }
    }

    /// The nodes one call site may run, sorted, each with how it is reached.
    /// `known`: [`CallGraph::targets`] of the callees met so far in the file.
    fn call_targets(
        &self,
        project: &Project,
        fi: usize,
        call: &Call,
        handlers: &HashSet<String>,
        known: &mut FastMap<QName, Vec<NodeId>>,
    ) -> Vec<(NodeId, Via)> {
        let mut targets = Vec::new();
        let scope = call.scope.as_deref();
        match &call.resolved {
            Some(r) => {
                let callee = known.entry(*r).or_insert_with(|| self.targets(project, r));
                targets.extend(callee.iter().map(|&t| (t, Via::Callee)));
                // A task queued by its function (`process.delay(x)`): the
                // worker runs the function with the call's arguments.
                let sem = lang::semantics(project.language(fi));
                if let Some(task) = r
                    .as_str()
                    .rsplit_once('.')
                    .filter(|(_, m)| sem.deferred_calls.contains(m))
                    .map(|(task, _)| project.canonical_or_same(&QName::new(task)))
                {
                    targets.extend(
                        self.function(project, task.as_str())
                            .map(|t| (t, Via::Argument)),
                    );
                }
            }
            None => targets.extend(
                self.nested(project, fi, scope, &call.callee)
                    .map(|t| (t, Via::Callee)),
            ),
        }
        for arg in &call.args {
            match &arg.value {
                Value::Name {
                    resolved: Some(r), ..
                } => {
                    let r = project.canonical_or_same(r);
                    if !handlers.contains(r.as_str()) {
                        targets.extend(
                            self.function(project, r.as_str())
                                .map(|t| (t, Via::Argument)),
                        );
                    }
                }
                Value::Name {
                    text,
                    resolved: None,
                } => targets.extend(
                    self.nested(project, fi, scope, text)
                        .filter(|&t| match self.nodes[t] {
                            Node::Function { func, .. } => {
                                let file = project.file(fi, Reader::CallGraph);
                                let q = &file.functions[func].qualname;
                                !handlers.contains(&format!("{}.{q}", file.module))
                            }
                            _ => true,
                        })
                        .map(|t| (t, Via::Argument)),
                ),
                _ => {}
            }
        }
        targets.sort_unstable();
        targets.dedup_by_key(|t| t.0);
        targets
    }

    /// A function defined inside the calling function or one enclosing it
    /// (`def gen(): ...` then `StreamingResponse(gen())` in a handler),
    /// named by a bare name the frontend left unresolved. Class bodies do
    /// not enclose (a bare name in a method never means a sibling method).
    fn nested(
        &self,
        project: &Project,
        fi: usize,
        scope: Option<&str>,
        name: &str,
    ) -> Option<NodeId> {
        if name.contains('.') || !self.nested_names[fi].contains(name) {
            return None;
        }
        let file = project.file(fi, Reader::CallGraph);
        let mut scope = scope?;
        loop {
            let q = Ustr::from_existing(&format!("{scope}.{name}"));
            if let Some(id) = q
                .and_then(|q| self.by_qualname[fi].get(&q))
                .map(|&i| self.function_nodes[fi][i as usize])
                && let Node::Function { func, .. } = self.nodes[id]
                && file.functions[func].class.is_none()
            {
                return Some(id);
            }
            scope = &scope[..scope.rfind('.')?];
        }
    }

    fn add(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Add edges found after the graph was built (`caller`, call site,
    /// target, how it is reached); a site keeps its targets sorted by node.
    pub fn add_edges(&mut self, extra: impl IntoIterator<Item = (NodeId, Site, NodeId, Via)>) {
        let mut added = Vec::new();
        for (caller, site, to, via) in extra {
            let per_file = &mut self.site_targets[site.file];
            let key = site.call as u32;
            let i = match per_file.binary_search_by_key(&key, |(c, _)| *c) {
                Ok(i) => i,
                Err(i) => {
                    per_file.insert(i, (key, Box::default()));
                    i
                }
            };
            if per_file[i].1.iter().any(|t| t.0 == to) {
                continue;
            }
            let mut targets = per_file[i].1.to_vec();
            targets.push((to, via));
            targets.sort_unstable();
            per_file[i].1 = targets.into();
            added.push((caller, Edge { to, site }));
        }
        self.edges = std::mem::take(&mut self.edges).with(added);
    }

    /// The project functions a call site may run, with how each is reached
    /// (sorted by node).
    pub fn targets_at(&self, site: Site) -> &[(NodeId, Via)] {
        let per_file = &self.site_targets[site.file];
        match per_file.binary_search_by_key(&(site.call as u32), |(c, _)| *c) {
            Ok(i) => &per_file[i].1,
            Err(_) => &[],
        }
    }

    /// Index sinks by the node whose own code calls them. `sites` gives each
    /// sink's id (what [`Reached::sink`] reports) and call site. Reads no
    /// file.
    pub fn sink_set(&self, sites: impl IntoIterator<Item = (usize, PlacedSite)>) -> SinkSet {
        let mut per_node = Vec::new();
        for (id, placed) in sites {
            let node = self.node_at(placed.site.file, placed.scope.as_deref(), placed.pos);
            per_node.push((node, (id, placed.site)));
        }
        SinkSet {
            per_node: PerNode::collect(self.nodes.len(), per_node),
        }
    }

    /// Functions a resolved callee may run. What calling a class or an
    /// instance runs is the class's language's business (`lang::semantics`).
    pub fn targets(&self, project: &Project, resolved: &QName) -> Vec<NodeId> {
        // Call names were already made canonical when the project was indexed.
        let path = resolved.as_str();
        if let Some(id) = self.function(project, path) {
            return vec![id];
        }
        // `pkg.Class(...)` runs the constructor (`__init__`).
        if let Some((fi, _)) = project_class(project, path) {
            let semantics = lang::semantics(project.language(fi));
            return semantics
                .constructor
                .and_then(|init| self.method(project, path, init))
                .into_iter()
                .collect();
        }
        // `pkg.Class()(...)` runs the call operator (`__call__`);
        // `pkg.Class().method(...)` the method.
        if let Some(class_name) = resolved.instance_of()
            && let Some((fi, _)) = project_class(project, class_name)
        {
            let semantics = lang::semantics(project.language(fi));
            return semantics
                .call_operator
                .and_then(|call| self.method(project, class_name, call))
                .into_iter()
                .collect();
        }
        if let Some((instance, method)) = resolved.instance_method() {
            let mut out: Vec<NodeId> = match project_class(project, instance) {
                Some(_) => self.method(project, instance, method).into_iter().collect(),
                None => Vec::new(),
            };
            // Through an interface: every implementation may run.
            out.extend(self.implementations_of(instance, method));
            out.sort_unstable();
            out.dedup();
            return out;
        }
        Vec::new()
    }

    /// Index the methods that implement an interface's methods, by the
    /// interface's canonical name and the method name, in file order:
    /// `found` per file, as [`FileGraphParts`] holds them; `declared` the
    /// project's abstract methods.
    fn index_implementations(
        &mut self,
        found: Vec<Vec<((Ustr, Ustr), u32)>>,
        overrides: Vec<Vec<((Ustr, Ustr), u32)>>,
    ) {
        let found = self.as_nodes(found);
        let mut cut = self.add_implementations(found);
        cut += self.index_overrides(overrides);
        self.dispatch_stats.cut = cut;
    }

    /// Add (interface, method) → implementing node pairs, at most
    /// `MAX_IMPLS` per method; returns how many the cap cut.
    fn add_implementations(
        &mut self,
        found: impl IntoIterator<Item = ((Ustr, Ustr), NodeId)>,
    ) -> usize {
        let mut cut = 0;
        for (key, node) in found {
            let list = self.implementations.entry(key).or_default();
            if list.len() < MAX_IMPLS {
                list.push(node);
            } else {
                cut += 1;
            }
        }
        cut
    }

    /// Overrides of abstract methods in project subclasses, found per file
    /// ([`file_overrides`], in the analyses' per-file phase) as (class
    /// declaring the method, method) and function index, indexed like trait
    /// implementations in file and function order; returns how many
    /// overrides `MAX_IMPLS` cut.
    fn index_overrides(&mut self, found: Vec<Vec<((Ustr, Ustr), u32)>>) -> usize {
        let found = self.as_nodes(found);
        self.add_implementations(found)
    }

    /// Per-file lists of (key, function index) as (key, node), in file order.
    fn as_nodes(&self, found: Vec<Vec<((Ustr, Ustr), u32)>>) -> Vec<((Ustr, Ustr), NodeId)> {
        found
            .into_iter()
            .enumerate()
            .flat_map(|(fi, list)| {
                let nodes = &self.function_nodes[fi];
                list.into_iter()
                    .map(move |(key, i)| (key, nodes[i as usize]))
            })
            .collect()
    }

    /// The implementations of `method` of interface `iface` (a canonical name).
    fn implementations_of(&self, iface: &str, method: &str) -> &[NodeId] {
        if self.implementations.is_empty() {
            return &[];
        }
        match (Ustr::from_existing(iface), Ustr::from_existing(method)) {
            (Some(i), Some(m)) => self.implementations.get(&(i, m)).map_or(&[], Vec::as_slice),
            _ => &[],
        }
    }

    /// The call sites of one file that go through an interface, and the
    /// implementations they reach, for `--stats` (summed over the files in
    /// the targets' pass).
    fn file_dispatch(&self, file: &crate::facts::FileFacts) -> (usize, usize) {
        if self.implementations.is_empty() {
            return (0, 0);
        }
        file.calls
            .iter()
            .filter_map(|call| {
                let (instance, method) = call.resolved.as_ref()?.instance_method()?;
                let n = self.implementations_of(instance, method).len();
                Some((usize::from(n > 0), n))
            })
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    }

    /// The node of the project function a dotted name spells.
    fn function(&self, project: &Project, path: &str) -> Option<NodeId> {
        match project.index.symbol(path)? {
            Symbol::Function(fi, i) => Some(self.function_nodes[fi][i]),
            Symbol::Class(..) => None,
        }
    }

    /// `method` of `class` or of its nearest project base class that has it
    /// (breadth-first along bases, bounded).
    fn method(&self, project: &Project, class: &str, method: &str) -> Option<NodeId> {
        let mut queue = VecDeque::from([QName::new(class)]);
        let mut seen = 0;
        while let Some(c) = queue.pop_front() {
            seen += 1;
            if seen > MAX_MRO {
                return None;
            }
            if let Some(id) = self.function(project, &format!("{c}.{method}")) {
                return Some(id);
            }
            if let Some((fi, ci)) = project_class(project, c.as_str()) {
                for base in &project.file(fi, Reader::CallGraph).classes[ci].bases {
                    queue.push_back(project.canonical_or_same(base));
                }
            }
        }
        None
    }

    /// The enclosing scope and the span of a closure handler's node.
    pub fn closure_place(&self, file: usize, closure: usize) -> (Option<Ustr>, Span) {
        let (scope, span, _) = self.closure_nodes[file]
            .iter()
            .find(|(_, _, id)| self.nodes[*id] == (Node::Closure { file, closure }))
            .expect("a closure node is listed under its file");
        (*scope, *span)
    }

    /// The node an entry point's handler starts at.
    pub fn handler_node(&self, project: &Project, handler: &Handler) -> Option<NodeId> {
        match handler {
            Handler::Function { module, qualname } => {
                self.function(project, &dotted(module, qualname))
            }
            Handler::Module { module } => {
                project.modules.get(module).map(|&fi| self.module_nodes[fi])
            }
            Handler::Closure {
                module,
                scope,
                span,
            } => {
                let &fi = project.modules.get(module)?;
                let scope = scope.as_deref().map(Ustr::from);
                self.closure_nodes[fi]
                    .iter()
                    .find(|(s, at, _)| *s == scope && at == span)
                    .map(|(_, _, id)| *id)
            }
            Handler::MainBlock { module, span } => {
                let &fi = project.modules.get(module)?;
                self.main_nodes[fi]
                    .iter()
                    .find(|(guard, _)| guard == span)
                    .map(|&(_, node)| node)
            }
        }
    }

    /// Every node reachable from `start` (breadth-first, iterative,
    /// deterministic edge order), and every sink of `sinks` among them with
    /// the shortest call path to it.
    pub fn reach(&self, start: NodeId, sink_set: &SinkSet) -> Reach {
        let mut parent: FastMap<NodeId, Option<(NodeId, Site)>> = FastMap::default();
        parent.insert(start, None);
        let mut queue = VecDeque::from([start]);
        let mut nodes = Vec::new();
        let mut sinks = Vec::new();
        while let Some(node) = queue.pop_front() {
            nodes.push(node);
            for &(sink, site) in &sink_set.per_node[node] {
                let mut path = vec![site];
                let mut at = node;
                while let Some(Some((from, site))) = parent.get(&at) {
                    path.push(*site);
                    at = *from;
                }
                path.reverse();
                sinks.push(Reached { sink, path });
            }
            for e in &self.edges[node] {
                if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(e.to) {
                    v.insert(Some((node, e.site)));
                    queue.push_back(e.to);
                }
            }
        }
        sinks.sort_by_key(|r| r.sink);
        Reach { sinks, nodes }
    }

    /// The project functions a node's code calls, each with its call site.
    pub fn calls_from(&self, node: NodeId) -> impl Iterator<Item = (NodeId, Site)> + '_ {
        self.edges[node].iter().map(|e| (e.to, e.site))
    }

    /// Every node `start` reaches, each with the state it is reached under:
    /// `step(from, site, state)` gives the state at the callee of a call
    /// site, and `improve(old, new)` says whether a node seen before under
    /// `old` is to be visited again under `new`. Breadth-first in edge
    /// order; a node is visited at most `MAX_VISITS` times. The state is
    /// what makes it path-sensitive (LBL008 carries the label switch
    /// branch a call runs under).
    pub fn walk<S: Clone>(
        &self,
        start: NodeId,
        init: S,
        step: impl Fn(NodeId, Site, &S) -> S,
        improve: impl Fn(&S, &S) -> bool,
    ) -> BTreeMap<NodeId, S> {
        let mut seen: BTreeMap<NodeId, (S, usize)> = BTreeMap::new();
        let mut queue = VecDeque::from([(start, init)]);
        while let Some((node, state)) = queue.pop_front() {
            match seen.get_mut(&node) {
                Some((old, visits)) => {
                    if *visits >= MAX_VISITS || !improve(old, &state) {
                        continue;
                    }
                    *old = state.clone();
                    *visits += 1;
                }
                None => {
                    seen.insert(node, (state.clone(), 1));
                }
            }
            for e in &self.edges[node] {
                queue.push_back((e.to, step(node, e.site, &state)));
            }
        }
        seen.into_iter().map(|(n, (s, _))| (n, s)).collect()
    }

    /// The node whose own code holds byte `pos` of file `fi`: the innermost
    /// function around it, else the `__main__` block, else module level.
    pub fn node_containing(&self, project: &Project, fi: usize, pos: u32) -> NodeId {
        let file = project.file(fi, Reader::CallGraph);
        let innermost = file
            .functions
            .iter()
            .filter(|f| f.span.start_byte <= pos && pos < f.span.end_byte)
            .max_by_key(|f| f.span.start_byte);
        self.node_at(fi, innermost.map(|f| f.qualname.as_str()), pos)
    }

    /// The qualname of function `func` of file `fi` when it is the last of
    /// its name in the file (the one the name places a position in,
    /// [`CallGraph::node_at`]), without reading the file.
    pub fn last_of_its_name(&self, fi: usize, func: usize) -> Option<Ustr> {
        self.by_qualname[fi]
            .iter()
            .find(|&(_, &i)| i as usize == func)
            .map(|(&q, _)| q)
    }

    /// The module-level node of the file a function node belongs to.
    pub fn module_of(&self, node: NodeId) -> Option<NodeId> {
        match self.nodes[node] {
            Node::Function { file, .. } => Some(self.module_nodes[file]),
            _ => None,
        }
    }

    /// The node whose code contains a position of file `fi` in function
    /// `scope`. Reads no file.
    pub fn node_at(&self, fi: usize, scope: Option<&str>, pos: u32) -> NodeId {
        // A closure handler's calls are its own, not the registering code's.
        if let Some(&(_, _, id)) = self.closure_nodes[fi].iter().find(|(s, span, _)| {
            s.as_deref() == scope && span.start_byte <= pos && pos < span.end_byte
        }) {
            return id;
        }
        if let Some(&i) = scope
            .and_then(Ustr::from_existing)
            .and_then(|q| self.by_qualname[fi].get(&q))
        {
            return self.function_nodes[fi][i as usize];
        }
        match self.main_nodes[fi]
            .iter()
            .find(|(g, _)| g.start_byte <= pos && pos < g.end_byte)
        {
            Some(&(_, node)) => node,
            None => self.module_nodes[fi],
        }
    }
}

/// What the call graph takes from one file in the per-file phase
/// (`analysis::perfile`): how many nodes it has, its name maps, and the
/// methods that implement or declare an interface's methods.
pub struct FileGraphParts {
    /// The main guards' spans.
    main_guards: Box<[Span]>,
    functions: usize,
    /// Function qualname → function index (the last one of a name).
    by_qualname: FastMap<Ustr, u32>,
    /// The last segments of nested plain functions' qualnames.
    nested_names: FastSet<&'static str>,
    /// Methods implementing a project interface: (interface, method) and
    /// the function index, in function order.
    implementations: Vec<((Ustr, Ustr), u32)>,
    /// Abstract methods: (class, method).
    abstract_methods: Vec<(Ustr, Ustr)>,
    /// Whether the file makes any call: the graph's targets read only
    /// the files that do.
    has_calls: bool,
    /// Each function's parameters, by function index: the graph keeps
    /// those of the functions a call reaches (`CallGraph::params`).
    params: Box<[Params]>,
}

impl FileGraphParts {
    /// Whether the file makes any call.
    #[cfg(test)]
    pub(crate) fn has_calls(&self) -> bool {
        self.has_calls
    }

    /// File `file`'s part.
    pub fn of(project: &Project, file: &crate::facts::FileFacts) -> FileGraphParts {
        let mut by_qualname = FastMap::default();
        let mut nested_names = FastSet::default();
        for (i, f) in file.functions.iter().enumerate() {
            by_qualname.insert(f.qualname, i as u32);
            if f.class.is_none()
                && let Some((_, last)) = f.qualname.as_str().rsplit_once('.')
            {
                nested_names.insert(last);
            }
        }
        let implementations = file
            .functions
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let iface = project.canonical_or_same(f.implements.as_ref()?);
                // Only the project's own interfaces: `impl Display for X`
                // is not how a call through `dyn Display` gets anywhere new.
                project_class(project, iface.as_str())?;
                Some(((Ustr::from(iface.as_str()), f.name), i as u32))
            })
            .collect();
        let mut abstract_methods = Vec::new();
        let markers = lang::semantics(file.language).abstract_decorators;
        if !markers.is_empty() {
            for f in &file.functions {
                let Some(class) = f.class else { continue };
                let marked = f.decorators.iter().any(|d| {
                    d.resolved
                        .as_ref()
                        .is_some_and(|r| markers.contains(&r.as_str()))
                });
                if marked {
                    abstract_methods.push((Ustr::from(&dotted(&file.module, &class)), f.name));
                }
            }
        }
        FileGraphParts {
            main_guards: file.main_guards.iter().copied().collect(),
            functions: file.functions.len(),
            by_qualname,
            nested_names,
            implementations,
            abstract_methods,
            has_calls: !file.calls.is_empty(),
            params: file.functions.iter().map(Params::of).collect(),
        }
    }
}

/// The project's abstract methods, (class, method), gathered from every
/// file's [`FileGraphParts`]: what [`file_overrides`] looks for.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    methods: FastSet<(Ustr, Ustr)>,
    names: FastSet<Ustr>,
}

impl Declared {
    pub(crate) fn of(parts: &[FileGraphParts]) -> Declared {
        let methods: FastSet<(Ustr, Ustr)> = parts
            .iter()
            .flat_map(|p| p.abstract_methods.iter().copied())
            .collect();
        let names = methods.iter().map(|(_, m)| *m).collect();
        Declared { methods, names }
    }
}

/// The methods of file `file` overriding an abstract method (Python
/// `@abstractmethod`) of a project base class, in function order: the
/// (class declaring it, method) and the function index. Base classes are
/// searched breadth-first up to `MAX_MRO` deep, reading their files.
/// `self.model.generate_token(b)` on a `Model` then runs
/// `CausalLM.generate_token`.
pub(crate) fn file_overrides(
    project: &Project,
    declared: &Declared,
    file: &crate::facts::FileFacts,
) -> Vec<((Ustr, Ustr), u32)> {
    let mut found = Vec::new();
    if declared.methods.is_empty() {
        return found;
    }
    for (i, f) in file.functions.iter().enumerate() {
        let Some(class) = f.class else { continue };
        if f.implements.is_some() || !declared.names.contains(&f.name) {
            continue;
        }
        let own = dotted(&file.module, &class);
        // Breadth-first over the project base classes, own class left out.
        let mut queue: VecDeque<String> = VecDeque::from([own.clone()]);
        let mut seen = 0;
        while let Some(c) = queue.pop_front() {
            seen += 1;
            if seen > MAX_MRO {
                break;
            }
            if c != own
                && let Some(key) = Ustr::from_existing(&c)
                && declared.methods.contains(&(key, f.name))
            {
                found.push(((key, f.name), i as u32));
            }
            if let Some((cfi, ci)) = project_class(project, &c) {
                queue.extend(
                    project.file(cfi, Reader::CallGraph).classes[ci]
                        .bases
                        .iter()
                        .map(|b| project.canonical_or_same(b).as_str().to_string()),
                );
            }
        }
    }
    found
}

/// The targets found for a call site during the build (`per_file` as in
/// `CallGraph::add_queue_edges`).
#[allow(clippy::type_complexity)]
fn found_targets(
    per_file: &[Vec<(NodeId, Site, Vec<(NodeId, Via)>)>],
    site: Site,
) -> &[(NodeId, Via)] {
    let list = &per_file[site.file];
    match list.binary_search_by_key(&site.call, |(_, s, _)| s.call) {
        Ok(i) => &list[i].2,
        Err(_) => &[],
    }
}

/// The targets found for a call site of one file (`found`, that file's
/// sites by call index).
#[allow(clippy::type_complexity)]
fn own_targets(found: &[(NodeId, Site, Vec<(NodeId, Via)>)], site: Site) -> &[(NodeId, Via)] {
    match found.binary_search_by_key(&site.call, |(_, s, _)| s.call) {
        Ok(i) => &found[i].2,
        Err(_) => &[],
    }
}

/// (file, class index) of the project class a dotted name spells.
fn project_class(project: &Project, path: &str) -> Option<(usize, usize)> {
    match project.index.symbol(path)? {
        Symbol::Class(fi, ci) => Some((fi, ci)),
        Symbol::Function(..) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::PerNode;

    /// Each node's items come back in the order its pairs came, whatever
    /// the other nodes' pairs between them; nodes without a pair are empty.
    #[test]
    fn per_node_keeps_each_nodes_order() {
        let pairs = vec![(3, 'a'), (0, 'b'), (3, 'c'), (1, 'd'), (0, 'e')];
        let lists = PerNode::collect(5, pairs);
        assert_eq!(lists.node_count(), 5);
        assert_eq!(lists.item_count(), 5);
        assert_eq!(&lists[0], &['b', 'e']);
        assert_eq!(&lists[1], &['d']);
        assert!(lists[2].is_empty());
        assert_eq!(&lists[3], &['a', 'c']);
        assert!(lists[4].is_empty());
    }

    /// Pairs added later go after each node's items, in their own order,
    /// and a node left out keeps its list.
    #[test]
    fn per_node_adds_after_what_a_node_has() {
        let lists = PerNode::collect(4, vec![(1, 10), (3, 30), (1, 11)]);
        let lists = lists.with(vec![(3, 31), (0, 1), (1, 12), (3, 32)]);
        assert_eq!(&lists[0], &[1]);
        assert_eq!(&lists[1], &[10, 11, 12]);
        assert!(lists[2].is_empty());
        assert_eq!(&lists[3], &[30, 31, 32]);
        let same = lists.clone().with(Vec::new());
        assert_eq!(same.ends, lists.ends);
        assert_eq!(same.items, lists.items);
    }

    /// No node, no item: every list of a graph without calls.
    #[test]
    fn per_node_of_nothing() {
        let lists: PerNode<u8> = PerNode::collect(2, Vec::new());
        assert!(lists[0].is_empty() && lists[1].is_empty());
        assert_eq!(PerNode::<u8>::default().node_count(), 0);
    }
}

//! Generation endpoints: entry points whose code reaches a generation call,
//! with the call paths and the labeling evidence on the way. The shared
//! result of the whole-project analysis that rules and the inventory read.

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::analysis::callgraph::{
    self, CallGraph, NodeId, PerNode, PlacedSite, Reach, Reached, SinkSet, Site,
};
use crate::analysis::entrypoints::{self, EntryPoint, Handler};
use crate::analysis::generation::{self, GenerationSite};
use crate::analysis::inferred;
use crate::analysis::perfile::{self, Parts, PlacedLabel, Sites};
use crate::analysis::plugins::{self, PluginStats};
use crate::analysis::{FastSet, Project, dataflow, env, hops};
use crate::catalog::entrypoints::EntryKind;
use crate::catalog::labels::{Carrier, LabelKind};
use crate::catalog::{Catalog, ContentType};
use crate::facts::FileFacts;
use crate::finding::{HopStats, InferredStats};
use crate::source::Span;

/// A sign in code that content gets labeled: a label API call or a marker string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LabelEvidence {
    pub kind: LabelKind,
    /// Content types it labels; empty means any.
    pub content: Vec<ContentType>,
    /// Catalogue id (`pil.png-text-chunk`, `ai-disclosure`).
    pub id: String,
    /// Metadata, or in the content itself (survives a re-save).
    pub carrier: Carrier,
    pub file: usize,
    pub span: Span,
}

impl LabelEvidence {
    pub fn covers(&self, kind: LabelKind, content: ContentType) -> bool {
        self.kind == kind && (self.content.is_empty() || self.content.contains(&content))
    }

    /// An implicit label in the file's metadata for `content`: what a
    /// re-encode can lose (a pixel watermark survives it).
    pub fn metadata_label_for(&self, content: ContentType) -> bool {
        self.carrier == Carrier::Metadata && self.covers(LabelKind::Implicit, content)
    }
}

/// Project-wide analysis results, computed once per scan.
pub struct Analysis<'a> {
    pub sites: Vec<GenerationSite<'a>>,
    pub graph: CallGraph,
    /// The generation sites as sinks of the call graph (sink id = index in `sites`).
    pub generation_sinks: SinkSet,
    pub entry_points: Vec<EntryPoint>,
    /// For each entry point (same order): what its handler reaches.
    pub reach: Vec<Reach>,
    /// Per call-graph node: labeling evidence in that node's own code.
    pub labels: PerNode<LabelEvidence>,
    /// Data-flow indexes and taint results, computed when a rule asks.
    pub dataflow: dataflow::Cache,
    /// Calls into plugins loaded by name that the call graph follows.
    pub plugins: PluginStats,
    /// Queue hand-offs and inferred sites, for `--stats`.
    pub inferred: InferredStats,
    /// What joining requests to the project's own services found and cut.
    pub hop_stats: HopStats,
    /// Calls that switch a tracing service on, in file order (the
    /// per-file phase's [`env::file_tracing_calls`]).
    pub tracing_calls: Vec<env::TracingCall>,
}

impl<'a> Analysis<'a> {
    pub fn run(project: &Project, catalog: &'a Catalog) -> Analysis<'a> {
        Analysis::run_with_parts(project, catalog, None)
    }

    /// [`Analysis::run`], taking each file's evidence unit from `stored`
    /// where it has one (`crate::parts`).
    pub fn run_with_parts(
        project: &Project,
        catalog: &'a Catalog,
        stored: Option<&crate::parts::Parts>,
    ) -> Analysis<'a> {
        // The per-file phase (`analysis::perfile`): its first pass, then
        // the run-time values' serial evaluation (of the calls the pass
        // kept) beside the entry-point finder's tables built from it; its
        // second pass, the sites and the entry-point matches, reads the
        // run-time alternatives of calls and the finder's tables. Then the
        // registrations, in file and call order.
        let Parts {
            entry,
            graph: graph_parts,
            labels,
            loaded,
            servicers,
            runtime,
            tracing,
            may_hop,
            class_bases,
        } = perfile::parts(project, catalog, stored);
        // What the site units are found under (filled only with parts).
        let site_units =
            stored.map(|parts| (parts, generation::class_table_digest(project, &class_bases)));
        drop(class_bases);
        crate::memory::mark(|| "analysis: per-file phase".into());
        let ((), finder) = rayon::join(
            || {
                project.runtime_from(runtime);
            },
            || entrypoints::Finder::new(project, &catalog.entrypoints, entry),
        );
        // The abstract methods every file declares: the second pass looks
        // for their overrides.
        let declared = callgraph::Declared::of(&graph_parts);
        let Sites {
            registrations,
            sites,
            candidates,
            overrides,
        } = perfile::sites(project, catalog, &finder.matcher(), &declared, site_units);
        let entry_points = finder.run(registrations);
        crate::memory::mark(|| "analysis: sites, entry points".into());
        // Deliveries matter only to candidates.
        let deliveries = if candidates.is_empty() {
            Vec::new()
        } else {
            inferred::deliveries(project, catalog)
        };
        let handlers = entry_points
            .iter()
            .filter_map(|e| match &e.handler {
                Handler::Function { module, qualname } => Some(format!("{module}.{qualname}")),
                _ => None,
            })
            .collect();
        let closures: Vec<(usize, Option<ustr::Ustr>, crate::source::Span)> = entry_points
            .iter()
            .filter_map(|e| match &e.handler {
                Handler::Closure {
                    module,
                    scope,
                    span,
                } => Some((
                    *project.modules.get(module)?,
                    scope.as_deref().map(ustr::Ustr::from),
                    *span,
                )),
                _ => None,
            })
            .collect();
        // Plugin calls read only the facts and what the per-file phase
        // found: followed while the graph is built.
        let (mut graph, plugins) = rayon::join(
            || CallGraph::build(project, graph_parts, overrides, &handlers, &closures),
            || plugins::calls(project, &catalog.entrypoints.data.module_loaders, loaded),
        );
        graph.add_plugin_calls(project, &plugins);
        crate::memory::mark(|| "analysis: call graph".into());
        // Requests to the project's own routes: they need the entry points
        // and the graph's nodes, and every later query goes through them.
        let hops = hops::find(project, catalog, &entry_points, &graph, servicers, &may_hop);
        drop(may_hop);
        crate::memory::mark(|| "analysis: hops".into());
        // A request to a base known only at run time that the project's own
        // route serves goes there (the hop), not to some compatible provider.
        let joined: BTreeSet<(usize, usize)> = hops
            .edges
            .iter()
            .map(|(_, s, _, _)| (s.file, s.call))
            .collect();
        let mut sites = sites;
        sites.retain(|s| s.host.is_some() || !joined.contains(&(s.file, s.call)));
        graph.add_edges(hops.edges);
        let q = graph.queue_stats;
        let mut stats = InferredStats {
            queues: q.queues,
            queue_edges: q.edges,
            queue_cut: q.cut,
            candidates: candidates.len(),
            sites: 0,
        };
        let observed = sites.len();
        let (sites, generation_sinks, reach) = reach_generation(
            project,
            &graph,
            &entry_points,
            sites,
            candidates,
            deliveries,
        );
        stats.sites = sites.len() - observed;
        crate::memory::mark(|| "analysis: reach".into());
        let labels = label_evidence(&graph, labels);
        Analysis {
            sites,
            graph,
            generation_sinks,
            entry_points,
            reach,
            labels,
            dataflow: dataflow::Cache::new(project.file_count()),
            plugins: plugins.stats,
            inferred: stats,
            hop_stats: hops.stats,
            tracing_calls: tracing,
        }
    }

    /// The heap of each part (items, bytes), for `synthlint debug memory`:
    /// each part is copied and the copy weighed (the taint results, made
    /// and freed during the rules, are measured there).
    pub fn heap_parts(&self) -> Vec<crate::memory::FieldBytes> {
        use crate::memory::{FieldBytes, heap_of};
        let mut out = vec![FieldBytes::copied(
            "generation sites",
            self.sites.len(),
            &self.sites,
        )];
        out.extend(self.graph.heap_parts());
        out.extend([
            FieldBytes::copied(
                "generation sinks (per node)",
                self.sites.len(),
                &self.generation_sinks,
            ),
            FieldBytes::copied("entry points", self.entry_points.len(), &self.entry_points),
            FieldBytes {
                field: "reach: sinks and paths (per entry point)",
                items: self.reach.iter().map(|r| r.sinks.len()).sum(),
                bytes: heap_of(|| self.reach.iter().map(|r| r.sinks.clone()).collect()),
            },
            FieldBytes {
                field: "reach: nodes (per entry point)",
                items: self.reach.iter().map(|r| r.nodes.len()).sum(),
                bytes: heap_of(|| self.reach.iter().map(|r| r.nodes.clone()).collect()),
            },
            FieldBytes::copied(
                "label evidence (per node)",
                self.labels.item_count(),
                &self.labels,
            ),
            FieldBytes::copied(
                "tracing calls",
                self.tracing_calls.len(),
                &self.tracing_calls,
            ),
        ]);
        out
    }

    /// Entry points that reach at least one generation site, with what they reach.
    pub fn generation_endpoints(&self) -> impl Iterator<Item = (usize, &EntryPoint, &[Reached])> {
        self.entry_points
            .iter()
            .zip(&self.reach)
            .enumerate()
            .filter(|(_, (_, r))| !r.sinks.is_empty())
            .map(|(i, (e, r))| (i, e, r.sinks.as_slice()))
    }

    /// Whether generation site `i` is reached from any entry point.
    pub fn site_reached(&self, i: usize) -> bool {
        self.reach
            .iter()
            .any(|r| r.sinks.iter().any(|x| x.sink == i))
    }

    /// Content types entry point `e` generates.
    pub fn content_of(&self, e: usize) -> BTreeSet<ContentType> {
        self.reach[e]
            .sinks
            .iter()
            .flat_map(|r| self.sites[r.sink].content.iter().copied())
            .collect()
    }

    /// Labeling evidence anywhere in the code entry point `e` reaches,
    /// including module-level code (constants) of every module it enters.
    pub fn labels_reached(&self, e: usize) -> impl Iterator<Item = &LabelEvidence> {
        let mut nodes: BTreeSet<NodeId> = self.reach[e].nodes.iter().copied().collect();
        let modules: Vec<NodeId> = nodes
            .iter()
            .filter_map(|&n| self.graph.module_of(n))
            .collect();
        nodes.extend(modules);
        nodes.into_iter().flat_map(|n| self.labels[n].iter())
    }
}

/// The generation sites with what each entry point reaches. Inferred
/// candidates (the project's own models) count only for entry points that
/// also reach a call delivering media: those entry points keep them, and the
/// candidates some entry point keeps become sites, after the observed ones.
/// `deliveries` are the calls that deliver media (`inferred::deliveries`).
fn reach_generation<'a>(
    project: &Project,
    graph: &CallGraph,
    entry_points: &[EntryPoint],
    mut sites: Vec<GenerationSite<'a>>,
    candidates: Vec<GenerationSite<'a>>,
    deliveries: Vec<PlacedSite>,
) -> (Vec<GenerationSite<'a>>, SinkSet, Vec<Reach>) {
    let at = |s: &GenerationSite<'_>| PlacedSite {
        site: Site {
            file: s.file,
            call: s.call,
        },
        scope: s.at.scope,
        pos: s.at.span.start_byte,
    };
    let reach_all = |set: &SinkSet| -> Vec<Reach> {
        entry_points
            .par_iter()
            .map(|e| match graph.handler_node(project, &e.handler) {
                Some(start) => graph.reach(start, set),
                None => Reach::default(),
            })
            .collect()
    };
    if candidates.is_empty() {
        let set = graph.sink_set(sites.iter().map(at).enumerate());
        let reach = reach_all(&set);
        return (sites, set, reach);
    }
    // Sink ids: observed sites, then candidates, then deliveries.
    let (n, m) = (sites.len(), candidates.len());
    let all = graph.sink_set(
        sites
            .iter()
            .chain(&candidates)
            .map(at)
            .chain(deliveries)
            .enumerate(),
    );
    let mut reach = reach_all(&all);
    // Text candidates in the very handler of a served route or rpc: the
    // text goes back to whoever called it (a model shard's `Prefill`
    // answers with its generations). Media still needs a delivery call: a
    // handler may only measure it (`len(wav)`).
    let served: FastSet<NodeId> = entry_points
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Http | EntryKind::Websocket))
        .filter(|e| matches!(e.handler, Handler::Function { .. }))
        .filter_map(|e| graph.handler_node(project, &e.handler))
        .collect();
    let answered: Vec<bool> = candidates
        .iter()
        .map(|c| {
            if c.content.iter().any(|t| *t != ContentType::Text) {
                return false;
            }
            let node = graph.node_at(c.file, c.at.scope.as_deref(), c.at.span.start_byte);
            served.contains(&node)
        })
        .collect();
    let mut keep = vec![false; m];
    for (r, e) in reach.iter_mut().zip(entry_points) {
        // What a UI handler returns is shown to the user.
        let delivers = e.kind == EntryKind::Ui
            || r.sinks
                .iter()
                .any(|x| x.sink >= n + m || (x.sink >= n && answered[x.sink - n]));
        r.sinks
            .retain(|x| x.sink < n || (delivers && x.sink < n + m));
        for x in r.sinks.iter().filter(|x| x.sink >= n) {
            keep[x.sink - n] = true;
        }
    }
    let mut renumber = vec![usize::MAX; m];
    for (i, c) in candidates.into_iter().enumerate() {
        if keep[i] {
            renumber[i] = sites.len();
            sites.push(c);
        }
    }
    for r in &mut reach {
        for x in r.sinks.iter_mut().filter(|x| x.sink >= n) {
            x.sink = renumber[x.sink - n];
        }
    }
    let set = graph.sink_set(sites.iter().map(at).enumerate());
    (sites, set, reach)
}

/// The label evidence the per-file phase found, by call-graph node (in
/// file order within a node).
fn label_evidence(graph: &CallGraph, placed: Vec<PlacedLabel>) -> PerNode<LabelEvidence> {
    let placed = placed
        .into_iter()
        .map(|p| (p.node(graph), p.evidence))
        .collect();
    PerNode::collect(graph.nodes.len(), placed)
}

/// A file's evidence unit (`crate::parts::FileEvidence`): its label
/// evidence, kept by position rather than by the file's index, whether a
/// call may hop, and its calls that register a class.
pub(crate) fn stored_evidence(catalog: &Catalog, file: &FileFacts) -> crate::parts::FileEvidence {
    let labels = file_label_evidence(catalog, 0, file)
        .into_iter()
        .map(|p| crate::parts::StoredLabel {
            scope: p.scope.map(|s| s.as_str().to_string()),
            pos: p.pos,
            kind: p.evidence.kind,
            content: p.evidence.content,
            id: p.evidence.id,
            carrier: p.evidence.carrier,
            span: p.evidence.span,
        })
        .collect();
    crate::parts::FileEvidence {
        labels,
        may_hop: hops::file_may_hop(catalog, file),
        class_registration_calls: entrypoints::class_registration_calls(&catalog.entrypoints, file),
    }
}

/// A stored evidence unit's labels, placed in file `fi`.
pub(crate) fn placed_labels(fi: usize, labels: Vec<crate::parts::StoredLabel>) -> Vec<PlacedLabel> {
    labels
        .into_iter()
        .map(|l| PlacedLabel {
            scope: l.scope.map(|s| ustr::Ustr::from(&s)),
            pos: l.pos,
            evidence: LabelEvidence {
                kind: l.kind,
                content: l.content,
                id: l.id,
                carrier: l.carrier,
                file: fi,
                span: l.span,
            },
        })
        .collect()
}

/// Label API calls, then marker strings, of file `fi`, where they are
/// (the per-file phase; their nodes come once the call graph is built).
pub(crate) fn file_label_evidence(
    catalog: &Catalog,
    fi: usize,
    file: &FileFacts,
) -> Vec<PlacedLabel> {
    let mut out = Vec::new();
    for call in &file.calls {
        let Some(api) = catalog.label_call(file.language, call) else {
            continue;
        };
        out.push(PlacedLabel {
            scope: call.scope,
            pos: call.span.start_byte,
            evidence: LabelEvidence {
                kind: api.kind,
                content: api.content.clone(),
                id: api.id.clone(),
                carrier: api.carrier,
                file: fi,
                span: call.span,
            },
        });
    }
    for s in &file.strings {
        for marker in catalog.label_strings_in(&s.value) {
            out.push(PlacedLabel {
                scope: s.scope,
                pos: s.span.start_byte,
                evidence: LabelEvidence {
                    kind: marker.kind,
                    content: marker.content.clone(),
                    id: marker.id.clone(),
                    carrier: Carrier::Metadata,
                    file: fi,
                    span: s.span,
                },
            });
        }
    }
    out
}

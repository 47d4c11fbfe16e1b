//! Generation endpoints: entry points whose code reaches a generation call,
//! with the call paths. The shared result of the whole-project analysis that
//! endpoint rules and the inventory read.

use crate::analysis::Project;
use crate::analysis::callgraph::{CallGraph, Reached};
use crate::analysis::entrypoints::{self, EntryPoint};
use crate::analysis::generation::{self, GenerationSite};
use crate::catalog::Catalog;

/// Project-wide analysis results, computed once per scan.
pub struct Analysis<'a> {
    pub sites: Vec<GenerationSite<'a>>,
    pub graph: CallGraph,
    pub entry_points: Vec<EntryPoint>,
    /// For each entry point (same order): the generation sites it reaches.
    pub reached: Vec<Vec<Reached>>,
}

impl<'a> Analysis<'a> {
    pub fn run(project: &Project, catalog: &'a Catalog) -> Analysis<'a> {
        let sites = generation::sites(project, catalog);
        let graph = CallGraph::build(project, &sites);
        let entry_points = entrypoints::find(project, catalog);
        let reached = entry_points
            .iter()
            .map(|e| match graph.handler_node(project, &e.handler) {
                Some(start) => graph.reachable_sinks(start, &sites),
                None => Vec::new(),
            })
            .collect();
        Analysis { sites, graph, entry_points, reached }
    }

    /// Entry points that reach at least one generation site, with what they reach.
    pub fn generation_endpoints(&self) -> impl Iterator<Item = (&EntryPoint, &[Reached])> {
        self.entry_points.iter().zip(&self.reached).filter(|(_, r)| !r.is_empty()).map(|(e, r)| (e, r.as_slice()))
    }

    /// Whether generation site `i` is reached from any entry point.
    pub fn site_reached(&self, i: usize) -> bool {
        self.reached.iter().any(|r| r.iter().any(|x| x.sink == i))
    }
}

//! The analyses' per-file phase: passes over every file, on the thread
//! pool, that compute each part of the analyses that reads only the file
//! itself (and, at random, the few other files a name leads to), joined in
//! file order so that the result does not depend on the thread count.
//!
//! The global steps after them (the entry points' registrations, the call
//! graph, the hops' join, the reach, the label evidence by call-graph
//! node) read these results instead of looping over every file again:
//! stage 2a of target 3 (docs/performance.md: audit3, pf27a). Once the
//! facts are stored encoded and decoded on demand, each loop over every
//! file decodes every file.
//!
//! Two passes, because the second reads two global results the first
//! cannot wait for:
//! - [`parts`] reads nothing computed from other files: the entry-point
//!   finder's (with the evidence that a variable holds UI components)
//!   and the call graph's per-file parts, label evidence,
//!   modules loaded by name, gRPC servicers' registrations, and the
//!   run-time values' per-file half (the stores each file makes, and
//!   the calls whose callee the serial evaluation must look at: the test
//!   of every other call reads only its file and answers nothing). The
//!   serial evaluation then runs beside the entry-point finder's tables,
//!   reading only the calls kept and the files they lead to.
//! - [`sites`] runs after the run-time values ([`Project::runtime`]): the
//!   generation sites and the inferred candidates read a call's run-time
//!   alternatives, which the serial evaluation finds across files. It
//!   also takes the entry-point catalogue's matches, which read the
//!   finder's tables built from the first pass (UI components stored
//!   across files, names injected by plugin loaders), and the
//!   registrations made of them as owned records
//!   ([`FileRegistrations`]): the serial part left to the finder is their
//!   order, the routers' prefixes and `emit`. And the methods overriding
//!   an abstract method that some file declares (the first pass gathers
//!   them), which the call graph indexes with the interfaces'
//!   implementations.
//!
//! The label evidence needs the call graph's nodes, which need the entry
//! points' closures: it is kept by (scope, byte) and given its node once
//! the graph is built ([`PlacedLabel::node`]).

use rayon::prelude::*;
use ustr::Ustr;

use crate::analysis::callgraph::{self, CallGraph, FileGraphParts, NodeId};
use crate::analysis::entrypoints::{self, FileEntryParts, FileRegistrations, Matcher};
use crate::analysis::generation::{self, GenerationSite};
use crate::analysis::results::{self, LabelEvidence};
use crate::analysis::{Project, Reader, env, hops, inferred, plugins, region, runtime};
use crate::catalog::Catalog;
use crate::facts::QName;

/// Label evidence where it was found, before the call graph can say in
/// which node: the scope and the start byte of the call or string.
#[derive(Debug, Clone)]
pub(crate) struct PlacedLabel {
    pub scope: Option<Ustr>,
    pub pos: u32,
    pub evidence: LabelEvidence,
}

impl PlacedLabel {
    /// The call-graph node whose own code holds the evidence.
    pub fn node(&self, graph: &CallGraph) -> NodeId {
        graph.node_at(self.evidence.file, self.scope.as_deref(), self.pos)
    }
}

/// What the first pass takes from one file.
struct FileParts {
    entry: FileEntryParts,
    graph: FileGraphParts,
    /// Label API calls, then marker strings.
    labels: Vec<PlacedLabel>,
    /// Variables given a module loaded by name.
    loaded: Vec<(plugins::Var, plugins::Pattern)>,
    /// Classes registered as gRPC servicers, with their services.
    servicers: Vec<hops::Servicer>,
    /// The run-time values' stores and calls to evaluate.
    runtime: runtime::FileRuntime,
    /// Calls that switch a tracing service on.
    tracing: Vec<env::TracingCall>,
    /// Whether a call may be a request to one of the project's own
    /// services ([`hops::file_may_hop`]).
    may_hop: bool,
    /// Each class's bases, read only when the parts are kept (for
    /// [`generation::class_table_digest`]).
    class_bases: Vec<Vec<QName>>,
}

/// What the first pass takes from every file: per file for the entry
/// points, joined in file order for the rest.
pub(crate) struct Parts {
    pub entry: Vec<FileEntryParts>,
    pub graph: Vec<FileGraphParts>,
    pub labels: Vec<PlacedLabel>,
    pub loaded: Vec<(plugins::Var, plugins::Pattern)>,
    pub servicers: Vec<hops::Servicer>,
    /// Per file: what the run-time values' evaluation needs from it.
    pub runtime: Vec<runtime::FileRuntime>,
    /// Calls that switch a tracing service on, in file order (read by
    /// PII001 through [`env::TracingExtra`]).
    pub tracing: Vec<env::TracingCall>,
    /// Per file: whether the hops must read it ([`hops::file_may_hop`]).
    pub may_hop: Vec<bool>,
    /// Per file, with the parts kept: each class's bases (empty without).
    pub class_bases: Vec<Vec<Vec<QName>>>,
}

/// The first pass: every file's parts that read no global result. The
/// label evidence and the hop flag read only the file and the catalogue:
/// with `stored`, a file's are its stored evidence unit (`crate::parts`).
pub(crate) fn parts(
    project: &Project,
    catalog: &Catalog,
    stored: Option<&crate::parts::Parts>,
) -> Parts {
    let loaders = &catalog.entrypoints.data.module_loaders;
    let per_file: Vec<FileParts> = project
        .each_file(Reader::PerFile)
        .par_iter()
        .map(|(fi, file)| {
            let (labels, may_hop, registering) = match stored {
                Some(stored) => {
                    let found = stored.evidence(fi, || results::stored_evidence(catalog, &file));
                    let labels = results::placed_labels(fi, found.labels);
                    (labels, found.may_hop, found.class_registration_calls)
                }
                None => (
                    results::file_label_evidence(catalog, fi, &file),
                    hops::file_may_hop(catalog, &file),
                    entrypoints::class_registration_calls(&catalog.entrypoints, &file),
                ),
            };
            FileParts {
                entry: FileEntryParts::of(
                    project,
                    &catalog.entrypoints,
                    fi,
                    file.clone(),
                    &registering,
                ),
                graph: FileGraphParts::of(project, &file),
                labels,
                loaded: plugins::file_loaded(loaders, fi, &file),
                servicers: hops::file_servicers(project, catalog, &file),
                runtime: runtime::FileRuntime::of(project, fi, &file),
                tracing: env::file_tracing_calls(&catalog.config_tracing, fi, &file),
                may_hop,
                class_bases: match stored {
                    Some(_) => file.classes.iter().map(|c| c.bases.clone()).collect(),
                    None => Vec::new(),
                },
            }
        })
        .collect();
    let mut out = Parts {
        entry: Vec::with_capacity(per_file.len()),
        graph: Vec::with_capacity(per_file.len()),
        labels: Vec::new(),
        loaded: Vec::new(),
        servicers: Vec::new(),
        runtime: Vec::with_capacity(per_file.len()),
        tracing: Vec::new(),
        may_hop: Vec::with_capacity(per_file.len()),
        class_bases: Vec::with_capacity(if stored.is_some() { per_file.len() } else { 0 }),
    };
    for p in per_file {
        out.entry.push(p.entry);
        out.graph.push(p.graph);
        out.labels.extend(p.labels);
        out.loaded.extend(p.loaded);
        out.servicers.extend(p.servicers);
        out.runtime.push(p.runtime);
        out.tracing.extend(p.tracing);
        out.may_hop.push(p.may_hop);
        if stored.is_some() {
            out.class_bases.push(p.class_bases);
        }
    }
    out
}

/// What the second pass takes from one file.
struct FileSites<'a, 'p> {
    /// What the file registers as entry points.
    registrations: FileRegistrations<'p>,
    /// Generation sites, in call order.
    sites: Vec<GenerationSite<'a>>,
    /// Inferred candidates (calls running the project's own models) that
    /// are not already sites, in call order.
    candidates: Vec<GenerationSite<'a>>,
    /// Methods overriding a project class's abstract method.
    overrides: Vec<((Ustr, Ustr), u32)>,
}

/// Every file's generation sites and inferred candidates, in file order.
pub(crate) struct Sites<'a, 'p> {
    /// Per file: what it registers as entry points.
    pub registrations: Vec<FileRegistrations<'p>>,
    pub sites: Vec<GenerationSite<'a>>,
    pub candidates: Vec<GenerationSite<'a>>,
    /// Per file: its methods overriding an abstract method, with the
    /// class that declares it ([`callgraph::file_overrides`]).
    pub overrides: Vec<Vec<((Ustr, Ustr), u32)>>,
}

/// The second pass. Call it after the run-time values are resolved and
/// the entry-point finder is built from the first pass's parts. With
/// `stored` (the parts and this run's class table digest), a file whose
/// site unit says it has no site and no candidate, and that has no call
/// the unit does not cover ([`generation::may_find_beyond_unit`]), is not
/// searched.
pub(crate) fn sites<'a, 'p>(
    project: &'p Project,
    catalog: &'a Catalog,
    entry: &Matcher<'_, 'p>,
    declared: &callgraph::Declared,
    stored: Option<(&crate::parts::Parts, [u8; 32])>,
) -> Sites<'a, 'p> {
    // Regions of set-up calls, shared by the files' URL readers.
    let memo = region::Memo::default();
    let per_file: Vec<FileSites<'a, 'p>> = project
        .each_file(Reader::PerFile)
        .par_iter()
        .map_init(generation::NameMemo::default, |names, (fi, file)| {
            let reuse = stored.is_some_and(|(parts, table)| {
                parts.no_sites(fi, &table)
                    && !generation::may_find_beyond_unit(project, catalog, fi, &file)
            });
            // Set when a call's URL was read: a URL reads other files, and
            // the unit records none.
            let urls_read = std::cell::Cell::new(false);
            let (sites, candidates) = if reuse {
                (Vec::new(), Vec::new())
            } else {
                let sites =
                    generation::file_sites(project, catalog, &memo, names, fi, &file, &urls_read);
                // The candidates leave out the file's own sites: nothing
                // from other files.
                let candidates = inferred::file_candidates(project, catalog, fi, &file, &sites);
                (sites, candidates)
            };
            if let Some((parts, table)) = stored {
                let empty = sites.is_empty() && candidates.is_empty() && !urls_read.get();
                parts.note_sites(fi, &table, reuse, empty);
            }
            FileSites {
                // The entry-point matches and the registrations made of
                // them: owned records, applied in file order by the finder.
                registrations: entry.file(fi, file.clone()),
                sites,
                candidates,
                overrides: callgraph::file_overrides(project, declared, &file),
            }
        })
        .collect();
    let mut out = Sites {
        registrations: Vec::with_capacity(per_file.len()),
        sites: Vec::new(),
        candidates: Vec::new(),
        overrides: Vec::with_capacity(per_file.len()),
    };
    for p in per_file {
        out.registrations.push(p.registrations);
        out.sites.extend(p.sites);
        out.candidates.extend(p.candidates);
        out.overrides.push(p.overrides);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::python_project as project;
    use crate::catalog::CatalogData;

    /// The first pass's per-file flags and tracing calls, in file order,
    /// the same with every file's facts stored encoded (read decoded).
    #[test]
    fn first_pass_marks_requests_calls_and_tracing_switches() {
        let catalog = Catalog::load(&CatalogData::default()).unwrap();
        let files = [
            (
                "a/client.py",
                "import requests\nrequests.post('http://w/gen', json={})\n",
            ),
            ("a/consts.py", "LIMIT = 3\n"),
            (
                "b/start.py",
                "from ddtrace.llmobs import LLMObs\nLLMObs.enable()\nprint(1)\n",
            ),
        ];
        let summary = |p: &Parts| {
            (
                p.may_hop.clone(),
                p.graph.iter().map(|g| g.has_calls()).collect::<Vec<_>>(),
                p.tracing
                    .iter()
                    .map(|c| (c.from.file, c.folder.clone(), c.from.span.start_line))
                    .collect::<Vec<_>>(),
            )
        };
        let kept = project(&files);
        let got = summary(&parts(&kept, &catalog, None));
        assert_eq!(got.0, [true, false, false]);
        assert_eq!(got.1, [true, false, true]);
        assert_eq!(got.2, [(2, "b".to_string(), 2)]);
        let mut stored = project(&files);
        assert_eq!(stored.store_every_file(), 3);
        assert_eq!(summary(&parts(&stored, &catalog, None)), got);
    }
}

//! A taint spec's set-up, the part that does not depend on its domain, made
//! for several specs in one read of each file (issue 19, target 3, stage
//! 2). Per spec: whether a file imports where a read source starts, the
//! calls that match a source (with the sources they match) and the scopes
//! that read a source. For every spec alike: each file's calls of library
//! methods through project classes ([`Analysis::library_calls`]) and, per
//! call-graph node, the scopes that call it (the solve's `callers`).
//!
//! The rules' per-file phase (`rules::per_file`) asks for it
//! ([`Analysis::taint_setup_file`]) for the specs its enabled rules always
//! solve, file by file as it reads each file anyway, and hands the files'
//! parts over in file order ([`Analysis::keep_taint_setup`]). A spec's
//! solve then takes its part ([`Cache::take_setup`]) and only asks its
//! domain about what was found; a spec not made there (one solved only
//! sometimes) finds the same in one read of each file of its own. Either
//! way the seeds, the scopes woken and their order are the ones a loop per
//! part gave: each part is kept in file order and joined in the order the
//! loops ran.

use std::sync::Arc;

use ustr::Ustr;

use super::solve::{self, ScopeKey};
use super::{Cache, LibraryCalls};
use crate::analysis::callgraph::NodeId;
use crate::analysis::results::Analysis;
use crate::analysis::{FastMap, Project};
use crate::catalog::taint::TaintSpec;
use crate::facts::FileFacts;

/// What one spec's set-up finds in one file.
#[derive(Debug, Default)]
pub(super) struct SpecFile {
    /// Whether a name the file imports comes from where one of the spec's
    /// read sources starts (false for a spec without read sources).
    pub imports: bool,
    /// The calls that match a source: call index, its scope, the sources.
    pub calls: Vec<(usize, Option<Ustr>, Vec<usize>)>,
    /// The scopes that read a source, each once, in the order found.
    pub reads: Vec<Option<Ustr>>,
}

/// What the set-up of several specs finds in one file
/// ([`Analysis::taint_setup_file`]), in the order of the specs asked for.
#[derive(Debug, Default)]
pub struct FileSetup {
    library: LibraryCalls,
    callers: Vec<(NodeId, Option<Ustr>)>,
    specs: Vec<SpecFile>,
}

/// A call that matches a source: (file, call), its scope, the sources.
pub(super) type SourceCall = ((usize, usize), Option<Ustr>, Vec<usize>);

/// One spec's set-up over the project, each part in file order.
#[derive(Debug, Default)]
pub(super) struct SpecSetup {
    /// Per file, [`SpecFile::imports`]; empty for a spec without read
    /// sources.
    pub imports: Vec<bool>,
    /// The calls that match a source: (file, call), scope, sources.
    pub calls: Vec<SourceCall>,
    /// The scopes that read a source.
    pub reads: Vec<ScopeKey>,
}

impl SpecSetup {
    /// Add file `fi`'s part (files in order).
    pub fn push(&mut self, spec: &TaintSpec, fi: usize, part: SpecFile) {
        if spec.has_read_sources() {
            self.imports.push(part.imports);
        }
        self.calls.extend(
            part.calls
                .into_iter()
                .map(|(ci, scope, roles)| ((fi, ci), scope, roles)),
        );
        self.reads.extend(part.reads.into_iter().map(|s| (fi, s)));
    }
}

/// Whether `spec` has sources that match calls (by pattern or method).
pub(super) fn call_sources(spec: &TaintSpec) -> bool {
    spec.data
        .source
        .iter()
        .any(|s| !s.patterns.is_empty() || !s.methods.is_empty())
}

/// What `spec`'s set-up finds in file `fi` (`library`: the file's
/// [`Analysis::library_calls`]).
pub(super) fn spec_file(
    spec: &TaintSpec,
    project: &Project,
    fi: usize,
    file: &FileFacts,
    library: &[(usize, Vec<String>)],
) -> SpecFile {
    let mut out = SpecFile::default();
    if call_sources(spec) {
        let mut roles = Vec::new();
        for (ci, call) in file.calls.iter().enumerate() {
            spec.source_roles(
                file.language,
                call,
                project.runtime().alternatives(fi, ci),
                &mut roles,
            );
            // `Cli::parse()` of a struct deriving `clap::Parser`.
            if roles.is_empty()
                && let Ok(k) = library.binary_search_by_key(&ci, |(c, _)| *c)
            {
                for alt in &library[k].1 {
                    spec.source_roles_as(file.language, call, alt, &mut roles);
                    if !roles.is_empty() {
                        break;
                    }
                }
            }
            if !roles.is_empty() {
                out.calls.push((ci, call.scope, roles.clone()));
            }
        }
    }
    if spec.has_read_sources() {
        out.imports = solve::imports_reads(spec, project, fi, file);
        let mut scopes = Vec::new();
        solve::reads_source(spec, project, fi, file, out.imports, &mut scopes);
        out.reads = scopes;
    }
    out
}

/// File `fi`'s calls that run a library method through a project class, by
/// call index, with the library names they run as
/// (`Project::via_library_bases`).
pub(super) fn library_calls_of(project: &Project, file: &FileFacts) -> LibraryCalls {
    // A file calls the same names again and again.
    let mut known: FastMap<crate::facts::QName, Vec<String>> = FastMap::default();
    let mut out = Vec::new();
    for (ci, call) in file.calls.iter().enumerate() {
        let Some(name) = &call.resolved else { continue };
        let alts = known
            .entry(*name)
            .or_insert_with(|| project.via_library_bases(name));
        if !alts.is_empty() {
            out.push((ci, alts.clone()));
        }
    }
    out
}

impl Analysis<'_> {
    /// What the set-up of each of `specs` finds in file `fi` (read once
    /// by the caller), with the parts every spec shares.
    pub fn taint_setup_file(
        &self,
        project: &Project,
        specs: &[&TaintSpec],
        fi: usize,
        file: &FileFacts,
    ) -> FileSetup {
        let library = library_calls_of(project, file);
        let mut callers = Vec::new();
        solve::file_callers(self, fi, file, &mut callers);
        let specs = specs
            .iter()
            .map(|spec| spec_file(spec, project, fi, file, &library))
            .collect();
        FileSetup {
            library,
            callers,
            specs,
        }
    }

    /// Keep what [`Analysis::taint_setup_file`] found in every file (in
    /// file order, for the same `specs`) for their solves.
    pub fn keep_taint_setup(&self, specs: &[&TaintSpec], files: Vec<FileSetup>) {
        let cache = &self.dataflow;
        let mut setups: Vec<SpecSetup> = specs.iter().map(|_| SpecSetup::default()).collect();
        let mut library = Vec::with_capacity(files.len());
        let mut callers = Vec::with_capacity(files.len());
        for (fi, file) in files.into_iter().enumerate() {
            library.push(file.library);
            callers.push(file.callers);
            for ((setup, spec), part) in setups.iter_mut().zip(specs).zip(file.specs) {
                setup.push(spec, fi, part);
            }
        }
        let _ = cache.library_calls.set(library);
        let callers = solve::merge_callers(self.graph.nodes.len(), callers);
        *cache.callers.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(callers));
        let mut kept = cache.setups.lock().unwrap_or_else(|e| e.into_inner());
        for (spec, setup) in specs.iter().zip(setups) {
            kept.push((spec.id.clone(), setup));
        }
    }
}

impl Cache {
    /// Spec `id`'s set-up kept by [`Analysis::keep_taint_setup`], taken
    /// out (it is read once, by the spec's seeding).
    pub(super) fn take_setup(&self, id: &str) -> Option<SpecSetup> {
        let mut kept = self.setups.lock().unwrap_or_else(|e| e.into_inner());
        let k = kept.iter().position(|(s, _)| s == id)?;
        Some(kept.swap_remove(k).1)
    }

    /// Per call-graph node, the scopes with a call that runs it: kept by
    /// [`Analysis::keep_taint_setup`], else found on first use, in one loop
    /// for every spec; freed with the indexes.
    pub(super) fn callers(&self, an: &Analysis<'_>, project: &Project) -> Arc<Vec<Vec<ScopeKey>>> {
        let mut slot = self.callers.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| Arc::new(solve::callers(an, project)))
            .clone()
    }
}

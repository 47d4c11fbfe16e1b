//! Taint and value flow over the facts and the call graph, for any spec and
//! any lattice. The vocabulary is Semgrep's taint mode: a spec
//! (`catalog::taint`) names sources, sinks, sanitizers and propagators; a
//! [`Domain`] gives the value a source produces (the labels of a
//! catalogue-only spec, or what a rule computes, such as the content types
//! of generated media) and may add call effects of its own (LBL006's media
//! writers). [`Analysis::taint`] runs a spec once per scan and shares the
//! result with every rule that asks.
//!
//! Within a function the analysis is flow-sensitive: assignments, calls and
//! returns are taken in the order their effects happen (an assignment binds
//! at its end). Places are names and attribute chains, looked up by their
//! longest bound prefix (field-insensitive: `img.size` is `img`), and literal
//! strings (a file path written and read again: the frontend inlines string
//! constants). Containers are their name: a display (`[v]`, `{"k": v}`)
//! holds what it reads, reading an element reads the container (but a
//! literal key of a name bound to a dict display reads that entry), and a store
//! through a method (`items.append(v)`) is a propagator from the arguments
//! to the receiver where a spec declares one. Element assignments
//! (`d["k"] = v`) are not in the facts, so they are not followed.
//!
//! Across functions it is summary-based and context-insensitive for what
//! enters a function: every value is kept symbolically, as the taint of
//! sources in its own function plus the set of that function's parameters
//! it was computed from. A function's summary is its return value in that
//! form, so a call's result is the callee's own taint plus the arguments it
//! returns, whoever calls it; a parameter's taint is the join over all call
//! sites, and is added only when a value is read out. Both run to a fixed
//! point over a worklist, with caps that are counted ([`TaintStats`]).

pub mod index;
mod setup;
mod solve;

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ustr::Ustr;

use crate::analysis::callgraph::{NodeId, Site};
use crate::analysis::results::Analysis;
use crate::analysis::{Project, Reader};
use crate::catalog::taint::TaintSpec;
use crate::facts::{FileFacts, Value};
use crate::finding::{Location, Related};
use crate::source::Span;

pub use index::FileIndex;
pub use setup::FileSetup;
pub use solve::{Query, StateCounts, Taint};

/// What a value holds, as far as a spec is concerned.
pub trait Lattice: Clone + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// Merge `other` in; whether anything changed. Joins must be monotone
    /// and the lattice of finite height (the fixed point relies on it).
    fn join(&mut self, other: &Self) -> bool;
}

/// The value of a catalogue-only spec: the labels of the sources that
/// reached it (sorted, unique).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labels(pub Vec<Ustr>);

impl Lattice for Labels {
    fn join(&mut self, other: &Self) -> bool {
        let before = self.0.len();
        for l in &other.0 {
            if let Err(i) = self.0.binary_search(l) {
                self.0.insert(i, *l);
            }
        }
        self.0.len() != before
    }
}

/// Where a source's value appears, for [`Domain::seed`].
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// The result of a call matching source `source`'s patterns or methods.
    Call { source: usize, site: Site },
    /// A generation call: its index in `Analysis::sites`.
    Generation { source: usize, site: usize },
    /// Parameter `param` of the handler of entry point `entry`.
    Param {
        source: usize,
        entry: usize,
        node: NodeId,
        param: usize,
    },
    /// A read of an attribute chain (as written) in file `file`.
    Read {
        source: usize,
        file: usize,
        name: &'a str,
    },
    /// A name, attribute chain, assignment target or dict/subscript key in
    /// file `file`, for a source that classifies names: the domain says
    /// whether (and as what) it names a value of interest.
    Name {
        source: usize,
        file: usize,
        name: Ustr,
    },
    /// A whole name (not an attribute of it) whose type is known in file
    /// `file`, for a source that classifies names: a parameter's declared
    /// type (`body: UserIn`) or what made the value (`UserIn(**d)`,
    /// `User.objects.get()`, with that call's arguments: `session.get(User,
    /// 1)`). The domain says whether values of that type are of interest.
    Typed {
        source: usize,
        file: usize,
        ty: crate::facts::QName,
        args: Option<&'a [crate::facts::Arg]>,
    },
    /// The result of call `site`, for a source that classifies names: the
    /// domain says whether it is a value of a known type read back
    /// (`session.query(User).first()`, `session.scalars(select(User))`).
    Fetched { source: usize, site: Site },
}

impl Origin<'_> {
    pub fn source(&self) -> usize {
        match *self {
            Origin::Call { source, .. }
            | Origin::Generation { source, .. }
            | Origin::Param { source, .. }
            | Origin::Read { source, .. }
            | Origin::Name { source, .. }
            | Origin::Typed { source, .. }
            | Origin::Fetched { source, .. } => source,
        }
    }
}

/// What a spec's values are, and what a rule knows beyond the spec's data.
pub trait Domain: Sync {
    type Value: Lattice;

    /// The value a source gives where it appears (`None`: not a source after all).
    fn seed(&self, origin: &Origin<'_>) -> Option<Self::Value>;

    /// Whether `seed` may give a value for a name, a type or a fetched row
    /// (`Origin::Name`, `Typed`, `Fetched`). A domain that knows it gives
    /// none says so, and the solver looks at no name of the project for it.
    fn classifies_names(&self) -> bool {
        true
    }

    /// How flow steps name a value a name source gave (`a phone
    /// number`); `None`: the source's label.
    fn describe(&self, _value: &Self::Value) -> Option<String> {
        None
    }

    /// What an attribute of a value holds (`user.nickname` of a `user`):
    /// by default all of it (places are field-insensitive); a domain whose
    /// values hold things only as a whole (a data model's fields) says
    /// less. `None`: nothing.
    fn field(&self, value: &Self::Value) -> Option<Self::Value> {
        Some(value.clone())
    }

    /// Which of several tainted arguments or parts a flow's steps explain:
    /// the first of the greatest weight (all weigh the same by default).
    /// A rule that reports only part of a value weighs that part more, so
    /// that the explanation names what the message reports.
    fn weight(&self, _value: &Self::Value) -> u32 {
        0
    }

    /// Effects of call `ci` of `file` (index `fi`) beyond the spec's
    /// propagators: values it puts into places (a media writer's data into
    /// its output file).
    fn effects<'f>(
        &self,
        _file: &'f FileFacts,
        _fi: usize,
        _ci: usize,
        _out: &mut Vec<Effect<'f>>,
    ) {
    }
}

/// Something a call puts into a place: the join of `from` (read at the
/// call's start) goes to `to` (bound at its end) when it holds anything.
#[derive(Debug, Clone)]
pub struct Effect<'f> {
    pub from: Vec<Data<'f>>,
    pub to: Ustr,
    /// For flows: what the call does (`written to`).
    pub what: &'static str,
}

/// Something whose value a rule asks for, or an effect reads.
#[derive(Debug, Clone)]
pub enum Data<'f> {
    /// A value with the bytes it spans: calls within them count.
    Value(&'f Value, Range<u32>),
    /// What call `ci` is called on.
    Receiver(usize),
    /// What call `ci` returns.
    Call(usize),
    /// Names and attribute chains read, as written.
    Names(Vec<Ustr>),
}

/// The place a value names: a name or attribute chain, or a literal string
/// (a file path). Interned, so that effects can bind it.
pub fn place(v: &Value) -> Option<Ustr> {
    match v {
        Value::Name { text, .. } => Some(*text),
        Value::Str(s) if !s.is_empty() => Some(Ustr::from(&literal(s))),
        _ => None,
    }
}

/// How a literal string is spelled as a place.
fn literal(s: &str) -> String {
    format!("{s:?}")
}

/// A flow from a source to a sink.
#[derive(Debug, Clone)]
pub struct Flow<V> {
    /// Index of the sink in the spec.
    pub sink: usize,
    pub site: Site,
    pub value: V,
    /// Source first, sink last; at most [`MAX_STEPS`].
    pub steps: Vec<Step>,
    /// Steps were left out between the source and the rest (cap).
    pub cut: bool,
}

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub file: usize,
    pub span: Span,
    pub message: String,
}

impl Step {
    /// As a SARIF code-flow location (`Finding::flow`).
    pub fn related(&self, project: &Project) -> Related {
        Related {
            location: Location {
                path: project.path(self.file).into(),
                span: self.span,
            },
            message: self.message.as_str().into(),
        }
    }
}

/// A flow's steps are cut to this many (the source and the last ones).
pub const MAX_STEPS: usize = 32;
/// A scope is analysed again at most this many times (a callee's summary
/// grew); further changes are dropped.
pub const MAX_PASSES: u32 = 32;
/// Parameters after the 63rd are not followed.
pub const MAX_PARAMS: usize = 63;
/// The parameter bit of what a queue worker takes off its queue
/// (`task = q.get()`): the join of what the producers put on it.
pub const INBOX: u32 = 63;

pub use crate::finding::TaintStats;

/// Bytes of data-flow indexes kept at once. Every file's together took
/// 29 MiB at 10k files and 159 MiB at 50k; the solver reads them a scope
/// at a time, mostly a file's scopes one after another, and a rebuild
/// costs about what reading the file's calls once does.
const INDEX_BUDGET: usize = 32 << 20;

/// The per-scan home of data-flow results: each file's index, and each
/// spec's result, computed on first use by whichever rule asks first.
#[derive(Default)]
pub struct Cache {
    /// Per file, built on first use and kept within [`INDEX_BUDGET`]
    /// (`bounded`); all freed with the last spec's result
    /// ([`Cache::release_indexes`]). The solver holds each by `Arc`.
    files: crate::analysis::bounded::Bounded<FileIndex>,
    #[allow(clippy::type_complexity)]
    specs: Mutex<BTreeMap<(String, TypeId), Arc<OnceLock<Arc<dyn Any + Send + Sync>>>>>,
    stats: Mutex<BTreeMap<String, TaintStats>>,
    /// Specs whose result was freed ([`Cache::release`]).
    released: Mutex<Vec<String>>,
    /// Per file, its calls of a library method through a project class
    /// (`Project::via_library_bases`), with the names they run as: the
    /// same for every spec that seeds call sources, so found once.
    library_calls: OnceLock<Vec<LibraryCalls>>,
    /// Specs' set-ups made by the rules' per-file phase, each waiting for
    /// its spec's seeding (`setup`).
    setups: Mutex<Vec<(String, setup::SpecSetup)>>,
    /// Per call-graph node, the scopes that call it: the same for every
    /// spec (`Cache::callers`); freed with the indexes.
    #[allow(clippy::type_complexity)]
    callers: Mutex<Option<Arc<Vec<Vec<(usize, Option<Ustr>)>>>>>,
    /// Whether each spec is solved a second time and measured
    /// (`debug memory`), and what was measured, in solve order.
    measure: AtomicBool,
    measured: Mutex<Vec<SpecHeap>>,
}

/// One spec's result measured part by part (`debug memory`): solved a
/// second time, then its parts freed one by one, the heap read after each.
#[derive(Debug, Clone)]
pub struct SpecHeap {
    pub spec: String,
    pub counts: StateCounts,
    /// The whole result first, then each part freed, in bytes.
    pub parts: Vec<(&'static str, u64)>,
}

/// A file's calls of library methods through project classes: call index,
/// the library names it runs as.
type LibraryCalls = Vec<(usize, Vec<String>)>;

impl Cache {
    pub fn new(files: usize) -> Cache {
        Cache {
            files: crate::analysis::bounded::Bounded::new(
                files,
                crate::analysis::bounded::budget("SYNTHLINT_FLOW_INDEX_MB", INDEX_BUDGET),
            ),
            ..Cache::default()
        }
    }

    /// Free the results of spec `id`: no rule still to run asks for it
    /// (`rules::HELD`). Rules that still hold one keep it until they finish.
    pub fn release(&self, id: &str) {
        let mut specs = self.specs.lock().unwrap_or_else(|e| e.into_inner());
        specs.retain(|(spec, _), _| spec != id);
        drop(specs);
        // A set-up its spec never took (the spec was not solved).
        drop(self.take_setup(id));
        let mut released = self.released.lock().unwrap_or_else(|e| e.into_inner());
        released.push(id.to_string());
    }

    /// Whether spec `id`'s result was freed.
    pub fn is_released(&self, id: &str) -> bool {
        let released = self.released.lock().unwrap_or_else(|e| e.into_inner());
        released.iter().any(|r| r == id)
    }

    /// Free every file's index: no spec is left to solve or query (the
    /// last one's readers are done). One still asked for is built again.
    pub fn release_indexes(&self) {
        self.files.clear();
        *self.callers.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Solve each spec a second time and measure its parts (`debug
    /// memory`; the heap figures mean something on one thread only).
    pub fn measure_parts(&self) {
        self.measure.store(true, Ordering::Relaxed);
    }

    /// What [`Cache::measure_parts`] measured, in solve order.
    pub fn measured(&self) -> Vec<SpecHeap> {
        self.measured
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Every spec that ran, with what it cost and cut.
    pub fn stats(&self) -> Vec<(String, TaintStats)> {
        let stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl Analysis<'_> {
    /// The index of file `fi`, built on first use.
    pub fn file_index(&self, project: &Project, fi: usize) -> Arc<FileIndex> {
        self.dataflow.files.get(fi, || {
            let index = FileIndex::build(&project.file(fi, Reader::FlowIndex));
            let bytes = index.heap_bytes();
            (index, bytes)
        })
    }

    /// The calls of file `fi` that run a library method through a project
    /// class, by call index, with the library names they run as
    /// (`Project::via_library_bases`); found for every file on first use.
    pub fn library_calls(&self, project: &Project, fi: usize) -> &[(usize, Vec<String>)] {
        // Made by the rules' per-file phase when it makes a spec's set-up
        // (`setup`); else one loop here.
        let all = self.dataflow.library_calls.get_or_init(|| {
            let files = project.each_file(Reader::FlowIndex);
            crate::analysis::map_indices(files.len(), |fi| {
                setup::library_calls_of(project, &files.get(fi))
            })
        });
        &all[fi]
    }

    /// The result of `spec` over the project with `domain`'s values:
    /// computed once per scan (per spec and value type) and shared.
    pub fn taint<D: Domain>(
        &self,
        project: &Project,
        spec: &TaintSpec,
        domain: &D,
    ) -> Arc<Taint<D::Value>> {
        let key = (spec.id.clone(), TypeId::of::<D::Value>());
        // A spec asked for after its release is solved again (same result);
        // the rule that asked is missing from `rules::HELD`.
        debug_assert!(
            !self
                .dataflow
                .released
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&spec.id),
            "taint spec {} asked for after its last reader: list the rule in rules::HELD",
            spec.id
        );
        let cell = {
            let mut specs = self
                .dataflow
                .specs
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            specs.entry(key).or_default().clone()
        };
        let any = cell.get_or_init(|| {
            crate::memory::mark(|| format!("solve {}", spec.id));
            let start = std::time::Instant::now();
            let mut taint = solve::run(self, project, spec, domain);
            taint.stats.elapsed = start.elapsed();
            let mut stats = self
                .dataflow
                .stats
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            stats.insert(spec.id.clone(), taint.stats.clone());
            drop(stats);
            if self.dataflow.measure.load(Ordering::Relaxed) {
                let measured = measure(&spec.id, || solve::run(self, project, spec, domain));
                self.dataflow
                    .measured
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(measured);
            }
            crate::memory::mark(|| format!("solved {}", spec.id));
            Arc::new(taint) as Arc<dyn Any + Send + Sync>
        });
        any.clone()
            .downcast::<Taint<D::Value>>()
            .expect("one value type per key")
    }
}

/// Solve a spec (`solve`) and free its result part by part, reading the
/// heap between.
fn measure<V>(spec: &str, solve: impl FnOnce() -> Taint<V>) -> SpecHeap {
    let heap = || crate::memory::heap().unwrap_or_default().allocated;
    let before = heap();
    let mut taint = solve();
    let mut last = heap();
    let mut parts = vec![("result", last.saturating_sub(before))];
    let counts = taint.state_counts();
    for k in 0.. {
        let Some(name) = taint.free_part(k) else {
            break;
        };
        let now = heap();
        parts.push((name, last.saturating_sub(now)));
        last = now;
    }
    SpecHeap {
        spec: spec.to_string(),
        counts,
        parts,
    }
}

/// The domain of a catalogue-only spec: each source gives its label.
pub struct LabelDomain<'s> {
    pub spec: &'s TaintSpec,
}

impl Domain for LabelDomain<'_> {
    type Value = Labels;

    fn classifies_names(&self) -> bool {
        false
    }

    fn seed(&self, origin: &Origin<'_>) -> Option<Labels> {
        // Names need a classifier, which only a rule's domain has.
        if matches!(
            origin,
            Origin::Name { .. } | Origin::Typed { .. } | Origin::Fetched { .. }
        ) {
            return None;
        }
        Some(Labels(vec![Ustr::from(self.spec.label(origin.source()))]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Freeing the indexes empties every slot; a solve still holding one
    /// keeps its copy until it is done.
    #[test]
    fn indexes_are_freed_while_holders_keep_theirs() {
        let cache = Cache::new(2);
        let held = cache.files.get(0, || (FileIndex::default(), 64));
        cache.release("spec");
        assert!(cache.is_released("spec"));
        assert!(!cache.is_released("other"));
        cache.release_indexes();
        assert_eq!(cache.files.held(), 0);
        assert_eq!(Arc::strong_count(&held), 1);
    }
}

//! The one door to the files' facts after the project is built, counted.
//!
//! Every read of a file's full facts names its reader: either a loop over
//! every file ([`Project::each_file`]: one count, however many files) or a
//! random read of one file ([`Project::file`]: one count a read, and the
//! file marked as read by that reader). `--stats` prints the counts; a test
//! pins them on fixture trees, so a new whole-project loop, or a jump in
//! random reads, shows up in review. This is the instrument for storing the
//! facts and loading them one file at a time (issue 19, target 3): which
//! readers still loop over every file, and how many random reads are left.
//!
//! The path, the module name and the language of a file are read through
//! [`Project::path`], [`Project::module`] and [`Project::language`] and are
//! not counted: they are the per-file summary that stays in memory for the
//! whole scan, so reading them will never load a file's facts.
//!
//! Loops are always counted (a few dozen a scan). Random reads are counted
//! only when asked for ([`count_reads`], `--stats`): a relaxed atomic add
//! per read and a load of the file's word of reader bits (an atomic or the
//! first time a reader reads that file). No lock, and each reader's counts
//! on their own cache line, but threads of one reader still share its line,
//! and millions of reads a scan would bounce it between cores for nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use bytes::{Bytes, BytesMut};
use rayon::prelude::*;

use super::Applied;
use super::bounded;
use crate::facts::{FileFacts, Language, QName};

/// Who reads a file's facts: one analysis pass, one part of the taint
/// solve, or one family of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Reader {
    /// Building the project: module names, import roots, the semantic
    /// index, the cross-module rewrite of calls' names.
    Index,
    /// Cross-module names (`canonical`, a binding's type, fields, returns).
    Names,
    /// Run-time values (`analysis::runtime`).
    RuntimeValues,
    /// Values read into URLs and arguments at a call (`hops::UrlReader`).
    UrlValues,
    /// The analyses' per-file phase (`analysis::perfile`): two loops, the
    /// parts that read no global result, then the generation sites.
    PerFile,
    /// Generation sites (`analysis::generation`).
    GenerationSites,
    /// Entry points and their registrations (`analysis::entrypoints`).
    EntryPoints,
    /// The call graph's nodes and targets (`analysis::callgraph`).
    CallGraph,
    /// Calls into plugins loaded by name (`analysis::plugins`).
    Plugins,
    /// Queue hand-offs (`analysis::queues`).
    Queues,
    /// Inferred generation sites (`analysis::inferred`).
    Inferred,
    /// Hops between the project's services (`analysis::hops`).
    Hops,
    /// Templates rendered by handlers (`analysis::templates`).
    Templates,
    /// Labeling evidence and the endpoints' paths (`analysis::results`).
    Labels,
    /// Regions of set-up calls (`analysis::region`).
    Region,
    /// Environment settings from configuration (`analysis::env`).
    Env,
    /// The data-flow indexes (`dataflow::FileIndex`).
    FlowIndex,
    /// A taint spec's set-up where the rules' per-file pass did not make
    /// it (`dataflow::setup`): seeds, the scopes they start in.
    TaintSetup,
    /// Taint passes over a scope (the worklist).
    TaintPasses,
    /// Taint sinks: where a flow ends.
    TaintSinks,
    /// A flow's trail back to its source (`why_*`).
    TaintTrails,
    /// A scope's data evaluated against its taint state: by the sinks,
    /// the trails and the rules' queries (`Ev`).
    TaintValues,
    /// Rules GEN001–GEN002.
    RulesGeneration,
    /// Rules LBL001–LBL009.
    RulesLabels,
    /// Rules LOG001–LOG003.
    RulesLogs,
    /// Rules MOD001–MOD004.
    RulesModeration,
    /// Rules OPT001–OPT006.
    RulesOptOut,
    /// Rules PII001–PII005.
    RulesPersonalData,
    /// Rules SVC001–SVC004.
    RulesService,
    /// The rules' per-file phase: every enabled rule's per-file part run
    /// on each file in one pass (`rules::per_file`).
    RulesPerFile,
    /// Syntax findings and suppression comments (`suppress`).
    Suppress,
    /// The inventory report.
    Report,
}

impl Reader {
    /// Every reader, in `--stats` order.
    pub const ALL: [Reader; 32] = [
        Reader::Index,
        Reader::Names,
        Reader::RuntimeValues,
        Reader::UrlValues,
        Reader::PerFile,
        Reader::GenerationSites,
        Reader::EntryPoints,
        Reader::CallGraph,
        Reader::Plugins,
        Reader::Queues,
        Reader::Inferred,
        Reader::Hops,
        Reader::Templates,
        Reader::Labels,
        Reader::Region,
        Reader::Env,
        Reader::FlowIndex,
        Reader::TaintSetup,
        Reader::TaintPasses,
        Reader::TaintSinks,
        Reader::TaintTrails,
        Reader::TaintValues,
        Reader::RulesGeneration,
        Reader::RulesLabels,
        Reader::RulesLogs,
        Reader::RulesModeration,
        Reader::RulesOptOut,
        Reader::RulesPersonalData,
        Reader::RulesService,
        Reader::RulesPerFile,
        Reader::Suppress,
        Reader::Report,
    ];

    /// The name `--stats` prints.
    pub fn name(self) -> &'static str {
        match self {
            Reader::Index => "index",
            Reader::Names => "names",
            Reader::RuntimeValues => "runtime-values",
            Reader::UrlValues => "url-values",
            Reader::PerFile => "per-file",
            Reader::GenerationSites => "generation-sites",
            Reader::EntryPoints => "entry-points",
            Reader::CallGraph => "call-graph",
            Reader::Plugins => "plugins",
            Reader::Queues => "queues",
            Reader::Inferred => "inferred",
            Reader::Hops => "hops",
            Reader::Templates => "templates",
            Reader::Labels => "labels",
            Reader::Region => "region",
            Reader::Env => "env",
            Reader::FlowIndex => "flow-index",
            Reader::TaintSetup => "taint-setup",
            Reader::TaintPasses => "taint-passes",
            Reader::TaintSinks => "taint-sinks",
            Reader::TaintTrails => "taint-trails",
            Reader::TaintValues => "taint-values",
            Reader::RulesGeneration => "rules-GEN",
            Reader::RulesLabels => "rules-LBL",
            Reader::RulesLogs => "rules-LOG",
            Reader::RulesModeration => "rules-MOD",
            Reader::RulesOptOut => "rules-OPT",
            Reader::RulesPersonalData => "rules-PII",
            Reader::RulesService => "rules-SVC",
            Reader::RulesPerFile => "rules-per-file",
            Reader::Suppress => "suppress",
            Reader::Report => "report",
        }
    }
}

/// One reader's counts, alone on a cache line.
#[derive(Default)]
#[repr(align(64))]
struct Counts {
    loops: AtomicU64,
    reads: AtomicU64,
}

/// Whether projects built from now on count random reads.
static COUNT_READS: AtomicBool = AtomicBool::new(false);

/// Count random reads in projects built from now on (`--stats`).
pub fn count_reads(on: bool) {
    COUNT_READS.store(on, Relaxed);
}

/// The counters of every reader, and per file the readers that have read
/// it at random (a bit a reader; empty when random reads are not counted).
pub(crate) struct Door {
    counts: [Counts; Reader::ALL.len()],
    reads_on: bool,
    seen: Box<[AtomicU64]>,
}

// A bit a reader in one word a file.
const _: () = assert!(Reader::ALL.len() <= 64);

/// What one reader read, for `--stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCounts {
    pub reader: Reader,
    /// Loops over every file.
    pub loops: u64,
    /// Random reads of one file.
    pub reads: u64,
    /// Files read at random, each counted once.
    pub files: u64,
    /// Stored files this reader decoded: its reads (loops included) that
    /// found no decoded copy kept. The build's own decodings are the
    /// index's.
    pub decodes: u64,
}

impl Door {
    /// A door for `files` files, counting random reads if [`count_reads`]
    /// asked for it.
    pub(crate) fn new(files: usize) -> Door {
        Door::with_reads(files, COUNT_READS.load(Relaxed))
    }

    fn with_reads(files: usize, reads_on: bool) -> Door {
        let words = if reads_on { files } else { 0 };
        Door {
            counts: std::array::from_fn(|_| Counts::default()),
            reads_on,
            seen: (0..words).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[inline]
    pub(crate) fn read(&self, fi: usize, by: Reader) {
        if !self.reads_on {
            return;
        }
        self.counts[by as usize].reads.fetch_add(1, Relaxed);
        let word = &self.seen[fi];
        let bit = 1u64 << by as u32;
        // Once a reader has read a file, its bit is only looked at.
        if word.load(Relaxed) & bit == 0 {
            word.fetch_or(bit, Relaxed);
        }
    }

    #[inline]
    pub(crate) fn sweep(&self, by: Reader) {
        self.counts[by as usize].loops.fetch_add(1, Relaxed);
    }

    /// Every reader that read or decoded anything, in [`Reader::ALL`]'s
    /// order, with its decodings (`decodes`, by reader).
    pub(crate) fn counts(&self, decodes: &[u64; Reader::ALL.len()]) -> Vec<ReadCounts> {
        Reader::ALL
            .iter()
            .map(|&reader| {
                let r = reader as usize;
                let bit = 1u64 << r;
                ReadCounts {
                    reader,
                    loops: self.counts[r].loops.load(Relaxed),
                    reads: self.counts[r].reads.load(Relaxed),
                    files: self
                        .seen
                        .iter()
                        .filter(|w| w.load(Relaxed) & bit != 0)
                        .count() as u64,
                    decodes: decodes[r],
                }
            })
            .filter(|c| c.loops + c.reads + c.decodes > 0)
            .collect()
    }
}

/// One file's facts while a reader holds them: borrowed from the project
/// when it keeps them decoded, or a decoded copy of stored ones
/// ([`Facts`]), shared with the other readers of that file and freed when
/// the last holder lets go and the decoded files' budget needs the room.
/// Hold it while using what it holds; a reader keeps what it needs after
/// that by value (an index, a name), never by reference.
#[derive(Clone)]
pub struct FileRef<'p>(Held<'p>);

#[derive(Clone)]
enum Held<'p> {
    Kept(&'p FileFacts),
    Loaded(Arc<FileFacts>),
}

impl std::ops::Deref for FileRef<'_> {
    type Target = FileFacts;

    #[inline]
    fn deref(&self) -> &FileFacts {
        match &self.0 {
            Held::Kept(f) => f,
            Held::Loaded(f) => f,
        }
    }
}

impl<'p> FileRef<'p> {
    /// Call `ci` of this file, held with it.
    pub fn call(self, ci: usize) -> Item<'p, crate::facts::Call> {
        Item {
            file: self,
            at: |f, i| &f.calls[i],
            i: ci,
        }
    }

    /// Class `ci` of this file, held with it.
    pub fn class(self, ci: usize) -> Item<'p, crate::facts::Class> {
        Item {
            file: self,
            at: |f, i| &f.classes[i],
            i: ci,
        }
    }

    /// Function `i` of this file, held with it.
    pub fn function(self, i: usize) -> Item<'p, crate::facts::Function> {
        Item {
            file: self,
            at: |f, i| &f.functions[i],
            i,
        }
    }

    /// Assignment `ai` of this file, held with it.
    pub fn assignment(self, ai: usize) -> Item<'p, crate::facts::Assignment> {
        Item {
            file: self,
            at: |f, i| &f.assignments[i],
            i: ai,
        }
    }
}

/// One item of a file's facts (a call, an assignment) held with its file,
/// for a reader that hands out what it found in another file.
#[derive(Clone)]
pub struct Item<'p, T> {
    file: FileRef<'p>,
    at: fn(&FileFacts, usize) -> &T,
    i: usize,
}

impl<T> std::ops::Deref for Item<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        (self.at)(&self.file, self.i)
    }
}

/// Every file's facts for one loop over them all, counted once when the
/// loop starts ([`Project::each_file`]). Read it only at the loop's own
/// index (`files.get(fi)`): a read of another file goes through
/// [`Project::file`].
#[derive(Clone, Copy)]
pub struct Files<'p> {
    facts: &'p Facts,
    by: Reader,
}

impl<'p> Files<'p> {
    /// File `fi`'s facts (the loop's own index).
    #[inline]
    pub fn get(self, fi: usize) -> FileRef<'p> {
        self.facts.get(fi, self.by)
    }

    /// Every file with its index, in file order.
    pub fn iter(self) -> impl Iterator<Item = (usize, FileRef<'p>)> + 'p {
        (0..self.len()).map(move |fi| (fi, self.get(fi)))
    }

    /// Every file with its index, on the thread pool (indexed: `collect`
    /// keeps file order).
    pub fn par_iter(self) -> impl IndexedParallelIterator<Item = (usize, FileRef<'p>)> + 'p {
        (0..self.len())
            .into_par_iter()
            .map(move |fi| (fi, self.get(fi)))
    }

    /// Every file, in file order.
    pub fn facts(self) -> impl Iterator<Item = FileRef<'p>> + 'p {
        (0..self.len()).map(move |fi| self.get(fi))
    }

    /// Every file, on the thread pool (indexed).
    pub fn par_facts(self) -> impl IndexedParallelIterator<Item = FileRef<'p>> + 'p {
        (0..self.len()).into_par_iter().map(move |fi| self.get(fi))
    }

    pub fn len(self) -> usize {
        self.facts.slots.len()
    }

    pub fn is_empty(self) -> bool {
        self.facts.slots.is_empty()
    }
}

impl<'p> IntoIterator for Files<'p> {
    type Item = (usize, FileRef<'p>);
    type IntoIter = Box<dyn Iterator<Item = (usize, FileRef<'p>)> + 'p>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// One file's facts as extraction hands them to [`Project::build`]:
/// decoded, or already stored (encoded on the worker that extracted them,
/// so that the whole project's decoded facts are never in memory at once).
pub enum Input {
    /// Boxed as the project keeps it.
    Kept(Box<FileFacts>),
    Stored(Stored),
}

impl Input {
    /// The facts stored with `packer`, if they were kept.
    pub fn into_stored(self, packer: &Packer) -> Input {
        match self {
            Input::Kept(facts) => Input::of(*facts, Some(packer)),
            stored => stored,
        }
    }
}

/// A file's facts encoded as the facts cache encodes them, with the summary
/// read without decoding them.
pub struct Stored {
    path: String,
    module: String,
    language: Language,
    has_comments: bool,
    line_count: u32,
    body: Body,
}

impl Input {
    /// `facts`, stored with `store` when given, unless a frontend's
    /// project-wide step reads this file (`lang::arranged`): those stay
    /// decoded until the project is built.
    pub fn of(mut facts: FileFacts, store: Option<&Packer>) -> Input {
        let Some(packer) = store else {
            return Input::Kept(Box::new(facts));
        };
        if crate::lang::arranged(&facts.path, facts.language) {
            return Input::Kept(Box::new(facts));
        }
        let body = packer.pack(&mut facts);
        Input::Stored(Stored {
            path: std::mem::take(&mut facts.path),
            module: std::mem::take(&mut facts.module),
            language: facts.language,
            has_comments: !facts.comments.is_empty(),
            line_count: facts.line_count,
            body,
        })
    }

    pub fn path(&self) -> &str {
        match self {
            Input::Kept(f) => &f.path,
            Input::Stored(s) => &s.path,
        }
    }

    pub fn line_count(&self) -> u32 {
        match self {
            Input::Kept(f) => f.line_count,
            Input::Stored(s) => s.line_count,
        }
    }
}

/// Every file's facts while the project is built and after: kept decoded
/// (boxed), or stored as the facts cache encodes them and decoded when
/// read, the decoded copies kept within a budget of their own
/// ([`bounded::Bounded`]). A file stored at extraction holds the facts as
/// extracted: what `Project::build` changed in them from other files (its
/// [`Applied`] plan and rewrites) is done again on each decoding, so a
/// stored file decodes to the facts a kept one holds, and which files are
/// kept changes the work, never a result.
pub(crate) struct Facts {
    slots: Vec<Slot>,
    /// Times a stored file was decoded, by the reader that asked for it
    /// (`--stats`; the build's own decodings are [`Reader::Index`]'s).
    decodes: Decodes,
    loaded: bounded::Bounded<FileFacts>,
    /// Per file, what the build changed in its facts reading other files.
    applied: Vec<Applied>,
}

enum Slot {
    /// Boxed: a stored slot is a few words, and most scans keep every file.
    Kept(Box<FileFacts>),
    Stored {
        path: String,
        module: String,
        language: Language,
        has_comments: bool,
        body: Body,
        /// Encoded before the build changed it: its [`Applied`] is done
        /// again on decoding.
        as_extracted: bool,
    },
}

/// Decodings counted by reader: one relaxed add each, beside a decoding's
/// microseconds.
type Decodes = [AtomicU64; Reader::ALL.len()];

/// Bytes of stored files' decoded copies kept at once.
const LOADED_BUDGET: usize = 64 << 20;

impl Facts {
    /// The files as extracted, in file order, with `arranged` (the files
    /// the frontends' project-wide step read, in the same order, after it)
    /// put back in the places left empty (`None`) for them.
    pub(crate) fn of_inputs(inputs: Vec<Option<Input>>, arranged: Vec<FileFacts>) -> Facts {
        let mut arranged = arranged.into_iter();
        let slots = inputs
            .into_iter()
            .map(|input| match input {
                Some(Input::Kept(f)) => Slot::Kept(f),
                Some(Input::Stored(s)) => Slot::Stored {
                    path: s.path,
                    module: s.module,
                    language: s.language,
                    has_comments: s.has_comments,
                    body: s.body,
                    as_extracted: true,
                },
                None => Slot::Kept(Box::new(arranged.next().expect("one arranged file a gap"))),
            })
            .collect();
        Facts::from_slots(slots)
    }

    fn from_slots(mut slots: Vec<Slot>) -> Facts {
        // Collected in place, the list would keep the facts' own buffer
        // (~490 bytes a file) for its ~70-byte slots.
        slots.shrink_to_fit();
        Facts {
            decodes: std::array::from_fn(|_| AtomicU64::new(0)),
            loaded: bounded::Bounded::new(
                slots.len(),
                bounded::budget("SYNTHLINT_LOADED_FACTS_MB", LOADED_BUDGET),
            ),
            applied: std::iter::repeat_with(Applied::default)
                .take(slots.len())
                .collect(),
            slots,
        }
    }

    /// After the build, past `facts-memory`: every file still kept (those
    /// a frontend's project-wide step read) stored too. Returns how many
    /// files are stored in all.
    pub(crate) fn store_every_file(&mut self) -> usize {
        self.loaded.clear();
        // With the dictionary the files stored before were compressed with.
        let packer = Packer::with(self.slots.iter().find_map(|slot| match slot {
            Slot::Stored { body, .. } => body.dictionary.clone(),
            Slot::Kept(_) => None,
        }));
        self.slots.par_iter_mut().for_each(|slot| {
            if let Slot::Kept(_) = slot {
                let empty = Slot::Stored {
                    path: String::new(),
                    module: String::new(),
                    language: Language::Python,
                    has_comments: false,
                    body: Body {
                        bytes: Bytes::new(),
                        dictionary: None,
                    },
                    as_extracted: false,
                };
                let Slot::Kept(facts) = std::mem::replace(slot, empty) else {
                    unreachable!("matched above")
                };
                let mut facts = *facts;
                let body = packer.pack(&mut facts);
                *slot = Slot::Stored {
                    has_comments: !facts.comments.is_empty(),
                    path: facts.path,
                    module: facts.module,
                    language: facts.language,
                    body,
                    as_extracted: false,
                };
            }
        });
        self.slots.len()
    }

    /// File `fi`'s facts decoded for `by`, with what the build changed
    /// done again.
    fn decode(&self, fi: usize, by: Reader) -> FileFacts {
        decode(
            &self.slots[fi],
            &self.applied[fi],
            &self.decodes[by as usize],
        )
    }

    /// File `fi`'s facts for `by`, decoded if it is stored and no decoded
    /// copy is kept (counted as `by`'s decoding).
    #[inline]
    pub(crate) fn get(&self, fi: usize, by: Reader) -> FileRef<'_> {
        match &self.slots[fi] {
            Slot::Kept(f) => FileRef(Held::Kept(f)),
            Slot::Stored { .. } => FileRef(Held::Loaded(self.loaded.get(fi, || {
                let facts = self.decode(fi, by);
                let bytes = heap_estimate(&facts);
                (facts, bytes)
            }))),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    pub(crate) fn path(&self, fi: usize) -> &str {
        match &self.slots[fi] {
            Slot::Kept(f) => &f.path,
            Slot::Stored { path, .. } => path,
        }
    }

    #[inline]
    pub(crate) fn module(&self, fi: usize) -> &str {
        match &self.slots[fi] {
            Slot::Kept(f) => &f.module,
            Slot::Stored { module, .. } => module,
        }
    }

    #[inline]
    pub(crate) fn language(&self, fi: usize) -> Language {
        match &self.slots[fi] {
            Slot::Kept(f) => f.language,
            Slot::Stored { language, .. } => *language,
        }
    }

    #[inline]
    pub(crate) fn is_stored(&self, fi: usize) -> bool {
        matches!(self.slots[fi], Slot::Stored { .. })
    }

    #[inline]
    pub(crate) fn has_comments(&self, fi: usize) -> bool {
        match &self.slots[fi] {
            Slot::Kept(f) => !f.comments.is_empty(),
            Slot::Stored { has_comments, .. } => *has_comments,
        }
    }

    /// Times a stored file was decoded so far, by reader.
    pub(crate) fn decodes(&self) -> [u64; Reader::ALL.len()] {
        std::array::from_fn(|r| self.decodes[r].load(Relaxed))
    }

    /// Bytes of the stored files' encoded facts.
    pub(crate) fn stored_bytes(&self) -> u64 {
        self.slots
            .iter()
            .map(|s| match s {
                Slot::Stored { body, .. } => body.bytes.len() as u64,
                Slot::Kept(_) => 0,
            })
            .sum()
    }

    /// What the build changed in each file's facts, in file order.
    pub(crate) fn applied(&self) -> &[Applied] {
        &self.applied
    }

    /// Record each file's import plan (`import_roots::qualify`); the kept
    /// files' facts were rewritten with it already. Decoded copies made
    /// before it are dropped.
    pub(crate) fn set_plans(&mut self, plans: Vec<Vec<(ustr::Ustr, String)>>) {
        for (a, plan) in self.applied.iter_mut().zip(plans) {
            a.plan = plan;
        }
        self.loaded.clear();
    }

    /// Apply each file's cross-module rewrites (`(call index, new name)`)
    /// to the kept files and record them for the stored ones.
    pub(crate) fn set_rewrites(&mut self, rewrites: Vec<Vec<(usize, QName)>>) {
        self.slots
            .par_iter_mut()
            .zip(&rewrites)
            .for_each(|(slot, rewrites)| {
                if let Slot::Kept(file) = slot {
                    Applied::rewrite_calls(file, rewrites);
                }
            });
        for (a, r) in self.applied.iter_mut().zip(rewrites) {
            a.rewrites = r;
        }
        self.loaded.clear();
    }

    /// `visit(fi, facts)` for every file on the thread pool while the
    /// project is built, the results in file order. A kept file's facts are
    /// changed in place; a stored file's decoded copy is dropped after the
    /// visit, so what `visit` changes must be recorded in its [`Applied`],
    /// to be done again on decoding.
    pub(crate) fn map_each_mut<R: Send>(
        &mut self,
        visit: impl Fn(usize, &mut FileFacts) -> R + Sync,
    ) -> Vec<R> {
        let (applied, decodes) = (&self.applied, &self.decodes[Reader::Index as usize]);
        let out = self
            .slots
            .par_iter_mut()
            .enumerate()
            .map(|(fi, slot)| match slot {
                Slot::Kept(f) => visit(fi, f),
                Slot::Stored { .. } => visit(fi, &mut decode(slot, &applied[fi], decodes)),
            })
            .collect();
        self.loaded.clear();
        out
    }
}

/// zstd's level for stored facts. Without a dictionary level 3 made them
/// only 3% smaller than 1 (10k corpus: 39.2 against 40.4 MiB; LZ4's block
/// format 50.6 MiB); with one, 6% (the 10k corpus's bodies with a 64 KiB
/// dictionary from 600 of them, `zstd` 1.5.4's command line: 37.7 MB at
/// level 1, 35.4 at 3, against 42.7 without), for ~0.2 s more CPU a 100 MB
/// compressed, once each body.
const ZSTD_LEVEL: i32 = 3;

/// Bodies sampled to train the dictionary, and the bytes taken from each
/// (a larger one's first bytes: the first bodies stored are the largest
/// files when everything is stored).
const SAMPLES: usize = 512;
const SAMPLE_MAX_BYTES: usize = 16 << 10;

/// The dictionary's size: 32 KiB to 110 KiB compressed the 10k corpus's
/// bodies within 0.3% of each other.
const DICTIONARY_BYTES: usize = 64 << 10;

/// A zstd dictionary trained on a scan's first bodies stored, prepared for
/// compressing and for decompressing.
pub struct Dictionary {
    compress: zstd::zstd_safe::CDict<'static>,
    decompress: zstd::zstd_safe::DDict<'static>,
}

impl Dictionary {
    /// A dictionary trained on `samples`, one after another, each as long
    /// as `sizes` says; `None` if zstd could not train one (too few or too
    /// uniform samples).
    fn train(samples: &[u8], sizes: &[usize]) -> Option<Dictionary> {
        let trained = zstd::dict::from_continuous(samples, sizes, DICTIONARY_BYTES).ok()?;
        Some(Dictionary {
            compress: zstd::zstd_safe::CDict::try_create(&trained, ZSTD_LEVEL)?,
            decompress: zstd::zstd_safe::DDict::try_create(&trained)?,
        })
    }
}

/// Stores files' facts for one scan ([`Input::of`], [`Input::into_stored`]).
/// Stored facts are a few KB a file (50k corpus: 7.5 KB encoded, 4.1 KB
/// compressed without a dictionary on average), where zstd gains much from a dictionary of what
/// they share. The first [`SAMPLES`] bodies stored are compressed without
/// one and sampled; the body that completes the samples trains it (~0.3 s
/// on one thread, the others storing on without it), and every body stored
/// after that is compressed with it. Which bodies are sampled depends on
/// the threads' timing, and so do the bytes stored, never what they decode
/// to. The bodies stored before it stay as they are: they share their
/// chunks with later ones, so compressing them again would free nothing.
#[derive(Default)]
pub struct Packer {
    dictionary: std::sync::OnceLock<Option<Arc<Dictionary>>>,
    samples: std::sync::Mutex<Samples>,
}

#[derive(Default)]
struct Samples {
    bytes: Vec<u8>,
    sizes: Vec<usize>,
    /// The samples are complete: the dictionary is being trained.
    taken: bool,
}

impl Packer {
    /// A packer that compresses with `dictionary` from the start.
    fn with(dictionary: Option<Arc<Dictionary>>) -> Packer {
        let packer = Packer::default();
        if dictionary.is_some() {
            let _ = packer.dictionary.set(dictionary);
        }
        packer
    }

    fn dictionary(&self) -> Option<&Arc<Dictionary>> {
        self.dictionary.get().and_then(Option::as_ref)
    }

    /// `encoded` sampled while the dictionary is not trained; the sample
    /// that completes them trains it here. One lock a body until then,
    /// none after.
    fn sample(&self, encoded: &[u8]) {
        if self.dictionary.get().is_some() {
            return;
        }
        let (bytes, sizes) = {
            let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
            if samples.taken {
                return;
            }
            let sample = &encoded[..encoded.len().min(SAMPLE_MAX_BYTES)];
            samples.bytes.extend_from_slice(sample);
            samples.sizes.push(sample.len());
            if samples.sizes.len() < SAMPLES {
                return;
            }
            samples.taken = true;
            (
                std::mem::take(&mut samples.bytes),
                std::mem::take(&mut samples.sizes),
            )
        };
        let _ = self
            .dictionary
            .set(Dictionary::train(&bytes, &sizes).map(Arc::new));
    }

    /// A file's facts stored: encoded as the facts cache encodes them, then
    /// compressed with zstd, with the dictionary once it is trained (50k
    /// corpus: 373 MiB encoded, 253 MiB with LZ4's block format, 202 MiB
    /// with zstd, 172 MiB with the dictionary at level 3; zstd's
    /// decompression was about a third of a decoding without one, dec29),
    /// kept in this thread's chunk ([`in_chunk`]).
    fn pack(&self, facts: &mut FileFacts) -> Body {
        let encoded = crate::cache::encode_body(facts, &[]).expect("facts encode");
        let dictionary = self.dictionary().cloned();
        if dictionary.is_none() {
            self.sample(&encoded);
        }
        compress(&encoded, dictionary)
    }
}

/// A stored file's facts: a zstd frame (its encoded length in the frame's
/// header), compressed with `dictionary` if it has one.
struct Body {
    bytes: Bytes,
    dictionary: Option<Arc<Dictionary>>,
}

/// A thread's compression and decompression contexts, and the buffer it
/// compresses into.
struct Zstd {
    compress: zstd::zstd_safe::CCtx<'static>,
    decompress: zstd::zstd_safe::DCtx<'static>,
    compressed: Vec<u8>,
}

thread_local! {
    /// One context of each a thread: making one costs more than a file's
    /// facts take to compress.
    static ZSTD: std::cell::RefCell<Option<Zstd>> = const { std::cell::RefCell::new(None) };
}

fn with_zstd<R>(f: impl FnOnce(&mut Zstd) -> R) -> R {
    ZSTD.with_borrow_mut(|zstd| {
        f(zstd.get_or_insert_with(|| Zstd {
            compress: zstd::zstd_safe::CCtx::create(),
            decompress: zstd::zstd_safe::DCtx::create(),
            compressed: Vec::new(),
        }))
    })
}

/// `encoded` compressed, with `dictionary` if given, into a body.
fn compress(encoded: &[u8], dictionary: Option<Arc<Dictionary>>) -> Body {
    let bytes = with_zstd(|z| {
        z.compressed.clear();
        z.compressed
            .reserve(zstd::zstd_safe::compress_bound(encoded.len()));
        match &dictionary {
            Some(d) => z
                .compress
                .compress_using_cdict(&mut z.compressed, encoded, &d.compress),
            None => z.compress.compress(&mut z.compressed, encoded, ZSTD_LEVEL),
        }
        .expect("facts compress");
        in_chunk(&z.compressed)
    });
    Body { bytes, dictionary }
}

/// [`Packer::pack`] undone, up to the facts' encoding.
fn decompress(body: &Body) -> Vec<u8> {
    let len = zstd::zstd_safe::get_frame_content_size(&body.bytes)
        .ok()
        .flatten()
        .expect("stored facts' length") as usize;
    let mut encoded = Vec::with_capacity(len);
    with_zstd(|z| match &body.dictionary {
        Some(d) => z
            .decompress
            .decompress_using_ddict(&mut encoded, &body.bytes, &d.decompress),
        None => z.decompress.decompress(&mut encoded, &body.bytes),
    })
    .expect("stored facts decompress");
    encoded
}

/// Bytes of a chunk of stored bodies.
const CHUNK_BYTES: usize = 1 << 20;

thread_local! {
    /// The rest of the chunk this thread stores bodies in.
    static CHUNK: std::cell::RefCell<BytesMut> = std::cell::RefCell::new(BytesMut::new());
}

/// `body` appended to this thread's chunk: a slice sharing the chunk,
/// which is freed with its last body. One body a heap allocation, each of
/// a few KB, made between the parse's transient ones, kept the pages they
/// shared resident after those were freed; bodies in chunks share pages
/// only with each other. A body of a quarter chunk or more gets its own
/// allocation (one of jemalloc's large ones, which share no page either),
/// leaving the chunk's rest for the next ones. A thread keeps the chunk it
/// fills until its next body does not fit; each chunk wastes at most its
/// last body's size.
fn in_chunk(body: &[u8]) -> Bytes {
    if body.len() >= CHUNK_BYTES / 4 {
        return Bytes::copy_from_slice(body);
    }
    CHUNK.with_borrow_mut(|chunk| {
        if chunk.capacity() < body.len() {
            *chunk = BytesMut::with_capacity(CHUNK_BYTES);
        }
        chunk.extend_from_slice(body);
        chunk.split().freeze()
    })
}

/// [`Packer::pack`] undone.
fn unpack(body: &Body) -> FileFacts {
    crate::cache::decode_body(&decompress(body))
        .expect("stored facts decode")
        .0
}

/// A stored slot's facts decoded, with what the build changed done again
/// (`applied`) if it was stored as extracted; counted in `decodes`.
fn decode(slot: &Slot, applied: &Applied, decodes: &AtomicU64) -> FileFacts {
    let Slot::Stored {
        path,
        module,
        language,
        body,
        as_extracted,
        ..
    } = slot
    else {
        unreachable!("only a stored file is decoded")
    };
    decodes.fetch_add(1, Relaxed);
    let mut facts = unpack(body);
    facts.path = path.clone();
    facts.module = module.clone();
    facts.language = *language;
    if *as_extracted {
        applied.redo(&mut facts);
    }
    facts
}

/// About the heap a file's facts take decoded, from its counts and the
/// bytes an item of each kind took on average on the 10k corpus (`debug
/// memory`: a call with its arguments ~185, an assignment with its value
/// ~160, a function ~215); a string literal owns its text.
pub(crate) fn heap_estimate(f: &FileFacts) -> usize {
    256 + f.path.len()
        + f.module.len()
        + f.calls.len() * 185
        + f.assignments.len() * 160
        + f.strings.iter().map(|s| 48 + s.value.len()).sum::<usize>()
        + f.functions.len() * 215
        + f.classes.len() * 400
        + f.imports.len() * 45
        + f.returns.len() * 70
        + f.stores.len() * 140
        + f.conditions.len() * 90
        + f.config.len() * 120
        + f.ui_strings.len() * 80
        + f.comments.len() * 80
}

use super::Project;

impl Project {
    /// File `fi`'s facts, for `by`: one random read.
    #[inline]
    pub fn file(&self, fi: usize, by: Reader) -> FileRef<'_> {
        self.door.read(fi, by);
        self.files.get(fi, by)
    }

    /// Every file's facts for one loop of `by` over them all.
    #[inline]
    pub fn each_file(&self, by: Reader) -> Files<'_> {
        self.door.sweep(by);
        Files {
            facts: &self.files,
            by,
        }
    }

    /// How many files the project has.
    #[inline]
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// File `fi`'s path (summary: not counted).
    #[inline]
    pub fn path(&self, fi: usize) -> &str {
        self.files.path(fi)
    }

    /// File `fi`'s dotted module name (summary: not counted).
    #[inline]
    pub fn module(&self, fi: usize) -> &str {
        self.files.module(fi)
    }

    /// File `fi`'s language (summary: not counted).
    #[inline]
    pub fn language(&self, fi: usize) -> crate::facts::Language {
        self.files.language(fi)
    }

    /// Whether file `fi` kept any comment (summary: not counted). After
    /// extraction only comments that may be a suppression directive are
    /// kept (`engine::drop_plain_comments`).
    #[inline]
    pub fn has_comments(&self, fi: usize) -> bool {
        self.files.has_comments(fi)
    }

    /// Whether file `fi`'s facts are stored, so that a read may decode
    /// them (summary: not counted).
    #[inline]
    pub fn is_stored(&self, fi: usize) -> bool {
        self.files.is_stored(fi)
    }

    /// The index of the file at `path` (summary: not counted).
    pub fn file_index(&self, path: &str) -> Option<usize> {
        let n = self.files.len();
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.files.path(mid).cmp(path) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Times a stored file's facts were decoded so far (`--stats`).
    pub fn decodes(&self) -> u64 {
        self.files.decodes().iter().sum()
    }

    /// Bytes of the stored files' encoded facts (`--stats`).
    pub fn stored_bytes(&self) -> u64 {
        self.files.stored_bytes()
    }

    /// What each reader has read so far, for `--stats` and tests.
    pub fn reads(&self) -> Vec<ReadCounts> {
        self.door.counts(&self.files.decodes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_loops_reads_and_files_per_reader() {
        let door = Door::with_reads(130, true);
        door.sweep(Reader::CallGraph);
        door.sweep(Reader::CallGraph);
        for fi in [0, 129, 129, 64, 0] {
            door.read(fi, Reader::TaintTrails);
        }
        door.read(5, Reader::Names);
        let mut decodes = [0; Reader::ALL.len()];
        decodes[Reader::TaintTrails as usize] = 2;
        decodes[Reader::Report as usize] = 1;
        let line = |reader, loops, reads, files, decodes| ReadCounts {
            reader,
            loops,
            reads,
            files,
            decodes,
        };
        assert_eq!(
            door.counts(&decodes),
            [
                line(Reader::Names, 0, 1, 1, 0),
                line(Reader::CallGraph, 2, 0, 0, 0),
                line(Reader::TaintTrails, 0, 5, 3, 2),
                line(Reader::Report, 0, 0, 0, 1),
            ]
        );
    }

    #[test]
    fn random_reads_are_counted_only_when_asked() {
        let door = Door::with_reads(4, false);
        door.sweep(Reader::Labels);
        door.read(3, Reader::Labels);
        assert_eq!(
            door.counts(&[0; Reader::ALL.len()]),
            [ReadCounts {
                reader: Reader::Labels,
                loops: 1,
                reads: 0,
                files: 0,
                decodes: 0,
            }]
        );
    }

    #[test]
    fn every_reader_listed_once_with_its_own_name() {
        for (i, r) in Reader::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
        let names: std::collections::BTreeSet<_> = Reader::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), Reader::ALL.len());
    }

    /// Each decoding is counted for the reader whose read found no decoded
    /// copy kept, loops and random reads alike; a read served by another
    /// reader's copy decodes nothing.
    #[test]
    fn decodings_are_counted_for_the_reader_that_missed() {
        let packer = Packer::default();
        let mut project = Project::build(
            extracted()
                .into_iter()
                .map(|f| Input::of(f, Some(&packer)))
                .collect(),
        );
        project.store_every_file();
        let decoded = |project: &Project, by| {
            project
                .reads()
                .iter()
                .find(|r| r.reader == by)
                .map_or(0, |r| r.decodes)
        };
        let before = project.decodes();
        let app = project.file_index("svc/api/app.py").unwrap();
        let helpers = project.file_index("svc/api/helpers.py").unwrap();
        let first = project.file(app, Reader::Hops);
        assert_eq!(first.calls.len(), 2);
        drop(first);
        project.file(app, Reader::Labels);
        project.each_file(Reader::Report).get(helpers);
        assert_eq!(decoded(&project, Reader::Hops), 1);
        assert_eq!(decoded(&project, Reader::Labels), 0);
        assert_eq!(decoded(&project, Reader::Report), 1);
        assert_eq!(project.decodes(), before + 2);
        let by_reader: u64 = project.reads().iter().map(|r| r.decodes).sum();
        assert_eq!(by_reader, project.decodes());
    }

    /// Bodies follow one another in their thread's chunk, sharing it; a
    /// body that does not fit starts a new chunk, a large one gets its own
    /// allocation and leaves the chunk to the next; each reads back as
    /// written.
    #[test]
    fn bodies_share_chunks_and_read_back() {
        let body = |n: usize, fill: u8| vec![fill; n];
        std::thread::spawn(move || {
            let first = in_chunk(&body(1000, 1));
            let second = in_chunk(&body(3000, 2));
            assert_eq!(second.as_ptr(), first.as_ptr().wrapping_add(first.len()));
            let large = in_chunk(&body(CHUNK_BYTES / 4, 3));
            let third = in_chunk(&body(10, 4));
            assert_eq!(third.as_ptr(), second.as_ptr().wrapping_add(second.len()));
            let in_first_chunk = |b: &Bytes| {
                let start = first.as_ptr() as usize;
                (start..start + CHUNK_BYTES).contains(&(b.as_ptr() as usize))
            };
            assert!(!in_first_chunk(&large));
            // Filled to its last 8 to 15 bytes, then one that does not fit.
            let filler = (CHUNK_BYTES - 4010) / 8 - 1;
            let rest: Vec<Bytes> = (0..8).map(|_| in_chunk(&body(filler, 5))).collect();
            let next = in_chunk(&body(CHUNK_BYTES / 8, 6));
            assert!(rest.iter().all(in_first_chunk) && !in_first_chunk(&next));
            drop(rest);
            assert_eq!(*first, body(1000, 1));
            assert_eq!(*second, body(3000, 2));
            assert_eq!(*large, body(CHUNK_BYTES / 4, 3));
            assert_eq!(*third, body(10, 4));
            assert_eq!(*next, body(CHUNK_BYTES / 8, 6));
        })
        .join()
        .unwrap();
    }

    /// Many files stored at once on the thread pool with one packer: the
    /// first [`SAMPLES`] train a dictionary, the ones stored after it are
    /// compressed with it and smaller, and every body, with or without
    /// it, decodes to the facts stored.
    #[test]
    fn many_files_across_threads_train_a_dictionary_and_read_back() {
        let sources: Vec<(String, String)> = (0..SAMPLES * 3)
            .map(|i| {
                let path = format!("svc{}/api/handlers_{i}.py", i % 7);
                let text = format!(
                    "import helpers_{m}\nfrom llm import client\n\ndef answer_{i}(question, user_id):\n    prompt = helpers_{m}.make_prompt(question, user={i})\n    reply = client.chat.completions.create(model='gpt-{m}', messages=[{{'role': 'user', 'content': prompt}}])\n    return reply.choices[0].message.content\n\nclass Handler{i}:\n    def run(self, q):\n        return answer_{i}(q, {i})\n",
                    m = i % 13
                );
                (path, text)
            })
            .collect();
        let options = crate::lang::ExtractOptions {
            passthrough: &[],
            ui: crate::lang::UiFilter::All,
        };
        let facts: Vec<FileFacts> = sources
            .iter()
            .map(|(path, text)| {
                let frontend = crate::lang::for_path(std::path::Path::new(path)).unwrap();
                frontend.extract(path, text, &options).0
            })
            .collect();
        let packer = Packer::default();
        let stored: Vec<Stored> = facts
            .par_iter()
            .map(|f| match Input::of(f.clone(), Some(&packer)) {
                Input::Stored(s) => s,
                Input::Kept(_) => panic!("a Python file is stored"),
            })
            .collect();
        // Trained by the worker that took the last sample, before its
        // store returned; the others stored on without it meanwhile.
        assert!(packer.dictionary().is_some());
        let plain = stored.iter().filter(|s| s.body.dictionary.is_none());
        assert!(plain.count() >= SAMPLES);
        for (f, s) in facts.iter().zip(&stored) {
            let mut back = unpack(&s.body);
            back.path = s.path.clone();
            back.module = s.module.clone();
            assert_eq!(format!("{back:?}"), format!("{f:?}"));
        }
        // The same facts compressed with and without the dictionary.
        let size = |s: &Stored, dictionary| {
            let mut f = unpack(&s.body);
            let encoded = crate::cache::encode_body(&mut f, &[]).unwrap();
            compress(&encoded, dictionary).bytes.len()
        };
        let dictionary = packer.dictionary().cloned();
        let (plain, packed): (usize, usize) = stored
            .iter()
            .map(|s| (size(s, None), size(s, dictionary.clone())))
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        assert!(packed * 10 < plain * 8, "{packed} against {plain}");
        // The files a frontend's project-wide step reads, kept through the
        // build, are stored after it with the same dictionary.
        let mut all: Vec<FileFacts> = extracted().into_iter().chain(facts).collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        let mut project = Project::build(
            all.iter()
                .map(|f| Input::of(f.clone(), Some(&packer)))
                .collect(),
        );
        let kept = Project::build(all.into_iter().map(|f| Input::Kept(Box::new(f))).collect());
        project.store_every_file();
        for path in ["gw/src/lib.rs", "svc3/api/handlers_10.py"] {
            let fi = project.file_index(path).unwrap();
            assert!(matches!(
                &project.files.slots[fi],
                Slot::Stored { body, .. } if body.dictionary.is_some()
            ));
        }
        assert_eq!(shown(&project), shown(&kept));
    }

    /// A small project's facts, as the frontends extract them.
    fn extracted() -> Vec<FileFacts> {
        let files = [
            (
                "svc/api/app.py",
                "import helpers\nfrom llm import client\n\ndef answer(q):\n    helpers.make(q)\n    return client.chat.completions.create(model='m', messages=[q])\n",
            ),
            ("svc/api/helpers.py", "def make(q):\n    return q\n"),
            (
                "svc/api/llm.py",
                "from openai import OpenAI\nclient = OpenAI()\n",
            ),
            ("gw/Cargo.toml", "[package]\nname = \"gateway\"\n"),
            (
                "gw/src/lib.rs",
                "mod chat;\npub fn run() { chat::send(); }\n",
            ),
            ("gw/src/chat.rs", "pub fn send() {}\n"),
        ];
        let options = crate::lang::ExtractOptions {
            passthrough: &[],
            ui: crate::lang::UiFilter::All,
        };
        files
            .iter()
            .map(|(path, text)| {
                let frontend = crate::lang::for_path(std::path::Path::new(path)).unwrap();
                frontend.extract(path, text, &options).0
            })
            .collect()
    }

    fn shown(project: &Project) -> Vec<String> {
        (0..project.file_count())
            .map(|fi| format!("{:?}", *project.file(fi, Reader::Index)))
            .collect()
    }

    /// The project built with every file kept.
    fn kept_build() -> Project {
        Project::build(
            extracted()
                .into_iter()
                .map(|f| Input::Kept(Box::new(f)))
                .collect(),
        )
    }

    /// The paths of the inputs still decoded.
    fn held(inputs: &[Input]) -> Vec<&str> {
        inputs
            .iter()
            .filter(|i| matches!(i, Input::Kept(_)))
            .map(|i| i.path())
            .collect()
    }

    /// Kept at extraction, then stored before the build (`facts-memory`
    /// passed): as if stored at extraction, the files a frontend's
    /// project-wide step reads still decoded.
    #[test]
    fn kept_input_stored_later_reads_as_kept() {
        let kept = kept_build();
        let packer = Packer::default();
        let inputs: Vec<Input> = extracted()
            .into_iter()
            .map(|f| Input::of(f, None).into_stored(&packer))
            .collect();
        assert_eq!(
            held(&inputs),
            ["gw/Cargo.toml", "gw/src/lib.rs", "gw/src/chat.rs"]
        );
        let stored = Project::build(inputs);
        assert_eq!(shown(&stored), shown(&kept));
    }

    /// Files stored as extracted decode, with the build's plan and rewrites
    /// done again, to the facts the kept build holds; the files a frontend's
    /// project-wide step reads stay decoded for it; storing those too
    /// after the build changes nothing read.
    #[test]
    fn stored_at_extraction_reads_as_kept() {
        let kept = kept_build();
        let packer = Packer::default();
        let inputs: Vec<Input> = extracted()
            .into_iter()
            .map(|f| Input::of(f, Some(&packer)))
            .collect();
        assert_eq!(
            held(&inputs),
            ["gw/Cargo.toml", "gw/src/lib.rs", "gw/src/chat.rs"]
        );
        let mut stored = Project::build(inputs);
        let app = stored.file_index("svc/api/app.py").unwrap();
        let applied = &stored.applied()[app];
        assert!(!applied.plan.is_empty() && !applied.rewrites.is_empty());
        assert_eq!(
            stored.module(stored.file_index("gw/src/chat.rs").unwrap()),
            "gateway.chat"
        );
        assert_eq!(shown(&stored), shown(&kept));
        assert_eq!(stored.store_every_file(), stored.file_count());
        assert_eq!(shown(&stored), shown(&kept));
    }
}

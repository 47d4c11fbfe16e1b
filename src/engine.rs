//! The scan pipeline: walk → read → parse+extract (parallel) → index →
//! rules → filter → sorted result. Reporters only see `ScanResult`. With
//! the cache on, every file is read and hashed first, and an unchanged
//! tree under unchanged settings takes its result from the result cache.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::Project;
use crate::analysis::door::{Input, Packer};
use crate::analysis::results::Analysis;
use crate::cache::{self, Digested, EntryKey, FactsCache, ResultEntry};
use crate::catalog::{Catalog, CatalogData, CatalogError};
use crate::config::Settings;
use crate::facts::FileFacts;
use crate::finding::{Level, Notification, ResultCache};
use crate::lang;
use crate::memory::Phase;
use crate::rules::{self, Context, Rule};
use crate::source;
use crate::suppress;
use crate::walk::{self, SourcePath, Walked};

pub use crate::finding::{ScanResult, Stats};

/// Outcome of reading one file before parsing.
pub enum ReadOutcome {
    Text(String),
    Skipped(Notification),
}

/// Read a file, turning every problem into a notification that names it:
/// `io-error` (unreadable, not a regular file), `file-too-large`, and
/// whatever the file's frontend says of bytes it cannot read as text
/// (`binary-file`, `invalid-utf8`; Python: not valid in UTF-8 or the PEP 263
/// encoding the file declares, UTF-16, a NUL before the end). Line endings
/// are left alone (the frontends accept LF, CRLF and CR).
pub fn read_source(file: &SourcePath, max_size: u64) -> ReadOutcome {
    let skip = |kind: &str, message: String| {
        ReadOutcome::Skipped(Notification {
            level: Level::Warning,
            kind: kind.into(),
            message,
            path: Some(file.rel.clone()),
            span: None,
        })
    };
    let too_large = |len: u64| {
        skip(
            "file-too-large",
            format!("skipped: {len} bytes is over the limit of {max_size} bytes (max-file-size)"),
        )
    };
    let bytes = match source::read_bounded(&file.abs, max_size) {
        Ok(source::Read::Bytes(bytes)) => bytes,
        Ok(source::Read::NotAFile) => {
            return skip("io-error", "skipped: not a regular file".into());
        }
        Ok(source::Read::TooLarge(len)) => return too_large(len),
        Err(e) => return skip("io-error", format!("could not read: {e}")),
    };
    match lang::frontend(file.language).decode(bytes) {
        Ok(text) => ReadOutcome::Text(text),
        Err(e) => skip(e.kind, e.message),
    }
}

/// Parse and extract one file. A panic in a frontend becomes an
/// `internal-error` notification for that file: one bad file never stops
/// the scan.
pub fn extract_file(
    file: &SourcePath,
    max_size: u64,
    options: &lang::ExtractOptions<'_>,
) -> (Option<FileFacts>, Vec<Notification>) {
    match read_source(file, max_size) {
        ReadOutcome::Skipped(n) => (None, vec![n]),
        ReadOutcome::Text(text) => extract_text(file, &text, options),
    }
}

/// The facts of a file already read, with their digest: from `cache` when
/// its key is there, else extracted, comments that are no suppression
/// directive dropped (`drop_plain_comments`), and stored there. No digest
/// when the frontend failed on the file or its facts cannot be encoded.
fn extract_cached(
    file: &SourcePath,
    text: &str,
    key: &EntryKey,
    options: &lang::ExtractOptions<'_>,
    cache: &FactsCache,
    budget: &FactsBudget,
) -> Extracted {
    if let Some((facts, notes, digest)) = cache.get(key) {
        let lines = facts.line_count;
        return Extracted {
            digested: Some(Digested { digest, lines }),
            facts: Some(budget.input(facts)),
            notes,
        };
    }
    let (mut facts, notes) = extract_text(file, text, options);
    let digested = facts.as_mut().and_then(|f| {
        drop_plain_comments(f);
        let digest = cache.put(key, f, &notes)?;
        Some(Digested {
            digest,
            lines: f.line_count,
        })
    });
    Extracted {
        facts: facts.map(|f| budget.input(f)),
        notes,
        digested,
    }
}

/// One file's facts and notifications from the facts cache or the parser.
struct Extracted {
    facts: Option<Input>,
    notes: Vec<Notification>,
    digested: Option<Digested>,
}

/// Source bytes parsed at once across all workers. A parse costs far more
/// memory than the text (a flat 2 MB list: 430 MB), and every worker
/// parses one file, so memory grew with `--jobs` (16 jobs: 6.8 GB). With
/// this budget at most 4 MiB of source is being parsed at any time,
/// whatever the number of workers: two files at the default
/// `max-file-size`; a file larger than the budget is parsed alone.
pub const PARSE_BUDGET: u64 = 4 << 20;

/// A count of bytes in flight that callers wait on.
pub struct ByteBudget {
    limit: u64,
    state: Mutex<BudgetState>,
    freed: Condvar,
}

#[derive(Default)]
struct BudgetState {
    in_flight: u64,
    /// Most bytes ever in flight at once (for the tests).
    peak: u64,
    /// Callers waiting for bytes to be freed: a release wakes them only
    /// when there are some (a wake is a system call even with no waiter,
    /// one a file).
    waiting: usize,
}

impl ByteBudget {
    pub const fn new(limit: u64) -> ByteBudget {
        ByteBudget {
            limit,
            state: Mutex::new(BudgetState {
                in_flight: 0,
                peak: 0,
                waiting: 0,
            }),
            freed: Condvar::new(),
        }
    }

    /// Wait until `bytes` fit (or nothing else is in flight: a large file
    /// goes alone), then hold them until the permit is dropped.
    pub fn acquire(&self, bytes: u64) -> BudgetPermit<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.in_flight > 0 && state.in_flight.saturating_add(bytes) > self.limit {
            state.waiting += 1;
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
            state.waiting -= 1;
        }
        state.in_flight += bytes;
        state.peak = state.peak.max(state.in_flight);
        BudgetPermit {
            budget: self,
            bytes,
        }
    }

    /// Most bytes that were ever in flight at once.
    pub fn peak(&self) -> u64 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).peak
    }
}

/// Bytes held from a `ByteBudget`, given back on drop.
pub struct BudgetPermit<'a> {
    budget: &'a ByteBudget,
    bytes: u64,
}

impl Drop for BudgetPermit<'_> {
    fn drop(&mut self) {
        let mut state = self.budget.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight -= self.bytes;
        let waiting = state.waiting > 0;
        drop(state);
        if waiting {
            self.budget.freed.notify_all();
        }
    }
}

/// Set once tree-sitter allocates with jemalloc (`parsers_use_jemalloc`).
#[cfg(all(unix, not(target_env = "musl")))]
static PARSERS_ON_JEMALLOC: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Make tree-sitter's C code allocate with jemalloc, the allocator the
/// binary already uses for Rust. With the C library's `malloc` a parse's
/// cost depended on the state of glibc's heap, which the rest of the scan
/// shapes: the same tree-sitter code parsing the same 2,089 diffusers files
/// cost from 32.4 G to 33.2 G instructions from one build to the next, the
/// difference all inside `malloc` and `free`. jemalloc's small allocations
/// are cheaper and do not vary that way (docs/performance.md, 2026-12-05).
///
/// # Safety
/// Call it once, at the start of `main`, before any tree-sitter object
/// exists: a tree allocated by one allocator must not be freed by the other.
#[cfg(all(unix, not(target_env = "musl")))]
pub unsafe fn parsers_use_jemalloc() {
    use tikv_jemalloc_sys as je;
    // SAFETY: the four functions are jemalloc's own family, return
    // malloc-aligned memory and are thread-safe; the caller guarantees that
    // no tree-sitter object exists yet.
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: je::malloc,
            calloc: je::calloc,
            realloc: je::realloc,
            free: je::free,
        }));
    }
    PARSERS_ON_JEMALLOC.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// After a large parse, give the parser's freed memory back to the system.
/// A parse's memory stays with the allocator after it is freed: glibc keeps
/// what a thread frees in that thread's arena, jemalloc in the arena the
/// thread uses until its pages decay, so every worker that once parsed a
/// large file kept its peak and memory still grew with `--jobs` under the
/// budget (8 flat 2 MB lists at -j8: 3.4 GB, 0.9 GB with one arena). Purging
/// returns the free pages of every arena: `malloc_trim` for glibc, the
/// `arena.<all>.purge` control for jemalloc.
fn release_parser_memory(text_len: usize) {
    /// Parses of smaller files free too little to be worth a trim.
    const TRIM_AFTER: usize = 256 << 10;
    if text_len < TRIM_AFTER {
        return;
    }
    #[cfg(all(unix, not(target_env = "musl")))]
    if PARSERS_ON_JEMALLOC.load(std::sync::atomic::Ordering::Relaxed) {
        purge_jemalloc();
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes no pointers and may be called
        // from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Return the free pages of every jemalloc arena; 0 when done.
#[cfg(all(unix, not(target_env = "musl")))]
fn purge_jemalloc() -> std::ffi::c_int {
    // 4096 is MALLCTL_ARENAS_ALL.
    const PURGE_ALL: &[u8] = b"arena.4096.purge\0";
    // SAFETY: a control that reads and writes nothing, named by a
    // NUL-terminated string.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            PURGE_ALL.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    }
}

/// The process-wide parse budget (`PARSE_BUDGET`).
pub fn parse_budget() -> &'static ByteBudget {
    static BUDGET: ByteBudget = ByteBudget::new(PARSE_BUDGET);
    &BUDGET
}

/// Run the frontend on one file's text, within the parse budget. A panic
/// becomes an `internal-error` notification for that file.
/// Worker time spent in the frontends (parse and extract), summed over
/// files and threads, for `--stats`.
static FRONTEND_NANOS: AtomicU64 = AtomicU64::new(0);

/// Parser and frontend worker time so far.
fn work_times() -> (Duration, Duration) {
    let frontend = Duration::from_nanos(FRONTEND_NANOS.load(Ordering::Relaxed));
    (lang::parse_time(), frontend)
}

/// Set `stats.parse_work`/`extract_work` from the worker times at the
/// phase's start.
fn split_work(stats: &mut Stats, start: (Duration, Duration)) {
    let (parse, frontend) = work_times();
    stats.parse_work = parse.saturating_sub(start.0);
    stats.extract_work = frontend
        .saturating_sub(start.1)
        .saturating_sub(stats.parse_work);
}

fn extract_text(
    file: &SourcePath,
    text: &str,
    options: &lang::ExtractOptions<'_>,
) -> (Option<FileFacts>, Vec<Notification>) {
    let permit = parse_budget().acquire(text.len() as u64);
    let frontend = lang::frontend(file.language);
    let t = Instant::now();
    let extracted = std::panic::catch_unwind(AssertUnwindSafe(|| {
        frontend.extract(&file.rel, text, options)
    }));
    FRONTEND_NANOS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    if frontend.parse_frees_much() {
        release_parser_memory(text.len());
    }
    drop(permit);
    match extracted {
        Ok((mut facts, notes)) => {
            facts.shrink();
            (Some(facts), notes)
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            let n = Notification {
                level: Level::Error,
                kind: "internal-error".into(),
                message: format!(
                    "skipped: synthlint failed on this file ({what}); please report it"
                ),
                path: Some(file.rel.clone()),
                span: None,
            };
            (None, vec![n])
        }
    }
}

/// Walk, read and extract every file in parallel, then index the project.
pub fn load(
    paths: &[PathBuf],
    settings: &Settings,
    catalog: &Catalog,
) -> (Project, Vec<Notification>, Stats) {
    let options = extract_options(
        settings,
        &catalog.passthrough_methods,
        &catalog.service.shown_terms,
        false,
    );
    load_walked(walk::walk(paths, settings), settings, &options)
}

/// A walk's files and notifications, and the scan's stats with its time.
fn unpack(walked: Walked) -> (Vec<SourcePath>, Vec<Notification>, Stats) {
    let stats = Stats {
        walk: walked.took,
        ..Stats::default()
    };
    (walked.files, walked.notifications, stats)
}

/// [`load`] of the files a walk found, extracted with `options`.
fn load_walked(
    walked: Walked,
    settings: &Settings,
    options: &lang::ExtractOptions<'_>,
) -> (Project, Vec<Notification>, Stats) {
    let (files, mut notifications, mut stats) = unpack(walked);

    let t = Instant::now();
    let work = work_times();
    let sizes: Vec<Option<u64>> = files
        .par_iter()
        .map(|f| std::fs::metadata(&f.abs).ok().map(|m| m.len()))
        .collect();
    let budget = FactsBudget::new(settings.facts_memory);
    let extracted = largest_first(&sizes, |i| {
        let (facts, notes) = extract_file(&files[i], settings.max_file_size, options);
        let facts = facts.map(|mut f| {
            drop_plain_comments(&mut f);
            budget.input(f)
        });
        (facts, notes)
    });
    let facts = gather(extracted, &mut notifications);
    stats.parse = t.elapsed();
    split_work(&mut stats, work);
    stats.bytes = sizes.iter().flatten().sum();
    index(facts, notifications, stats, budget.passed())
}

/// `work(i)` for every item `i` of `sizes` on every thread of the pool,
/// the largest items first; the results in index order. With rayon's
/// split of the list in path order, a thread ran its range file after file
/// and the last range (or a large file late in it) ran alone at the end of
/// the parse (0.2 s of one core on the 10k corpus); largest first, one item
/// at a time, what runs alone at the end is a small file. Unknown sizes
/// count as 0.
fn largest_first<R: Send>(sizes: &[Option<u64>], work: impl Fn(usize) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::AtomicUsize;
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(sizes[i].unwrap_or(0)), i));
    let next = AtomicUsize::new(0);
    let per_thread: Vec<Vec<(usize, R)>> = rayon::broadcast(|_| {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, work(i)));
        }
        done
    });
    let mut all: Vec<(usize, R)> = per_thread.into_iter().flatten().collect();
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// The facts of the files that have them, in walk order; every
/// notification into `notifications`.
fn gather(
    extracted: Vec<(Option<Input>, Vec<Notification>)>,
    notifications: &mut Vec<Notification>,
) -> Vec<Input> {
    let mut facts = Vec::with_capacity(extracted.len());
    for (f, notes) in extracted {
        notifications.extend(notes);
        facts.extend(f);
    }
    facts
}

/// The parsed facts kept in memory against `facts-memory` (issue 19,
/// target 3). While the facts extracted so far fit, each file's are kept
/// as they are; once they pass it, each further file's are stored encoded
/// as it is extracted (`door::Input`), the files kept until then before
/// the build (`Input::into_stored`), and after it the few a frontend's
/// project-wide step read ([`Project::store_every_file`]). Whether the limit is passed
/// depends only on the files (the sum of every file's estimate), so which
/// files end up stored never depends on the threads' timing; only the
/// memory held while extracting does.
struct FactsBudget {
    limit: u64,
    /// Estimated heap of the facts extracted so far.
    used: AtomicU64,
    /// What stores them past the limit (with the scan's zstd dictionary).
    packer: Packer,
}

impl FactsBudget {
    fn new(limit: u64) -> FactsBudget {
        FactsBudget {
            limit,
            used: AtomicU64::new(0),
            packer: Packer::default(),
        }
    }

    /// A file's facts as the project takes them: kept, or stored once the
    /// facts extracted so far, these included, pass the limit.
    fn input(&self, facts: FileFacts) -> Input {
        let bytes = crate::analysis::door::heap_estimate(&facts) as u64;
        let before = self.used.fetch_add(bytes, Ordering::Relaxed);
        Input::of(facts, (before + bytes > self.limit).then_some(&self.packer))
    }

    /// What stores the facts, if every file's facts together passed the
    /// limit.
    fn passed(&self) -> Option<&Packer> {
        (self.used.load(Ordering::Relaxed) > self.limit).then_some(&self.packer)
    }
}

/// After extraction, comments are read only for suppression directives
/// (`suppress`); the others (a `String` each) go. The facts cache stores
/// facts without them too, so that rewording a comment in place leaves a
/// file's facts digest as it was.
fn drop_plain_comments(f: &mut FileFacts) {
    f.comments.retain(|c| suppress::inline::parse(c).is_some());
    f.comments.shrink_to_fit();
}

/// [`largest_first`] over owned items: `work(i, item)` for each, the
/// largest (by `size`) first, the results in `items`' order. Each item is
/// moved into its `work` (a text is dropped as soon as its facts are out).
fn largest_first_owned<T: Send, R: Send>(
    items: Vec<T>,
    size: impl Fn(&T) -> Option<u64>,
    work: impl Fn(usize, T) -> R + Sync,
) -> Vec<R> {
    let sizes: Vec<Option<u64>> = items.iter().map(size).collect();
    let cells: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    largest_first(&sizes, |i| {
        let item = cells[i].lock().unwrap_or_else(|e| e.into_inner()).take();
        work(i, item.expect("each item is handed out once"))
    })
}

/// Line and file counts, then the project index; notifications sorted.
fn index(
    facts: Vec<Input>,
    mut notifications: Vec<Notification>,
    mut stats: Stats,
    store: Option<&Packer>,
) -> (Project, Vec<Notification>, Stats) {
    stats.files = facts.len();
    stats.lines = facts.iter().map(|f| f.line_count() as u64).sum();
    let t = Instant::now();
    // Past the limit, the files kept before it was passed are stored now:
    // the build would hold them all at its peak (50k corpus: 1,056 MiB in
    // the index with them kept).
    let facts = match store {
        Some(packer) => facts
            .into_par_iter()
            .map(|f| f.into_stored(packer))
            .collect(),
        None => facts,
    };
    stats.memory.end(Phase::Parse);
    crate::memory::mark(|| "build: start".into());
    let mut project = Project::build(facts);
    stats.stored_files = if store.is_some() {
        project.store_every_file()
    } else {
        0
    };
    crate::memory::mark(|| "build: every file stored".into());
    stats.stored_bytes = project.stored_bytes();
    stats.index = t.elapsed();
    stats.memory.end(Phase::Index);
    notifications.sort();
    (project, notifications, stats)
}

/// Bytes on disk of the walked files, for `--stats`.
fn total_bytes(files: &[SourcePath]) -> u64 {
    files
        .par_iter()
        .filter_map(|f| std::fs::metadata(&f.abs).ok())
        .map(|m| m.len())
        .sum()
}

pub fn scan(paths: &[PathBuf], settings: &Settings) -> Result<ScanResult, CatalogError> {
    scan_cached(paths, settings, None)
}

/// `scan` with the caches in `cache_dir` (`None`: no cache). A cache that
/// cannot be opened is reported on standard error and left out.
pub fn scan_cached(
    paths: &[PathBuf],
    settings: &Settings,
    cache_dir: Option<&Path>,
) -> Result<ScanResult, CatalogError> {
    scan_walked(paths, settings, cache_dir, None)
}

/// [`scan_cached`], with the walk of `paths` under `settings` when it is
/// done already (`check` walks first, for nested configs: walking again
/// cost a second pass of directory reads).
pub fn scan_walked(
    paths: &[PathBuf],
    settings: &Settings,
    cache_dir: Option<&Path>,
    walked: Option<Walked>,
) -> Result<ScanResult, CatalogError> {
    let data = CatalogData::with_builtin(&settings.catalog)?;
    let Some(dir) = cache_dir else {
        return scan_uncached(paths, settings, data, walked);
    };
    let catalog = Catalog::build(data)?;
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let cache = FactsCache::open(&dir, &settings.root, &cache_material(&catalog))
        .map_err(|e| {
            eprintln!(
                "warning: facts cache disabled: cannot use {}: {e}",
                dir.display()
            )
        })
        .ok();
    let sampler = crate::memory::Sampler::start();
    let walked = walked.unwrap_or_else(|| walk::walk(paths, settings));
    let mut result = match cache {
        Some(cache) => scan_with_cache(walked, settings, &catalog, &cache),
        None => {
            let options = extract_options(
                settings,
                &catalog.passthrough_methods,
                &catalog.service.shown_terms,
                false,
            );
            let (project, notifications, stats) = load_walked(walked, settings, &options);
            analyse(project, notifications, stats, settings, &catalog, None)
        }
    };
    result.stats.memory.peak = sampler.and_then(crate::memory::Sampler::stop);
    Ok(result)
}

/// A scan without the caches. Extraction reads only the passthrough
/// methods and the shown terms, made from the catalogue's data: the rest
/// of the catalogue is built beside it. On a pool of one thread the build
/// runs first (no second busy thread); on more, one thread builds while
/// the others read and parse, then joins them.
fn scan_uncached(
    paths: &[PathBuf],
    settings: &Settings,
    data: CatalogData,
    walked: Option<Walked>,
) -> Result<ScanResult, CatalogError> {
    let sampler = crate::memory::Sampler::start();
    let walked = walked.unwrap_or_else(|| walk::walk(paths, settings));
    let passthrough = data.passthrough_methods.clone();
    let shown_terms = crate::catalog::service::shown_terms(&data.service);
    let options = extract_options(settings, &passthrough, &shown_terms, false);
    let (catalog, (project, notifications, stats)) = rayon::join(
        || Catalog::build(data),
        || load_walked(walked, settings, &options),
    );
    let catalog = catalog?;
    let mut result = analyse(project, notifications, stats, settings, &catalog, None);
    result.stats.memory.peak = sampler.and_then(crate::memory::Sampler::stop);
    Ok(result)
}

/// A scan with the caches. Every file is read and hashed (in parallel,
/// nothing parsed); when the result of this very set of files and texts
/// under these settings is stored, that is the result. Otherwise the
/// files whose facts digest the digest index does not know (the changed
/// ones) get their facts from the facts cache or the parser, and when the
/// result of this very set of facts is stored (the early cutoff: the
/// changes moved no fact), that is the result. Otherwise the other files'
/// facts are loaded, the index and rules run, and the result is stored
/// under both keys for next time.
fn scan_with_cache(
    walked: Walked,
    settings: &Settings,
    catalog: &Catalog,
    cache: &FactsCache,
) -> ScanResult {
    let (files, mut notifications, mut stats) = unpack(walked);

    let t = Instant::now();
    let work = work_times();
    let read: Vec<Result<(String, EntryKey), Notification>> = files
        .par_iter()
        .map(|f| match read_source(f, settings.max_file_size) {
            ReadOutcome::Text(text) => {
                let key = FactsCache::key(&f.rel, &text);
                Ok((text, key))
            }
            ReadOutcome::Skipped(n) => Err(n),
        })
        .collect();
    // What both keys hold besides the files: the settings, and the
    // notifications of the walk and of the files that were not read.
    let material = settings.result_key_material().map(|material| {
        let mut notes = notifications.clone();
        notes.extend(read.iter().filter_map(|r| r.as_ref().err().cloned()));
        notes.sort();
        (material, notes)
    });
    let result_key = material.as_ref().and_then(|(material, notes)| {
        let mut keys: Vec<(&str, EntryKey)> = files
            .iter()
            .zip(&read)
            .filter_map(|(f, r)| Some((f.rel.as_str(), r.as_ref().ok()?.1)))
            .collect();
        keys.sort_unstable();
        cache::result_key(material, &keys, notes)
    });
    let served = |entry: ResultEntry, lines: u64, by: ResultCache, stats: &mut Stats| {
        stats.parse = t.elapsed();
        stats.files = entry.files;
        stats.lines = lines;
        stats.bytes = total_bytes(&files);
        (stats.cache_hits, stats.cache_misses) = cache.counts();
        stats.result_cache = Some(by);
        ScanResult {
            root: settings.root.clone(),
            findings: entry.findings,
            notifications: entry.notifications,
            rules: rules::metas(&enabled_rules(settings)),
            stats: std::mem::take(stats),
        }
    };
    if let Some(entry) = result_key.as_ref().and_then(|k| cache.get_result(k)) {
        let lines = entry.lines;
        return served(entry, lines, ResultCache::Texts, &mut stats);
    }

    // The facts of files the digest index does not know are needed now;
    // the others' only when the facts key misses too. Each text is dropped
    // once its facts are out, as in `load`.
    let known = cache.get_digests();
    let budget = FactsBudget::new(settings.facts_memory);
    let options = extract_options(
        settings,
        &catalog.passthrough_methods,
        &catalog.service.shown_terms,
        true,
    );
    let to_extract = |r: &Result<(String, EntryKey), Notification>| match r {
        Ok((text, key)) if !known.contains_key(key) => Some(text.len() as u64),
        _ => None,
    };
    let slots: Vec<Slot> = largest_first_owned(read, to_extract, |i, r| match r {
        Ok((text, key)) => match known.get(&key) {
            Some(d) => Slot::Known(text, key, *d),
            None => Slot::Loaded(
                key,
                Box::new(extract_cached(
                    &files[i], &text, &key, &options, cache, &budget,
                )),
            ),
        },
        Err(n) => Slot::Skipped(n),
    });
    // Each analysed file's index in `files`, facts key and digest; `None`
    // when one has no digest (its frontend failed).
    let digests = |slots: &[Slot]| -> Option<Vec<(usize, EntryKey, Digested)>> {
        slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Known(_, key, d) => Some(Some((i, *key, *d))),
                Slot::Loaded(key, e) => Some(e.digested.map(|d| (i, *key, d))),
                Slot::Skipped(_) => None,
            })
            .collect()
    };
    let facts_key = |records: &[(usize, EntryKey, Digested)]| {
        let (material, notes) = material.as_ref()?;
        let mut keys: Vec<(&str, cache::FactsDigest)> = records
            .iter()
            .map(|(i, _, d)| (files[*i].rel.as_str(), d.digest))
            .collect();
        keys.sort_unstable();
        cache::facts_result_key(material, &keys, notes)
    };
    let before = digests(&slots);
    if let Some(records) = &before
        && let Some(fk) = facts_key(records)
        && let Some(entry) = cache.get_result(&fk)
    {
        let lines = records.iter().map(|(_, _, d)| d.lines as u64).sum();
        let entry = ResultEntry { lines, ..entry };
        // The texts' key serves the next run over these very texts: a
        // pointer to the result just served, with these texts' lines.
        if let Some(k) = &result_key {
            cache.put_pointer(k, &fk, lines);
        }
        update_digests(cache, &known, records);
        cache.finish(&live_keys(records));
        return served(entry, lines, ResultCache::Facts, &mut stats);
    }

    let known_text = |s: &Slot| match s {
        Slot::Known(text, ..) => Some(text.len() as u64),
        _ => None,
    };
    let slots: Vec<Slot> = largest_first_owned(slots, known_text, |i, s| match s {
        Slot::Known(text, key, _) => Slot::Loaded(
            key,
            Box::new(extract_cached(
                &files[i], &text, &key, &options, cache, &budget,
            )),
        ),
        loaded => loaded,
    });
    // The digests of the facts this run reads (the same as the index's,
    // unless an entry was pruned and extracted again).
    let after = digests(&slots);
    let facts_key = after.as_ref().and_then(|records| facts_key(records));
    let extracted = slots
        .into_iter()
        .map(|s| match s {
            Slot::Loaded(_, e) => (e.facts, e.notes),
            Slot::Skipped(n) => (None, vec![n]),
            Slot::Known(..) => unreachable!("every known file is loaded"),
        })
        .collect();
    // The new facts are in place before the index and rules run.
    cache.flush();
    let facts = gather(extracted, &mut notifications);
    stats.parse = t.elapsed();
    split_work(&mut stats, work);
    (stats.cache_hits, stats.cache_misses) = cache.counts();
    stats.result_cache = Some(ResultCache::Miss);
    stats.bytes = total_bytes(&files);
    let (project, notifications, stats) = index(facts, notifications, stats, budget.passed());
    // The per-file parts, keyed by each file's facts digest and what the
    // index did to its facts (`crate::parts`).
    let parts = material.as_ref().map(|(material, _)| {
        let digests: crate::analysis::FastMap<&str, cache::FactsDigest> = after
            .iter()
            .flatten()
            .map(|(i, _, d)| (files[*i].rel.as_str(), d.digest))
            .collect();
        crate::parts::Parts::load(cache, &project, &digests, material)
    });
    let result = analyse(
        project,
        notifications,
        stats,
        settings,
        catalog,
        parts.as_ref(),
    );
    if let Some(parts) = parts {
        parts.store(cache);
    }
    if let Some(records) = &after {
        update_digests(cache, &known, records);
    }
    let entry = ResultEntry {
        files: result.stats.files,
        lines: result.stats.lines,
        findings: result.findings,
        notifications: result.notifications,
    };
    let keys: Vec<&EntryKey> = [&result_key, &facts_key].into_iter().flatten().collect();
    cache.put_results(&keys, &entry);
    cache.finish(&after.as_deref().map(live_keys).unwrap_or_default());
    ScanResult {
        findings: entry.findings,
        notifications: entry.notifications,
        ..result
    }
}

/// A file's place in `scan_with_cache`.
enum Slot {
    /// Read; its facts digest is in the digest index, its facts not loaded.
    Known(String, EntryKey, Digested),
    /// Its facts (boxed: the other kinds are small).
    Loaded(EntryKey, Box<Extracted>),
    /// Not read: why.
    Skipped(Notification),
}

/// The facts keys of this run's files.
fn live_keys(records: &[(usize, EntryKey, Digested)]) -> Vec<EntryKey> {
    records.iter().map(|(_, k, _)| *k).collect()
}

/// Write the digest index for this run's files when it is not what was
/// loaded.
fn update_digests(
    cache: &FactsCache,
    known: &crate::analysis::FastMap<EntryKey, Digested>,
    records: &[(usize, EntryKey, Digested)],
) {
    if records.len() != known.len() || records.iter().any(|(_, k, d)| known.get(k) != Some(d)) {
        let mut records: Vec<(EntryKey, Digested)> =
            records.iter().map(|(_, k, d)| (*k, *d)).collect();
        cache.put_digests(&mut records);
    }
}

/// What extraction reads from the catalogue and the settings. Markup
/// strings are read by the service rules only, and those only ask whether
/// a string matches one of their terms: only the strings that match are
/// kept (and the first of each file, where a page-wide finding is
/// anchored), and none when no such rule runs and no facts cache is in use
/// (`cached`: cached facts serve every rule selection, so they keep the
/// matching strings whatever runs). Comments are always kept.
pub fn extract_options<'a>(
    settings: &Settings,
    passthrough: &'a [String],
    shown_terms: &'a crate::catalog::terms::TermSet,
    cached: bool,
) -> lang::ExtractOptions<'a> {
    let reads_markup = cached
        || enabled_rules(settings).iter().any(|r| {
            matches!(
                r.meta().category,
                crate::finding::Category::Service | crate::finding::Category::OptOut
            )
        });
    lang::ExtractOptions {
        passthrough,
        ui: if reads_markup {
            lang::UiFilter::Matching(shown_terms)
        } else {
            lang::UiFilter::Nothing
        },
    }
}

/// What keys the facts cache besides the build: whatever
/// [`extract_options`] passes to a frontend with a cache.
fn cache_material(catalog: &Catalog) -> Vec<String> {
    let mut key = catalog.passthrough_methods.clone();
    key.push("\0ui:matching".into());
    key.extend(catalog.service.shown_patterns.iter().cloned());
    key
}

/// The rules the settings enable, in code order.
fn enabled_rules(settings: &Settings) -> Vec<&'static dyn Rule> {
    rules::all()
        .into_iter()
        .filter(|r| settings.enabled_rules.contains(&r.meta().code))
        .collect()
}

/// The analysis, the rules and the suppressions over an indexed project.
fn analyse(
    project: Project,
    mut notifications: Vec<Notification>,
    mut stats: Stats,
    settings: &Settings,
    catalog: &Catalog,
    parts: Option<&crate::parts::Parts>,
) -> ScanResult {
    notifications
        .iter_mut()
        .for_each(crate::report::redact::notification);
    // Every file skipped: say so, rather than "no findings in 0 files".
    let skipped = notifications.iter().filter(|n| n.skipped_a_file()).count();
    if project.file_count() == 0 && skipped > 0 {
        notifications.push(Notification {
            level: Level::Warning,
            kind: "nothing-analysed".into(),
            message: format!(
                "no file could be analysed: all {skipped} Python files found were skipped"
            ),
            path: None,
            span: None,
        });
        notifications.sort();
    }
    let t = Instant::now();
    let analysis = Analysis::run_with_parts(&project, catalog, parts);
    stats.index += t.elapsed();
    stats.memory.end(Phase::Analysis);

    let t = Instant::now();
    let enabled = enabled_rules(settings);
    let cx = Context {
        project: &project,
        catalog,
        analysis: &analysis,
        shared: Default::default(),
        parts,
    };
    let mut findings = rules::run(&enabled, &cx);
    stats.rules = t.elapsed();
    stats.parts = parts.map(crate::parts::Parts::counts);
    stats.evidence_parts = parts.map(crate::parts::Parts::evidence_counts);
    stats.site_parts = parts.map(crate::parts::Parts::site_counts);
    stats.memory.end(Phase::Rules);
    stats.taint = analysis.dataflow.stats();
    stats.plugins = analysis.plugins.clone();
    stats.inferred = analysis.inferred;
    stats.hops = analysis.hop_stats.clone();
    stats.dispatch = analysis.graph.dispatch_stats;
    stats.runtime = project.runtime().stats.clone();
    if let Some(env) = project.env_if_built() {
        stats.env = crate::finding::EnvStats {
            variables: env.len(),
            references: env.references,
            unresolved: env.unresolved,
            cut: env.cut,
        };
    }

    let t = Instant::now();
    // Per finding, on the thread pool (tens of ms on one core for 30k
    // findings, mostly the redaction's patterns).
    findings.par_iter_mut().for_each(|f| {
        if let Some(level) = settings.level_overrides.get(f.rule) {
            f.level = *level;
        }
        f.bound();
        // Messages quote literals (a model id that looks like a key).
        crate::report::redact::finding(f);
    });
    suppress::apply(&project, settings, &mut findings);
    stats.reads = project.reads();
    stats.decodes = project.decodes();
    // A stable sort, as `sort_by` was: findings with equal keys keep their
    // order whatever the thread count.
    findings.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    stats.filter = t.elapsed();
    stats.memory.end(Phase::Filter);

    // Freeing every file's facts (millions of small allocations) takes a
    // noticeable share of a warm run, and nothing after this reads them.
    drop(analysis);
    std::thread::spawn(move || drop(project));

    ScanResult {
        root: settings.root.clone(),
        findings,
        notifications,
        rules: rules::metas(&enabled),
        stats,
    }
}

/// Walk, read and extract like `scan`, then build the project index without
/// running rules (`debug entrypoints`, analysis tests). Notifications sorted.
pub fn load_project(
    paths: &[PathBuf],
    settings: &Settings,
) -> Result<(Project, Catalog, Vec<Notification>), CatalogError> {
    let catalog = Catalog::load(&settings.catalog)?;
    let (project, notifications, _) = load(paths, settings, &catalog);
    Ok((project, catalog, notifications))
}

/// Absolute path of a repo-relative output path.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

#[cfg(test)]
mod tests {
    use super::largest_first;

    /// Items run largest first, each once, and come back in index order
    /// on any number of threads.
    #[test]
    fn largest_first_keeps_index_order() {
        let sizes: Vec<Option<u64>> = (0..200u64)
            .map(|i| (i % 7 != 3).then_some((i * 7919) % 101))
            .collect();
        let expected: Vec<usize> = (0..sizes.len()).map(|i| i * 3).collect();
        for threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let out = pool.install(|| largest_first(&sizes, |i| i * 3));
            assert_eq!(out, expected, "{threads} threads");
        }
        // On one thread the order of work is the order of sizes.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        pool.install(|| {
            largest_first(&sizes, |i| seen.lock().unwrap().push(i));
        });
        let seen = seen.into_inner().unwrap();
        let size = |i: usize| sizes[i].unwrap_or(0);
        assert!(seen.windows(2).all(|w| size(w[0]) >= size(w[1])));
    }

    /// The control that gives parser memory back exists under this name
    /// (a misspelt one fails silently at run time).
    #[cfg(all(unix, not(target_env = "musl")))]
    #[test]
    fn jemalloc_purge_control_exists() {
        assert_eq!(super::purge_jemalloc(), 0);
    }
}

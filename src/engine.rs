//! The scan pipeline: walk → read → parse+extract (parallel) → index →
//! rules → filter → sorted result. Reporters only see `ScanResult`. With
//! the cache on, every file is read and hashed first, and an unchanged
//! tree under unchanged settings takes its result from the result cache.

use std::io::Read;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::Project;
use crate::analysis::results::Analysis;
use crate::cache::{self, EntryKey, FactsCache, ResultEntry};
use crate::catalog::{Catalog, CatalogError};
use crate::config::Settings;
use crate::facts::FileFacts;
use crate::finding::{Finding, Level, Notification};
use crate::lang;
use crate::rules::{self, Context, Rule};
use crate::suppress;
use crate::walk::{self, SourcePath};

/// Time spent per phase, for `--stats`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub walk: Duration,
    pub parse: Duration,
    pub index: Duration,
    pub rules: Duration,
    pub filter: Duration,
    pub files: usize,
    pub bytes: u64,
    pub lines: u64,
    /// Files whose facts came from the cache, and files parsed with the cache on.
    pub cache_hits: usize,
    pub cache_misses: usize,
    /// With the cache on: whether the whole result came from the result
    /// cache (then nothing was parsed, indexed or checked).
    pub result_cache: Option<bool>,
    /// Per taint spec the rules ran: what it analysed and cut at its caps.
    pub taint: Vec<(String, crate::analysis::dataflow::TaintStats)>,
}

pub struct ScanResult {
    /// Directory that output paths are relative to.
    pub root: PathBuf,
    /// Every finding, suppressed ones included, sorted.
    pub findings: Vec<Finding>,
    /// Problems with the scan itself, sorted.
    pub notifications: Vec<Notification>,
    /// The rules that ran, in code order.
    pub rules: Vec<&'static dyn Rule>,
    pub stats: Stats,
}

impl ScanResult {
    /// Findings not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none())
    }

    /// Whether any active finding is at or above `level`.
    pub fn fails(&self, level: Level) -> bool {
        self.active().any(|f| f.level >= level)
    }
}

/// Outcome of reading one file before parsing.
pub enum ReadOutcome {
    Text(String),
    Skipped(Notification),
}

/// Read a file, turning every problem into a notification that names it:
/// `io-error` (unreadable, not a regular file), `file-too-large`, and
/// whatever the file's frontend says of bytes it cannot read as text
/// (`binary-file`, `invalid-utf8`). Line endings are left alone (the
/// frontends accept LF, CRLF and CR).
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
    let mut f = match std::fs::File::open(&file.abs) {
        Ok(f) => f,
        Err(e) => return skip("io-error", format!("could not read: {e}")),
    };
    let meta = match f.metadata() {
        Ok(m) => m,
        Err(e) => return skip("io-error", format!("could not read: {e}")),
    };
    // A FIFO or device would block or never end.
    if !meta.is_file() {
        return skip("io-error", "skipped: not a regular file".into());
    }
    if meta.len() > max_size {
        return too_large(meta.len());
    }
    // Never read more than the limit, even if the file grows meanwhile.
    let mut bytes = Vec::with_capacity(meta.len().min(max_size) as usize);
    if let Err(e) = (&mut f)
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        return skip("io-error", format!("could not read: {e}"));
    }
    if bytes.len() as u64 > max_size {
        return too_large(bytes.len() as u64);
    }
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
    catalog: &Catalog,
) -> (Option<FileFacts>, Vec<Notification>) {
    match read_source(file, max_size) {
        ReadOutcome::Skipped(n) => (None, vec![n]),
        ReadOutcome::Text(text) => extract_text(file, &text, catalog),
    }
}

/// The facts of a file already read: from `cache` when its key is there,
/// else extracted and stored there.
fn extract_cached(
    file: &SourcePath,
    text: &str,
    key: &EntryKey,
    catalog: &Catalog,
    cache: &FactsCache,
) -> (Option<FileFacts>, Vec<Notification>) {
    if let Some((facts, notes)) = cache.get(key) {
        return (Some(facts), notes);
    }
    let (facts, notes) = extract_text(file, text, catalog);
    if let Some(f) = &facts {
        cache.put(key, f, &notes);
    }
    (facts, notes)
}

/// Run the frontend on one file's text. A panic becomes an
/// `internal-error` notification for that file.
fn extract_text(
    file: &SourcePath,
    text: &str,
    catalog: &Catalog,
) -> (Option<FileFacts>, Vec<Notification>) {
    match std::panic::catch_unwind(AssertUnwindSafe(|| {
        let options = lang::ExtractOptions {
            passthrough: &catalog.passthrough_methods,
        };
        lang::frontend(file.language).extract(&file.rel, text, &options)
    })) {
        Ok((facts, notes)) => (Some(facts), notes),
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
    let mut stats = Stats::default();
    let t = Instant::now();
    let (files, mut notifications) = walk::collect(paths, settings);
    stats.walk = t.elapsed();

    let t = Instant::now();
    let extracted: Vec<_> = files
        .par_iter()
        .map(|f| extract_file(f, settings.max_file_size, catalog))
        .collect();
    let facts = gather(extracted, &mut notifications);
    stats.parse = t.elapsed();
    index(facts, notifications, &files, stats)
}

/// The facts of the files that have them, in walk order; every
/// notification into `notifications`.
fn gather(
    extracted: Vec<(Option<FileFacts>, Vec<Notification>)>,
    notifications: &mut Vec<Notification>,
) -> Vec<FileFacts> {
    let mut facts = Vec::with_capacity(extracted.len());
    for (f, notes) in extracted {
        notifications.extend(notes);
        if let Some(f) = f {
            facts.push(f);
        }
    }
    facts
}

/// Size statistics, then the project index; notifications sorted.
fn index(
    facts: Vec<FileFacts>,
    mut notifications: Vec<Notification>,
    files: &[SourcePath],
    mut stats: Stats,
) -> (Project, Vec<Notification>, Stats) {
    stats.files = facts.len();
    stats.lines = facts.iter().map(|f| f.line_count as u64).sum();
    stats.bytes = total_bytes(files);
    let t = Instant::now();
    let project = Project::new(facts);
    stats.index = t.elapsed();
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
    let catalog = Catalog::load(&settings.catalog)?;
    let cache = cache_dir.and_then(|dir| {
        FactsCache::open(dir, &catalog.passthrough_methods)
            .map_err(|e| {
                eprintln!(
                    "warning: facts cache disabled: cannot use {}: {e}",
                    dir.display()
                )
            })
            .ok()
    });
    Ok(match cache {
        Some(cache) => scan_with_cache(paths, settings, &catalog, &cache),
        None => {
            let (project, notifications, stats) = load(paths, settings, &catalog);
            analyse(project, notifications, stats, settings, &catalog)
        }
    })
}

/// A scan with the caches. Every file is read and hashed (in parallel,
/// nothing parsed); when the result of this very set of files and texts
/// under these settings is stored, that is the result. Otherwise the facts
/// come from the facts cache or the parser, the index and rules run, and
/// the result is stored for next time.
fn scan_with_cache(
    paths: &[PathBuf],
    settings: &Settings,
    catalog: &Catalog,
    cache: &FactsCache,
) -> ScanResult {
    let mut stats = Stats::default();
    let t = Instant::now();
    let (files, mut notifications) = walk::collect(paths, settings);
    stats.walk = t.elapsed();

    let t = Instant::now();
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
    let result_key = settings.result_key_material().and_then(|material| {
        let mut keys: Vec<(&str, EntryKey)> = files
            .iter()
            .zip(&read)
            .filter_map(|(f, r)| Some((f.rel.as_str(), r.as_ref().ok()?.1)))
            .collect();
        keys.sort_unstable();
        let mut notes = notifications.clone();
        notes.extend(read.iter().filter_map(|r| r.as_ref().err().cloned()));
        notes.sort();
        cache::result_key(&material, &keys, &notes)
    });
    if let Some(entry) = result_key.as_ref().and_then(|k| cache.get_result(k)) {
        stats.parse = t.elapsed();
        stats.files = entry.files;
        stats.lines = entry.lines;
        stats.bytes = total_bytes(&files);
        stats.result_cache = Some(true);
        return ScanResult {
            root: settings.root.clone(),
            findings: entry.findings,
            notifications: entry.notifications,
            rules: enabled_rules(settings),
            stats,
        };
    }

    // Each text is dropped once its facts are out, as in `load`.
    let extracted: Vec<_> = files
        .par_iter()
        .zip(read)
        .map(|(f, r)| match r {
            Ok((text, key)) => extract_cached(f, &text, &key, catalog, cache),
            Err(n) => (None, vec![n]),
        })
        .collect();
    let facts = gather(extracted, &mut notifications);
    stats.parse = t.elapsed();
    (stats.cache_hits, stats.cache_misses) = cache.counts();
    stats.result_cache = Some(false);
    let (project, notifications, stats) = index(facts, notifications, &files, stats);
    let result = analyse(project, notifications, stats, settings, catalog);
    let Some(key) = result_key else {
        cache.finish();
        return result;
    };
    let entry = ResultEntry {
        files: result.stats.files,
        lines: result.stats.lines,
        findings: result.findings,
        notifications: result.notifications,
    };
    cache.put_result(&key, &entry);
    cache.finish();
    ScanResult {
        findings: entry.findings,
        notifications: entry.notifications,
        ..result
    }
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
    notifications: Vec<Notification>,
    mut stats: Stats,
    settings: &Settings,
    catalog: &Catalog,
) -> ScanResult {
    let t = Instant::now();
    let analysis = Analysis::run(&project, catalog);
    stats.index += t.elapsed();

    let t = Instant::now();
    let enabled = enabled_rules(settings);
    let cx = Context {
        project: &project,
        catalog,
        analysis: &analysis,
    };
    let mut findings: Vec<Finding> = enabled
        .par_iter()
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check(&cx, &mut out);
            out
        })
        .collect();
    stats.rules = t.elapsed();
    stats.taint = analysis.dataflow.stats();

    let t = Instant::now();
    for f in &mut findings {
        if let Some(level) = settings.level_overrides.get(f.rule) {
            f.level = *level;
        }
    }
    suppress::apply(&project, settings, &mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    stats.filter = t.elapsed();

    // Freeing every file's facts (millions of small allocations) takes a
    // noticeable share of a warm run, and nothing after this reads them.
    drop(analysis);
    std::thread::spawn(move || drop(project));

    ScanResult {
        root: settings.root.clone(),
        findings,
        notifications,
        rules: enabled,
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

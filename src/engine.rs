//! The scan pipeline: walk → read → parse+extract (parallel) → index →
//! rules → filter → sorted result. Reporters only see `ScanResult`.

use std::io::Read;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::Project;
use crate::analysis::endpoints::Analysis;
use crate::cache::FactsCache;
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
/// `io-error` (unreadable, not a regular file), `file-too-large`,
/// `binary-file` (a NUL byte anywhere: Python source cannot contain one),
/// `invalid-utf8` (including UTF-16). A UTF-8 BOM is dropped; line endings
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
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return skip(
            "invalid-utf8",
            "skipped: UTF-16 text (byte order mark); only UTF-8 is supported".into(),
        );
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return skip(
            "binary-file",
            format!("skipped: looks like a binary file (NUL byte at offset {at})"),
        );
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            ReadOutcome::Text(text)
        }
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let declared = match declared_encoding(bytes) {
                Some(enc) => format!("; the file declares `coding: {enc}`"),
                None => String::new(),
            };
            skip(
                "invalid-utf8",
                format!(
                    "skipped: not valid UTF-8 at line {line}, byte {} of the line{declared}",
                    at - line_start + 1
                ),
            )
        }
    }
}

/// The PEP 263 encoding declaration (`# -*- coding: latin-1 -*-`) in the
/// first two lines, for the `invalid-utf8` message.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let t = line.trim_start();
        if !t.starts_with('#') {
            continue;
        }
        let Some(i) = t.find("coding") else { continue };
        let rest = &t[i + "coding".len()..];
        let Some(rest) = rest.strip_prefix([':', '=']) else {
            continue;
        };
        let enc: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if !enc.is_empty() {
            return Some(enc);
        }
    }
    None
}

/// Parse and extract one file. A panic in a frontend becomes an
/// `internal-error` notification for that file: one bad file never stops
/// the scan.
pub fn extract_file(
    file: &SourcePath,
    max_size: u64,
    catalog: &Catalog,
) -> (Option<FileFacts>, Vec<Notification>) {
    extract_file_cached(file, max_size, catalog, None)
}

/// `extract_file`, taking the facts from `cache` when the file's path and
/// text are there, and storing them there when not.
pub fn extract_file_cached(
    file: &SourcePath,
    max_size: u64,
    catalog: &Catalog,
    cache: Option<&FactsCache>,
) -> (Option<FileFacts>, Vec<Notification>) {
    match read_source(file, max_size) {
        ReadOutcome::Skipped(n) => (None, vec![n]),
        ReadOutcome::Text(text) => {
            let Some(cache) = cache else {
                return extract_text(file, &text, catalog);
            };
            let key = FactsCache::key(&file.rel, &text);
            if let Some((facts, notes)) = cache.get(&key) {
                return (Some(facts), notes);
            }
            let (facts, notes) = extract_text(file, &text, catalog);
            if let Some(f) = &facts {
                cache.put(&key, f, &notes);
            }
            (facts, notes)
        }
    }
}

/// Run the frontend on one file's text. A panic becomes an
/// `internal-error` notification for that file.
fn extract_text(
    file: &SourcePath,
    text: &str,
    catalog: &Catalog,
) -> (Option<FileFacts>, Vec<Notification>) {
    match std::panic::catch_unwind(AssertUnwindSafe(|| {
        lang::extract(file, text, &catalog.passthrough_methods)
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
    load_cached(paths, settings, catalog, None)
}

/// `load` with a facts cache.
pub fn load_cached(
    paths: &[PathBuf],
    settings: &Settings,
    catalog: &Catalog,
    cache: Option<&FactsCache>,
) -> (Project, Vec<Notification>, Stats) {
    let mut stats = Stats::default();

    let t = Instant::now();
    let (files, mut notifications) = walk::collect(paths, settings);
    stats.walk = t.elapsed();

    let t = Instant::now();
    let extracted: Vec<(Option<FileFacts>, Vec<Notification>)> = files
        .par_iter()
        .map(|f| extract_file_cached(f, settings.max_file_size, catalog, cache))
        .collect();
    let mut facts = Vec::with_capacity(extracted.len());
    for (f, notes) in extracted {
        notifications.extend(notes);
        if let Some(f) = f {
            facts.push(f);
        }
    }
    stats.parse = t.elapsed();
    stats.files = facts.len();
    stats.lines = facts.iter().map(|f| f.line_count as u64).sum();
    stats.bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.abs).ok())
        .map(|m| m.len())
        .sum();
    if let Some(c) = cache {
        (stats.cache_hits, stats.cache_misses) = c.counts();
        c.finish();
    }

    let t = Instant::now();
    let project = Project::new(facts);
    stats.index = t.elapsed();
    notifications.sort();
    (project, notifications, stats)
}

pub fn scan(paths: &[PathBuf], settings: &Settings) -> Result<ScanResult, CatalogError> {
    scan_cached(paths, settings, None)
}

/// `scan` with the facts cache in `cache_dir` (`None`: no cache). A cache
/// that cannot be opened is reported on standard error and left out.
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
    let (project, notifications, mut stats) =
        load_cached(paths, settings, &catalog, cache.as_ref());

    let t = Instant::now();
    let analysis = Analysis::run(&project, &catalog);
    stats.index += t.elapsed();

    let t = Instant::now();
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .into_iter()
        .filter(|r| settings.enabled_rules.contains(&r.meta().code))
        .collect();
    let cx = Context {
        project: &project,
        catalog: &catalog,
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

    Ok(ScanResult {
        root: settings.root.clone(),
        findings,
        notifications,
        rules: enabled,
        stats,
    })
}

/// Parse and extract every file, in parallel (the current rayon pool).
fn extract_all(
    files: &[SourcePath],
    settings: &Settings,
    catalog: &Catalog,
) -> (Vec<FileFacts>, Vec<Notification>) {
    let extracted: Vec<(Option<FileFacts>, Vec<Notification>)> = files
        .par_iter()
        .map(|f| extract_file(f, settings.max_file_size, catalog))
        .collect();
    let mut facts = Vec::with_capacity(extracted.len());
    let mut notifications = Vec::new();
    for (f, notes) in extracted {
        notifications.extend(notes);
        if let Some(f) = f {
            facts.push(f);
        }
    }
    (facts, notifications)
}

/// Walk, read and extract like `scan`, then build the project index without
/// running rules (`debug entrypoints`, analysis tests). Notifications sorted.
pub fn load_project(
    paths: &[PathBuf],
    settings: &Settings,
) -> Result<(Project, Catalog, Vec<Notification>), CatalogError> {
    let catalog = Catalog::load(&settings.catalog)?;
    let (files, mut notifications) = walk::collect(paths, settings);
    let (facts, notes) = extract_all(&files, settings, &catalog);
    notifications.extend(notes);
    notifications.sort();
    Ok((Project::new(facts), catalog, notifications))
}

/// Absolute path of a repo-relative output path.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

//! The scan pipeline: walk → read → parse+extract (parallel) → index →
//! rules → filter → sorted result. Reporters only see `ScanResult`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::Project;
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

/// Read a file, turning every problem into a notification.
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
    match std::fs::metadata(&file.abs) {
        Ok(m) if m.len() > max_size => {
            return skip(
                "file-too-large",
                format!(
                    "skipped: {} bytes is over the limit of {} bytes (max-file-size)",
                    m.len(),
                    max_size
                ),
            );
        }
        Ok(_) => {}
        Err(e) => return skip("io-error", format!("could not read: {e}")),
    }
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => return skip("io-error", format!("could not read: {e}")),
    };
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return skip(
            "binary-file",
            "skipped: looks like a binary file (NUL byte)".into(),
        );
    }
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    match String::from_utf8(bytes) {
        Ok(text) => ReadOutcome::Text(text),
        Err(e) => skip(
            "invalid-utf8",
            format!(
                "skipped: not valid UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ),
    }
}

/// Parse and extract one file.
pub fn extract_file(
    file: &SourcePath,
    max_size: u64,
    catalog: &Catalog,
) -> (Option<FileFacts>, Vec<Notification>) {
    match read_source(file, max_size) {
        ReadOutcome::Skipped(n) => (None, vec![n]),
        ReadOutcome::Text(text) => {
            let (facts, notes) = lang::extract(file, &text, &catalog.passthrough_methods);
            (Some(facts), notes)
        }
    }
}

pub fn scan(paths: &[PathBuf], settings: &Settings) -> Result<ScanResult, CatalogError> {
    let catalog = Catalog::load(&settings.catalog)?;
    let mut stats = Stats::default();

    let t = Instant::now();
    let (files, mut notifications) = walk::collect(paths, settings);
    stats.walk = t.elapsed();

    let t = Instant::now();
    let extracted: Vec<(Option<FileFacts>, Vec<Notification>)> = files
        .par_iter()
        .map(|f| extract_file(f, settings.max_file_size, &catalog))
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

    let t = Instant::now();
    let project = Project::new(facts);
    stats.index = t.elapsed();

    let t = Instant::now();
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .into_iter()
        .filter(|r| settings.enabled_rules.contains(&r.meta().code))
        .collect();
    let cx = Context {
        project: &project,
        catalog: &catalog,
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
    notifications.sort();
    stats.filter = t.elapsed();

    Ok(ScanResult {
        root: settings.root.clone(),
        findings,
        notifications,
        rules: enabled,
        stats,
    })
}

/// Absolute path of a repo-relative output path.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

//! Configuration: find the file, parse `Options`, validate them into `Settings`.

pub mod options;
pub mod settings;

use std::path::{Path, PathBuf};

pub use settings::Settings;

use crate::finding::Level;
use crate::rules;

/// What the command line says, which wins over the config file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub fail_on: Option<Level>,
    pub jobs: Option<usize>,
    pub root: Option<PathBuf>,
    pub no_inline_suppressions: bool,
}

/// Rule codes matching a code or category prefix (case-insensitive).
pub fn rules_matching(selector: &str) -> Vec<&'static str> {
    let sel = selector.trim().to_ascii_uppercase();
    rules::all()
        .into_iter()
        .map(|r| r.meta())
        .filter(|m| m.code.starts_with(&sel) || m.category.prefix() == sel || sel == "ALL")
        .map(|m| m.code)
        .collect()
}

/// The directory output paths are relative to: the enclosing git repository
/// of the first path, else the current directory when it contains the path,
/// else the path itself.
pub fn default_root(first: &Path) -> PathBuf {
    let abs = first.canonicalize().unwrap_or_else(|_| first.to_path_buf());
    let start = if abs.is_file() {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    } else {
        abs.clone()
    };
    for dir in start.ancestors() {
        if dir.join(".git").exists() {
            return dir.to_path_buf();
        }
    }
    if let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize())
        && start.starts_with(&cwd)
    {
        return cwd;
    }
    start
}

pub fn resolve(o: &Overrides) -> Result<Settings, miette::Report> {
    let first = o
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let root = match &o.root {
        Some(r) => r
            .canonicalize()
            .map_err(|e| miette::miette!("--root {}: {e}", r.display()))?,
        None => default_root(&first),
    };
    let mut enabled: Vec<&'static str> = if o.select.is_empty() {
        rules::all().iter().map(|r| r.meta().code).collect()
    } else {
        let mut v = Vec::new();
        for s in &o.select {
            let m = rules_matching(s);
            if m.is_empty() {
                miette::bail!("--select {s}: no rule code or category matches");
            }
            v.extend(m);
        }
        v
    };
    for s in &o.ignore {
        let m = rules_matching(s);
        if m.is_empty() {
            miette::bail!("--ignore {s}: no rule code or category matches");
        }
        enabled.retain(|c| !m.contains(c));
    }
    enabled.sort();
    enabled.dedup();
    let mut exclude = globset::GlobSetBuilder::new();
    for g in &o.exclude {
        exclude.add(globset::Glob::new(g).map_err(|e| miette::miette!("--exclude {g}: {e}"))?);
    }
    Ok(Settings {
        root,
        config_file: None,
        enabled_rules: enabled,
        per_path_ignores: Vec::new(),
        exclude: exclude.build().map_err(|e| miette::miette!("{e}"))?,
        max_file_size: settings::DEFAULT_MAX_FILE_SIZE,
        fail_on: o.fail_on.unwrap_or(Level::Note),
        level_overrides: Default::default(),
        require_suppression_reason: false,
        no_inline_suppressions: o.no_inline_suppressions,
        catalog: Default::default(),
        jobs: o.jobs,
    })
}

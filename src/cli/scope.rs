//! Narrowing a result to what a change introduced: `--changed` (the files
//! pre-commit passes) and `--diff-base REF` (findings new since a commit).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::engine::{self, ScanResult};
use crate::finding::{Finding, Suppression, SuppressionKind};
use crate::report::fingerprint::SourceCache;

/// Repo-relative forms of the changed paths.
pub fn relative_paths(root: &Path, paths: &[PathBuf]) -> Vec<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    paths
        .iter()
        .map(|p| {
            let abs = p.canonicalize().unwrap_or_else(|_| cwd.join(p));
            crate::walk::relative(root, &abs)
        })
        .collect()
}

fn under(path: &str, changed: &[String]) -> bool {
    changed.iter().any(|c| {
        c.is_empty()
            || c == "."
            || path == c
            || path
                .strip_prefix(c.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Whether a finding is located in a changed file, or its code flow or a
/// related location passes through one.
pub fn touches(f: &Finding, changed: &[String]) -> bool {
    under(&f.location.path, changed)
        || f.flow
            .iter()
            .chain(&f.related)
            .any(|r| under(&r.location.path, changed))
}

/// Keeps the findings that touch the changed files, and the notifications
/// about them (or about no file).
pub fn retain_touching(result: &mut ScanResult, changed: &[String]) {
    result.findings.retain(|f| touches(f, changed));
    result
        .notifications
        .retain(|n| n.path.as_deref().is_none_or(|p| under(p, changed)));
}

/// Scans the tree of the `--diff-base` commit (written from git objects to
/// a private temporary directory: no checkout, the work tree untouched)
/// with the same settings, and marks every finding that the base has too
/// (same `synthlint/v2` fingerprint, counted) as suppressed with kind
/// `diff-base`. Returns a note for standard error, if any.
pub fn apply_diff_base(
    reference: &str,
    settings: &Settings,
    scan_paths: &[PathBuf],
    cache_dir: Option<&Path>,
    result: &mut ScanResult,
) -> Result<Option<String>, String> {
    let root = &settings.root;
    let (commit, note) = crate::git::diff_base_commit(root, reference)?;
    let dir = tempfile::Builder::new()
        .prefix("synthlint-base-")
        .tempdir()
        .map_err(|e| format!("--diff-base: cannot create a temporary directory: {e}"))?;
    let base_root = dir
        .path()
        .canonicalize()
        .map_err(|e| format!("--diff-base: {e}"))?;
    crate::git::export_tree(root, &commit, &base_root, settings.max_file_size)
        .map_err(|e| format!("--diff-base {reference}: {e}"))?;
    let mut base_settings = settings.clone();
    base_settings.root = base_root.clone();
    let rels = relative_paths(root, scan_paths);
    let base_paths: Vec<PathBuf> = rels
        .iter()
        .map(|r| base_root.join(r))
        .filter(|p| p.exists())
        .collect();
    let base_findings = if base_paths.is_empty() {
        Vec::new()
    } else {
        engine::scan_cached(&base_paths, &base_settings, cache_dir)
            .map_err(|e| format!("--diff-base: {}", e.message))?
            .findings
    };
    let mut base_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut base_cache = SourceCache::new(&base_root);
    for f in base_findings.iter().filter(|f| f.suppression.is_none()) {
        *base_counts.entry(base_cache.synthlint(f)).or_default() += 1;
    }
    let short = &commit[..commit.len().min(12)];
    let mut cache = SourceCache::new(root);
    for f in result
        .findings
        .iter_mut()
        .filter(|f| f.suppression.is_none())
    {
        let fp = cache.synthlint(f);
        if let Some(n) = base_counts.get_mut(&fp).filter(|n| **n > 0) {
            *n -= 1;
            f.suppression = Some(Box::new(Suppression::new(
                SuppressionKind::DiffBase,
                format!("also found at {reference} ({short})"),
                None,
            )));
        }
    }
    Ok(note)
}

//! Validated settings, built once from `Options` and the command line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::{Glob, GlobBuilder, GlobSet};
use serde::Serialize;

use crate::catalog::CatalogData;
use crate::finding::Level;

pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;
/// The largest `max-file-size`: byte offsets in facts and spans are `u32`,
/// so a file of 4 GiB or more cannot be described (it gave 0 findings).
pub const MAX_MAX_FILE_SIZE: u64 = u32::MAX as u64;

/// Parsed facts kept in memory up to this many bytes by default: on the
/// synthetic corpora the facts take ~28 KB a file, so up to ~18k such files
/// (any real tree we measured, the 10k corpus) keep them all, and beyond
/// that they are kept compressed (issue 19, target 3: 50k files in 1 GB).
pub const DEFAULT_FACTS_MEMORY: u64 = 512 << 20;

/// Directories never walked unless named explicitly.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "site-packages",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "dist",
    "build",
    ".synthlint_cache",
];

#[derive(Clone)]
pub struct Settings {
    /// The directory all output paths are relative to.
    pub root: PathBuf,
    /// The config file that was used, if any.
    pub config_file: Option<PathBuf>,
    /// Enabled rule codes, sorted.
    pub enabled_rules: Vec<&'static str>,
    /// (glob over repo-relative paths, rule codes) pairs; see `path_glob`.
    pub per_path_ignores: Vec<(globset::GlobMatcher, Vec<&'static str>)>,
    /// User excludes (globs over repo-relative paths, see `path_glob`),
    /// matched against files and directories.
    pub exclude: GlobSet,
    pub max_file_size: u64,
    pub fail_on: Level,
    pub level_overrides: BTreeMap<&'static str, Level>,
    pub require_suppression_reason: bool,
    pub no_inline_suppressions: bool,
    pub catalog: CatalogData,
    pub jobs: Option<usize>,
    /// Bytes of parsed facts kept in memory before every file's facts are
    /// kept compressed instead (`facts-memory`).
    pub facts_memory: u64,
    /// The baseline file named in the config, resolved against the config
    /// file's directory.
    pub baseline: Option<PathBuf>,
}

impl Settings {
    /// A stable serialization (MessagePack of plain data, never `Debug`
    /// text) of everything here that can change a scan's findings or
    /// notifications: part of the result cache's key. `None` when it cannot
    /// be made; then no result is cached.
    pub fn result_key_material(&self) -> Option<Vec<u8>> {
        #[derive(Serialize)]
        struct Material<'a> {
            enabled_rules: &'a [&'static str],
            per_path_ignores: Vec<(&'a str, &'a [&'static str])>,
            max_file_size: u64,
            level_overrides: &'a BTreeMap<&'static str, Level>,
            require_suppression_reason: bool,
            no_inline_suppressions: bool,
            catalog: &'a CatalogData,
        }
        // Every field named, so that a new setting must be placed here.
        let Settings {
            // Which files are walked and their names: the key holds every
            // walked file's path and the walk's notifications instead.
            root: _,
            exclude: _,
            // Its contents are the other settings.
            config_file: _,
            // Decides the exit code from a result; never changes the result.
            fail_on: _,
            jobs: _,
            // Changes what memory holds, never a result.
            facts_memory: _,
            // Applied to the result afterwards.
            baseline: _,
            enabled_rules,
            per_path_ignores,
            max_file_size,
            level_overrides,
            require_suppression_reason,
            no_inline_suppressions,
            catalog,
        } = self;
        let material = Material {
            enabled_rules,
            per_path_ignores: per_path_ignores
                .iter()
                .map(|(m, codes)| (m.glob().glob(), codes.as_slice()))
                .collect(),
            max_file_size: *max_file_size,
            level_overrides,
            require_suppression_reason: *require_suppression_reason,
            no_inline_suppressions: *no_inline_suppressions,
            catalog,
        };
        // Field names in: two settings never serialize alike.
        rmp_serde::to_vec_named(&material).ok()
    }
}

/// A user glob over root-relative paths, compiled the way users expect from
/// ruff and `.gitignore`:
/// - a glob without `/` matches by file or directory name at any depth
///   (`*_pb2.py`, `fixtures`);
/// - a glob with `/` is anchored at `anchor` (the directory of the config
///   file it came from, relative to the root; empty for the root itself);
///   a leading `/` or `./` is allowed and means the same;
/// - `*` and `?` never cross `/`; `**` does;
/// - a trailing `/` is dropped (directories are matched like files).
///
/// Returns the glob for paths, plus, for a glob ending in `/**`, one for the
/// directory itself so that the walker need not descend into it.
pub fn path_glob(pattern: &str, anchor: &str) -> Result<(Glob, Option<Glob>), String> {
    let mut p = pattern;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    let anchored = p.starts_with('/');
    let p = p.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() {
        return Err("empty glob".into());
    }
    let body = if anchored || p.contains('/') {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    let full = if anchor.is_empty() {
        body
    } else {
        format!("{}/{body}", globset::escape(anchor))
    };
    let build = |g: &str| {
        GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| e.kind().to_string())
    };
    let glob = build(&full)?;
    let dir = match full.strip_suffix("/**") {
        Some(d) if !d.is_empty() => Some(build(d)?),
        _ => None,
    };
    Ok((glob, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, anchor: &str, path: &str) -> bool {
        let (g, d) = path_glob(pattern, anchor).unwrap();
        g.compile_matcher().is_match(path) || d.is_some_and(|d| d.compile_matcher().is_match(path))
    }

    #[test]
    fn bare_names_match_at_any_depth() {
        assert!(m("test_*.py", "", "test_a.py"));
        assert!(m("test_*.py", "", "tests/unit/test_a.py"));
        assert!(!m("test_*.py", "", "tests/unit/a_test.py"));
        assert!(m("fixtures", "", "a/fixtures"));
    }

    #[test]
    fn slashes_anchor() {
        assert!(m("tests/*.py", "", "tests/a.py"));
        assert!(!m("tests/*.py", "", "tests/sub/a.py"));
        assert!(!m("tests/*.py", "", "x/tests/a.py"));
        assert!(m("tests/**", "", "tests/sub/a.py"));
        assert!(m("tests/**", "", "tests"));
        assert!(m("/gen/*.py", "", "gen/a.py"));
        assert!(m("./gen/", "", "gen"));
    }

    #[test]
    fn anchor_is_the_config_directory() {
        assert!(m("tests/**", "sub", "sub/tests/a.py"));
        assert!(!m("tests/**", "sub", "tests/a.py"));
        assert!(m("*.py", "sub", "sub/x/a.py"));
        assert!(!m("*.py", "sub", "other/a.py"));
        assert!(m("x.py", "we[ird]", "we[ird]/x.py"));
    }

    #[test]
    fn bad_globs_are_errors() {
        assert!(path_glob("src/[", "").is_err());
        assert!(path_glob("", "").is_err());
        assert!(path_glob("a/[z-a]", "").is_err());
        assert!(path_glob("{a,b", "").is_err());
    }
}

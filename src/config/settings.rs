//! Validated settings, built once from `Options` and the command line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::GlobSet;

use crate::catalog::CatalogData;
use crate::finding::Level;

pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

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

pub struct Settings {
    /// The directory all output paths are relative to.
    pub root: PathBuf,
    /// The config file that was used, if any.
    pub config_file: Option<PathBuf>,
    /// Enabled rule codes, sorted.
    pub enabled_rules: Vec<&'static str>,
    /// (glob over repo-relative paths, rule codes) pairs.
    pub per_path_ignores: Vec<(globset::GlobMatcher, Vec<&'static str>)>,
    /// User excludes (globs over repo-relative paths).
    pub exclude: GlobSet,
    pub max_file_size: u64,
    pub fail_on: Level,
    pub level_overrides: BTreeMap<&'static str, Level>,
    pub require_suppression_reason: bool,
    pub no_inline_suppressions: bool,
    pub catalog: CatalogData,
    pub jobs: Option<usize>,
}

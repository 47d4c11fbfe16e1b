//! The configuration file as written by the user (`synthlint.toml`, or
//! `[tool.synthlint]` in `pyproject.toml`). Unknown keys are errors.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::CatalogData;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// Rule codes or category prefixes to enable (default: all).
    pub select: Option<Vec<Spanned<String>>>,
    /// Rule codes or category prefixes to disable.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    /// Glob → rule codes or prefixes ignored in matching files.
    #[serde(default)]
    pub per_path_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Extra globs to exclude from the walk, added to the built-in defaults.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Files larger than this many bytes are skipped with a notification.
    pub max_file_size: Option<Spanned<u64>>,
    /// Lowest level that makes the exit code 1: `note`, `warning` or `error`.
    pub fail_on: Option<Spanned<String>>,
    /// Rule code → level override.
    #[serde(default)]
    pub levels: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Require a reason after every inline suppression.
    #[serde(default)]
    pub require_suppression_reason: bool,
    /// Extensions of the library catalogue.
    #[serde(default)]
    pub catalog: CatalogData,
}

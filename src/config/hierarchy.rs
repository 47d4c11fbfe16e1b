//! Nearest configuration per file (ruff's hierarchical model), for
//! monorepos: a file is governed by the config file closest to it, so
//! `check a/gen.py b/gen.py` gives each file the settings of its own
//! project whatever the order of the arguments. A nested config replaces
//! the one above it (no merging), and the command line still wins over
//! every config.
//!
//! The project is still analysed as one (cross-module calls do not stop at
//! a config file), so what is project-wide comes from the base config (the
//! one nearest the scanned paths' common directory): the catalogue,
//! `max-file-size`, `facts-memory`, `fail-on` and `baseline`. Per file: the rules, levels,
//! per-path ignores, excludes (the file is still read for cross-module
//! facts, but nothing is reported in it) and whether suppressions need a
//! reason.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::config::discover::{self, LoadedConfig};
use crate::config::error::ConfigError;
use crate::config::{Overrides, Settings, build};
use crate::engine::ScanResult;
use crate::walk::SourcePath;

/// The configs below the base config that govern scanned files.
#[derive(Default)]
pub struct Hierarchy {
    /// (directory relative to the root, its settings), deepest first.
    pub nested: Vec<(String, Settings)>,
    /// Nested configs whose `[catalog]` is not used (project-wide).
    pub unused_catalogs: Vec<PathBuf>,
}

impl Hierarchy {
    /// Finds the nearest config of every walked file's directory. Empty with
    /// `--config` (one config for everything).
    pub fn discover(
        o: &Overrides,
        base: &Settings,
        files: &[SourcePath],
    ) -> Result<Hierarchy, ConfigError> {
        let mut h = Hierarchy::default();
        if o.config.is_some() {
            return Ok(h);
        }
        let root = &base.root;
        let stop = base
            .config_file
            .as_deref()
            .and_then(Path::parent)
            .filter(|d| d.starts_with(root))
            .unwrap_or(root)
            .to_path_buf();
        // Directory → the nested config that governs it (None: the base).
        // Hashed: ordering `Path`s compares them component by component,
        // which showed in scans of trees with thousands of folders.
        let mut memo: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        let mut configs: BTreeMap<PathBuf, (String, Settings)> = BTreeMap::new();
        let mut last_dir: Option<&Path> = None;
        for f in files {
            let Some(dir) = f.abs.parent() else { continue };
            // The walk yields a folder's files together.
            if last_dir == Some(dir) {
                continue;
            }
            last_dir = Some(dir);
            // Walk up to the first directory already known or holding a
            // config candidate, then record the answer for the whole way.
            let mut pending = Vec::new();
            let mut at = dir.to_path_buf();
            let found = loop {
                if let Some(known) = memo.get(&at) {
                    break known.clone();
                }
                if at == stop || !at.starts_with(root) || at.parent().is_none() {
                    break None;
                }
                // Anything by a config's name (a link, a FIFO) is a
                // candidate, so that `discover::find` judges it as it does
                // the base config: only regular files inside the repository,
                // size-capped, errors masked; never skipped in silence.
                let candidate = discover::CONFIG_NAMES
                    .iter()
                    .chain(["pyproject.toml"].iter())
                    .any(|n| std::fs::symlink_metadata(at.join(n)).is_ok_and(|m| !m.is_dir()));
                if candidate
                    && let Some(loaded) = discover::find(&at)?
                    && loaded.dir() == at
                {
                    let path = loaded.path.clone();
                    if !configs.contains_key(&path) {
                        let rel_dir = crate::walk::relative(root, &at);
                        if has_catalog(&loaded) {
                            h.unused_catalogs.push(path.clone());
                        }
                        let settings = build(o, Some(loaded), root.clone())?;
                        configs.insert(path.clone(), (rel_dir, settings));
                    }
                    break Some(path);
                }
                pending.push(at.clone());
                at = at.parent().expect("checked above").to_path_buf();
            };
            memo.insert(at, found.clone());
            for d in pending {
                memo.insert(d, found.clone());
            }
            memo.insert(dir.to_path_buf(), found);
        }
        h.nested = configs.into_values().collect();
        h.nested
            .sort_by_key(|(dir, _)| std::cmp::Reverse(dir.matches('/').count() + 1));
        Ok(h)
    }

    pub fn is_empty(&self) -> bool {
        self.nested.is_empty()
    }

    /// The settings that govern a root-relative path.
    pub fn settings_for<'a>(&'a self, base: &'a Settings, rel: &str) -> &'a Settings {
        self.nested
            .iter()
            .find(|(dir, _)| {
                rel.strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .map_or(base, |(_, s)| s)
    }

    /// The settings the engine runs with when nested configs exist: every
    /// rule any of them enables, and no per-file policy (applied afterwards
    /// by [`Hierarchy::apply`]).
    pub fn scan_settings(&self, base: &Settings) -> Settings {
        let mut s = base.clone();
        for (_, n) in &self.nested {
            s.enabled_rules.extend(n.enabled_rules.iter().copied());
        }
        s.enabled_rules.sort_unstable();
        s.enabled_rules.dedup();
        s.per_path_ignores.clear();
        s.level_overrides.clear();
        s
    }

    /// Applies each file's own settings to a result scanned with
    /// [`Hierarchy::scan_settings`].
    pub fn apply(&self, base: &Settings, result: &mut ScanResult) {
        result.findings.retain_mut(|f| {
            let s = self.settings_for(base, &f.location.path);
            let path = f.location.path.as_str();
            let ignored = s
                .per_path_ignores
                .iter()
                .any(|(glob, codes)| codes.contains(&f.rule) && glob.is_match(path));
            if !s.enabled_rules.contains(&f.rule) || ignored || s.exclude.is_match(path) {
                return false;
            }
            if let Some(level) = s.level_overrides.get(f.rule) {
                f.level = *level;
            }
            true
        });
        result.notifications.retain(|n| {
            n.path
                .as_deref()
                .is_none_or(|p| !self.settings_for(base, p).exclude.is_match(p))
        });
    }
}

fn has_catalog(c: &LoadedConfig) -> bool {
    let cat = &c.options.catalog;
    !(cat.generation.is_empty()
        && cat.safety_switch.is_empty()
        && cat.moderation.is_empty()
        && cat.passthrough_methods.is_empty()
        && cat.label.is_empty()
        && cat.label_gate.is_none()
        && cat.record.is_empty()
        && cat.entrypoints.is_none()
        && cat.personal_data.is_none()
        && cat.opt_out.is_none()
        && cat.service.is_none())
}

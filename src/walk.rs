//! The one place the directory walker is configured.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::config::settings::DEFAULT_EXCLUDES;
use crate::facts::Language;
use crate::finding::{Level, Notification};

/// A file selected for scanning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourcePath {
    /// Repo-relative, `/`-separated; used in all output.
    pub rel: String,
    pub abs: PathBuf,
    pub language: Language,
}

pub fn language_of(path: &Path) -> Option<Language> {
    match path.extension()?.to_str()? {
        "py" | "pyi" => Some(Language::Python),
        _ => None,
    }
}

/// Repo-relative `/` path of `abs` under `root`.
pub fn relative(root: &Path, abs: &Path) -> String {
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// Walk `paths` and return the files to scan, sorted, plus notifications.
pub fn collect(paths: &[PathBuf], settings: &Settings) -> (Vec<SourcePath>, Vec<Notification>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let root = settings
        .root
        .canonicalize()
        .unwrap_or_else(|_| settings.root.clone());
    for path in paths {
        let mut builder = ignore::WalkBuilder::new(path);
        builder
            .hidden(false)
            .follow_links(true)
            .add_custom_ignore_filename(".synthlintignore")
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !(e.depth() > 0
                    && e.file_type().is_some_and(|t| t.is_dir())
                    && DEFAULT_EXCLUDES.contains(&name.as_ref()))
            });
        for entry in builder.build() {
            match entry {
                Ok(e) => {
                    if !e.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let Some(language) = language_of(e.path()) else {
                        continue;
                    };
                    let abs = e
                        .path()
                        .canonicalize()
                        .unwrap_or_else(|_| e.path().to_path_buf());
                    if !abs.starts_with(&root) {
                        continue;
                    }
                    let rel = relative(&root, &abs);
                    if settings.exclude.is_match(&rel) {
                        continue;
                    }
                    files.push(SourcePath { rel, abs, language });
                }
                Err(err) => notes.push(Notification {
                    level: Level::Warning,
                    kind: "walk-error".into(),
                    message: err.to_string(),
                    path: None,
                    span: None,
                }),
            }
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.rel == b.rel);
    (files, notes)
}

//! Finding and loading the configuration file.
//!
//! Search order, in each directory from the first scanned path up to the
//! filesystem root: `synthlint.toml`, `.synthlint.toml`, then a
//! `pyproject.toml` that has a `[tool.synthlint]` table. The first hit wins;
//! configuration files are not merged.
//!
//! The scanned repository is not trusted: a file found by this search must
//! be a regular file, or a symbolic link to a regular file inside the same
//! repository (the nearest directory above the link that holds `.git`, else
//! the link's own directory). Anything else (a link to `/proc/self/environ`,
//! a FIFO, a device) is an error and is never opened. Every configuration
//! file, also one named with `--config`, is read up to `MAX_CONFIG_SIZE`.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::error::{ConfigError, ConfigSource};
use crate::config::options::{Options, Pyproject, PyprojectProbe};

pub const CONFIG_NAMES: &[&str] = &["synthlint.toml", ".synthlint.toml"];

/// Largest configuration file read (1 MiB): real ones are a few KB.
pub const MAX_CONFIG_SIZE: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// `synthlint.toml` / `.synthlint.toml` (or any file given with `--config`).
    Synthlint,
    /// `[tool.synthlint]` in a `pyproject.toml`.
    Pyproject,
}

/// A parsed configuration file.
#[derive(Debug)]
pub struct LoadedConfig {
    /// Canonical path of the file.
    pub path: PathBuf,
    pub kind: ConfigKind,
    pub source: ConfigSource,
    pub options: Options,
}

impl LoadedConfig {
    /// The directory the file is in (globs in it are relative to this).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    /// Where `[options]` live inside the TOML document.
    fn key_prefix(&self) -> &'static [&'static str] {
        match self.kind {
            ConfigKind::Synthlint => &[],
            ConfigKind::Pyproject => &["tool", "synthlint"],
        }
    }

    /// The span of the value at `path` (keys and array indices below the
    /// options table), for errors found after deserialization.
    pub fn span_at(&self, path: &[Seg<'_>]) -> Option<Range<usize>> {
        let doc = toml::de::DeTable::parse(&self.source.text).ok()?;
        let root = toml::de::DeValue::Table(doc.into_inner());
        let mut value = &root;
        let mut span = None;
        let prefix = self.key_prefix().iter().map(|k| Seg::Key(k));
        for seg in prefix.chain(path.iter().copied()) {
            let next = match seg {
                Seg::Key(k) => value.get(k)?,
                Seg::Index(i) => value.get(i)?,
            };
            span = Some(next.span());
            value = next.get_ref();
        }
        span
    }
}

/// One step of a path into a TOML document.
#[derive(Debug, Clone, Copy)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Search upward from `start` (a directory).
pub fn find(start: &Path) -> Result<Option<LoadedConfig>, ConfigError> {
    for dir in start.ancestors() {
        for name in CONFIG_NAMES {
            let path = dir.join(name);
            if usable(&path)? {
                return load(&path, ConfigKind::Synthlint).map(Some);
            }
        }
        let py = dir.join("pyproject.toml");
        if usable(&py)?
            && let Some(c) = load_pyproject(&py, false)?
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Whether a configuration file found by the search may be read: `false`
/// when there is nothing (or a directory, or a dangling link) at `path`, an
/// error when something is there that must not be read.
fn usable(path: &Path) -> Result<bool, ConfigError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(false);
    };
    let kind = meta.file_type();
    if kind.is_dir() {
        return Ok(false);
    }
    if kind.is_symlink() {
        let Ok(target) = path.canonicalize() else {
            return Ok(false);
        };
        let link_dir = path
            .parent()
            .and_then(|d| d.canonicalize().ok())
            .unwrap_or_default();
        let tree = link_dir
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&link_dir);
        if !target.starts_with(tree) {
            return Err(ConfigError::plain(format!(
                "{}: a symbolic link to a file outside the repository; synthlint does not read it",
                display_name(path)
            ))
            .with_help("name a configuration file outside the repository with --config"));
        }
        if target.is_dir() {
            return Ok(false);
        }
        if !target.is_file() {
            return Err(not_regular(&display_name(path)));
        }
        return Ok(true);
    }
    if !kind.is_file() {
        return Err(not_regular(&display_name(path)));
    }
    Ok(true)
}

fn not_regular(name: &str) -> ConfigError {
    ConfigError::plain(format!(
        "{name}: not a regular file; synthlint does not read it"
    ))
}

/// Load the file named with `--config`. A `pyproject.toml` must have a
/// `[tool.synthlint]` table; any other name is read as `synthlint.toml`.
pub fn load_explicit(path: &Path) -> Result<LoadedConfig, ConfigError> {
    if !path.exists() {
        return Err(ConfigError::plain(format!(
            "--config {}: no such file",
            path.display()
        )));
    }
    if !path.is_file() {
        return Err(not_regular(&format!("--config {}", path.display())));
    }
    if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        load_pyproject(path, true)?.ok_or_else(|| {
            ConfigError::plain(format!(
                "--config {}: there is no [tool.synthlint] table in this file",
                path.display()
            ))
        })
    } else {
        load(path, ConfigKind::Synthlint)
    }
}

fn read(path: &Path) -> Result<(PathBuf, ConfigSource), ConfigError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let name = display_name(&canonical);
    let cannot = |e: std::io::Error| ConfigError::plain(format!("cannot read {name}: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    // A FIFO or device would block or never end; `/proc` files claim size 0.
    if !file.metadata().map_err(cannot)?.is_file() {
        return Err(not_regular(&name));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_CONFIG_SIZE {
        return Err(ConfigError::plain(format!(
            "{name} is larger than {} KiB; synthlint does not read configuration files that large",
            MAX_CONFIG_SIZE >> 10
        )));
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|_| ConfigError::plain(format!("{name} is not valid UTF-8")))?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok((
        canonical,
        ConfigSource {
            name,
            text: Arc::new(text),
        },
    ))
}

fn load(path: &Path, kind: ConfigKind) -> Result<LoadedConfig, ConfigError> {
    let (path, source) = read(path)?;
    let options: Options =
        toml::from_str(&source.text).map_err(|e| toml_error(&source, &e, &[]))?;
    Ok(LoadedConfig {
        path,
        kind,
        source,
        options,
    })
}

/// `Ok(None)` when the file has no `[tool.synthlint]`. A `pyproject.toml`
/// that is not valid TOML is skipped during discovery unless it mentions
/// synthlint: it belongs to other tools, and they will report it.
fn load_pyproject(path: &Path, explicit: bool) -> Result<Option<LoadedConfig>, ConfigError> {
    let (path, source) = read(path)?;
    match toml::from_str::<PyprojectProbe>(&source.text) {
        Ok(probe) => {
            if probe.tool.and_then(|t| t.synthlint).is_none() {
                return Ok(None);
            }
        }
        Err(e) => {
            if explicit || source.text.contains("synthlint") {
                return Err(source.toml_error(&e));
            }
            return Ok(None);
        }
    }
    // Deserialize the whole document so that spans point into pyproject.toml.
    let doc: Pyproject = toml::from_str(&source.text)
        .map_err(|e| toml_error(&source, &e, &["tool", "synthlint"]))?;
    let Some(options) = doc.tool.and_then(|t| t.synthlint) else {
        return Ok(None);
    };
    Ok(Some(LoadedConfig {
        path,
        kind: ConfigKind::Pyproject,
        source,
        options,
    }))
}

/// The file as the user would type it: relative to the current directory
/// when it is below it, else the full path.
fn display_name(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    match rel {
        Some(r) if !r.as_os_str().is_empty() => r.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// A deserialization error, with the key it is about named in the message
/// (toml's messages say "invalid type" but not where).
fn toml_error(source: &ConfigSource, e: &toml::de::Error, prefix: &[&str]) -> ConfigError {
    let mut err = source.toml_error(e);
    if let Some(key) = e.span().and_then(|s| key_at(&source.text, s.start, prefix)) {
        err.message = super::error::excerpt(&format!(
            "invalid {}: `{key}`: {}",
            source.name,
            e.message().trim()
        ));
    }
    err
}

/// The dotted key whose value is at byte `pos` (or the table whose body
/// holds it), below `prefix`.
fn key_at(text: &str, pos: usize, prefix: &[&str]) -> Option<String> {
    use toml::de::{DeTable, DeValue};

    struct Node {
        path: Vec<String>,
        span: Range<usize>,
        header: bool,
    }
    let doc = DeTable::parse(text).ok()?;
    let root = DeValue::Table(doc.into_inner());
    let mut nodes = Vec::new();
    // Iterative: a config file nested deeply must not overflow the stack.
    let mut stack: Vec<(&DeValue<'_>, Vec<String>)> = vec![(&root, Vec::new())];
    while let Some((value, path)) = stack.pop() {
        let children: Vec<(String, &toml::Spanned<DeValue<'_>>)> = match value {
            DeValue::Table(t) => t
                .iter()
                .map(|(k, v)| (key_segment(k.get_ref()), v))
                .collect(),
            DeValue::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("[{i}]"), v))
                .collect(),
            _ => Vec::new(),
        };
        for (seg, child) in children {
            let mut p = path.clone();
            p.push(seg);
            let span = child.span();
            let header = matches!(child.get_ref(), DeValue::Table(_))
                && text.get(span.clone()).is_some_and(|t| t.starts_with('['));
            nodes.push(Node {
                path: p.clone(),
                span,
                header,
            });
            stack.push((child.get_ref(), p));
        }
    }
    let containing = nodes
        .iter()
        .filter(|n| !n.header && n.span.start <= pos && pos < n.span.end)
        .min_by_key(|n| n.span.len());
    // Keys after a `[table]` header belong to the last header before them.
    let node = containing.or_else(|| {
        nodes
            .iter()
            .filter(|n| n.header && n.span.start <= pos)
            .max_by_key(|n| n.span.start)
    })?;
    let mut path: &[String] = &node.path;
    if !prefix.is_empty() {
        if path.len() < prefix.len() || path.iter().zip(prefix).any(|(a, b)| a != b) {
            return None;
        }
        path = &path[prefix.len()..];
    }
    if path.is_empty() {
        return None;
    }
    let mut out = String::new();
    for seg in path {
        if !out.is_empty() && !seg.starts_with('[') {
            out.push('.');
        }
        out.push_str(seg);
    }
    Some(out)
}

fn key_segment(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

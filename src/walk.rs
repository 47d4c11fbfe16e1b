//! The one place the directory walker is configured.
//!
//! Rules, in order of precedence:
//! - Files named on the command line are scanned even when a default
//!   exclude (`.venv`, `build`, ...) or an ignore file would skip them, like
//!   ruff. User excludes (`exclude`, `--exclude`) still apply to them, because
//!   pre-commit passes every changed file by name and an exclude is a
//!   deliberate policy (ruff needs `force-exclude` for this; we make it the
//!   default).
//! - Directories are walked in parallel with `ignore`, honouring
//!   `.gitignore`, `.git/info/exclude`, `.ignore` and `.synthlintignore`,
//!   also outside a git repository (`require_git(false)`): an exported
//!   tarball or a CI checkout without `.git` must give the same results as
//!   the clone. Ignore files are read from the root downwards only, never
//!   from directories above it (a dotfiles `~/.gitignore` with `*` must not
//!   hide a project that has no `.git`). The user's global git excludes
//!   (`core.excludesFile`) are not read: a personal setting on one machine
//!   must not hide files from a compliance scan that CI would see.
//! - Files that git tracks (read from `.git/index`, `git_index`) are scanned
//!   even when `.gitignore`, `.ignore` or `.git/info/exclude` lists them, each
//!   with a `tracked-but-ignored` note: CI scans what is committed, and a pull
//!   request must not hide code by adding an ignore line. Default excludes,
//!   user excludes and `.synthlintignore` (synthlint's own policy) still apply.
//! - Default excludes prune directories by name at any depth below a
//!   walked directory; user excludes prune files and directories by their
//!   root-relative path.
//! - Hidden files and directories are walked (configuration such as `.env`
//!   matters), except the excluded ones (`.git`, caches, virtualenvs).
//! - Symbolic links are followed only while they stay inside the root (or a
//!   walked directory); others become `symlink-outside-root` notifications.
//!   Links that lead back to an ancestor become `symlink-loop`. A file reached
//!   through a link is reported under its real path, so it is scanned once.
//! - FIFOs, sockets and devices named like source files are never opened;
//!   each is an `io-error` notification.
//! - Output is sorted by path, whatever the number of threads.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use globset::GlobSet;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, Match, WalkBuilder, WalkState};

use crate::config::Settings;
use crate::config::settings::DEFAULT_EXCLUDES;
use crate::facts::Language;
use crate::finding::{Level, Notification};

/// Name of synthlint's own ignore file (gitignore syntax).
pub const IGNORE_FILE: &str = ".synthlintignore";

/// A file selected for scanning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourcePath {
    /// Repo-relative, `/`-separated; used in all output.
    pub rel: String,
    pub abs: PathBuf,
    pub language: Language,
}

/// The language of a file some frontend reads (by name, then extension).
pub fn language_of(path: &Path) -> Option<Language> {
    crate::lang::for_path(path).map(|f| f.language())
}

/// Repo-relative `/` path of `abs` under `root`.
pub fn relative(root: &Path, abs: &Path) -> String {
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    join_components(rel)
}

fn join_components(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| component_name(c.as_os_str()))
        .collect();
    parts.join("/")
}

/// A path component as text. Bytes that are not UTF-8 are written `\xNN`
/// (a lossy conversion made `a\xff.py` and `a\xfe.py` one name, and one of
/// the files was dropped as a duplicate).
fn component_name(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_owned();
    }
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02X}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    name.to_string_lossy().into_owned()
}

/// Turns absolute paths into the relative paths used in output.
#[derive(Debug, Clone)]
struct OutputPaths {
    root: PathBuf,
    cwd: Option<PathBuf>,
}

impl OutputPaths {
    /// Root-relative, with `..` for a path outside the root (SARIF labels
    /// every path relative to `%SRCROOT%`, the root, so a path relative to
    /// anything else would point at another file); a relative path is
    /// first made absolute from the current directory; else the file name.
    /// Never absolute.
    fn of(&self, abs: &Path) -> String {
        if let Ok(rel) = abs.strip_prefix(&self.root) {
            let s = join_components(rel);
            return if s.is_empty() { ".".into() } else { s };
        }
        let joined;
        let abs = match &self.cwd {
            Some(cwd) if !abs.is_absolute() => {
                joined = cwd.join(abs);
                joined.as_path()
            }
            _ => abs,
        };
        if abs.is_absolute()
            && let Some(rel) = relative_with_dots(&self.root, abs)
        {
            return rel;
        }
        abs.file_name()
            .map(component_name)
            .unwrap_or_else(|| ".".into())
    }
}

/// `path` relative to directory `base`, both absolute, using `..`.
fn relative_with_dots(base: &Path, path: &Path) -> Option<String> {
    let b: Vec<Component> = base.components().collect();
    let p: Vec<Component> = path.components().collect();
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".into(); b.len() - common];
    parts.extend(p[common..].iter().map(|c| component_name(c.as_os_str())));
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

/// The path as named, made absolute with symlinks resolved in its parent
/// only: `link.py` stays `link.py`, but `./a/../b` becomes `/…/b`.
fn logical(path: &Path, cwd: Option<&Path>) -> PathBuf {
    let abs = match (path.is_absolute(), cwd) {
        (false, Some(cwd)) => cwd.join(path),
        _ => path.to_path_buf(),
    };
    // `file_name` is None for `..` and `/`: resolve those whole.
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => match parent.canonicalize() {
            Ok(p) => p.join(name),
            Err(_) => abs.clone(),
        },
        _ => abs.canonicalize().unwrap_or(abs),
    }
}

/// Whether `rel` or one of its parent directories is excluded. Walked
/// entries only need their own path (excluded directories are pruned);
/// named paths and link targets need the parents too.
fn excluded(set: &GlobSet, rel: &str) -> bool {
    if set.is_empty() {
        return false;
    }
    let mut p = rel;
    loop {
        if set.is_match(p) {
            return true;
        }
        match p.rfind('/') {
            Some(i) => p = &p[..i],
            None => return false,
        }
    }
}

fn note(level: Level, kind: &str, path: Option<String>, message: String) -> Notification {
    Notification {
        level,
        kind: kind.into(),
        message,
        path,
        span: None,
    }
}

/// Ignore files of the directories from the root down to a walked
/// directory (exclusive), deepest first. The walker itself reads the ones
/// inside the walked directory.
fn ancestor_ignores(
    root: &Path,
    dir: &Path,
    notes: &mut Vec<Notification>,
    out: &OutputPaths,
) -> Vec<Gitignore> {
    let mut matchers = Vec::new();
    if !dir.starts_with(root) {
        return matchers;
    }
    for anc in dir.ancestors().skip(1) {
        if !anc.starts_with(root) {
            break;
        }
        let mut b = GitignoreBuilder::new(anc);
        let mut files = Vec::new();
        // Later files win within one directory: the same precedence as the walker.
        if anc.join(".git").exists() {
            files.push(anc.join(".git").join("info").join("exclude"));
        }
        for name in [".gitignore", ".ignore", IGNORE_FILE] {
            files.push(anc.join(name));
        }
        let mut any = false;
        for f in files.iter().filter(|f| f.is_file()) {
            any = true;
            if let Some(err) = b.add(f) {
                notes.extend(error_notes(&err, out));
            }
        }
        if any {
            match b.build() {
                Ok(gi) => matchers.push(gi),
                Err(err) => notes.extend(error_notes(&err, out)),
            }
        }
    }
    matchers
}

/// ELOOP: "too many levels of symbolic links", from a cycle of file links.
fn is_symlink_cycle(e: &std::io::Error) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const ELOOP: i32 = 40;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const ELOOP: i32 = 62;
    cfg!(unix) && e.raw_os_error() == Some(ELOOP)
}

/// Notifications for a walker error, without absolute paths in messages.
fn error_notes(err: &ignore::Error, out: &OutputPaths) -> Vec<Notification> {
    let mut notes = Vec::new();
    // (error, innermost path seen, line in an ignore file)
    let mut stack: Vec<(&ignore::Error, Option<&Path>, Option<u64>)> = vec![(err, None, None)];
    while let Some((e, path, line)) = stack.pop() {
        let shown = path.map(|p| out.of(p));
        match e {
            ignore::Error::Partial(errs) => {
                stack.extend(errs.iter().rev().map(|e| (e, path, line)));
            }
            ignore::Error::WithLineNumber { line, err } => stack.push((err, path, Some(*line))),
            ignore::Error::WithPath { path, err } => stack.push((err, Some(path), line)),
            ignore::Error::WithDepth { err, .. } => stack.push((err, path, line)),
            ignore::Error::Loop { ancestor, child } => notes.push(note(
                Level::Note,
                "symlink-loop",
                Some(out.of(child)),
                format!(
                    "skipped: symbolic link back to its ancestor `{}`",
                    out.of(ancestor)
                ),
            )),
            ignore::Error::Io(io) if is_symlink_cycle(io) => notes.push(note(
                Level::Note,
                "symlink-loop",
                shown,
                "skipped: cycle of symbolic links".into(),
            )),
            ignore::Error::Io(io) => {
                // A dangling link or a vanished file only matters if we would
                // have scanned it.
                let relevant = io.kind() != std::io::ErrorKind::NotFound
                    || path.is_some_and(|p| language_of(p).is_some());
                if relevant {
                    notes.push(note(
                        Level::Warning,
                        "io-error",
                        shown,
                        format!("skipped: {io}"),
                    ));
                }
            }
            ignore::Error::Glob { glob, err } => notes.push(note(
                Level::Warning,
                "ignore-file-error",
                shown,
                match (glob, line) {
                    (Some(g), Some(l)) => format!("line {l}: invalid glob `{g}`: {err}"),
                    (Some(g), None) => format!("invalid glob `{g}`: {err}"),
                    _ => format!("invalid glob: {err}"),
                },
            )),
            other => notes.push(note(Level::Warning, "walk-error", shown, other.to_string())),
        }
    }
    notes
}

/// What the entry filter needs; shared by the walker threads.
struct Filter {
    root: PathBuf,
    /// Canonical walked directories with their ancestors' ignore files.
    walk_roots: Vec<(PathBuf, Vec<Gitignore>)>,
    exclude: GlobSet,
    out: OutputPaths,
    notes: Mutex<Vec<Notification>>,
    /// Set once a directory link is followed: from then on files are
    /// canonicalized so that one file reached by two paths is scanned once.
    followed_dir_link: AtomicBool,
}

impl Filter {
    fn inside(&self, p: &Path) -> bool {
        p.starts_with(&self.root) || self.walk_roots.iter().any(|(r, _)| p.starts_with(r))
    }

    fn push(&self, n: Notification) {
        if let Ok(mut v) = self.notes.lock() {
            v.push(n);
        }
    }

    /// Whether to yield (files) or descend into (directories) an entry.
    fn keep(&self, e: &DirEntry) -> bool {
        let path = e.path();
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        if is_dir
            && e.file_name()
                .to_str()
                .is_some_and(|n| DEFAULT_EXCLUDES.contains(&n))
        {
            return false;
        }
        if e.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) => {
                    if !self.inside(&target) {
                        self.push(note(
                            Level::Note,
                            "symlink-outside-root",
                            Some(self.out.of(path)),
                            "skipped: symbolic link to a path outside the scanned root".into(),
                        ));
                        return false;
                    }
                    if is_dir {
                        // A link to a directory that contains the link.
                        let parent = path.parent().and_then(|p| p.canonicalize().ok());
                        if parent.is_some_and(|p| p.starts_with(&target)) {
                            self.push(note(
                                Level::Note,
                                "symlink-loop",
                                Some(self.out.of(path)),
                                format!(
                                    "skipped: symbolic link back to its ancestor `{}`",
                                    self.out.of(&target)
                                ),
                            ));
                            return false;
                        }
                        // Walked anyway through its real path.
                        if self.walk_roots.iter().any(|(r, _)| target.starts_with(r)) {
                            return false;
                        }
                        self.followed_dir_link.store(true, Ordering::Release);
                    }
                }
                // Dangling: the walker reports it if it matters.
                Err(_) => return true,
            }
        }
        if !self.exclude.is_empty() && self.exclude.is_match(self.out.of(path)) {
            return false;
        }
        if let Some((_, ancestors)) = self
            .walk_roots
            .iter()
            .filter(|(r, _)| path.starts_with(r))
            .max_by_key(|(r, _)| r.as_os_str().len())
        {
            for gi in ancestors {
                match gi.matched(path, is_dir) {
                    Match::Ignore(_) => return false,
                    Match::Whitelist(_) => break,
                    Match::None => {}
                }
            }
        }
        true
    }

    /// The output path of a walked file, and the path to read it from.
    fn file(&self, e: &DirEntry) -> Option<(String, PathBuf)> {
        let path = e.path();
        if e.path_is_symlink() || self.followed_dir_link.load(Ordering::Acquire) {
            let real = path.canonicalize().ok()?;
            let rel = self.out.of(&real);
            if excluded(&self.exclude, &rel) {
                return None;
            }
            return Some((rel, real));
        }
        Some((self.out.of(path), path.to_path_buf()))
    }
}

/// A finished walk: the files to scan and the notifications, as
/// [`collect`] returns them, and how long it took (for `--stats`).
#[derive(Debug, Clone)]
pub struct Walked {
    pub files: Vec<SourcePath>,
    pub notifications: Vec<Notification>,
    pub took: std::time::Duration,
}

/// [`collect`], timed.
pub fn walk(paths: &[PathBuf], settings: &Settings) -> Walked {
    let t = std::time::Instant::now();
    let (files, notifications) = collect(paths, settings);
    Walked {
        files,
        notifications,
        took: t.elapsed(),
    }
}

/// Walk `paths` and return the files to scan, sorted, plus notifications.
pub fn collect(paths: &[PathBuf], settings: &Settings) -> (Vec<SourcePath>, Vec<Notification>) {
    let root = settings
        .root
        .canonicalize()
        .unwrap_or_else(|_| settings.root.clone());
    let cwd = std::env::current_dir()
        .ok()
        .map(|c| c.canonicalize().unwrap_or(c));
    let out = OutputPaths {
        root: root.clone(),
        cwd: cwd.clone(),
    };
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut dirs = Vec::new();

    for path in paths {
        let named = logical(path, cwd.as_deref());
        let meta = match std::fs::metadata(&named) {
            Ok(m) => m,
            Err(e) => {
                let kind = if is_symlink_cycle(&e) {
                    "symlink-loop"
                } else {
                    "io-error"
                };
                notes.push(note(
                    Level::Warning,
                    kind,
                    Some(out.of(&named)),
                    format!("skipped: {e}"),
                ));
                continue;
            }
        };
        if meta.is_dir() {
            let dir = named.canonicalize().unwrap_or(named);
            let rel = out.of(&dir);
            if rel != "." && excluded(&settings.exclude, &rel) {
                continue;
            }
            dirs.push(dir);
        } else if meta.is_file() {
            let Some(language) = language_of(&named) else {
                continue;
            };
            // A named link is reported under its real path when that is
            // inside the root, so it matches the same file found by a walk.
            let abs = match named.canonicalize() {
                Ok(real) if real.starts_with(&root) => real,
                _ => named,
            };
            let rel = out.of(&abs);
            if excluded(&settings.exclude, &rel) {
                continue;
            }
            files.push(SourcePath { rel, abs, language });
        } else {
            notes.push(note(
                Level::Warning,
                "io-error",
                Some(out.of(&named)),
                "skipped: not a regular file".into(),
            ));
        }
    }

    if !dirs.is_empty() {
        let (walked, walk_notes) = walk_dirs(&dirs, &root, settings, out);
        files.extend(walked);
        notes.extend(walk_notes);
    }

    files.sort();
    files.dedup_by(|a, b| a.rel == b.rel);
    notes.sort();
    notes.dedup();
    (files, notes)
}

fn walk_dirs(
    dirs: &[PathBuf],
    root: &Path,
    settings: &Settings,
    out: OutputPaths,
) -> (Vec<SourcePath>, Vec<Notification>) {
    let mut notes = Vec::new();
    let walk_roots: Vec<(PathBuf, Vec<Gitignore>)> = dirs
        .iter()
        .map(|d| (d.clone(), ancestor_ignores(root, d, &mut notes, &out)))
        .collect();
    let filter = Arc::new(Filter {
        root: root.to_path_buf(),
        walk_roots,
        exclude: settings.exclude.clone(),
        out: out.clone(),
        notes: Mutex::new(notes),
        followed_dir_link: AtomicBool::new(false),
    });

    let mut builder = WalkBuilder::new(&dirs[0]);
    for d in &dirs[1..] {
        builder.add(d);
    }
    let f = filter.clone();
    builder
        .hidden(false)
        .parents(false)
        .ignore(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(true)
        .add_custom_ignore_filename(IGNORE_FILE)
        .threads(settings.jobs.unwrap_or(0))
        .filter_entry(move |e| f.keep(e));

    let (tx, rx) = mpsc::channel::<Result<SourcePath, Vec<Notification>>>();
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        let filter = filter.clone();
        Box::new(move |entry| {
            match entry {
                Ok(e) => {
                    if let Some(err) = e.error() {
                        let _ = tx.send(Err(error_notes(err, &filter.out)));
                    }
                    let kind = e.file_type();
                    if e.depth() == 0 || kind.is_none_or(|t| t.is_dir()) {
                        return WalkState::Continue;
                    }
                    let Some(language) = language_of(e.path()) else {
                        return WalkState::Continue;
                    };
                    // A FIFO, socket or device named like a source file:
                    // never opened (it could block or never end), but said.
                    if !kind.is_some_and(|t| t.is_file()) {
                        let _ = tx.send(Err(vec![note(
                            Level::Warning,
                            "io-error",
                            Some(filter.out.of(e.path())),
                            "skipped: not a regular file".into(),
                        )]));
                        return WalkState::Continue;
                    }
                    if let Some((rel, abs)) = filter.file(&e) {
                        let _ = tx.send(Ok(SourcePath { rel, abs, language }));
                    }
                }
                Err(err) => {
                    let _ = tx.send(Err(error_notes(&err, &filter.out)));
                }
            }
            WalkState::Continue
        })
    });
    drop(tx);

    let mut files = Vec::new();
    let mut notes = match filter.notes.lock() {
        Ok(mut v) => std::mem::take(&mut *v),
        Err(_) => Vec::new(),
    };
    for msg in rx {
        match msg {
            Ok(f) => files.push(f),
            Err(n) => notes.extend(n),
        }
    }
    let (tracked, tracked_notes) = tracked_but_ignored(dirs, root, settings, &out, &files);
    files.extend(tracked);
    notes.extend(tracked_notes);
    (files, notes)
}

/// Source files git tracks below the walked directories that an ignore
/// file (`.gitignore`, `.ignore`, `.git/info/exclude`) kept from the walk.
/// CI scans what is committed: a pull request must not hide a file from
/// the scan by listing it in `.gitignore`. They are scanned, each with a
/// note. What synthlint's own policy leaves out stays out: default
/// excludes, `exclude`/`--exclude` and `.synthlintignore`. The index is
/// read, never git run (`git_index`).
fn tracked_but_ignored(
    dirs: &[PathBuf],
    root: &Path,
    settings: &Settings,
    out: &OutputPaths,
    walked: &[SourcePath],
) -> (Vec<SourcePath>, Vec<Notification>) {
    use std::collections::{HashMap, HashSet};
    let walked: HashSet<&Path> = walked.iter().map(|f| f.abs.as_path()).collect();
    let mut indexes: HashMap<PathBuf, Option<crate::git_index::Tracked>> = HashMap::new();
    let mut own_ignores: HashMap<PathBuf, Option<Gitignore>> = HashMap::new();
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for dir in dirs {
        let Some(work_tree) = dir.ancestors().find(|d| d.join(".git").exists()) else {
            continue;
        };
        let tracked = indexes
            .entry(work_tree.to_path_buf())
            .or_insert_with(|| crate::git_index::Tracked::for_dir(dir));
        let Some(tracked) = tracked.as_ref() else {
            continue;
        };
        for abs in tracked.files_under(dir) {
            let Some(language) = language_of(&abs) else {
                continue;
            };
            if walked.contains(abs.as_path())
                || !std::fs::symlink_metadata(&abs).is_ok_and(|m| m.is_file())
            {
                continue;
            }
            let below = abs.strip_prefix(dir).unwrap_or(&abs);
            let default_excluded = below
                .parent()
                .into_iter()
                .flat_map(Path::components)
                .any(|c| {
                    c.as_os_str()
                        .to_str()
                        .is_some_and(|n| DEFAULT_EXCLUDES.contains(&n))
                });
            let rel = out.of(&abs);
            if default_excluded
                || excluded(&settings.exclude, &rel)
                || synthlint_ignored(&abs, root, dir, &mut own_ignores)
            {
                continue;
            }
            notes.push(note(
                Level::Note,
                "tracked-but-ignored",
                Some(rel.clone()),
                "scanned although an ignore file lists it: git tracks this file".into(),
            ));
            files.push(SourcePath { rel, abs, language });
        }
    }
    (files, notes)
}

/// Whether a `.synthlintignore` between the root (or the walked directory,
/// when that is not below the root) and the file ignores it. The deepest
/// file that says anything about it decides, as in git.
fn synthlint_ignored(
    file: &Path,
    root: &Path,
    walked: &Path,
    cache: &mut std::collections::HashMap<PathBuf, Option<Gitignore>>,
) -> bool {
    let top = if walked.starts_with(root) {
        root
    } else {
        walked
    };
    for dir in file.ancestors().skip(1) {
        if !dir.starts_with(top) {
            break;
        }
        let gi = cache.entry(dir.to_path_buf()).or_insert_with(|| {
            let path = dir.join(IGNORE_FILE);
            if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                return None;
            }
            let mut b = GitignoreBuilder::new(dir);
            let _ = b.add(&path);
            b.build().ok()
        });
        if let Some(gi) = gi {
            match gi.matched_path_or_any_parents(file, false) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
    }
    false
}

/// A file selected for `synthlint media`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MediaPath {
    /// Output path (root-relative, `/`-separated).
    pub rel: String,
    pub abs: PathBuf,
    /// Named on the command line rather than found in a directory.
    pub named: bool,
}

/// Files for `synthlint media`. Named files are taken whatever their
/// extension (the caller decides by content). Directories are walked for
/// files whose extension `is_media` accepts, without ignore files: sample
/// outputs are often git-ignored, and the user pointed the command at them.
/// `.git` is skipped and symbolic links inside directories are not
/// followed. Sorted by output path, each file once.
pub fn media_files(
    paths: &[PathBuf],
    root: &Path,
    is_media: impl Fn(&Path) -> bool,
) -> (Vec<MediaPath>, Vec<Notification>) {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let cwd = std::env::current_dir()
        .ok()
        .map(|c| c.canonicalize().unwrap_or(c));
    let out = OutputPaths {
        root,
        cwd: cwd.clone(),
    };
    let mut files: Vec<MediaPath> = Vec::new();
    let mut notes = Vec::new();
    for path in paths {
        let named = logical(path, cwd.as_deref());
        let meta = match std::fs::metadata(&named) {
            Ok(m) => m,
            Err(e) => {
                notes.push(note(
                    Level::Warning,
                    "io-error",
                    Some(out.of(&named)),
                    format!("skipped: {e}"),
                ));
                continue;
            }
        };
        if meta.is_file() {
            // Reported under the name it was given: a link is not its
            // target (which may say where things lie outside the root).
            let rel = out.of(&named);
            let abs = named.canonicalize().unwrap_or(named);
            files.push(MediaPath {
                rel,
                abs,
                named: true,
            });
            continue;
        }
        if !meta.is_dir() {
            notes.push(note(
                Level::Warning,
                "io-error",
                Some(out.of(&named)),
                "skipped: not a regular file".into(),
            ));
            continue;
        }
        let walker = WalkBuilder::new(&named)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    if !is_media(e.path()) {
                        continue;
                    }
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        let rel = out.of(e.path());
                        let abs = e.path().canonicalize().unwrap_or_else(|_| e.into_path());
                        files.push(MediaPath {
                            rel,
                            abs,
                            named: false,
                        });
                    } else if e.path_is_symlink() {
                        notes.push(note(
                            Level::Note,
                            "symlink-not-followed",
                            Some(out.of(e.path())),
                            "skipped: symbolic link (directories are searched without following links; name the file to check it)".into(),
                        ));
                    } else if !e.file_type().is_some_and(|t| t.is_dir()) {
                        notes.push(note(
                            Level::Warning,
                            "io-error",
                            Some(out.of(e.path())),
                            "skipped: not a regular file".into(),
                        ));
                    }
                }
                Err(err) => notes.extend(error_notes(&err, &out)),
            }
        }
    }
    // The same file named twice, or named and found in a directory (maybe
    // under another name, through a link): once, under its first name.
    files.sort_by(|a, b| (&a.abs, &a.rel).cmp(&(&b.abs, &b.rel)));
    files.dedup_by(|b, a| {
        if a.abs == b.abs {
            a.named |= b.named;
            true
        } else {
            false
        }
    });
    files.sort();
    notes.sort();
    (files, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_never_absolute() {
        let out = OutputPaths {
            root: PathBuf::from("/r/repo"),
            cwd: Some(PathBuf::from("/r/work")),
        };
        assert_eq!(out.of(Path::new("/r/repo/a/b.py")), "a/b.py");
        assert_eq!(out.of(Path::new("/r/repo")), ".");
        // Outside the root: still relative to the root (what SARIF's
        // %SRCROOT% means), never to the current directory.
        assert_eq!(out.of(Path::new("/r/other/x.py")), "../other/x.py");
        assert_eq!(out.of(Path::new("/r/work/x.py")), "../work/x.py");
        assert_eq!(out.of(Path::new("relative.py")), "../work/relative.py");
    }
}

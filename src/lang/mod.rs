//! Frontends: the only place that knows a language (tree-sitter today, syn
//! and config parsers next). Each turns one file's bytes into owned
//! `FileFacts` behind the [`Frontend`] contract, and is registered once in
//! [`FRONTENDS`]; the walker's classification, the reader's decoding rules,
//! the cache key and the call graph's language rules all come from there.

pub mod config;
pub mod ffmpeg;
pub mod markup;
pub mod python;
pub mod rust;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::facts::{FileFacts, Language};
use crate::finding::Notification;

/// What a frontend needs besides the text: catalogue data that extraction
/// reads (and that therefore keys the facts cache).
#[derive(Debug, Clone, Copy)]
pub struct ExtractOptions<'a> {
    /// Methods that return their receiver (`pipe.to("cuda")`).
    pub passthrough: &'a [String],
    /// Which user-facing strings the markup frontend keeps.
    pub ui: UiFilter<'a>,
}

/// Which user-facing strings of markup are worth keeping. The service
/// rules only ask whether some string matches one of their terms, so a
/// scan keeps those (and the first strings of a file, where a page-wide
/// finding is anchored); comments are always kept (suppressions).
#[derive(Debug, Clone, Copy)]
pub enum UiFilter<'a> {
    /// Every string (`debug facts`, tests).
    All,
    /// Strings matching the set, plus each file's first string and first
    /// text, every link and every component name.
    Matching(&'a crate::catalog::terms::TermSet),
    /// None: no enabled rule reads them.
    Nothing,
}

/// Why a file's bytes are not text the frontend can read: a notification
/// kind (`binary-file`, `invalid-utf8`) and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    pub kind: &'static str,
    pub message: String,
}

/// What differs between languages where the analyses meet code: what
/// calling a class or an instance runs, and what a method's receiver
/// parameter is called.
#[derive(Debug)]
pub struct Semantics {
    /// The method a constructor call runs (`__init__`); `None` where
    /// calling a type runs no method of it.
    pub constructor: Option<&'static str>,
    /// The method calling an instance runs (`__call__`).
    pub call_operator: Option<&'static str>,
    /// Names of a method's receiver parameter (`self`, `cls`): not bound
    /// to an argument at a method call.
    pub receiver_params: &'static [&'static str],
    /// Methods that put work on a queue or list (`put`, `append`).
    pub enqueue: &'static [&'static str],
    /// Methods that take work off one (`get`, `pop`).
    pub dequeue: &'static [&'static str],
    /// Calls that start a coroutine or task given as a call of it
    /// (`asyncio.create_task(worker())`), by last name.
    pub task_starters: &'static [&'static str],
    /// Methods of a task function that run it later, elsewhere, with the
    /// arguments given (`purge.delay(uid)`, `purge.apply_async(args=[uid])`):
    /// the call graph treats the call as a hand-off to the function.
    pub deferred_calls: &'static [&'static str],
    /// Decorators that make a method abstract (`abc.abstractmethod`): a
    /// call on an instance of the class runs an override in a subclass,
    /// as a call through a Rust trait runs an implementation.
    pub abstract_decorators: &'static [&'static str],
}

/// One language's frontend.
pub trait Frontend: Sync {
    fn language(&self) -> Language;
    /// File name extensions it reads (without the dot).
    fn extensions(&self) -> &'static [&'static str];
    /// Whole file names it reads whatever their extension (`Dockerfile`,
    /// `.env`, `logrotate.conf`).
    fn file_names(&self) -> &'static [&'static str] {
        &[]
    }
    /// Other paths it reads, by a name pattern or directory
    /// (`.env.production`, `Dockerfile.prod`, `logrotate.d/nginx`).
    fn claims(&self, _path: &Path) -> bool {
        false
    }
    /// File names it leaves alone although their extension is its own
    /// (`package-lock.json`).
    fn skips(&self, _file_name: &str) -> bool {
        false
    }
    /// The language's rules for turning bytes into text (encodings, what
    /// makes a file binary).
    fn decode(&self, bytes: Vec<u8>) -> Result<String, Undecodable>;
    /// Facts of one file: parse once, extract, drop the tree.
    fn extract(
        &self,
        path: &str,
        text: &str,
        options: &ExtractOptions<'_>,
    ) -> (FileFacts, Vec<Notification>);
    /// Parse and visit every node, extracting nothing: the floor a scan is
    /// measured against (`synthlint debug parse`). Returns the node count.
    fn parse_only(&self, text: &str) -> usize;
    /// [`Frontend::parse_only`] of the file at `path`, for formats whose
    /// reader depends on the file's name (markup's flavours, JSONC,
    /// logrotate's sniffing): the reader the scan runs on that file.
    fn parse_only_at(&self, path: &str, text: &str) -> usize {
        let _ = path;
        self.parse_only(text)
    }
    fn semantics(&self) -> &'static Semantics;
    /// What starts a comment that runs to the end of the line (`#`,
    /// `//`): how `--add-suppressions` writes a directive. `None` for
    /// formats without comments (JSON).
    fn line_comment(&self) -> Option<&'static str>;
    /// The comments `--add-suppressions` may write in a file at `path`,
    /// as (opening, closing) markers, the likeliest first; each is checked
    /// by parsing the result. By default the line comment.
    fn comment_styles(&self, path: &str) -> Vec<(&'static str, &'static str)> {
        let _ = path;
        self.line_comment().map(|c| (c, "")).into_iter().collect()
    }
    /// Whether its files are code (modules, functions, calls) rather than
    /// configuration documents, which stay out of the module map.
    fn has_code(&self) -> bool {
        true
    }

    /// Whether a large file's parse frees so much memory that the scan
    /// hands the allocator's free pages back to the system right after it
    /// (`engine::release_parser_memory`): syntax trees (tree-sitter, syn)
    /// take hundreds of bytes a source byte. Readers that build no tree
    /// hold a few bytes a byte and return `false`: for them the purge only
    /// made every later file fault its pages in again.
    fn parse_frees_much(&self) -> bool {
        true
    }

    /// What no single file knows, once every file is extracted and before
    /// the project is indexed (Rust: crate names from `Cargo.toml`, the
    /// module tree of `mod x;`). Sees every file that some frontend's
    /// [`Frontend::arranges`] names, in path order.
    fn arrange(&self, _files: &mut [FileFacts]) {}

    /// Whether [`Frontend::arrange`] reads or changes the file at `path`:
    /// such files stay decoded until the project is built.
    fn arranges(&self, _path: &str, _language: Language) -> bool {
        false
    }
}

/// Every frontend's project-wide step (`Frontend::arrange`).
pub fn arrange(files: &mut [FileFacts]) {
    for f in FRONTENDS {
        f.arrange(files);
    }
}

/// Whether some frontend's project-wide step reads the file at `path`.
pub fn arranged(path: &str, language: Language) -> bool {
    FRONTENDS.iter().any(|f| f.arranges(path, language))
}

/// Every frontend, in one table.
pub static FRONTENDS: &[&dyn Frontend] = &[
    &python::PythonFrontend,
    &rust::RustFrontend,
    &config::YAML,
    &config::TOML,
    &config::JSON,
    &config::INI,
    &config::DOTENV,
    &config::HCL,
    &config::LOGROTATE,
    &config::DOCKERFILE,
    &config::PROTO,
    &markup::MarkupFrontend,
];

/// The frontend that reads `path`: by whole file name first, then by the
/// frontends' own path rules, then by extension (unless the frontend skips
/// that name).
pub fn for_path(path: &Path) -> Option<&'static dyn Frontend> {
    // A name that is not UTF-8 may still end in `.py` (`a\xff.py`): the
    // extension decides then.
    let name = path.file_name().and_then(|n| n.to_str());
    if let Some(name) = name
        && let Some(f) = FRONTENDS.iter().find(|f| f.file_names().contains(&name))
    {
        return Some(*f);
    }
    if let Some(f) = FRONTENDS.iter().find(|f| f.claims(path)) {
        return Some(*f);
    }
    let ext = path.extension()?.to_str()?;
    FRONTENDS
        .iter()
        .find(|f| f.extensions().contains(&ext) && !name.is_some_and(|n| f.skips(n)))
        .copied()
}

/// The frontend of a language.
pub fn frontend(language: Language) -> &'static dyn Frontend {
    *FRONTENDS
        .iter()
        .find(|f| f.language() == language)
        .expect("every language has a registered frontend")
}

/// A file's text as its frontend reads it (`Frontend::decode`), for the
/// reporters that show or hash the text the spans index, so that they agree
/// with the parser; files no frontend reads (configuration, media) as UTF-8
/// after an optional BOM. `None` when the bytes are not such text.
pub fn decode_file(path: &Path, bytes: Vec<u8>) -> Option<String> {
    match for_path(path) {
        Some(frontend) => frontend.decode(bytes).ok(),
        None => {
            let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
                Some(rest) => rest.to_vec(),
                None => bytes,
            };
            String::from_utf8(bytes).ok()
        }
    }
}

/// UTF-8 text with a BOM dropped, for formats that are UTF-8 only: a NUL
/// byte means a binary file, and invalid UTF-8 is reported with its line
/// (`why` is added to that message).
pub fn decode_utf8(bytes: Vec<u8>, why: &str) -> Result<String, Undecodable> {
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(Undecodable {
            kind: "binary-file",
            message: format!("skipped: looks like a binary file (NUL byte at offset {at})"),
        });
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Undecodable {
                kind: "invalid-utf8",
                message: format!("skipped: not valid UTF-8 at line {line}{why}"),
            })
        }
    }
}

/// The call-graph rules of a language.
pub fn semantics(language: Language) -> &'static Semantics {
    frontend(language).semantics()
}

/// Worker time spent in the parsers themselves (syn, tree-sitter), summed
/// over files and threads since the process started: `--stats` splits its
/// parse+extract phase with it.
static PARSE_NANOS: AtomicU64 = AtomicU64::new(0);

/// The builder of the scan's worker pool: `jobs` threads (0: one per
/// core), each with the stack the deepest parser needs, so files are parsed
/// on the workers themselves.
pub fn worker_pool(jobs: usize) -> rayon::ThreadPoolBuilder {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(rust::PARSE_STACK)
        .start_handler(|_| rust::mark_parse_stack())
}

/// Run a parser, its time counted in [`parse_time`].
pub fn timed_parse<T>(parse: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = parse();
    PARSE_NANOS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

/// Parser time so far (read before and after a phase).
pub fn parse_time() -> Duration {
    Duration::from_nanos(PARSE_NANOS.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_one_frontend() {
        for f in FRONTENDS {
            let same = FRONTENDS
                .iter()
                .filter(|g| g.language() == f.language())
                .count();
            assert_eq!(same, 1, "{:?}", f.language());
            assert!(std::ptr::eq(frontend(f.language()), *f));
        }
        assert!(for_path(Path::new("pkg/app.py")).is_some());
        assert!(for_path(Path::new("pkg/app.pyi")).is_some());
        assert_eq!(
            for_path(Path::new("crates/gw/src/main.rs")).map(|f| f.language()),
            Some(Language::Rust)
        );
        assert_eq!(
            for_path(Path::new("README.md")).map(|f| f.language()),
            Some(Language::Markup)
        );
        assert!(for_path(Path::new("Makefile")).is_none());
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let name = std::ffi::OsStr::from_bytes(b"a\xff.py");
            assert!(for_path(Path::new(name)).is_some());
        }
        let lang = |p: &str| for_path(Path::new(p)).map(|f| f.language());
        assert_eq!(lang("chart/values.yaml"), Some(Language::Yaml));
        assert_eq!(lang("infra/main.tf"), Some(Language::Hcl));
        assert_eq!(lang(".env.production"), Some(Language::Dotenv));
        assert_eq!(lang("deploy/Dockerfile.prod"), Some(Language::Dockerfile));
        assert_eq!(lang("etc/logrotate.d/app"), Some(Language::Logrotate));
        assert_eq!(lang("proto/generate.proto"), Some(Language::Proto));
        assert_eq!(
            lang(".devcontainer/devcontainer.json"),
            Some(Language::Json)
        );
        assert_eq!(lang("web/package-lock.json"), None);
        assert_eq!(lang("notebooks/a.ipynb"), None);
        assert_eq!(lang("templates/base.html"), Some(Language::Markup));
        assert_eq!(lang("web/src/App.tsx"), Some(Language::Markup));
        assert_eq!(lang("static/js/jquery.min.js"), None);
    }
}

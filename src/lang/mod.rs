//! Frontends: the only place that knows a language (tree-sitter today, syn
//! and config parsers next). Each turns one file's bytes into owned
//! `FileFacts` behind the [`Frontend`] contract, and is registered once in
//! [`FRONTENDS`]; the walker's classification, the reader's decoding rules,
//! the cache key and the call graph's language rules all come from there.

pub mod ffmpeg;
pub mod python;
pub mod rust;

use std::path::Path;

use crate::facts::{FileFacts, Language};
use crate::finding::Notification;

/// What a frontend needs besides the text: catalogue data that extraction
/// reads (and that therefore keys the facts cache).
#[derive(Debug, Clone, Copy)]
pub struct ExtractOptions<'a> {
    /// Methods that return their receiver (`pipe.to("cuda")`).
    pub passthrough: &'a [String],
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
    fn semantics(&self) -> &'static Semantics;
    /// What starts a comment that runs to the end of the line (`#`,
    /// `//`): how `--add-suppressions` writes a directive.
    fn line_comment(&self) -> &'static str;
    /// Whether its files are code (modules, functions, calls) rather than
    /// configuration documents, which stay out of the module map.
    fn has_code(&self) -> bool {
        true
    }
}

/// Every frontend, in one table.
pub static FRONTENDS: &[&dyn Frontend] = &[&python::PythonFrontend, &rust::RustFrontend];

/// The frontend that reads `path`, by file name first, then extension.
pub fn for_path(path: &Path) -> Option<&'static dyn Frontend> {
    let name = path.file_name()?.to_str()?;
    if let Some(f) = FRONTENDS.iter().find(|f| f.file_names().contains(&name)) {
        return Some(*f);
    }
    let ext = path.extension()?.to_str()?;
    FRONTENDS
        .iter()
        .find(|f| f.extensions().contains(&ext))
        .copied()
}

/// The frontend of a language.
pub fn frontend(language: Language) -> &'static dyn Frontend {
    *FRONTENDS
        .iter()
        .find(|f| f.language() == language)
        .expect("every language has a registered frontend")
}

/// The call-graph rules of a language.
pub fn semantics(language: Language) -> &'static Semantics {
    frontend(language).semantics()
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
        assert!(for_path(Path::new("README.md")).is_none());
        assert!(for_path(Path::new("Makefile")).is_none());
    }
}

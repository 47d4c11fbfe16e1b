//! Python frontend (tree-sitter). Placeholder until the extractor lands.

use crate::facts::{FileFacts, Language};
use crate::finding::Notification;

pub fn module_name(path: &str) -> String {
    let p = path
        .strip_suffix(".py")
        .or_else(|| path.strip_suffix(".pyi"))
        .unwrap_or(path);
    let p = p.strip_suffix("/__init__").unwrap_or(p);
    p.replace('/', ".")
}

pub fn extract(path: &str, text: &str) -> (FileFacts, Vec<Notification>) {
    let facts = FileFacts {
        path: path.to_string(),
        language: Language::Python,
        module: module_name(path),
        imports: vec![],
        functions: vec![],
        classes: vec![],
        calls: vec![],
        assignments: vec![],
        strings: vec![],
        comments: vec![],
        syntax_errors: vec![],
        line_count: text.lines().count() as u32,
    };
    (facts, vec![])
}

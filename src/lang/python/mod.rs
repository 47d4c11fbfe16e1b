//! Python frontend: tree-sitter-python plus the queries in `queries/python/`.
//!
//! One parse per file, one cursor walk that extracts what the queries match
//! (`walk.rs`), then the tree is dropped. The combined query is the
//! reference: `extract_with_query` runs it, and tests and the fuzz harness
//! check that both paths give identical facts. The result is owned
//! `FileFacts`; names are resolved (imports, variable types) in `resolve.rs`
//! before the facts leave this module.

mod decode;
mod extract;
mod resolve;
mod values;
mod walk;

use std::cell::RefCell;
use std::sync::LazyLock;

use tree_sitter::{CaptureQuantifier, Parser, Query, QueryCursor, StreamingIterator};

use crate::facts::{FileFacts, Language};
use crate::finding::{Level, Notification};
use crate::lang::{ExtractOptions, Frontend, Semantics, Undecodable};
use crate::source::LineIndex;

/// The Python frontend, registered in `lang::FRONTENDS`.
pub struct PythonFrontend;

static SEMANTICS: Semantics = Semantics {
    constructor: Some("__init__"),
    call_operator: Some("__call__"),
    receiver_params: &["self", "cls"],
    enqueue: &["put", "put_nowait", "append", "appendleft"],
    dequeue: &["get", "get_nowait", "pop", "popleft"],
    task_starters: &[
        "create_task",
        "ensure_future",
        "run_coroutine_threadsafe",
        "start_soon",
    ],
    // Celery (`delay`, `apply_async`) and Dramatiq (`send`) task functions.
    deferred_calls: &["delay", "apply_async", "send"],
    abstract_decorators: &[
        "abc.abstractmethod",
        "abc.abstractclassmethod",
        "abc.abstractstaticmethod",
    ],
};

impl Frontend for PythonFrontend {
    fn language(&self) -> Language {
        Language::Python
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["py", "pyi"]
    }

    fn decode(&self, bytes: Vec<u8>) -> Result<String, Undecodable> {
        decode::decode(bytes)
    }

    fn extract(
        &self,
        path: &str,
        text: &str,
        options: &ExtractOptions<'_>,
    ) -> (FileFacts, Vec<Notification>) {
        extract(path, text, options.passthrough)
    }

    fn parse_only(&self, text: &str) -> usize {
        parse_only(text)
    }

    fn semantics(&self) -> &'static Semantics {
        &SEMANTICS
    }

    fn line_comment(&self) -> Option<&'static str> {
        Some("#")
    }
}

/// The `.scm` files, concatenated into one query (pattern index → fact kind).
const QUERY_SOURCES: &[&str] = &[
    include_str!("../../../queries/python/assignments.scm"),
    include_str!("../../../queries/python/calls.scm"),
    include_str!("../../../queries/python/conditions.scm"),
    include_str!("../../../queries/python/definitions.scm"),
    include_str!("../../../queries/python/entrypoints.scm"),
    include_str!("../../../queries/python/errors.scm"),
    include_str!("../../../queries/python/imports.scm"),
    include_str!("../../../queries/python/literals.scm"),
];

/// Fact kind of each query pattern, from its outermost capture name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Import,
    ImportFrom,
    Function,
    Class,
    Call,
    Assignment,
    Str,
    Comment,
    Error,
    MainGuard,
    Return,
    Condition,
}

struct CompiledQuery {
    query: Query,
    /// Kind per pattern index.
    kinds: Vec<Kind>,
    captures: extract::Captures,
}

static QUERY: LazyLock<CompiledQuery> = LazyLock::new(|| {
    let language = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
    let query =
        Query::new(&language, &QUERY_SOURCES.join("\n")).expect("queries/python/*.scm compile");
    let names = query.capture_names();
    let kinds = (0..query.pattern_count())
        .map(|p| {
            // The root capture is the one without a dot that the pattern uses.
            let quantifiers = query.capture_quantifiers(p);
            let root = names
                .iter()
                .enumerate()
                .find(|(i, n)| !n.contains('.') && quantifiers[*i] != CaptureQuantifier::Zero)
                .map(|(_, n)| *n)
                .expect("every pattern has a root capture");
            match root {
                "import" => Kind::Import,
                "import_from" => Kind::ImportFrom,
                "function" => Kind::Function,
                "class" => Kind::Class,
                "call" => Kind::Call,
                "assignment" => Kind::Assignment,
                "string" => Kind::Str,
                "comment" => Kind::Comment,
                "error" => Kind::Error,
                "main_guard" => Kind::MainGuard,
                "return" => Kind::Return,
                "condition" => Kind::Condition,
                other => panic!("unknown root capture @{other} in queries/python"),
            }
        })
        .collect();
    let captures = extract::Captures::new(&query);
    CompiledQuery {
        query,
        kinds,
        captures,
    }
});

thread_local! {
    /// One parser and cursor per worker thread.
    static PARSER: RefCell<(Parser, QueryCursor)> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("tree-sitter-python matches the tree-sitter version");
        (parser, QueryCursor::new())
    });
}

/// Dotted module name of a repo-relative path (`pkg/sub/mod.py` → `pkg.sub.mod`,
/// `pkg/__init__.py` → `pkg`). A leading `src/` layout folder is dropped.
pub fn module_name(path: &str) -> String {
    let p = path
        .strip_suffix(".py")
        .or_else(|| path.strip_suffix(".pyi"))
        .unwrap_or(path);
    let p = p.strip_suffix("/__init__").unwrap_or(p);
    let p = if p == "__init__" { "" } else { p };
    let p = p.strip_prefix("src/").unwrap_or(p);
    p.replace('/', ".")
}

fn is_package_init(path: &str) -> bool {
    path == "__init__.py" || path.ends_with("/__init__.py") || path.ends_with("/__init__.pyi")
}

/// Facts of one file (one parse, one cursor walk).
pub fn extract(path: &str, text: &str, passthrough: &[String]) -> (FileFacts, Vec<Notification>) {
    extract_impl(path, text, passthrough, false)
}

/// The same facts, extracted by running the combined query of
/// `queries/python/*.scm`: the reference the cursor walk is checked against.
#[doc(hidden)]
pub fn extract_with_query(
    path: &str,
    text: &str,
    passthrough: &[String],
) -> (FileFacts, Vec<Notification>) {
    extract_impl(path, text, passthrough, true)
}

fn extract_impl(
    path: &str,
    text: &str,
    passthrough: &[String],
    via_query: bool,
) -> (FileFacts, Vec<Notification>) {
    // Python accepts old Mac line endings; tree-sitter does not. A lone CR
    // becomes LF, which keeps every byte offset the same.
    let normalized;
    let text = if text.contains('\r') {
        normalized = lone_cr_to_lf(text);
        normalized.as_str()
    } else {
        text
    };
    let index = LineIndex::new(text);
    let mut facts = FileFacts::empty(
        path,
        Language::Python,
        module_name(path),
        index.line_count(),
    );
    let mut notes = Vec::new();
    let raw = PARSER.with(|cell| {
        let (parser, cursor) = &mut *cell.borrow_mut();
        let tree = crate::lang::timed_parse(|| parser.parse(text, None))?;
        let mut raw = extract::Raw::new(text, &index, &facts.module, is_package_init(path));
        if via_query {
            let q = &*QUERY;
            let mut matches = cursor.matches(&q.query, tree.root_node(), text.as_bytes());
            while let Some(m) = matches.next() {
                raw.add(q.kinds[m.pattern_index], m, &q.captures);
            }
        } else {
            walk::extract(&tree, &mut raw);
        }
        if tree.root_node().has_error() && raw.errors.is_empty() {
            // Only MISSING nodes: the parser inserted a token it expected.
            raw.errors.push(index.span(0, 0));
        }
        Some(raw.finish())
    });
    match raw {
        Some(mut raw) => {
            facts.imports = std::mem::take(&mut raw.imports);
            facts.main_guards = std::mem::take(&mut raw.main_guards);
            facts.stores = std::mem::take(&mut raw.stores);
            let (resolved, strings, comments, errors) = resolve::resolve(&facts, raw, passthrough);
            facts.functions = resolved.functions;
            facts.classes = resolved.classes;
            facts.calls = resolved.calls;
            facts.assignments = resolved.assignments;
            facts.conditions = resolved.conditions;
            facts.returns = resolved.returned;
            facts.strings = strings;
            facts.comments = comments;
            facts.syntax_errors = errors;
        }
        None => notes.push(Notification {
            level: Level::Warning,
            kind: "parse-failed".into(),
            message: "the Python parser gave up on this file".into(),
            path: Some(path.to_string()),
            span: None,
        }),
    }
    if let Some(first) = facts.syntax_errors.first() {
        notes.push(Notification {
            level: Level::Warning,
            kind: "syntax-error".into(),
            message: format!(
                "{} syntax error region(s), first at line {}; facts from the rest of the file are kept (Python 2 code?)",
                facts.syntax_errors.len(),
                first.start_line
            ),
            path: Some(path.to_string()),
            span: Some(*first),
        });
    }
    (facts, notes)
}

fn lone_cr_to_lf(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c == '\r' && bytes.get(i + 1) != Some(&b'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// Parse and visit every node, extracting nothing: the floor a full scan is
/// measured against (`synthlint debug parse`). Returns the node count.
pub fn parse_only(text: &str) -> usize {
    PARSER.with(|cell| {
        let (parser, _) = &mut *cell.borrow_mut();
        let Some(tree) = parser.parse(text, None) else {
            return 0;
        };
        let mut cursor = tree.walk();
        let mut nodes = 0;
        loop {
            nodes += 1;
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            loop {
                if !cursor.goto_parent() {
                    return nodes;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    })
}

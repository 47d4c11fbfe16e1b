//! Rust frontend: `syn` (full) over the whole file, one visit that extracts
//! the facts, names resolved through `use` trees, `let` bindings, typed
//! parameters and struct fields before the facts leave this module.
//!
//! Before syn sees a file, a small lexer pass (`lex.rs`) reads the `//`
//! comments syn drops (suppressions live there) and measures how deep the
//! file nests: syn's parser and every visit of its tree recurse as deep as
//! the input does, so a file over the bound is refused with a notification
//! instead of risking the stack. A file syn cannot parse is a notification;
//! its comments are still kept, and the rest of the crate is analysed.

mod extract;
mod layout;
mod lex;
mod macros;
mod values;

use crate::facts::{FileFacts, Language};
use crate::finding::{Level, Notification};
use crate::lang::{ExtractOptions, Frontend, Semantics, Undecodable};
use crate::source::LineIndex;

/// The Rust frontend, registered in `lang::FRONTENDS`.
pub struct RustFrontend;

static SEMANTICS: Semantics = Semantics {
    // Calling a type runs no method of it (`Client::new()` is a call of
    // the associated function `new`, resolved as such).
    constructor: None,
    call_operator: None,
    receiver_params: &["self"],
    // Channel ends (`tx.send(job)`, `rx.recv().await`): the frontend pairs
    // them by message type (`FileFacts::channels`). Tasks and threads are
    // started with `spawn` (`tokio::spawn(worker(rx))`, `thread::spawn`).
    enqueue: &[
        "send",
        "try_send",
        "send_async",
        "blocking_send",
        "send_timeout",
    ],
    dequeue: &[
        "recv",
        "try_recv",
        "recv_async",
        "blocking_recv",
        "recv_timeout",
    ],
    task_starters: &["spawn", "spawn_blocking", "spawn_local"],
    deferred_calls: &[],
    abstract_decorators: &[],
};

impl Frontend for RustFrontend {
    fn language(&self) -> Language {
        Language::Rust
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["rs"]
    }

    fn decode(&self, bytes: Vec<u8>) -> Result<String, Undecodable> {
        super::decode_utf8(bytes, " (Rust source is UTF-8)")
    }

    fn extract(
        &self,
        path: &str,
        text: &str,
        _options: &ExtractOptions<'_>,
    ) -> (FileFacts, Vec<Notification>) {
        extract(path, text)
    }

    fn parse_only(&self, text: &str) -> usize {
        on_parse_stack(|| {
            let index = LineIndex::new(text);
            let lexed = lex::lex(text, &index);
            if lexed.too_deep_at.is_some() {
                return 0;
            }
            let blanked;
            let text = match lexed.test_bodies.is_empty() {
                true => text,
                false => {
                    blanked = lex::blank(text, &lexed.test_bodies);
                    &blanked
                }
            };
            syn::parse_file(text).map_or(0, |f| f.items.len())
        })
        .unwrap_or(0)
    }

    fn semantics(&self) -> &'static Semantics {
        &SEMANTICS
    }

    fn line_comment(&self) -> Option<&'static str> {
        Some("//")
    }

    fn arrange(&self, files: &mut [FileFacts]) {
        layout::arrange(files);
    }

    fn arranges(&self, path: &str, language: Language) -> bool {
        layout::arranges(path, language)
    }
}

/// The crate a file belongs to and its module path, from the path alone:
/// `crates/llm-gateway/src/api/chat.rs` → crate `llm_gateway`, module
/// `llm_gateway.api.chat`; `lib.rs` is the crate root, `mod.rs` its
/// directory, `main.rs` and `src/bin/x.rs` are modules `main` and
/// `bin.x` of the crate. Files outside `src/` (`examples/`, `tests/`,
/// `benches/`) are modules of the crate beside them. A crate at the
/// repository root is called `crate`. Returns `(crate, module)`.
pub fn module_name(path: &str) -> (String, String) {
    let p = path.strip_suffix(".rs").unwrap_or(path);
    let parts: Vec<&str> = p.split('/').collect();
    let root_at = parts.iter().rposition(|s| *s == "src").or_else(|| {
        parts[..parts.len().saturating_sub(1)]
            .iter()
            .rposition(|s| matches!(*s, "examples" | "tests" | "benches"))
    });
    let (crate_name, rest): (String, &[&str]) = match root_at {
        Some(i) => {
            let name = if i == 0 { "crate" } else { parts[i - 1] };
            let rest = if parts[i] == "src" {
                &parts[i + 1..]
            } else {
                &parts[i..]
            };
            (ident(name), rest)
        }
        None => (
            ident(parts.first().copied().unwrap_or("crate")),
            parts.get(1..).unwrap_or(&[]),
        ),
    };
    let mut segs: Vec<String> = rest.iter().map(|s| ident(s)).collect();
    if matches!(segs.last().map(String::as_str), Some("mod" | "lib")) {
        segs.pop();
    }
    let mut module = crate_name.clone();
    for s in segs {
        module.push('.');
        module.push_str(&s);
    }
    (crate_name, module)
}

/// A path segment as a Rust identifier (`llm-gateway` → `llm_gateway`):
/// every character that cannot be in one becomes `_`.
fn ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Stack of the thread each file is parsed and visited on. syn's parser
/// and the visit recurse with the input; under the lexer's bound they need
/// about 11 MiB in a debug build (measured: up to 7 KiB per unit of the
/// nesting measure) and far less optimised. Only the pages used are
/// committed.
pub(crate) const PARSE_STACK: usize = 64 << 20;

thread_local! {
    /// Set on the threads of a pool built by [`crate::lang::worker_pool`],
    /// which have `PARSE_STACK` of stack already.
    static ON_PARSE_STACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as having `PARSE_STACK` of stack.
pub(crate) fn mark_parse_stack() {
    ON_PARSE_STACK.with(|c| c.set(true));
}

/// Run `f` where there is `PARSE_STACK` of stack: on this thread when it is
/// a scan worker built with it, else on a thread of its own (other threads
/// have the platform's default, 2 MiB). A thread per file cost a fresh
/// stack's page faults each time: about a quarter of the parse on
/// mistral.rs. A panic goes on to the caller (the engine turns it into a
/// notification).
fn on_parse_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    if ON_PARSE_STACK.with(|c| c.get()) {
        // The worker goes on to other files: drop this one's line table and
        // proc-macro2's map of its spans (a thread of its own took both
        // with it), also when `f` panics. No span of the file outlives `f`.
        struct Forget;
        impl Drop for Forget {
            fn drop(&mut self) {
                values::forget_lines();
                macros::forget();
                proc_macro2::extra::invalidate_current_thread_spans();
            }
        }
        let _forget = Forget;
        return Some(f());
    }
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("synthlint-rust-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, f)
            .ok()?;
        match handle.join() {
            Ok(v) => Some(v),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Facts of one Rust file.
pub fn extract(path: &str, text: &str) -> (FileFacts, Vec<Notification>) {
    match on_parse_stack(|| extract_here(path, text)) {
        Some(out) => out,
        None => {
            let (_, module) = module_name(path);
            let index = LineIndex::new(text);
            let facts = empty_facts(path, module, &index);
            let note = Notification {
                level: Level::Warning,
                kind: "parse-failed".into(),
                message: "skipped: no thread could be started to parse this Rust file".into(),
                path: Some(path.to_string()),
                span: None,
            };
            (facts, vec![note])
        }
    }
}

fn empty_facts(path: &str, module: String, index: &LineIndex<'_>) -> FileFacts {
    FileFacts::empty(path, Language::Rust, module, index.line_count())
}

fn extract_here(path: &str, text: &str) -> (FileFacts, Vec<Notification>) {
    let index = LineIndex::new(text);
    let (crate_name, module) = module_name(path);
    let lexed = lex::lex(text, &index);
    let mut facts = empty_facts(path, module, &index);
    facts.comments = lexed.comments;
    let mut notes = Vec::new();
    if let Some(at) = lexed.too_deep_at {
        let span = index.span(at, at);
        facts.syntax_errors.push(span);
        notes.push(Notification {
            level: Level::Warning,
            kind: "too-deep".into(),
            message: format!(
                "skipped: nesting deeper than the Rust frontend reads (measure over {}) at line {}",
                lex::MAX_DEPTH,
                span.start_line
            ),
            path: Some(path.to_string()),
            span: Some(span),
        });
        return (facts, notes);
    }
    // Inline test modules are blanked: the extractor skips them, and their
    // parse was an eighth of mistral.rs's. Offsets and lines do not move.
    let parsed = crate::lang::timed_parse(|| {
        let text: std::borrow::Cow<'_, str> = match lexed.test_bodies.is_empty() {
            true => text.into(),
            false => lex::blank(text, &lexed.test_bodies).into(),
        };
        let file = syn::parse_file(&text);
        (text, file)
    });
    match parsed {
        // The file's span map is freed after extraction (`on_parse_stack`).
        (text, Ok(file)) => extract::extract(&file, &text, &index, &crate_name, &mut facts),
        (_, Err(e)) => {
            let start = e.span().byte_range().start.min(text.len());
            let span = index.span(start, start);
            facts.syntax_errors.push(span);
            notes.push(Notification {
                level: Level::Warning,
                kind: "syntax-error".into(),
                message: format!(
                    "syn could not parse this file ({e}) at line {}; it is skipped, the rest of the crate is analysed",
                    span.start_line
                ),
                path: Some(path.to_string()),
                span: Some(span),
            });
        }
    }
    (facts, notes)
}

#[cfg(test)]
mod tests;

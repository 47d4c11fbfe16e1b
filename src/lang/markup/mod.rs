//! Markup and front-end text: the strings a product shows its users. HTML
//! and Jinja/Django templates (`.html`, `.jinja`, `.j2`), Vue and Svelte
//! components, JS/JSX/TS/TSX string literals and JSX text, and Markdown.
//! No syntax tree and no analysis of the code: small hand scanners
//! (`html.rs`, `js.rs`, `markdown.rs`) find text, shown attributes, links
//! and element names ([`UiString`]) plus comments (suppressions).
//!
//! Every scanner is a loop over bytes that always advances, keeps its
//! nesting on a bounded stack and never indexes past the text, so hostile
//! input (binary, unterminated strings, deep nesting, huge files) costs at
//! most a pass and never panics. Bounds: files over [`MAX_BYTES`] are not
//! read (bundles, generated pages), at most [`MAX_STRINGS`] strings a file
//! are kept, each cut at [`MAX_TEXT`] bytes.
//!
//! Names that say a file is built or vendored (`*.min.js`, `*.bundle.js`,
//! `*.d.ts`) are not claimed; `node_modules`, `dist` and `build` are
//! default excludes of the walk.

pub mod html;
pub mod js;
pub mod markdown;

use std::path::Path;

use ustr::Ustr;

use crate::facts::{Comment, Condition, FileFacts, Language, UiKind, UiString};
use crate::finding::{Level, Notification};
use crate::lang::{ExtractOptions, Frontend, Semantics, UiFilter, Undecodable};
use crate::source::LineIndex;

/// Larger files are bundles or generated pages, not templates.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Strings kept per file.
pub const MAX_STRINGS: usize = 10_000;
/// Bytes kept of one string (cut at a character boundary).
pub const MAX_TEXT: usize = 400;
/// Template `if` tests kept per file.
pub const MAX_CONDITIONS: usize = 2_000;
/// Nesting the scanners follow (template holes, JSX, script blocks).
pub const MAX_DEPTH: usize = 256;

/// What a template expression or interpolation stands as in a string.
pub const HOLE: &str = "{{}}";

static NO_SEMANTICS: Semantics = Semantics {
    constructor: None,
    call_operator: None,
    receiver_params: &[],
    enqueue: &[],
    dequeue: &[],
    task_starters: &[],
    deferred_calls: &[],
    abstract_decorators: &[],
};

pub struct MarkupFrontend;

/// How a file is scanned, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// HTML with Jinja/Django tags (`{{ }}`, `{% %}`, `{# #}`).
    Template,
    /// Vue/Svelte single-file components: HTML with `{{ }}` and `{ }` holes.
    Component,
    /// JS/TS; `jsx` when the file may hold JSX (`.jsx`, `.tsx`, `.js`).
    Script {
        jsx: bool,
    },
    Markdown,
}

pub fn flavor(path: &str) -> Flavor {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "vue" | "svelte" => Flavor::Component,
        "js" | "jsx" | "mjs" | "cjs" | "tsx" => Flavor::Script { jsx: true },
        "ts" | "mts" | "cts" => Flavor::Script { jsx: false },
        "md" | "markdown" => Flavor::Markdown,
        _ => Flavor::Template,
    }
}

impl Frontend for MarkupFrontend {
    fn language(&self) -> Language {
        Language::Markup
    }

    fn extensions(&self) -> &'static [&'static str] {
        &[
            "html", "htm", "jinja", "jinja2", "j2", "vue", "svelte", "js", "jsx", "mjs", "cjs",
            "ts", "tsx", "mts", "cts", "md", "markdown",
        ]
    }

    fn skips(&self, file_name: &str) -> bool {
        let n = file_name.to_ascii_lowercase();
        [".min.js", ".bundle.js", ".chunk.js", ".d.ts", ".min.html"]
            .iter()
            .any(|s| n.ends_with(s))
    }

    fn decode(&self, bytes: Vec<u8>) -> Result<String, Undecodable> {
        super::decode_utf8(bytes, "")
    }

    fn extract(
        &self,
        path: &str,
        text: &str,
        options: &ExtractOptions<'_>,
    ) -> (FileFacts, Vec<Notification>) {
        extract_with(path, text, options.ui)
    }

    fn parse_only(&self, text: &str) -> usize {
        self.parse_only_at("page.html", text)
    }

    /// The scanner of the file's flavour: a Markdown or script file read as
    /// HTML (as `parse_only` reads any text) is not the work the scan does.
    fn parse_only_at(&self, path: &str, text: &str) -> usize {
        extract(path, text).0.ui_strings.len()
    }

    fn semantics(&self) -> &'static Semantics {
        &NO_SEMANTICS
    }

    fn line_comment(&self) -> Option<&'static str> {
        None
    }

    /// HTML comments in pages and components (in Jinja files, Jinja's
    /// own, which are not rendered); `//` in scripts and `<script>`
    /// blocks; `{/* */}` among JSX children.
    fn comment_styles(&self, path: &str) -> Vec<(&'static str, &'static str)> {
        const HTML: (&str, &str) = ("<!--", "-->");
        const JINJA: (&str, &str) = ("{#", "#}");
        const LINE: (&str, &str) = ("//", "");
        const JSX: (&str, &str) = ("{/*", "*/}");
        let ext = Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match flavor(path) {
            Flavor::Template if matches!(ext.as_str(), "jinja" | "jinja2" | "j2") => {
                vec![JINJA, HTML, LINE]
            }
            Flavor::Template => vec![HTML, JINJA, LINE],
            Flavor::Component => vec![HTML, LINE, JSX],
            Flavor::Script { jsx: true } => vec![LINE, JSX],
            Flavor::Script { jsx: false } => vec![LINE],
            Flavor::Markdown => vec![HTML],
        }
    }

    fn has_code(&self) -> bool {
        false
    }

    /// Hand-written scanners, no syntax tree: what a file costs is its
    /// strings and comments.
    fn parse_frees_much(&self) -> bool {
        false
    }
}

/// The facts of one markup file: its user-facing strings and comments.
pub fn extract(path: &str, text: &str) -> (FileFacts, Vec<Notification>) {
    extract_with(path, text, UiFilter::All)
}

/// [`extract`], keeping the strings `filter` lets through (comments all).
pub fn extract_with(
    path: &str,
    text: &str,
    filter: UiFilter<'_>,
) -> (FileFacts, Vec<Notification>) {
    let mut out = Out::new(text);
    out.filter = filter;
    let mut notes = Vec::new();
    if text.len() > MAX_BYTES {
        notes.push(Notification {
            level: Level::Note,
            kind: "markup-skipped".into(),
            message: format!(
                "not read as markup: {} bytes is over the {} KiB limit for templates and front-end files (a bundle or generated page)",
                text.len(),
                MAX_BYTES / 1024
            ),
            path: Some(path.to_string()),
            span: None,
        });
    } else {
        match flavor(path) {
            Flavor::Template => html::scan(&mut out, 0, text.len(), false),
            Flavor::Component => html::scan(&mut out, 0, text.len(), true),
            Flavor::Script { jsx } => js::scan(&mut out, 0, text.len(), jsx),
            Flavor::Markdown => markdown::scan(&mut out),
        }
        if out.full {
            notes.push(Notification {
                level: Level::Note,
                kind: "markup-truncated".into(),
                message: format!("only the first {MAX_STRINGS} strings of this file are read"),
                path: Some(path.to_string()),
                span: None,
            });
        }
    }
    let line_count = out.lines.line_count();
    let mut strings = out.strings;
    strings.shrink_to_fit();
    let facts = FileFacts {
        comments: out.comments,
        conditions: out.conditions,
        ui_strings: strings,
        ..FileFacts::empty(path, Language::Markup, String::new(), line_count)
    };
    (facts, notes)
}

/// What a scan found so far.
pub struct Out<'t> {
    pub text: &'t str,
    pub lines: LineIndex<'t>,
    pub strings: Vec<UiString>,
    pub comments: Vec<Comment>,
    /// What the template's `if` tests read (`{% if %}`, `v-if`, `{#if}`).
    pub conditions: Vec<Condition>,
    /// Set once [`MAX_STRINGS`] is reached.
    pub full: bool,
    /// Which strings are stored; every string still counts towards
    /// [`MAX_STRINGS`], so the cap falls where it would with all kept.
    pub filter: UiFilter<'t>,
    /// Strings found so far, stored or not.
    seen: usize,
    /// Whether a text string has been stored (the first is always kept).
    text_kept: bool,
    /// The string being normalised, reused between strings.
    scratch: String,
}

impl<'t> Out<'t> {
    pub fn new(text: &'t str) -> Out<'t> {
        Out {
            text,
            lines: LineIndex::new(text),
            strings: Vec::new(),
            comments: Vec::new(),
            conditions: Vec::new(),
            full: false,
            filter: UiFilter::All,
            seen: 0,
            text_kept: false,
            scratch: String::new(),
        }
    }

    /// Keep a string found at bytes `start..end`: white space collapsed,
    /// entities decoded, cut at [`MAX_TEXT`]; text with no letter in it is
    /// not kept.
    pub fn push(&mut self, kind: UiKind, raw: &str, start: usize, end: usize) {
        if self.full {
            return;
        }
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        Self::normalise(raw, &mut text);
        if !text.is_empty() {
            self.store(kind, &text, start, end);
        }
        self.scratch = text;
    }

    /// `raw` as [`Out::push`] keeps it, into `text`; empty when it has no
    /// letter.
    fn normalise(raw: &str, text: &mut String) {
        for word in raw.split_whitespace() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(word);
            if text.len() >= MAX_TEXT {
                break;
            }
        }
        if text.contains('&') {
            *text = decode_entities(text);
        }
        if text.len() > MAX_TEXT {
            let mut cut = MAX_TEXT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        if !text.chars().any(char::is_alphabetic) {
            text.clear();
        }
    }

    /// Count a normalised string and store it if the filter wants it.
    fn store(&mut self, kind: UiKind, text: &str, start: usize, end: usize) {
        if self.seen >= MAX_STRINGS {
            self.full = true;
            return;
        }
        self.seen += 1;
        let keep = match self.filter {
            UiFilter::All => true,
            UiFilter::Nothing => false,
            // The first string and the first text: where `anchor` points;
            // links and component names, which join pages to routes and
            // to each other (`analysis::frontend`).
            UiFilter::Matching(terms) => {
                self.seen == 1
                    || (kind == UiKind::Text && !self.text_kept)
                    || kind == UiKind::Link
                    || (kind == UiKind::Name && text.starts_with(|c: char| c.is_ascii_uppercase()))
                    || terms.is_match(text)
            }
        };
        if !keep {
            return;
        }
        self.text_kept |= kind == UiKind::Text;
        let end = end.min(self.text.len());
        let start = start.min(end);
        self.strings.push(UiString {
            text: Ustr::from(text),
            kind,
            span: self.lines.span(start, end),
        });
    }

    /// The test of a template `if` at `start..end`: the names and
    /// attribute chains it reads (`request.user.show_suggested_users`),
    /// keywords and literals left out. A template has no blocks the
    /// analyses follow, so `then` is the test itself and `orelse` is none;
    /// rules ask only what a page tests (a JSX test's branch is set by
    /// [`Out::branch`]). At most [`MAX_CONDITIONS`]; the index of the one
    /// kept.
    pub fn condition(&mut self, start: usize, end: usize) -> Option<usize> {
        let end = end.min(self.text.len());
        let start = start.min(end);
        if self.conditions.len() >= MAX_CONDITIONS {
            return None;
        }
        let names = condition_names(&self.text[start..end]);
        if names.is_empty() {
            return None;
        }
        let span = self.lines.span(start, end);
        self.conditions.push(Condition {
            names,
            scope: None,
            span,
            then: span,
            orelse: None,
        });
        Some(self.conditions.len() - 1)
    }

    /// What condition `k` guards: the JSX at `start..end` (`<Feed/>` in
    /// `{x && <Feed/>}`, both elements of a ternary).
    pub fn branch(&mut self, k: usize, start: usize, end: usize) {
        let end = end.min(self.text.len());
        let start = start.min(end);
        let span = self.lines.span(start, end);
        if let Some(c) = self.conditions.get_mut(k) {
            c.then = span;
        }
    }

    /// A comment whose body is `start..end` and whose marker starts at
    /// `marker`.
    pub fn comment(&mut self, marker: usize, start: usize, end: usize) {
        let end = end.min(self.text.len());
        let start = start.min(end);
        let line_start = self.text[..marker].rfind('\n').map_or(0, |i| i + 1);
        let own_line = self.text[line_start..marker].trim().is_empty();
        self.comments.push(Comment {
            text: self.text[start..end].trim_end_matches('\r').to_string(),
            own_line,
            span: self.lines.span(marker, end),
            width: crate::source::width(self.text, marker, end),
        });
    }
}

/// Names and dotted chains in a template test, in order, without
/// keywords, literals or duplicates; at most 16.
fn condition_names(test: &str) -> Vec<Ustr> {
    const KEYWORDS: &[&str] = &[
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "elif",
        "else",
        "None",
        "True",
        "False",
        "none",
        "true",
        "false",
        "null",
        "undefined",
    ];
    let bytes = test.as_bytes();
    let mut out: Vec<Ustr> = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < 16 {
        let b = bytes[i];
        if b == b'"' || b == b'\'' || b == b'`' {
            // A string literal: skipped.
            i = (i + 1..bytes.len())
                .find(|&k| bytes[k] == b)
                .map_or(bytes.len(), |k| k + 1);
            continue;
        }
        if b.is_ascii_alphabetic() || b == b'_' || b == b'$' {
            let s = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'$' | b'.'))
            {
                i += 1;
            }
            let name = test[s..i].trim_end_matches('.');
            let after_dot = s > 0 && bytes[s - 1] == b'.';
            if !after_dot && !KEYWORDS.contains(&name) && !out.iter().any(|n| n == name) {
                out.push(Ustr::from(name));
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The common named entities and numeric references.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // Looked for in bytes: the 12th byte may fall inside a character.
        let Some(semi) = tail.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..semi];
        let ch = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            "copy" => Some('©'),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a string literal of code reads as prose a user is shown, rather
/// than a key, an identifier or a path: it has a space, a letter outside
/// ASCII (Chinese), or is one capitalised word (`Feedback`).
pub fn reads_as_prose(s: &str) -> bool {
    let t = s.trim();
    if !t.chars().any(char::is_alphabetic) {
        return false;
    }
    if t.chars().any(|c| !c.is_ascii() && c.is_alphabetic()) {
        return true;
    }
    let mut words = t.split_whitespace();
    let first = words.next().unwrap_or("");
    if words.next().is_some() {
        // Not code: `a && b`, `x.y = 1` have spaces too, but no letters
        // run into punctuation like prose; keep it simple and count them.
        return true;
    }
    let mut chars = first.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.clone().next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphabetic() || matches!(c, '!' | '?' | '.' | ':'))
}

/// Whether a literal is where a link goes: a route (`/report`), a URL, a
/// `mailto:` or `tel:` address.
pub fn reads_as_link(s: &str) -> bool {
    let t = s.trim();
    if t.contains(char::is_whitespace) || t.len() < 2 {
        return false;
    }
    t.starts_with("mailto:")
        || t.starts_with("tel:")
        || t.starts_with("http://")
        || t.starts_with("https://")
        || (t.starts_with('/') && !t.starts_with("//") && t[1..].starts_with(char::is_alphabetic))
}

/// The first `needle` in `text` at or after `from`, as an absolute offset.
pub(crate) fn find(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.get(from..)?.find(needle).map(|p| from + p)
}

/// [`find`] of an occurrence that starts before `end`: the same answer as
/// `find(..).filter(|&p| p < end)`, without searching the rest of the
/// text (per line of a long file, that search made the scan quadratic).
pub(crate) fn find_before(text: &str, from: usize, end: usize, needle: &str) -> Option<usize> {
    let hi = (end + needle.len().saturating_sub(1)).min(text.len());
    let window = text.as_bytes().get(from..hi)?;
    memchr::memmem::find(window, needle.as_bytes())
        .map(|p| from + p)
        .filter(|&p| p < end)
}

#[cfg(test)]
mod tests;

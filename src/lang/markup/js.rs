//! JS/TS string literals, template literals and JSX text: a lexer, not a
//! parser. It knows quotes, template literals with nested `${ }`, comments,
//! regular expression literals (a `/` where no operand stands before it)
//! and JSX elements in expression position (`.jsx`, `.tsx`, `.js`; never
//! `.ts`, where `<T>` is a type). A literal is kept when it reads as prose
//! (`reads_as_prose`) or as a link (`reads_as_link`); keys, identifiers and
//! module paths are not. Nesting lives on a stack capped at `MAX_DEPTH`;
//! past it the rest of the file is not read. Unterminated strings end at
//! the line's end and are dropped.

use super::{HOLE, MAX_DEPTH, Out, find, reads_as_link, reads_as_prose};
use crate::facts::UiKind;

/// What a `}` at brace depth 0 of a code frame returns to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ret {
    Top,
    TemplateHole,
    JsxChild,
}

enum Mode {
    Code {
        braces: u32,
        ret: Ret,
        /// Where the frame's code starts (a JSX child's test).
        from: usize,
        /// A JSX child's test found in the frame: its condition's index
        /// and where the element it guards starts (the branch ends with
        /// the frame).
        test: Option<(usize, usize)>,
    },
    /// Inside a template literal: its text so far.
    Template { buf: String, start: usize },
    /// Among a JSX element's children, `depth` elements deep.
    Jsx {
        depth: u32,
        buf: String,
        start: Option<usize>,
        end: usize,
    },
}

const KEYWORDS: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

const TEXT_ATTRS: &[&str] = &[
    "placeholder",
    "title",
    "alt",
    "aria-label",
    "label",
    "value",
];
const LINK_ATTRS: &[&str] = &["href", "action", "to"];
const NAME_ATTRS: &[&str] = &["id", "className", "class", "name"];

/// Scan `out.text[start..end]` as JS/TS; `jsx` where JSX may appear.
pub fn scan(out: &mut Out<'_>, start: usize, end: usize, jsx: bool) {
    let text = out.text;
    let end = end.min(text.len());
    let bytes = text.as_bytes();
    let mut stack = vec![Mode::Code {
        braces: 0,
        ret: Ret::Top,
        from: start,
        test: None,
    }];
    // Whether an operand stands just before (then `/` divides and `<`
    // compares).
    let mut operand = false;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        let Some(top) = stack.last_mut() else {
            return;
        };
        match top {
            Mode::Template { buf, start: s } => match b {
                b'\\' => {
                    let stop = (i + 2).min(end);
                    buf.push_str(&unescape(&text[i..char_end(text, stop)]));
                    i = char_end(text, stop);
                }
                b'`' => {
                    let (buf, s) = (std::mem::take(buf), *s);
                    stack.pop();
                    keep_literal(out, &buf, s, i);
                    operand = true;
                    i += 1;
                }
                b'$' if next == b'{' => {
                    buf.push_str(HOLE);
                    if stack.len() >= MAX_DEPTH {
                        return;
                    }
                    stack.push(Mode::Code {
                        braces: 0,
                        ret: Ret::TemplateHole,
                        from: i + 2,
                        test: None,
                    });
                    operand = false;
                    i += 2;
                }
                _ => {
                    let stop = (i + 1..end)
                        .find(|&k| matches!(bytes[k], b'\\' | b'`' | b'$'))
                        .unwrap_or(end);
                    buf.push_str(&text[i..stop]);
                    i = stop;
                }
            },
            Mode::Jsx {
                depth,
                buf,
                start: s,
                end: e,
            } => match (b, next) {
                (b'<', b'/') => {
                    if let Some(st) = s.take() {
                        out.push(UiKind::Text, buf, st, *e);
                    }
                    buf.clear();
                    i = find(text, i, ">")
                        .filter(|&c| c < end)
                        .map_or(end, |c| c + 1);
                    *depth -= 1;
                    if *depth == 0 {
                        stack.pop();
                        operand = true;
                    }
                }
                (b'<', n) if n.is_ascii_alphabetic() || n == b'>' => {
                    if let Some(st) = s.take() {
                        out.push(UiKind::Text, buf, st, *e);
                    }
                    buf.clear();
                    let (after, closed) = jsx_tag(out, i, end);
                    i = after;
                    if !closed && let Some(Mode::Jsx { depth, .. }) = stack.last_mut() {
                        *depth += 1;
                    }
                }
                (b'{', _) => {
                    // The text's span starts at its first words, not at a
                    // leading hole (`{/* comment */}`, `{count}`).
                    buf.push_str(HOLE);
                    if stack.len() >= MAX_DEPTH {
                        return;
                    }
                    stack.push(Mode::Code {
                        braces: 0,
                        ret: Ret::JsxChild,
                        from: i + 1,
                        test: None,
                    });
                    operand = false;
                    i += 1;
                }
                _ => {
                    let stop = (i + 1..end)
                        .find(|&k| matches!(bytes[k], b'<' | b'{'))
                        .unwrap_or(end);
                    let chunk = &text[i..stop];
                    if !chunk.trim().is_empty() {
                        if s.is_none() {
                            *s = Some(i + (chunk.len() - chunk.trim_start().len()));
                        }
                        *e = stop - (chunk.len() - chunk.trim_end().len());
                    }
                    buf.push_str(chunk);
                    i = stop;
                }
            },
            Mode::Code {
                braces,
                ret,
                from,
                test,
            } => {
                match b {
                    // A JSX child shown on a test: `{x && <A/>}`,
                    // `{x ? <A/> : <B/>}`; the test is a condition.
                    b'&' | b'?'
                        if *ret == Ret::JsxChild
                            && *braces == 0
                            && (b == b'?' || next == b'&')
                            && !(b == b'?' && matches!(next, b'.' | b'?'))
                            && jsx_follows(bytes, i + if b == b'&' { 2 } else { 1 }, end) =>
                    {
                        let after = i + if b == b'&' { 2 } else { 1 };
                        if test.is_none()
                            && let Some(k) = out.condition(*from, i)
                        {
                            *test = Some((k, after));
                        }
                        operand = false;
                        i = after;
                        continue;
                    }
                    b'/' if next == b'/' => {
                        let nl = find(text, i, "\n").filter(|&c| c < end).unwrap_or(end);
                        out.comment(i, i + 2, nl);
                        i = nl;
                        continue;
                    }
                    b'/' if next == b'*' => {
                        let close = find(text, i + 2, "*/").filter(|&c| c < end).unwrap_or(end);
                        out.comment(i, i + 2, close);
                        i = (close + 2).min(end);
                        continue;
                    }
                    b'\'' | b'"' => {
                        let mut k = i + 1;
                        let mut closed = None;
                        while k < end {
                            match bytes[k] {
                                b'\\' => k += 2,
                                b'\n' => break,
                                c if c == b => {
                                    closed = Some(k);
                                    break;
                                }
                                _ => k += 1,
                            }
                        }
                        match closed {
                            Some(c) => {
                                let s = unescape(&text[i + 1..c]);
                                match literal_role(text, i) {
                                    Some(kind) => out.push(kind, &s, i + 1, c),
                                    None => keep_literal(out, &s, i + 1, c),
                                }
                                i = c + 1;
                            }
                            // Unterminated: up to the line's end, dropped.
                            None => i = k.min(end),
                        }
                        operand = true;
                        continue;
                    }
                    b'`' => {
                        if stack.len() >= MAX_DEPTH {
                            return;
                        }
                        stack.push(Mode::Template {
                            buf: String::new(),
                            start: i + 1,
                        });
                        i += 1;
                        continue;
                    }
                    b'/' if !operand => {
                        i = regex_end(bytes, i, end);
                        operand = true;
                        continue;
                    }
                    b'{' => {
                        *braces += 1;
                        operand = false;
                    }
                    b'}' => {
                        if *braces == 0 {
                            match *ret {
                                Ret::Top => {}
                                Ret::TemplateHole | Ret::JsxChild => {
                                    if let Some((k, branch)) = *test {
                                        out.branch(k, branch, i);
                                    }
                                    stack.pop();
                                    operand = false;
                                }
                            }
                        } else {
                            *braces -= 1;
                            operand = false;
                        }
                    }
                    b')' | b']' => operand = true,
                    b'<' if jsx && !operand && (next.is_ascii_alphabetic() || next == b'>') => {
                        let (after, closed) = jsx_tag(out, i, end);
                        i = after;
                        if closed {
                            operand = true;
                        } else {
                            if stack.len() >= MAX_DEPTH {
                                return;
                            }
                            stack.push(Mode::Jsx {
                                depth: 1,
                                buf: String::new(),
                                start: None,
                                end: 0,
                            });
                        }
                        continue;
                    }
                    c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                        let mut k = i + 1;
                        while k < end
                            && (bytes[k].is_ascii_alphanumeric()
                                || bytes[k] == b'_'
                                || bytes[k] == b'$'
                                || bytes[k] >= 0x80)
                        {
                            k += 1;
                        }
                        operand = !KEYWORDS.contains(&&text[i..k]);
                        i = k;
                        continue;
                    }
                    c if c.is_ascii_whitespace() => {}
                    _ => operand = false,
                }
                i += 1;
            }
        }
    }
}

/// Whether a JSX element starts at `at`, past white space and `(`.
fn jsx_follows(bytes: &[u8], at: usize, end: usize) -> bool {
    let mut k = at;
    while k < end && (bytes[k].is_ascii_whitespace() || bytes[k] == b'(') {
        k += 1;
    }
    k + 1 < end && bytes[k] == b'<' && (bytes[k + 1].is_ascii_alphabetic() || bytes[k + 1] == b'>')
}

/// What a quoted literal opening at `quote` stands for, read from the code
/// just before it: a module specifier (`from "x"`, `import "x"`,
/// `require("x")`, `import("x")`) or a role (`role: "assistant"`,
/// `"role": "user"`, `m.role === "assistant"`); otherwise none.
fn literal_role(text: &str, quote: usize) -> Option<UiKind> {
    let before = text[..quote].trim_end();
    let word = |s: &str| -> (usize, bool) {
        // The identifier `s` ends with, and whether it stands alone.
        let b = s.as_bytes();
        let mut k = b.len();
        while k > 0 && (b[k - 1].is_ascii_alphanumeric() || matches!(b[k - 1], b'_' | b'$')) {
            k -= 1;
        }
        (k, k == 0 || !matches!(b[k - 1], b'.'))
    };
    let (w, alone) = word(before);
    if alone && matches!(&before[w..], "from" | "import") {
        return Some(UiKind::Import);
    }
    if let Some(call) = before.strip_suffix('(') {
        let call = call.trim_end();
        let (w, alone) = word(call);
        if alone && matches!(&call[w..], "require" | "import") {
            return Some(UiKind::Import);
        }
        return None;
    }
    let key = ["===", "!==", "==", "!=", ":", "="]
        .iter()
        .find_map(|op| before.strip_suffix(op))?
        .trim_end();
    let key = key.strip_suffix(['"', '\'']).unwrap_or(key);
    let (w, _) = word(key);
    key[w..]
        .eq_ignore_ascii_case("role")
        .then_some(UiKind::Role)
}

/// The end of the character that contains byte `at` (so a slice ending
/// there is valid).
fn char_end(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at.min(text.len())
}

/// After a regular expression literal starting at `at`; a `/` with no
/// closing one on its line is a division, one byte.
fn regex_end(bytes: &[u8], at: usize, end: usize) -> usize {
    let mut k = at + 1;
    let mut class = false;
    while k < end {
        match bytes[k] {
            b'\\' => k += 1,
            b'\n' => return at + 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                k += 1;
                while k < end && bytes[k].is_ascii_alphabetic() {
                    k += 1;
                }
                return k;
            }
            _ => {}
        }
        k += 1;
    }
    at + 1
}

/// A JSX tag opening at `at`: its name (a component or custom element is
/// a name), its attributes. Returns where it ends and whether it closed
/// itself (`/>`).
fn jsx_tag(out: &mut Out<'_>, at: usize, end: usize) -> (usize, bool) {
    let text = out.text;
    let bytes = text.as_bytes();
    let mut i = at + 1;
    while i < end && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'>' | b'/' | b'{') {
        i += 1;
    }
    let name = &text[at + 1..i];
    if name.contains(['-', '.']) || name.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.push(UiKind::Name, name, at + 1, i);
    }
    loop {
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end {
            return (end, true);
        }
        match bytes[i] {
            b'>' => return (i + 1, false),
            b'/' if bytes.get(i + 1) == Some(&b'>') => return (i + 2, true),
            b'{' => {
                let close = braces_end(bytes, i, end);
                expression_strings(out, i + 1, close.saturating_sub(1).max(i + 1));
                i = close;
                continue;
            }
            _ => {}
        }
        let name_start = i;
        while i < end
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/' | b'{')
        {
            i += 1;
        }
        if i == name_start {
            i += 1;
            continue;
        }
        let attr = &text[name_start..i];
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        let kind = if TEXT_ATTRS.contains(&attr) {
            Some(UiKind::Text)
        } else if LINK_ATTRS.contains(&attr) {
            Some(UiKind::Link)
        } else if NAME_ATTRS.contains(&attr) {
            Some(UiKind::Name)
        } else {
            None
        };
        match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let close = (i + 1..end).find(|&k| bytes[k] == q).unwrap_or(end);
                if let Some(kind) = kind {
                    out.push(kind, &text[i + 1..close], i + 1, close);
                }
                i = (close + 1).min(end);
            }
            Some(b'{') => {
                let close = braces_end(bytes, i, end);
                expression_strings(out, i + 1, close.saturating_sub(1).max(i + 1));
                i = close;
            }
            _ => {}
        }
    }
}

/// After the `}` that closes the `{` at `open` (strings skipped), or `end`.
fn braces_end(bytes: &[u8], open: usize, end: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < end {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            q @ (b'"' | b'\'' | b'`') => {
                i = (i + 1..end).find(|&k| bytes[k] == q).unwrap_or(end);
            }
            _ => {}
        }
        i += 1;
    }
    end
}

/// String literals inside a JSX attribute expression (`{t("Send")}`).
fn expression_strings(out: &mut Out<'_>, start: usize, end: usize) {
    let text = out.text;
    let bytes = text.as_bytes();
    let mut i = start;
    while i < end {
        let q = bytes[i];
        if matches!(q, b'"' | b'\'' | b'`') {
            let close = (i + 1..end).find(|&k| bytes[k] == q).unwrap_or(end);
            keep_literal(out, &text[i + 1..close], i + 1, close);
            i = close + 1;
        } else {
            i += 1;
        }
    }
}

/// Keep a literal that reads as prose (text) or as a link, also after a
/// base address filled in at run time (`` `${API}/chat` ``).
fn keep_literal(out: &mut Out<'_>, s: &str, start: usize, end: usize) {
    if reads_as_prose(s) {
        out.push(UiKind::Text, s, start, end);
    } else if reads_as_link(s) || s.strip_prefix(HOLE).is_some_and(reads_as_link) {
        out.push(UiKind::Link, s, start, end);
    }
}

/// A literal's text with the common escapes decoded (others lose their
/// backslash).
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 't' | 'r') => out.push(' '),
            Some('u') => {
                let braced = chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let mut hex = String::new();
                while let Some(&h) = chars.peek() {
                    if hex.len() >= if braced { 6 } else { 4 } || !h.is_ascii_hexdigit() {
                        break;
                    }
                    hex.push(h);
                    chars.next();
                }
                if braced && chars.peek() == Some(&'}') {
                    chars.next();
                }
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

//! A small lexer pass over Rust source, before syn sees it: syn drops
//! ordinary comments, so `// synthlint: ignore[...]` suppressions are read
//! here; and syn's parser (and every walk of its tree) recurses as deep as
//! the input nests, so this pass measures how deep the file can make them
//! go and the frontend refuses absurd nesting before parsing.
//!
//! The measure is a bound, not a parse: every token that can make the
//! syntax tree one level deeper (an opening delimiter, an operator, `.`,
//! `?`, `as`, `->`, `<`, a keyword that takes an expression) adds one to
//! the region it stands in; a region ends at `;` or `,` and at the
//! delimiters around it. The depth of a position is the sum over the
//! regions it is nested in. Ordinary code stays under a few hundred.

use crate::facts::Comment;
use crate::source::LineIndex;

/// Files whose nesting measure passes this are refused before parsing.
pub const MAX_DEPTH: u32 = 1500;

/// What the pass found.
pub struct Lexed {
    /// `//` comments (doc comments included), in order.
    pub comments: Vec<Comment>,
    /// The byte offset where that measure was first over `MAX_DEPTH`.
    pub too_deep_at: Option<usize>,
}

/// Keywords after which an expression (a level deeper) follows.
const NESTING_KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "dyn", "else", "if", "impl", "in", "let", "match",
    "move", "return", "while", "for", "loop", "unsafe", "yield", "where", "mut", "ref",
];

pub fn lex(text: &str, index: &LineIndex<'_>) -> Lexed {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    // One count per open region; the measure is their sum plus the number of regions.
    let mut regions: Vec<u32> = vec![0];
    let mut sum: u32 = 0;
    let mut too_deep_at = None;
    let mut i = 0;
    let mut bump = |at: usize, regions: &mut Vec<u32>, sum: &mut u32| {
        if let Some(last) = regions.last_mut() {
            *last += 1;
        }
        *sum += 1;
        let now = *sum + regions.len() as u32;
        if now > MAX_DEPTH && too_deep_at.is_none() {
            too_deep_at = Some(at);
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let end = if end > i && bytes[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                comments.push(Comment {
                    text: text[i + 2..end].to_string(),
                    own_line: text[line_start..i].trim().is_empty(),
                    span: index.span(i, end),
                });
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
            b'"' => i = string_end(bytes, i + 1),
            b'r' | b'b' | b'c' if starts_literal(bytes, i) => {
                let mut j = i;
                while j < bytes.len() && matches!(bytes[j], b'r' | b'b' | b'c') {
                    j += 1;
                }
                i = if bytes[i..j].contains(&b'r') {
                    raw_string_end(bytes, j)
                } else if bytes.get(j) == Some(&b'\'') {
                    char_end(bytes, j + 1)
                } else {
                    string_end(bytes, j + 1)
                };
            }
            b'\'' => {
                // A char literal (`'a'`, `'\n'`) or a lifetime (`'a`).
                match char_literal_end(text, i) {
                    Some(end) => i = end,
                    None => {
                        i += 1;
                        while i < bytes.len() && is_ident(bytes[i]) {
                            i += 1;
                        }
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                bump(i, &mut regions, &mut sum);
                regions.push(0);
                i += 1;
            }
            b')' | b']' | b'}' => {
                if regions.len() > 1 {
                    let closed = regions.pop().unwrap_or(0);
                    sum -= closed;
                }
                i += 1;
            }
            b';' | b',' => {
                if let Some(last) = regions.last_mut() {
                    sum -= *last;
                    *last = 0;
                }
                i += 1;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && is_ident(bytes[i]) {
                    i += 1;
                }
                if NESTING_KEYWORDS.contains(&&text[start..i]) {
                    bump(start, &mut regions, &mut sum);
                }
            }
            _ if b.is_ascii_digit() => {
                while i < bytes.len() && (is_ident(bytes[i]) || bytes[i] == b'.') {
                    // `1..2` is a range, not a float.
                    if bytes[i] == b'.' && bytes.get(i + 1) == Some(&b'.') {
                        break;
                    }
                    i += 1;
                }
            }
            b'!' | b'-' | b'+' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|' | b'<' | b'>' | b'='
            | b'.' | b'?' | b'@' | b'#' => {
                // `::` and `:` add nothing (paths are flat); every other
                // operator character adds one (`&&` adds two: harmless).
                bump(i, &mut regions, &mut sum);
                i += 1;
            }
            _ => i += 1,
        }
    }
    Lexed {
        comments,
        too_deep_at,
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether a literal prefix (`r"`, `r#"`, `b"`, `br"`, `b'`, `c"`, `cr#"`)
/// starts at `i` (and not an identifier such as `break` or `r#type`).
fn starts_literal(bytes: &[u8], i: usize) -> bool {
    if i > 0 && is_ident(bytes[i - 1]) {
        return false;
    }
    let mut j = i;
    while j < bytes.len() && j - i < 2 && matches!(bytes[j], b'r' | b'b' | b'c') {
        j += 1;
    }
    let prefix = &bytes[i..j];
    match bytes.get(j) {
        Some(b'"') => true,
        Some(b'\'') => prefix == b"b",
        Some(b'#') => {
            // `r#"..."#` is a raw string; `r#ident` a raw identifier.
            prefix.contains(&b'r') && {
                let mut k = j;
                while bytes.get(k) == Some(&b'#') {
                    k += 1;
                }
                bytes.get(k) == Some(&b'"')
            }
        }
        _ => false,
    }
}

/// End (exclusive) of a `"..."` string whose body starts at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// End of a raw string whose `#`s (if any) start at `i`.
fn raw_string_end(bytes: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    i += 1; // the opening quote
    while i < bytes.len() {
        let after = &bytes[i + 1..];
        if bytes[i] == b'"' && after.len() >= hashes && after[..hashes].iter().all(|&b| b == b'#') {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// End of a byte char literal whose body starts at `i` (`b'x'`).
fn char_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// End of a char literal at `i` (the quote), or `None` for a lifetime.
fn char_literal_end(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i + 1..];
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if first == '\\' {
        return Some(char_end(text.as_bytes(), i + 1));
    }
    let (at, second) = chars.next()?;
    (second == '\'').then_some(i + 1 + at + 1)
}

/// End of a (nesting) block comment starting at `i`.
fn block_comment_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Lexed {
        lex(text, &LineIndex::new(text))
    }

    #[test]
    fn comments_outside_strings() {
        let text = "let s = \"// not\"; // yes: ignore[X]\n/* // no */ let c = '/'; // two\nlet r = r#\"//\"#;\n";
        let l = run(text);
        let texts: Vec<&str> = l.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, [" yes: ignore[X]", " two"]);
        assert!(!l.comments[0].own_line);
        assert_eq!(l.comments[0].span.start_line, 1);
        let own = run("fn f() {\n    // alone\n}\n");
        assert!(own.comments[0].own_line);
    }

    #[test]
    fn lifetimes_are_not_chars() {
        let l = run("fn f<'a>(x: &'a str) -> &'a str { x } // c\n");
        assert_eq!(l.comments.len(), 1);
    }

    #[test]
    fn ordinary_code_is_shallow_and_nesting_is_measured() {
        let l = run("fn main() { let x = a.b().c(d + e * f)?; if x { y(); } else { z(); } }");
        assert!(l.too_deep_at.is_none());
        let deep = format!("fn f() {{ {}x{} }}", "(".repeat(2000), ")".repeat(2000));
        assert!(run(&deep).too_deep_at.is_some());
        let chain = format!("fn f() {{ x{}; }}", ".a()".repeat(3000));
        assert!(run(&chain).too_deep_at.is_some());
        let unary = format!("fn f() {{ {}x; }}", "!".repeat(3000));
        assert!(run(&unary).too_deep_at.is_some());
        // Long but flat: statements and list elements start over.
        let flat = format!("fn f() {{ {} }}", "x.a().b();".repeat(5000));
        assert!(run(&flat).too_deep_at.is_none());
        let list = format!("const X: [u8; 9000] = [{}];", "1 + 1,".repeat(9000));
        assert!(run(&list).too_deep_at.is_none());
    }
}

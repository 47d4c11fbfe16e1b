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
//!
//! The same pass finds the bodies of inline test modules (`#[cfg(test)]
//! mod tests { ... }`) and of test functions (`#[test] fn`, `#[tokio::test]
//! async fn`), which the extractor never reads: the frontend blanks them
//! before syn parses the file (see `blank`), so that test code costs a
//! lexer pass and no parse.

use std::ops::Range;

use super::values::SynList;
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
    /// What lies between the braces of each outermost inline module whose
    /// attributes make it test-only (`layout::cfg_test`, the test the
    /// extractor skips such a module by) and of each test function outside
    /// them, in order.
    pub test_bodies: Vec<Range<usize>>,
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
    let mut test_bodies = Vec::new();
    // The `{` of a test module ahead, found by looking past the attributes
    // at a `#`; then the body's start and the region count inside it.
    let mut test_open: Option<usize> = None;
    let mut in_test: Option<(usize, usize)> = None;
    // The end of the last run of attributes looked at.
    let mut attrs_until = 0;
    // Whether an `impl` or `trait` keyword was seen since the last `;`,
    // `{` or `}`, and for each open region whether it was opened after one
    // (the item list of an impl or a trait, whose functions are methods).
    let mut after_impl = false;
    let mut impl_regions: Vec<bool> = vec![false];
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
        if b == b'#' && i >= attrs_until && in_test.is_none() {
            let in_impl = impl_regions.last().copied().unwrap_or(false);
            let (open, end) = test_item(text, i, in_impl);
            // A `#` inside the run (`r#name`) finds nothing; keep what it found.
            test_open = open.or(test_open);
            attrs_until = end;
        }
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
                    width: crate::source::width(text, i, end),
                });
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
            b'"' => i = string_end(bytes, i + 1),
            b'r' | b'b' | b'c' if starts_literal(bytes, i) => i = literal_end(bytes, i),
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
                impl_regions.push(b == b'{' && after_impl);
                if b == b'{' {
                    after_impl = false;
                }
                if test_open == Some(i) {
                    in_test = Some((i + 1, regions.len()));
                    test_open = None;
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                if regions.len() > 1 {
                    let closed = regions.pop().unwrap_or(0);
                    sum -= closed;
                    impl_regions.pop();
                }
                if b == b'}' {
                    after_impl = false;
                }
                if let Some((start, depth)) = in_test
                    && regions.len() < depth
                {
                    // Another closer there is broken code: left to syn.
                    if b == b'}' {
                        test_bodies.push(start..i);
                    }
                    in_test = None;
                }
                i += 1;
            }
            b';' | b',' => {
                if b == b';' {
                    after_impl = false;
                }
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
                let word = &text[start..i];
                if NESTING_KEYWORDS.contains(&word) {
                    bump(start, &mut regions, &mut sum);
                }
                if word == "impl" || word == "trait" {
                    after_impl = true;
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
        test_bodies,
    }
}

/// The text syn is given: `text` with the bodies in `cut` blanked, every
/// byte but a newline made a space. Byte offsets and lines stay those of
/// `text`; columns after a cut on its last line count the blanked bytes,
/// so spans are located against the returned text (which is what syn saw).
pub fn blank(text: &str, cut: &[Range<usize>]) -> String {
    let mut out = text.as_bytes().to_vec();
    for r in cut {
        for b in &mut out[r.clone()] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Each cut lies between two ASCII braces, so whole characters went.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// When the outer attributes starting at `i` are followed by `mod name {`
/// and make that module test-only, or by a function with a body and one of
/// them is a test attribute (`#[test]`, `#[tokio::test]`: a path ending in
/// `test`, which Rust allows on free functions only; never in an impl or
/// trait, `in_impl`), where the `{` of the body is; and where the run of
/// attributes ends (the lexer does not look again before it). Functions
/// under `#[cfg(test)]` alone are left (that also compiles on a method,
/// which the extractor reads).
fn test_item(text: &str, i: usize, in_impl: bool) -> (Option<usize>, usize) {
    let bytes = text.as_bytes();
    let mut attrs = Vec::new();
    let mut at = i;
    loop {
        let j = skip_trivia(text, at);
        if bytes.get(j) != Some(&b'#') {
            break;
        }
        let k = skip_trivia(text, j + 1);
        // `#!` (an inner attribute) or a `#` of a macro's input.
        if bytes.get(k) != Some(&b'[') {
            break;
        }
        let Some(end) = group_end(text, k) else {
            return (None, text.len());
        };
        attrs.push(j..end);
        at = end;
    }
    let found = (|| {
        let mut j = skip_trivia(text, at);
        if word_at(bytes, j, "pub") {
            j = skip_trivia(text, j + 3);
            if bytes.get(j) == Some(&b'(') {
                j = skip_trivia(text, group_end(text, j)?);
            }
        }
        if !word_at(bytes, j, "mod") {
            return (!in_impl)
                .then(|| function_body(text, j))
                .flatten()
                .map(|open| (open, false));
        }
        j = skip_trivia(text, j + 3);
        let name = if bytes[j..].starts_with(b"r#") {
            j + 2
        } else {
            j
        };
        let name_end = ident_end(bytes, name);
        if name_end == name || bytes[name].is_ascii_digit() {
            return None;
        }
        let open = skip_trivia(text, name_end);
        (bytes.get(open) == Some(&b'{')).then_some((open, true))
    })();
    let Some((open, module)) = found else {
        return (None, at);
    };
    let test = attrs.iter().any(|r| {
        let attr = &text[r.clone()];
        attr.contains("test")
            && syn::parse::Parser::parse_str(syn::Attribute::parse_outer, attr).is_ok_and(|a| {
                match module {
                    true => super::layout::cfg_test(&a),
                    false => a.iter().any(|a| {
                        a.path()
                            .segments
                            .last_item()
                            .is_some_and(|s| s.ident == "test")
                    }),
                }
            })
    });
    (test.then_some(open), at)
}

/// The `{` of the body of the function whose qualifiers (`const`,
/// `async`, `unsafe`, `extern "C"`) or `fn` start at `j`; `None` when it
/// has none (`;`) or the signature is one this scan does not follow (a
/// brace inside `<...>`, a const generic argument).
fn function_body(text: &str, mut j: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    while !word_at(bytes, j, "fn") {
        let word = ["const", "async", "unsafe", "safe", "extern"]
            .into_iter()
            .find(|w| word_at(bytes, j, w))?;
        j = skip_trivia(text, j + word.len());
        if word == "extern" && bytes.get(j) == Some(&b'"') {
            j = skip_trivia(text, string_end(bytes, j + 1));
        }
    }
    j += 2;
    let mut angles = 0usize;
    while j < bytes.len() {
        match bytes[j] {
            b'{' => return (angles == 0).then_some(j),
            b';' => return None,
            b'(' | b'[' => j = group_end(text, j)?,
            b'<' => {
                angles += 1;
                j += 1;
            }
            // `->` is no closing angle.
            b'>' if bytes[j - 1] != b'-' => {
                angles = angles.saturating_sub(1);
                j += 1;
            }
            b'"' => j = string_end(bytes, j + 1),
            b'/' if matches!(bytes.get(j + 1), Some(b'/' | b'*')) => j = skip_trivia(text, j),
            _ => j += 1,
        }
    }
    None
}

/// Whether the keyword `word` stands at `i` (not a longer identifier).
fn word_at(bytes: &[u8], i: usize, word: &str) -> bool {
    bytes[i.min(bytes.len())..].starts_with(word.as_bytes())
        && !bytes.get(i + word.len()).is_some_and(|&b| is_ident(b))
}

fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ident(bytes[i]) {
        i += 1;
    }
    i
}

/// The first byte at or after `i` that is not whitespace or a comment.
fn skip_trivia(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
            _ => break,
        }
    }
    i
}

/// The end (exclusive) of the delimited group opening at `i`, skipping
/// strings, chars and comments; `None` when the text ends first.
fn group_end(text: &str, mut i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => i = skip_trivia(text, i),
            b'"' => i = string_end(bytes, i + 1),
            b'r' | b'b' | b'c' if starts_literal(bytes, i) => i = literal_end(bytes, i),
            b'\'' => {
                i = char_literal_end(text, i).unwrap_or(i + 1);
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of a prefixed literal (`r#"..."#`, `b"..."`, `b'x'`) at `i`.
fn literal_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < bytes.len() && matches!(bytes[j], b'r' | b'b' | b'c') {
        j += 1;
    }
    if bytes[i..j].contains(&b'r') {
        raw_string_end(bytes, j)
    } else if bytes.get(j) == Some(&b'\'') {
        char_end(bytes, j + 1)
    } else {
        string_end(bytes, j + 1)
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

    /// The blanked bodies, as text.
    fn cut(text: &str) -> Vec<&str> {
        run(text)
            .test_bodies
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn test_module_bodies_are_found() {
        let text = "mod a {}\n#[cfg(test)]\nmod tests {\n    fn t() { x(); }\n}\nfn after() {}\n";
        assert_eq!(cut(text), ["\n    fn t() { x(); }\n"]);
        // Attribute forms the extractor counts as test-only, visibility,
        // doc comments and other attributes around, a raw name.
        assert_eq!(
            cut("#[cfg(all(test, feature = \"x\"))] pub(crate) mod t { a }"),
            [" a "]
        );
        assert_eq!(
            cut("#[cfg(test)]\n/// docs {\n#[allow(unused)] // }\n/* { */ pub mod r#t {b}"),
            ["b"]
        );
        assert_eq!(cut("#[doc = \"]\"]\n#[cfg( test )]\nmod t {c}"), ["c"]);
        assert_eq!(cut("#[tokio::test]\nmod t {d}"), ["d"]);
        // Not test-only, not inline, not a module.
        for text in [
            "#[cfg(any(test, feature = \"x\"))] mod t { a }",
            "#[cfg(not(test))] mod t { a }",
            "#[cfg_attr(test, allow(x))] mod t { a }",
            "#[cfg(test)] mod t;",
            "#[cfg(test)] use x::y; mod t { a }",
            "#[cfg(test)] impl T { fn f() {} }",
            "#![cfg(test)] mod t { a }",
            "#[cfg(test)] mod 1 { a }",
            "#[cfg(test)] modx { a }",
            "let s = \"#[cfg(test)] mod t { a }\";",
            "// #[cfg(test)] mod t { a }",
            "#[cfg(test)] mod t { a",
        ] {
            assert!(cut(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn test_function_bodies_are_found() {
        assert_eq!(cut("#[test]\nfn t() { a }"), [" a "]);
        assert_eq!(
            cut("#[tokio::test]\npub async fn t() -> anyhow::Result<()> { b }"),
            [" b "]
        );
        assert_eq!(
            cut(
                "#[test]\n#[should_panic(expected = \"{\")]\npub(crate) unsafe extern \"C\" fn t<'a>(x: &'a [u8; 2], f: impl Fn(u8) -> u8) where T: Fn() -> u8 { c }"
            ),
            [" c "]
        );
        // After an impl block; inside a test module (one cut).
        assert_eq!(cut("impl T { fn m() {} }\n#[test] fn t() { d }"), [" d "]);
        assert_eq!(
            cut("#[cfg(test)] mod tests { #[test] fn t() { e } }"),
            [" #[test] fn t() { e } "]
        );
        // Methods (Rust has no test methods; `#[cfg(test)]` compiles on
        // one and the extractor reads it), no body, a brace this scan does
        // not follow, another attribute.
        for text in [
            "impl T { #[test] fn m() { a } }",
            "impl<T> Tr for X<T> where T: Copy { #[tokio::test] async fn m() { a } }",
            "trait T { #[test] fn m() { a } }",
            "#[cfg(test)] fn f() { a }",
            "extern \"C\" { #[test] fn f(); }",
            "#[test] fn f() -> Foo<{ N }> { a }",
            "#[testing] fn f() { a }",
            "#[test] struct S { a: u8 }",
        ] {
            assert!(cut(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn test_module_bodies_end_at_their_own_brace() {
        // Braces in strings, raw strings, chars, byte chars and comments,
        // lifetimes beside them, a nested test module (one cut).
        let body = concat!(
            "\n    const S: &str = \"}\\\"}\";\n",
            "    const R: &str = r#\"}\"# ;\n",
            "    const C: char = '}'; const O: char = '{'; const Q: char = '\\'';\n",
            "    const B: u8 = b'}'; const BS: &[u8] = br\"}\";\n",
            "    fn l<'a>(x: &'a str) -> &'a str { x } // }\n",
            "    /* } /* nested } */ } */\n",
            "    #[cfg(test)] mod inner { fn t() {} }\n",
            "    fn é() { m!{ ( [ ] ) } }\n",
        );
        let text = format!("#[cfg(test)]\nmod tests {{{body}}}\nfn after() {{}}\n");
        assert_eq!(cut(&text), [body]);
        let blanked = blank(&text, &run(&text).test_bodies);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.lines().count(), text.lines().count());
        let at = text.find(body).unwrap();
        let gone = &blanked[at..at + body.len()];
        assert!(gone.bytes().all(|b| b == b' ' || b == b'\n'));
        assert_eq!(gone.matches('\n').count(), body.matches('\n').count());
        assert!(blanked.ends_with("}\nfn after() {}\n"));
        assert!(syn::parse_file(&blanked).is_ok());
        // A closer of another kind (broken code) cuts nothing.
        assert!(cut("#[cfg(test)] mod t { a ) }").is_empty());
    }
}

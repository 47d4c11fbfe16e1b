//! Parsing `synthlint: ignore[CODE, ...] reason` out of one comment.
//!
//! Grammar (case-insensitive keyword, spaces optional around `:` and `[`):
//!
//! ```text
//! comment   = [ other-comment "#" ] directive
//! directive = "synthlint" ":" "ignore" [ "[" codes "]" ] [ reason ]
//! codes     = code { ( "," | whitespace ) code }
//! ```
//!
//! The directive must open the comment (or a comment chained after another
//! one on the same line, `# type: ignore  # synthlint: ignore[X]`), so prose
//! that merely mentions the syntax is not a suppression. Codes are exact rule
//! codes, matched case-insensitively; category prefixes such as `GEN` are not
//! accepted, because a suppression should name the duty it waives and must not
//! silently cover rules added to the category later. A directive without
//! codes, with empty brackets or without the closing `]` suppresses nothing.

use std::sync::LazyLock;

use regex::Regex;

use crate::facts::Comment;
use crate::source::Span;

/// `synthlint: ignore` at the start of the comment or after a chained `#`.
/// The trailing `\b` keeps `synthlint: ignored ...` prose out.
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|#)\s*(synthlint\s*:\s*ignore)\b").expect("directive regex is valid")
});

/// One code inside the brackets.
static CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[^\s,]+").expect("code regex is valid"));

/// Why a directive lists no codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bare {
    /// `synthlint: ignore` (possibly followed by text that is not `[...]`).
    NoBrackets,
    /// `synthlint: ignore[]` or `[ , ]`.
    EmptyBrackets,
    /// `synthlint: ignore[MOD001` without `]`.
    Unclosed,
}

/// A code as written in a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRef {
    /// Upper-cased, so matching is case-insensitive.
    pub code: String,
    /// Where the code is written (the whole comment when positions are unknown).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Codes in order of appearance, duplicates removed; empty when `bare` is set.
    pub codes: Vec<CodeRef>,
    pub bare: Option<Bare>,
    /// Text after `]`, trimmed; empty when none was given.
    pub reason: String,
    /// From `synthlint` to the closing `]` (or to `ignore` for a bare directive).
    pub span: Span,
    /// The whole comment.
    pub comment: Span,
    /// The comment stands alone on its line, so it also covers the next line.
    pub own_line: bool,
}

impl Directive {
    pub fn line(&self) -> u32 {
        self.comment.start_line
    }
}

/// The directive in `comment`, if it holds one.
pub fn parse(comment: &Comment) -> Option<Directive> {
    let text = comment.text.as_str();
    let caps = DIRECTIVE.captures(text)?;
    let kw = caps.get(1)?;
    let pos = Positions::new(comment);
    let rest = &text[kw.end()..];
    let after_ws = rest.trim_start();
    let open = kw.end() + (rest.len() - after_ws.len());

    let bare = |kind: Bare| Directive {
        codes: Vec::new(),
        bare: Some(kind),
        reason: String::new(),
        span: pos.span(kw.start(), kw.end()),
        comment: comment.span,
        own_line: comment.own_line,
    };

    let Some(inner) = after_ws.strip_prefix('[') else {
        return Some(bare(Bare::NoBrackets));
    };
    let Some(close) = inner.find(']') else {
        return Some(bare(Bare::Unclosed));
    };
    let list_start = open + 1;
    let list_end = list_start + close;
    let mut codes: Vec<CodeRef> = Vec::new();
    for m in CODE.find_iter(&text[list_start..list_end]) {
        let code = m.as_str().to_ascii_uppercase();
        if codes.iter().all(|c| c.code != code) {
            codes.push(CodeRef {
                code,
                span: pos.span(list_start + m.start(), list_start + m.end()),
            });
        }
    }
    if codes.is_empty() {
        return Some(Directive {
            span: pos.span(kw.start(), list_end + 1),
            ..bare(Bare::EmptyBrackets)
        });
    }
    Some(Directive {
        codes,
        bare: None,
        reason: clean_reason(&text[list_end + 1..]),
        span: pos.span(kw.start(), list_end + 1),
        comment: comment.span,
        own_line: comment.own_line,
    })
}

/// Trim the reason and a separator people put before it (`-- why`, `: why`).
fn clean_reason(s: &str) -> String {
    s.trim()
        .trim_start_matches(['-', ':', '—', '–'])
        .trim()
        .to_string()
}

/// Maps byte offsets in `Comment::text` to spans in the file.
///
/// The text is the comment without its marker (`#`, `//`), so its offsets are
/// shifted by the marker's length. That length is derived from the span rather
/// than assumed, and when the span does not fit the text (a frontend that
/// trims differently, a multi-line span) every offset maps to the whole
/// comment: a coarse location is better than a wrong one.
struct Positions<'a> {
    comment: &'a Comment,
    /// Bytes (= code points: markers are ASCII) before the text starts.
    marker: Option<u32>,
}

impl<'a> Positions<'a> {
    fn new(comment: &'a Comment) -> Self {
        let s = &comment.span;
        let text = &comment.text;
        let bytes = s.end_byte.checked_sub(s.start_byte);
        let marker = match bytes {
            Some(bytes) if s.start_line == s.end_line => {
                let m = (bytes as usize).checked_sub(text.len());
                let mc = (comment.width as usize).checked_sub(text.chars().count());
                match (m, mc) {
                    (Some(m), Some(mc)) if m == mc && m <= 3 => Some(m as u32),
                    _ => None,
                }
            }
            _ => None,
        };
        Positions { comment, marker }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        let c = &self.comment.span;
        let Some(marker) = self.marker else {
            return *c;
        };
        let byte = |off: usize| (c.start_byte + marker).saturating_add(off as u32);
        Span {
            start_line: c.start_line,
            start_byte: byte(start),
            end_line: c.start_line,
            end_byte: byte(end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `#` comment starting at `col` (1-based) on line 3, at byte 100 + col.
    fn comment(text: &str, col: u32) -> Comment {
        let len = text.len() as u32 + 1;
        let chars = text.chars().count() as u32 + 1;
        Comment {
            text: text.to_string(),
            own_line: col == 1,
            span: Span {
                start_line: 3,
                end_line: 3,
                start_byte: 100 + col,
                end_byte: 100 + col + len,
            },
            width: chars,
        }
    }

    fn codes(d: &Directive) -> Vec<&str> {
        d.codes.iter().map(|c| c.code.as_str()).collect()
    }

    #[test]
    fn codes_and_reason() {
        let d = parse(&comment(
            " synthlint: ignore[MOD001, gen001] reviewed by legal",
            1,
        ))
        .unwrap();
        assert_eq!(codes(&d), ["MOD001", "GEN001"]);
        assert_eq!(d.reason, "reviewed by legal");
        assert_eq!(d.bare, None);
    }

    #[test]
    fn spacing_and_case_variants() {
        for text in [
            "synthlint:ignore[MOD001]",
            " SynthLint : IGNORE [MOD001]",
            "  synthlint:  ignore[ mod001 ]",
            " type: ignore  # synthlint: ignore[MOD001]",
        ] {
            let d = parse(&comment(text, 1)).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(codes(&d), ["MOD001"], "{text}");
            assert_eq!(d.reason, "", "{text}");
        }
    }

    #[test]
    fn separators_and_duplicates() {
        let d = parse(&comment(" synthlint: ignore[A1 B2,,b2 ,C3] -- why", 1)).unwrap();
        assert_eq!(codes(&d), ["A1", "B2", "C3"]);
        assert_eq!(d.reason, "why");
    }

    #[test]
    fn bare_forms() {
        let cases = [
            (" synthlint: ignore", Bare::NoBrackets),
            (" synthlint: ignore because", Bare::NoBrackets),
            (" synthlint: ignore MOD001", Bare::NoBrackets),
            (" synthlint: ignore-file", Bare::NoBrackets),
            (" synthlint: ignore[]", Bare::EmptyBrackets),
            (" synthlint: ignore[ , ] why", Bare::EmptyBrackets),
            (" synthlint: ignore[MOD001", Bare::Unclosed),
        ];
        for (text, kind) in cases {
            let d = parse(&comment(text, 1)).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(d.bare, Some(kind), "{text}");
            assert!(d.codes.is_empty(), "{text}");
        }
    }

    #[test]
    fn not_directives() {
        for text in [
            " plain comment",
            " to silence it, write synthlint: ignore[MOD001]",
            " synthlint: ignored this on purpose",
            " synthlint ignore[MOD001]",
            " synthlint: check[MOD001]",
        ] {
            assert_eq!(parse(&comment(text, 1)), None, "{text}");
        }
    }

    #[test]
    fn code_positions() {
        // `x = 1  # synthlint: ignore[MOD001]`: the comment starts at column 8.
        let text = " synthlint: ignore[MOD001]";
        let d = parse(&comment(text, 8)).unwrap();
        let s = d.codes[0].span;
        // `#` at byte 108, text from 109; `MOD001` at text offset 19.
        assert_eq!((s.start_byte, s.end_byte), (108 + 1 + 19, 108 + 1 + 25));
        assert_eq!((d.span.start_byte, d.span.end_byte), (109 + 1, 109 + 26));
    }

    #[test]
    fn code_positions_count_code_points() {
        let d = parse(&comment(" 生成 # synthlint: ignore[MOD001]", 1)).unwrap();
        let s = d.codes[0].span;
        assert_eq!(
            s.start_byte,
            101 + 1 + " 生成 # synthlint: ignore[".len() as u32
        );
    }

    #[test]
    fn text_that_does_not_fit_the_width_falls_back_to_comment() {
        // Three bytes, one code point more than the text: not a marker.
        let mut c = comment(" synthlint: ignore[MOD001]", 1);
        c.width += 2;
        let d = parse(&c).unwrap();
        assert_eq!(d.codes[0].span, c.span);
    }

    #[test]
    fn inconsistent_span_falls_back_to_comment() {
        let mut c = comment(" synthlint: ignore[MOD001]", 1);
        c.span.end_byte += 40;
        let d = parse(&c).unwrap();
        assert_eq!(d.codes[0].span, c.span);
        assert_eq!(d.span, c.span);
    }
}

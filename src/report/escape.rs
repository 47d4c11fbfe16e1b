//! Control characters from scanned files (source lines, file names,
//! literals quoted in messages) must not reach a terminal or a CI log as
//! themselves: an escape sequence can rewrite what the reader sees, and on
//! a GitHub runner a carriage return followed by `::error …` starts a
//! workflow command. Every human-facing format (text, concise, github,
//! gitlab, junit, markdown, html, the inventory's text and markdown, media
//! text, configuration errors) passes such text through here.
//!
//! Each control character becomes exactly one visible character (its
//! Unicode "control picture", `␛` for ESC, `␍` for CR), so character
//! counts, and with them the columns of labels under a source line, stay
//! the same; byte lengths may grow.

use std::borrow::Cow;

/// Text on one line (a path, a message, a label): every control character
/// is replaced, line breaks and tabs included.
pub fn line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// A block of source lines: `\n`, `\t` and the `\r` of a `\r\n` pair stay;
/// every other control character, a lone `\r` included, is replaced.
pub fn block(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// `block`, with where bytes moved: `(end of a replaced character in s,
/// bytes added up to there)`, in order (a picture is never shorter than
/// what it replaces). Offsets into `s` map with `shift`.
pub fn block_mapped(s: &str) -> (Cow<'_, str>, Vec<(usize, usize)>) {
    let mut marks: Vec<(usize, usize)> = Vec::new();
    let out = escape_with(s, true, |i, c, p| {
        let added = p.len_utf8() - c.len_utf8();
        let total = marks.last().map_or(0, |&(_, t)| t) + added;
        marks.push((i + c.len_utf8(), total));
    });
    (out, marks)
}

/// An offset into the text `block_mapped` escaped, in the escaped text.
pub fn shift(marks: &[(usize, usize)], offset: usize) -> usize {
    let at = marks.partition_point(|&(end, _)| end <= offset);
    offset + at.checked_sub(1).map_or(0, |i| marks[i].1)
}

fn escape(s: &str, keep_lines: bool) -> Cow<'_, str> {
    escape_with(s, keep_lines, |_, _, _| {})
}

fn escape_with(
    s: &str,
    keep_lines: bool,
    mut replaced: impl FnMut(usize, char, char),
) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let needs = |i: usize, c: char| -> bool {
        if !is_unsafe(c) {
            return false;
        }
        !(keep_lines && (c == '\n' || c == '\t' || (c == '\r' && bytes.get(i + 1) == Some(&b'\n'))))
    };
    if !s.char_indices().any(|(i, c)| needs(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        if needs(i, c) {
            let p = picture(c);
            replaced(i, c, p);
            out.push(p);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 controls, DEL, C1 controls, and the bidirectional overrides and
/// isolates that reorder how a line is displayed ("Trojan Source").
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One visible character for an unsafe one.
fn picture(c: char) -> char {
    match c {
        // U+2400..U+241F: SYMBOL FOR NULL ... SYMBOL FOR UNIT SEPARATOR.
        '\0'..='\u{1F}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\u{7F}' => '\u{2421}',
        _ => '\u{FFFD}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_one_visible_character_each() {
        assert_eq!(line("a\x1b[31mb"), "a\u{241B}[31mb");
        assert_eq!(line("x\r::error::y"), "x\u{240D}::error::y");
        assert_eq!(line("a\nb\tc"), "a\u{240A}b\u{2409}c");
        assert_eq!(block("a\nb\tc\r\nd\re"), "a\nb\tc\r\nd\u{240D}e");
        assert_eq!(line("\u{85}\u{202E}\u{7F}"), "\u{FFFD}\u{FFFD}\u{2421}");
        for s in ["plain", "漢字 ok", "tab\tand\nnewline\r\n"] {
            assert!(matches!(block(s), Cow::Borrowed(_)), "{s:?}");
        }
        let s = "\x1b\x07\x00é\u{202E}";
        assert_eq!(line(s).chars().count(), s.chars().count());
    }

    #[test]
    fn offsets_follow_the_escaped_text() {
        let s = "a\x1bb\u{85}c\nd";
        let (out, marks) = block_mapped(s);
        for (i, c) in s.char_indices() {
            let j = shift(&marks, i);
            let shown = out[j..].chars().next().unwrap();
            assert!(shown == c || shown == picture(c), "{i}: {c:?} vs {shown:?}");
        }
        assert_eq!(shift(&marks, s.len()), out.len());
    }
}

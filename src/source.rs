//! Source positions. Every fact and finding carries a `Span` computed once,
//! at extraction, so later phases never need the text or the syntax tree.

use serde::{Deserialize, Serialize};

/// A region of a file: byte offsets plus 1-based line/column (columns count
/// Unicode code points, as announced in SARIF `columnKind`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Span {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
    pub start_byte: u32,
    pub end_byte: u32,
}

impl Span {
    /// Whether `inner` lies within this span (by bytes).
    /// The byte range.
    pub fn bytes(&self) -> std::ops::Range<u32> {
        self.start_byte..self.end_byte
    }

    pub fn contains(&self, inner: &Span) -> bool {
        self.start_byte <= inner.start_byte && inner.end_byte <= self.end_byte
    }
}

/// Maps byte offsets to line/column for one file's text.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// All ASCII (most source files): a column is a byte difference.
    ascii: bool,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        // `match_indices` of one ASCII character searches with memchr.
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    /// 1-based line and code-point column of a byte offset.
    pub fn line_col(&self, byte: usize) -> (u32, u32) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        (line as u32 + 1, self.col(line, byte))
    }

    /// 1-based code-point column of `byte` (clamped) on 0-based `line`.
    fn col(&self, line: usize, byte: usize) -> u32 {
        let start = self.line_starts[line];
        if self.ascii {
            return (byte - start) as u32 + 1;
        }
        let col = match self.text.get(start..byte) {
            Some(prefix) => prefix.chars().count(),
            // Offset inside a multi-byte character: count what is whole.
            None => String::from_utf8_lossy(&self.text.as_bytes()[start..byte])
                .chars()
                .count(),
        };
        col as u32 + 1
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let (start_line, start_col) = self.line_col(start);
        // Most spans end on the line they start on: no second search.
        let end_clamped = end.min(self.text.len());
        let next_line = self.line_starts.get(start_line as usize).copied();
        let (end_line, end_col) =
            if end_clamped >= start && next_line.is_none_or(|next| end_clamped < next) {
                let line = start_line as usize - 1;
                (start_line, self.col(line, end_clamped))
            } else {
                self.line_col(end)
            };
        Span {
            start_line,
            start_col,
            end_line,
            end_col,
            start_byte: start as u32,
            end_byte: end as u32,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of a 1-based line without its line break.
    pub fn line_text(&self, line: u32) -> &'a str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_code_points() {
        let idx = LineIndex::new("a = 1\nb = \"生成\" + x\n");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(6), (2, 1));
        let x = "a = 1\nb = \"生成\" + x\n".find('x').unwrap();
        assert_eq!(idx.line_col(x), (2, 12));
        assert_eq!(idx.line_text(2), "b = \"生成\" + x");
    }

    /// `span` takes shortcuts (ASCII text, ends on the start line); it must
    /// agree with `line_col` on every pair of offsets, in and out of range.
    #[test]
    fn spans_agree_with_line_col() {
        for text in [
            "",
            "a",
            "ab\ncd\n",
            "a = 1\r\nb = \"生成\" + x\n\n",
            "\n\n生\n",
            "x\ny",
        ] {
            let idx = LineIndex::new(text);
            for start in 0..=text.len() + 2 {
                for end in 0..=text.len() + 2 {
                    let span = idx.span(start, end);
                    assert_eq!(
                        (span.start_line, span.start_col),
                        idx.line_col(start),
                        "{text:?} {start}"
                    );
                    assert_eq!(
                        (span.end_line, span.end_col),
                        idx.line_col(end),
                        "{text:?} {start}..{end}"
                    );
                }
            }
        }
    }
}

/// Why a Python file's bytes are not a text to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecodable {
    /// A UTF-16 byte order mark.
    Utf16,
    /// A NUL byte that is not part of a run at the very end.
    Binary { at: usize },
    /// Not valid in the encoding that applies (UTF-8 unless declared).
    Invalid {
        line: usize,
        byte_in_line: usize,
        declared: Option<String>,
    },
    /// A PEP 263 declaration of an encoding synthlint does not know.
    UnknownEncoding(String),
}

impl Undecodable {
    /// The notification kind and message for a skipped file.
    pub fn describe(&self) -> (&'static str, String) {
        match self {
            Undecodable::Utf16 => (
                "invalid-utf8",
                "skipped: UTF-16 text (byte order mark); only UTF-8 and PEP 263 encodings are supported".into(),
            ),
            Undecodable::Binary { at } => (
                "binary-file",
                format!("skipped: looks like a binary file (NUL byte at offset {at})"),
            ),
            Undecodable::Invalid {
                line,
                byte_in_line,
                declared,
            } => (
                "invalid-utf8",
                match declared {
                    Some(enc) => format!(
                        "skipped: not valid {enc} (as the file declares) at line {line}, byte {byte_in_line} of the line"
                    ),
                    None => format!(
                        "skipped: not valid UTF-8 at line {line}, byte {byte_in_line} of the line"
                    ),
                },
            ),
            Undecodable::UnknownEncoding(enc) => (
                "invalid-utf8",
                format!(
                    "skipped: the file declares `coding: {}`, an encoding synthlint cannot decode",
                    crate::report::escape::line(enc)
                ),
            ),
        }
    }
}

/// A Python file's text as Python reads it: UTF-8 (a leading BOM dropped),
/// or the encoding a PEP 263 declaration in the first two lines names
/// (`# -*- coding: latin-1 -*-`), decoded to UTF-8. NUL bytes at the very
/// end of a text (padding some tools leave) are dropped; a NUL anywhere
/// else, or nothing but NULs, makes it binary. Spans index the returned text, and every reader of a source file
/// for a report goes through here so that they agree.
pub fn decode(mut bytes: Vec<u8>) -> Result<String, Undecodable> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Undecodable::Utf16);
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        // Nothing but NULs is no text either.
        if at == 0 || bytes[at..].iter().any(|&b| b != 0) {
            return Err(Undecodable::Binary { at });
        }
        bytes.truncate(at);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let rest = rest.to_vec();
        return utf8(rest, None);
    }
    let Some(declared) = declared_encoding(&bytes) else {
        return utf8(bytes, None);
    };
    let name = declared.to_ascii_lowercase().replace('_', "-");
    let is = |base: &str| name == base || name.starts_with(&format!("{base}-"));
    if is("utf-8") || is("utf8") || name == "ascii" || name == "us-ascii" {
        return utf8(bytes, Some(declared));
    }
    // Python's latin-1 is ISO-8859-1 proper (WHATWG labels map it to
    // windows-1252, which differs in 0x80-0x9F).
    if [
        "latin-1",
        "latin1",
        "iso-8859-1",
        "iso8859-1",
        "iso-latin-1",
        "l1",
        "cp819",
    ]
    .iter()
    .any(|b| is(b))
    {
        return Ok(bytes.iter().map(|&b| char::from(b)).collect());
    }
    let Some(encoding) = encoding_rs::Encoding::for_label(name.as_bytes()) else {
        return Err(Undecodable::UnknownEncoding(declared));
    };
    match encoding.decode_without_bom_handling_and_without_replacement(&bytes) {
        Some(text) => Ok(text.into_owned()),
        None => {
            // Where it breaks: the longest prefix that decodes.
            let mut decoder = encoding.new_decoder_without_bom_handling();
            let mut out = String::with_capacity(bytes.len() * 3 + 16);
            let (_, read) = decoder.decode_to_string_without_replacement(&bytes, &mut out, true);
            Err(invalid_at(&bytes, read, Some(declared)))
        }
    }
}

fn utf8(bytes: Vec<u8>, declared: Option<String>) -> Result<String, Undecodable> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        invalid_at(e.as_bytes(), at, declared)
    })
}

fn invalid_at(bytes: &[u8], at: usize, declared: Option<String>) -> Undecodable {
    let at = at.min(bytes.len());
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Undecodable::Invalid {
        line,
        byte_in_line: at - line_start + 1,
        declared,
    }
}

/// The PEP 263 encoding declaration in the first two lines: a comment
/// matching `coding[:=]\s*([-\w.]+)`; the second line counts only when the
/// first is a comment or blank, as in Python.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for (i, line) in bytes.split(|&b| b == b'\n').take(2).enumerate() {
        let t = line.trim_ascii_start();
        if !t.starts_with(b"#") {
            if i == 0 && !t.trim_ascii().is_empty() {
                return None;
            }
            continue;
        }
        let Some(at) = t.windows(6).position(|w| w == b"coding") else {
            continue;
        };
        let Some(rest) = t[at + 6..]
            .strip_prefix(b":")
            .or_else(|| t[at + 6..].strip_prefix(b"="))
        else {
            continue;
        };
        let name: String = rest
            .trim_ascii_start()
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .take(64)
            .map(|&b| char::from(b))
            .collect();
        if !name.is_empty() {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod decode_tests {
    use super::*;

    #[test]
    fn declared_encodings_are_decoded() {
        let latin = b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n".to_vec();
        assert_eq!(
            decode(latin).unwrap(),
            "# -*- coding: latin-1 -*-\ns = 'café'\n"
        );
        let gbk = b"#!/usr/bin/env python\n# coding=gbk\ns = '\xc9\xfa\xb3\xc9'\n".to_vec();
        assert_eq!(
            decode(gbk).unwrap(),
            "#!/usr/bin/env python\n# coding=gbk\ns = '生成'\n"
        );
        let cp1252 = b"# vim: set fileencoding=cp1252 :\nq = '\x93x\x94'\n".to_vec();
        assert!(decode(cp1252).unwrap().contains('\u{201C}'));
        // Only in the first two lines, and not after code.
        let late = b"x = 1\n# coding: latin-1\ns = '\xe9'\n".to_vec();
        assert!(matches!(
            decode(late),
            Err(Undecodable::Invalid { line: 3, .. })
        ));
        let unknown = b"# coding: klingon\n".to_vec();
        assert_eq!(
            decode(unknown),
            Err(Undecodable::UnknownEncoding("klingon".into()))
        );
        // Declared UTF-8 must be UTF-8.
        let bad = b"# coding: utf-8\n\xe9\n".to_vec();
        assert!(matches!(
            decode(bad),
            Err(Undecodable::Invalid {
                line: 2,
                byte_in_line: 1,
                ..
            })
        ));
    }

    #[test]
    fn nul_bytes_at_the_end_only() {
        assert_eq!(decode(b"x = 1\n\0\0".to_vec()).unwrap(), "x = 1\n");
        assert_eq!(
            decode(b"x\0 = 1\n".to_vec()),
            Err(Undecodable::Binary { at: 1 })
        );
        assert_eq!(decode(b"\0\0".to_vec()), Err(Undecodable::Binary { at: 0 }));
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\n".to_vec()).unwrap(), "x = 1\n");
        assert_eq!(decode(b"\xFF\xFEx\0".to_vec()), Err(Undecodable::Utf16));
    }
}

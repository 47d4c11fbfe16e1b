//! Source positions. Every fact and finding carries a `Span` computed once,
//! at extraction, so later phases never need the text or the syntax tree.

use serde::{Deserialize, Serialize};

/// A region of a file: byte offsets and 1-based lines. Columns are not
/// kept: facts hold millions of spans and only reported locations need a
/// column, which reporters read from the text (`report::columns`; code
/// points, as announced in SARIF `columnKind`). 16 bytes, not 24.
///
/// Fields in this order so the derived order is the one line/column order
/// gave: within a line, bytes order positions as columns do.
///
/// Serialized as a struct of the four fields in human-readable formats
/// (JSON: `debug facts`); in binary ones (the caches' postcard and
/// MessagePack) as four integers with the end as its distance from the
/// start, which is short (a varint of one byte, mostly, where an end
/// offset takes two or three): fewer bytes to read back (dec25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start_line: u32,
    pub start_byte: u32,
    pub end_line: u32,
    pub end_byte: u32,
}

/// `Span` as JSON shows it.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Span")]
struct PlainSpan {
    start_line: u32,
    start_byte: u32,
    end_line: u32,
    end_byte: u32,
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            PlainSpan {
                start_line: self.start_line,
                start_byte: self.start_byte,
                end_line: self.end_line,
                end_byte: self.end_byte,
            }
            .serialize(s)
        } else {
            // Wrapping: any four values read back as they were.
            (
                self.start_line,
                self.start_byte,
                self.end_line.wrapping_sub(self.start_line),
                self.end_byte.wrapping_sub(self.start_byte),
            )
                .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        if d.is_human_readable() {
            let p = PlainSpan::deserialize(d)?;
            Ok(Span {
                start_line: p.start_line,
                start_byte: p.start_byte,
                end_line: p.end_line,
                end_byte: p.end_byte,
            })
        } else {
            let (start_line, start_byte, lines, bytes) = <(u32, u32, u32, u32)>::deserialize(d)?;
            Ok(Span {
                start_line,
                start_byte,
                end_line: start_line.wrapping_add(lines),
                end_byte: start_byte.wrapping_add(bytes),
            })
        }
    }
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

/// Where each line of a text starts: the one line table every phase uses
/// (frontends through `LineIndex`, reporters next to the text they show or
/// hash). Owned, so it can live beside the text it indexes.
#[derive(Debug, Clone, Default)]
pub struct LineStarts {
    starts: Vec<usize>,
    /// All ASCII (most source files): a column is a byte difference.
    ascii: bool,
}

impl LineStarts {
    pub fn new(text: &str) -> Self {
        // The `memchr` crate's iterator: `match_indices` of a char costs
        // several times more a line (a search set up per line).
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineStarts {
            starts,
            ascii: text.is_ascii(),
        }
    }

    /// 1-based line and code-point column of a byte offset (clamped to the
    /// text) in `text`, the text this table was made from.
    pub fn line_col(&self, text: &str, byte: usize) -> (u32, u32) {
        let byte = byte.min(text.len());
        let line = self.starts.partition_point(|&s| s <= byte) - 1;
        (line as u32 + 1, self.col(text, line, byte))
    }

    /// Where the line holding `byte` starts.
    pub fn line_start_of(&self, byte: usize) -> usize {
        self.starts[self.starts.partition_point(|&s| s <= byte) - 1]
    }

    /// 1-based code-point column of `byte` (clamped to the text) in `text`.
    pub fn column(&self, text: &str, byte: usize) -> u32 {
        self.line_col(text, byte).1
    }

    /// 1-based code-point column of `byte` (clamped) on 0-based `line`.
    fn col(&self, text: &str, line: usize, byte: usize) -> u32 {
        let start = self.starts[line];
        if self.ascii {
            return (byte - start) as u32 + 1;
        }
        let col = match text.get(start..byte) {
            Some(prefix) => prefix.chars().count(),
            // Offset inside a multi-byte character: count what is whole.
            None => String::from_utf8_lossy(&text.as_bytes()[start..byte])
                .chars()
                .count(),
        };
        col as u32 + 1
    }

    /// How many lines the text has (a final line break starts an empty one).
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of 1-based `line` without its `\n`, if there is such
    /// a line in `text`.
    pub fn line_range(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        Some(start..end)
    }
}

/// Code points of `text[start..end]`; 0 when that is no range of `text`.
pub fn width(text: &str, start: usize, end: usize) -> u32 {
    text.get(start..end).map_or(0, |t| t.chars().count() as u32)
}

/// Maps byte offsets to line/column for one file's text.
pub struct LineIndex<'a> {
    text: &'a str,
    lines: LineStarts,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            lines: LineStarts::new(text),
        }
    }

    /// 1-based line and code-point column of a byte offset.
    pub fn line_col(&self, byte: usize) -> (u32, u32) {
        self.lines.line_col(self.text, byte)
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let start_line = self.line(start);
        // Most spans end on the line they start on: no second search.
        let end_clamped = end.min(self.text.len());
        let next_line = self.lines.starts.get(start_line as usize).copied();
        let end_line = if end_clamped >= start && next_line.is_none_or(|next| end_clamped < next) {
            start_line
        } else {
            self.line(end)
        };
        Span {
            start_line,
            start_byte: start as u32,
            end_line,
            end_byte: end as u32,
        }
    }

    /// 1-based line of a byte offset (clamped to the text).
    pub fn line(&self, byte: usize) -> u32 {
        let byte = byte.min(self.text.len());
        self.lines.starts.partition_point(|&s| s <= byte) as u32
    }

    /// Byte offsets where the lines start (the first is 0).
    pub fn line_starts(&self) -> &[usize] {
        &self.lines.starts
    }

    pub fn line_count(&self) -> usize {
        self.lines.count()
    }

    /// The text of a 1-based line without its line break.
    pub fn line_text(&self, line: u32) -> &'a str {
        match self.lines.line_range(self.text, line as usize) {
            Some(range) => self.text[range].trim_end_matches(['\n', '\r']),
            None => "",
        }
    }
}

/// What reading a file found, short of an I/O error.
pub enum Read {
    Bytes(Vec<u8>),
    /// A FIFO, device or directory: reading would block or never end.
    NotAFile,
    /// Over the limit (the size seen).
    TooLarge(u64),
}

/// The one way synthlint reads a file it analyses or shows: regular files
/// only, never more than `limit` bytes even if the file grows meanwhile.
pub fn read_bounded(path: &std::path::Path, limit: u64) -> std::io::Result<Read> {
    use std::io::Read as _;
    let f = std::fs::File::open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Ok(Read::NotAFile);
    }
    if meta.len() > limit {
        return Ok(Read::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    f.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Read::TooLarge(bytes.len() as u64));
    }
    Ok(Read::Bytes(bytes))
}

/// A file's bytes for a reporter or an editor, read as the scan reads them:
/// spans are 32-bit, so nothing over 4 GiB can be a scanned file.
pub fn read_for_report(path: &std::path::Path) -> Option<Vec<u8>> {
    match read_bounded(path, u64::from(u32::MAX)) {
        Ok(Read::Bytes(bytes)) => Some(bytes),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_back_in_every_format_and_json_keeps_its_shape() {
        let spans = [
            Span {
                start_line: 3,
                start_byte: 70_000,
                end_line: 5,
                end_byte: 70_042,
            },
            Span::default(),
            // An end before its start still reads back as it was.
            Span {
                start_line: 9,
                start_byte: 10,
                end_line: 1,
                end_byte: 2,
            },
            Span {
                start_line: u32::MAX,
                start_byte: u32::MAX,
                end_line: 0,
                end_byte: u32::MAX,
            },
        ];
        for span in spans {
            let bytes = postcard::to_allocvec(&span).unwrap();
            assert_eq!(postcard::from_bytes::<Span>(&bytes).unwrap(), span);
            let bytes = rmp_serde::to_vec(&span).unwrap();
            assert_eq!(rmp_serde::from_slice::<Span>(&bytes).unwrap(), span);
            let json = serde_json::to_string(&span).unwrap();
            assert_eq!(serde_json::from_str::<Span>(&json).unwrap(), span);
        }
        // The end as a distance: one byte each where offsets take three.
        assert_eq!(
            postcard::to_allocvec(&spans[0]).unwrap(),
            [3, 0xf0, 0xa2, 0x04, 2, 42]
        );
        let json = serde_json::to_string(&spans[0]).unwrap();
        assert_eq!(
            json,
            r#"{"start_line":3,"start_byte":70000,"end_line":5,"end_byte":70042}"#
        );
    }

    #[test]
    fn columns_count_code_points() {
        let idx = LineIndex::new("a = 1\nb = \"生成\" + x\n");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(6), (2, 1));
        let x = "a = 1\nb = \"生成\" + x\n".find('x').unwrap();
        assert_eq!(idx.line_col(x), (2, 12));
        assert_eq!(idx.line_text(2), "b = \"生成\" + x");
        assert_eq!(idx.line_text(3), "");
        assert_eq!(idx.line_text(4), "");
        assert_eq!(idx.line_text(0), "");
    }

    /// `span` takes a shortcut (ends on the start line); its lines must
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
                    assert_eq!(span.start_line, idx.line_col(start).0, "{text:?} {start}");
                    assert_eq!(
                        span.end_line,
                        idx.line_col(end).0,
                        "{text:?} {start}..{end}"
                    );
                }
            }
        }
    }
}

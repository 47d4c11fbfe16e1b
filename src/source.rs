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

//! Columns of reported locations. Spans keep bytes and lines only (facts
//! hold millions of them); a column is read here, from the text the span's
//! bytes index: the file read and decoded as the scan decoded it
//! (`lang::decode_file`), counted in code points (SARIF `columnKind`).
//! Each file is read once per report, and only files with a reported
//! location are read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::source::{LineStarts, Span};

/// The line table of a file, and its text when a column is not a byte
/// difference (not all ASCII).
struct Lines {
    starts: LineStarts,
    len: usize,
    text: Option<String>,
}

/// Reads files under `root` as reporters ask for their columns.
pub struct Columns {
    root: PathBuf,
    files: RefCell<HashMap<String, Option<Lines>>>,
}

impl Columns {
    pub fn new(root: &Path) -> Self {
        Columns {
            root: root.to_path_buf(),
            files: RefCell::default(),
        }
    }

    /// The directory the paths are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Start and end column of `span` in the file at repo-relative `path`.
    /// Offset 0 is column 1 without a read (whole-file locations, media
    /// files); a file that can no longer be read or decoded gives column 1.
    pub fn of(&self, path: &str, span: &Span) -> (u32, u32) {
        (self.at(path, span.start_byte), self.at(path, span.end_byte))
    }

    /// The 1-based column of byte offset `byte` (clamped to the text).
    pub fn at(&self, path: &str, byte: u32) -> u32 {
        if byte == 0 {
            return 1;
        }
        let mut files = self.files.borrow_mut();
        let lines = files
            .entry(path.to_owned())
            .or_insert_with(|| load(&self.root.join(path)));
        match lines {
            Some(l) => match &l.text {
                Some(text) => l.starts.column(text, byte as usize),
                None => ascii_column(&l.starts, l.len, byte as usize),
            },
            None => 1,
        }
    }
}

fn load(path: &Path) -> Option<Lines> {
    let bytes = crate::source::read_for_report(path)?;
    let text = crate::lang::decode_file(path, bytes)?;
    let starts = LineStarts::new(&text);
    Some(Lines {
        starts,
        len: text.len(),
        text: (!text.is_ascii()).then_some(text),
    })
}

/// The column of `byte` in an ASCII text of `len` bytes: its distance from
/// the start of its line.
fn ascii_column(starts: &LineStarts, len: usize, byte: usize) -> u32 {
    let byte = byte.min(len);
    (byte - starts.line_start_of(byte)) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_code_points_in_the_decoded_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "x = 1\ny = \"生成\" + z\n").unwrap();
        std::fs::write(dir.path().join("b.py"), "ab\ncd\n").unwrap();
        let cols = Columns::new(dir.path());
        let z = "x = 1\ny = \"生成\" + z\n".find('z').unwrap() as u32;
        let span = Span {
            start_line: 2,
            start_byte: z,
            end_line: 2,
            end_byte: z + 1,
        };
        assert_eq!(cols.of("a.py", &span), (12, 13));
        assert_eq!(cols.at("b.py", 4), 2);
        assert_eq!(
            cols.at("b.py", 99),
            1,
            "clamped to the end: an empty last line"
        );
        assert_eq!(cols.at("gone.py", 5), 1);
        assert_eq!(cols.at("gone.py", 0), 1);
    }
}

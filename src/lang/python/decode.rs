//! Python source bytes to text, as Python reads them (PEP 263).

use crate::lang::Undecodable;

/// Why a Python file's bytes are not a text to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
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

impl Failure {
    /// The notification kind and message for a skipped file.
    fn describe(&self) -> Undecodable {
        let (kind, message) = match self {
            Failure::Utf16 => (
                "invalid-utf8",
                "skipped: UTF-16 text (byte order mark); only UTF-8 and PEP 263 encodings are supported".into(),
            ),
            Failure::Binary { at } => (
                "binary-file",
                format!("skipped: looks like a binary file (NUL byte at offset {at})"),
            ),
            Failure::Invalid {
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
            Failure::UnknownEncoding(enc) => (
                "invalid-utf8",
                format!(
                    "skipped: the file declares `coding: {}`, an encoding synthlint cannot decode",
                    crate::report::escape::line(enc)
                ),
            ),
        };
        Undecodable { kind, message }
    }
}

/// A Python file's text as Python reads it: UTF-8 (a leading BOM dropped),
/// or the encoding a PEP 263 declaration in the first two lines names
/// (`# -*- coding: latin-1 -*-`), decoded to UTF-8. NUL bytes at the very
/// end of a text (padding some tools leave) are dropped; a NUL anywhere
/// else, or nothing but NULs, makes it binary. Spans index the returned
/// text, and every reader of a source file for a report goes through here
/// (`lang::decode_file`) so that they agree.
pub(super) fn decode(bytes: Vec<u8>) -> Result<String, Undecodable> {
    read(bytes).map_err(|why| why.describe())
}

fn read(mut bytes: Vec<u8>) -> Result<String, Failure> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Failure::Utf16);
    }
    // memchr: a byte loop here cost a third as much as the rest of reading.
    if let Some(at) = memchr::memchr(0, &bytes) {
        // Nothing but NULs is no text either.
        if at == 0 || bytes[at..].iter().any(|&b| b != 0) {
            return Err(Failure::Binary { at });
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
        return Err(Failure::UnknownEncoding(declared));
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

fn utf8(bytes: Vec<u8>, declared: Option<String>) -> Result<String, Failure> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        invalid_at(e.as_bytes(), at, declared)
    })
}

fn invalid_at(bytes: &[u8], at: usize, declared: Option<String>) -> Failure {
    let at = at.min(bytes.len());
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Failure::Invalid {
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
mod tests {
    use super::*;

    #[test]
    fn declared_encodings_are_decoded() {
        let latin = b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n".to_vec();
        assert_eq!(
            read(latin).unwrap(),
            "# -*- coding: latin-1 -*-\ns = 'café'\n"
        );
        let gbk = b"#!/usr/bin/env python\n# coding=gbk\ns = '\xc9\xfa\xb3\xc9'\n".to_vec();
        assert_eq!(
            read(gbk).unwrap(),
            "#!/usr/bin/env python\n# coding=gbk\ns = '生成'\n"
        );
        let cp1252 = b"# vim: set fileencoding=cp1252 :\nq = '\x93x\x94'\n".to_vec();
        assert!(read(cp1252).unwrap().contains('\u{201C}'));
        // Only in the first two lines, and not after code.
        let late = b"x = 1\n# coding: latin-1\ns = '\xe9'\n".to_vec();
        assert!(matches!(read(late), Err(Failure::Invalid { line: 3, .. })));
        let unknown = b"# coding: klingon\n".to_vec();
        assert_eq!(
            read(unknown),
            Err(Failure::UnknownEncoding("klingon".into()))
        );
        // Declared UTF-8 must be UTF-8.
        let bad = b"# coding: utf-8\n\xe9\n".to_vec();
        assert!(matches!(
            read(bad),
            Err(Failure::Invalid {
                line: 2,
                byte_in_line: 1,
                ..
            })
        ));
    }

    #[test]
    fn nul_bytes_at_the_end_only() {
        assert_eq!(read(b"x = 1\n\0\0".to_vec()).unwrap(), "x = 1\n");
        assert_eq!(read(b"x\0 = 1\n".to_vec()), Err(Failure::Binary { at: 1 }));
        assert_eq!(read(b"\0\0".to_vec()), Err(Failure::Binary { at: 0 }));
        assert_eq!(read(b"\xEF\xBB\xBFx = 1\n".to_vec()).unwrap(), "x = 1\n");
        assert_eq!(read(b"\xFF\xFEx\0".to_vec()), Err(Failure::Utf16));
    }
}

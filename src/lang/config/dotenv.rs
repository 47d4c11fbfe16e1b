//! `.env` files (`.env`, `.env.production`, `prod.env`, `.envrc`): one
//! environment variable per line, `KEY=value`, optionally `export KEY=…`,
//! single- or double-quoted (double quotes may span lines and know `\n`
//! escapes), `#` comments on their own line or after an unquoted value.
//! Key paths are the variable name alone; values are strings.
//!
//! Hand-written: the `dotenvy` crate keeps no positions, and the format is
//! a handful of line rules. A line that is not an assignment is skipped
//! with a warning, as python-dotenv does.

use std::path::Path;

use ustr::Ustr;

use super::Doc;
use crate::facts::Value;

/// `.env.local`, `.env.production`, `.env.example`.
pub fn claims(name: &str, _path: &Path) -> bool {
    name.starts_with(".env.") && !name.ends_with(".swp")
}

pub fn read(doc: &mut Doc<'_>) {
    let text = doc.text;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let line_end = text[i..].find('\n').map_or(text.len(), |p| i + p);
        let line = &text[i..line_end];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.trim_end().is_empty() {
            i = line_end + 1;
            continue;
        }
        if trimmed.starts_with('#') {
            doc.comment(i + indent, 1, line_end - usize::from(line.ends_with('\r')));
            i = line_end + 1;
            continue;
        }
        let rest = trimmed
            .strip_prefix("export ")
            .map_or(trimmed, str::trim_start);
        let key_start = i + (line.len() - rest.len());
        let key_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(rest.len());
        let after = rest[key_len..].trim_start();
        if key_len == 0 || !after.starts_with('=') {
            doc.bad_line(".env", i + indent, "expected `KEY=value`");
            i = line_end + 1;
            continue;
        }
        let key = &rest[..key_len];
        let raw = after[1..].trim_start_matches([' ', '\t']);
        let value_start = line_end - line.len() + (line.len() - raw.len());
        let (value, value_end, next) = match raw.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => quoted(text, value_start, q),
            _ => {
                let mut v = raw;
                if let Some(c) = v.find(" #").or_else(|| v.find("\t#")) {
                    let comment_at = value_start + c + 1;
                    doc.comment(comment_at, 1, line_end - usize::from(line.ends_with('\r')));
                    v = &v[..c];
                }
                let v = v.trim_end();
                (v.to_string(), value_start + v.len(), line_end + 1)
            }
        };
        if !doc.push(
            &[Ustr::from(key)],
            Value::Str(Ustr::from(&value)),
            key_start..key_start + key_len,
            value_start..value_end,
        ) {
            return;
        }
        i = next;
    }
}

/// A quoted value starting at `start` (the quote): its text, where it
/// ends, and where the next line starts. An unclosed quote runs to the end
/// of its line.
fn quoted(text: &str, start: usize, q: u8) -> (String, usize, usize) {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = start + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if b == q {
            let next = text[i..].find('\n').map_or(text.len(), |p| i + p + 1);
            return (out, i + 1, next);
        }
        if q == b'"' && b == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                c @ (b'"' | b'\\' | b'$') => out.push(c as char),
                _ => out.push('\\'),
            }
            if matches!(bytes[i + 1], b'n' | b't' | b'"' | b'\\' | b'$') {
                i += 2;
                continue;
            }
            i += 1;
            continue;
        }
        if q == b'\'' && b == b'\n' {
            break;
        }
        let c = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(c);
        i += c.len_utf8();
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |p| start + p);
    let raw = text[start + 1..line_end].trim_end_matches('\r');
    (raw.to_string(), line_end, line_end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    #[test]
    fn assignments_quotes_comments() {
        let text = "# top\nexport LLM_BASE_URL=https://api.deepseek.com # prod\nA='x y'\nB=\"line1\\nline2\"\nC=\"multi\nline\"\nnot a line\nD=4\n";
        let mut doc = Doc::new(".env", text, Language::Dotenv);
        read(&mut doc);
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| {
                (
                    e.path[0].to_string(),
                    e.value.clone(),
                    e.value_span.start_line,
                )
            })
            .collect();
        assert_eq!(
            e[0],
            (
                "LLM_BASE_URL".into(),
                Value::Str("https://api.deepseek.com".into()),
                2
            )
        );
        assert_eq!(e[1].1, Value::Str("x y".into()));
        assert_eq!(e[2].1, Value::Str("line1\nline2".into()));
        assert_eq!(e[3].1, Value::Str("multi\nline".into()));
        assert_eq!(e[4], ("D".into(), Value::Str("4".into()), 8));
        assert_eq!(doc.comments.len(), 2);
        assert!(doc.notes[0].message.contains("line 7"), "{:?}", doc.notes);
        let key = doc.entries[0].key_span.start_byte as usize;
        assert_eq!(doc.lines.line_col(key).1, 8);
    }
}

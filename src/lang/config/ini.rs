//! INI files as Python's `configparser` reads them: `setup.cfg`, `tox.ini`,
//! and `logging.conf` for `logging.config.fileConfig`. Key paths are
//! `section`, `key`; values are strings, as configparser gives them
//! (continuation lines joined with a newline).
//!
//! Hand-written: the format is a few line rules, and the INI crates on
//! crates.io (`rust-ini`, `configparser`) keep no positions.

use ustr::Ustr;

use super::Doc;
use crate::facts::Value;

pub fn read(doc: &mut Doc<'_>) {
    doc.line_comments(&["#", ";"], b"", false);
    let text = doc.text;
    let mut section: Option<Ustr> = None;
    let mut open: Open = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indented = body.starts_with([' ', '\t']);
        if indented && let Some((_, _, _, end, value)) = &mut open {
            value.push('\n');
            value.push_str(trimmed);
            *end = start + body.len();
            continue;
        }
        if !flush(doc, &mut open) {
            return;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = Some(Ustr::from(name.trim()));
            continue;
        }
        let Some(sep) = body.find(['=', ':']) else {
            doc.syntax_error(
                "INI",
                start + (body.len() - body.trim_start().len()),
                "expected `[section]` or `key = value`",
            );
            return;
        };
        let key = body[..sep].trim();
        if key.is_empty() {
            doc.syntax_error("INI", start + sep, "a key is missing before the separator");
            return;
        }
        let key_start = start + body.find(key).unwrap_or(0);
        let raw = &body[sep + 1..];
        let value = raw.trim();
        let value_start = start + sep + 1 + (raw.len() - raw.trim_start().len());
        let mut path = Vec::with_capacity(2);
        path.extend(section);
        path.push(Ustr::from(key));
        open = Some((
            path,
            key_start..key_start + key.len(),
            value_start,
            value_start + value.len(),
            value.to_string(),
        ));
    }
    flush(doc, &mut open);
}

/// The entry being read: path, key bytes, value start, value end, value.
type Open = Option<(Vec<Ustr>, std::ops::Range<usize>, usize, usize, String)>;

/// Keep the entry being read; `false` once the budget is spent.
fn flush(doc: &mut Doc<'_>, open: &mut Open) -> bool {
    match open.take() {
        Some((path, key, start, end, value)) => doc.push(
            &path,
            Value::Str(Ustr::from(value.trim_end())),
            key,
            start..end,
        ),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    #[test]
    fn sections_keys_continuations() {
        let text = "; c\n[handler_file]\nclass = handlers.TimedRotatingFileHandler\nargs=('a.log', 'D',\n  1, 7)\n[x]\nk: v\n";
        let mut doc = Doc::new("logging.conf", text, Language::Ini);
        read(&mut doc);
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| {
                (
                    e.joined("."),
                    e.value.clone(),
                    e.value_span.start_line,
                    e.value_span.end_line,
                )
            })
            .collect();
        assert_eq!(e[0].0, "handler_file.class");
        assert_eq!(
            e[1],
            (
                "handler_file.args".into(),
                Value::Str("('a.log', 'D',\n1, 7)".into()),
                4,
                5
            )
        );
        assert_eq!(e[2].0, "x.k");
        assert_eq!(doc.comments.len(), 1);
    }

    #[test]
    fn garbage_is_a_syntax_error() {
        let mut doc = Doc::new("a.ini", "[a]\nk = 1\njust words\n", Language::Ini);
        read(&mut doc);
        assert_eq!(doc.entries.len(), 1);
        assert!(doc.notes[0].message.contains("line 3"));
    }
}

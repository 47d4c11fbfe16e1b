//! TOML (`pyproject.toml`, application settings, `synthlint.toml`).
//!
//! Parsed with the `toml` crate's `DeTable`, which keeps the span of every
//! key and value: the crate is already a dependency (the settings and the
//! catalogue are TOML), so this costs no build time, and its parser bounds
//! nesting itself. A file with errors keeps what was read before the first
//! one.

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use ustr::Ustr;

use super::{Doc, index_segment};
use crate::facts::Value;

pub fn read(doc: &mut Doc<'_>) {
    doc.line_comments(&["#"], b"\"'", true);
    let (table, errors) = DeTable::parse_recoverable(doc.text);
    if let Some(e) = errors.first() {
        let at = e.span().map_or(0, |s| s.start);
        doc.syntax_error("TOML", at, e.message().lines().next().unwrap_or(""));
        // Keep only what lies before the first error.
        let mut entries = Vec::new();
        walk_table(table.get_ref(), &mut Vec::new(), &mut entries);
        // (a value the parser made up to recover has an empty span)
        entries.retain(|(_, _, k, v)| k.start < at && v.end <= at && v.start >= k.end);
        push_all(doc, entries);
        return;
    }
    let mut entries = Vec::new();
    walk_table(table.get_ref(), &mut Vec::new(), &mut entries);
    push_all(doc, entries);
}

type Found = (
    Vec<Ustr>,
    Value,
    std::ops::Range<usize>,
    std::ops::Range<usize>,
);

fn push_all(doc: &mut Doc<'_>, mut entries: Vec<Found>) {
    // Tables are maps: put entries back in document order.
    entries.sort_by_key(|(_, _, k, _)| k.start);
    for (path, value, key, at) in entries {
        if !doc.push(&path, value, key, at) {
            return;
        }
    }
}

fn walk_table(table: &DeTable<'_>, path: &mut Vec<Ustr>, out: &mut Vec<Found>) {
    for (k, v) in table {
        path.push(Ustr::from(k.get_ref()));
        walk_value(v, k.span(), path, out);
        path.pop();
    }
}

fn walk_value(
    v: &Spanned<DeValue<'_>>,
    key: std::ops::Range<usize>,
    path: &mut Vec<Ustr>,
    out: &mut Vec<Found>,
) {
    if path.len() > super::MAX_DEPTH || out.len() > super::MAX_ENTRIES {
        return;
    }
    let value = match v.get_ref() {
        DeValue::String(s) => Value::Str(Ustr::from(s)),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::Int(n),
                Err(_) => Value::Str(Ustr::from(i.as_str())),
            }
        }
        DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => Value::Str(Ustr::from(f.as_str())),
        },
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Str(Ustr::from(&d.to_string())),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(index_segment(i));
                walk_value(item, item.span(), path, out);
                path.pop();
            }
            return;
        }
        DeValue::Table(t) => {
            walk_table(t, path, out);
            return;
        }
    };
    out.push((path.clone(), value, key, v.span()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    #[test]
    fn keys_values_and_spans() {
        let text = "# c\n[tool.app]\nretention_days = 30 # tail\nhosts = [\"a\", \"b\"]\n[[jobs]]\nname = 'x'\n";
        let mut doc = Doc::new("a.toml", text, Language::Toml);
        read(&mut doc);
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| (e.joined("."), e.value.clone(), e.key_span.start_line))
            .collect();
        assert_eq!(e[0], ("tool.app.retention_days".into(), Value::Int(30), 3));
        assert_eq!(
            e[1],
            ("tool.app.hosts.[0]".into(), Value::Str("a".into()), 4)
        );
        assert_eq!(e[3], ("jobs.[0].name".into(), Value::Str("x".into()), 6));
        assert_eq!(doc.comments.len(), 2);
    }

    #[test]
    fn errors_keep_what_came_before() {
        let mut doc = Doc::new("a.toml", "a = 1\nb = = 2\n", Language::Toml);
        read(&mut doc);
        assert_eq!(doc.entries.len(), 1);
        assert!(doc.notes[0].message.contains("line 2"), "{:?}", doc.notes);
    }
}

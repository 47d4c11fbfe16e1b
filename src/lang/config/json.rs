//! JSON, and JSON with comments where the file name says so (`.jsonc`,
//! `devcontainer.json`, `tsconfig*.json`, `jsconfig*.json`, files under
//! `.vscode/` and `.devcontainer/`). Terraform's `*.tf.json` reads with the
//! same key paths as its HCL form.
//!
//! Parsed with `jsonc-parser` (dprint's): small, maintained, no
//! dependencies worth the name, an AST with the byte range of every
//! property name and value, JSONC as an option, and a nesting limit of its
//! own. Plain JSON is parsed strictly (no comments, no trailing commas).

use jsonc_parser::ast::{ObjectPropName, Value as Json};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use ustr::Ustr;

use super::{Doc, index_segment};
use crate::facts::Value;

/// Whether a JSON file allows comments, by its name and folder.
pub fn is_jsonc(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".jsonc")
        || name == "devcontainer.json"
        || name == ".devcontainer.json"
        || name == ".eslintrc.json"
        || name.starts_with("tsconfig")
        || name.starts_with("jsconfig")
        || path.contains(".vscode/")
        || path.contains(".devcontainer/")
}

pub fn read(doc: &mut Doc<'_>) {
    let jsonc = is_jsonc(doc.path);
    if jsonc {
        doc.line_comments(&["//"], b"\"", true);
    }
    let options = ParseOptions {
        allow_comments: jsonc,
        allow_loose_object_property_names: false,
        allow_trailing_commas: jsonc,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = match parse_to_ast(doc.text, &CollectOptions::default(), &options) {
        Ok(p) => p,
        Err(e) => {
            let message = e.kind().to_string();
            doc.syntax_error(
                if jsonc { "JSONC" } else { "JSON" },
                e.range().start,
                &message,
            );
            return;
        }
    };
    let Some(root) = parsed.value else { return };
    // (value, path, key range)
    let mut work: Vec<(&Json<'_>, Vec<Ustr>, std::ops::Range<usize>)> =
        vec![(&root, Vec::new(), 0..0)];
    while let Some((v, path, key)) = work.pop() {
        if path.len() > super::MAX_DEPTH {
            continue;
        }
        let (value, range) = match v {
            Json::StringLit(s) => (Value::Str(Ustr::from(&s.value)), &s.range),
            Json::NumberLit(n) => (number(n.value), &n.range),
            Json::BooleanLit(b) => (Value::Bool(b.value), &b.range),
            Json::NullKeyword(n) => (Value::None, &n.range),
            Json::Array(a) => {
                for (i, item) in a.elements.iter().enumerate().rev() {
                    let mut p = path.clone();
                    p.push(index_segment(i));
                    let r = item_range(item);
                    work.push((item, p, r));
                }
                continue;
            }
            Json::Object(o) => {
                for prop in o.properties.iter().rev() {
                    let (name, r) = match &prop.name {
                        ObjectPropName::String(s) => (s.value.as_ref(), &s.range),
                        ObjectPropName::Word(w) => (w.value, &w.range),
                    };
                    let mut p = path.clone();
                    p.push(Ustr::from(name));
                    work.push((&prop.value, p, r.start..r.end));
                }
                continue;
            }
        };
        if path.is_empty() {
            continue;
        }
        if !doc.push(&path, value, key, range.start..range.end) {
            return;
        }
    }
}

fn item_range(v: &Json<'_>) -> std::ops::Range<usize> {
    let r = match v {
        Json::StringLit(s) => &s.range,
        Json::NumberLit(n) => &n.range,
        Json::BooleanLit(b) => &b.range,
        Json::NullKeyword(n) => &n.range,
        Json::Array(a) => &a.range,
        Json::Object(o) => &o.range,
    };
    r.start..r.end
}

fn number(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::Int(i);
    }
    match text.parse::<f64>() {
        Ok(f) => Value::Float(f),
        Err(_) => Value::Str(Ustr::from(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    fn read_at(path: &str, text: &str) -> Doc<'static> {
        let text: &'static str = Box::leak(text.to_string().into_boxed_str());
        let path: &'static str = Box::leak(path.to_string().into_boxed_str());
        let mut doc = Doc::new(path, text, Language::Json);
        read(&mut doc);
        doc
    }

    #[test]
    fn paths_values_spans() {
        let doc = read_at(
            "ilm.json",
            "{\n  \"policy\": {\"phases\": {\"delete\": {\"min_age\": \"30d\"}}},\n  \"n\": [1, 2.5, true, null]\n}\n",
        );
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| (e.joined("."), e.value.clone(), e.value_span.start_line))
            .collect();
        assert_eq!(
            e[0],
            (
                "policy.phases.delete.min_age".into(),
                Value::Str("30d".into()),
                2
            )
        );
        assert_eq!(e[1].1, Value::Int(1));
        assert_eq!(e[2].1, Value::Float(2.5));
        assert_eq!(e[4].1, Value::None);
    }

    #[test]
    fn comments_only_where_the_name_allows() {
        let doc = read_at(
            ".devcontainer/devcontainer.json",
            "{\n  // c\n  \"a\": 1,\n}\n",
        );
        assert_eq!(doc.entries.len(), 1);
        assert_eq!(doc.comments.len(), 1);
        let doc = read_at("config.json", "{\n  // c\n  \"a\": 1\n}\n");
        assert!(doc.entries.is_empty());
        assert!(
            doc.notes[0].message.contains("JSON syntax error at line 2"),
            "{:?}",
            doc.notes
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let doc = read_at("deep.json", &text);
        assert!(doc.entries.is_empty());
        assert_eq!(doc.notes.len(), 1);
    }
}

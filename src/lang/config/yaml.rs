//! YAML: Kubernetes manifests, docker-compose files, Helm `values.yaml`,
//! Loki and Elasticsearch configuration, dictConfig logging files.
//!
//! Parsed with `yaml-rust2`'s event parser, which marks where every event
//! starts: a maintained pure-Rust YAML 1.2 parser, already used by the test
//! suite, with no C to build. The events become a small node arena; anchors
//! and aliases are resolved, merge keys (`<<: *base`) included, while the
//! arena is walked into entries, so an alias bomb costs what the entry
//! budget allows and no more. Every document of a multi-document file is
//! read (`ConfigEntry::document`). Plain scalars are typed by the YAML 1.2
//! core schema (`null`, `true`, `12`, `1.5`); quoted ones are strings.
//!
//! Templated files (Helm `templates/`, Jinja) that do not parse as they
//! are are read with their tags masked (see [`super::mask_templates`]);
//! values a tag touches are
//! expressions, not literals. Where such a file still does not parse, it is
//! skipped with a note.

use std::collections::HashMap;

use ustr::Ustr;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use super::{Doc, MAX_ENTRIES, index_segment, mask_templates, overlaps};
use crate::facts::Value;

/// Nodes visited while expanding aliases, per file.
const MAX_VISITS: usize = 4 * MAX_ENTRIES;

enum Node {
    Scalar {
        text: String,
        style: TScalarStyle,
        tag: Option<Tag>,
        start: usize,
        end: usize,
    },
    Seq(Vec<usize>, usize),
    Map(Vec<(usize, usize)>, usize),
    Alias(usize, usize),
}

pub fn read(doc: &mut Doc<'_>) {
    doc.line_comments(&["#"], b"\"'", true);
    // Tags are set aside only where the file does not parse with them
    // (`${{ }}` in GitHub workflows and quoted `'{{ … }}'` values do).
    let masked = mask_templates(doc.text).filter(|_| !parses(doc.text));
    let (text, ranges) = match &masked {
        Some((t, r)) => (t.as_str(), r.as_slice()),
        None => (doc.text, &[][..]),
    };
    let chars = CharOffsets::new(text);
    let mut nodes: Vec<Node> = Vec::new();
    // (root node, document number)
    let mut roots: Vec<(usize, u32)> = Vec::new();
    let mut anchors: HashMap<usize, usize> = HashMap::new();
    // Open containers: node id; for maps, a key waiting for its value.
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut document = 0u32;
    let mut documents = 0u32;
    let mut pending_root: Option<usize> = None;
    // The last scalar whose end is bounded by the next event's start.
    let mut last_scalar: Option<usize> = None;
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(e) => e,
            Err(e) => {
                let at = chars.byte(e.marker().index());
                if masked.is_some() {
                    let span = doc.span(at..at);
                    doc.note(
                        "config-template",
                        format!(
                            "templated file: not read past line {}, which does not parse as YAML with its template tags set aside ({})",
                            span.start_line,
                            e.info()
                        ),
                        Some(span),
                    );
                } else {
                    doc.syntax_error("YAML", at, e.info());
                }
                break;
            }
        };
        let at = chars.byte(mark.index());
        if let Some(s) = last_scalar.take()
            && let Node::Scalar { end, .. } = &mut nodes[s]
        {
            *end = at;
        }
        let new = match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                document = documents;
                documents += 1;
                None
            }
            Event::DocumentEnd => {
                if let Some(root) = pending_root.take() {
                    roots.push((root, document));
                }
                stack.clear();
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let id = nodes.len();
                nodes.push(Node::Scalar {
                    text,
                    style,
                    tag,
                    start: at,
                    end: at,
                });
                last_scalar = Some(id);
                if anchor > 0 {
                    anchors.insert(anchor, id);
                }
                Some(id)
            }
            Event::Alias(anchor) => {
                let id = nodes.len();
                nodes.push(Node::Alias(
                    anchors.get(&anchor).copied().unwrap_or(usize::MAX),
                    at,
                ));
                Some(id)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let id = nodes.len();
                nodes.push(if matches!(event, Event::SequenceStart(..)) {
                    Node::Seq(Vec::new(), at)
                } else {
                    Node::Map(Vec::new(), at)
                });
                if anchor > 0 {
                    anchors.insert(anchor, id);
                }
                attach(&mut nodes, &mut stack, &mut pending_root, id);
                stack.push((id, None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                None
            }
            Event::StreamStart | Event::Nothing => None,
        };
        if let Some(id) = new {
            attach(&mut nodes, &mut stack, &mut pending_root, id);
        }
    }
    for (root, document) in roots {
        doc.document = document;
        if !flatten(doc, text, &nodes, root, ranges) {
            break;
        }
    }
}

/// Whether `text` parses as YAML.
fn parses(text: &str) -> bool {
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

/// Put a finished node where it belongs: a list item, a map key or value,
/// or the document's root.
fn attach(
    nodes: &mut [Node],
    stack: &mut [(usize, Option<usize>)],
    root: &mut Option<usize>,
    id: usize,
) {
    let Some((parent, key)) = stack.last_mut() else {
        *root = Some(id);
        return;
    };
    match &mut nodes[*parent] {
        Node::Seq(items, _) => items.push(id),
        Node::Map(pairs, _) => match key.take() {
            None => *key = Some(id),
            Some(k) => pairs.push((k, id)),
        },
        _ => {}
    }
}

/// Byte offsets of the parser's character offsets.
struct CharOffsets {
    /// `None` for ASCII text, where they are the same.
    bytes: Option<Vec<u32>>,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        CharOffsets {
            bytes: (!text.is_ascii()).then(|| {
                let mut v: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
                v.push(text.len() as u32);
                v
            }),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes {
            None => char_index,
            Some(v) => v.get(char_index).copied().unwrap_or(*v.last().unwrap()) as usize,
        }
    }
}

/// Walk one document's tree into entries, aliases expanded; `false` once
/// the budget is spent.
/// `parsed` is what was parsed (template tags masked), which bounds scalars.
fn flatten(
    doc: &mut Doc<'_>,
    parsed: &str,
    nodes: &[Node],
    root: usize,
    masked: &[std::ops::Range<usize>],
) -> bool {
    // (node, path, key bytes)
    let mut work: Vec<(usize, Vec<Ustr>, std::ops::Range<usize>)> = vec![(root, Vec::new(), 0..0)];
    let mut visits = 0usize;
    while let Some((id, path, key)) = work.pop() {
        visits += 1;
        if visits > MAX_VISITS {
            let at = doc.span(key.clone());
            doc.note(
                "config-truncated",
                "YAML aliases expand to more nodes than are read; the rest of the file is skipped"
                    .into(),
                Some(at),
            );
            return false;
        }
        if path.len() > super::MAX_DEPTH {
            continue;
        }
        match &nodes[resolve(nodes, id)] {
            Node::Scalar {
                text,
                style,
                tag,
                start,
                end,
            } => {
                let (start, end) = scalar_bounds(parsed, *start, *end, *style);
                let value = if overlaps(masked, &(start..end)) {
                    Value::text_only(doc.text[start..end].trim())
                } else {
                    typed(text, *style, tag.as_ref())
                };
                if path.is_empty() {
                    continue;
                }
                let key = if key.is_empty() { start..end } else { key };
                if !doc.push(&path, value, key, start..end) {
                    return false;
                }
            }
            Node::Seq(items, _) => {
                for (i, &item) in items.iter().enumerate().rev() {
                    let mut p = path.clone();
                    p.push(index_segment(i));
                    let at = node_start(nodes, item);
                    work.push((item, p, at..at));
                }
            }
            Node::Map(..) => {
                let pairs = merged_pairs(nodes, id);
                for (k, v) in pairs.into_iter().rev() {
                    let (name, bytes) = match &nodes[resolve(nodes, k)] {
                        Node::Scalar {
                            text,
                            start,
                            end,
                            style,
                            ..
                        } => (Ustr::from(text), {
                            let (s, e) = scalar_bounds(parsed, *start, *end, *style);
                            s..e
                        }),
                        _ => {
                            let at = node_start(nodes, k);
                            (Ustr::from("?"), at..at)
                        }
                    };
                    let mut p = path.clone();
                    p.push(name);
                    work.push((v, p, bytes));
                }
            }
            Node::Alias(..) => {}
        }
    }
    true
}

/// The node an alias stands for (aliases of aliases followed, bounded).
fn resolve(nodes: &[Node], mut id: usize) -> usize {
    for _ in 0..16 {
        match nodes.get(id) {
            Some(Node::Alias(target, _)) if *target < nodes.len() => id = *target,
            _ => return id,
        }
    }
    id
}

fn node_start(nodes: &[Node], id: usize) -> usize {
    match &nodes[id] {
        Node::Scalar { start, .. } => *start,
        Node::Seq(_, at) | Node::Map(_, at) | Node::Alias(_, at) => *at,
    }
}

/// A map's pairs with merge keys (`<<: *base`, `<<: [*a, *b]`) expanded:
/// keys the map sets itself win over merged ones.
fn merged_pairs(nodes: &[Node], id: usize) -> Vec<(usize, usize)> {
    let Node::Map(pairs, _) = &nodes[resolve(nodes, id)] else {
        return Vec::new();
    };
    let key_text = |k: usize| match &nodes[resolve(nodes, k)] {
        Node::Scalar { text, .. } => Some(text.as_str()),
        _ => None,
    };
    let is_merge = |k: usize| matches!(&nodes[resolve(nodes, k)], Node::Scalar { text, style: TScalarStyle::Plain, .. } if text == "<<");
    if !pairs.iter().any(|(k, _)| is_merge(*k)) {
        return pairs.clone();
    }
    let mut own: Vec<(usize, usize)> = pairs
        .iter()
        .filter(|(k, _)| !is_merge(*k))
        .copied()
        .collect();
    let mut merged = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| is_merge(*k)) {
        let sources: Vec<usize> = match &nodes[resolve(nodes, *v)] {
            Node::Seq(items, _) => items.clone(),
            _ => vec![*v],
        };
        for s in sources {
            // One level of nested merges is enough for real files and
            // keeps this bounded.
            if let Node::Map(inner, _) = &nodes[resolve(nodes, s)] {
                for &(k, v) in inner {
                    if is_merge(k) {
                        continue;
                    }
                    let name = key_text(k);
                    let shadowed = own.iter().chain(&merged).any(|(o, _)| key_text(*o) == name);
                    if !shadowed {
                        merged.push((k, v));
                    }
                }
            }
        }
    }
    merged.append(&mut own);
    merged
}

/// Where a scalar starts and ends in the text: `start` is where its event
/// starts (possibly at an anchor or tag), `bound` where the next one does.
fn scalar_bounds(
    text: &str,
    mut start: usize,
    bound: usize,
    style: TScalarStyle,
) -> (usize, usize) {
    let bytes = text.as_bytes();
    // Skip `&anchor` and `!tag` properties.
    while start < bytes.len() && matches!(bytes[start], b'&' | b'!') {
        while start < bytes.len() && !bytes[start].is_ascii_whitespace() {
            start += 1;
        }
        while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
            start += 1;
        }
    }
    let line_end = text[start.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| start + i);
    let bound = if bound > start { bound } else { text.len() };
    let end = match style {
        TScalarStyle::DoubleQuoted | TScalarStyle::SingleQuoted => {
            let q = if style == TScalarStyle::DoubleQuoted {
                b'"'
            } else {
                b'\''
            };
            let mut i = start + 1;
            let mut end = bound;
            while i < bytes.len().min(bound) {
                if q == b'"' && bytes[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if bytes[i] == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    end = i + 1;
                    break;
                }
                i += 1;
            }
            end
        }
        TScalarStyle::Plain => {
            let mut end = line_end.min(bound);
            if let Some(c) = text[start..end].find(" #") {
                end = start + c;
            }
            start
                + text[start..end]
                    .trim_end_matches([' ', '\t', '\r', ',', ']', '}', ':'])
                    .len()
        }
        _ => start + text[start..bound.min(text.len())].trim_end().len(),
    };
    (start, end.max(start).min(text.len()))
}

/// The typed value of a scalar: the YAML 1.2 core schema for plain
/// scalars, `!!str`/`!!int`/`!!bool`/`!!null`/`!!float` tags honoured.
fn typed(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let core = tag.filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!");
    if let Some(t) = core {
        return match t.suffix.as_str() {
            "str" => Value::Str(text.into()),
            "null" => Value::None,
            _ => plain(text),
        };
    }
    match style {
        TScalarStyle::Plain if tag.is_none() => plain(text),
        _ => Value::Str(text.into()),
    }
}

/// A plain scalar by the core schema.
pub fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::None,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | "+.inf" | ".Inf" | ".INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty()
        && unsigned.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let numeric = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && unsigned
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && unsigned.bytes().any(|b| b.is_ascii_digit());
    if numeric && let Ok(f) = text.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    /// (dotted path, value, value line, document)
    type Entry = (String, Value, u32, u32);

    fn entries(text: &str) -> (Vec<Entry>, Vec<String>) {
        let mut doc = Doc::new("t.yaml", text, Language::Yaml);
        read(&mut doc);
        let e = doc
            .entries
            .iter()
            .map(|e| {
                let path: Vec<&str> = e.path.iter().map(|s| s.as_str()).collect();
                (
                    path.join("."),
                    e.value.clone(),
                    e.value_span.start_line,
                    e.document,
                )
            })
            .collect();
        (e, doc.notes.iter().map(|n| n.message.clone()).collect())
    }

    #[test]
    fn typed_paths_with_spans_and_documents() {
        let (e, notes) = entries(
            "a:\n  b: 1\n  c: \"x # y\" # note\n  d: [on, 2.5, null]\n---\nk: true\nl: |\n  text\n",
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(e[0], ("a.b".into(), Value::Int(1), 2, 0));
        assert_eq!(e[1], ("a.c".into(), Value::Str("x # y".into()), 3, 0));
        assert_eq!(e[2], ("a.d.[0]".into(), Value::Str("on".into()), 4, 0));
        assert_eq!(e[3].1, Value::Float(2.5));
        assert_eq!(e[4].1, Value::None);
        assert_eq!(e[5], ("k".into(), Value::Bool(true), 6, 1));
        assert_eq!(e[6], ("l".into(), Value::Str("text\n".into()), 8, 1));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let (e, _) = entries(
            "base: &b\n  when: D\n  backupCount: 7\nh:\n  <<: *b\n  backupCount: 30\nlist: *b\n",
        );
        let names: Vec<_> = e.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "base.when",
                "base.backupCount",
                "h.when",
                "h.backupCount",
                "list.when",
                "list.backupCount"
            ]
        );
        assert_eq!(e[3].1, Value::Int(30));
        // A merged key points at where its value is written.
        assert_eq!(e[2].2, 2);
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let (e, notes) = entries(&text);
        assert!(e.len() <= MAX_ENTRIES);
        assert!(notes.iter().any(|n| n.contains("skipped")), "{notes:?}");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let (e, notes) = entries("a: 1\nb: [1, 2\nc: 3\n");
        assert!(e.is_empty());
        assert!(notes[0].contains("YAML syntax error at line"), "{notes:?}");
    }

    #[test]
    fn templated_values_are_expressions() {
        let (e, notes) =
            entries("image: {{ .Values.image }}\n{{- if .Values.x }}\nreplicas: 2\n{{- end }}\n");
        assert!(notes.is_empty(), "{notes:?}");
        assert!(matches!(&e[0].1, Value::Expr(x) if x.text == "{{ .Values.image }}"));
        assert_eq!(e[1], ("replicas".into(), Value::Int(2), 3, 0));
    }

    #[test]
    fn non_ascii_offsets() {
        let (e, _) = entries("名前: 値\nk: 5\n");
        assert_eq!(e[1], ("k".into(), Value::Int(5), 2, 0));
    }
}

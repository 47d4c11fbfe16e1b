//! Dockerfile `ENV` and `ARG` instructions (`Dockerfile`, `Containerfile`,
//! `Dockerfile.prod`, `api.Dockerfile`). Key paths are the instruction and
//! the variable (`ENV`, `LLM_BASE_URL`); the document number is the build
//! stage (the `FROM` count, from 0). Both `ENV K=v K2="v 2"` and the legacy
//! `ENV K value with spaces` forms are read; line continuations are joined
//! and heredocs (`RUN <<EOF`) skipped. Other instructions are not kept.
//!
//! Hand-written: only two instructions matter, and the Dockerfile crates on
//! crates.io either keep no positions or bring a grammar framework for a
//! few line rules.

use std::path::Path;

use ustr::Ustr;

use super::Doc;
use crate::facts::Value;

/// `Dockerfile.prod`, `Dockerfile-gpu`, `api.Dockerfile`.
pub fn claims(name: &str, _path: &Path) -> bool {
    name.starts_with("Dockerfile.")
        || name.starts_with("Dockerfile-")
        || name.starts_with("Containerfile.")
        || name.ends_with(".Dockerfile")
}

pub fn read(doc: &mut Doc<'_>) {
    let text = doc.text;
    let mut stage: Option<u32> = None;
    let mut heredoc: Option<String> = None;
    // One logical instruction: (start byte, joined text with the byte offset of each piece).
    let mut pieces: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(end) = &heredoc {
            if body.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let trimmed = body.trim_start();
        if pieces.is_empty() && trimmed.starts_with('#') {
            let i = start + (body.len() - trimmed.len());
            doc.comment(i, 1, start + body.len());
            continue;
        }
        if pieces.is_empty() && trimmed.is_empty() {
            continue;
        }
        if !pieces.is_empty() && trimmed.starts_with('#') {
            // Comment lines inside a continued instruction are dropped.
            continue;
        }
        let continued = body.trim_end().ends_with('\\');
        let content = if continued {
            body.trim_end().strip_suffix('\\').unwrap_or(body)
        } else {
            body
        };
        pieces.push((start, content));
        if continued {
            continue;
        }
        let logical = std::mem::take(&mut pieces);
        heredoc = heredoc_marker(&logical);
        if !instruction(doc, &logical, &mut stage) {
            return;
        }
    }
    if !pieces.is_empty() {
        instruction(doc, &pieces, &mut stage);
    }
}

/// The end marker of a heredoc the instruction opens (`<<EOF`, `<<-"EOF"`).
fn heredoc_marker(pieces: &[(usize, &str)]) -> Option<String> {
    let last = pieces.last()?.1;
    let i = last.find("<<")?;
    let word: String = last[i + 2..]
        .trim_start_matches('-')
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Read one logical instruction; `false` once the entry budget is spent.
fn instruction(doc: &mut Doc<'_>, pieces: &[(usize, &str)], stage: &mut Option<u32>) -> bool {
    // Characters of the joined instruction, each with its byte offset.
    let mut chars: Vec<(usize, char)> = Vec::new();
    for (start, piece) in pieces {
        chars.extend(piece.char_indices().map(|(i, c)| (start + i, c)));
        chars.push((start + piece.len(), ' '));
    }
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].1.is_whitespace() {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let word_start = i;
    while i < chars.len() && !chars[i].1.is_whitespace() {
        i += 1;
    }
    let word: String = chars[word_start..i].iter().map(|c| c.1).collect();
    let kind = word.to_ascii_uppercase();
    match kind.as_str() {
        "FROM" => {
            *stage = Some(stage.map_or(0, |s| s + 1));
            return true;
        }
        "ENV" | "ARG" => {}
        _ => return true,
    }
    doc.document = stage.unwrap_or(0);
    let instr = Ustr::from(kind.as_str());
    skip_ws(&mut i);
    // Legacy `ENV KEY value with spaces`: no `=` in the first word.
    let first_end = (i..chars.len())
        .find(|&j| chars[j].1.is_whitespace())
        .unwrap_or(chars.len());
    let legacy = kind == "ENV" && !chars[i..first_end].iter().any(|c| c.1 == '=');
    if legacy {
        let key: String = chars[i..first_end].iter().map(|c| c.1).collect();
        if key.is_empty() {
            return true;
        }
        let key_at = chars[i].0..chars[first_end - 1].0 + 1;
        let mut j = first_end;
        skip_ws(&mut j);
        let end = chars.len().saturating_sub(1).max(j);
        let raw: String = chars[j..end].iter().map(|c| c.1).collect();
        let raw = raw.trim_end();
        let value_at = chars.get(j).map_or(key_at.end, |c| c.0)
            ..chars.get(j).map_or(key_at.end, |c| c.0) + raw.len();
        return doc.push(
            &[instr, Ustr::from(&key)],
            Value::Str(Ustr::from(unquote(raw).as_str())),
            key_at,
            value_at,
        );
    }
    while i < chars.len() {
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        let key_start = i;
        while i < chars.len() && chars[i].1 != '=' && !chars[i].1.is_whitespace() {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().map(|c| c.1).collect();
        let key_at = chars[key_start].0..chars[i.saturating_sub(1).max(key_start)].0 + 1;
        let (value, value_at) = if i < chars.len() && chars[i].1 == '=' {
            i += 1;
            let v_start = i;
            let mut quote: Option<char> = None;
            let mut out = String::new();
            while i < chars.len() {
                let c = chars[i].1;
                match quote {
                    Some(q) if c == q => quote = None,
                    Some('"') if c == '\\' && i + 1 < chars.len() => {
                        i += 1;
                        out.push(chars[i].1);
                    }
                    Some(_) => out.push(c),
                    None if c == '"' || c == '\'' => quote = Some(c),
                    None if c.is_whitespace() => break,
                    None if c == '\\' && i + 1 < chars.len() => {
                        i += 1;
                        out.push(chars[i].1);
                    }
                    None => out.push(c),
                }
                i += 1;
            }
            let from = chars.get(v_start).map_or(key_at.end, |c| c.0);
            let to = if i > v_start {
                chars[i - 1].0 + chars[i - 1].1.len_utf8()
            } else {
                from
            };
            (Value::Str(Ustr::from(&out)), from..to)
        } else if kind == "ARG" {
            // `ARG NAME`: declared, set at build time.
            (Value::None, key_at.clone())
        } else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        if !doc.push(&[instr, Ustr::from(&key)], value, key_at, value_at) {
            return false;
        }
    }
    true
}

fn unquote(raw: &str) -> String {
    let t = raw.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    #[test]
    fn env_and_arg() {
        let text = "# syntax=docker/dockerfile:1\nARG VERSION=1.0\nFROM python:3.12\nENV LLM_BASE_URL=https://api.deepseek.com \\\n    LOG_RETENTION_DAYS=\"30\"\nRUN <<EOF\nENV NOT_ME=1\nEOF\nenv OLD legacy value\nARG TOKEN\n";
        let mut doc = Doc::new("Dockerfile", text, Language::Dockerfile);
        read(&mut doc);
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| {
                (
                    e.joined(" "),
                    e.value.clone(),
                    e.value_span.start_line,
                    e.document,
                )
            })
            .collect();
        assert_eq!(e[0], ("ARG VERSION".into(), Value::Str("1.0".into()), 2, 0));
        assert_eq!(
            e[1],
            (
                "ENV LLM_BASE_URL".into(),
                Value::Str("https://api.deepseek.com".into()),
                4,
                0
            )
        );
        assert_eq!(
            e[2],
            (
                "ENV LOG_RETENTION_DAYS".into(),
                Value::Str("30".into()),
                5,
                0
            )
        );
        assert_eq!(
            e[3],
            ("ENV OLD".into(), Value::Str("legacy value".into()), 9, 0)
        );
        assert_eq!(e[4], ("ARG TOKEN".into(), Value::None, 10, 0));
        assert_eq!(e.len(), 5);
        assert_eq!(doc.comments.len(), 1);
        let key = doc.entries[1].key_span.start_byte as usize;
        assert_eq!(doc.lines.line_col(key).1, 5);
    }
}

//! logrotate configuration: `logrotate.conf`, files in a `logrotate.d/`
//! directory, `*.logrotate`, and `.conf` files whose content is logrotate
//! (a `{` block and a `daily`/`weekly`/`monthly`/`yearly`/`rotate N`
//! line). Other `.conf` files are sniffed too: one that opens with a
//! `[section]` is read as INI (supervisord, `logging.conf`), anything else
//! (nginx, Apache) is left alone, quietly.
//!
//! Key paths: a global directive is its name (`weekly`, `rotate`); one in
//! a block adds the block's log paths as written in front
//! (`/var/log/app/*.log`, `rotate`). A directive without an argument has
//! the value `true`; numbers are integers; other arguments are strings.
//! Scripts (`postrotate` … `endscript`) are skipped. Hand-written: the
//! format is a line per directive and no crate reads it.

use std::path::Path;

use ustr::Ustr;

use super::Doc;
use crate::facts::{Language, Value};

/// `logrotate.d/app`, `app.logrotate`, `logrotate-app.conf`.
pub fn claims(name: &str, path: &Path) -> bool {
    // Never a code file that happens to sit there (`logrotate.py`).
    let plain = matches!(
        path.extension().and_then(|e| e.to_str()),
        None | Some("conf")
    );
    name.ends_with(".logrotate")
        || plain && name.starts_with("logrotate")
        || plain
            && path
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|d| d == "logrotate.d")
}

const FREQUENCIES: &[&str] = &["hourly", "daily", "weekly", "monthly", "yearly"];

/// What a `.conf` file holds.
fn sniff(text: &str) -> Option<Language> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(['#', ';']));
    if lines.next()?.starts_with('[') {
        return Some(Language::Ini);
    }
    let has_block = text.lines().any(|l| l.trim_end().ends_with('{'));
    let has_directive = text.lines().map(str::trim).any(|l| {
        FREQUENCIES.contains(&l)
            || l.strip_prefix("rotate ")
                .is_some_and(|n| n.trim().parse::<u32>().is_ok())
    });
    (has_block && has_directive).then_some(Language::Logrotate)
}

pub fn read(doc: &mut Doc<'_>) {
    let by_name = {
        let path = Path::new(doc.path);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name == "logrotate.conf" || claims(name, path)
    };
    if !by_name {
        match sniff(doc.text) {
            Some(Language::Ini) => {
                doc.language = Language::Ini;
                return super::ini::read(doc);
            }
            Some(_) => {}
            None => return,
        }
    }
    doc.line_comments(&["#"], b"", false);
    let text = doc.text;
    let mut block: Option<(Ustr, usize)> = None;
    let mut in_script = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        let indent = start + (body.len() - body.trim_start().len());
        if in_script {
            if trimmed == "endscript" {
                in_script = false;
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(paths) = trimmed.strip_suffix('{') {
            if block.is_some() {
                doc.syntax_error("logrotate", indent, "a block opens inside another block");
                return;
            }
            block = Some((Ustr::from(paths.trim()), start));
            continue;
        }
        if trimmed == "}" {
            if block.take().is_none() {
                doc.syntax_error("logrotate", indent, "`}` closes no block");
                return;
            }
            continue;
        }
        let (name, arg) = match trimmed.split_once(char::is_whitespace) {
            Some((n, a)) => (n, Some(a.trim())),
            None => (trimmed, None),
        };
        if matches!(
            name,
            "postrotate" | "prerotate" | "firstaction" | "lastaction" | "preremove"
        ) {
            in_script = true;
            continue;
        }
        let value = match arg {
            None => Value::Bool(true),
            Some(a) => match a.parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::Str(Ustr::from(a)),
            },
        };
        let value_at = match arg {
            Some(a) => {
                let s = start + body.rfind(a).unwrap_or(0);
                s..s + a.len()
            }
            None => indent..indent + name.len(),
        };
        let mut path = Vec::with_capacity(2);
        path.extend(block.map(|(p, _)| p));
        path.push(Ustr::from(name));
        if !doc.push(&path, value, indent..indent + name.len(), value_at) {
            return;
        }
    }
    if let Some((_, open)) = block {
        doc.syntax_error("logrotate", open, "this block is never closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_directives() {
        let text = "weekly\nrotate 4\n/var/log/app/*.log {\n    daily\n    rotate 7\n    postrotate\n        kill -HUP 1\n    endscript\n    size 100M\n}\n";
        let mut doc = Doc::new("logrotate.d/app", text, Language::Logrotate);
        read(&mut doc);
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| (e.joined(" | "), e.value.clone(), e.key_span.start_line))
            .collect();
        assert_eq!(e[0], ("weekly".into(), Value::Bool(true), 1));
        assert_eq!(
            e[3],
            ("/var/log/app/*.log | rotate".into(), Value::Int(7), 5)
        );
        assert_eq!(
            e[4],
            (
                "/var/log/app/*.log | size".into(),
                Value::Str("100M".into()),
                9
            )
        );
    }

    #[test]
    fn conf_files_are_sniffed() {
        let mut doc = Doc::new(
            "deploy/nginx.conf",
            "server {\n  listen 80;\n}\n",
            Language::Logrotate,
        );
        read(&mut doc);
        assert!(doc.entries.is_empty() && doc.notes.is_empty());
        let mut doc = Doc::new(
            "logging.conf",
            "[loggers]\nkeys=root\n",
            Language::Logrotate,
        );
        read(&mut doc);
        assert_eq!(doc.language, Language::Ini);
        assert_eq!(doc.entries.len(), 1);
        let mut doc = Doc::new(
            "deploy/app.conf",
            "/x.log {\n daily\n rotate 3\n",
            Language::Logrotate,
        );
        read(&mut doc);
        assert!(doc.notes[0].message.contains("never closed"));
    }
}

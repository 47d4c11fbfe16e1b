//! Editing suppression comments in source files: `check --add-suppressions
//! REASON` (ruff's `--add-noqa`) and `check --fix` (removes what SYN002
//! reports as unused).
//!
//! Every edit is checked by parsing the edited file again: the comment must
//! come out as a directive on the intended line, and the file must not have
//! gained a syntax error. An edit that fails the check is not written, and
//! the finding is reported as left alone. Files keep their BOM and line
//! endings.

use std::collections::BTreeMap;
use std::path::Path;

use crate::engine::ScanResult;
use crate::facts::{FileFacts, Language};
use crate::finding::Finding;
use crate::rules::Category;
use crate::suppress::inline::{self, Directive};

/// What an edit run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EditReport {
    /// Suppressions added, or unused codes removed.
    pub changes: usize,
    pub files: usize,
    /// `path:line: why` for each finding left alone.
    pub skipped: Vec<String>,
}

/// A file's text as the parser sees it, with what is needed to write it back.
struct SourceFile {
    bom: bool,
    text: String,
}

fn read(root: &Path, rel: &str) -> Option<SourceFile> {
    let bytes = crate::source::read_for_report(&root.join(rel))?;
    let (bom, bytes) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest.to_vec()),
        None => (false, bytes),
    };
    Some(SourceFile {
        bom,
        text: String::from_utf8(bytes).ok()?,
    })
}

fn write(root: &Path, rel: &str, file: &SourceFile) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(file.text.len() + 3);
    if file.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(file.text.as_bytes());
    std::fs::write(root.join(rel), bytes)
}

/// Facts of `text` and its number of syntax errors.
fn parse(rel: &str, text: &str) -> (FileFacts, usize) {
    let frontend = crate::lang::for_path(Path::new(rel))
        .unwrap_or_else(|| crate::lang::frontend(Language::Python));
    let options = crate::lang::ExtractOptions {
        passthrough: &[],
        // Only the comments are read here.
        ui: crate::lang::UiFilter::Nothing,
    };
    let (facts, notes) = frontend.extract(rel, text, &options);
    let errors = notes
        .iter()
        .filter(|n| n.kind == "syntax-error" || n.kind == "parse-failed")
        .count();
    (facts, errors)
}

fn directives(facts: &FileFacts) -> Vec<Directive> {
    facts.comments.iter().filter_map(inline::parse).collect()
}

/// Byte offset of the start of 1-based `line`, and of its end (before the
/// line break).
fn line_bounds(text: &str, line: u32) -> Option<(usize, usize)> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let end = rest.find('\n').map_or(text.len(), |i| start + i);
    let end = if text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    Some((start, end))
}

/// Whether the directives of `facts` suppress `code` on `line`.
fn covered(facts: &FileFacts, line: u32, code: &str) -> bool {
    directives(facts).iter().any(|d| {
        (d.line() == line || (d.own_line && d.line() + 1 == line))
            && d.codes.iter().any(|c| c.code == code)
    })
}

/// Adds `# synthlint: ignore[CODE] reason` (`//` in Rust: the file's
/// frontend says) for every active finding that
/// can be suppressed inline (not the SYN rules), on its first line: codes
/// join a directive already there, else a trailing comment is appended,
/// else (when that would land in a string) a comment line goes above.
pub fn add_suppressions(result: &ScanResult, reason: &str) -> EditReport {
    let mut by_file: BTreeMap<&str, BTreeMap<u32, Vec<&'static str>>> = BTreeMap::new();
    for f in result.active().filter(|f| suppressible(f)) {
        let codes = by_file
            .entry(&f.location.path)
            .or_default()
            .entry(f.location.span.start_line.max(1))
            .or_default();
        if !codes.contains(&f.rule) {
            codes.push(f.rule);
        }
    }
    let mut report = EditReport::default();
    for (rel, lines) in by_file {
        let Some(mut file) = read(&result.root, rel) else {
            for line in lines.keys() {
                report
                    .skipped
                    .push(format!("{rel}:{line}: cannot read the file"));
            }
            continue;
        };
        let (_, errors) = parse(rel, &file.text);
        let mut changed = 0;
        // Bottom up, so that a line inserted above does not move the rest.
        for (&line, codes) in lines.iter().rev() {
            match add_at(rel, &file.text, line, codes, reason, errors) {
                Some(text) => {
                    file.text = text;
                    changed += codes.len();
                }
                None => report.skipped.push(format!(
                    "{rel}:{line}: no place for a suppression comment that parses"
                )),
            }
        }
        if changed > 0 {
            if let Err(e) = write(&result.root, rel, &file) {
                report.skipped.push(format!("{rel}: cannot write: {e}"));
                continue;
            }
            report.changes += changed;
            report.files += 1;
        }
    }
    report
}

fn suppressible(f: &Finding) -> bool {
    crate::rules::meta_by_code(f.rule).is_some_and(|m| m.category != Category::Meta)
}

/// `text` with `codes` suppressed on `line`, if an edit passes the check.
fn add_at(
    rel: &str,
    text: &str,
    line: u32,
    codes: &[&str],
    reason: &str,
    errors: usize,
) -> Option<String> {
    let (facts, _) = parse(rel, text);
    let (start, end) = line_bounds(text, line)?;
    let checked = |candidate: String, at: u32| {
        let (facts, e) = parse(rel, &candidate);
        (e <= errors && codes.iter().all(|c| covered(&facts, at, c))).then_some(candidate)
    };
    // 1. Join a directive that already covers this line.
    for d in directives(&facts) {
        let covers = d.line() == line || (d.own_line && d.line() + 1 == line);
        if !covers || d.bare.is_some() {
            continue;
        }
        let Some(last) = d.codes.last() else { continue };
        let at = last.span.end_byte as usize;
        if at > text.len() || !text.is_char_boundary(at) {
            continue;
        }
        let missing: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| d.codes.iter().all(|have| have.code != *c))
            .collect();
        let candidate = format!("{}, {}{}", &text[..at], missing.join(", "), &text[at..]);
        return checked(candidate, line);
    }
    let styles = crate::lang::for_path(Path::new(rel))
        .map_or_else(|| vec![("#", "")], |f| f.comment_styles(rel));
    let indent: String = text[start..end]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if text[end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    for (open, close) in styles {
        let mut directive = format!("{open} synthlint: ignore[{}] {reason}", codes.join(", "));
        if !close.is_empty() {
            directive.push(' ');
            directive.push_str(close);
        }
        // 2. A trailing comment.
        let trailing = format!(
            "{}  {directive}{}",
            text[..end].trim_end_matches([' ', '\t']),
            &text[end..]
        );
        if let Some(t) = checked(trailing, line) {
            return Some(t);
        }
        // 3. A comment line above, indented like the line.
        let above = format!(
            "{}{indent}{directive}{newline}{}",
            &text[..start],
            &text[start..]
        );
        if let Some(t) = checked(above, line) {
            return Some(t);
        }
    }
    None
}

/// Removes the codes SYN002 reports as unused from their directives, and a
/// directive left without codes with its comment (its line, when the
/// comment stood alone).
pub fn remove_unused(result: &ScanResult) -> EditReport {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in result.active().filter(|f| f.rule == "SYN002") {
        by_file.entry(&f.location.path).or_default().push(f);
    }
    let mut report = EditReport::default();
    for (rel, unused) in by_file {
        let Some(mut file) = read(&result.root, rel) else {
            report.skipped.push(format!("{rel}: cannot read the file"));
            continue;
        };
        let (facts, errors) = parse(rel, &file.text);
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        let mut removed = 0;
        for d in directives(&facts) {
            let gone: Vec<usize> = d
                .codes
                .iter()
                .enumerate()
                .filter(|(_, c)| unused.iter().any(|f| f.location.span == c.span))
                .map(|(i, _)| i)
                .collect();
            if gone.is_empty() {
                continue;
            }
            removed += gone.len();
            if gone.len() == d.codes.len() {
                edits.push(remove_directive(&file.text, &d));
            } else {
                let keep: Vec<&str> = d
                    .codes
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !gone.contains(i))
                    .map(|(_, c)| c.code.as_str())
                    .collect();
                let first = d.codes[0].span.start_byte as usize;
                let last = d.codes[d.codes.len() - 1].span.end_byte as usize;
                edits.push((first, last, keep.join(", ")));
            }
        }
        // Back to front, so earlier offsets stay valid.
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut text = file.text.clone();
        for (from, to, with) in &edits {
            if *to <= text.len() && text.is_char_boundary(*from) && text.is_char_boundary(*to) {
                text.replace_range(*from..*to, with);
            }
        }
        let (_, after) = parse(rel, &text);
        if after > errors {
            report.skipped.push(format!(
                "{rel}: removing the unused suppressions would break the file"
            ));
            continue;
        }
        file.text = text;
        if let Err(e) = write(&result.root, rel, &file) {
            report.skipped.push(format!("{rel}: cannot write: {e}"));
            continue;
        }
        report.changes += removed;
        report.files += 1;
    }
    report
}

/// The byte range that removes a directive: its whole line when the comment
/// stood alone, else the comment (or the chained part of it) and the blanks
/// before it.
fn remove_directive(text: &str, d: &Directive) -> (usize, usize, String) {
    let comment_start = d.comment.start_byte as usize;
    let comment_end = (d.comment.end_byte as usize).min(text.len());
    // The `#` that opens the directive: the comment's own, or a chained one.
    let kw = (d.span.start_byte as usize).clamp(comment_start, comment_end);
    let hash = text[comment_start..kw]
        .rfind('#')
        .map_or(comment_start, |i| comment_start + i);
    if hash == comment_start && d.own_line {
        let line_start = text[..comment_start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[comment_end..]
            .find('\n')
            .map_or(text.len(), |i| comment_end + i + 1);
        return (line_start, line_end, String::new());
    }
    let from = text[..hash].trim_end_matches([' ', '\t']).len();
    (from, comment_end, String::new())
}

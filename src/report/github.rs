//! GitHub Actions workflow commands (`--format github`): one line per
//! finding, which the runner turns into an annotation on the pull request's
//! diff. No SARIF upload or code-scanning licence needed.
//!
//! `::error file=app.py,line=3,endLine=3,col=5,endColumn=40,title=LBL001 implicit-label-missing::message`
//!
//! Suppressed findings are left out (an annotation cannot be marked as
//! suppressed), and so are the articles' texts: the title names the rule,
//! the message ends with the article ids.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::finding::{Finding, Level, Notification};
use crate::report::columns::Columns;
use crate::report::{ReportOptions, escape};
use crate::rules;

emitter_of_write!(Github, "The `github` format.");

pub fn write(result: &ScanResult, _opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let cols = Columns::new(&result.root);
    write_lines(result.active(), &result.notifications, &cols, out)
}

/// The commands for `findings` (already without suppressed ones) and the
/// scan's notifications; `synthlint media` uses it too.
pub fn write_lines<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    notifications: &[Notification],
    cols: &Columns,
    out: &mut dyn Write,
) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", finding_line(f, cols))?;
    }
    for n in notifications {
        writeln!(out, "{}", notification_line(n))?;
    }
    Ok(())
}

fn command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    }
}

fn finding_line(f: &Finding, cols: &Columns) -> String {
    let span = &f.location.span;
    let (start_col, end_col) = cols.of(&f.location.path, span);
    let (title, articles) = match rules::meta_by_code(f.rule) {
        Some(m) => (format!("{} {}", m.code, m.name), m.articles.join(", ")),
        None => (f.rule.to_string(), String::new()),
    };
    let start_col = start_col.max(1);
    let mut props = vec![
        format!("file={}", property(&f.location.path)),
        format!("line={}", span.start_line.max(1)),
        format!("endLine={}", span.end_line.max(span.start_line).max(1)),
    ];
    // GitHub ignores columns on annotations spanning several lines.
    if span.end_line <= span.start_line {
        props.push(format!("col={start_col}"));
        props.push(format!("endColumn={}", end_col.max(start_col)));
    }
    props.push(format!("title={}", property(&title)));
    let message = if articles.is_empty() {
        f.message.to_string()
    } else {
        format!("{} [{articles}]", f.message)
    };
    format!(
        "::{} {}::{}",
        command(f.level),
        props.join(","),
        data(&message)
    )
}

fn notification_line(n: &Notification) -> String {
    let mut props = Vec::new();
    if let Some(path) = &n.path {
        props.push(format!("file={}", property(path)));
        if let Some(span) = &n.span {
            props.push(format!("line={}", span.start_line.max(1)));
        }
    }
    props.push(format!(
        "title={}",
        property(&format!("synthlint: {}", n.kind))
    ));
    format!(
        "::{} {}::{}",
        command(n.level),
        props.join(","),
        data(&n.message)
    )
}

/// Escapes a command's message: `%`, CR and LF would end or corrupt it;
/// every other control character (and a lone CR) is made visible first
/// (`escape::block`), so nothing in a message can start a command or drive
/// the log viewer.
fn data(s: &str) -> String {
    escape::block(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: also `:` and `,`, which separate properties.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_separators_and_line_breaks() {
        assert_eq!(data("50% of\r\nlines"), "50%25 of%0D%0Alines");
        assert_eq!(property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        // A lone CR would let a runner read what follows as a command.
        assert_eq!(data("x\r::error::owned"), "x\u{240D}::error::owned");
        assert_eq!(data("\x1b[2J"), "\u{241B}[2J");
    }
}

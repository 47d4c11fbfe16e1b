//! `--format concise`: one line per active finding and per notification,
//! `path:line:col: level[CODE] message`, then the summary line. For
//! editors' problem matchers, `grep` and terminals too narrow for snippets.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::report::columns::Columns;
use crate::report::{Emitter, ReportOptions, text};

/// The `concise` format.
pub struct Concise;

impl Emitter for Concise {
    fn emit(
        &self,
        result: &ScanResult,
        _opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let cols = Columns::new(&result.root);
        for f in result.active() {
            let s = &f.location.span;
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                one_line(&f.location.path),
                s.start_line.max(1),
                cols.at(&f.location.path, s.start_byte),
                f.level.as_str(),
                f.rule,
                one_line(&f.message)
            )?;
        }
        for n in &result.notifications {
            let place = match (&n.path, &n.span) {
                (Some(p), Some(s)) => {
                    format!(
                        "{}:{}:{}: ",
                        one_line(p),
                        s.start_line,
                        cols.at(p, s.start_byte)
                    )
                }
                (Some(p), None) => format!("{}: ", one_line(p)),
                (None, _) => String::new(),
            };
            writeln!(
                out,
                "{place}{}[{}] {}",
                n.level.as_str(),
                n.kind,
                one_line(&n.message)
            )?;
        }
        writeln!(out, "{}", text::summary(result))
    }
}

/// Whitespace runs (line breaks included) as one space, and control
/// characters from scanned code made visible (`escape`) so they cannot
/// reach the terminal.
pub fn one_line(s: &str) -> String {
    crate::report::markdown::plain(&s.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(super::one_line("a\u{1b}[2J\r\nb"), "a\u{241B}[2J b");
        assert_eq!(
            super::one_line("a\u{9B}2J\u{202E}b"),
            "a\u{FFFD}2J\u{FFFD}b"
        );
    }
}

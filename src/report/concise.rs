//! `--format concise`: one line per active finding and per notification,
//! `path:line:col: level[CODE] message`, then the summary line. For
//! editors' problem matchers, `grep` and terminals too narrow for snippets.

use std::io::{self, Write};

use crate::engine::ScanResult;
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
        for f in result.active() {
            let s = &f.location.span;
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                f.location.path,
                s.start_line.max(1),
                s.start_col.max(1),
                f.level.as_str(),
                f.rule,
                one_line(&f.message)
            )?;
        }
        for n in &result.notifications {
            let place = match (&n.path, &n.span) {
                (Some(p), Some(s)) => format!("{p}:{}:{}: ", s.start_line, s.start_col),
                (Some(p), None) => format!("{p}: "),
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

/// Whitespace runs (line breaks included) as one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

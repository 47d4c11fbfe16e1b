//! `--format junit`: JUnit XML for CI test-report views (GitLab's
//! `artifacts: reports: junit:`, Jenkins, Azure). One test suite per rule
//! that ran: a failing test case per active finding, or one passing case
//! when the rule found nothing; files that could not be analysed are
//! skipped cases of a `synthlint` suite.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::finding::Finding;
use crate::report::columns::Columns;
use crate::report::{Emitter, ReportOptions};

/// The `junit` format.
pub struct Junit;

impl Emitter for Junit {
    fn emit(
        &self,
        result: &ScanResult,
        _opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let active: Vec<&Finding> = result.active().collect();
        let cols = Columns::new(&result.root);
        let mut suites = Vec::new();
        for rule in &result.rules {
            let m = *rule;
            let mine: Vec<&&Finding> = active.iter().filter(|f| f.rule == m.code).collect();
            let mut cases = String::new();
            if mine.is_empty() {
                cases += &format!(
                    "    <testcase classname=\"{}\" name=\"no findings\"/>\n",
                    m.code
                );
            }
            for f in &mine {
                let s = &f.location.span;
                let col = cols.at(&f.location.path, s.start_byte);
                let place = format!("{}:{}:{}", f.location.path, s.start_line, col);
                let mut body = format!("{place}: {}", f.message);
                for step in &f.flow {
                    let l = &step.location;
                    body += &format!(
                        "\n  {}:{}:{} {}",
                        l.path,
                        l.span.start_line,
                        cols.at(&l.path, l.span.start_byte),
                        step.message
                    );
                }
                cases += &format!(
                    "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                    m.code,
                    xml(&place),
                    xml(&f.location.path),
                    s.start_line,
                    f.level.as_str(),
                    xml(&f.message),
                    xml(&body)
                );
            }
            suites.push((
                format!("{} {}", m.code, m.name),
                mine.len().max(1),
                mine.len(),
                0,
                cases,
            ));
        }
        if !result.notifications.is_empty() {
            let mut cases = String::new();
            for n in &result.notifications {
                let name = match &n.path {
                    Some(p) => format!("{} {p}", n.kind),
                    None => n.kind.clone(),
                };
                cases += &format!(
                    "    <testcase classname=\"synthlint\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    xml(&name),
                    xml(&n.message)
                );
            }
            let n = result.notifications.len();
            suites.push(("synthlint".into(), n, 0, n, cases));
        }
        let tests: usize = suites.iter().map(|s| s.1).sum();
        let failures: usize = suites.iter().map(|s| s.2).sum();
        let skipped: usize = suites.iter().map(|s| s.3).sum();
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"synthlint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
        )?;
        for (name, tests, failures, skipped, cases) in suites {
            writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
                xml(&name)
            )?;
            out.write_all(cases.as_bytes())?;
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}

/// Text for XML attributes and content. Control characters (and
/// bidirectional overrides) from the scan are made visible first
/// (`escape::block`), like every human-facing format; characters XML 1.0
/// cannot carry at all become U+FFFD.
fn xml(s: &str) -> String {
    let s = crate::report::escape::block(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn escapes_xml() {
        assert_eq!(
            xml("a<b>&\"c\"\u{1b}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;\u{241B}&#10;"
        );
    }
}

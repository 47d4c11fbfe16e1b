//! `--format markdown`: the reviewer report ([`review`]) as GitHub-flavoured
//! Markdown, also what the GitHub Action writes to the job summary. The
//! summary, the counts per article and the endpoints come first, so a
//! truncated copy still holds them.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::finding::Location;
use crate::report::review::{NOT_YET_CHECKED, Review};
use crate::report::{Emitter, ReportOptions, plural, text};
use crate::rules;

/// The `markdown` format.
pub struct Markdown;

impl Emitter for Markdown {
    fn emit(
        &self,
        result: &ScanResult,
        opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let r = Review::build(result);
        let run = &opts.run;
        writeln!(out, "# synthlint review: {}\n", inline(&r.project))?;
        let mut facts = vec![format!("synthlint {}", r.version)];
        if let Some(c) = &run.commit {
            facts.push(format!("commit `{c}`"));
        }
        facts.push(match &run.config {
            Some(c) => format!("configuration `{}`", inline(c)),
            None => "no configuration file".into(),
        });
        facts.push(plural(r.files, "file", "files"));
        writeln!(out, "{}\n", facts.join(" · "))?;
        writeln!(out, "**{}**\n", text::summary(result))?;

        writeln!(out, "## Findings per article\n")?;
        let counts = r.article_counts();
        if counts.is_empty() {
            writeln!(out, "No active finding implicates an article.\n")?;
        } else {
            writeln!(out, "| Article | | Findings |\n|---|---|--:|")?;
            for (id, heading, n) in counts {
                writeln!(out, "| {id} | {} | {n} |", cell(heading))?;
            }
            writeln!(out)?;
        }

        writeln!(out, "## Endpoints\n")?;
        if !r.inventory_available {
            writeln!(
                out,
                "GEN002 did not run, so endpoints are not listed (enable it to see them).\n"
            )?;
        } else if r.endpoints.is_empty() {
            writeln!(out, "No entry point reaches a generation call.\n")?;
        } else {
            writeln!(
                out,
                "| Endpoint | Where | Content | Models | Providers | Implicit label | Explicit label | Label switch gate |\n|---|---|---|---|---|---|---|---|"
            )?;
            for e in &r.endpoints {
                writeln!(
                    out,
                    "| {}{} | `{}` | {} | {} | {} | {} | {} | {} |",
                    cell(&e.endpoint),
                    if e.public { " (public)" } else { "" },
                    cell(&place(&e.location)),
                    cell(&e.content.join(", ")),
                    cell(&e.models.join(", ")),
                    cell(&e.providers.join(", ")),
                    e.implicit_label.label(),
                    e.explicit_label.label(),
                    e.label_gate.label(),
                )?;
            }
            writeln!(
                out,
                "\nNot checked by any rule yet, for any endpoint: {}.\n",
                NOT_YET_CHECKED.join("; ")
            )?;
        }

        writeln!(out, "## Findings by instrument and article\n")?;
        for inst in &r.instruments {
            writeln!(out, "### {}: {}\n", inst.id, inline(&inst.name))?;
            for a in &inst.articles {
                writeln!(out, "#### {} {}\n", a.id, inline(&a.heading))?;
                writeln!(out, "{} ([text]({}))\n", inline(&a.summary), a.url)?;
                for &i in &a.findings {
                    let f = r.findings[i].finding;
                    writeln!(
                        out,
                        "- [{} {}](#finding-{}) `{}`: {}",
                        f.level.as_str(),
                        f.rule,
                        i + 1,
                        cell(&place(&f.location)),
                        inline(&f.message)
                    )?;
                }
                writeln!(out)?;
            }
        }
        if r.instruments.is_empty() {
            writeln!(out, "Nothing to report.\n")?;
        }

        if !r.findings.is_empty() {
            writeln!(out, "## Findings\n")?;
        }
        for (i, d) in r.findings.iter().enumerate() {
            let f = d.finding;
            let name = d.meta.map_or("", |m| m.name);
            writeln!(
                out,
                "<a id=\"finding-{}\"></a>\n### {}. {} {} {}: `{}`\n",
                i + 1,
                i + 1,
                f.level.as_str(),
                f.rule,
                name,
                cell(&place(&f.location))
            )?;
            writeln!(out, "{}\n", inline(&f.message))?;
            if let Some((_, snippet)) = &d.snippet {
                let fence = fence_for(snippet);
                writeln!(out, "{fence}python\n{}\n{fence}\n", plain(snippet))?;
            }
            if !f.flow.is_empty() {
                writeln!(out, "Code flow:\n")?;
                for (n, step) in f.flow.iter().enumerate() {
                    writeln!(
                        out,
                        "{}. `{}` {}",
                        n + 1,
                        cell(&place(&step.location)),
                        inline(&step.message)
                    )?;
                }
                writeln!(out)?;
            }
            if !f.related.is_empty() {
                writeln!(out, "Related:\n")?;
                for rel in &f.related {
                    writeln!(
                        out,
                        "- `{}` {}",
                        cell(&place(&rel.location)),
                        inline(&rel.message)
                    )?;
                }
                writeln!(out)?;
            }
            if let Some(m) = d.meta.filter(|m| !m.articles.is_empty()) {
                writeln!(out, "Articles: {}\n", m.articles.join(", "))?;
            }
        }

        writeln!(out, "## Checks that passed\n")?;
        if r.passed.is_empty() {
            writeln!(out, "Every rule that ran reported something.\n")?;
        } else {
            writeln!(out, "| Rule | Name | Articles |\n|---|---|---|")?;
            for m in &r.passed {
                writeln!(
                    out,
                    "| {} | {} | {} |",
                    m.code,
                    m.name,
                    m.articles.join(", ")
                )?;
            }
            writeln!(out)?;
        }
        let skipped: Vec<&str> = rules::all()
            .iter()
            .map(|rule| rule.meta().code)
            .filter(|c| !result.rules.iter().any(|r| r.meta().code == *c))
            .collect();
        if !skipped.is_empty() {
            writeln!(out, "Not run (deselected): {}.\n", skipped.join(", "))?;
        }

        writeln!(out, "## Suppressed, baselined and unchanged findings\n")?;
        if r.hidden.is_empty() {
            writeln!(out, "None.\n")?;
        } else {
            writeln!(out, "| Rule | Where | How | Reason |\n|---|---|---|---|")?;
            for f in &r.hidden {
                let s = f
                    .suppression
                    .as_ref()
                    .expect("hidden findings are suppressed");
                writeln!(
                    out,
                    "| {} | `{}` | {} | {} |",
                    f.rule,
                    cell(&place(&f.location)),
                    s.kind().as_str(),
                    cell(if s.justification.trim().is_empty() {
                        "(no reason given)"
                    } else {
                        &s.justification
                    })
                )?;
            }
            writeln!(out)?;
        }

        if !r.notifications.is_empty() {
            writeln!(out, "## Files not analysed\n")?;
            for n in r.notifications {
                writeln!(
                    out,
                    "- {}[{}] `{}`: {}",
                    n.level.as_str(),
                    n.kind,
                    cell(n.path.as_deref().unwrap_or("-")),
                    inline(&n.message)
                )?;
            }
            writeln!(out)?;
        }

        writeln!(out, "## Configuration\n")?;
        for (k, v) in &run.settings {
            writeln!(out, "- {k}: {}", inline(v))?;
        }
        writeln!(out)
    }
}

/// `path:line:col`.
pub fn place(l: &Location) -> String {
    format!("{}:{}:{}", l.path, l.span.start_line, l.span.start_col)
}

/// Text with control characters made visible, so scanned input cannot
/// reach a terminal or a renderer as anything but text.
pub fn plain(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// Text for running Markdown: one line, no raw HTML.
fn inline(s: &str) -> String {
    plain(&s.split_whitespace().collect::<Vec<_>>().join(" "))
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for a table cell (also inside backticks): no `|`, no backtick.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|").replace('`', "'")
}

/// A code fence longer than any run of backticks in `s`.
fn fence_for(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(cell("a|b `c` <x>"), "a\\|b 'c' &lt;x&gt;");
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
        assert_eq!(plain("a\u{1b}[31mb\r"), "a\u{FFFD}[31mb\u{FFFD}");
    }
}

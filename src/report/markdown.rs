//! `--format markdown`: the reviewer report ([`review::document`]) as
//! GitHub-flavoured Markdown, also what the GitHub Action writes to the job
//! summary. The summary, the counts per article and the endpoints come
//! first, so a truncated copy still holds them.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::report::review::{self, Block, Inline, Status};
use crate::report::{Emitter, ReportOptions};

/// The `markdown` format.
pub struct Markdown;

impl Emitter for Markdown {
    fn emit(
        &self,
        result: &ScanResult,
        opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for block in review::document(result, &opts.run) {
            write_block(&block, out)?;
        }
        Ok(())
    }
}

fn write_block(block: &Block, out: &mut dyn Write) -> io::Result<()> {
    match block {
        Block::Title(t) => writeln!(out, "# {}\n", inline(t)),
        Block::Heading { level, id, text } => {
            if let Some(id) = id {
                writeln!(out, "<a id=\"{id}\"></a>")?;
            }
            writeln!(
                out,
                "{} {}\n",
                "#".repeat(*level as usize),
                inlines(text, false)
            )
        }
        Block::Para(parts) | Block::Meta(parts) => writeln!(out, "{}\n", inlines(parts, false)),
        Block::Summary(s) => writeln!(out, "**{}**\n", inline(s)),
        Block::Cards(_) => Ok(()),
        Block::Table {
            head,
            numeric,
            rows,
        } => {
            writeln!(out, "| {} |", head.join(" | "))?;
            let rule: Vec<&str> = (0..head.len())
                .map(|i| if numeric.contains(&i) { "--:" } else { "---" })
                .collect();
            writeln!(out, "|{}|", rule.join("|"))?;
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| inlines(c, true)).collect();
                writeln!(out, "| {} |", cells.join(" | "))?;
            }
            writeln!(out)
        }
        Block::List { ordered, items } => {
            for (n, item) in items.iter().enumerate() {
                let marker = if *ordered {
                    format!("{}.", n + 1)
                } else {
                    "-".into()
                };
                writeln!(out, "{marker} {}", inlines(item, false))?;
            }
            writeln!(out)
        }
        Block::Code { text, language, .. } => {
            let fence = fence_for(text);
            writeln!(out, "{fence}{language}\n{}\n{fence}\n", plain(text))
        }
        Block::Section { id, blocks } => {
            writeln!(out, "<a id=\"{id}\"></a>")?;
            for b in blocks {
                write_block(b, out)?;
            }
            Ok(())
        }
    }
}

fn inlines(parts: &[Inline], in_table: bool) -> String {
    let esc = |s: &str| if in_table { cell(s) } else { inline(s) };
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(s) => esc(s),
            Inline::Muted(s) => esc(s),
            Inline::Code(s) => format!("`{}`", cell(s)),
            Inline::Link { text, href } => format!("[{}]({href})", esc(text)),
            Inline::Level(l) => l.as_str().to_owned(),
            Inline::Status(s) => status(s),
        })
        .collect()
}

fn status(s: &Status) -> String {
    s.label()
}

/// Text with control characters (and bidirectional overrides) made
/// visible, so scanned input cannot reach a terminal or a renderer as
/// anything but text: `escape::block`, which every human-facing format
/// shares.
pub fn plain(s: &str) -> String {
    crate::report::escape::block(s).into_owned()
}

/// Text for running Markdown: one line, no raw HTML.
fn inline(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    // Keep the spaces the blocks put around inline parts.
    let one_line = match (s.starts_with(' '), s.ends_with(' ') && s.trim() != "") {
        (true, true) => format!(" {one_line} "),
        (true, false) => format!(" {one_line}"),
        (false, true) => format!("{one_line} "),
        (false, false) => one_line,
    };
    plain(&one_line)
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
        assert_eq!(inline(" a  b "), " a b ");
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
        assert_eq!(plain("a\u{1b}[31mb\r"), "a\u{241B}[31mb\u{240D}");
        assert_eq!(plain("x\u{202E}y\u{9B}z"), "x\u{FFFD}y\u{FFFD}z");
    }
}

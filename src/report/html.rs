//! `--format html`: the reviewer report ([`review::document`]) as one self-contained
//! page: inline CSS, no script, no external resource, readable from a phone
//! to a desktop screen. Every text from the scan is escaped.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::finding::Level;
use crate::report::markdown::plain;
use crate::report::review::{self, Block, Inline, Status};
use crate::report::{Emitter, ReportOptions};

/// The `html` format.
pub struct Html;

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--err:#cf222e;--warn:#9a6700;--note:#0969da;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1.1em;margin:1.2em 0 .4em}h4{font-size:1em;margin:1em 0 .3em}
a{color:var(--note)}
.meta{color:var(--muted);font-size:.9em}
.summary{font-weight:600;padding:10px 12px;background:var(--soft);border:1px solid var(--line);border-radius:6px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{flex:1 1 110px;border:1px solid var(--line);border-radius:6px;padding:8px 10px}
.card b{display:block;font-size:1.5em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
td.n{text-align:right}td.id{white-space:nowrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px;overflow-x:auto;white-space:pre}
.lvl{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8em;font-weight:600;color:#fff}
.error{background:var(--err)}.warning{background:var(--warn)}.note{background:var(--note)}
.missing{color:var(--err);font-weight:600}.nofinding{color:var(--ok)}.unchecked{color:var(--muted)}
.finding{border:1px solid var(--line);border-radius:6px;padding:4px 12px 8px;margin:12px 0}
ol.flow,ul.rel{padding-left:1.4em;margin:.3em 0}
li{margin:.15em 0;overflow-wrap:anywhere}
"#;

impl Emitter for Html {
    fn emit(
        &self,
        result: &ScanResult,
        opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let doc = review::document(result, &opts.run);
        let title = match doc.first() {
            Some(Block::Title(t)) => t.clone(),
            _ => "synthlint review".into(),
        };
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>",
            esc(&title)
        )?;
        for block in &doc {
            write_block(block, out)?;
        }
        writeln!(out, "</main>\n</body>\n</html>")
    }
}

fn write_block(block: &Block, out: &mut dyn Write) -> io::Result<()> {
    match block {
        Block::Title(t) => writeln!(out, "<h1>{}</h1>", esc(t)),
        Block::Heading { level, id, text } => {
            let id = id
                .as_ref()
                .map_or(String::new(), |id| format!(" id=\"{}\"", esc(id)));
            writeln!(out, "<h{level}{id}>{}</h{level}>", inlines(text))
        }
        Block::Para(parts) => writeln!(out, "<p>{}</p>", inlines(parts)),
        Block::Meta(parts) => writeln!(out, "<p class=\"meta\">{}</p>", inlines(parts)),
        Block::Summary(s) => writeln!(out, "<p class=\"summary\">{}</p>", esc(s)),
        Block::Cards(cards) => {
            writeln!(out, "<div class=\"cards\">")?;
            for (n, what) in cards {
                writeln!(out, "<div class=\"card\"><b>{n}</b>{what}</div>")?;
            }
            writeln!(out, "</div>")
        }
        Block::Table {
            head,
            numeric,
            rows,
        } => {
            let head: Vec<String> = head
                .iter()
                .map(|h| format!("<th>{}</th>", esc(h)))
                .collect();
            writeln!(
                out,
                "<div class=\"scroll\"><table><tr>{}</tr>",
                head.concat()
            )?;
            for row in rows {
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let class = match c.as_slice() {
                            _ if numeric.contains(&i) => " class=\"n\"",
                            [Inline::Status(s)] => match s {
                                Status::Finding { .. } => " class=\"missing\"",
                                Status::NoFinding => " class=\"nofinding\"",
                                _ => " class=\"unchecked\"",
                            },
                            [Inline::Link { href, .. }] if i == 0 && href.starts_with('#') => {
                                " class=\"id\""
                            }
                            _ => "",
                        };
                        format!("<td{class}>{}</td>", inlines(c))
                    })
                    .collect();
                writeln!(out, "<tr>{}</tr>", cells.concat())?;
            }
            writeln!(out, "</table></div>")
        }
        Block::List { ordered, items } => {
            let (open, close) = if *ordered {
                ("<ol class=\"flow\">", "</ol>")
            } else {
                ("<ul class=\"rel\">", "</ul>")
            };
            writeln!(out, "{open}")?;
            for item in items {
                writeln!(out, "<li>{}</li>", inlines(item))?;
            }
            writeln!(out, "{close}")
        }
        Block::Code { first, text, .. } => {
            let numbered: Vec<String> = text
                .lines()
                .enumerate()
                .map(|(n, line)| format!("{:>4}  {}", *first as usize + n, esc(line)))
                .collect();
            writeln!(out, "<pre>{}</pre>", numbered.join("\n"))
        }
        Block::Section { id, blocks } => {
            writeln!(out, "<section class=\"finding\" id=\"{}\">", esc(id))?;
            for b in blocks {
                write_block(b, out)?;
            }
            writeln!(out, "</section>")
        }
    }
}

fn inlines(parts: &[Inline]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(s) => esc(s),
            Inline::Muted(s) => format!("<em>{}</em>", esc(s)),
            Inline::Code(s) => format!("<code>{}</code>", esc(s)),
            Inline::Link { text, href } => format!("<a href=\"{}\">{}</a>", esc(href), esc(text)),
            Inline::Level(l) => badge(*l),
            Inline::Status(s) => esc(&s.label()),
        })
        .collect()
}

fn badge(level: Level) -> String {
    format!("<span class=\"lvl {0}\">{0}</span>", level.as_str())
}

/// HTML text and attribute escaping, control characters made visible.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in plain(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>\"a\" & 'b'\u{7}"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;\u{2407}"
        );
    }
}

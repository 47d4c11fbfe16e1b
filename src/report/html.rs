//! `--format html`: the reviewer report ([`review`]) as one self-contained
//! page: inline CSS, no script, no external resource, readable from a phone
//! to a desktop screen. Every text from the scan is escaped.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::finding::Level;
use crate::report::markdown::{place, plain};
use crate::report::review::{NOT_YET_CHECKED, Review, Status};
use crate::report::{Emitter, ReportOptions, plural, text};

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
        let r = Review::build(result);
        let run = &opts.run;
        let c = &r.counts;
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>synthlint review: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>",
            esc(&r.project)
        )?;
        writeln!(out, "<h1>synthlint review: {}</h1>", esc(&r.project))?;
        let mut facts = vec![format!("synthlint {}", r.version)];
        if let Some(commit) = &run.commit {
            facts.push(format!("commit <code>{}</code>", esc(commit)));
        }
        facts.push(match &run.config {
            Some(cfg) => format!("configuration <code>{}</code>", esc(cfg)),
            None => "no configuration file".into(),
        });
        facts.push(plural(r.files, "file", "files"));
        writeln!(out, "<p class=\"meta\">{}</p>", facts.join(" · "))?;
        writeln!(
            out,
            "<p class=\"summary\">{}</p>",
            esc(&text::summary(result))
        )?;
        writeln!(out, "<div class=\"cards\">")?;
        for (n, what) in [
            (c.errors, "errors"),
            (c.warnings, "warnings"),
            (c.notes, "notes"),
            (c.suppressed, "suppressed"),
            (c.baselined, "baselined"),
            (c.unchanged, "unchanged"),
        ] {
            writeln!(out, "<div class=\"card\"><b>{n}</b>{what}</div>")?;
        }
        writeln!(out, "</div>")?;

        writeln!(out, "<h2 id=\"articles\">Findings per article</h2>")?;
        let counts = r.article_counts();
        if counts.is_empty() {
            writeln!(out, "<p>No active finding implicates an article.</p>")?;
        } else {
            writeln!(
                out,
                "<div class=\"scroll\"><table><tr><th>Article</th><th></th><th>Findings</th></tr>"
            )?;
            for (id, heading, n) in counts {
                writeln!(
                    out,
                    "<tr><td class=\"id\"><a href=\"#{0}\">{0}</a></td><td>{1}</td><td class=\"n\">{n}</td></tr>",
                    esc(id),
                    esc(heading)
                )?;
            }
            writeln!(out, "</table></div>")?;
        }

        writeln!(out, "<h2 id=\"endpoints\">Endpoints</h2>")?;
        if !r.inventory_available {
            writeln!(
                out,
                "<p>GEN002 did not run, so endpoints are not listed (enable it to see them).</p>"
            )?;
        } else if r.endpoints.is_empty() {
            writeln!(out, "<p>No entry point reaches a generation call.</p>")?;
        } else {
            writeln!(
                out,
                "<div class=\"scroll\"><table><tr><th>Endpoint</th><th>Where</th><th>Content</th><th>Models</th><th>Providers</th><th>Implicit label</th><th>Explicit label</th><th>Label switch gate</th></tr>"
            )?;
            for e in &r.endpoints {
                writeln!(
                    out,
                    "<tr><td>{}{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>{}{}{}</tr>",
                    esc(&e.endpoint),
                    if e.public { " <em>(public)</em>" } else { "" },
                    esc(&place(&e.location)),
                    esc(&e.content.join(", ")),
                    esc(&e.models.join(", ")),
                    esc(&e.providers.join(", ")),
                    status_cell(&e.implicit_label),
                    status_cell(&e.explicit_label),
                    status_cell(&e.label_gate),
                )?;
            }
            writeln!(out, "</table></div>")?;
            writeln!(
                out,
                "<p class=\"meta\">Not checked by any rule yet, for any endpoint: {}.</p>",
                esc(&NOT_YET_CHECKED.join("; "))
            )?;
        }

        writeln!(
            out,
            "<h2 id=\"by-article\">Findings by instrument and article</h2>"
        )?;
        if r.instruments.is_empty() {
            writeln!(out, "<p>Nothing to report.</p>")?;
        }
        for inst in &r.instruments {
            writeln!(
                out,
                "<h3>{}: <a href=\"{}\">{}</a></h3>",
                esc(&inst.id),
                esc(&inst.url),
                esc(&inst.name)
            )?;
            for a in &inst.articles {
                writeln!(
                    out,
                    "<h4 id=\"{0}\">{0} {1}</h4>\n<p>{2} <a href=\"{3}\">text</a></p>\n<ul class=\"rel\">",
                    esc(&a.id),
                    esc(&a.heading),
                    esc(&a.summary),
                    esc(&a.url)
                )?;
                for &i in &a.findings {
                    let f = r.findings[i].finding;
                    writeln!(
                        out,
                        "<li>{} <a href=\"#finding-{}\">{}</a> <code>{}</code> {}</li>",
                        badge(f.level),
                        i + 1,
                        f.rule,
                        esc(&place(&f.location)),
                        esc(&f.message)
                    )?;
                }
                writeln!(out, "</ul>")?;
            }
        }

        if !r.findings.is_empty() {
            writeln!(out, "<h2 id=\"findings\">Findings</h2>")?;
        }
        for (i, d) in r.findings.iter().enumerate() {
            let f = d.finding;
            writeln!(
                out,
                "<section class=\"finding\" id=\"finding-{}\">\n<h3>{}. {} {} {} <code>{}</code></h3>\n<p>{}</p>",
                i + 1,
                i + 1,
                badge(f.level),
                f.rule,
                esc(d.meta.map_or("", |m| m.name)),
                esc(&place(&f.location)),
                esc(&f.message)
            )?;
            if let Some((first, snippet)) = &d.snippet {
                let numbered: Vec<String> = snippet
                    .lines()
                    .enumerate()
                    .map(|(n, line)| format!("{:>4}  {}", *first as usize + n, esc(line)))
                    .collect();
                writeln!(out, "<pre>{}</pre>", numbered.join("\n"))?;
            }
            if !f.flow.is_empty() {
                writeln!(out, "<p>Code flow:</p>\n<ol class=\"flow\">")?;
                for step in &f.flow {
                    writeln!(
                        out,
                        "<li><code>{}</code> {}</li>",
                        esc(&place(&step.location)),
                        esc(&step.message)
                    )?;
                }
                writeln!(out, "</ol>")?;
            }
            if !f.related.is_empty() {
                writeln!(out, "<p>Related:</p>\n<ul class=\"rel\">")?;
                for rel in &f.related {
                    writeln!(
                        out,
                        "<li><code>{}</code> {}</li>",
                        esc(&place(&rel.location)),
                        esc(&rel.message)
                    )?;
                }
                writeln!(out, "</ul>")?;
            }
            if let Some(m) = d.meta.filter(|m| !m.articles.is_empty()) {
                let links: Vec<String> = m
                    .articles
                    .iter()
                    .map(|a| format!("<a href=\"#{0}\">{0}</a>", esc(a)))
                    .collect();
                writeln!(out, "<p class=\"meta\">Articles: {}</p>", links.join(", "))?;
            }
            writeln!(out, "</section>")?;
        }

        writeln!(out, "<h2 id=\"passed\">Checks that passed</h2>")?;
        if r.passed.is_empty() {
            writeln!(out, "<p>Every rule that ran reported something.</p>")?;
        } else {
            writeln!(
                out,
                "<div class=\"scroll\"><table><tr><th>Rule</th><th>Name</th><th>Articles</th></tr>"
            )?;
            for m in &r.passed {
                writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    m.code,
                    m.name,
                    m.articles.join(", ")
                )?;
            }
            writeln!(out, "</table></div>")?;
        }

        writeln!(
            out,
            "<h2 id=\"hidden\">Suppressed, baselined and unchanged findings</h2>"
        )?;
        if r.hidden.is_empty() {
            writeln!(out, "<p>None.</p>")?;
        } else {
            writeln!(
                out,
                "<div class=\"scroll\"><table><tr><th>Rule</th><th>Where</th><th>How</th><th>Reason</th></tr>"
            )?;
            for f in &r.hidden {
                let s = f
                    .suppression
                    .as_ref()
                    .expect("hidden findings are suppressed");
                let reason = if s.justification.trim().is_empty() {
                    "(no reason given)"
                } else {
                    s.justification.as_str()
                };
                writeln!(
                    out,
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    f.rule,
                    esc(&place(&f.location)),
                    s.kind().as_str(),
                    esc(reason)
                )?;
            }
            writeln!(out, "</table></div>")?;
        }

        if !r.notifications.is_empty() {
            writeln!(
                out,
                "<h2 id=\"skipped\">Files not analysed</h2>\n<ul class=\"rel\">"
            )?;
            for n in r.notifications {
                writeln!(
                    out,
                    "<li>{}[{}] <code>{}</code> {}</li>",
                    n.level.as_str(),
                    esc(&n.kind),
                    esc(n.path.as_deref().unwrap_or("-")),
                    esc(&n.message)
                )?;
            }
            writeln!(out, "</ul>")?;
        }

        writeln!(
            out,
            "<h2 id=\"configuration\">Configuration</h2>\n<ul class=\"rel\">"
        )?;
        for (k, v) in &run.settings {
            writeln!(out, "<li>{}: <code>{}</code></li>", esc(k), esc(v))?;
        }
        writeln!(out, "</ul>\n</main>\n</body>\n</html>")
    }
}

fn badge(level: Level) -> String {
    format!("<span class=\"lvl {0}\">{0}</span>", level.as_str())
}

fn status_cell(s: &Status) -> String {
    let class = match s {
        Status::Finding { .. } => "missing",
        Status::NoFinding => "nofinding",
        Status::NotChecked | Status::NotApplicable(_) => "unchecked",
    };
    format!("<td class=\"{class}\">{}</td>", esc(&s.label()))
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
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;\u{FFFD}"
        );
    }
}

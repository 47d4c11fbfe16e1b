//! Human-readable report: one miette diagnostic per active finding (header
//! with `path:line:col`, message, source snippet, articles, help), then the
//! scan's notifications, then a summary line.
//!
//! The bytes depend only on the result and the files: fixed theme and width,
//! no terminal detection, no links. A finding whose file cannot be read, or
//! whose span does not fit the file as it is now, is printed on one line.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceCode, SourceSpan,
};

use crate::engine::ScanResult;
use crate::finding::{Finding, Level, Location, Notification};
use crate::report::columns::Columns;
use crate::report::{Counts, ReportOptions, escape, plural, redact};
use crate::rules::{self, RuleMeta};
use crate::source::{LineStarts, Span};

/// Fixed so wrapping never depends on the terminal.
const WIDTH: usize = 100;

/// Spans over more lines than this (a whole function) are underlined on
/// their first line only, so one finding cannot flood the terminal.
const MAX_LABEL_LINES: u32 = 8;

emitter_of_write!(Text, "The `text` format.");

pub fn write(result: &ScanResult, opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_urls(false)
        .without_cause_chain()
        // miette counts columns in bytes; the header already has ours (code points).
        .without_primary_span_start()
        .without_syntax_highlighting();
    let paint = Paint { on: opts.color };
    // Every rule, not only those that ran: the result may come from elsewhere.
    let metas: BTreeMap<&str, &RuleMeta> = rules::all()
        .into_iter()
        .map(|r| (r.meta().code, r.meta()))
        .collect();
    let mut files = Files::new(&result.root);
    let cols = Columns::new(&result.root);

    let mut blocks = 0usize;
    for f in result.active() {
        if blocks > 0 {
            writeln!(out)?;
        }
        blocks += 1;
        let meta = metas.get(f.rule).copied();
        let source = files.get(&f.location.path);
        let rendered = source.and_then(|s| render_snippet(&handler, f, s));
        let header = header(f, meta, &cols, paint);
        match rendered {
            Some(body) => {
                writeln!(out, "{header}")?;
                out.write_all(body.as_bytes())?;
                write_related(out, f, source, &cols, paint)?;
                write_footer(out, f, meta, paint)?;
            }
            None => writeln!(out, "{header}: {}", one_line(f, meta))?,
        }
    }

    if !result.notifications.is_empty() {
        if blocks > 0 {
            writeln!(out)?;
        }
        blocks += 1;
        for n in &result.notifications {
            writeln!(out, "{}", notification(n, &cols, paint))?;
        }
    }

    if blocks > 0 {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(result))
}

/// `app/x.py:3:5: error[MOD001] safety-checker-disabled`
fn header(f: &Finding, meta: Option<&RuleMeta>, cols: &Columns, paint: Paint) -> String {
    let loc = location(&f.location, cols);
    let mut s = format!(
        "{}: {}",
        paint.bold(&loc),
        paint.level(f.level, &format!("{}[{}]", f.level.as_str(), f.rule))
    );
    if let Some(m) = meta {
        s.push(' ');
        s.push_str(m.name);
    }
    s
}

/// The fallback body: message and articles on the header's line.
fn one_line(f: &Finding, meta: Option<&RuleMeta>) -> String {
    let collapsed = f.message.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = escape::line(&collapsed).into_owned();
    if let Some(m) = meta.filter(|m| !m.articles.is_empty()) {
        s.push_str(&format!(" (articles: {})", m.articles.join(", ")));
    }
    s
}

/// Message and snippet by miette, or `None` when the primary span does not
/// fit the file (then the caller prints one line instead).
fn render_snippet(handler: &GraphicalReportHandler, f: &Finding, src: &Source) -> Option<String> {
    let primary = src.source_span(&f.location.span)?;
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, primary)];
    for r in &f.related {
        if r.location.path == f.location.path
            && let Some(span) = src.source_span(&r.location.span)
        {
            labels.push(LabeledSpan::new_with_span(
                Some(escape::line(&r.message).into_owned()),
                span,
            ));
        }
    }
    let message = escape::line(&f.message);
    let diag = FindingDiagnostic {
        message: &message,
        severity: match f.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Note => Severity::Advice,
        },
        source: NamedSource::new(escape::line(&f.location.path), Arc::clone(&src.shown)),
        labels,
    };
    let mut s = String::new();
    handler.render_report(&mut s, &diag).ok()?;
    Some(s)
}

/// Related locations that are not labels in the snippet: other files, or
/// spans that do not fit the file.
fn write_related(
    out: &mut dyn Write,
    f: &Finding,
    src: Option<&Source>,
    cols: &Columns,
    paint: Paint,
) -> io::Result<()> {
    for r in &f.related {
        let labelled = r.location.path == f.location.path
            && src.is_some_and(|s| s.source_span(&r.location.span).is_some());
        if !labelled {
            writeln!(
                out,
                "  {} {}: {}",
                paint.help("related:"),
                location(&r.location, cols),
                escape::line(&r.message)
            )?;
        }
    }
    Ok(())
}

fn write_footer(
    out: &mut dyn Write,
    f: &Finding,
    meta: Option<&RuleMeta>,
    paint: Paint,
) -> io::Result<()> {
    if let Some(m) = meta.filter(|m| !m.articles.is_empty()) {
        writeln!(
            out,
            "  {} {}",
            paint.help("articles:"),
            m.articles.join(", ")
        )?;
    }
    writeln!(
        out,
        "  {} run `synthlint explain {}` to see why this matters and how to fix it",
        paint.help("help:"),
        f.rule
    )
}

fn location(l: &Location, cols: &Columns) -> String {
    format!(
        "{}:{}:{}",
        escape::line(&l.path),
        l.span.start_line,
        cols.at(&l.path, l.span.start_byte)
    )
}

/// `warning[binary-file]: data/x.py: skipped: ...`
fn notification(n: &Notification, cols: &Columns, paint: Paint) -> String {
    let kind = paint.level(n.level, &format!("{}[{}]", n.level.as_str(), n.kind));
    let message = escape::line(&n.message);
    let path = n.path.as_deref().map(escape::line);
    match (&path, &n.span) {
        (Some(p), Some(s)) => {
            let col = cols.at(n.path.as_deref().unwrap_or_default(), s.start_byte);
            format!("{kind}: {p}:{}:{col}: {message}", s.start_line)
        }
        (Some(p), None) => format!("{kind}: {p}: {message}"),
        (None, _) => format!("{kind}: {message}"),
    }
}

/// `Found 3 findings (1 error, 2 notes) in 12 files; 1 suppressed.`
pub fn summary(result: &ScanResult) -> String {
    let c = Counts::of(result);
    let files = plural(result.stats.files, "file", "files");
    let mut s = if c.active() == 0 {
        format!("No findings in {files}")
    } else {
        let levels: Vec<String> = [
            (c.errors, "error", "errors"),
            (c.warnings, "warning", "warnings"),
            (c.notes, "note", "notes"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| plural(n, one, many))
        .collect();
        format!(
            "Found {} ({}) in {files}",
            plural(c.active(), "finding", "findings"),
            levels.join(", ")
        )
    };
    for (n, what) in [
        (c.suppressed, "suppressed"),
        (c.baselined, "in the baseline"),
        (c.unchanged, "also at the diff base"),
    ] {
        if n > 0 {
            s.push_str(&format!("; {n} {what}"));
        }
    }
    s.push('.');
    s
}

/// A file's text as the frontend saw it, with line starts to check spans,
/// and the text shown: control characters made visible (`escape::block`),
/// with where that moved bytes.
struct Source {
    text: String,
    lines: LineStarts,
    shown: Arc<str>,
    /// `escape::block_mapped`'s marks: offsets in `text` → in `shown`.
    moved: Vec<(usize, usize)>,
}

impl Source {
    fn new(text: String) -> Source {
        let lines = LineStarts::new(&text);
        let (shown, moved) = escape::block_mapped(&text);
        let shown: Arc<str> = shown.into();
        Source {
            text,
            lines,
            shown,
            moved,
        }
    }

    /// 1-based line and code-point column, as the frontends count them.
    fn line_col(&self, byte: usize) -> (u32, u32) {
        self.lines.line_col(&self.text, byte)
    }

    /// The span in miette's terms, if it fits this text: in bounds, on
    /// character boundaries, and where its line/column say (else the file
    /// changed since the scan, or the facts are wrong).
    fn source_span(&self, span: &Span) -> Option<SourceSpan> {
        let (start, end) = (span.start_byte as usize, span.end_byte as usize);
        let text = &self.text;
        if start > end
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
            || self.line_col(start).0 != span.start_line
            || self.line_col(end).0 != span.end_line
        {
            return None;
        }
        let end = if span.end_line - span.start_line >= MAX_LABEL_LINES {
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            text[start..line_end].trim_end_matches('\r').len() + start
        } else {
            end
        };
        let (start, end) = (
            escape::shift(&self.moved, start),
            escape::shift(&self.moved, end),
        );
        Some(SourceSpan::from((start, end - start)))
    }
}

/// The file of the current finding; `None` inside when unreadable. Findings
/// are sorted by path, so holding one file reads each once and keeps memory
/// flat on large scans (unsorted input only costs re-reads).
struct Files<'a> {
    root: &'a Path,
    current: Option<(String, Option<Source>)>,
}

impl<'a> Files<'a> {
    fn new(root: &'a Path) -> Self {
        Files {
            root,
            current: None,
        }
    }

    fn get(&mut self, rel: &str) -> Option<&Source> {
        if self.current.as_ref().is_none_or(|(path, _)| path != rel) {
            self.current = Some((rel.to_string(), read(&self.root.join(rel))));
        }
        self.current
            .as_ref()
            .and_then(|(_, source)| source.as_ref())
    }
}

/// The text the spans refer to, decoded as `engine::read_source` hands it
/// to the frontends (`lang::decode_file`), with secrets masked (masking
/// keeps every offset, line and column).
fn read(path: &Path) -> Option<Source> {
    let bytes = crate::source::read_for_report(path)?;
    let text = crate::lang::decode_file(path, bytes)?;
    let text = match redact::mask(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(masked) => masked,
    };
    Some(Source::new(text))
}

/// One finding as miette sees it. The header is printed separately, so no
/// `code()`: miette's header would need the column in bytes.
#[derive(Debug)]
struct FindingDiagnostic<'a> {
    message: &'a str,
    severity: Severity,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// ANSI styling for the parts miette does not draw, matching its theme.
#[derive(Clone, Copy)]
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }

    fn help(self, s: &str) -> String {
        self.wrap("36", s)
    }

    fn level(self, level: Level, s: &str) -> String {
        match level {
            Level::Error => self.wrap("1;31", s),
            Level::Warning => self.wrap("1;33", s),
            Level::Note => self.wrap("1;36", s),
        }
    }
}

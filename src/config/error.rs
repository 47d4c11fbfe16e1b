//! Configuration errors as `miette` diagnostics that point into the file.
//!
//! A configuration file may come with the scanned repository, so what an
//! error shows of it is bounded: messages, labels and help are cut to
//! `MAX_TEXT` characters with secrets masked and control characters
//! escaped; the source lines under an error are shown only when they are
//! short and plain (else the message says where); at most `MAX_RELATED`
//! further problems are listed.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

use crate::report::{escape, redact};

/// Longest message, label or help text shown, in characters.
const MAX_TEXT: usize = 300;
/// Problems listed after the first one.
const MAX_RELATED: usize = 20;
/// Source lines under an error are shown only when none is longer.
const MAX_SHOWN_LINE: usize = 300;

/// Text from or about the file as it may be shown: secrets masked, control
/// characters escaped, at most `MAX_TEXT` characters.
pub fn excerpt(s: &str) -> String {
    clip(s, MAX_TEXT)
}

/// `excerpt` with a limit of `max` characters (for a value quoted in a
/// message, so that the rest of the message stays).
pub fn clip(s: &str, max: usize) -> String {
    let masked = redact::mask(s);
    let escaped = escape::line(&masked);
    match escaped.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped.into_owned(),
    }
}

/// One configuration problem, optionally with the file and a labelled span.
/// Several problems found in one pass become one error with `related` ones.
/// Boxed: it travels in `Result`s on the happy path too.
#[derive(Debug, Clone)]
pub struct ConfigError(Box<Problem>);

#[derive(Debug, Clone)]
pub struct Problem {
    pub message: String,
    pub source: Option<NamedSource<Arc<String>>>,
    pub span: Option<Range<usize>>,
    pub label: Option<String>,
    pub help: Option<String>,
    pub related: Vec<ConfigError>,
}

impl std::ops::Deref for ConfigError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl std::ops::DerefMut for ConfigError {
    fn deref_mut(&mut self) -> &mut Problem {
        &mut self.0
    }
}

impl ConfigError {
    /// A problem without a file (command-line values, I/O errors).
    pub fn plain(message: impl Into<String>) -> Self {
        Self::shown(excerpt(&message.into()))
    }

    /// `message` already made safe to show.
    fn shown(message: String) -> Self {
        ConfigError(Box::new(Problem {
            message,
            source: None,
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }))
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(excerpt(&help.into()));
        self
    }

    /// Several problems as one error: the first one leads, the others follow.
    pub fn many(mut problems: Vec<ConfigError>) -> Option<ConfigError> {
        if problems.len() <= 1 {
            return problems.pop();
        }
        let total = problems.len();
        let name = problems[0]
            .source
            .as_ref()
            .map(|s| s.name().to_string())
            .unwrap_or_else(|| "the configuration".into());
        let mut all = ConfigError::plain(format!("{total} problems in {name}"));
        if total > MAX_RELATED {
            problems.truncate(MAX_RELATED);
            all = all.with_help(format!("the first {MAX_RELATED} are shown"));
        }
        all.related = problems;
        Some(all)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("synthlint::config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        self.source.as_ref()?;
        let span = SourceSpan::from(span);
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            self.label.clone(),
            span,
        ))))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|e| e as &dyn Diagnostic)))
    }
}

/// A configuration file's text, shared by every error that points into it.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// How the file is named in messages (relative to the current directory when possible).
    pub name: String,
    pub text: Arc<String>,
}

/// Whether the lines around `span` (one line of context each side, as
/// miette shows them) are short and free of control characters.
fn showable(text: &str, span: &Range<usize>) -> bool {
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i);
    let mut from = line_start(span.start);
    if from > 0 {
        from = line_start(from - 1);
    }
    let mut to = line_end(span.end);
    if to < text.len() {
        to = line_end(to + 1);
    }
    let shown = &text[from..to];
    shown.split('\n').all(|l| l.len() <= MAX_SHOWN_LINE)
        && matches!(escape::block(shown), Cow::Borrowed(_))
}

/// 1-based line and column (in characters) of byte `at`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..at].chars().count() + 1)
}

impl ConfigSource {
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> ConfigError {
        let text = self.text.as_str();
        let len = text.len();
        // Clamp so a stale or odd span can never make the renderer fail.
        let span = span
            .map(|r| r.start.min(len)..r.end.min(len).max(r.start.min(len)))
            .map(|r| {
                let start = (0..=r.start).rev().find(|&i| text.is_char_boundary(i));
                let end = (r.end..=len).find(|&i| text.is_char_boundary(i));
                start.unwrap_or(0)..end.unwrap_or(len)
            });
        let message = excerpt(&message.into());
        let Some(span) = span.clone().filter(|r| showable(text, r)) else {
            let at = span.map(|r| line_col(text, r.start));
            let name = clip(&self.name, MAX_TEXT);
            return ConfigError::shown(match at {
                Some((line, col)) => format!("{message} ({name}, line {line}, column {col})"),
                None => message,
            });
        };
        let mut err = ConfigError::plain(message);
        // Masking keeps every byte offset, so the span still fits.
        let shown = match redact::mask(text) {
            Cow::Borrowed(_) => self.text.clone(),
            Cow::Owned(masked) => Arc::new(masked),
        };
        let name = escape::line(&self.name).into_owned();
        err.source = Some(NamedSource::new(name, shown).with_language("TOML"));
        err.span = Some(span);
        err.label = Some(excerpt(&label.into()));
        err
    }

    /// A TOML syntax or deserialization error, at its span.
    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let message = e.message().trim().to_string();
        let label = short_label(&message);
        self.error(e.span(), format!("invalid {}: {message}", self.name), label)
    }
}

/// The label under the span: the message up to the first comma or colon,
/// which is the part that says what is wrong (`unknown field `foo``).
fn short_label(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let cut = first.find([',', ':']).unwrap_or(first.len());
    first[..cut].trim().to_string()
}

/// Render a report the way the CLI prints it. `color` picks the theme.
pub fn render(report: &miette::Report, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        // The renderer only fails on a broken span; the message still helps.
        out = format!("error: {report}");
    }
    out
}

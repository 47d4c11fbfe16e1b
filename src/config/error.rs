//! Configuration errors as `miette` diagnostics that point into the file.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

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
        ConfigError(Box::new(Problem {
            message: message.into(),
            source: None,
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }))
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
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

impl ConfigSource {
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> ConfigError {
        let len = self.text.len();
        // Clamp so a stale or odd span can never make the renderer fail.
        let span = span.map(|r| r.start.min(len)..r.end.min(len).max(r.start.min(len)));
        let mut err = ConfigError::plain(message);
        err.source = Some(NamedSource::new(&self.name, self.text.clone()).with_language("TOML"));
        err.span = span;
        err.label = Some(label.into());
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

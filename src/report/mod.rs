//! Reporters: render a `ScanResult`. Output is deterministic: sorted input,
//! no hash-map iteration, repo-relative paths only.
//!
//! Each output format of `check` is one file implementing [`Emitter`];
//! [`emitter`] picks it. `synthlint media` has its own reporters
//! ([`media`], [`sarif::write_media`], [`github::write_lines`]).

/// The [`Emitter`] of a format module whose `write(result, opts, out)`
/// renders the report.
macro_rules! emitter_of_write {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;

        impl $crate::report::Emitter for $name {
            fn emit(
                &self,
                result: &$crate::engine::ScanResult,
                opts: &$crate::report::ReportOptions,
                out: &mut dyn std::io::Write,
            ) -> std::io::Result<()> {
                write(result, opts, out)
            }
        }
    };
}

/// The [`Emitter`] of a format module whose `pieces(result, opts)` renders
/// the report in pieces ([`Emitter::render`]).
macro_rules! emitter_of_pieces {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;

        impl $crate::report::Emitter for $name {
            fn emit(
                &self,
                result: &$crate::engine::ScanResult,
                opts: &$crate::report::ReportOptions,
                out: &mut dyn std::io::Write,
            ) -> std::io::Result<()> {
                pieces(result, opts)?
                    .iter()
                    .try_for_each(|p| out.write_all(p))
            }

            fn render(
                &self,
                result: &$crate::engine::ScanResult,
                opts: &$crate::report::ReportOptions,
            ) -> std::io::Result<Vec<Vec<u8>>> {
                pieces(result, opts)
            }
        }
    };
}

pub mod columns;
pub mod concise;
pub mod escape;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod inventory;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod media;
pub mod pretty;
pub mod redact;
pub mod review;
pub mod sarif;
pub mod statistics;
pub mod text;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::engine::ScanResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets and a summary (the default).
    Text,
    /// One line per finding: `path:line:col: level[CODE] message`.
    Concise,
    /// The versioned JSON schema of docs/json-output.md.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab SAST report (`artifacts: reports: sast`).
    Gitlab,
    /// JUnit XML: one test case per finding, for CI test-report views.
    Junit,
    /// Counts by rule and by article.
    Statistics,
    /// Reviewer report in Markdown: findings by instrument and article,
    /// the endpoint inventory, passed checks, suppressions.
    Markdown,
    /// The reviewer report as one self-contained HTML page.
    Html,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
            Format::Statistics => "statistics",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }
}

/// What every report may say about the run besides its findings.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The commit checked out in the scanned repository, if known.
    pub commit: Option<String>,
    /// The configuration file used, relative to the root.
    pub config: Option<String>,
    /// Settings worth recording in a review (name, value), in order.
    pub settings: Vec<(String, String)>,
    /// Seconds since the Unix epoch when the scan started and ended.
    pub started: u64,
    pub finished: u64,
}

#[derive(Debug, Default)]
pub struct ReportOptions {
    pub color: bool,
    /// Leave suppressed findings out (GitHub shows them as open otherwise).
    pub omit_suppressed: bool,
    pub run: RunInfo,
}

/// One output format of `check`.
pub trait Emitter: Sync {
    fn emit(
        &self,
        result: &ScanResult,
        opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()>;

    /// The report as pieces to write in order. Formats that render their
    /// findings in chunks on the workers hand the chunks over as they are,
    /// so a large report is never copied into one buffer on one thread.
    fn render(&self, result: &ScanResult, opts: &ReportOptions) -> io::Result<Vec<Vec<u8>>> {
        let mut buf = Vec::new();
        self.emit(result, opts, &mut buf)?;
        Ok(vec![buf])
    }
}

/// The emitter of `format`.
pub fn emitter(format: Format) -> &'static dyn Emitter {
    match format {
        Format::Text => &text::Text,
        Format::Concise => &concise::Concise,
        Format::Json => &json::Json,
        Format::Sarif => &sarif::Sarif,
        Format::Github => &github::Github,
        Format::Gitlab => &gitlab::Gitlab,
        Format::Junit => &junit::Junit,
        Format::Statistics => &statistics::Statistics,
        Format::Markdown => &markdown::Markdown,
        Format::Html => &html::Html,
    }
}

/// Counts of a result's findings by state, for summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Suppressed inline or by configuration.
    pub suppressed: usize,
    /// Matched by the baseline file.
    pub baselined: usize,
    /// Present at the `--diff-base` commit too.
    pub unchanged: usize,
}

impl Counts {
    pub fn of(result: &ScanResult) -> Counts {
        use crate::finding::{Level, SuppressionKind};
        let mut c = Counts::default();
        for f in &result.findings {
            match f.suppression.as_ref().map(|s| s.kind()) {
                None => match f.level {
                    Level::Error => c.errors += 1,
                    Level::Warning => c.warnings += 1,
                    Level::Note => c.notes += 1,
                },
                Some(SuppressionKind::Baseline) => c.baselined += 1,
                Some(SuppressionKind::DiffBase) => c.unchanged += 1,
                Some(_) => c.suppressed += 1,
            }
        }
        c
    }

    pub fn active(&self) -> usize {
        self.errors + self.warnings + self.notes
    }
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// UTC `YYYY-MM-DDTHH:MM:SS` of a Unix time (GitLab's and JUnit's format).
pub fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(utc_timestamp(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(utc_timestamp(4_102_444_799), "2099-12-31T23:59:59");
    }
}

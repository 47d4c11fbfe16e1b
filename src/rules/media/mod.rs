//! Rules produced by `synthlint media`, which reads media files rather than
//! source code. They are kept out of [`crate::rules::all`] (the rules a
//! `check` runs), so they never appear in a source scan's SARIF or need
//! source fixtures; they are part of the catalogue ([`crate::rules::catalogue`])
//! for `rules`, `explain`, the generated docs and the SARIF of the media
//! command. They are tested by `tests/media.rs` on files the tests generate.

pub mod label_malformed;
pub mod label_missing;
pub mod label_wrong_carrier;
pub mod unreadable;

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::finding::{Finding, Level, Location};
use crate::implicit_label::aigc::{self, Checked};
use crate::implicit_label::media::{self, Found, MediaKind, Outcome, Reading, Scan};
use crate::rules::RuleMeta;
use crate::source::Span;

pub const LABEL_MISSING: &str = "LBL101";
pub const LABEL_MALFORMED: &str = "LBL102";
pub const LABEL_WRONG_CARRIER: &str = "LBL103";
pub const UNREADABLE: &str = "LBL104";

/// The media rules, in code order.
pub fn all() -> Vec<&'static RuleMeta> {
    vec![
        &label_missing::META,
        &label_malformed::META,
        &label_wrong_carrier::META,
        &unreadable::META,
    ]
}

/// The overall outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// An accepted carrier holds a label with no error-level problem.
    Labelled,
    /// An accepted carrier holds a label with errors.
    Malformed,
    /// Labels only in places readers do not look.
    WrongCarrier,
    /// No label anywhere.
    Missing,
    /// The file could not be read far enough to tell.
    Unreadable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Labelled => "labelled",
            Status::Malformed => "malformed",
            Status::WrongCarrier => "wrong-carrier",
            Status::Missing => "missing",
            Status::Unreadable => "unreadable",
        }
    }
}

/// One label found in a file, checked.
#[derive(Debug, Clone, Serialize)]
pub struct LabelReport {
    #[serde(flatten)]
    pub found: Found,
    #[serde(flatten)]
    pub checked: Checked,
}

/// Everything the command reports about one file.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Repo-relative path.
    pub path: String,
    /// The format read (from the content, else the extension).
    pub kind: Option<MediaKind>,
    pub status: Status,
    pub labels: Vec<LabelReport>,
    /// Findings of the media rules, sorted.
    pub findings: Vec<Finding>,
    /// Things to tell about reading the file that are no finding (the
    /// content is another format than the name says).
    pub notes: Vec<String>,
}

/// Read and judge one file: the media command's work on it.
pub fn inspect(abs: &Path, rel: &str) -> Inspection {
    judge(media::read(abs, rel))
}

/// The findings and status of what reading a file gave.
pub fn judge(reading: Reading) -> Inspection {
    let mut inspection = match reading.outcome {
        Outcome::Scanned(scan) => match reading.kind {
            Some(kind) => assess(&reading.path, kind, scan),
            None => unreadable(&reading.path, None, "The file could not be read.".into()),
        },
        Outcome::Unreadable(message) => unreadable(&reading.path, reading.kind, message),
    };
    inspection.notes.extend(reading.notes);
    inspection
}

fn unreadable(rel: &str, kind: Option<MediaKind>, message: String) -> Inspection {
    let mut f = finding(rel, UNREADABLE, Level::Error, message);
    if let Some(k) = kind {
        f.properties
            .insert("format", Value::String(k.as_str().into()));
    }
    Inspection {
        path: rel.to_owned(),
        kind,
        status: Status::Unreadable,
        labels: Vec::new(),
        findings: vec![f],
        notes: Vec::new(),
    }
}

/// Validate what a reader found and decide the findings.
pub fn assess(rel: &str, kind: MediaKind, scanned: Scan) -> Inspection {
    let labels: Vec<LabelReport> = scanned
        .found
        .into_iter()
        .map(|found| {
            let checked = aigc::check_text(found.key.as_deref(), &found.text);
            LabelReport { found, checked }
        })
        .collect();
    let mut findings = Vec::new();
    let accepted: Vec<&LabelReport> = labels.iter().filter(|l| l.found.accepted).collect();

    for l in &accepted {
        for p in &l.checked.problems {
            let mut f = finding(
                rel,
                LABEL_MALFORMED,
                p.level,
                format!("{} (in {}).", trim_period(&p.message), l.found.location),
            );
            f.properties
                .insert("check", Value::String(p.check.as_str().into()));
            if let Some(e) = &p.element {
                f.properties.insert("element", Value::String(e.clone()));
            }
            f.properties
                .insert("carrier", Value::String(l.found.carrier.clone()));
            f.properties
                .insert("place", Value::String(l.found.location.clone()));
            findings.push(f);
        }
    }
    // One label per file, counting every place a reader could find one.
    let all: Vec<&Checked> = labels.iter().map(|l| &l.checked).collect();
    if let Some(p) = aigc::check_single(&all) {
        let places: Vec<&str> = labels.iter().map(|l| l.found.location.as_str()).collect();
        let mut f = finding(
            rel,
            LABEL_MALFORMED,
            p.level,
            format!("{} Found in: {}.", p.message, places.join("; ")),
        );
        f.properties
            .insert("check", Value::String(p.check.as_str().into()));
        findings.push(f);
    }
    for l in labels.iter().filter(|l| !l.found.accepted) {
        // Without a label in the right place the file is effectively
        // unlabelled; beside one, the stray copy is a warning.
        let level = if accepted.is_empty() {
            Level::Error
        } else {
            Level::Warning
        };
        let mut f = finding(
            rel,
            LABEL_WRONG_CARRIER,
            level,
            format!(
                "An AIGC label is stored in {}, where readers of {} files do not look; write it to {}.",
                l.found.location,
                kind.name(),
                kind.expected_carriers()
            ),
        );
        f.properties
            .insert("carrier", Value::String(l.found.carrier.clone()));
        f.properties
            .insert("place", Value::String(l.found.location.clone()));
        findings.push(f);
    }
    for d in &scanned.damage {
        findings.push(finding(
            rel,
            UNREADABLE,
            Level::Error,
            format!("The {} file is damaged: {}", kind.name(), d),
        ));
    }
    if labels.is_empty() && scanned.damage.is_empty() {
        findings.push(finding(
            rel,
            LABEL_MISSING,
            Level::Error,
            format!(
                "No AIGC implicit label found; a generated {} file carries it in {}.",
                kind.name(),
                kind.expected_carriers()
            ),
        ));
    }
    for f in &mut findings {
        f.properties
            .insert("format", Value::String(kind.as_str().into()));
    }
    findings.sort_by(|a, b| {
        (a.rule, std::cmp::Reverse(a.level), &a.message).cmp(&(
            b.rule,
            std::cmp::Reverse(b.level),
            &b.message,
        ))
    });

    let status = if !accepted.is_empty() {
        let errors = findings
            .iter()
            .any(|f| f.rule == LABEL_MALFORMED && f.level == Level::Error);
        if errors {
            Status::Malformed
        } else {
            Status::Labelled
        }
    } else if !labels.is_empty() {
        Status::WrongCarrier
    } else if !scanned.damage.is_empty() {
        Status::Unreadable
    } else {
        Status::Missing
    };
    Inspection {
        path: rel.to_owned(),
        kind: Some(kind),
        status,
        labels,
        findings,
        notes: Vec::new(),
    }
}

fn trim_period(s: &str) -> &str {
    s.strip_suffix('.').unwrap_or(s)
}

/// A finding on a whole media file: line 1, no columns to speak of.
fn finding(rel: &str, rule: &'static str, level: Level, message: String) -> Finding {
    let span = Span {
        start_line: 1,
        end_line: 1,
        ..Span::default()
    };
    Finding::new(
        rule,
        level,
        message,
        Location {
            path: rel.into(),
            span,
        },
    )
}

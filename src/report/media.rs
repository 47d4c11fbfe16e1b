//! Text and JSON reports of `synthlint media` (SARIF goes through
//! [`crate::report::sarif::write_media`]). One entry per file, in path
//! order; the same input gives the same bytes.

use crate::report::escape::line;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::finding::{Finding, Level, Notification};
use crate::implicit_label::aigc::{ElementValue, Form, Problem};
use crate::implicit_label::media::MediaKind;
use crate::report::sarif::{INFORMATION_URI, TOOL_NAME};
use crate::rules;
use crate::rules::media::{Inspection, Status};

/// Schema version of the media JSON report.
pub const VERSION: u32 = 1;

/// Counts per status, for summaries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files: usize,
    pub labelled: usize,
    pub malformed: usize,
    pub wrong_carrier: usize,
    pub missing: usize,
    pub unreadable: usize,
}

impl Summary {
    pub fn of(files: &[Inspection]) -> Summary {
        let mut s = Summary {
            files: files.len(),
            ..Summary::default()
        };
        for f in files {
            match f.status {
                Status::Labelled => s.labelled += 1,
                Status::Malformed => s.malformed += 1,
                Status::WrongCarrier => s.wrong_carrier += 1,
                Status::Missing => s.missing += 1,
                Status::Unreadable => s.unreadable += 1,
            }
        }
        s
    }
}

// -------------------------------------------------------------------- text

pub fn write_text(
    files: &[Inspection],
    notifications: &[Notification],
    out: &mut dyn Write,
) -> io::Result<()> {
    for n in notifications {
        writeln!(
            out,
            "{}[{}]: {}: {}",
            n.level.as_str(),
            n.kind,
            line(n.path.as_deref().unwrap_or("-")),
            line(&n.message)
        )?;
    }
    for file in files {
        let format = file.kind.map_or("?", MediaKind::name);
        write!(
            out,
            "{}: {} ({format})",
            line(&file.path),
            file.status.as_str()
        )?;
        if let Some(label) = file
            .labels
            .iter()
            .find(|l| l.found.accepted && l.checked.form.is_some())
        {
            let shown: Vec<String> = ["Label", "ContentProducer", "ProduceID"]
                .iter()
                .filter_map(|name| {
                    let v = label.checked.element(name)?;
                    Some(format!("{name} {}", line(&element_text(v))))
                })
                .collect();
            if !shown.is_empty() {
                write!(out, " {}", shown.join(", "))?;
            }
            write!(out, " in {}", line(&label.found.location))?;
        }
        writeln!(out)?;
        for f in &file.findings {
            writeln!(
                out,
                "  {}[{}] {}",
                f.level.as_str(),
                f.rule,
                line(&f.message)
            )?;
        }
        for note in &file.notes {
            writeln!(out, "  note: {}", line(note))?;
        }
    }
    let s = Summary::of(files);
    writeln!(
        out,
        "\n{} file{}: {} labelled, {} malformed, {} wrong carrier, {} missing, {} unreadable",
        s.files,
        if s.files == 1 { "" } else { "s" },
        s.labelled,
        s.malformed,
        s.wrong_carrier,
        s.missing,
        s.unreadable
    )
}

fn element_text(v: &ElementValue) -> String {
    match v {
        ElementValue::String(s) => format!("\"{s}\""),
        ElementValue::Number(n) => n.clone(),
        ElementValue::Bool(b) => b.to_string(),
        ElementValue::Null => "null".into(),
        ElementValue::Array => "[...]".into(),
        ElementValue::Object => "{...}".into(),
        ElementValue::Unknown => "?".into(),
    }
}

// -------------------------------------------------------------------- JSON

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    files: Vec<JsonFile<'a>>,
    notifications: Vec<JsonNotification<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tool {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<&'static str>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    format: Option<MediaKind>,
    status: Status,
    labels: Vec<JsonLabel<'a>>,
    findings: Vec<JsonFinding<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    carrier: &'a str,
    location: &'a str,
    accepted: bool,
    key: Option<&'a str>,
    form: Option<Form>,
    value: &'a str,
    elements: Vec<JsonElement<'a>>,
    #[serde(rename = "wellFormed")]
    well_formed: bool,
    problems: &'a [Problem],
}

#[derive(Serialize)]
struct JsonElement<'a> {
    name: &'a str,
    #[serde(flatten)]
    value: &'a ElementValue,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    name: &'static str,
    level: Level,
    message: &'a str,
    check: Option<&'a str>,
    element: Option<&'a str>,
    carrier: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonNotification<'a> {
    level: Level,
    kind: &'a str,
    message: &'a str,
    path: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    #[serde(flatten)]
    status: Summary,
    by_level: ByLevel,
}

#[derive(Serialize, Default)]
struct ByLevel {
    error: usize,
    warning: usize,
    note: usize,
}

pub fn write_json(
    files: &[Inspection],
    notifications: &[Notification],
    out: &mut dyn Write,
) -> io::Result<()> {
    let prop = |f: &'_ Finding, k: &str| -> Option<String> {
        f.properties
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // Borrowing from the properties map needs the strings to live as long
    // as the report; collect them first.
    let props: Vec<Vec<[Option<String>; 3]>> = files
        .iter()
        .map(|file| {
            file.findings
                .iter()
                .map(|f| [prop(f, "check"), prop(f, "element"), prop(f, "carrier")])
                .collect()
        })
        .collect();
    let mut by_level = ByLevel::default();
    let json_files = files
        .iter()
        .zip(&props)
        .map(|(file, props)| JsonFile {
            path: &file.path,
            format: file.kind,
            status: file.status,
            labels: file
                .labels
                .iter()
                .map(|l| JsonLabel {
                    carrier: &l.found.carrier,
                    location: &l.found.location,
                    accepted: l.found.accepted,
                    key: l.found.key.as_deref(),
                    form: l.checked.form,
                    value: &l.found.text,
                    elements: l
                        .checked
                        .elements
                        .iter()
                        .map(|(name, value)| JsonElement { name, value })
                        .collect(),
                    well_formed: l.checked.is_well_formed(),
                    problems: &l.checked.problems,
                })
                .collect(),
            findings: file
                .findings
                .iter()
                .zip(props)
                .map(|(f, [check, element, carrier])| {
                    match f.level {
                        Level::Error => by_level.error += 1,
                        Level::Warning => by_level.warning += 1,
                        Level::Note => by_level.note += 1,
                    }
                    JsonFinding {
                        rule: f.rule,
                        name: rules::meta_by_code(f.rule).map_or("", |m| m.name),
                        level: f.level,
                        message: &f.message,
                        check: check.as_deref(),
                        element: element.as_deref(),
                        carrier: carrier.as_deref(),
                    }
                })
                .collect(),
            notes: &file.notes,
        })
        .collect();
    let report = Report {
        version: VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: env!("CARGO_PKG_VERSION"),
            information_uri: INFORMATION_URI,
            rules: rules::media::all().iter().map(|m| m.code).collect(),
        },
        files: json_files,
        notifications: notifications
            .iter()
            .map(|n| JsonNotification {
                level: n.level,
                kind: &n.kind,
                message: &n.message,
                path: n.path.as_deref(),
            })
            .collect(),
        summary: JsonSummary {
            status: Summary::of(files),
            by_level,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

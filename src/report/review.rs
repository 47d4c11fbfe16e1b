//! The reviewer report's content, shared by `--format markdown` and
//! `--format html`: findings grouped by instrument and article, the
//! endpoint inventory with each endpoint's label status, counts per article,
//! the checks that passed, the findings that were suppressed, baselined or
//! already at the diff base (with their reasons), and what was run.
//!
//! Everything comes from the `ScanResult`, so a result from the cache gives
//! the same report: the endpoints are GEN002's findings (one per endpoint,
//! with its route, content, models and providers as properties) and their
//! label status is whether LBL001, LBL002 and LBL008 reported them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine::ScanResult;
use crate::finding::{Finding, Location, Notification};
use crate::regulations::{Regulations, natural_key};
use crate::report::fingerprint::SourceCache;
use crate::report::{Counts, redact};
use crate::rules::{self, RuleMeta};
use crate::source::Span;

/// Longest snippet shown for one finding, in lines.
const SNIPPET_LINES: u32 = 12;

pub struct Review<'a> {
    /// The scanned directory's name.
    pub project: String,
    pub version: &'static str,
    pub counts: Counts,
    pub files: usize,
    /// Active findings in report order; groups refer to them by index.
    pub findings: Vec<Detail<'a>>,
    pub instruments: Vec<InstrumentGroup>,
    pub endpoints: Vec<EndpointRow>,
    /// Whether GEN002 ran, without which there is no inventory.
    pub inventory_available: bool,
    /// Rules that ran and have no active finding.
    pub passed: Vec<&'static RuleMeta>,
    /// Suppressed, baselined and unchanged findings, with their reasons.
    pub hidden: Vec<&'a Finding>,
    pub notifications: &'a [Notification],
}

pub struct Detail<'a> {
    pub finding: &'a Finding,
    pub meta: Option<&'static RuleMeta>,
    /// The finding's lines with secrets masked, as (first line number, text).
    pub snippet: Option<(u32, String)>,
}

pub struct InstrumentGroup {
    pub id: String,
    pub name: String,
    pub url: String,
    pub articles: Vec<ArticleGroup>,
}

pub struct ArticleGroup {
    pub id: String,
    /// `Art. 5(1): title`, or the title alone.
    pub heading: String,
    pub summary: String,
    pub url: String,
    /// Indices into `Review::findings`.
    pub findings: Vec<usize>,
}

pub struct EndpointRow {
    pub endpoint: String,
    pub location: Location,
    pub content: Vec<String>,
    pub models: Vec<String>,
    pub providers: Vec<String>,
    pub public: bool,
    pub implicit_label: Status,
    pub explicit_label: Status,
    pub label_gate: Status,
}

/// One duty's state at an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The rule reported the endpoint (and whether the finding is hidden).
    Finding { code: &'static str, hidden: bool },
    /// The rule ran and did not report the endpoint.
    NoFinding,
    /// The rule did not run.
    NotChecked,
    /// The duty does not apply here (why).
    NotApplicable(&'static str),
}

impl Status {
    pub fn label(&self) -> String {
        match self {
            Status::Finding {
                code,
                hidden: false,
            } => format!("missing ({code})"),
            Status::Finding { code, hidden: true } => format!("missing ({code}, suppressed)"),
            Status::NoFinding => "no finding".into(),
            Status::NotChecked => "not checked".into(),
            Status::NotApplicable(why) => format!("n/a ({why})"),
        }
    }
}

/// Duties of an endpoint that no rule checks yet; listed so that the report
/// never suggests they were looked at.
pub const NOT_YET_CHECKED: &[&str] = &["generation logs kept (records)", "user opt-out offered"];

impl<'a> Review<'a> {
    pub fn build(result: &'a ScanResult) -> Review<'a> {
        let mut cache = SourceCache::new(&result.root);
        let findings: Vec<Detail<'a>> = result
            .active()
            .map(|f| Detail {
                finding: f,
                meta: rules::meta_by_code(f.rule),
                snippet: masked_lines(&mut cache, &f.location),
            })
            .collect();
        let ran: Vec<&str> = result.rules.iter().map(|r| r.meta().code).collect();
        let mut passed: Vec<&'static RuleMeta> = result
            .rules
            .iter()
            .map(|r| r.meta())
            .filter(|m| !findings.iter().any(|d| d.finding.rule == m.code))
            .collect();
        passed.sort_by_key(|m| m.code);
        Review {
            project: result
                .root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| ".".into()),
            version: env!("CARGO_PKG_VERSION"),
            counts: Counts::of(result),
            files: result.stats.files,
            instruments: group(&findings),
            endpoints: endpoints(result, &ran),
            inventory_available: ran.contains(&"GEN002"),
            findings,
            passed,
            hidden: result
                .findings
                .iter()
                .filter(|f| f.suppression.is_some())
                .collect(),
            notifications: &result.notifications,
        }
    }

    /// Active findings per article, for the counts table: (article id,
    /// reference, count), in catalogue order.
    pub fn article_counts(&self) -> Vec<(&str, &str, usize)> {
        self.instruments
            .iter()
            .flat_map(|i| &i.articles)
            .map(|a| (a.id.as_str(), a.heading.as_str(), a.findings.len()))
            .collect()
    }
}

/// Instruments in id order, articles in reading order, each with the
/// findings whose rule implicates it.
fn group(findings: &[Detail<'_>]) -> Vec<InstrumentGroup> {
    let regs = Regulations::get();
    let mut by_article: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in findings.iter().enumerate() {
        for id in d.meta.map_or(&[][..], |m| m.articles) {
            by_article.entry(id).or_default().push(i);
        }
    }
    let mut instruments: BTreeMap<String, InstrumentGroup> = BTreeMap::new();
    for (id, indices) in by_article {
        let Some(a) = regs.article(id) else { continue };
        let inst = regs.instrument_of(a);
        let group = instruments
            .entry(inst.id.clone())
            .or_insert_with(|| InstrumentGroup {
                id: inst.id.clone(),
                name: inst.name.clone(),
                url: inst.url.clone(),
                articles: Vec::new(),
            });
        let cite = a.citation();
        group.articles.push(ArticleGroup {
            id: a.id.clone(),
            heading: if cite.is_empty() {
                a.title.clone()
            } else {
                format!("{cite}: {}", a.title)
            },
            summary: a.summary.clone(),
            url: a.url.clone(),
            findings: indices,
        });
    }
    let mut out: Vec<InstrumentGroup> = instruments.into_values().collect();
    for g in &mut out {
        g.articles.sort_by_key(|a| natural_key(&a.id));
    }
    out
}

/// The endpoints GEN002 reported, with the status of each label duty.
fn endpoints(result: &ScanResult, ran: &[&str]) -> Vec<EndpointRow> {
    let strings = |f: &Finding, key: &str| -> Vec<String> {
        match f.properties.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let status = |code: &'static str, f: &Finding, needs_media: bool| {
        let at = &f.location;
        if f.properties.get("entryKind").and_then(Value::as_str) == Some("cli") {
            return Status::NotApplicable("local tool");
        }
        if needs_media && strings(f, "contentTypes").iter().all(|c| c == "text") {
            return Status::NotApplicable("text only");
        }
        if !ran.contains(&code) {
            return Status::NotChecked;
        }
        match result
            .findings
            .iter()
            .find(|g| g.rule == code && &g.location == at)
        {
            Some(g) => Status::Finding {
                code,
                hidden: g.suppression.is_some(),
            },
            None => Status::NoFinding,
        }
    };
    result
        .findings
        .iter()
        .filter(|f| f.rule == "GEN002")
        .map(|f| EndpointRow {
            endpoint: f.message.split(" serves ").next().unwrap_or("").to_owned(),
            location: f.location.clone(),
            content: strings(f, "contentTypes"),
            models: strings(f, "models"),
            providers: strings(f, "providers"),
            public: f.properties.get("public") == Some(&Value::Bool(true)),
            implicit_label: status("LBL001", f, true),
            explicit_label: status("LBL002", f, false),
            label_gate: status("LBL008", f, false),
        })
        .collect()
}

/// The whole lines of a location (at most [`SNIPPET_LINES`]) with secrets
/// masked, and the number of the first.
fn masked_lines(cache: &mut SourceCache, loc: &Location) -> Option<(u32, String)> {
    let s = loc.span;
    let first = s.start_line.max(1);
    let last = s.end_line.max(first).min(first + SNIPPET_LINES - 1);
    let whole = Location {
        path: loc.path.clone(),
        span: Span {
            start_line: first,
            start_col: 1,
            end_line: last,
            end_col: u32::MAX,
            ..s
        },
    };
    let text = cache.snippet(&whole)?;
    if text.trim().is_empty() {
        return None;
    }
    Some((first, redact::mask(&text).into_owned()))
}

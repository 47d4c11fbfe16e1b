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
//!
//! [`document`] lays the report out once as blocks (headings, paragraphs,
//! tables, lists, code); `markdown.rs` and `html.rs` only render blocks.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine::ScanResult;
use crate::finding::{Finding, Level, Location, Notification};
use crate::regulations::{Regulations, natural_key};
use crate::report::columns::Columns;
use crate::report::fingerprint::SourceCache;
use crate::report::{Counts, RunInfo, plural};
use crate::rules::{self, RuleMeta};

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
        let ran: Vec<&str> = result.rules.iter().map(|m| m.code).collect();
        let mut passed: Vec<&'static RuleMeta> = result
            .rules
            .iter()
            .copied()
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
        if matches!(
            f.properties.get("entryKind").and_then(Value::as_str),
            Some("cli" | "desktop")
        ) {
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
    // Masked in the whole file: a key spread over lines (a PEM block in a
    // triple-quoted string) is masked in the lines shown too.
    let text = cache.masked_lines(&loc.path, first, last)?;
    if text.trim().is_empty() {
        return None;
    }
    Some((first, text))
}

/// A piece of text in a block.
#[derive(Debug, Clone)]
pub enum Inline {
    Text(String),
    /// Code or a path: monospace.
    Code(String),
    /// `href` is `#id` for a place in the report, else a URL.
    Link {
        text: String,
        href: String,
    },
    /// A finding's level, as a badge.
    Level(Level),
    /// A duty's status at an endpoint.
    Status(Status),
    /// De-emphasised text.
    Muted(String),
}

fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

/// A block of the report.
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    /// Level 2 to 4; `id` makes it a link target.
    Heading {
        level: u8,
        id: Option<String>,
        text: Vec<Inline>,
    },
    Para(Vec<Inline>),
    /// A small grey line (facts about the run, remarks).
    Meta(Vec<Inline>),
    /// The one-line summary, emphasised.
    Summary(String),
    /// Counts shown as cards (HTML) or left out (Markdown, which has the summary).
    Cards(Vec<(usize, &'static str)>),
    /// Header cells, then rows of cells; `numeric` columns align right.
    Table {
        head: Vec<&'static str>,
        numeric: Vec<usize>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    /// Source lines starting at `first`, in `language` (empty when unknown).
    Code {
        first: u32,
        language: &'static str,
        text: String,
    },
    /// One finding's blocks, kept together.
    Section {
        id: String,
        blocks: Vec<Block>,
    },
}

/// `path:line:col`.
pub fn place(l: &Location, cols: &Columns) -> String {
    let col = cols.at(&l.path, l.span.start_byte);
    format!("{}:{}:{col}", l.path, l.span.start_line)
}

/// The reviewer report as blocks, summary first.
pub fn document(result: &ScanResult, run: &RunInfo) -> Vec<Block> {
    let r = Review::build(result);
    let cols = &Columns::new(&result.root);
    let c = &r.counts;
    let mut doc = vec![Block::Title(format!("synthlint review: {}", r.project))];
    let mut facts = vec![text(format!("synthlint {}", r.version))];
    if let Some(commit) = &run.commit {
        facts.extend([text(" · commit "), code(commit.clone())]);
    }
    match &run.config {
        Some(cfg) => facts.extend([text(" · configuration "), code(cfg.clone())]),
        None => facts.push(text(" · no configuration file")),
    }
    facts.push(text(format!(" · {}", plural(r.files, "file", "files"))));
    doc.push(Block::Meta(facts));
    doc.push(Block::Summary(crate::report::text::summary(result)));
    doc.push(Block::Cards(vec![
        (c.errors, "errors"),
        (c.warnings, "warnings"),
        (c.notes, "notes"),
        (c.suppressed, "suppressed"),
        (c.baselined, "baselined"),
        (c.unchanged, "unchanged"),
    ]));

    doc.push(heading(2, Some("articles"), "Findings per article"));
    let counts = r.article_counts();
    if counts.is_empty() {
        doc.push(Block::Para(vec![text(
            "No active finding implicates an article.",
        )]));
    } else {
        doc.push(Block::Table {
            head: vec!["Article", "", "Findings"],
            numeric: vec![2],
            rows: counts
                .into_iter()
                .map(|(id, heading, n)| {
                    vec![
                        vec![link(id, &format!("#{id}"))],
                        vec![text(heading)],
                        vec![text(n.to_string())],
                    ]
                })
                .collect(),
        });
    }

    doc.push(heading(2, Some("endpoints"), "Endpoints"));
    if !r.inventory_available {
        doc.push(Block::Para(vec![text(
            "GEN002 did not run, so endpoints are not listed (enable it to see them).",
        )]));
    } else if r.endpoints.is_empty() {
        doc.push(Block::Para(vec![text(
            "No entry point reaches a generation call.",
        )]));
    } else {
        doc.push(Block::Table {
            head: vec![
                "Endpoint",
                "Where",
                "Content",
                "Models",
                "Providers",
                "Implicit label",
                "Explicit label",
                "Label switch gate",
            ],
            numeric: Vec::new(),
            rows: r
                .endpoints
                .iter()
                .map(|e| {
                    let mut name = vec![text(e.endpoint.clone())];
                    if e.public {
                        name.push(Inline::Muted(" (public)".into()));
                    }
                    vec![
                        name,
                        vec![code(place(&e.location, cols))],
                        vec![text(e.content.join(", "))],
                        vec![text(e.models.join(", "))],
                        vec![text(e.providers.join(", "))],
                        vec![Inline::Status(e.implicit_label.clone())],
                        vec![Inline::Status(e.explicit_label.clone())],
                        vec![Inline::Status(e.label_gate.clone())],
                    ]
                })
                .collect(),
        });
        doc.push(Block::Meta(vec![text(format!(
            "Not checked by any rule yet, for any endpoint: {}.",
            NOT_YET_CHECKED.join("; ")
        ))]));
    }

    doc.push(heading(
        2,
        Some("by-article"),
        "Findings by instrument and article",
    ));
    if r.instruments.is_empty() {
        doc.push(Block::Para(vec![text("Nothing to report.")]));
    }
    for inst in &r.instruments {
        doc.push(Block::Heading {
            level: 3,
            id: None,
            text: vec![text(format!("{}: ", inst.id)), link(&inst.name, &inst.url)],
        });
        for a in &inst.articles {
            doc.push(Block::Heading {
                level: 4,
                id: Some(a.id.clone()),
                text: vec![text(format!("{} {}", a.id, a.heading))],
            });
            doc.push(Block::Para(vec![
                text(format!("{} ", a.summary)),
                link("text", &a.url),
            ]));
            doc.push(Block::List {
                ordered: false,
                items: a
                    .findings
                    .iter()
                    .map(|&i| {
                        let f = r.findings[i].finding;
                        vec![
                            Inline::Level(f.level),
                            text(" "),
                            link(f.rule, &format!("#finding-{}", i + 1)),
                            text(" "),
                            code(place(&f.location, cols)),
                            text(format!(" {}", f.message)),
                        ]
                    })
                    .collect(),
            });
        }
    }

    if !r.findings.is_empty() {
        doc.push(heading(2, Some("findings"), "Findings"));
    }
    for (i, d) in r.findings.iter().enumerate() {
        doc.push(finding_section(i, d, cols));
    }

    doc.push(heading(2, Some("passed"), "Checks that passed"));
    if r.passed.is_empty() {
        doc.push(Block::Para(vec![text(
            "Every rule that ran reported something.",
        )]));
    } else {
        doc.push(Block::Table {
            head: vec!["Rule", "Name", "Articles"],
            numeric: Vec::new(),
            rows: r
                .passed
                .iter()
                .map(|m| {
                    vec![
                        vec![text(m.code)],
                        vec![text(m.name)],
                        vec![text(m.articles.join(", "))],
                    ]
                })
                .collect(),
        });
    }
    let skipped: Vec<&str> = rules::all()
        .iter()
        .map(|rule| rule.meta().code)
        .filter(|code| !result.rules.iter().any(|m| m.code == *code))
        .collect();
    if !skipped.is_empty() {
        doc.push(Block::Meta(vec![text(format!(
            "Not run (deselected): {}.",
            skipped.join(", ")
        ))]));
    }

    doc.push(heading(
        2,
        Some("hidden"),
        "Suppressed, baselined and unchanged findings",
    ));
    if r.hidden.is_empty() {
        doc.push(Block::Para(vec![text("None.")]));
    } else {
        doc.push(Block::Table {
            head: vec!["Rule", "Where", "How", "Reason"],
            numeric: Vec::new(),
            rows: r
                .hidden
                .iter()
                .filter_map(|f| {
                    let s = f.suppression.as_ref()?;
                    let reason = if s.justification.trim().is_empty() {
                        "(no reason given)"
                    } else {
                        s.justification.as_str()
                    };
                    Some(vec![
                        vec![text(f.rule)],
                        vec![code(place(&f.location, cols))],
                        vec![text(s.kind().as_str())],
                        vec![text(reason)],
                    ])
                })
                .collect(),
        });
    }

    if !r.notifications.is_empty() {
        doc.push(heading(2, Some("skipped"), "Files not analysed"));
        doc.push(Block::List {
            ordered: false,
            items: r
                .notifications
                .iter()
                .map(|n| {
                    vec![
                        text(format!("{}[{}] ", n.level.as_str(), n.kind)),
                        code(n.path.clone().unwrap_or_else(|| "-".into())),
                        text(format!(" {}", n.message)),
                    ]
                })
                .collect(),
        });
    }

    doc.push(heading(2, Some("configuration"), "Configuration"));
    doc.push(Block::List {
        ordered: false,
        items: run
            .settings
            .iter()
            .map(|(k, v)| vec![text(format!("{k}: ")), code(v.clone())])
            .collect(),
    });
    doc
}

fn heading(level: u8, id: Option<&str>, s: &str) -> Block {
    Block::Heading {
        level,
        id: id.map(str::to_owned),
        text: vec![text(s)],
    }
}

fn link(s: &str, href: &str) -> Inline {
    Inline::Link {
        text: s.to_owned(),
        href: href.to_owned(),
    }
}

/// One finding: header, message, snippet, code flow, related, articles.
fn finding_section(i: usize, d: &Detail<'_>, cols: &Columns) -> Block {
    let f = d.finding;
    let mut blocks = vec![
        Block::Heading {
            level: 3,
            id: None,
            text: vec![
                text(format!("{}. ", i + 1)),
                Inline::Level(f.level),
                text(format!(" {} {} ", f.rule, d.meta.map_or("", |m| m.name))),
                code(place(&f.location, cols)),
            ],
        },
        Block::Para(vec![text(f.message)]),
    ];
    if let Some((first, snippet)) = &d.snippet {
        blocks.push(Block::Code {
            first: *first,
            language: crate::walk::language_of(std::path::Path::new(f.location.path.as_str()))
                .map_or("", |l| l.as_str()),
            text: snippet.clone(),
        });
    }
    let steps =
        |title: &str, ordered: bool, steps: &[crate::finding::Related], out: &mut Vec<Block>| {
            if steps.is_empty() {
                return;
            }
            out.push(Block::Para(vec![text(title)]));
            out.push(Block::List {
                ordered,
                items: steps
                    .iter()
                    .map(|s| {
                        vec![
                            code(place(&s.location, cols)),
                            text(format!(" {}", s.message)),
                        ]
                    })
                    .collect(),
            });
        };
    steps("Code flow:", true, &f.flow, &mut blocks);
    steps("Related:", false, &f.related, &mut blocks);
    if let Some(m) = d.meta.filter(|m| !m.articles.is_empty()) {
        let mut line = vec![text("Articles: ")];
        for (n, a) in m.articles.iter().enumerate() {
            if n > 0 {
                line.push(text(", "));
            }
            line.push(link(a, &format!("#{a}")));
        }
        blocks.push(Block::Meta(line));
    }
    Block::Section {
        id: format!("finding-{}", i + 1),
        blocks,
    }
}

//! SARIF 2.1.0 reporter, shaped for what GitHub code scanning reads
//! (design.md §6) while staying useful to other SARIF consumers.
//!
//! The document is built from typed structs, so key order is fixed by the
//! code rather than by serde_json's map implementation, and every list is
//! sorted: the same `ScanResult` always gives the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::engine::ScanResult;
use crate::finding::{Finding, Level, Location as FindingLocation, Notification, Related};
use crate::regulations::{Regulations, natural_key};
use crate::report::columns::Columns;
use crate::report::fingerprint::{
    LINE_HASH_KEY, SYNTHLINT_KEY, SourceCache, synthlint_fingerprint,
};
use crate::report::json::canonical;
use crate::report::{ReportOptions, pretty};
use crate::rules::{self, RuleMeta};
use crate::source::Span;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const TOOL_NAME: &str = "synthlint";
pub const INFORMATION_URI: &str = "https://github.com/synthlint/synthlint";
/// `run.automationDetails.id`; the trailing slash makes it a GitHub category.
pub const AUTOMATION_ID: &str = "synthlint/";
/// `run.automationDetails.id` of `synthlint media` runs: its own category, so
/// uploading a media report does not close the alerts of a source scan.
pub const MEDIA_AUTOMATION_ID: &str = "synthlint-media/";
/// GitHub keeps at most this many results per run.
pub const GITHUB_RESULT_LIMIT: usize = 5000;
/// GitHub accepts at most this many tags per rule.
const MAX_TAGS: usize = 20;
const SRCROOT: &str = "%SRCROOT%";
/// Longest region text copied into `region.snippet`.
const MAX_SNIPPET_BYTES: usize = 2000;

/// Documentation page of a rule.
pub fn help_uri(code: &str) -> String {
    format!("{INFORMATION_URI}/blob/main/docs/rules/{code}.md")
}

emitter_of_pieces!(Sarif, "The `sarif` format.");

pub fn write(result: &ScanResult, opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    write_pieces(&pieces(result, opts)?, out)
}

/// The report in pieces to write in order ([`run_pieces`]).
pub fn pieces(result: &ScanResult, opts: &ReportOptions) -> io::Result<Vec<Vec<u8>>> {
    let findings = emitted(result, opts);
    let rule_table = rule_table(result, &findings);
    run_pieces(RunInput {
        root: &result.root,
        findings,
        rule_table,
        notifications: &result.notifications,
        automation_id: AUTOMATION_ID,
        artifacts: Artifacts::Text,
    })
}

/// The SARIF report of `synthlint media`: findings on media files, with
/// every media rule described in `rules[]`. Media files are binary, so
/// results carry no snippet and their fingerprints come from the finding
/// (rule, path, check, element, carrier), not from file lines.
pub fn write_media(
    root: &Path,
    findings: &[Finding],
    notifications: &[Notification],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut findings: Vec<&Finding> = findings.iter().collect();
    sort_findings(&mut findings);
    let mut table = BTreeMap::new();
    for m in rules::media::all() {
        table.insert(m.code, RuleSource::Known(m));
    }
    add_finding_rules(&mut table, &findings);
    let pieces = run_pieces(RunInput {
        root,
        findings,
        rule_table: table,
        notifications,
        automation_id: MEDIA_AUTOMATION_ID,
        artifacts: Artifacts::Binary,
    })?;
    write_pieces(&pieces, out)
}

fn write_pieces(pieces: &[Vec<u8>], out: &mut dyn Write) -> io::Result<()> {
    pieces.iter().try_for_each(|p| out.write_all(p))
}

/// The log of one run, in pieces to write in order. Its results are
/// rendered in chunks on the current pool and spliced into the rest of the
/// log, rendered with none: same bytes as one `to_writer_pretty` of the
/// whole (see `report::pretty`).
fn run_pieces(mut input: RunInput<'_>) -> io::Result<Vec<Vec<u8>>> {
    let count = input.findings.len();
    if count > GITHUB_RESULT_LIMIT {
        eprintln!(
            "warning: the SARIF report has {count} results; GitHub code scanning keeps only \
             the first {GITHUB_RESULT_LIMIT} of a run (narrow the scan, or use a baseline with --omit-suppressed)"
        );
    }
    let (root, artifacts) = (input.root, input.artifacts);
    let findings = std::mem::take(&mut input.findings);
    let (log, rule_index) = build_run(input);
    let parts = pretty::chunks(&findings, |a, b| a.location.path == b.location.path);
    let items = pretty::array_items(&parts, 3, |chunk| {
        results(root, chunk, &rule_index, artifacts)
    })?;
    let document = serde_json::to_vec_pretty(&log).map_err(io::Error::other)?;
    pretty::spliced(&document, "results", 3, items)
}

/// The results of `findings` (sorted by path, so each file is read once for
/// its snippets and fingerprints).
fn results(
    root: &Path,
    findings: &[&Finding],
    rule_index: &BTreeMap<&str, usize>,
    artifacts: Artifacts,
) -> Vec<SarifResult> {
    let mut cache = SourceCache::new(root);
    let cols = Columns::new(root);
    findings
        .iter()
        .map(|f| {
            let source = match artifacts {
                Artifacts::Text => Some(&mut cache),
                Artifacts::Binary => None,
            };
            sarif_result(f, rule_index[f.rule], &cols, source)
        })
        .collect()
}

// ------------------------------------------------------------------ model

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    automation_details: AutomationDetails,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    taxonomies: Vec<Taxonomy>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    supported_taxonomies: Vec<ComponentRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<&'static str>,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
struct Relationship {
    target: DescriptorRef,
    kinds: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorRef {
    id: String,
    index: usize,
    tool_component: ComponentRef,
}

#[derive(Serialize, Clone)]
struct ComponentRef {
    name: String,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Taxonomy {
    name: String,
    full_name: String,
    information_uri: String,
    is_comprehensive: bool,
    taxa: Vec<Taxon>,
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Taxon {
    id: String,
    name: String,
    short_description: Message,
    help_uri: String,
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn new(text: &str) -> Self {
        Message {
            text: sentence(text),
        }
    }
}

#[derive(Serialize)]
struct BaseUri {
    description: Message,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<SarifNotification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifNotification {
    level: &'static str,
    message: Message,
    descriptor: NotificationDescriptor,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct NotificationDescriptor {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Vec<SarifSuppression>>,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    properties: serde_json::Map<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<ArtifactContent>,
}

#[derive(Serialize)]
struct ArtifactContent {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    thread_flows: Vec<ThreadFlow>,
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
struct ThreadFlowLocation {
    location: Location,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
}

// --------------------------------------------------------------- building

/// A rule's metadata, or just its code for a finding whose rule is unknown
/// (which a consistent scan never produces; kept so `ruleIndex` stays valid).
#[derive(Clone, Copy)]
enum RuleSource {
    Known(&'static RuleMeta),
    Unknown(&'static str),
}

/// The findings a report shows, in output order.
pub(crate) fn emitted<'a>(result: &'a ScanResult, opts: &ReportOptions) -> Vec<&'a Finding> {
    let mut findings: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| !(opts.omit_suppressed && f.suppression.is_some()))
        .collect();
    // The engine already sorts; sorting again keeps hand-built results stable.
    sort_findings(&mut findings);
    findings
}

fn sort_findings(findings: &mut [&Finding]) {
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.location.span.cmp(&b.location.span))
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
}

/// Rules that ran plus any rule a finding names, keyed (and so ordered) by code.
fn rule_table(result: &ScanResult, findings: &[&Finding]) -> BTreeMap<&'static str, RuleSource> {
    let mut table = BTreeMap::new();
    for r in &result.rules {
        table.insert(r.code, RuleSource::Known(r));
    }
    add_finding_rules(&mut table, findings);
    table
}

fn add_finding_rules(table: &mut BTreeMap<&'static str, RuleSource>, findings: &[&Finding]) {
    for f in findings {
        table
            .entry(f.rule)
            .or_insert_with(|| match rules::meta_by_code(f.rule) {
                Some(m) => RuleSource::Known(m),
                None => RuleSource::Unknown(f.rule),
            });
    }
}

/// What the files behind a run's results are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Artifacts {
    /// Source text: snippets and line-based fingerprints.
    Text,
    /// Binary media: no snippets; fingerprints from the finding itself.
    Binary,
}

/// Everything one SARIF run is built from.
struct RunInput<'a> {
    root: &'a Path,
    findings: Vec<&'a Finding>,
    rule_table: BTreeMap<&'static str, RuleSource>,
    notifications: &'a [Notification],
    automation_id: &'static str,
    artifacts: Artifacts,
}

/// Instruments (in id order) with their articles (in reading order) that the
/// given rules cite; only ids present in the catalogue.
fn taxonomy_table(rules: &BTreeMap<&'static str, RuleSource>) -> Vec<(String, Vec<String>)> {
    let regs = Regulations::get();
    let mut by_instrument: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rule in rules.values() {
        let RuleSource::Known(m) = rule else { continue };
        for id in m.articles {
            if let Some(a) = regs.article(id) {
                let taxa = by_instrument.entry(a.instrument.clone()).or_default();
                if !taxa.iter().any(|t| t == id) {
                    taxa.push((*id).to_owned());
                }
            }
        }
    }
    by_instrument
        .into_iter()
        .map(|(inst, mut taxa)| {
            taxa.sort_by_key(|id| natural_key(id));
            (inst, taxa)
        })
        .collect()
}

/// The log of a run without its results ([`results`] renders those), and
/// each rule's `ruleIndex`.
fn build_run(input: RunInput<'_>) -> (Log, BTreeMap<&'static str, usize>) {
    let RunInput {
        root,
        rule_table,
        notifications,
        automation_id,
        ..
    } = input;
    let taxonomy_table = taxonomy_table(&rule_table);
    let rule_index: BTreeMap<&'static str, usize> = rule_table
        .keys()
        .enumerate()
        .map(|(i, code)| (*code, i))
        .collect();

    let rules = rule_table
        .values()
        .map(|r| rule_descriptor(*r, &taxonomy_table))
        .collect();
    let taxonomies = taxonomy_table
        .iter()
        .map(|(inst, taxa)| taxonomy(inst, taxa))
        .collect();
    let supported_taxonomies = taxonomy_table
        .iter()
        .enumerate()
        .map(|(index, (name, _))| ComponentRef {
            name: name.clone(),
            index,
        })
        .collect();

    let cols = Columns::new(root);
    let notifications = notifications
        .iter()
        .map(|n| notification(n, &cols))
        .collect();

    let mut base_ids = BTreeMap::new();
    // No `uri`: the checkout location is the consumer's to supply, and an
    // absolute path would leak the scanning machine's layout.
    base_ids.insert(
        SRCROOT,
        BaseUri {
            description: Message::new("The root of the scanned source tree"),
        },
    );

    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                    supported_taxonomies,
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: base_ids,
            automation_details: AutomationDetails { id: automation_id },
            column_kind: "unicodeCodePoints",
            taxonomies,
            results: Vec::new(),
        }],
    };
    (log, rule_index)
}

fn rule_descriptor(rule: RuleSource, taxonomies: &[(String, Vec<String>)]) -> Rule {
    let m = match rule {
        RuleSource::Known(m) => m,
        RuleSource::Unknown(code) => {
            let text =
                format!("Findings of {code}, a rule this version of synthlint does not describe.");
            return Rule {
                id: code.to_owned(),
                name: code.to_owned(),
                short_description: Message::new(&text),
                full_description: Message::new(&text),
                help: Help {
                    text: text.clone(),
                    markdown: text,
                },
                help_uri: help_uri(code),
                default_configuration: Configuration { level: "warning" },
                properties: RuleProperties {
                    tags: Vec::new(),
                    precision: None,
                    problem_severity: problem_severity(Level::Warning),
                    security_severity: None,
                },
                relationships: Vec::new(),
            };
        }
    };
    let mut tags = vec![m.category.as_str().to_owned()];
    for id in m.articles {
        if !tags.iter().any(|t| t == id) {
            tags.push((*id).to_owned());
        }
    }
    tags.truncate(MAX_TAGS);

    let mut relationships = Vec::new();
    for id in m.articles {
        let found = taxonomies
            .iter()
            .enumerate()
            .find_map(|(ti, (name, taxa))| {
                let xi = taxa.iter().position(|t| t == id)?;
                Some((ti, name, xi))
            });
        if let Some((ti, name, xi)) = found {
            relationships.push(Relationship {
                target: DescriptorRef {
                    id: (*id).to_owned(),
                    index: xi,
                    tool_component: ComponentRef {
                        name: name.clone(),
                        index: ti,
                    },
                },
                kinds: ["relevant"],
            });
        }
    }

    let (text, markdown) = help(m);
    Rule {
        id: m.code.to_owned(),
        name: m.name.to_owned(),
        short_description: Message::new(m.summary),
        full_description: Message::new(&full_description(m)),
        help: Help { text, markdown },
        help_uri: help_uri(m.code),
        default_configuration: Configuration {
            level: m.default_level.as_str(),
        },
        properties: RuleProperties {
            tags,
            precision: Some(m.precision.as_str()),
            problem_severity: problem_severity(m.default_level),
            security_severity: Some(m.security_severity),
        },
        relationships,
    }
}

/// GitHub's `problem.severity` vocabulary.
fn problem_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "recommendation",
    }
}

/// The first paragraph of the doc's `## What it does`, on one line.
fn full_description(m: &RuleMeta) -> String {
    let doc = m.doc;
    let section = doc
        .find("## What it does")
        .map(|i| &doc[i + "## What it does".len()..])
        .map(|s| s.split("\n## ").next().unwrap_or(s))
        .and_then(|s| s.trim().split("\n\n").next())
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty());
    section.unwrap_or_else(|| m.summary.to_owned())
}

/// `help.text` and `help.markdown`: the rule doc followed by the articles it
/// implicates with their titles, since GitHub shows neither taxa nor tags'
/// meaning.
fn help(m: &RuleMeta) -> (String, String) {
    let regs = Regulations::get();
    let doc = m.doc.trim();
    let mut text = format!("{}\n\n{doc}\n", sentence(m.summary));
    let mut md = text.clone();
    if !m.articles.is_empty() {
        text += "\nArticles:\n";
        md += "\n## Articles\n\n";
        for id in m.articles {
            match (regs.article(id), regs.reference(id)) {
                (Some(a), Some(reference)) => {
                    text += &format!("- {id}: {reference}. {} {}\n", a.summary, a.url);
                    md += &format!("- **{id}**: [{reference}]({}). {}\n", a.url, a.summary);
                }
                _ => {
                    text += &format!("- {id}\n");
                    md += &format!("- **{id}**\n");
                }
            }
        }
    }
    (text, md)
}

fn taxonomy(inst_id: &str, taxa: &[String]) -> Taxonomy {
    let regs = Regulations::get();
    let inst = &regs.instruments[inst_id];
    let mut properties = BTreeMap::new();
    properties.insert("jurisdiction", inst.jurisdiction.clone());
    properties.insert("inForce", inst.in_force.clone());
    if let Some(native) = &inst.native_name {
        properties.insert("nativeName", native.clone());
    }
    Taxonomy {
        name: inst.id.clone(),
        full_name: inst.name.clone(),
        information_uri: inst.url.clone(),
        is_comprehensive: false,
        taxa: taxa
            .iter()
            .map(|id| {
                let a = &regs.articles[id];
                let mut properties = BTreeMap::new();
                properties.insert("number", a.number.clone());
                properties.insert("inForce", a.in_force.clone());
                if let Some(former) = &a.former_number {
                    properties.insert("formerNumber", former.clone());
                }
                if let Some(v) = &a.verification {
                    properties.insert("verification", v.clone());
                }
                Taxon {
                    id: a.id.clone(),
                    name: a.title.clone(),
                    short_description: Message::new(&a.summary),
                    help_uri: a.url.clone(),
                    properties,
                }
            })
            .collect(),
        properties,
    }
}

/// A result; `source` reads the finding's file for snippets and line
/// fingerprints, `None` for binary files.
fn sarif_result(
    f: &Finding,
    rule_index: usize,
    cols: &Columns,
    source: Option<&mut SourceCache>,
) -> SarifResult {
    let mut partial_fingerprints = BTreeMap::new();
    let mut primary = location(&f.location, cols, None, None);
    match source {
        Some(cache) => {
            let fp = cache.fingerprints(f);
            if let Some(h) = fp.line_hash {
                partial_fingerprints.insert(LINE_HASH_KEY, h);
            }
            partial_fingerprints.insert(SYNTHLINT_KEY, fp.synthlint);
            // Lets viewers without the checkout see the code; huge regions (a
            // whole function) are left out rather than cut, to keep the
            // report small. Secrets are masked with the whole file as
            // context (a PEM block, `api_key=` on the line).
            if let (Some(region), Some(text)) = (
                primary.physical_location.region.as_mut(),
                cache.masked_snippet(&f.location),
            ) && !text.trim().is_empty()
                && text.len() <= MAX_SNIPPET_BYTES
            {
                region.snippet = Some(ArtifactContent { text });
            }
        }
        None => {
            let (line_hash, synthlint) = binary_fingerprints(f);
            partial_fingerprints.insert(LINE_HASH_KEY, line_hash);
            partial_fingerprints.insert(SYNTHLINT_KEY, synthlint);
        }
    }
    if let Some(symbol) = &f.symbol {
        primary.logical_locations.push(LogicalLocation {
            fully_qualified_name: symbol.to_string(),
        });
    }
    let related_locations = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| related(r, cols, Some(i + 1)))
        .collect();
    let code_flows = if f.flow.is_empty() {
        Vec::new()
    } else {
        vec![CodeFlow {
            thread_flows: vec![ThreadFlow {
                locations: f
                    .flow
                    .iter()
                    .map(|step| ThreadFlowLocation {
                        location: related(step, cols, None),
                    })
                    .collect(),
            }],
        }]
    };
    let suppressions = f.suppression.as_ref().map(|s| {
        vec![SarifSuppression {
            kind: if s.kind == "inline" {
                "inSource"
            } else {
                "external"
            },
            justification: s.justification.trim().to_owned(),
            location: s.location.as_ref().map(|l| location(l, cols, None, None)),
        }]
    });
    let properties = match canonical(&Value::Object(f.properties.to_json())) {
        Value::Object(m) => m,
        _ => unreachable!("canonical keeps objects"),
    };

    SarifResult {
        rule_id: f.rule.to_owned(),
        rule_index,
        level: f.level.as_str(),
        message: Message::new(&f.message),
        locations: vec![primary],
        related_locations,
        code_flows,
        partial_fingerprints,
        suppressions,
        properties,
    }
}

/// Fingerprints of a finding on a binary file. Hashing "lines" of a PNG
/// (what GitHub's upload action would do when none is given) changes with
/// every re-encode and says nothing; the problem itself is what identifies
/// the alert: rule, path and the finding's check, element, carrier and place
/// (its message when it has none of these). The line hash keeps GitHub's
/// `hex:n` shape.
fn binary_fingerprints(f: &Finding) -> (String, String) {
    let prop = |k: &str| {
        f.properties
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut identity = [
        prop("check"),
        prop("element"),
        prop("carrier"),
        prop("place"),
    ]
    .join("\u{1}");
    if identity.chars().all(|c| c == '\u{1}') {
        identity = f.message.to_string();
    }
    let synthlint = synthlint_fingerprint(f.rule, &f.location.path, None, &identity);
    let line_hash = format!("{}:1", &synthlint[..16]);
    (line_hash, synthlint)
}

fn related(r: &Related, cols: &Columns, id: Option<usize>) -> Location {
    location(&r.location, cols, id, Some(Message::new(&r.message)))
}

fn location(
    l: &FindingLocation,
    cols: &Columns,
    id: Option<usize>,
    message: Option<Message>,
) -> Location {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&l.path, cols.root()),
            region: Some(region(&l.span, cols.of(&l.path, &l.span))),
        },
        logical_locations: Vec::new(),
        message,
    }
}

fn notification(n: &Notification, cols: &Columns) -> SarifNotification {
    let locations = n
        .path
        .as_deref()
        .map(|path| Location {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: artifact(path, cols.root()),
                region: n.span.as_ref().map(|s| region(s, cols.of(path, s))),
            },
            logical_locations: Vec::new(),
            message: None,
        })
        .into_iter()
        .collect();
    SarifNotification {
        level: n.level.as_str(),
        message: Message::new(&n.message),
        descriptor: NotificationDescriptor { id: n.kind.clone() },
        locations,
    }
}

fn artifact(path: &str, root: &Path) -> ArtifactLocation {
    ArtifactLocation {
        uri: path_to_uri(&repo_relative(path, root)),
        uri_base_id: SRCROOT,
    }
}

/// A SARIF region: 1-based, end column exclusive, never inverted.
/// `(start_col, end_col)` are the span's columns (`Columns::of`).
fn region(span: &Span, (start_col, end_col): (u32, u32)) -> Region {
    let start_line = span.start_line.max(1);
    let start_column = start_col.max(1);
    let end_line = span.end_line.max(start_line);
    let end_column = if end_line == start_line {
        end_col.max(start_column)
    } else {
        end_col.max(1)
    };
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
        snippet: None,
    }
}

/// Paths are repo-relative already; this is the guard that keeps an absolute
/// path out of the report even if one slips through.
pub(crate) fn repo_relative(path: &str, root: &Path) -> String {
    let p = Path::new(path);
    let rel = if p.is_absolute() {
        match p.strip_prefix(root) {
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    } else {
        path.to_owned()
    };
    // Paths use `/` already; on Windows a `\\` can only be a separator,
    // elsewhere it is part of a file name (`a\\b.py` is not `a/b.py`).
    let rel = if cfg!(windows) {
        rel.replace('\\', "/")
    } else {
        rel
    };
    rel.trim_start_matches("./")
        .trim_start_matches('/')
        .to_owned()
}

/// Percent-encode a relative path for a URI reference: everything but RFC
/// 3986 unreserved characters and `/` (so `:` in a file name cannot look
/// like a scheme, and spaces or CJK names stay valid).
fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF asks for messages that are complete sentences (SARIF2001).
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        return "(no message).".to_owned();
    }
    if s.ends_with(['.', '!', '?']) {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded_and_relative() {
        assert_eq!(path_to_uri("src/app.py"), "src/app.py");
        assert_eq!(
            path_to_uri("my dir/标识.py"),
            "my%20dir/%E6%A0%87%E8%AF%86.py"
        );
        assert_eq!(path_to_uri("a:b#c%.py"), "a%3Ab%23c%25.py");
        let root = Path::new("/home/u/repo");
        assert_eq!(repo_relative("/home/u/repo/src/a.py", root), "src/a.py");
        assert_eq!(repo_relative("/elsewhere/b.py", root), "b.py");
        // A backslash is part of a Unix file name, a separator on Windows.
        let sep = if cfg!(windows) {
            "src/c.py"
        } else {
            "src\\c.py"
        };
        assert_eq!(repo_relative("./src\\c.py", root), sep);
    }

    #[test]
    fn regions_are_never_inverted() {
        let r = region(&Span::default(), (0, 0));
        assert_eq!(
            (r.start_line, r.start_column, r.end_line, r.end_column),
            (1, 1, 1, 1)
        );
        let r = region(
            &Span {
                start_line: 3,
                end_line: 3,
                ..Span::default()
            },
            (9, 2),
        );
        assert_eq!(
            (r.start_line, r.start_column, r.end_line, r.end_column),
            (3, 9, 3, 9)
        );
    }

    /// A region holding only a literal is masked when its line names it a
    /// secret; the columns cut the same text out of the masked line.
    #[test]
    fn snippets_are_masked_with_their_line_as_context() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.py"),
            "x = 1\nconnect(host, password=\"s3cr3t-value\", port=1)\ny = '生成'\n",
        )
        .unwrap();
        let mut cache = SourceCache::new(dir.path());
        let loc = |start_line, start_byte, end_line, end_byte| FindingLocation {
            path: "a.py".into(),
            span: Span {
                start_line,
                start_byte,
                end_line,
                end_byte,
            },
        };
        // `"s3cr3t-value"` alone, then the whole argument, then two lines.
        assert_eq!(
            cache.masked_snippet(&loc(2, 29, 2, 43)).unwrap(),
            "\"************\""
        );
        assert_eq!(
            cache.masked_snippet(&loc(2, 20, 2, 43)).unwrap(),
            "password=\"************\""
        );
        assert_eq!(
            cache.masked_snippet(&loc(2, 45, 3, 65)).unwrap(),
            "port=1)\ny = '生成'"
        );
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("a call"), "a call.");
        assert_eq!(sentence("done. "), "done.");
        assert_eq!(sentence("why?"), "why?");
        assert_eq!(sentence(""), "(no message).");
    }

    #[test]
    fn every_rule_has_complete_help() {
        for m in rules::catalogue() {
            let (text, md) = help(m);
            assert!(text.contains(m.doc.trim()));
            for id in m.articles {
                assert!(md.contains(&format!("**{id}**")), "{}: {id}", m.code);
                let title = &Regulations::get().article(id).unwrap().title;
                assert!(text.contains(title.as_str()), "{}: {id}", m.code);
            }
            let full = full_description(m);
            assert!(!full.contains('\n') && !full.is_empty(), "{}", m.code);
        }
    }
}

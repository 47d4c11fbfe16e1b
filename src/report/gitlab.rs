//! `--format gitlab`: a GitLab SAST report (schema 15.2.1, validated in
//! `tests/formats.rs` against the published schema), for
//! `artifacts: reports: sast:` in `.gitlab-ci.yml`. Active findings only:
//! GitLab has no notion of a suppressed vulnerability. Each carries the
//! rule and its articles as identifiers, the code flow as details and our
//! line-independent fingerprint as its tracking signature, so GitLab
//! follows it across edits. Texts from the scan (messages, paths, symbols)
//! have their control characters made visible (`escape::line`): GitLab shows
//! them to reviewers.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::engine::ScanResult;
use crate::finding::{Finding, Level, Location};
use crate::regulations::Regulations;
use crate::report::escape::line;
use crate::report::fingerprint::{SYNTHLINT_KEY, SourceCache};
use crate::report::json::canonical;
use crate::report::sarif::{INFORMATION_URI, TOOL_NAME, help_uri};
use crate::report::{Emitter, ReportOptions, pretty, utc_timestamp};
use crate::rules;

pub const SCHEMA_VERSION: &str = "15.2.1";

/// The `gitlab` format.
pub struct Gitlab;

impl Emitter for Gitlab {
    fn emit(
        &self,
        result: &ScanResult,
        opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.render(result, opts)?
            .iter()
            .try_for_each(|p| out.write_all(p))
    }

    fn render(&self, result: &ScanResult, opts: &ReportOptions) -> io::Result<Vec<Vec<u8>>> {
        let tool = json!({
            "id": TOOL_NAME,
            "name": TOOL_NAME,
            "url": INFORMATION_URI,
            "version": env!("CARGO_PKG_VERSION"),
            "vendor": {"name": TOOL_NAME},
        });
        let messages: Vec<Value> = result
            .notifications
            .iter()
            .map(|n| {
                let level = if n.level == Level::Note {
                    "info"
                } else {
                    "warn"
                };
                let value = match &n.path {
                    Some(p) => format!("{p}: {}", n.message),
                    None => n.message.clone(),
                };
                let value = line(&value);
                json!({"level": level, "value": value})
            })
            .collect();
        // Fingerprints read the files: in chunks on the current pool. The
        // occurrence count runs over them in order; the vulnerabilities are
        // then rendered in chunks and spliced into the rest of the report
        // (see `report::pretty`).
        let active: Vec<&Finding> = result.active().collect();
        let same_file = |a: &&Finding, b: &&Finding| a.location.path == b.location.path;
        let fingerprints = pretty::map_chunks(&pretty::chunks(&active, same_file), |chunk| {
            let mut cache = SourceCache::new(&result.root);
            chunk.iter().map(|f| cache.synthlint(f)).collect::<Vec<_>>()
        })
        .concat();
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        let numbered: Vec<(&Finding, &str, usize)> = active
            .iter()
            .zip(&fingerprints)
            .map(|(f, fp)| {
                // Identical findings share a fingerprint; the id must not.
                let n = seen.entry(fp).or_default();
                *n += 1;
                (*f, fp.as_str(), *n)
            })
            .collect();
        let parts = pretty::chunks(&numbered, |a, b| same_file(&a.0, &b.0));
        let items = pretty::array_items(&parts, 1, |chunk| {
            chunk
                .iter()
                .map(|(f, fp, n)| canonical(&vulnerability(f, fp, *n)))
                .collect()
        })?;
        let report = json!({
            "version": SCHEMA_VERSION,
            "schema": format!(
                "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{SCHEMA_VERSION}/dist/sast-report-format.json"
            ),
            "scan": {
                "analyzer": tool,
                "scanner": tool,
                "type": "sast",
                "status": "success",
                "start_time": utc_timestamp(opts.run.started),
                "end_time": utc_timestamp(opts.run.finished.max(opts.run.started)),
                "messages": messages,
            },
            "vulnerabilities": [],
        });
        let document = serde_json::to_vec_pretty(&canonical(&report)).map_err(io::Error::other)?;
        pretty::spliced(&document, "vulnerabilities", 1, items)
    }
}

fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "High",
        Level::Warning => "Medium",
        Level::Note => "Info",
    }
}

fn file_location(l: &Location) -> Value {
    let s = &l.span;
    json!({
        "type": "file-location",
        "file_name": line(&l.path),
        "line_start": s.start_line.max(1),
        "line_end": s.end_line.max(s.start_line).max(1),
    })
}

fn vulnerability(f: &Finding, fingerprint: &str, occurrence: usize) -> Value {
    let regs = Regulations::get();
    let meta = rules::meta_by_code(f.rule);
    let mut identifiers = vec![json!({
        "type": "synthlint_rule",
        "name": match meta {
            Some(m) => format!("{} {}", m.code, m.name),
            None => f.rule.to_owned(),
        },
        "value": f.rule,
        "url": help_uri(f.rule),
    })];
    for id in meta.map_or(&[][..], |m| m.articles) {
        if let (Some(a), Some(reference)) = (regs.article(id), regs.reference(id)) {
            identifiers.push(json!({
                "type": "regulation_article",
                "name": reference,
                "value": id,
                "url": a.url,
            }));
        }
    }
    let s = &f.location.span;
    let mut location = json!({
        "file": line(&f.location.path),
        "start_line": s.start_line.max(1),
        "end_line": s.end_line.max(s.start_line).max(1),
    });
    if let Some(symbol) = &f.symbol {
        location["method"] = json!(line(symbol));
    }
    let mut v = json!({
        "id": format!("{fingerprint}-{occurrence}"),
        "name": meta.map_or_else(|| f.rule.to_owned(), |m| m.summary.trim_end_matches('.').to_owned()),
        "description": line(&f.message),
        "severity": severity(f.level),
        "solution": format!("See `synthlint explain {}` or {}", f.rule, help_uri(f.rule)),
        "identifiers": identifiers,
        "location": location,
        "links": [{"name": format!("{} documentation", f.rule), "url": help_uri(f.rule)}],
        "tracking": {
            "type": "source",
            "items": [{
                "file": line(&f.location.path),
                "start_line": s.start_line.max(1),
                "end_line": s.end_line.max(s.start_line).max(1),
                "signatures": [{"algorithm": SYNTHLINT_KEY, "value": fingerprint}],
            }],
        },
    });
    if f.flow.len() > 1 {
        let last = f.flow.len() - 1;
        let nodes: Vec<Value> = f
            .flow
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let node_type = match i {
                    0 => "source",
                    i if i == last => "sink",
                    _ => "propagation",
                };
                json!({
                    "type": "code-flow-node",
                    "node_type": node_type,
                    "file_location": file_location(&step.location),
                })
            })
            .collect();
        v["details"] = json!({
            "code_flow": {"name": "Code flow", "type": "code-flows", "items": [nodes]},
        });
    }
    v
}

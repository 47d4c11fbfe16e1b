//! JSON reporter: a small, stable schema for scripts and dashboards,
//! documented field by field in `docs/json-output.md`.
//!
//! Stability rules: `version` changes only when a field is removed, renamed
//! or changes meaning; new fields may appear at any time. Every documented
//! field is always present (`null` or `[]` when empty), so consumers never
//! need to tell "absent" from "empty".

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::engine::ScanResult;
use crate::finding::{Finding, Level, Location, Notification, Related};
use crate::report::columns::Columns;
use crate::report::fingerprint::SourceCache;
use crate::report::sarif::{self, INFORMATION_URI, TOOL_NAME};
use crate::report::{ReportOptions, pretty};
use crate::rules;
use crate::source::Span;

/// Schema version of this output.
pub const VERSION: u32 = 1;

emitter_of_pieces!(Json, "The `json` format.");

pub fn write(result: &ScanResult, opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    pieces(result, opts)?
        .iter()
        .try_for_each(|p| out.write_all(p))
}

/// The report in pieces to write in order. The findings are rendered in
/// chunks on the current pool and spliced into the rest of the report,
/// rendered with none: same bytes as one `to_writer_pretty` of the whole
/// (see `report::pretty`).
pub fn pieces(result: &ScanResult, opts: &ReportOptions) -> io::Result<Vec<Vec<u8>>> {
    let emitted = sarif::emitted(result, opts);
    let parts = pretty::chunks(&emitted, |a, b| a.location.path == b.location.path);
    let items = pretty::array_items(&parts, 1, |chunk| records(&result.root, chunk))?;
    let document = serde_json::to_vec_pretty(&build(result)).map_err(io::Error::other)?;
    pretty::spliced(&document, "findings", 1, items)
}

/// A copy of `v` with object keys in sorted order at every depth, so output
/// does not depend on whether serde_json preserves insertion order (a
/// feature another crate in the build may switch on).
pub(crate) fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[derive(Serialize)]
struct Report {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding>,
    notifications: Vec<JsonNotification>,
    summary: Summary,
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
struct JsonFinding {
    rule: &'static str,
    name: &'static str,
    level: Level,
    message: String,
    path: String,
    region: Region,
    symbol: Option<String>,
    articles: Vec<&'static str>,
    related: Vec<Step>,
    flow: Vec<Step>,
    properties: Value,
    suppression: Option<JsonSuppression>,
    fingerprint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

impl Region {
    /// The region of `s` in the file at `path`, columns read from its text.
    fn of(cols: &Columns, path: &str, s: &Span) -> Self {
        let (start_column, end_column) = cols.of(path, s);
        Region {
            start_line: s.start_line,
            start_column,
            end_line: s.end_line,
            end_column,
        }
    }
}

#[derive(Serialize)]
struct Step {
    path: String,
    region: Region,
    message: String,
}

#[derive(Serialize)]
struct JsonSuppression {
    kind: String,
    justification: String,
    path: Option<String>,
    region: Option<Region>,
}

#[derive(Serialize)]
struct JsonNotification {
    level: Level,
    kind: String,
    message: String,
    path: Option<String>,
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    by_level: ByLevel,
    suppressed: usize,
    files: usize,
}

#[derive(Serialize)]
struct ByLevel {
    error: usize,
    warning: usize,
    note: usize,
}

/// The JSON records of `findings` (sorted by path, so each file is read
/// once for its fingerprints).
fn records(root: &std::path::Path, findings: &[&Finding]) -> Vec<JsonFinding> {
    let path = |p: &str| sarif::repo_relative(p, root);
    let cols = Columns::new(root);
    let region = |l: &Location| Region::of(&cols, &l.path, &l.span);
    let step = |r: &Related| Step {
        path: path(&r.location.path),
        region: region(&r.location),
        message: r.message.to_string(),
    };
    let mut cache = SourceCache::new(root);
    findings
        .iter()
        .map(|f| {
            let fingerprint = cache.synthlint(f);
            let meta = rules::by_code(f.rule).map(|r| r.meta());
            JsonFinding {
                rule: f.rule,
                name: meta.map_or("", |m| m.name),
                level: f.level,
                message: f.message.to_string(),
                path: path(&f.location.path),
                region: region(&f.location),
                symbol: f.symbol.map(String::from),
                articles: meta.map_or_else(Vec::new, |m| m.articles.to_vec()),
                related: f.related.iter().map(step).collect(),
                flow: f.flow.iter().map(step).collect(),
                properties: canonical(&Value::Object(f.properties.to_json())),
                suppression: f.suppression.as_ref().map(|s| JsonSuppression {
                    kind: s.kind.clone(),
                    justification: s.justification.clone(),
                    path: s.location.as_ref().map(|l: &Location| path(&l.path)),
                    region: s.location.as_ref().map(region),
                }),
                fingerprint,
            }
        })
        .collect()
}

/// The report without its findings ([`records`] renders those).
fn build(result: &ScanResult) -> Report {
    let root = &result.root;
    let path = |p: &str| sarif::repo_relative(p, root);
    let cols = Columns::new(root);

    let notifications = result
        .notifications
        .iter()
        .map(|n: &Notification| JsonNotification {
            level: n.level,
            kind: n.kind.clone(),
            message: n.message.clone(),
            path: n.path.as_deref().map(path),
            region: n
                .span
                .as_ref()
                .map(|s| Region::of(&cols, n.path.as_deref().unwrap_or(""), s)),
        })
        .collect();

    let mut by_level = ByLevel {
        error: 0,
        warning: 0,
        note: 0,
    };
    for f in result.active() {
        match f.level {
            Level::Error => by_level.error += 1,
            Level::Warning => by_level.warning += 1,
            Level::Note => by_level.note += 1,
        }
    }
    let mut rule_codes: Vec<&'static str> = result.rules.iter().map(|m| m.code).collect();
    rule_codes.sort_unstable();
    rule_codes.dedup();

    Report {
        version: VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: env!("CARGO_PKG_VERSION"),
            information_uri: INFORMATION_URI,
            rules: rule_codes,
        },
        findings: Vec::new(),
        notifications,
        summary: Summary {
            by_level,
            suppressed: result
                .findings
                .iter()
                .filter(|f| f.suppression.is_some())
                .count(),
            files: result.stats.files,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::engine::Stats;
    use crate::finding::Suppression;

    const APP: &str =
        "from diffusers import Pipe\n\ndef make():\n    return Pipe(safety_checker=None)\n";

    /// Columns `col..end_col` of `line` in `APP` (all ASCII).
    fn loc(path: &str, line: u32, col: u32, end_col: u32) -> Location {
        let start: usize = APP
            .split_inclusive('\n')
            .take(line as usize - 1)
            .map(str::len)
            .sum();
        Location {
            path: path.into(),
            span: Span {
                start_line: line,
                start_byte: start as u32 + col - 1,
                end_line: line,
                end_byte: start as u32 + end_col - 1,
            },
        }
    }

    fn sample(root: &std::path::Path) -> ScanResult {
        std::fs::write(root.join("app.py"), APP).unwrap();
        let mut active = Finding::new(
            "MOD001",
            Level::Error,
            "safety checker switched off",
            loc("app.py", 4, 12, 37),
        );
        active.symbol = Some("make".into());
        active.related.push(Related {
            location: loc("app.py", 1, 1, 27),
            message: "pipeline imported here".into(),
        });
        active.flow.push(Related {
            location: loc("app.py", 3, 5, 9),
            message: "entry".into(),
        });
        // Inserted out of key order on purpose: output must sort them.
        active
            .properties
            .insert("zeta", json!({"b": 1, "a": [2, {"y": 0, "x": 1}]}));
        active.properties.insert("alpha", json!("first"));
        let mut hidden = Finding::new(
            "GEN001",
            Level::Note,
            "image generation call",
            loc("app.py", 4, 12, 37),
        );
        hidden.suppression = Some(Box::new(Suppression {
            kind: "inline".into(),
            justification: "reviewed".into(),
            location: Some(loc("app.py", 3, 20, 40)),
        }));
        ScanResult {
            root: root.to_path_buf(),
            findings: vec![hidden, active],
            notifications: vec![Notification {
                level: Level::Warning,
                kind: "invalid-utf8".into(),
                message: "skipped: not valid UTF-8".into(),
                path: Some("bin.py".into()),
                span: None,
            }],
            rules: rules::metas(&rules::all()),
            stats: Stats {
                files: 1,
                ..Stats::default()
            },
        }
    }

    fn render(result: &ScanResult, omit_suppressed: bool) -> (String, Value) {
        let mut buf = Vec::new();
        let opts = ReportOptions {
            color: false,
            omit_suppressed,
            ..Default::default()
        };
        write(result, &opts, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    }

    #[test]
    fn schema_has_every_documented_field() {
        let dir = tempfile::tempdir().unwrap();
        let result = sample(dir.path());
        let (text, v) = render(&result, false);
        assert!(text.ends_with("}\n"));
        assert_eq!(v["version"], 1);
        assert_eq!(v["tool"]["name"], "synthlint");
        assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["tool"]["rules"][0], "GEN001");

        let findings = v["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2);
        // Sorted by path, position, then rule.
        assert_eq!(findings[0]["rule"], "GEN001");
        let f = &findings[1];
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys.iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            [
                "rule",
                "name",
                "level",
                "message",
                "path",
                "region",
                "symbol",
                "articles",
                "related",
                "flow",
                "properties",
                "suppression",
                "fingerprint"
            ]
            .into_iter()
            .collect()
        );
        assert_eq!(f["name"], "safety-checker-disabled");
        assert_eq!(f["level"], "error");
        assert_eq!(f["path"], "app.py");
        assert_eq!(
            f["region"],
            json!({"startLine": 4, "startColumn": 12, "endLine": 4, "endColumn": 37})
        );
        assert_eq!(f["symbol"], "make");
        assert_eq!(f["articles"], json!(["CN-DSP-10", "CN-GAI-14", "CN-GAI-4"]));
        assert_eq!(f["related"][0]["message"], "pipeline imported here");
        assert_eq!(f["flow"][0]["region"]["startLine"], 3);
        assert_eq!(f["suppression"], Value::Null);
        assert_eq!(
            f["fingerprint"],
            crate::report::fingerprint::synthlint_fingerprint(
                "MOD001",
                "app.py",
                Some("make"),
                "Pipe(safety_checker=None)"
            )
        );
        let s = &findings[0]["suppression"];
        assert_eq!(s["kind"], "inline");
        assert_eq!(s["justification"], "reviewed");
        assert_eq!(s["path"], "app.py");
        assert_eq!(findings[0]["symbol"], Value::Null);

        assert_eq!(
            v["notifications"],
            json!([{
                "level": "warning",
                "kind": "invalid-utf8",
                "message": "skipped: not valid UTF-8",
                "path": "bin.py",
                "region": null
            }])
        );
        assert_eq!(
            v["summary"],
            json!({"byLevel": {"error": 1, "warning": 0, "note": 0}, "suppressed": 1, "files": 1})
        );
    }

    #[test]
    fn properties_are_sorted_at_every_depth() {
        let dir = tempfile::tempdir().unwrap();
        let (text, _) = render(&sample(dir.path()), false);
        let alpha = text.find("\"alpha\"").unwrap();
        let zeta = text.find("\"zeta\"").unwrap();
        assert!(alpha < zeta);
        let a = text.find("\"a\": [").unwrap();
        let b = text.find("\"b\": 1").unwrap();
        assert!(a < b);
        assert!(text.find("\"x\": 1").unwrap() < text.find("\"y\": 0").unwrap());
    }

    #[test]
    fn omit_suppressed_drops_findings_but_keeps_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let result = sample(dir.path());
        let (_, v) = render(&result, true);
        let findings = v["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0]["rule"], "MOD001");
        assert_eq!(v["summary"]["suppressed"], 1);
    }

    #[test]
    fn output_is_deterministic_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        let mut result = sample(dir.path());
        let (first, _) = render(&result, false);
        result.findings.reverse();
        let (second, _) = render(&result, false);
        assert_eq!(first, second);
        let root = dir.path().to_string_lossy().into_owned();
        assert!(!first.contains(&root));
        let _: BTreeMap<String, Value> = serde_json::from_str(&first).unwrap();
    }
}

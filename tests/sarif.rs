//! SARIF reporter end to end: a hand-built `ScanResult` over real files in a
//! temporary directory, checked against the official 2.1.0 schema and against
//! what GitHub code scanning relies on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};
use synthlint::engine::{ScanResult, Stats};
use synthlint::finding::{Finding, Level, Location, Notification, Related, Suppression};
use synthlint::regulations::Regulations;
use synthlint::report::{ReportOptions, sarif};
use synthlint::rules;
use synthlint::source::{LineIndex, Span};

const GENERATE_PY: &str = r#"from diffusers import StableDiffusionPipeline
from openai import OpenAI

client = OpenAI()


def make_pipeline(model_id):
    return StableDiffusionPipeline.from_pretrained(model_id, safety_checker=None)


def answer(prompt):
    reply = client.chat.completions.create(model="gpt-4o", messages=prompt)
    return reply
"#;

const API_PY: &str = r#"from app.generate import answer


@app.post("/chat")
def chat(body):
    # synthlint: ignore[GEN001] internal evaluation endpoint
    return answer(body.prompt)
"#;

/// A file whose name needs percent-encoding in a URI.
const LABEL_PY: &str = "LABEL = \"AI生成\"  # 标识\nimage = pipe(prompt).images[0]\n";

/// Span of the `nth` occurrence of `needle` in `text`.
fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        .0;
    LineIndex::new(text).span(start, start + needle.len())
}

fn loc(path: &str, text: &str, needle: &str) -> Location {
    Location {
        path: path.into(),
        span: span_of(text, needle, 0),
    }
}

/// Writes the sources under `root` (each prefixed by `prefix`) and returns a
/// scan result with findings anchored in them.
fn scan(root: &Path, prefix: &str) -> ScanResult {
    let generate = format!("{prefix}{GENERATE_PY}");
    let api = format!("{prefix}{API_PY}");
    let label = format!("{prefix}{LABEL_PY}");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(root.join("app/generate.py"), &generate).unwrap();
    std::fs::write(root.join("app/api.py"), &api).unwrap();
    std::fs::write(root.join("app/标识 demo.py"), &label).unwrap();

    let mut safety = Finding::new(
        "MOD001",
        Level::Error,
        "`safety_checker=None` switches off the image safety checker",
        loc(
            "app/generate.py",
            &generate,
            "StableDiffusionPipeline.from_pretrained(model_id, safety_checker=None)",
        ),
    );
    safety.symbol = Some("app.generate.make_pipeline".into());
    safety.related.push(Related {
        location: loc("app/generate.py", &generate, "from diffusers import"),
        message: "pipeline class imported here".into(),
    });
    safety.properties.insert(
        "switch",
        json!({"keyword": "safety_checker", "value": null}),
    );

    let mut chat = Finding::new(
        "GEN001",
        Level::Note,
        "text generation call `client.chat.completions.create` (openai, overseas), model `gpt-4o`",
        loc(
            "app/generate.py",
            &generate,
            "client.chat.completions.create(model=\"gpt-4o\", messages=prompt)",
        ),
    );
    chat.symbol = Some("app.generate.answer".into());
    chat.flow = vec![
        Related {
            location: loc("app/api.py", &api, "def chat(body):"),
            message: "POST /chat handler".into(),
        },
        Related {
            location: loc("app/api.py", &api, "answer(body.prompt)"),
            message: "calls answer".into(),
        },
        Related {
            location: loc(
                "app/generate.py",
                &generate,
                "client.chat.completions.create(model=\"gpt-4o\", messages=prompt)",
            ),
            message: "reaches the generation call".into(),
        },
    ];
    chat.related.push(Related {
        location: loc("app/api.py", &api, "@app.post(\"/chat\")"),
        message: "public route".into(),
    });
    chat.properties.insert("provider", json!("openai"));
    chat.properties.insert("contentTypes", json!(["text"]));
    chat.properties.insert("model", json!("gpt-4o"));

    let mut inline = Finding::new(
        "GEN001",
        Level::Note,
        "text generation call `answer` reached from `/chat`",
        loc("app/api.py", &api, "answer(body.prompt)"),
    );
    inline.symbol = Some("app.api.chat".into());
    inline.suppression = Some(Box::new(Suppression {
        kind: "inline".into(),
        justification: "internal evaluation endpoint".into(),
        location: Some(loc(
            "app/api.py",
            &api,
            "# synthlint: ignore[GEN001] internal evaluation endpoint",
        )),
    }));

    let mut configured = Finding::new(
        "GEN001",
        Level::Note,
        "image generation call `pipe`",
        loc("app/标识 demo.py", &label, "pipe(prompt)"),
    );
    configured.suppression = Some(Box::new(Suppression {
        kind: "config".into(),
        justification: "per-path-ignores: demos are never deployed".into(),
        location: None,
    }));

    let notifications = vec![
        Notification {
            level: Level::Warning,
            kind: "syntax-error".into(),
            message: "could not parse; results for this file may be incomplete".into(),
            path: Some("app/broken.py".into()),
            span: Some(Span {
                start_line: 3,
                end_line: 3,
                start_byte: 20,
                end_byte: 24,
            }),
        },
        Notification {
            level: Level::Warning,
            kind: "file-too-large".into(),
            message: "skipped: over the size limit (max-file-size)".into(),
            path: Some("data/huge.py".into()),
            span: None,
        },
        Notification {
            level: Level::Note,
            kind: "no-python-files".into(),
            message: "nothing to parse under vendor/".into(),
            path: None,
            span: None,
        },
    ];

    let mut findings = vec![safety, chat, inline, configured];
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    ScanResult {
        root: root.to_path_buf(),
        findings,
        notifications,
        rules: rules::metas(&rules::all()),
        stats: Stats::default(),
    }
}

fn render(result: &ScanResult, omit_suppressed: bool) -> String {
    let mut buf = Vec::new();
    let opts = ReportOptions {
        color: false,
        omit_suppressed,
        ..Default::default()
    };
    sarif::write(result, &opts, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn schema_errors(instance: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(include_str!("schemas/sarif-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn output_validates_against_the_sarif_schema() {
    let dir = tempfile::tempdir().unwrap();
    let result = scan(dir.path(), "");
    for omit in [false, true] {
        let log = parse(&render(&result, omit));
        let errors = schema_errors(&log);
        assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    }
    // The validator is not vacuous.
    let mut broken = parse(&render(&result, false));
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!schema_errors(&broken).is_empty());
}

#[test]
fn one_run_with_the_tool_and_run_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let text = render(&scan(dir.path(), ""), false);
    assert!(text.ends_with("}\n"), "ends with a newline");
    assert!(text.contains("\n  \"runs\""), "pretty-printed");
    let log = parse(&text);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "synthlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["automationDetails"]["id"], "synthlint/");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].get("uri").is_none());
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn rules_are_unique_complete_and_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let log = parse(&render(&scan(dir.path(), ""), false));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate rule ids: {ids:?}");
    let ran: BTreeSet<&str> = rules::all().iter().map(|r| r.meta().code).collect();
    assert_eq!(unique, ran);

    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let meta = rules::by_code(id).unwrap().meta();
        assert_eq!(rule["name"], meta.name);
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                !rule[key]["text"].as_str().unwrap().is_empty(),
                "{id} {key}"
            );
        }
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("## What it does")
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## What it does")
        );
        assert_eq!(
            rule["helpUri"],
            format!("https://github.com/synthlint/synthlint/blob/main/docs/rules/{id}.md")
        );
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            meta.default_level.as_str()
        );
        let props = &rule["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.len() <= 20);
        assert_eq!(tags[0], meta.category.as_str());
        for article in meta.articles {
            assert!(tags.contains(article), "{id}: tag {article}");
            let title = &Regulations::get().article(article).unwrap().title;
            assert!(
                rule["help"]["markdown"]
                    .as_str()
                    .unwrap()
                    .contains(title.as_str())
            );
        }
        assert_eq!(props["precision"], meta.precision.as_str());
        assert!(props["problem.severity"].is_string());
        assert_eq!(props["security-severity"], meta.security_severity);
    }

    for r in results(&log) {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
}

#[test]
fn taxa_are_the_cited_articles() {
    let dir = tempfile::tempdir().unwrap();
    let log = parse(&render(&scan(dir.path(), ""), false));
    let run = &log["runs"][0];
    let regs = Regulations::get();
    let taxonomies = run["taxonomies"].as_array().unwrap();

    let mut taxa_ids = BTreeSet::new();
    let names: Vec<&str> = taxonomies
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "taxonomies in id order");
    for t in taxonomies {
        let name = t["name"].as_str().unwrap();
        let inst = &regs.instruments[name];
        assert_eq!(t["fullName"], inst.name.as_str());
        assert_eq!(t["informationUri"], inst.url.as_str());
        for taxon in t["taxa"].as_array().unwrap() {
            let id = taxon["id"].as_str().unwrap();
            let article = regs
                .article(id)
                .unwrap_or_else(|| panic!("{id} not an article"));
            assert_eq!(article.instrument, name);
            assert_eq!(taxon["name"], article.title.as_str());
            assert!(taxa_ids.insert(id.to_owned()), "{id} twice");
        }
    }
    let cited: BTreeSet<String> = rules::all()
        .iter()
        .flat_map(|r| r.meta().articles.iter().map(|a| (*a).to_owned()))
        .collect();
    assert_eq!(taxa_ids, cited);

    let supported = run["tool"]["driver"]["supportedTaxonomies"]
        .as_array()
        .unwrap();
    assert_eq!(supported.len(), taxonomies.len());
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let meta = rules::by_code(rule["id"].as_str().unwrap()).unwrap().meta();
        let rels = rule["relationships"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(rels.len(), meta.articles.len());
        for rel in rels {
            let target = &rel["target"];
            let ti = target["toolComponent"]["index"].as_u64().unwrap() as usize;
            let xi = target["index"].as_u64().unwrap() as usize;
            assert_eq!(taxonomies[ti]["name"], target["toolComponent"]["name"]);
            assert_eq!(taxonomies[ti]["taxa"][xi]["id"], target["id"]);
        }
    }
}

#[test]
fn results_carry_locations_flows_and_properties() {
    let dir = tempfile::tempdir().unwrap();
    let text = render(&scan(dir.path(), ""), false);
    assert!(
        !text.contains(&*dir.path().to_string_lossy()),
        "absolute path leaked"
    );
    let log = parse(&text);
    let results = results(&log);
    assert_eq!(results.len(), 4);

    let by_rule_line: BTreeMap<(String, u64), &Value> = results
        .iter()
        .map(|r| {
            let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap();
            ((r["ruleId"].as_str().unwrap().to_owned(), line), r)
        })
        .collect();

    let safety = by_rule_line[&("MOD001".to_owned(), 8)];
    assert_eq!(safety["level"], "error");
    assert!(safety["message"]["text"].as_str().unwrap().ends_with('.'));
    let phys = &safety["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "app/generate.py");
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        phys["region"],
        json!({
            "startLine": 8,
            "startColumn": 12,
            "endLine": 8,
            "endColumn": 82,
            "snippet": {
                "text": "StableDiffusionPipeline.from_pretrained(model_id, safety_checker=None)"
            }
        })
    );
    assert_eq!(
        safety["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "app.generate.make_pipeline"
    );
    assert_eq!(safety["relatedLocations"][0]["id"], 1);
    assert_eq!(
        safety["relatedLocations"][0]["message"]["text"],
        "pipeline class imported here."
    );
    assert!(safety.get("codeFlows").is_none());
    assert!(safety.get("suppressions").is_none());
    assert_eq!(
        safety["properties"]["switch"],
        json!({"keyword": "safety_checker", "value": null})
    );

    let chat = by_rule_line[&("GEN001".to_owned(), 12)];
    let steps = chat["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    let order: Vec<(&str, u64)> = steps
        .iter()
        .map(|s| {
            let p = &s["location"]["physicalLocation"];
            (
                p["artifactLocation"]["uri"].as_str().unwrap(),
                p["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("app/api.py", 5),
            ("app/api.py", 7),
            ("app/generate.py", 12)
        ]
    );
    assert_eq!(
        steps[0]["location"]["message"]["text"],
        "POST /chat handler."
    );
    assert_eq!(chat["properties"]["model"], "gpt-4o");

    let demo = by_rule_line[&("GEN001".to_owned(), 2)];
    assert_eq!(
        demo["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/%E6%A0%87%E8%AF%86%20demo.py"
    );
    // Columns count code points: `pipe` follows 8 ASCII characters.
    assert_eq!(
        demo["locations"][0]["physicalLocation"]["region"]["startColumn"],
        9
    );

    for r in results {
        let fp = &r["partialFingerprints"];
        let line_hash = fp["primaryLocationLineHash"].as_str().unwrap();
        let (hex, count) = line_hash.split_once(':').unwrap();
        assert!(u64::from_str_radix(hex, 16).is_ok() && count.parse::<u32>().is_ok());
        assert_eq!(fp["synthlint/v2"].as_str().unwrap().len(), 64);
    }
}

#[test]
fn suppressed_results_are_marked_or_omitted() {
    let dir = tempfile::tempdir().unwrap();
    let result = scan(dir.path(), "");
    let log = parse(&render(&result, false));
    let suppressed: Vec<&Value> = results(&log)
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 2);
    let kinds: BTreeMap<&str, &Value> = suppressed
        .iter()
        .map(|r| {
            let s = &r["suppressions"][0];
            (s["kind"].as_str().unwrap(), s)
        })
        .collect();
    assert_eq!(
        kinds["inSource"]["justification"],
        "internal evaluation endpoint"
    );
    assert_eq!(
        kinds["inSource"]["location"]["physicalLocation"]["region"]["startLine"],
        6
    );
    assert_eq!(
        kinds["external"]["justification"],
        "per-path-ignores: demos are never deployed"
    );

    let omitted = parse(&render(&result, true));
    let left = results(&omitted);
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|r| r.get("suppressions").is_none()));
    // Indices still point at the right rules after omission.
    let rules = omitted["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in left {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }
}

#[test]
fn notifications_become_tool_execution_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let log = parse(&render(&scan(dir.path(), ""), false));
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0]["descriptor"]["id"], "syntax-error");
    assert_eq!(notes[0]["level"], "warning");
    let phys = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "app/broken.py");
    assert_eq!(phys["region"]["startLine"], 3);
    let no_span = &notes[1]["locations"][0]["physicalLocation"];
    assert_eq!(no_span["artifactLocation"]["uri"], "data/huge.py");
    assert!(no_span.get("region").is_none());
    assert_eq!(notes[2]["descriptor"]["id"], "no-python-files");
    assert!(notes[2].get("locations").is_none());
}

#[test]
fn output_is_byte_for_byte_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let mut result = scan(dir.path(), "");
    let first = render(&result, false);
    assert_eq!(first, render(&result, false));
    // Input order must not matter either.
    result.findings.reverse();
    assert_eq!(first, render(&result, false));
    // Nor the directory the scan ran in.
    let other = tempfile::tempdir().unwrap();
    assert_eq!(first, render(&scan(other.path(), ""), false));
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let dir = tempfile::tempdir().unwrap();
    let before = parse(&render(&scan(dir.path(), ""), false));
    let shifted = tempfile::tempdir().unwrap();
    let after = parse(&render(
        &scan(shifted.path(), "import logging\n\n# a comment\n"),
        false,
    ));

    let fingerprints = |log: &Value| -> Vec<(String, u64, Value)> {
        results(log)
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                    r["partialFingerprints"].clone(),
                )
            })
            .collect()
    };
    let (b, a) = (fingerprints(&before), fingerprints(&after));
    assert_eq!(b.len(), a.len());
    for ((rule_b, line_b, fp_b), (rule_a, line_a, fp_a)) in b.iter().zip(&a) {
        assert_eq!(rule_b, rule_a);
        assert_eq!(line_a, &(line_b + 3), "the finding moved down three lines");
        // Ours ignores the line number entirely.
        assert_eq!(fp_a["synthlint/v2"], fp_b["synthlint/v2"]);
        // GitHub's hashes the content from the line onwards, which did not change.
        assert_eq!(
            fp_a["primaryLocationLineHash"],
            fp_b["primaryLocationLineHash"]
        );
    }

    // Re-spacing the flagged code keeps both (neither hash looks at blanks);
    // changing its tokens changes both.
    let mod001 = |log: &Value| -> Value {
        results(log)
            .iter()
            .find(|r| r["ruleId"] == "MOD001")
            .unwrap()["partialFingerprints"]
            .clone()
    };
    let edit = |from: &str, to: &str| -> Value {
        let dir = tempfile::tempdir().unwrap();
        let mut result = scan(dir.path(), "");
        let path = dir.path().join("app/generate.py");
        let text = std::fs::read_to_string(&path).unwrap().replace(from, to);
        std::fs::write(&path, text).unwrap();
        let f = result
            .findings
            .iter_mut()
            .find(|f| f.rule == "MOD001")
            .unwrap();
        f.location.span.end_byte += (to.len() - from.len()) as u32;
        mod001(&parse(&render(&result, false)))
    };
    let original = mod001(&before);
    assert_eq!(
        edit("(model_id, safety_checker", "(model_id,   safety_checker"),
        original
    );
    let renamed = edit("(model_id, safety_checker", "(model_name, safety_checker");
    for key in ["synthlint/v2", "primaryLocationLineHash"] {
        assert_ne!(renamed[key], original[key], "{key}");
    }
}

#[test]
fn many_results_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut result = scan(dir.path(), "");
    let template = result.findings[0].clone();
    result.findings = (0..sarif::GITHUB_RESULT_LIMIT as u32 + 1)
        .map(|i| {
            let mut f = template.clone();
            f.message = format!("finding {i:05}").into();
            f
        })
        .collect();
    let log = parse(&render(&result, false));
    assert_eq!(results(&log).len(), sarif::GITHUB_RESULT_LIMIT + 1);
}

/// Writes sample reports into `$SYNTHLINT_SARIF_DIR` for checking with
/// `scripts/validate-sarif` (Microsoft's SARIF Multitool):
/// `SYNTHLINT_SARIF_DIR=/tmp/s cargo test --test sarif -- --ignored`.
#[test]
#[ignore = "writes files for scripts/validate-sarif"]
fn write_samples_for_multitool() {
    let out = std::path::PathBuf::from(
        std::env::var_os("SYNTHLINT_SARIF_DIR").expect("set SYNTHLINT_SARIF_DIR"),
    );
    std::fs::create_dir_all(&out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let result = scan(dir.path(), "");
    std::fs::write(out.join("full.sarif"), render(&result, false)).unwrap();
    std::fs::write(out.join("omit-suppressed.sarif"), render(&result, true)).unwrap();
    let empty = ScanResult {
        root: dir.path().to_path_buf(),
        findings: Vec::new(),
        notifications: Vec::new(),
        rules: rules::metas(&rules::all()),
        stats: Stats::default(),
    };
    std::fs::write(out.join("empty.sarif"), render(&empty, false)).unwrap();
}

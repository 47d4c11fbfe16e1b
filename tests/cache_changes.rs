//! A run after a change, with the caches warm, reports exactly what a scan
//! without any cache reports, also when the change is in one file and the
//! findings that change are in another: a callee gains or loses a
//! generation call, a label helper stops labelling, a route moves to a new
//! file, a value in `.env` points the client at another provider. Whatever
//! the caches reuse (facts of unchanged files, stored results), the report
//! must be byte-identical to a cold `--no-cache` run's.

use std::fs;
use std::path::Path;

mod common;
use common::output as run;

const ROUTES: &str = r#"from flask import Flask, jsonify, request

from services.llm import ask
from services.disclosure import with_notice

app = Flask(__name__)


@app.post("/answer")
def answer():
    return jsonify(with_notice(ask(request.json["q"])))


@app.post("/plain")
def plain():
    return jsonify({"answer": ask(request.json["q"])})
"#;

const LLM: &str = r#"import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["LLM_BASE_URL"])


def ask(user):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": user.phone}])
"#;

const LABELLED: &str = "NOTICE = \"本回答由人工智能生成，仅供参考。\"\n\n\ndef with_notice(text):\n    return {\"answer\": text, \"label\": NOTICE}\n";

const DOMESTIC: &str = "LLM_BASE_URL=https://api.deepseek.com\n";

/// A Flask app whose routes (api/routes.py) call a model client and a
/// label helper that live in other modules (services/), configured by `.env`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("api")).unwrap();
    fs::create_dir_all(p.join("services")).unwrap();
    fs::write(p.join("api/__init__.py"), "").unwrap();
    fs::write(p.join("services/__init__.py"), "").unwrap();
    fs::write(p.join("api/routes.py"), ROUTES).unwrap();
    fs::write(p.join("services/llm.py"), LLM).unwrap();
    fs::write(p.join("services/disclosure.py"), LABELLED).unwrap();
    fs::write(p.join(".env"), DOMESTIC).unwrap();
    dir
}

/// Findings of `rule` reported in `path`, from a JSON report.
fn count(report: &str, rule: &str, path: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(report).expect("JSON report");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["path"] == path)
        .count()
}

/// Runs with the cache in `cache` and without any cache; asserts the two
/// reports are byte-identical (also on a second, fully warm run) and
/// returns the report.
fn same_as_cold(p: &Path, cache: &Path) -> String {
    let c = cache.to_str().unwrap();
    let args = ["check", ".", "--format", "json", "--cache-dir", c];
    let warm = run(&args, p);
    let cold = run(&["check", ".", "--format", "json", "--no-cache"], p);
    assert!(!cold.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&warm.stdout),
        String::from_utf8_lossy(&cold.stdout),
        "a run with the cache differs from a cold run"
    );
    assert_eq!(warm.status.code(), cold.status.code());
    let again = run(&args, p);
    assert_eq!(again.stdout, cold.stdout, "a second warm run differs");
    String::from_utf8(cold.stdout).unwrap()
}

#[test]
fn a_change_in_one_file_changes_findings_in_another_exactly_as_a_cold_run() {
    let dir = project();
    let p = dir.path();
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();

    let start = same_as_cold(p, c);
    assert_eq!(count(&start, "GEN002", "api/routes.py"), 2, "{start}");
    assert_eq!(count(&start, "LBL002", "api/routes.py"), 1, "{start}");
    assert_eq!(count(&start, "PII001", "services/llm.py"), 0, "{start}");

    // The label helper stops adding a disclosure: /answer loses its label.
    fs::write(
        p.join("services/disclosure.py"),
        LABELLED.replace("本回答由人工智能生成，仅供参考。", "Thanks for asking."),
    )
    .unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "LBL002", "api/routes.py"), 2, "{r}");
    fs::write(p.join("services/disclosure.py"), LABELLED).unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "LBL002", "api/routes.py"), 1, "{r}");

    // The callee loses its generation call: no route serves generated text.
    let plain_llm = LLM.replace(
        "return client.chat.completions.create(model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": user.phone}])",
        "return user.phone",
    );
    assert_ne!(plain_llm, LLM);
    fs::write(p.join("services/llm.py"), &plain_llm).unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "GEN002", "api/routes.py"), 0, "{r}");
    assert_eq!(count(&r, "LBL002", "api/routes.py"), 0, "{r}");
    // ... and gains it back.
    fs::write(p.join("services/llm.py"), LLM).unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "GEN002", "api/routes.py"), 2, "{r}");

    // A route moves to a new module: its findings move with it.
    let (kept, moved) = ROUTES.split_once("@app.post(\"/plain\")").unwrap();
    fs::write(p.join("api/routes.py"), kept).unwrap();
    fs::write(
        p.join("api/extra.py"),
        format!(
            "from flask import jsonify, request\n\nfrom api.routes import app\nfrom services.llm import ask\n\n\n@app.post(\"/plain\"){moved}"
        ),
    )
    .unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "GEN002", "api/routes.py"), 1, "{r}");
    assert_eq!(count(&r, "GEN002", "api/extra.py"), 1, "{r}");
    assert_eq!(count(&r, "LBL002", "api/extra.py"), 1, "{r}");

    // A configuration value changes: the client now talks to a provider
    // outside China, which changes findings in the code.
    fs::write(p.join(".env"), "LLM_BASE_URL=https://api.openai.com/v1\n").unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "PII001", "services/llm.py"), 1, "{r}");
    assert!(r.contains("OpenAI (overseas)"), "{r}");
    fs::write(p.join(".env"), DOMESTIC).unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(count(&r, "PII001", "services/llm.py"), 0, "{r}");

    // The route goes back where it was and the new module is deleted.
    fs::write(p.join("api/routes.py"), ROUTES).unwrap();
    fs::remove_file(p.join("api/extra.py")).unwrap();
    let r = same_as_cold(p, c);
    assert_eq!(r, start);
}

/// A reviewed pipeline (a suppressed finding) and a plain comment line that
/// can be reworded or turned into a directive without moving any byte.
const IMAGES: &str = "from diffusers import StableDiffusionPipeline\n\
# synthlint: ignore[MOD001] reviewed: a research notebook\n\
pipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n\
# the second pipeline is for previews ............\n\
preview = StableDiffusionPipeline.from_pretrained('y', safety_checker=None)\n";

/// Runs with the cache in `cache` and `--stats`, and without any cache;
/// asserts the reports are byte-identical in JSON (columns, fingerprints,
/// suppressions) and SARIF, and returns the JSON report and whether the
/// result came from the result cache by the facts (the early cutoff).
fn cutoff_run(p: &Path, cache: &Path) -> (String, bool) {
    let c = cache.to_str().unwrap();
    let warm = run(
        &[
            "check",
            ".",
            "--format",
            "json",
            "--stats",
            "--cache-dir",
            c,
        ],
        p,
    );
    let cold = run(&["check", ".", "--format", "json", "--no-cache"], p);
    assert_eq!(
        String::from_utf8_lossy(&warm.stdout),
        String::from_utf8_lossy(&cold.stdout),
        "a run with the cache differs from a cold run"
    );
    assert_eq!(warm.status.code(), cold.status.code());
    let err = String::from_utf8_lossy(&warm.stderr).into_owned();
    let line = err
        .lines()
        .find(|l| l.contains("result cache:"))
        .unwrap_or_else(|| panic!("no result cache line in:\n{err}"));
    let by_facts = line.contains("same facts");
    // The other formats read the same result.
    let sarif = ["check", ".", "--format", "sarif"];
    let warm_sarif = run(&[&sarif[..], &["--cache-dir", c]].concat(), p);
    let cold_sarif = run(&[&sarif[..], &["--no-cache"]].concat(), p);
    assert_eq!(warm_sarif.stdout, cold_sarif.stdout);
    (String::from_utf8(cold.stdout).unwrap(), by_facts)
}

/// The early cutoff (issue 19): after an edit that leaves every fact as it
/// was, the stored result of those facts is the result, byte for byte what
/// a cold run reports; an edit that changes a fact, adds a suppression or
/// moves a span is computed afresh.
#[test]
fn an_edit_that_moves_no_fact_is_served_by_the_facts_and_any_other_is_not() {
    let dir = project();
    let p = dir.path();
    fs::write(p.join("services/images.py"), IMAGES).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let (start, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    let v: serde_json::Value = serde_json::from_str(&start).unwrap();
    let mod001: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "MOD001")
        .collect();
    assert_eq!(mod001.len(), 2, "{start}");
    assert!(!mod001[0]["suppression"].is_null(), "{start}");
    assert!(mod001[1]["suppression"].is_null(), "{start}");
    assert!(mod001[1]["fingerprint"].is_string(), "{start}");
    assert_eq!(count(&start, "GEN002", "api/routes.py"), 2, "{start}");

    // Served: blank lines appended to a file with findings and to one
    // whose facts reach findings in another; a plain comment reworded in
    // place; a file rewritten unchanged (touched).
    let edits: [(&str, String); 4] = [
        ("services/images.py", format!("{IMAGES}\n\n")),
        ("services/llm.py", format!("{LLM}\n")),
        (
            "services/images.py",
            format!("{IMAGES}\n\n").replace("for previews", "for pictures"),
        ),
        ("api/routes.py", ROUTES.into()),
    ];
    for (file, text) in &edits {
        fs::write(p.join(file), text).unwrap();
        let (r, by_facts) = cutoff_run(p, c);
        assert!(by_facts || file == &"api/routes.py", "{file}: not served");
        assert_eq!(r, start, "{file}");
    }

    // Not served: a fact changes (the model's name, same length), ...
    fs::write(p.join("services/llm.py"), LLM.replace("gpt-4o", "gpt-4x")).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    assert_ne!(r, start);
    // Back to the old facts by a text not seen before: served.
    fs::write(p.join("services/llm.py"), format!("{LLM}\n\n\n")).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert_eq!(r, start);
    assert!(by_facts, "the old facts again: served");

    // ... the plain comment becomes a suppression (same length), ...
    let images = format!("{IMAGES}\n\n").replace("for pictures", "for previews");
    let directive = images.replace(
        "# the second pipeline is for previews ............",
        "# synthlint: ignore[MOD001] reviewed: previews too",
    );
    assert_eq!(directive.len(), images.len());
    fs::write(p.join("services/images.py"), &directive).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    let v: serde_json::Value = serde_json::from_str(&r).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "MOD001")
            .all(|f| !f["suppression"].is_null()),
        "{r}"
    );

    // ... and a span moves (a blank line on top of the file).
    fs::write(p.join("services/images.py"), format!("\n{images}")).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    assert_ne!(r, start);
    assert!(r.contains("\"startLine\": 6"), "{r}");
}

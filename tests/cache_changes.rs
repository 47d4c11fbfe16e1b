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

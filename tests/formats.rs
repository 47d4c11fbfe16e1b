//! The formats added for teams and reviewers, checked on the demo project:
//! GitLab SAST against GitLab's published schema, JUnit as well-formed XML,
//! concise and statistics lines, and the Markdown and HTML reviewer reports.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check demo` with the given arguments; (exit code, stdout).
fn check(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .arg("check")
        .arg("demo")
        .arg("--no-cache")
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn gitlab_report_validates_against_the_published_schema() {
    let (code, text) = check(&["--format", "gitlab"]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&text).unwrap();
    let schema: Value = serde_json::from_str(include_str!(
        "schemas/gitlab-sast-report-format-15.2.1.json"
    ))
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the GitLab schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 27);
    let ids: std::collections::BTreeSet<&str> =
        vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), vulns.len(), "ids are unique");
    let lbl = vulns
        .iter()
        .find(|v| v["identifiers"][0]["value"] == "LBL001")
        .unwrap();
    assert_eq!(lbl["severity"], "High");
    assert_eq!(lbl["location"]["file"], "demo/storyteller/api.py");
    assert!(lbl["identifiers"].as_array().unwrap().len() > 1, "articles");
    assert_eq!(lbl["details"]["code_flow"]["type"], "code-flows");
    // The schema's own required fields, checked by hand as well.
    for key in [
        "analyzer",
        "scanner",
        "start_time",
        "end_time",
        "status",
        "type",
    ] {
        assert!(report["scan"].get(key).is_some(), "scan.{key}");
    }
}

#[test]
fn junit_is_well_formed_with_a_failure_per_finding() {
    let (_, text) = check(&["--format", "junit"]);
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut failures, mut cases, mut depth) = (0, 0, 0i32);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => {
                depth += 1;
                match e.name().as_ref() {
                    "failure" => failures += 1,
                    "testcase" => cases += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == "testcase" => cases += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(failures, 27);
    assert!(cases > failures, "passing rules have a test case too");
}

#[test]
fn concise_statistics_and_several_outputs_from_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let md = dir.path().join("review.md");
    let (code, text) = check(&[
        "--format",
        "concise",
        "--format",
        &format!("sarif:{}", sarif.display()),
        "--output-format",
        &format!("markdown:{}", md.display()),
    ]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 28, "{text}");
    assert!(lines.iter().any(|l| l.starts_with(
        "demo/storyteller/services/illustrator.py:10:5: error[MOD001] "
    )));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 27);
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# synthlint review")
    );

    let (_, stats) = check(&["--statistics"]);
    assert!(
        stats.contains("By rule:") && stats.contains("By article:"),
        "{stats}"
    );
    assert!(
        stats
            .lines()
            .any(|l| l.trim_start().starts_with("3  LBL002")),
        "{stats}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", "demo", "--format", "json", "--format", "text"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "two formats on standard output");
}

#[test]
fn reviewer_reports_hold_every_section() {
    let (_, md) = check(&["--format", "markdown"]);
    for section in [
        "## Findings per article",
        "## Endpoints",
        "## Findings by instrument and article",
        "### CN-LBL: ",
        "## Findings\n",
        "## Checks that passed",
        "## Suppressed, baselined and unchanged findings",
        "## Configuration",
    ] {
        assert!(md.contains(section), "markdown lacks {section:?}");
    }
    assert!(
        md.contains("| POST /illustrations (public) | `demo/storyteller/api.py:18:1` | image |")
    );
    assert!(md.contains("missing (LBL001)"));
    assert!(md.contains("Code flow:"));
    assert!(
        md.contains("not checked by any rule yet") || md.contains("Not checked by any rule yet")
    );

    let (_, html) = check(&["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta name=\"viewport\""));
    // Self-contained: no script, no stylesheet or image fetched from anywhere.
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "html contains {banned}");
    }
    assert!(html.contains("id=\"finding-1\"") && html.contains("Endpoints"));
}

#[test]
fn reports_escape_what_the_scanned_code_says() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    common::write(
        dir,
        "app.py",
        "from diffusers import StableDiffusionPipeline\n# <script>alert(1)</script>\npipe = StableDiffusionPipeline.from_pretrained('<b>x</b>', safety_checker=None)  # \u{1b}[31m\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", ".", "--no-cache", "--format", "html"])
        .current_dir(dir)
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>x</b>") && !html.contains('\u{1b}'));
}

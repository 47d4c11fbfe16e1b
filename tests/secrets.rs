//! Secrets in the scanned code never reach a report: the text report's
//! source snippets and SARIF `region.snippet`s show them masked, and the
//! findings, lines and columns stay where they were.

use std::fs;
use std::process::Command;

const KEYS: &[&str] = &[
    "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx",
    "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "hunter2-but-longer",
    "tok.abc-def_ghi12345",
];

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join("app.py"),
        format!(
            "from openai import OpenAI\n\
             AWS_KEY = \"{aws}\"\n\
             client = OpenAI(api_key=\"{openai}\")\n\
             headers = {{\"Authorization\": \"Bearer {bearer}\"}}\n\
             def chat(q, password=\"{pw}\"):\n    \
                 # fallback: {gh}\n    \
                 return client.chat.completions.create(model=\"gpt-4o\", messages=[q], api_key=\"{openai}\")\n\
             ANTHROPIC = '{ant}'\n",
            aws = KEYS[2],
            openai = KEYS[0],
            bearer = KEYS[5],
            pw = KEYS[4],
            gh = KEYS[3],
            ant = KEYS[1],
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("pipe.py"),
        format!(
            "from diffusers import StableDiffusionPipeline\n\
             pipe = StableDiffusionPipeline.from_pretrained(\"x\", token=\"{}\", safety_checker=None)\n",
            KEYS[0]
        ),
    )
    .unwrap();
    dir
}

fn run(dir: &std::path::Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", ".", "--no-cache", "--no-color", "--format", format])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_snippets_are_masked() {
    let dir = project();
    let text = run(dir.path(), "text");
    for key in KEYS {
        assert!(!text.contains(key), "{key} in:\n{text}");
    }
    // The snippet is still there, with the masked key and its prefix.
    assert!(text.contains("client.chat.completions.create"), "{text}");
    assert!(text.contains("sk-proj-****"), "{text}");
    // Positions are unchanged: the finding's header points at the call.
    assert!(text.contains("app.py:7:12"), "{text}");
}

#[test]
fn sarif_snippets_are_masked() {
    let dir = project();
    let sarif = run(dir.path(), "sarif");
    for key in KEYS {
        assert!(!sarif.contains(key), "{key} in SARIF");
    }
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let snippets: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"].as_str())
        .collect();
    assert!(
        snippets
            .iter()
            .any(|s| s.starts_with("client.chat.completions.create(")
                && s.contains("api_key=\"sk-proj-****")),
        "{snippets:?}"
    );
    // Regions without secrets are unchanged.
    assert!(snippets.contains(&"safety_checker=None"), "{snippets:?}");
}

//! Environment variables set in the project's configuration (`.env`,
//! compose, Kubernetes, Helm, Dockerfile) resolve the server of generation
//! calls that read them with no default in the code, and the inventory says
//! where each value came from (`analysis/env.rs`).

use std::path::PathBuf;
use std::process::Command;

fn inventory(project: &str) -> Vec<serde_json::Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(project);
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["inventory", ".", "--format", "json", "--root", "."])
        .current_dir(&dir)
        .output()
        .expect("run synthlint");
    let inv: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    inv["unreachedGeneration"].as_array().unwrap().clone()
}

/// (path, line) → (jurisdiction, host, where the value came from).
fn at<'a>(gens: &'a [serde_json::Value], path: &str, line: u64) -> &'a serde_json::Value {
    gens.iter()
        .find(|g| g["path"] == path && g["line"] == line)
        .unwrap_or_else(|| panic!("no generation call at {path}:{line}: {gens:#?}"))
}

#[test]
fn servers_come_from_the_nearest_configuration() {
    let gens = inventory("fixtures/rules/GEN001/env_config");
    let expect = [
        // (path, line, jurisdiction, host, configured)
        (
            "llm.py",
            12,
            "domestic",
            Some("api.deepseek.com"),
            Some("LLM_BASE_URL from .env:3"),
        ),
        (
            "llm.py",
            18,
            "domestic",
            Some("api.deepseek.com"),
            Some("LLM_BASE_URL from .env:3"),
        ),
        // The code's default wins.
        ("llm.py", 25, "self-hosted", Some("localhost"), None),
        // Set nowhere; set empty.
        ("llm.py", 32, "unknown", None, None),
        ("llm.py", 38, "unknown", None, None),
        (
            "llm.py",
            43,
            "domestic",
            Some("api.deepseek.com"),
            Some("LLM_BASE_URL from .env:3"),
        ),
        (
            "services/api/app.py",
            11,
            "overseas",
            Some("dashscope-intl.aliyuncs.com"),
            Some("OPENAI_BASE_URL from docker-compose.yml:5 (service api)"),
        ),
        (
            "services/api/app.py",
            18,
            "self-hosted",
            Some("vllm.internal"),
            Some("LLM_BASE_URL from docker-compose.yml:6 (service api)"),
        ),
        (
            "services/worker/job.py",
            10,
            "domestic",
            Some("api.moonshot.cn"),
            Some("MODEL_HOST from docker-compose.yml:13 (service worker)"),
        ),
        (
            "services/worker/job.py",
            16,
            "overseas",
            Some("api.openai.com"),
            Some("WORKER_LLM from services/worker/worker.env:1"),
        ),
        (
            "deployed.py",
            11,
            "domestic",
            Some("open.bigmodel.cn"),
            Some("HELM_LLM_URL from deploy/chart/values.yaml:3"),
        ),
        (
            "deployed.py",
            17,
            "overseas",
            Some("api.mistral.ai"),
            Some("K8S_LLM_URL from deploy/chart/values.yaml:6"),
        ),
        (
            "deployed.py",
            23,
            "overseas",
            Some("api.groq.com"),
            Some("POD_LLM_URL from deploy/k8s.yaml:10"),
        ),
        // `valueFrom` shows no value.
        ("deployed.py", 30, "unknown", None, None),
        (
            "deployed.py",
            36,
            "overseas",
            Some("api.anthropic.com"),
            Some("ANTHROPIC_BASE_URL from deploy/Dockerfile:3"),
        ),
        // Sibling folders disagree.
        ("deployed.py", 43, "unknown", None, None),
        // Test and CI settings.
        ("deployed.py", 50, "unknown", None, None),
        ("deployed.py", 53, "unknown", None, None),
    ];
    for (path, line, jurisdiction, host, configured) in expect {
        let g = at(&gens, path, line);
        assert_eq!(g["jurisdiction"], jurisdiction, "{path}:{line} {g}");
        assert_eq!(g["host"].as_str(), host, "{path}:{line} {g}");
        assert_eq!(g["configured"].as_str(), configured, "{path}:{line} {g}");
    }
    assert_eq!(gens.len(), expect.len(), "{gens:#?}");
}

#[test]
fn text_and_markdown_say_where_the_value_came_from() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/GEN001/env_config");
    for format in ["text", "markdown"] {
        let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
            .args(["inventory", ".", "--format", format, "--root", "."])
            .current_dir(&dir)
            .output()
            .expect("run synthlint");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("server address: LLM_BASE_URL from .env:3"),
            "{format}: {text}"
        );
    }
}

/// Broken settings files: a notification with the position, and what did
/// parse still resolves (the `.env` line after the broken one).
#[test]
fn broken_settings_files_still_resolve_what_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join(".env"),
        "not an assignment\nLLM_BASE_URL=https://api.openai.com/v1\n",
    )
    .unwrap();
    std::fs::write(
        root.join("docker-compose.yml"),
        "services:\n  api:\n    environment: [A=1\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app.py"),
        "import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url=os.environ[\"LLM_BASE_URL\"])\nclient.chat.completions.create(model=\"m\", messages=[])\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", ".", "--format", "json", "--select", "GEN001"])
        .current_dir(root)
        .output()
        .expect("run synthlint");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let notes = report["notifications"].as_array().expect("notifications");
    // (the compose error is where the flow sequence runs out: line 3 or the end)
    for (path, lines) in [(".env", 1..=1), ("docker-compose.yml", 3..=4)] {
        let n = notes
            .iter()
            .find(|n| n["path"] == path)
            .unwrap_or_else(|| panic!("no notification for {path}: {notes:#?}"));
        assert_eq!(n["kind"], "config-syntax-error", "{n}");
        let line = n["region"]["startLine"].as_u64().unwrap_or(0);
        assert!(lines.contains(&line), "{n}");
    }
    let site = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "GEN001")
        .expect("GEN001");
    assert_eq!(site["properties"]["configured"], "LLM_BASE_URL from .env:2");
    assert_eq!(site["properties"]["jurisdiction"], "overseas");
}

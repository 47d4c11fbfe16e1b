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

/// Regions say where a cloud model API runs: a literal in the code, an
/// environment variable the project sets, `vertexai.init`, and DashScope's
/// international host set in code (`fixtures/rules/GEN001/regions`).
#[test]
fn regions_decide_the_jurisdiction() {
    let gens = inventory("fixtures/rules/GEN001/regions");
    let expect = [
        // (path, line, jurisdiction, region)
        (
            "cn/bedrock.py",
            20,
            "domestic",
            Some("cn-north-1 (AWS_REGION from cn/.env:2)"),
        ),
        (
            "cn/bedrock.py",
            22,
            "overseas",
            Some("ap-northeast-1 (region_name at cn/bedrock.py:11)"),
        ),
        (
            "cn/bedrock.py",
            24,
            "domestic",
            Some("cn-north-1 (AWS_REGION from cn/.env:2)"),
        ),
        (
            "cn/bedrock.py",
            35,
            "domestic",
            Some("cn-northwest-1 (aws_region at cn/bedrock.py:33)"),
        ),
        (
            "cn/bedrock.py",
            41,
            "overseas",
            Some("eu-west-1 (region_name at cn/bedrock.py:39)"),
        ),
        (
            "us/vertex.py",
            16,
            "overseas",
            Some("asia-east2 (location from vertexai.init at us/vertex.py:7)"),
        ),
        ("us/vertex.py", 21, "overseas", None),
    ];
    for (path, line, jurisdiction, region) in expect {
        let g = at(&gens, path, line);
        assert_eq!(g["jurisdiction"], jurisdiction, "{path}:{line} {g}");
        assert_eq!(g["region"].as_str(), region, "{path}:{line} {g}");
    }
    let qwen = at(&gens, "us/vertex.py", 21);
    assert_eq!(qwen["provider"], "Alibaba DashScope (international)");
    assert_eq!(
        qwen["configured"],
        "dashscope.base_http_api_url at us/vertex.py:10"
    );
    // A fallback set in a function after the call says nothing about it.
    let fallback = at(&gens, "fallback/qwen.py", 9);
    assert_eq!(fallback["jurisdiction"], "domestic", "{fallback}");
    // Another service's DashScope setting says nothing here.
    let domestic = at(&gens, "cn/bedrock.py", 49);
    assert_eq!(domestic["jurisdiction"], "domestic", "{domestic}");
    assert!(domestic.get("configured").is_none(), "{domestic}");
    // `boto3.client("s3")` generates nothing, nor does `invoke_model`.
    assert!(
        !gens.iter().any(|g| g["line"] == 27 || g["line"] == 29),
        "{gens:#?}"
    );
}

/// A scratch project with the given files, scanned for its inventory.
fn scratch_inventory(files: &[(&str, &str)]) -> (Vec<serde_json::Value>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["inventory", ".", "--format", "json", "--root", "."])
        .current_dir(dir.path())
        .output()
        .expect("run synthlint");
    let inv: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let check = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", ".", "--format", "json", "--select", "GEN001"])
        .current_dir(dir.path())
        .output()
        .expect("run synthlint");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("JSON");
    (
        inv["unreachedGeneration"].as_array().unwrap().clone(),
        report,
    )
}

const AZURE_APP: &str = "from openai import AzureOpenAI\n\nclient = AzureOpenAI(api_version=\"2024-06-01\")\n\n\ndef ask():\n    return client.chat.completions.create(model=\"gpt-4o\", messages=[])\n";

/// Azure OpenAI in Azure China: an endpoint on `*.openai.azure.cn`, or the
/// Terraform resource's `china*` location; a global endpoint, another kind
/// of cognitive account or a broken Terraform file say nothing more.
#[test]
fn azure_china_is_domestic() {
    let (gens, _) = scratch_inventory(&[
        ("app.py", AZURE_APP),
        (
            ".env",
            "AZURE_OPENAI_ENDPOINT=https://acme.openai.azure.cn/\n",
        ),
    ]);
    assert_eq!(gens[0]["jurisdiction"], "domestic", "{gens:#?}");
    assert_eq!(gens[0]["provider"], "Azure OpenAI (Azure China)");
    assert_eq!(gens[0]["configured"], "AZURE_OPENAI_ENDPOINT from .env:1");

    let tf = "resource \"azurerm_cognitive_account\" \"llm\" {\n  name     = \"acme\"\n  kind     = \"OpenAI\"\n  location = \"chinaeast2\"\n}\n";
    let (gens, _) = scratch_inventory(&[("app.py", AZURE_APP), ("infra/main.tf", tf)]);
    assert_eq!(gens[0]["jurisdiction"], "domestic", "{gens:#?}");
    assert_eq!(
        gens[0]["region"],
        "chinaeast2 (azurerm_cognitive_account.llm.location at infra/main.tf:4)"
    );

    // Speech services in China say nothing about the OpenAI resource.
    let speech = tf.replace("OpenAI", "SpeechServices");
    let (gens, _) = scratch_inventory(&[("app.py", AZURE_APP), ("infra/main.tf", &speech)]);
    assert_eq!(gens[0]["jurisdiction"], "overseas", "{gens:#?}");
    assert!(gens[0].get("region").is_none(), "{gens:#?}");

    // An Azure region outside China, from the settings.
    let (gens, _) = scratch_inventory(&[
        ("app.py", AZURE_APP),
        (".env", "AZURE_OPENAI_REGION=eastus\n"),
    ]);
    assert_eq!(gens[0]["jurisdiction"], "overseas", "{gens:#?}");
    assert_eq!(
        gens[0]["region"],
        "eastus (AZURE_OPENAI_REGION from .env:1)"
    );

    // A broken Terraform file: a notification with its line; nothing read.
    let broken =
        "resource \"azurerm_cognitive_account\" \"llm\" {\n  kind = \"OpenAI\"\n  location = \n}\n";
    let (gens, report) = scratch_inventory(&[("app.py", AZURE_APP), ("main.tf", broken)]);
    assert_eq!(gens[0]["jurisdiction"], "overseas", "{gens:#?}");
    let n = report["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"] == "main.tf")
        .expect("notification for main.tf");
    assert_eq!(n["kind"], "config-syntax-error", "{n}");
    assert!(n["region"]["startLine"].as_u64().unwrap() >= 3, "{n}");
}

/// Tracing agents' settings: a broken `newrelic.ini` is a notification with
/// its line, and what parsed before it still counts; the finding names the
/// settings that switched AI monitoring on.
#[test]
fn new_relic_settings_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("newrelic.ini"),
        "[newrelic]\nai_monitoring.enabled = true\n[broken\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app.py"),
        "from openai import OpenAI\n\nqwen = OpenAI(base_url=\"https://dashscope.aliyuncs.com/compatible-mode/v1\")\n\n\ndef ask(user):\n    return qwen.chat.completions.create(model=\"q\", messages=[{\"role\": \"user\", \"content\": user.phone}])\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", ".", "--format", "json", "--select", "PII001"])
        .current_dir(root)
        .output()
        .expect("run synthlint");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let n = report["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"] == "newrelic.ini")
        .expect("notification for newrelic.ini");
    assert_eq!(n["kind"], "config-syntax-error", "{n}");
    assert_eq!(n["region"]["startLine"], 3, "{n}");
    let f = &report["findings"].as_array().unwrap()[0];
    assert_eq!(
        f["properties"]["configuredBy"][0], "ai_monitoring.enabled from newrelic.ini:2",
        "{f}"
    );
}

/// `${X}` references in compose, `.env` and Helm values resolve through the
/// `.env` nearest the file that holds them, and say so; defaults apply when
/// the variable is set nowhere; cycles and chains past the depth cap are
/// unset.
#[test]
fn references_resolve_with_their_chain() {
    let app = |var: &str| {
        format!(
            "import os\nfrom openai import OpenAI\n\n\ndef ask():\n    client = OpenAI(base_url=os.environ[\"{var}\"])\n    return client.chat.completions.create(model=\"m\", messages=[])\n"
        )
    };
    let mut chain = String::new();
    for i in 0..12 {
        chain += &format!("DEEP{i}=${{DEEP{}}}\n", i + 1);
    }
    chain += "DEEP12=https://api.deepseek.com/v1\n";
    let dotenv = format!(
        "OPENAI_BASE=https://api.deepseek.com/v1\nNESTED=${{OPENAI_BASE}}\nCYCLE_A=${{CYCLE_B}}\nCYCLE_B=${{CYCLE_A}}\nSHORT=${{DEEP10}}\n{chain}"
    );
    let compose = "services:\n  api:\n    build: ./api\n    environment:\n      LLM_BASE_URL: ${NESTED}\n      FALLBACK_URL: ${UNSET_BASE:-https://api.openai.com/v1}\n      DASH_URL: ${UNSET_BASE-https://dashscope.aliyuncs.com/compatible-mode/v1}\n      CYCLE_URL: ${CYCLE_A}\n      DEEP_URL: ${DEEP0}\n      SHORT_URL: $SHORT\n      BARE_URL: ${UNSET_BASE}\n";
    let files = [
        (".env", dotenv.as_str()),
        ("docker-compose.yml", compose),
        ("api/a.py", &app("LLM_BASE_URL")),
        ("api/b.py", &app("FALLBACK_URL")),
        ("api/c.py", &app("DASH_URL")),
        ("api/d.py", &app("CYCLE_URL")),
        ("api/e.py", &app("DEEP_URL")),
        ("api/f.py", &app("SHORT_URL")),
        ("api/g.py", &app("BARE_URL")),
    ];
    let (gens, _) = scratch_inventory(&files);
    let of = |path: &str| at(&gens, path, 7);
    assert_eq!(of("api/a.py")["host"], "api.deepseek.com");
    assert_eq!(
        of("api/a.py")["configured"],
        "LLM_BASE_URL from docker-compose.yml:5 (service api) via NESTED from .env:2 via OPENAI_BASE from .env:1"
    );
    assert_eq!(of("api/b.py")["host"], "api.openai.com");
    assert_eq!(
        of("api/b.py")["configured"],
        "FALLBACK_URL from docker-compose.yml:6 (service api)"
    );
    assert_eq!(of("api/c.py")["jurisdiction"], "domestic");
    // A cycle, a chain deeper than the cap, a reference set nowhere: unset.
    for path in ["api/d.py", "api/e.py", "api/g.py"] {
        assert_eq!(of(path)["jurisdiction"], "unknown", "{path}: {}", of(path));
        assert!(of(path).get("configured").is_none(), "{path}");
    }
    // `$SHORT` → DEEP10 → DEEP11 → DEEP12: within the cap.
    assert_eq!(
        of("api/f.py")["host"],
        "api.deepseek.com",
        "{}",
        of("api/f.py")
    );
}

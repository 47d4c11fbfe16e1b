//! Reachability on generated projects: long call chains across modules and
//! call cycles are followed without recursion and terminate.

use std::process::Command;

fn scan_json(dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args([
            "check", ".", "--format", "json", "--select", "GEN002", "--root", ".",
        ])
        .current_dir(dir)
        .output()
        .expect("run synthlint");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn a_200_deep_chain_across_modules_reaches_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("chain");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("__init__.py"), "").unwrap();
    const DEPTH: usize = 200;
    for i in 0..DEPTH {
        let body = if i + 1 == DEPTH {
            "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef step(x):\n    return client.chat.completions.create(model=\"m\", messages=x)\n".to_string()
        } else {
            format!(
                "from chain.m{} import step as next_step\n\n\ndef step(x):\n    return next_step(x)\n",
                i + 1
            )
        };
        std::fs::write(pkg.join(format!("m{i}.py")), body).unwrap();
    }
    std::fs::write(
        tmp.path().join("app.py"),
        "from fastapi import FastAPI\n\nfrom chain.m0 import step\n\napp = FastAPI()\n\n\n@app.post(\"/deep\")\ndef deep(body: dict):\n    return step(body)\n",
    )
    .unwrap();
    let report = scan_json(tmp.path());
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("POST /deep")
    );
    // Entry point, 200 hops through `step`, then the generation call: the
    // flow shows the first and last 11 calls around the 179 left out
    // (output per finding is bounded, issue 17).
    let flow = findings[0]["flow"].as_array().unwrap();
    let message = |i: usize| flow[i]["message"].as_str().unwrap();
    assert_eq!(flow.len(), 24);
    assert!(message(0).starts_with("entry point"), "{}", message(0));
    assert_eq!(
        message(12),
        format!("… {} more steps not shown", DEPTH + 1 - 22)
    );
    assert!(
        message(23).starts_with("generation call"),
        "{}",
        message(23)
    );
}

#[test]
fn call_cycles_terminate_and_still_find_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("ping.py"),
        "from pong import pong\n\n\ndef ping(n):\n    return pong(n - 1)\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("pong.py"),
        "import anthropic\n\nfrom ping import ping\n\nllm = anthropic.Anthropic()\n\n\ndef pong(n):\n    if n:\n        return ping(n)\n    return llm.messages.create(model=\"m\", max_tokens=1, messages=[])\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("app.py"),
        "from flask import Flask\n\nfrom ping import ping\n\napp = Flask(__name__)\n\n\n@app.route(\"/loop\", methods=[\"POST\"])\ndef loop():\n    return ping(3)\n",
    )
    .unwrap();
    let report = scan_json(tmp.path());
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("POST /loop"),
        "{findings:#?}"
    );
}

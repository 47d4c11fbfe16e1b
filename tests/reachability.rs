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

/// The call graph's per-file passes (names, implementations, sites, queue
/// hand-offs, hops to the project's own routes) run on the thread pool and
/// are merged in file order: a project that hits every cap (producers and
/// workers of one queue, implementations of one abstract method) gives the
/// same edges, targets and counts on one thread as on four.
#[test]
fn the_call_graph_does_not_depend_on_the_threads() {
    use synthlint::analysis::callgraph::Site;
    use synthlint::analysis::queues::{MAX_CONSUMERS, MAX_PRODUCERS};
    use synthlint::analysis::results::Analysis;
    use synthlint::config::{self, Overrides};
    use synthlint::engine;

    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let write = |name: &str, body: String| std::fs::write(pkg.join(name), body).unwrap();
    write("__init__.py", String::new());
    write("q.py", "import queue\n\ntasks = queue.Queue()\n".into());
    write(
        "base.py",
        "from abc import ABC, abstractmethod\n\n\nclass Model(ABC):\n    @abstractmethod\n    \
         def generate(self, x):\n        ...\n\n\ndef use(m: Model):\n    return m.generate(1)\n"
            .into(),
    );
    write(
        "fetch.py",
        "import requests\n\n\ndef fetch(url):\n    return requests.post(url, json={})\n".into(),
    );
    let producers = MAX_PRODUCERS + 16;
    for i in 0..producers {
        write(
            &format!("p{i:03}.py"),
            format!(
                "import requests\nfrom fastapi import FastAPI\n\nfrom pkg.fetch import fetch\n\
                 from pkg.q import tasks\n\napp = FastAPI()\n\n\n@app.post(\"/gen{i}\")\n\
                 def handler{i}(x: dict):\n    tasks.put(x)\n    \
                 requests.post(\"http://localhost:8000/gen{next}\", json=x)\n    \
                 return fetch(\"http://localhost:8000/gen{i}\")\n",
                next = (i + 1) % producers
            ),
        );
    }
    for i in 0..MAX_CONSUMERS + 4 {
        write(
            &format!("w{i:03}.py"),
            format!(
                "import threading\n\nfrom openai import OpenAI\n\nfrom pkg.q import tasks\n\n\
                 client = OpenAI()\n\n\ndef worker{i}():\n    while True:\n        \
                 job = tasks.get()\n        client.chat.completions.create(model=\"m\", messages=job)\n\n\n\
                 threading.Thread(target=worker{i}).start()\n"
            ),
        );
    }
    for i in 0..40 {
        write(
            &format!("m{i:03}.py"),
            format!(
                "from pkg.base import Model\n\n\nclass M{i}(Model):\n    def generate(self, x):\n        \
                 return x\n"
            ),
        );
    }
    let dump = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let overrides = Overrides {
                paths: vec![tmp.path().to_path_buf()],
                root: Some(tmp.path().to_path_buf()),
                ..Default::default()
            };
            let settings = config::resolve(&overrides).expect("settings");
            let (project, catalog, _) =
                engine::load_project(&[tmp.path().to_path_buf()], &settings).unwrap();
            let an = Analysis::run(&project, &catalog);
            let g = &an.graph;
            let mut out = Vec::new();
            for node in 0..g.nodes.len() {
                out.push(format!("{node} {:?}", g.nodes[node]));
                for (to, site) in g.calls_from(node) {
                    out.push(format!("  -> {to} at {site:?}: {:?}", g.targets_at(site)));
                }
            }
            for (fi, file) in project.each_file(synthlint::analysis::Reader::Report) {
                for ci in 0..file.calls.len() {
                    let targets = g.targets_at(Site { file: fi, call: ci });
                    if !targets.is_empty() {
                        out.push(format!("{fi}:{ci} {targets:?}"));
                    }
                }
            }
            out.push(format!("{:?}", g.queue_stats));
            out.push(format!("{:?}", g.dispatch_stats));
            out.push(format!("{:?}", an.hop_stats));
            (
                out.join("\n"),
                g.queue_stats,
                g.dispatch_stats,
                an.hop_stats.clone(),
            )
        })
    };
    let (one, queues, dispatch, hops) = dump(1);
    let (four, ..) = dump(4);
    // Every cap is hit, so the merge order decides what is kept.
    assert_eq!(queues.queues, 1, "{one}");
    assert!(queues.cut > 0, "{queues:?}");
    assert!(dispatch.cut > 0, "{dispatch:?}");
    assert!(hops.joined > 0, "{hops:?}");
    assert_eq!(one, four);
}

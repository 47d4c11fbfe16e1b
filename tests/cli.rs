//! The command line as users run it: exit codes, output files, determinism.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_synthlint"));
    c.env_remove("NO_COLOR");
    c
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run synthlint")
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.py"), "print('hello')\n").unwrap();
    assert_eq!(run(&["check", "."], dir.path()).status.code(), Some(0));

    std::fs::write(
        dir.path().join("gen.py"),
        "from openai import OpenAI\nOpenAI().chat.completions.create(model='m')\n",
    )
    .unwrap();
    assert_eq!(run(&["check", "."], dir.path()).status.code(), Some(1));
    // Only a note: not at or above warning.
    assert_eq!(
        run(&["check", ".", "--fail-on", "warning"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", ".", "--ignore", "GEN"], dir.path())
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        run(&["check", "does-not-exist"], dir.path()).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", ".", "--select", "NOPE999"], dir.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", ".", "--fail-on", "fatal"], dir.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", ".", "--format", "xml"], dir.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["explain", "XYZ123"], dir.path()).status.code(),
        Some(2)
    );
    assert_eq!(run(&["frobnicate"], dir.path()).status.code(), Some(2));
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.sarif");
    let o = run(
        &[
            "check",
            "demo",
            "--format",
            "sarif",
            "--output",
            out.to_str().unwrap(),
        ],
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    for format in ["text", "json", "sarif"] {
        let one = run(
            &[
                "check", "demo", "fixtures", "--format", format, "--jobs", "1",
            ],
            &repo(),
        );
        let two = run(
            &[
                "check", "demo", "fixtures", "--format", format, "--jobs", "2",
            ],
            &repo(),
        );
        // Four threads: more workers than the index's two-way joins, so the
        // per-file passes are split several ways and merged.
        let four = run(
            &[
                "check", "demo", "fixtures", "--format", format, "--jobs", "4",
            ],
            &repo(),
        );
        let again = run(&["check", "demo", "fixtures", "--format", format], &repo());
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, two.stdout, "{format}: --jobs 1 and 2 differ");
        assert_eq!(one.stdout, four.stdout, "{format}: --jobs 1 and 4 differ");
        assert_eq!(two.stdout, again.stdout, "{format}: repeated runs differ");
    }
}

#[test]
fn no_absolute_paths_in_output() {
    let root = repo();
    let abs = root.to_string_lossy().to_string();
    for format in ["text", "json", "sarif"] {
        let o = run(&["check", &abs, "--format", format, "--no-color"], &root);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            !text.contains(&abs),
            "{format} output contains the absolute path {abs}"
        );
    }
}

#[test]
fn rules_lists_every_rule_as_json() {
    let o = run(&["rules", "--format", "json"], &repo());
    assert_eq!(o.status.code(), Some(0));
    let rules: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"GEN001") && codes.contains(&"MOD001"));
}

#[test]
fn explain_prints_doc_and_article_titles() {
    let o = run(&["explain", "mod001"], &repo());
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("## Why is this bad?"));
    assert!(text.contains("CN-DSP-10") && text.contains("Deep Synthesis"));
}

#[test]
fn stats_go_to_stderr() {
    let o = run(&["check", "demo", "--stats", "--format", "json"], &repo());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("files/s") && err.contains("MB/s"),
        "stderr: {err}"
    );
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout is still pure JSON");
    // The allocator's heap after every phase, and its sampled peak (with
    // the cache off: a result served from the cache runs no phase).
    let o = run(
        &["check", "demo", "--stats", "--no-cache", "--format", "json"],
        &repo(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    if cfg!(all(unix, not(target_env = "musl"))) {
        for phase in ["parse+extract", "index", "analysis", "rules", "filter"] {
            assert!(
                err.contains(&format!("heap after {phase} ")),
                "no heap after {phase}: {err}"
            );
        }
        assert!(err.contains("heap peak"), "stderr: {err}");
    }
}

#[test]
fn debug_memory_counts_the_facts_by_field() {
    let o = run(&["debug", "memory", "demo"], &repo());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let mib = |field: &str| -> f64 {
        let line = out
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| panic!("no line {field}: {out}"));
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    if cfg!(all(unix, not(target_env = "musl"))) {
        // The fields add up to the whole, interned strings included.
        assert!(mib("facts, all fields") > 0.0, "{out}");
        assert!(
            mib("facts, all fields") >= mib("calls") + mib("assignments") + mib("interned"),
            "{out}"
        );
    }
    assert!(out.contains("properties"), "{out}");
    // What the project holds beside the facts, part by part.
    for part in [
        "  modules",
        "  index: symbols",
        "    local assignments",
        "  import plans",
    ] {
        assert!(out.lines().any(|l| l.starts_with(part)), "no {part}: {out}");
    }
    let symbols = out
        .lines()
        .find(|l| l.starts_with("  index: symbols"))
        .unwrap();
    let items: Vec<&str> = symbols.split_whitespace().rev().take(2).collect();
    assert!(items[1].parse::<usize>().unwrap() > 0, "{out}");
    // Each taint spec the rules solved, measured part by part.
    assert!(
        out.contains("taint personal-data: ") && out.contains("  scope states"),
        "{out}"
    );
    // What the analysis holds, part by part.
    for part in [
        "  generation sites",
        "  call graph: nodes",
        "  call graph: edges",
        "  generation sinks (per node)",
        "  reach: nodes (per entry point)",
        "  label evidence (per node)",
    ] {
        assert!(out.lines().any(|l| l.starts_with(part)), "no {part}: {out}");
    }
}

/// `SYNTHLINT_HEAP_TRACE` prints the heap at the scan's marks on standard
/// error (each rule's start and end, each shared result freed); the report
/// is the one without it.
#[test]
fn heap_trace_marks_the_rules_and_leaves_the_report() {
    let scan = |trace: bool| {
        let mut cmd = bin();
        cmd.args(["check", "demo", "--no-cache", "--format", "json"])
            .current_dir(repo());
        if trace {
            cmd.env("SYNTHLINT_HEAP_TRACE", "1");
        } else {
            cmd.env_remove("SYNTHLINT_HEAP_TRACE");
        }
        cmd.output().expect("run synthlint")
    };
    let (plain, traced) = (scan(false), scan(true));
    assert_eq!(plain.stdout, traced.stdout);
    assert_eq!(plain.status.code(), traced.status.code());
    let err = String::from_utf8_lossy(&traced.stderr);
    let plain_err = String::from_utf8_lossy(&plain.stderr);
    assert!(!plain_err.contains("heap-trace"), "{plain_err}");
    if cfg!(all(unix, not(target_env = "musl"))) {
        for mark in [
            "analysis: call graph",
            "start GEN001",
            "end GEN001",
            "free Taint(",
        ] {
            assert!(
                err.lines()
                    .any(|l| l.starts_with("heap-trace") && l.contains(mark)),
                "no {mark}: {err}"
            );
        }
    }
}

#[test]
fn inventory_lists_generation_endpoints_in_every_format() {
    let project = repo().join("fixtures/projects/chat_service");
    let json = run(
        &["inventory", ".", "--format", "json", "--root", "."],
        &project,
    );
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let inv: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let titles: Vec<&str> = inv["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"POST /image") && titles.contains(&"POST /chat"),
        "{titles:?}"
    );
    assert!(!titles.iter().any(|t| t.contains("/health")), "{titles:?}");
    let image = inv["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "POST /image")
        .unwrap();
    assert_eq!(image["contentTypes"], serde_json::json!(["image"]));
    assert_eq!(image["generation"][0]["jurisdiction"], "self-hosted");

    let md = run(
        &["inventory", ".", "--format", "markdown", "--root", "."],
        &project,
    );
    let text = String::from_utf8_lossy(&md.stdout);
    assert!(text.starts_with("# AI service inventory"));
    assert!(text.contains("| POST /image | image |"), "{text}");
    assert!(
        text.contains("cross-border"),
        "overseas providers get the PIPL note"
    );

    let plain = run(&["inventory", ".", "--root", "."], &project);
    assert!(String::from_utf8_lossy(&plain.stdout).contains("generation endpoint(s)"));
}

/// `synthlint … | head`: a reader that goes away early ends the command
/// quietly with exit 0, for every command that prints.
#[test]
fn closed_stdout_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    // Output larger than a pipe buffer (64 KiB), so the child is still
    // writing when the read end closes, whatever the scheduling.
    let mut code = String::from("from openai import OpenAI\nclient = OpenAI()\n");
    for i in 0..3000 {
        code.push_str(&format!(
            "def f{i}(p):\n    return client.chat.completions.create(model='gpt-4o', messages=p)\n"
        ));
    }
    std::fs::write(dir.path().join("app.py"), code).unwrap();
    let commands: [&[&str]; 4] = [
        &["debug", "facts", "app.py"],
        &["check", "--format", "json", "--no-cache", "."],
        &["inventory", "--format", "json", "."],
        &["check", "--format", "sarif", "--no-cache", "."],
    ];
    for args in commands {
        let mut child = bin()
            .args(args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: exit {:?}",
            out.status.code()
        );
    }
}

/// `--format github`: one workflow command per active finding, with the
/// location as properties, article ids in the message, and escaping.
#[test]
fn github_format_prints_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "from diffusers import StableDiffusionPipeline\n\
         pipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n\
         # synthlint: ignore[GEN001] inventory noise, 50% of it\n\
         image = pipe('a cat').images[0]\n",
    )
    .unwrap();
    let out = run(
        &["check", "--format", "github", "--no-cache", "app.py"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(!lines.is_empty());
    let re = regex::Regex::new(
        r"^::(error|warning|notice) file=app\.py,line=\d+,endLine=\d+(,col=\d+,endColumn=\d+)?,title=[A-Z]{3}\d{3} [a-z-]+::[^\r\n]+\[[A-Z0-9., -]+\]$",
    )
    .unwrap();
    for l in &lines {
        assert!(re.is_match(l), "not a workflow command: {l}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error file=app.py,line=2,") && l.contains("MOD001")),
        "{text}"
    );
    // The suppressed GEN001 on line 4 is not annotated.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("line=4,") && l.contains("GEN001")),
        "{text}"
    );
}

/// A Rust router in front of a Python gRPC shard: the inventory (json and
/// text) names the hop each generating route goes through, and
/// `debug hops` joins no call to a service the repository does not serve.
#[test]
fn inventory_shows_hops_from_a_rust_router_to_a_python_shard() {
    let project = repo().join("fixtures/rules/GEN002/rust_grpc_python");
    let json = run(
        &["inventory", ".", "--format", "json", "--root", "."],
        &project,
    );
    assert_eq!(json.status.code(), Some(0));
    let inv: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let endpoint = |title: &str| {
        inv["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["title"] == title && e["path"] == "router/src/main.rs")
            .cloned()
    };
    let generate = endpoint("POST /generate").expect("the Rust /generate route");
    let hops = generate["generation"][0]["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 1, "{hops:?}");
    let hop = hops[0].as_str().unwrap();
    assert!(
        hop.starts_with(
            "router/src/main.rs:48 client.generate → grpc `TextGenerationService.Generate`"
        ),
        "{hop}"
    );
    assert!(hop.contains("server/textgen/server.py"), "{hop}");
    let completions = endpoint("POST /v1/completions").expect("the HTTP hop");
    assert!(
        completions["generation"][0]["hops"][0]
            .as_str()
            .unwrap()
            .contains("POST /v1/complete on the project's own service"),
        "{completions}"
    );
    for quiet in ["GET /health", "POST /summarize"] {
        assert!(endpoint(quiet).is_none(), "{quiet} generates nothing");
    }
    let text = run(&["inventory", ".", "--root", "."], &project);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("      through router/src/shard.rs:26 stub.generate_stream → grpc `TextGenerationService.GenerateStream`"),
        "{text}"
    );
    let hops = run(&["debug", "hops", "."], &project);
    let hops: serde_json::Value = serde_json::from_slice(&hops.stdout).unwrap();
    let callees: Vec<&str> = hops
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["callee"].as_str().unwrap())
        .collect();
    assert_eq!(
        callees,
        [
            "client.generate",
            "http.post",
            "stub.generate_stream",
            "stub.health"
        ],
        "{hops}"
    );
}

/// Without the `.proto` that declares the service, a tonic client call
/// joins nothing: the servicer's name alone is not enough.
#[test]
fn tonic_clients_join_only_services_a_proto_declares() {
    let fixture = repo().join("fixtures/rules/GEN002/rust_grpc_python");
    let dir = tempfile::tempdir().unwrap();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(fixture.join(&rel)).unwrap() {
            let entry = entry.unwrap();
            let rel = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(dir.path().join(&rel)).unwrap();
                stack.push(rel);
            } else if rel.extension().is_none_or(|e| e != "proto") {
                std::fs::copy(entry.path(), dir.path().join(&rel)).unwrap();
            }
        }
    }
    let hops = run(&["debug", "hops", "."], dir.path());
    let hops: serde_json::Value = serde_json::from_slice(&hops.stdout).unwrap();
    let callees: Vec<&str> = hops
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["callee"].as_str().unwrap())
        .collect();
    assert_eq!(callees, ["http.post"], "{hops}");
}

/// OPT003 and PII004 never report the same training write: in a project
/// with a training flag, OPT003 judges the named training write and PII004
/// leaves it (and the file write inside it) alone; elsewhere PII004 reports.
#[test]
fn training_writes_are_reported_by_one_rule() {
    let mut both = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for project in ["flagged", "web_app", "feedback_service"] {
        let dir = repo().join("fixtures/rules/PII004").join(project);
        let out = run(&["check", ".", "--no-cache", "--format", "json"], &dir);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut at = std::collections::BTreeMap::new();
        for f in json["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            if rule != "OPT003" && rule != "PII004" {
                continue;
            }
            *counts.entry(rule.to_string()).or_insert(0) += 1;
            let key = (
                f["path"].as_str().unwrap().to_string(),
                f["region"]["startLine"].as_u64().unwrap(),
            );
            if at
                .insert(key.clone(), rule.to_string())
                .is_some_and(|r| r != rule)
            {
                both.push(key);
            }
        }
    }
    assert!(both.is_empty(), "{both:?}");
    assert_eq!(counts.get("OPT003"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("PII004"), Some(&5), "{counts:?}");
}

/// Shared results found per file on several threads (the personal-data
/// rules' data models, OPT001's rankings and switch sites, the calls of
/// library methods through project classes) leave the report as it is on
/// one thread: many files, each with findings and models of its own.
#[test]
fn per_file_rule_work_does_not_depend_on_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let strip = std::fs::read_to_string(repo().join("fixtures/rules/LBL004/strip.py")).unwrap();
    const FILES: usize = 40;
    for i in 0..FILES {
        std::fs::write(dir.path().join(format!("strip{i}.py")), &strip).unwrap();
        std::fs::write(
            dir.path().join(format!("models{i}.py")),
            format!(
                "from dataclasses import dataclass\nimport requests\n\n\n\
                 @dataclass\nclass UserProfile{i}:\n    phone: str\n    id_card: str\n\n\n\
                 def send{i}(user_profile{i}):\n    \
                 requests.post(\"https://api.example.com/u\", json={{\"phone\": user_profile{i}.phone}})\n"
            ),
        )
        .unwrap();
    }
    let on = |jobs: &str| {
        let o = run(
            &[
                "check",
                ".",
                "--no-cache",
                "--format",
                "json",
                "--jobs",
                jobs,
            ],
            dir.path(),
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let one = on("1");
    // Every copy's removals are reported.
    assert_eq!(
        one.matches("\"rule\": \"LBL004\"").count(),
        7 * FILES,
        "{one}"
    );
    assert_eq!(one, on("2"), "--jobs 1 and 2 differ");
    assert_eq!(one, on("4"), "--jobs 1 and 4 differ");
}

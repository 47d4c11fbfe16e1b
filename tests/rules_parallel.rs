//! Rules that look through every file on the thread pool (the service
//! rules, LBL004) and the rule scheduler give the same report for any
//! number of threads, and keep the first evidence in path order.

mod common;

use std::path::Path;

/// A public chat service with sign-up, no notice, no age check and no
/// filing number: `pages` front ends that request its chat route and
/// `footers` pages with a placeholder filing number, after `fillers`
/// Python files of plain strings (so that the evidence lies in later
/// files than a parallel search looks at first).
fn service_project(dir: &Path, fillers: usize, pages: usize, footers: usize) {
    common::write(
        dir,
        "app.py",
        "from fastapi import FastAPI\nfrom openai import OpenAI\n\napp = FastAPI()\nclient = OpenAI()\n\n\n\
         @app.post(\"/api/chat\")\ndef chat(prompt: str):\n    \
         out = client.chat.completions.create(model=\"m\", messages=[{\"role\": \"user\", \"content\": prompt}])\n    \
         return {\"answer\": out.choices[0].message.content}\n\n\n\
         @app.post(\"/api/signup\")\ndef signup(email: str, password: str):\n    return {\"ok\": True}\n",
    );
    for i in 0..fillers {
        common::write(
            dir,
            &format!("lib/mod{i:03}.py"),
            &format!(
                "import subprocess\n\nGREETING = \"Hello from module {i}\"\n\n\n\
                 def greet{i}(name):\n    return GREETING + \", \" + name + \"; see the docs\"\n\n\n\
                 def transcode{i}(src, dst):\n    \
                 subprocess.run([\"ffmpeg\", \"-i\", src, \"-map_metadata\", \"-1\", dst], check=True)\n"
            ),
        );
    }
    for i in 0..pages {
        common::write(
            dir,
            &format!("web/page{i:02}.ts"),
            "export async function send(base: string, text: string) {\n  \
             const res = await fetch(`${base}/api/chat`, { method: \"POST\", body: JSON.stringify({ prompt: text }) });\n  \
             return (await res.json()).answer;\n}\n",
        );
    }
    for i in 0..footers {
        common::write(
            dir,
            &format!("web/Footer{i:02}.jsx"),
            "export function Footer() {\n  return (\n    <footer>\n      网信算备XXXXXXXX号\n    </footer>\n  );\n}\n",
        );
    }
}

fn json_report(dir: &Path, jobs: &str) -> String {
    let o = common::output(
        &[
            "check",
            ".",
            "--no-cache",
            "--format",
            "json",
            "--jobs",
            jobs,
        ],
        dir,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// `(rule, path)` of every finding, in report order.
fn findings(report: &str) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(report).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn service_rules_report_the_same_first_evidence_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    service_project(dir.path(), 120, 30, 40);
    let one = json_report(dir.path(), "1");
    let found = findings(&one);
    let of = |rule: &str| -> Vec<&str> {
        found
            .iter()
            .filter(|(r, _)| r == rule)
            .map(|(_, p)| p.as_str())
            .collect()
    };
    // The first 16 placeholders in path order, not any 16 of the 40.
    let expected: Vec<String> = (0..16).map(|i| format!("web/Footer{i:02}.jsx")).collect();
    assert_eq!(of("SVC001"), expected, "{one}");
    // The chat UI is the first page that requests the chat route.
    assert_eq!(of("SVC004"), ["web/page00.ts"], "{one}");
    assert_eq!(of("SVC002").len(), 1, "{one}");
    assert_eq!(of("SVC003").len(), 1, "{one}");
    // Every copy's metadata removal.
    assert_eq!(of("LBL004").len(), 120, "{one}");
    for jobs in ["2", "3", "4", "8"] {
        assert_eq!(
            one,
            json_report(dir.path(), jobs),
            "--jobs 1 and {jobs} differ"
        );
    }
}

#[test]
fn a_shown_notice_in_the_last_file_quiets_the_service_rules() {
    let dir = tempfile::tempdir().unwrap();
    service_project(dir.path(), 60, 3, 0);
    // Found only in the last file the parallel searches look at.
    common::write(
        dir.path(),
        "zz/notice.py",
        "NOTICE = \"You are chatting with an AI assistant. 未成年人模式. \
         Report abuse. 网信算备110108000000000000001号\"\n",
    );
    for jobs in ["1", "2", "4"] {
        let report = json_report(dir.path(), jobs);
        let rules: Vec<String> = findings(&report).into_iter().map(|(r, _)| r).collect();
        for quiet in ["SVC001", "SVC002", "SVC003", "SVC004"] {
            assert!(
                !rules.iter().any(|r| r == quiet),
                "--jobs {jobs}: {quiet} reported\n{report}"
            );
        }
    }
}

/// The service rules read one shared list of each file's user-facing
/// strings: configuration values count only for the filing number
/// (SVC001), translation catalogues for every rule, test files for none;
/// for any thread count.
#[test]
fn shared_shown_strings_keep_each_rules_sources() {
    let dir = tempfile::tempdir().unwrap();
    service_project(dir.path(), 20, 3, 0);
    // A filing number and a complaint entry in a plain configuration file.
    common::write(
        dir.path(),
        "deploy/site.yaml",
        "filing: \"网信算备110108000000000000001号\"\nsupport: \"Report abuse\"\n",
    );
    // A notice and a minors mode in test code only.
    common::write(
        dir.path(),
        "tests/test_notice.py",
        "NOTICE = \"You are chatting with an AI assistant. 未成年人模式.\"\n",
    );
    let one = json_report(dir.path(), "1");
    let rules: Vec<String> = findings(&one).into_iter().map(|(r, _)| r).collect();
    let reported = |code: &str| rules.iter().any(|r| r == code);
    assert!(!reported("SVC001"), "{one}");
    assert!(reported("SVC002"), "{one}");
    assert!(reported("SVC003"), "{one}");
    assert!(reported("SVC004"), "{one}");
    for jobs in ["2", "4"] {
        assert_eq!(
            one,
            json_report(dir.path(), jobs),
            "--jobs 1 and {jobs} differ"
        );
    }
}

/// LOG002's log thresholds are read file by file on the pool and taken in
/// file order: of twenty files that raise the root logger's level, the
/// first to set the highest one is named, for any thread count.
#[test]
fn log_thresholds_name_the_first_highest_setter_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "app.py",
        "import logging\n\nfrom fastapi import FastAPI\nfrom openai import OpenAI\n\n\
         app = FastAPI()\nclient = OpenAI()\n\n\n\
         @app.post(\"/ask\")\ndef ask(q: str):\n    logging.info(\"q=%s\", q)\n    \
         return client.chat.completions.create(model=\"m\", messages=[{\"role\": \"user\", \"content\": q}])\n",
    );
    for i in 0..40 {
        common::write(
            dir.path(),
            &format!("lib/mod{i:02}.py"),
            &format!("def helper{i}(x):\n    return x + {i}\n"),
        );
    }
    for i in 0..20 {
        let level = if i == 7 || i == 15 {
            "ERROR"
        } else {
            "WARNING"
        };
        common::write(
            dir.path(),
            &format!("setup/lvl{i:02}.py"),
            &format!("import logging\n\nlogging.getLogger().setLevel(logging.{level})\n"),
        );
    }
    let one = json_report(dir.path(), "1");
    assert!(
        one.contains("(setup/lvl07.py:3) sets the threshold above it"),
        "{one}"
    );
    for jobs in ["2", "3", "8"] {
        assert_eq!(
            one,
            json_report(dir.path(), jobs),
            "--jobs 1 and {jobs} differ"
        );
    }
}

/// A configuration tree (the catalogue is built beside extraction on more
/// than one thread; the configuration rules read each distinct key once):
/// switches, retention settings and a training flag, under every spelling
/// the rules read, among many entries under other keys, give the same
/// report for any number of threads.
#[test]
fn configuration_trees_report_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    for i in 0..30 {
        common::write(
            dir.path(),
            &format!("chart{}/values{i}.yaml", i % 5),
            &format!(
                "replicaCount: 1\nimage:\n  repository: app\n  tag: \"1.{i}\"\n\
                 service:\n  port: 80\nenv:\n  - name: LOG_LEVEL\n    value: info\n"
            ),
        );
    }
    common::write(
        dir.path(),
        "chart2/values-gen.yaml",
        "pipeline:\n  enableSafetyChecker: false\nlogging:\n  log_retention_days: 7\n\
         model:\n  allow_training: true\n",
    );
    common::write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    environment:\n      - ENABLE_NSFW_FILTER=false\n      \
         - LOG_RETENTION_DAYS=3\n",
    );
    common::write(
        dir.path(),
        "settings.json",
        "{\"safety_checker\": null, \"name\": \"x\"}\n",
    );
    common::write(dir.path(), "README.md", "# Chart\n\nDeploys the app.\n");
    let one = json_report(dir.path(), "1");
    let found = findings(&one);
    for expected in [
        ("MOD001", "chart2/values-gen.yaml"),
        ("LOG001", "chart2/values-gen.yaml"),
        ("OPT003", "chart2/values-gen.yaml"),
        ("MOD001", "compose.yaml"),
        ("LOG001", "compose.yaml"),
        ("MOD001", "settings.json"),
    ] {
        assert!(
            found
                .iter()
                .any(|(r, p)| (r.as_str(), p.as_str()) == expected),
            "{expected:?} missing: {found:?}"
        );
    }
    assert_eq!(found.len(), 6, "{found:?}");
    for jobs in ["2", "3"] {
        assert_eq!(
            one,
            json_report(dir.path(), jobs),
            "--jobs 1 and {jobs} differ"
        );
    }
}

//! The integrations teams run synthlint from: the GitHub Action's
//! `action.yml` (parsed with a real YAML parser; its Scan step run under
//! `bash -e` like a runner does) and the pre-commit hook definition.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Yaml {
    let text = std::fs::read_to_string(repo().join(name)).unwrap();
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

fn step<'a>(action: &'a Yaml, name: &str) -> &'a Yaml {
    action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step `{name}`"))
}

#[test]
fn action_is_valid_yaml_with_the_documented_inputs_and_steps() {
    let action = load("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = action["inputs"].as_hash().unwrap();
    let names: Vec<&str> = inputs.keys().filter_map(Yaml::as_str).collect();
    for want in [
        "paths",
        "fail-on",
        "sarif-file",
        "upload",
        "annotations",
        "baseline",
        "diff-base",
        "summary",
    ] {
        assert!(names.contains(&want), "input {want} missing: {names:?}");
    }
    // Nothing is installed from a registry: synthlint is not published.
    assert!(!names.contains(&"version"));
    assert_eq!(
        action["inputs"]["fail-on"]["default"].as_str(),
        Some("error")
    );
    for (_, input) in inputs {
        assert!(input["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let install = step(&action, "Install synthlint");
    let script = install["run"].as_str().unwrap();
    assert!(script.contains("cargo install --locked --path \"$ACTION_PATH\""));
    assert!(!script.contains("crates.io") && !script.contains("--version=\""));
    let cache = step(&action, "Restore the synthlint build");
    assert!(
        cache["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/cache@")
    );
    let key = cache["with"]["key"].as_str().unwrap();
    assert!(key.contains("steps.build.outputs.key"));
    let prepare = step(&action, "Prepare the synthlint build")["run"]
        .as_str()
        .unwrap();
    assert!(prepare.contains("ACTION_REF") && prepare.contains("rustc --version"));
    // Every script gets its inputs from `env`, never from `${{ }}` in its text.
    for s in action["runs"]["steps"].as_vec().unwrap() {
        if let Some(run) = s["run"].as_str() {
            assert!(!run.contains("${{"), "expression in a script: {run}");
        }
    }
    let scan = step(&action, "Scan");
    assert_eq!(scan["id"].as_str(), Some("scan"));
    let upload = step(&action, "Upload to code scanning");
    assert!(upload["if"].as_str().unwrap().contains("exit-code == '1'"));
    let fail = step(&action, "Fail on findings");
    assert!(fail["if"].as_str().unwrap().contains("exit-code == '1'"));
}

/// Runs the action's Scan step script as a GitHub runner does (`bash -e`),
/// with `synthlint` on PATH, and returns (step status, GITHUB_OUTPUT, summary).
fn run_scan_step(project: &Path, synthlint: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let action = load("action.yml");
    let scan = step(&action, "Scan");
    let script = scan["run"].as_str().unwrap();
    let work = tempfile::tempdir().unwrap();
    let script_path = work.path().join("scan.sh");
    std::fs::write(&script_path, script).unwrap();
    let output = work.path().join("output");
    let summary = work.path().join("summary");
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(synthlint, bin.join("synthlint")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script_path)
        .current_dir(project)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", work.path())
        .env("NO_COLOR", "1");
    for (k, v) in [
        ("SCAN_PATHS", "."),
        ("FAIL_ON", "error"),
        ("SARIF_FILE", "synthlint.sarif"),
        ("ANNOTATIONS", "false"),
        ("BASELINE", ""),
        ("DIFF_BASE", ""),
        ("SUMMARY", "true"),
        ("PR_BASE_SHA", ""),
    ] {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.output().unwrap().status.code().unwrap_or(-1);
    (
        status,
        std::fs::read_to_string(output).unwrap(),
        std::fs::read_to_string(summary).unwrap(),
    )
}

/// Issue 17 item 18: under `bash -e` the exit status was lost at the
/// `synthlint` line. Findings: the step succeeds and records 1, so the
/// upload and "Fail on findings" steps run; a config error records 2 and
/// fails the step; a crash (101) or a kill (137) fails the step too.
#[test]
fn scan_step_records_the_exit_code_under_bash_e() {
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    common::write(
        dir,
        "app.py",
        "from diffusers import StableDiffusionPipeline\npipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n",
    );
    let real = Path::new(env!("CARGO_BIN_EXE_synthlint"));
    let (status, out, summary) = run_scan_step(dir, real, &[]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("exit-code=1"), "{out}");
    assert!(dir.join("synthlint.sarif").exists());
    assert!(summary.contains("# synthlint review"), "{summary}");

    std::fs::write(dir.join("app.py"), "x = 1\n").unwrap();
    let (status, out, _) = run_scan_step(dir, real, &[]);
    assert_eq!((status, out.trim()), (0, "exit-code=0"));

    std::fs::write(dir.join("synthlint.toml"), "selct = [\"GEN\"]\n").unwrap();
    let (status, out, _) = run_scan_step(dir, real, &[]);
    assert_eq!((status, out.trim()), (2, "exit-code=2"));
    std::fs::remove_file(dir.join("synthlint.toml")).unwrap();

    for code in ["101", "137"] {
        let fake = project.path().join(format!("fake-{code}"));
        std::fs::write(&fake, format!("#!/bin/sh\nexit {code}\n")).unwrap();
        let mut perms = std::fs::metadata(&fake).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&fake, perms).unwrap();
        let (status, out, _) = run_scan_step(dir, &fake, &[]);
        assert_eq!(status.to_string(), code, "{out}");
        assert_eq!(out.trim(), format!("exit-code={code}"));
    }
}

#[test]
fn pre_commit_hook_ends_options_and_scans_the_project() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hook = &hooks.as_vec().unwrap()[0];
    assert_eq!(hook["id"].as_str(), Some("synthlint"));
    let entry = hook["entry"].as_str().unwrap();
    assert!(entry.ends_with(" --"), "{entry}");
    assert!(entry.contains("--changed") && entry.contains("--fail-on=error"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    // A staged `.env`, Rust file or logrotate config changes findings too.
    assert!(hook["types_or"].is_badvalue(), "{hook:?}");
    assert_eq!(hook["types"][0].as_str(), Some("text"));
}

/// Issue 17 item 3: a staged file named `--output=victim.py` is passed after
/// the hook's `--`, so it is a file name: nothing is overwritten.
#[test]
fn a_file_named_like_an_option_is_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    common::write(dir, "victim.py", "VALUE = 1\n");
    common::write(dir, "--output=victim.py", "x = 1\n");
    let hooks = load(".pre-commit-hooks.yaml");
    let entry = hooks[0]["entry"].as_str().unwrap();
    let mut args: Vec<&str> = entry.split_whitespace().skip(1).collect();
    args.push("--output=victim.py");
    args.push("victim.py");
    let run = common::run(dir, &args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("victim.py")).unwrap(),
        "VALUE = 1\n"
    );
}

/// Issue 17 item 3: `check -o a.py a.py` must not overwrite a scanned file.
#[test]
fn the_report_is_never_written_over_a_scanned_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    common::write(dir, "a.py", "VALUE = 1\n");
    for args in [
        &["check", "-o", "a.py", "a.py"][..],
        &["check", "--format", "json:a.py", "."][..],
        &["baseline", "-o", "a.py", "."][..],
    ] {
        let run = common::run(dir, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("refusing"), "{}", run.stderr);
        assert_eq!(
            std::fs::read_to_string(dir.join("a.py")).unwrap(),
            "VALUE = 1\n"
        );
    }
    let run = common::run(
        dir,
        &["check", "-o", "report.json", "--format", "json", "a.py"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

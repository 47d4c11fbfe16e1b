//! A run after a change, with the caches warm, reports exactly what a scan
//! without any cache reports, also when the change is in one file and the
//! findings that change are in another: a callee gains or loses a
//! generation call, a label helper stops labelling, a route moves to a new
//! file, a value in `.env` points the client at another provider. Whatever
//! the caches reuse (facts of unchanged files, stored results), the report
//! must be byte-identical to a cold `--no-cache` run's.

use std::fs;
use std::path::Path;
use std::process::Output;

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

/// A cached run's report and exit code are a cold run's, byte for byte.
fn assert_reports_equal(cached: &Output, cold: &Output, what: &str) {
    assert!(!cold.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&cached.stdout),
        String::from_utf8_lossy(&cold.stdout),
        "{what}"
    );
    assert_eq!(cached.status.code(), cold.status.code());
}

/// Runs with the cache in `cache` and without any cache; asserts the two
/// reports are byte-identical (also on a second, fully warm run) and
/// returns the report.
fn same_as_cold(p: &Path, cache: &Path) -> String {
    let c = cache.to_str().unwrap();
    let args = ["check", ".", "--format", "json", "--cache-dir", c];
    let warm = run(&args, p);
    let cold = run(&["check", ".", "--format", "json", "--no-cache"], p);
    assert_reports_equal(&warm, &cold, "a run with the cache differs from a cold run");
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

/// A reviewed pipeline (a suppressed finding) and a plain comment line that
/// can be reworded or turned into a directive without moving any byte.
const IMAGES: &str = "from diffusers import StableDiffusionPipeline\n\
# synthlint: ignore[MOD001] reviewed: a research notebook\n\
pipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n\
# the second pipeline is for previews ............\n\
preview = StableDiffusionPipeline.from_pretrained('y', safety_checker=None)\n";

/// Runs with the cache in `cache` and `--stats`, and without any cache;
/// asserts the reports are byte-identical in JSON (columns, fingerprints,
/// suppressions) and SARIF, and returns the JSON report and whether the
/// result came from the result cache by the facts (the early cutoff).
fn cutoff_run(p: &Path, cache: &Path) -> (String, bool) {
    let c = cache.to_str().unwrap();
    let warm = run(
        &[
            "check",
            ".",
            "--format",
            "json",
            "--stats",
            "--cache-dir",
            c,
        ],
        p,
    );
    let cold = run(&["check", ".", "--format", "json", "--no-cache"], p);
    assert_eq!(
        String::from_utf8_lossy(&warm.stdout),
        String::from_utf8_lossy(&cold.stdout),
        "a run with the cache differs from a cold run"
    );
    assert_eq!(warm.status.code(), cold.status.code());
    let err = String::from_utf8_lossy(&warm.stderr).into_owned();
    let line = err
        .lines()
        .find(|l| l.contains("result cache:"))
        .unwrap_or_else(|| panic!("no result cache line in:\n{err}"));
    let by_facts = line.contains("same facts");
    // The other formats read the same result.
    let sarif = ["check", ".", "--format", "sarif"];
    let warm_sarif = run(&[&sarif[..], &["--cache-dir", c]].concat(), p);
    let cold_sarif = run(&[&sarif[..], &["--no-cache"]].concat(), p);
    assert_eq!(warm_sarif.stdout, cold_sarif.stdout);
    (String::from_utf8(cold.stdout).unwrap(), by_facts)
}

/// The early cutoff (issue 19): after an edit that leaves every fact as it
/// was, the stored result of those facts is the result, byte for byte what
/// a cold run reports; an edit that changes a fact, adds a suppression or
/// moves a span is computed afresh.
#[test]
fn an_edit_that_moves_no_fact_is_served_by_the_facts_and_any_other_is_not() {
    let dir = project();
    let p = dir.path();
    fs::write(p.join("services/images.py"), IMAGES).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let (start, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    let v: serde_json::Value = serde_json::from_str(&start).unwrap();
    let mod001: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "MOD001")
        .collect();
    assert_eq!(mod001.len(), 2, "{start}");
    assert!(!mod001[0]["suppression"].is_null(), "{start}");
    assert!(mod001[1]["suppression"].is_null(), "{start}");
    assert!(mod001[1]["fingerprint"].is_string(), "{start}");
    assert_eq!(count(&start, "GEN002", "api/routes.py"), 2, "{start}");

    // Served: blank lines appended to a file with findings and to one
    // whose facts reach findings in another; a plain comment reworded in
    // place; a file rewritten unchanged (touched).
    let edits: [(&str, String); 4] = [
        ("services/images.py", format!("{IMAGES}\n\n")),
        ("services/llm.py", format!("{LLM}\n")),
        (
            "services/images.py",
            format!("{IMAGES}\n\n").replace("for previews", "for pictures"),
        ),
        ("api/routes.py", ROUTES.into()),
    ];
    for (file, text) in &edits {
        fs::write(p.join(file), text).unwrap();
        let (r, by_facts) = cutoff_run(p, c);
        assert!(by_facts || file == &"api/routes.py", "{file}: not served");
        assert_eq!(r, start, "{file}");
    }

    // Not served: a fact changes (the model's name, same length), ...
    fs::write(p.join("services/llm.py"), LLM.replace("gpt-4o", "gpt-4x")).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    assert_ne!(r, start);
    // Back to the old facts by a text not seen before: served.
    fs::write(p.join("services/llm.py"), format!("{LLM}\n\n\n")).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert_eq!(r, start);
    assert!(by_facts, "the old facts again: served");

    // ... the plain comment becomes a suppression (same length), ...
    let images = format!("{IMAGES}\n\n").replace("for pictures", "for previews");
    let directive = images.replace(
        "# the second pipeline is for previews ............",
        "# synthlint: ignore[MOD001] reviewed: previews too",
    );
    assert_eq!(directive.len(), images.len());
    fs::write(p.join("services/images.py"), &directive).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    let v: serde_json::Value = serde_json::from_str(&r).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "MOD001")
            .all(|f| !f["suppression"].is_null()),
        "{r}"
    );

    // ... and a span moves (a blank line on top of the file).
    fs::write(p.join("services/images.py"), format!("\n{images}")).unwrap();
    let (r, by_facts) = cutoff_run(p, c);
    assert!(!by_facts);
    assert_ne!(r, start);
    assert!(r.contains("\"startLine\": 6"), "{r}");
}

/// A small project for the per-file parts (`src/parts.rs`): findings of the
/// per-file rules that depend on other files through what the index does
/// to a file's facts (an imported alias rewritten across modules, an
/// import requalified along an inferred root, a module suffix) and through
/// LOG001's Terraform variables.
fn parts_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for d in ["tools", "lib/vendor", "infra"] {
        fs::create_dir_all(p.join(d)).unwrap();
    }
    // An alias of a label-stripping call, imported by another module.
    fs::write(
        p.join("tools/meta.py"),
        "import piexif\n\nremove_meta = piexif.remove\n",
    )
    .unwrap();
    fs::write(
        p.join("tools/clean.py"),
        "import piexif\nfrom tools.meta import remove_meta\n\n\ndef clean(path):\n    remove_meta(path)\n    piexif.remove(path)\n",
    )
    .unwrap();
    // A module found by its suffix (`vendor.helpers` is `lib.vendor.helpers`).
    fs::write(
        p.join("lib/vendor/helpers.py"),
        "import piexif\n\nscrub = piexif.remove\n",
    )
    .unwrap();
    fs::write(
        p.join("app.py"),
        "from vendor.helpers import scrub\n\n\ndef save(path):\n    scrub(path)\n",
    )
    .unwrap();
    fs::write(
        p.join("infra/variables.tf"),
        "variable \"log_days\" {\n  default = 7\n}\n",
    )
    .unwrap();
    fs::write(
        p.join("infra/logs.tf"),
        "resource \"aws_cloudwatch_log_group\" \"app_logs\" {\n  name = \"app-logs\"\n  retention_in_days = var.log_days\n}\n",
    )
    .unwrap();
    // Files the edits below never reach, each with a finding of its own.
    for i in 0..6 {
        fs::write(
            p.join(format!("tools/keep_{i}.py")),
            format!(
                "import piexif\nfrom diffusers import StableDiffusionPipeline\n\npiexif.remove(\"{i}.jpg\")\npipe = StableDiffusionPipeline.from_pretrained(\"x\", safety_checker=None)\n"
            ),
        )
        .unwrap();
    }
    dir
}

/// A run with the caches in `cache` at `jobs` threads, checked byte for
/// byte against a `--no-cache` run (`what` names the caches on trial):
/// the cached run's `--stats` and the cold report.
fn cached_against_cold(p: &Path, cache: &Path, jobs: &str, what: &str) -> (String, String) {
    let c = cache.to_str().unwrap();
    let warm = run(
        &[
            "check",
            ".",
            "--format",
            "json",
            "--jobs",
            jobs,
            "--stats",
            "--cache-dir",
            c,
        ],
        p,
    );
    let cold = run(
        &[
            "check",
            ".",
            "--format",
            "json",
            "--jobs",
            jobs,
            "--no-cache",
        ],
        p,
    );
    assert_reports_equal(
        &warm,
        &cold,
        &format!("a run with {what} differs from a cold run"),
    );
    (
        String::from_utf8_lossy(&warm.stderr).into_owned(),
        String::from_utf8(cold.stdout).unwrap(),
    )
}

/// [`cached_against_cold`] for the per-file parts: the report, the parts
/// the cached run reused and computed, and whether the result cache served
/// the whole result (a state seen before).
fn parts_run(p: &Path, cache: &Path, jobs: &str) -> (String, usize, usize, bool) {
    let (err, report) = cached_against_cold(p, cache, jobs, "the parts");
    let served = err.lines().any(|l| l.contains("result cache: hit"));
    let (reused, computed) = reused_and_computed(&err, "per-file parts: ");
    (report, reused, computed, served)
}

/// The `--stats` line `<what>N reused, M computed`: (N, M), (0, 0) when
/// the run printed none.
fn reused_and_computed(err: &str, what: &str) -> (usize, usize) {
    err.lines()
        .find_map(|l| {
            let rest = l.trim().strip_prefix(what)?;
            let (r, rest) = rest.split_once(" reused, ")?;
            let c = rest.strip_suffix(" computed")?;
            Some((r.parse().ok()?, c.parse().ok()?))
        })
        .unwrap_or((0, 0))
}

/// Per-file parts (issue 19, target 4): with the caches warm, a change in
/// one file that changes a per-file rule's finding in another file gives
/// the report of a cold run byte for byte, at 1 and 4 threads, and the
/// files the change does not reach are served from their parts (the
/// `--stats` count, so a cache that never hits fails here).
#[test]
fn per_file_parts_follow_changes_in_other_files_exactly_as_a_cold_run() {
    for jobs in ["1", "4"] {
        let dir = parts_project();
        let p = dir.path();
        let cache = tempfile::tempdir().unwrap();
        let c = cache.path();
        let (start, reused, computed, _) = parts_run(p, c, jobs);
        assert_eq!(reused, 0, "nothing stored yet");
        assert!(computed > 0);
        assert_eq!(count(&start, "LBL004", "tools/clean.py"), 2, "{start}");
        assert_eq!(count(&start, "LBL004", "app.py"), 1, "{start}");
        assert_eq!(count(&start, "LOG001", "infra/logs.tf"), 1, "{start}");
        assert_eq!(count(&start, "MOD001", "tools/keep_0.py"), 1, "{start}");
        let files = computed;

        let reached = |r: &str| {
            (
                count(r, "LBL004", "tools/clean.py"),
                count(r, "LBL004", "app.py"),
                count(r, "LOG001", "infra/logs.tf"),
            )
        };
        // Writes `file` (deletes it for `None`) and checks the run: a state
        // not seen before runs the rules, reusing the parts of the files
        // the change does not reach; one seen before may be served whole.
        let step = |file: &str, text: Option<&str>, seen: bool| {
            match text {
                Some(t) => fs::write(p.join(file), t).unwrap(),
                None => fs::remove_file(p.join(file)).unwrap(),
            }
            let (r, reused, computed, served) = parts_run(p, c, jobs);
            assert!(served || !seen, "{file}: not served ({jobs} jobs)");
            if !served {
                assert!(reused > 0, "{file}: no part reused ({jobs} jobs)");
                assert!(
                    computed < files,
                    "{file}: every part computed ({jobs} jobs)"
                );
            }
            r
        };
        const META: &str = "import piexif\n\nremove_meta = piexif.remove\n";

        // The imported alias stops stripping labels: clean.py loses a finding.
        let r = step(
            "tools/meta.py",
            Some("import piexif\n\nremove_meta = print\n"),
            false,
        );
        assert_eq!(reached(&r), (1, 1, 1), "{r}");
        // ... and strips them again, by a text not seen before.
        let r = step("tools/meta.py", Some(&format!("{META}\nx = 1\n")), false);
        assert_eq!(reached(&r), (2, 1, 1), "{r}");
        // A new module beside clean.py shadows the library it imports.
        let r = step(
            "tools/piexif.py",
            Some("def remove(path):\n    return path\n"),
            false,
        );
        assert_eq!(reached(&r).0, 0, "{r}");
        let r = step("tools/piexif.py", None, true);
        assert_eq!(reached(&r), (2, 1, 1), "{r}");
        // A second `vendor/helpers.py` makes the suffix app.py imports by
        // ambiguous: its finding goes.
        fs::create_dir_all(p.join("other/vendor")).unwrap();
        let r = step("other/vendor/helpers.py", Some("x = 1\n"), false);
        assert_eq!(reached(&r).1, 0, "{r}");
        let r = step("other/vendor/helpers.py", None, true);
        assert_eq!(reached(&r), (2, 1, 1), "{r}");
        // A new empty file first in path order moves every later file's index.
        let r = step("a_first.py", Some(""), false);
        assert_eq!(reached(&r), (2, 1, 1), "{r}");
        assert_eq!(count(&r, "MOD001", "tools/keep_5.py"), 1, "{r}");
        // The Terraform variable's default changes in another file.
        let r = step(
            "infra/variables.tf",
            Some("variable \"log_days\" {\n  default = 365\n}\n"),
            false,
        );
        assert_eq!(reached(&r).2, 0, "{r}");
        let r = step(
            "infra/variables.tf",
            Some("variable \"log_days\" {\n  default = 30\n}\n"),
            false,
        );
        assert_eq!(reached(&r).2, 1, "{r}");
        assert!(r.contains("default 30"), "{r}");
        // A code edit in a file of its own: the others' parts serve.
        let r = step(
            "tools/keep_3.py",
            Some("import piexif\n\n\ndef _edit(items):\n    return sorted(items, key=len)\n"),
            false,
        );
        assert_eq!(count(&r, "LBL004", "tools/keep_3.py"), 0, "{r}");
        assert_eq!(count(&r, "MOD001", "tools/keep_2.py"), 1, "{r}");

        // The parts file is sealed: with any byte changed, no part is
        // reused, and the report is still a cold run's.
        let stored: Vec<std::path::PathBuf> = fs::read_dir(c)
            .unwrap()
            .flatten()
            .map(|e| e.path().join("parts"))
            .filter(|p| p.is_file())
            .collect();
        assert_eq!(stored.len(), 1, "one parts file");
        let mut bytes = fs::read(&stored[0]).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        fs::write(&stored[0], bytes).unwrap();
        fs::write(p.join("tools/keep_3.py"), "import piexif\n").unwrap();
        let (_, reused, computed, served) = parts_run(p, c, jobs);
        assert!(!served);
        assert_eq!(reused, 0, "a damaged parts file was read");
        assert_eq!(computed, files + 5, "every unit computed");
    }
}

/// An image endpoint (api/images.py) whose explicit label is drawn by a
/// helper in another module (services/stamp.py) through an alias that a
/// third module defines (services/aliases.py): the helper's label evidence
/// depends on that alias through what the index does to its facts.
fn evidence_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for d in ["api", "services"] {
        fs::create_dir_all(p.join(d)).unwrap();
        fs::write(p.join(d).join("__init__.py"), "").unwrap();
    }
    fs::write(
        p.join("api/images.py"),
        "from flask import Flask, request, send_file\nfrom diffusers import StableDiffusionPipeline\n\nfrom services.stamp import mark\n\napp = Flask(__name__)\npipe = StableDiffusionPipeline.from_pretrained(\"x\")\n\n\n@app.post(\"/image\")\ndef image():\n    img = pipe(request.json[\"prompt\"]).images[0]\n    img.save(\"out.png\")\n    img = mark(img)\n    return send_file(\"out.png\", mimetype=\"image/png\")\n",
    )
    .unwrap();
    fs::write(
        p.join("services/stamp.py"),
        "from services.aliases import put_text\n\n\ndef mark(img):\n    put_text(img, \"hello\", (10, 10), 0, 1.0, (255, 255, 255))\n    return img\n",
    )
    .unwrap();
    fs::write(
        p.join("services/aliases.py"),
        "import cv2\n\nput_text = cv2.putText\n",
    )
    .unwrap();
    dir
}

/// Writes `text` to `file`, then [`cached_against_cold`]: the report and
/// the evidence units the cached run reused and computed.
fn evidence_step(
    p: &Path,
    cache: &Path,
    jobs: &str,
    file: &str,
    text: &str,
) -> (String, usize, usize) {
    fs::write(p.join(file), text).unwrap();
    let (err, report) = cached_against_cold(p, cache, jobs, "evidence units");
    let (reused, computed) = reused_and_computed(&err, "per-file evidence parts: ");
    (report, reused, computed)
}

/// The analyses' per-file evidence units (label evidence, `src/parts.rs`):
/// with the caches warm, an alias changed in one file moves the label
/// evidence of the file that calls it and the finding of a route in a
/// third, exactly as a cold run at 1 and 4 threads; only the files the
/// change reaches are computed again (the `--stats` counts), and a new
/// file that moves every later file's index keeps the evidence where it is.
#[test]
fn evidence_units_follow_an_alias_in_another_file_exactly_as_a_cold_run() {
    for jobs in ["1", "4"] {
        let dir = evidence_project();
        let p = dir.path();
        let cache = tempfile::tempdir().unwrap();
        let c = cache.path().to_path_buf();
        let step = |file: &str, text: &str| evidence_step(p, &c, jobs, file, text);
        const ALIAS: &str = "import cv2\n\nput_text = cv2.putText\n";
        let (r, reused, computed) = step("services/aliases.py", ALIAS);
        assert_eq!((reused, computed), (0, 5), "{jobs} jobs");
        assert_eq!(count(&r, "LBL002", "api/images.py"), 0, "{r}");
        // The alias no longer draws text: the route loses its label. The
        // alias's file and the helper's are computed again, nothing else.
        let (r, reused, computed) = step("services/aliases.py", "import cv2\n\nput_text = print\n");
        assert_eq!((reused, computed), (3, 2), "{jobs} jobs");
        assert_eq!(count(&r, "LBL002", "api/images.py"), 1, "{r}");
        // ... and draws it again, by a text not seen before.
        let (r, reused, computed) = step("services/aliases.py", &format!("{ALIAS}\nx = 1\n"));
        assert_eq!((reused, computed), (3, 2), "{jobs} jobs");
        assert_eq!(count(&r, "LBL002", "api/images.py"), 0, "{r}");
        // A new file first in path order moves every file's index: the
        // evidence is placed by position, every stored unit serves.
        let (r, reused, computed) = step("a_first.py", "X = 1\n");
        assert_eq!((reused, computed), (5, 1), "{jobs} jobs");
        assert_eq!(count(&r, "LBL002", "api/images.py"), 0, "{r}");
        let (r, reused, computed) = step(
            "services/aliases.py",
            "import cv2\n\nput_text = print\n\n\nY = 2\n",
        );
        assert_eq!((reused, computed), (4, 2), "{jobs} jobs");
        assert_eq!(count(&r, "LBL002", "api/images.py"), 1, "{r}");
    }
}

/// A gRPC service registered through an alias another module defines
/// (`register = chat_pb2_grpc.add_ChatServicer_to_server`): which calls
/// register a class is kept in the calling file's evidence unit, so the
/// alias changed elsewhere must compute that file's unit again, and the
/// service's endpoint findings go and come back exactly as a cold run's.
#[test]
fn class_registration_units_follow_an_alias_in_another_file_exactly_as_a_cold_run() {
    const SERVER: &str = "from concurrent import futures\n\nimport grpc\nfrom openai import OpenAI\n\nimport chat_pb2\nfrom svc.wiring import register\n\nclient = OpenAI()\n\n\nclass ChatService:\n    def Generate(self, request, context):\n        out = client.chat.completions.create(model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": request.text}])\n        return chat_pb2.Reply(text=out.choices[0].message.content)\n\n\ndef serve():\n    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))\n    register(ChatService(), server)\n    server.start()\n";
    const WIRING: &str =
        "import chat_pb2_grpc\n\nregister = chat_pb2_grpc.add_ChatServicer_to_server\n";
    for jobs in ["1", "4"] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        fs::create_dir_all(p.join("svc")).unwrap();
        fs::write(p.join("svc/__init__.py"), "").unwrap();
        fs::write(p.join("svc/server.py"), SERVER).unwrap();
        let cache = tempfile::tempdir().unwrap();
        let c = cache.path().to_path_buf();
        let step = |file: &str, text: &str| evidence_step(p, &c, jobs, file, text);
        let (r, reused, computed) = step("svc/wiring.py", WIRING);
        assert_eq!((reused, computed), (0, 3), "{jobs} jobs");
        assert_eq!(count(&r, "GEN002", "svc/server.py"), 1, "{r}");
        // The alias no longer registers: no service, no endpoint finding.
        let (r, reused, computed) = step(
            "svc/wiring.py",
            "import chat_pb2_grpc\n\nregister = print\n",
        );
        assert_eq!((reused, computed), (1, 2), "{jobs} jobs");
        assert_eq!(count(&r, "GEN002", "svc/server.py"), 0, "{r}");
        assert_eq!(count(&r, "GEN001", "svc/server.py"), 1, "{r}");
        // ... and registers again, by a text not seen before.
        let (r, reused, computed) = step("svc/wiring.py", &format!("{WIRING}\nx = 1\n"));
        assert_eq!((reused, computed), (1, 2), "{jobs} jobs");
        assert_eq!(count(&r, "GEN002", "svc/server.py"), 1, "{r}");
    }
}

/// A project with `api/` and `models/` packages and a cache, for the site
/// units' cases: each step writes a file and compares a cached run with a
/// cold one.
struct SiteProject {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl SiteProject {
    fn new(files: &[(&str, &str)]) -> SiteProject {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for d in ["api", "models"] {
            fs::create_dir_all(p.join(d)).unwrap();
            fs::write(p.join(d).join("__init__.py"), "").unwrap();
        }
        for (file, text) in files {
            fs::write(p.join(file), text).unwrap();
        }
        let cache = tempfile::tempdir().unwrap();
        SiteProject { dir, cache }
    }

    /// Writes `text` to `file`, then: GEN001 findings in `api/app.py`, and
    /// the site units reused and computed.
    fn step(&self, jobs: &str, file: &str, text: &str) -> (usize, usize, usize) {
        let p = self.dir.path();
        fs::write(p.join(file), text).unwrap();
        let (err, report) = cached_against_cold(p, self.cache.path(), jobs, "site units");
        let (reused, computed) = reused_and_computed(&err, "per-file site parts: ");
        (count(&report, "GEN001", "api/app.py"), reused, computed)
    }
}

/// Generation sites found through a chain of project classes that ends in
/// a client library's (`class Base(OpenAI)` in one file, `class Mine(Base)`
/// in another, `Mine().chat.completions.create` in a third): a file's site
/// unit says it has no site under one class table, so a class in another
/// file that starts or stops deriving from the client must search the
/// unchanged calling file again. Every run is compared byte for byte with
/// a `--no-cache` run at 1 and 4 threads; the `--stats` counts say which
/// files were searched.
#[test]
fn site_units_follow_a_base_class_in_another_file_exactly_as_a_cold_run() {
    const APP: &str = "from flask import Flask, request\n\nfrom models.mine import Mine\n\napp = Flask(__name__)\nclient = Mine()\n\n\n@app.post(\"/chat\")\ndef chat():\n    out = client.chat.completions.create(model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": request.json[\"q\"]}])\n    return out.choices[0].message.content\n";
    const CLIENT: &str = "from openai import OpenAI\n\n\nclass Base(OpenAI):\n    pass\n";
    const MINE: &str = "from models.client import Base\n\n\nclass Mine(Base):\n    pass\n";
    for jobs in ["1", "4"] {
        let project = SiteProject::new(&[("api/app.py", APP), ("models/mine.py", MINE)]);
        let step = |file: &str, text: &str| project.step(jobs, file, text);
        assert_eq!(step("models/client.py", CLIENT), (1, 0, 5), "{jobs} jobs");
        // The base no longer derives from the client: the class table
        // moved, every file is searched, and the call is no site.
        let plain = "from openai import OpenAI\n\n\nclass Base:\n    pass\n";
        assert_eq!(step("models/client.py", plain), (0, 0, 5), "{jobs} jobs");
        // An edit that declares no class: only its own file is searched,
        // the calling file's unit (no site) serves.
        let mine = format!("{MINE}\nx = 1\n");
        assert_eq!(step("models/mine.py", &mine), (0, 4, 1), "{jobs} jobs");
        // The base derives from the client again (a text not seen before):
        // the unchanged calling file has its site back.
        let client = format!("{CLIENT}\ny = 2\n");
        assert_eq!(step("models/client.py", &client), (1, 0, 5), "{jobs} jobs");
        // A file with a site is searched every run; the others serve.
        let mine = format!("{MINE}\nz = 3\n");
        assert_eq!(step("models/mine.py", &mine), (1, 3, 2), "{jobs} jobs");
    }
}

/// A generation call on a module global another file stores a client in
/// (`shared.model = OpenAI()` in a loader, `shared.model.chat...create` in
/// the route): the call's run-time alternatives are read again every run,
/// so a calling file whose unit says "no site" is searched again when the
/// loader starts storing the client, though no class moved and its own
/// text did not change.
#[test]
fn site_units_follow_a_run_time_value_in_another_file_exactly_as_a_cold_run() {
    const APP: &str = "from flask import Flask, request\n\nfrom models import shared\n\napp = Flask(__name__)\n\n\n@app.post(\"/chat\")\ndef chat():\n    out = shared.model.chat.completions.create(model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": request.json[\"q\"]}])\n    return out.choices[0].message.content\n";
    const LOADER: &str = "from openai import OpenAI\n\nfrom models import shared\n\n\ndef load():\n    shared.model = OpenAI()\n";
    for jobs in ["1", "4"] {
        let project =
            SiteProject::new(&[("api/app.py", APP), ("models/shared.py", "model = None\n")]);
        let step = |file: &str, text: &str| project.step(jobs, file, text);
        assert_eq!(step("models/loader.py", LOADER), (1, 0, 5), "{jobs} jobs");
        // The loader stores something else: the route's call is no site.
        let other = "from models import shared\n\n\ndef load():\n    shared.model = print\n";
        assert_eq!(step("models/loader.py", other), (0, 3, 2), "{jobs} jobs");
        // Another file's edit: the route's unit (no site) serves.
        assert_eq!(
            step("models/shared.py", "model = None\n\nx = 1\n"),
            (0, 4, 1),
            "{jobs} jobs"
        );
        // The loader stores the client again (a text not seen before): the
        // route's call has run-time alternatives, its file is searched.
        let loader = format!("{LOADER}\n\nq = 1\n");
        assert_eq!(step("models/loader.py", &loader), (1, 3, 2), "{jobs} jobs");
    }
}

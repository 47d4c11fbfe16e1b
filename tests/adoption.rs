//! Adopting synthlint on an existing product: a baseline, findings new
//! since a git ref, pre-commit's view of a change, and the suppression
//! workflow (`--add-suppressions`, `--fix`).

mod common;

use std::path::Path;
use std::process::Command;

use common::write;
use serde_json::Value;

/// A route in one module, the generation and its labels in a helper.
const API: &str = "from fastapi import FastAPI\nfrom fastapi.responses import Response\n\nfrom svc.images import render\n\napp = FastAPI()\n\n\n@app.post(\"/images\")\ndef images(body: dict):\n    return Response(render(body[\"prompt\"]), media_type=\"image/png\")\n";
const HELPER: &str = "import io\nimport json\nimport uuid\n\nfrom diffusers import AutoPipelineForText2Image\nfrom PIL import ImageDraw\nfrom PIL.PngImagePlugin import PngInfo\n\npipe = AutoPipelineForText2Image.from_pretrained(\"stabilityai/sdxl-turbo\")\n\n\ndef render(prompt):\n    image = pipe(prompt=prompt).images[0]\n    ImageDraw.Draw(image).text((10, 10), \"AI生成\", fill=\"white\")\n    info = PngInfo()\n    info.add_text(\"AIGC\", json.dumps({\"Label\": \"1\", \"ContentProducer\": \"x\", \"ProduceID\": uuid.uuid4().hex}))\n    buf = io.BytesIO()\n    image.save(buf, format=\"PNG\", pnginfo=info)\n    return buf.getvalue()\n";
const CHECKER_OFF: &str = "from diffusers import StableDiffusionPipeline\n\n\ndef make():\n    return StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n";

fn project(dir: &Path) {
    write(dir, "svc/__init__.py", "");
    write(dir, "svc/api.py", API);
    write(dir, "svc/images.py", HELPER);
}

fn json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .arg(args[0])
        .args(["--format", "json", "--no-cache"])
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

/// Active findings as `RULE path`.
fn active(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect()
}

fn kinds(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["suppression"]["kind"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn baseline_survives_edits_reformatting_and_moves() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(
        dir,
        "gen.py",
        &format!("import os\n\n\ndef other():\n    return 1\n\n\n{CHECKER_OFF}"),
    );
    let run = common::run(dir, &["baseline", "."]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("synthlint-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["fingerprint"], "synthlint/v2");
    assert!(
        file["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["rule"] == "MOD001")
    );

    // Lines added above, black-style reformatting, the function moved up.
    write(
        dir,
        "gen.py",
        "from diffusers import StableDiffusionPipeline\n\n\ndef make():\n    return StableDiffusionPipeline.from_pretrained(\n        \"x\",\n        safety_checker=None,\n    )\n\n\n# a comment\nimport os\n\n\ndef other():\n    return 1\n",
    );
    let (code, v) = json(
        dir,
        &["check", ".", "--baseline", "synthlint-baseline.json"],
    );
    assert_eq!(code, Some(0), "{v:#}");
    assert!(active(&v).is_empty(), "{:?}", active(&v));
    assert!(kinds(&v).iter().all(|k| k == "baseline"));

    // A new finding is reported; the config key works like the flag.
    write(dir, "new.py", CHECKER_OFF);
    write(
        dir,
        "synthlint.toml",
        "baseline = \"synthlint-baseline.json\"\n",
    );
    let (code, v) = json(dir, &["check", "."]);
    assert_eq!(code, Some(1));
    assert_eq!(active(&v), ["MOD001 new.py"]);

    // Fixed findings leave stale entries: a note, and a flag fails on them.
    std::fs::remove_file(dir.join("gen.py")).unwrap();
    std::fs::remove_file(dir.join("new.py")).unwrap();
    let (code, v) = json(dir, &["check", "."]);
    assert_eq!(code, Some(0));
    let stale: Vec<&Value> = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "baseline-stale")
        .collect();
    assert_eq!(stale.len(), 1, "{v:#}");
    let (code, _) = json(dir, &["check", ".", "--fail-on-stale-baseline"]);
    assert_eq!(code, Some(1));
}

#[test]
fn baseline_keeps_reasons_and_rejects_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(dir, "gen.py", CHECKER_OFF);
    assert_eq!(common::run(dir, &["baseline", "."]).code, Some(0));
    let path = dir.join("synthlint-baseline.json");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "\"reason\": null",
        "\"reason\": \"research pipeline, tracked in SEC-12\"",
    );
    std::fs::write(&path, &text).unwrap();
    assert_eq!(common::run(dir, &["baseline", "."]).code, Some(0));
    let again = std::fs::read_to_string(&path).unwrap();
    assert!(again.contains("SEC-12"), "{again}");
    let (_, v) = json(
        dir,
        &["check", ".", "--baseline", "synthlint-baseline.json"],
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["suppression"]["justification"] == "research pipeline, tracked in SEC-12")
    );

    std::fs::write(dir.join("bad.json"), "{\"secret\": \"sk-proj-abcdef\"}").unwrap();
    let run = common::run(dir, &["check", ".", "--baseline", "bad.json"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("not a synthlint baseline") && !run.stderr.contains("sk-proj"));
}

/// pre-commit passes only the staged helper module; the finding is at the
/// route in another file, and its code flow passes through the helper.
#[test]
fn changed_files_report_findings_whose_flow_touches_them() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    project(dir);
    write(dir, "other.py", CHECKER_OFF);
    // What the pre-commit hook runs when only the helper is staged.
    let hook = || {
        json(
            dir,
            &[
                "check",
                "--changed",
                "--fail-on=error",
                "--",
                "svc/images.py",
            ],
        )
    };
    let (code, v) = hook();
    assert_eq!(code, Some(0), "{v:#}");
    assert!(!active(&v).iter().any(|f| f.contains("other.py")));
    assert!(
        active(&v).iter().all(|f| !f.starts_with("LBL00")),
        "{:?}",
        active(&v)
    );

    let unlabelled = HELPER
        .replace("    info.add_text(\"AIGC\", json.dumps({\"Label\": \"1\", \"ContentProducer\": \"x\", \"ProduceID\": uuid.uuid4().hex}))\n", "")
        .replace(", pnginfo=info", "");
    write(dir, "svc/images.py", &unlabelled);
    let (code, v) = hook();
    assert_eq!(code, Some(1), "{v:#}");
    let lbl = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "LBL001")
        .expect("LBL001 at the route");
    assert_eq!(lbl["path"], "svc/api.py");
    assert!(
        lbl["flow"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == "svc/images.py")
    );
    assert!(!active(&v).iter().any(|f| f.contains("other.py")));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_base_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    git(dir, &["init", "-q", "-b", "main"]);
    project(dir);
    write(dir, "legacy.py", CHECKER_OFF);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    // Edits above the old finding, a new one elsewhere; not committed: the
    // work tree need not be clean.
    write(dir, "legacy.py", &format!("import os\n\n{CHECKER_OFF}"));
    write(dir, "fresh.py", CHECKER_OFF);
    let (code, v) = json(dir, &["check", ".", "--diff-base", "main"]);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(active(&v), ["MOD001 fresh.py"]);
    assert!(kinds(&v).iter().any(|k| k == "diff-base"));
    // The work tree is untouched and no checkout happened.
    assert!(dir.join("fresh.py").exists());

    let run = common::run(dir, &["check", ".", "--diff-base", "--output=x"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let run = common::run(dir, &["check", ".", "--diff-base", "no-such-branch"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("no such commit"), "{}", run.stderr);
    assert!(!dir.join("x").exists());
}

#[test]
fn add_suppressions_then_fix_removes_them_once_unused() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let text = format!("{CHECKER_OFF}\nTEXT = '''\n{{}}'''.format(\n    1)\n");
    write(dir, "gen.py", &text);
    let run = common::run(
        dir,
        &[
            "check",
            ".",
            "--no-cache",
            "--add-suppressions",
            "accepted until SEC-9",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let edited = std::fs::read_to_string(dir.join("gen.py")).unwrap();
    assert!(
        edited.contains("# synthlint: ignore[MOD001] accepted until SEC-9"),
        "{edited}"
    );
    let (code, v) = json(dir, &["check", "."]);
    assert_eq!(code, Some(0));
    assert!(active(&v).is_empty(), "{:?}", active(&v));

    // The code is fixed: the suppression is now unused (SYN002), and --fix
    // takes it out again.
    write(
        dir,
        "gen.py",
        &edited
            .replace("safety_checker=None", "safety_checker=checker")
            .replace("StableDiffusionPipeline.from_pretrained", "load"),
    );
    let (_, v) = json(dir, &["check", "."]);
    assert!(
        active(&v).iter().any(|f| f.starts_with("SYN002")),
        "{:?}",
        active(&v)
    );
    let run = common::run(dir, &["check", ".", "--no-cache", "--fix"]);
    assert!(run.stderr.contains("removed"), "{}", run.stderr);
    let fixed = std::fs::read_to_string(dir.join("gen.py")).unwrap();
    assert!(!fixed.contains("synthlint: ignore"), "{fixed}");
    let (_, v) = json(dir, &["check", "."]);
    assert!(
        !active(&v).iter().any(|f| f.starts_with("SYN002")),
        "{:?}",
        active(&v)
    );
}

#[test]
fn add_suppressions_writes_the_comment_of_the_files_language() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let text =
        "pub async fn f(c: async_openai::Client<C>, r: R) {\n    c.chat().create(r).await;\n}\n";
    write(dir, "gw/src/lib.rs", text);
    let run = common::run(
        dir,
        &["check", ".", "--no-cache", "--add-suppressions", "reviewed"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let edited = std::fs::read_to_string(dir.join("gw/src/lib.rs")).unwrap();
    assert!(
        edited.contains("c.chat().create(r).await;  // synthlint: ignore[GEN001] reviewed"),
        "{edited}"
    );
    let (_, v) = json(dir, &["check", "."]);
    assert!(active(&v).is_empty(), "{:?}", active(&v));
}

#[test]
fn add_suppressions_writes_the_comment_of_each_markup_language() {
    let app = "from fastapi import FastAPI\nfrom openai import OpenAI\n\napp = FastAPI()\nclient = OpenAI()\n\n\n@app.post(\"/api/chat\")\ndef chat(prompt: str):\n    out = client.chat.completions.create(model=\"m\", messages=[{\"role\": \"user\", \"content\": prompt}])\n    return {\"answer\": out.choices[0].message.content}\n";
    // (main template, its text, the comment expected around the directive)
    let cases = [
        (
            "templates/index.html",
            "<html>\n<head>\n  <title>Example AI</title>\n</head>\n</html>\n",
            (
                "<title>Example AI</title>  <!-- synthlint: ignore[",
                "] reviewed -->",
            ),
        ),
        (
            "templates/base.jinja",
            "<html>\n  <title>{{ site }} Example AI</title>\n</html>\n",
            (
                "<title>{{ site }} Example AI</title>  {# synthlint: ignore[",
                "] reviewed #}",
            ),
        ),
        (
            "web/src/App.jsx",
            "export default function App() {\n  return (\n    <main>\n      <h1>Example AI</h1>\n    </main>\n  );\n}\n",
            ("{/* synthlint: ignore[", "] reviewed */}"),
        ),
    ];
    for (path, text, (before, after)) in cases {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        write(dir, "app.py", app);
        write(dir, path, text);
        let (_, v) = json(dir, &["check", ".", "--select", "SVC"]);
        let here: Vec<String> = active(&v)
            .into_iter()
            .filter(|f| f.ends_with(path))
            .collect();
        assert!(!here.is_empty(), "{path}: {:?}", active(&v));
        let run = common::run(
            dir,
            &[
                "check",
                ".",
                "--no-cache",
                "--select",
                "SVC",
                "--add-suppressions",
                "reviewed",
            ],
        );
        assert_eq!(run.code, Some(0), "{path}: {}", run.stderr);
        let edited = std::fs::read_to_string(dir.join(path)).unwrap();
        let at = edited
            .find(before)
            .unwrap_or_else(|| panic!("{path}:\n{edited}"));
        assert!(edited[at..].contains(after), "{path}:\n{edited}");
        let (_, v) = json(dir, &["check", ".", "--select", "SVC"]);
        assert!(
            active(&v).iter().all(|f| !f.ends_with(path)),
            "{path}: {:?}\n{edited}",
            active(&v)
        );
    }
}

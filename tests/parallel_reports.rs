//! Reports rendered in chunks on the worker threads are the bytes of the
//! one-thread rendering: the JSON and SARIF reports of a project with
//! hundreds of findings (non-ASCII lines, CRLF, suppressions) are identical
//! at `--jobs 1`, where one chunk is rendered, and at `--jobs 4`, where the
//! findings are cut into many.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Files with a disabled safety checker, a generation call and a suppressed
/// one each: three findings a file.
const FILES: usize = 200;

fn project(root: &Path) {
    fs::create_dir_all(root.join(".git")).unwrap();
    for i in 0..FILES {
        let dir = root.join(format!("pkg{}", i % 7));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join(format!("m{i}.py")),
            format!(
                "from diffusers import StableDiffusionPipeline\nfrom openai import OpenAI\n\n\
                 # 生成 模型 {i}\ndef make{i}(prompt):\n    \
                 pipe = StableDiffusionPipeline.from_pretrained(\"x\", safety_checker=None)\n    \
                 img = OpenAI().images.generate(prompt=prompt)  # synthlint: ignore[GEN001] reviewed\r\n    \
                 return pipe(prompt), img\n"
            ),
        )
        .unwrap();
    }
}

fn report(root: &Path, format: &str, jobs: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args([
            "check",
            ".",
            "--no-cache",
            "--format",
            format,
            "--jobs",
            jobs,
        ])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn json_and_sarif_are_the_same_for_any_jobs() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    for (format, list) in [("json", "/findings"), ("sarif", "/runs/0/results")] {
        let one = report(dir.path(), format, "1");
        let four = report(dir.path(), format, "4");
        let parsed: serde_json::Value = serde_json::from_slice(&one).unwrap();
        let n = parsed
            .pointer(list)
            .and_then(|v| v.as_array())
            .unwrap()
            .len();
        assert_eq!(n, 3 * FILES, "{format}: every finding reported");
        assert!(
            one == four,
            "{format} reports differ between --jobs 1 and --jobs 4"
        );
    }
}

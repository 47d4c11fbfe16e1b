//! Nearest configuration per file (monorepos): the result does not depend
//! on the order of the arguments; `--show-settings` and `--show-files`
//! say what applies.

mod common;

use std::process::Command;

use common::write;

const GEN: &str = "from diffusers import StableDiffusionPipeline\n\n\ndef make():\n    return StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n";

fn stdout(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn each_file_gets_its_nearest_config_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(dir, "a/gen.py", GEN);
    write(dir, "b/gen.py", GEN);
    write(dir, "a/synthlint.toml", "ignore = [\"MOD001\"]\n");
    write(dir, "b/synthlint.toml", "[levels]\nMOD001 = \"warning\"\n");
    let args = |first: &'static str, second: &'static str| {
        vec!["check", "--no-cache", "--format", "concise", first, second]
    };
    let (_, ab) = stdout(dir, &args("a/gen.py", "b/gen.py"));
    let (_, ba) = stdout(dir, &args("b/gen.py", "a/gen.py"));
    assert_eq!(ab, ba);
    assert!(!ab.contains("a/gen.py:5:"), "MOD001 is ignored in a/: {ab}");
    assert!(
        ab.contains("b/gen.py:5:") && ab.contains("warning[MOD001]"),
        "{ab}"
    );
    // A directory scan applies the same per-file settings.
    let (_, all) = stdout(dir, &["check", "--no-cache", "--format", "concise", "."]);
    assert_eq!(all, ab);

    let (code, shown) = stdout(dir, &["check", "--show-settings", "a/gen.py", "."]);
    assert_eq!(code, Some(0));
    assert!(shown.contains("config: a/synthlint.toml"), "{shown}");
    assert!(
        !shown
            .lines()
            .any(|l| l.starts_with("rules:") && l.contains("MOD001")),
        "{shown}"
    );
    let (_, shown) = stdout(dir, &["check", "--show-settings", "b/gen.py", "."]);
    assert!(
        shown.contains("config: b/synthlint.toml") && shown.contains("MOD001=warning"),
        "{shown}"
    );
}

#[test]
fn show_files_lists_what_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(dir, "app/main.py", "x = 1\n");
    write(dir, "app/gen/skip.py", "x = 1\n");
    write(dir, "app/synthlint.toml", "exclude = [\"gen/**\"]\n");
    write(dir, "tool.py", "x = 1\n");
    let (code, files) = stdout(dir, &["check", "--show-files", "."]);
    assert_eq!(code, Some(0));
    assert_eq!(files, "app/main.py\ntool.py\n");
}

//! Regression tests for the adversarial review of issue 17: a scanned
//! repository is untrusted (pull requests from strangers in CI). Each test
//! names the item it holds; each failed on the behaviour at ac14b2c.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::write;

/// The binary under test; `SYNTHLINT_BIN` runs these tests against another
/// build (that is how each was seen to fail on ac14b2c's binary).
fn bin() -> Command {
    let exe =
        std::env::var_os("SYNTHLINT_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_synthlint").into());
    let mut c = Command::new(exe);
    c.env("NO_COLOR", "1");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run synthlint")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary directory with a canonical path (macOS's /tmp is a link).
fn tempdir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    (tmp, dir)
}

/// A git work tree (only `.git` is needed for the root to be found here).
fn repo() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = tempdir();
    let dir = dir.join("repo");
    fs::create_dir_all(dir.join(".git")).unwrap();
    (tmp, dir)
}

const SAFETY_OFF: &str = "from diffusers import StableDiffusionPipeline\n\
    pipe = StableDiffusionPipeline.from_pretrained(\"x\", safety_checker=None)\n";

// ---- 1. configuration files from the repository ---------------------------

#[cfg(unix)]
#[test]
fn item01_config_symlink_out_of_the_repository_is_not_read() {
    let (_tmp, dir) = repo();
    let outside = dir.parent().unwrap().join("environ");
    fs::write(
        &outside,
        "GITHUB_TOKEN=ghp_secretsecretsecretsecretsecret12345\n",
    )
    .unwrap();
    write(&dir, "app.py", "x = 1\n");
    for name in ["synthlint.toml", ".synthlint.toml", "pyproject.toml"] {
        std::os::unix::fs::symlink(&outside, dir.join(name)).unwrap();
        let o = run(&dir, &["check", "."]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            !err.contains("GITHUB_TOKEN") && !err.contains("secret"),
            "{err}"
        );
        assert!(err.contains("outside the repository"), "{err}");
        fs::remove_file(dir.join(name)).unwrap();
    }
    // A link inside the repository is fine.
    write(&dir, "conf/synthlint.toml", "select = [\"GEN\"]\n");
    std::os::unix::fs::symlink("conf/synthlint.toml", dir.join("synthlint.toml")).unwrap();
    assert_eq!(run(&dir, &["check", "."]).status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn item01_config_fifo_is_refused_without_blocking() {
    let (_tmp, dir) = repo();
    write(&dir, "app.py", "x = 1\n");
    let fifo = dir.join("synthlint.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let o = run(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

#[test]
fn item01_config_errors_show_a_short_masked_excerpt() {
    let (_tmp, dir) = repo();
    write(&dir, "app.py", "x = 1\n");
    // Too large to read at all.
    let big = format!("select = [\"{}\"]\n", "A".repeat(2 << 20));
    write(&dir, "synthlint.toml", &big);
    let o = run(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).len() < 1000, "{} bytes", stderr(&o).len());
    // A long value: the message quotes a short excerpt, the line is not shown.
    let long = format!("select = [\"{}\"]\n", "B".repeat(200_000));
    write(&dir, "synthlint.toml", &long);
    let o = run(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.len() < 2000, "{} bytes of error", err.len());
    assert!(err.contains("line 1"), "{err}");
    // A key in the file is masked where the error shows the line.
    write(
        &dir,
        "synthlint.toml",
        "api_key = \"sk-proj-abcdefghijklmnopqrstuvwxyz012345\"\n",
    );
    let err = stderr(&run(&dir, &["check", "."]));
    assert!(err.contains("sk-proj-****"), "{err}");
    assert!(!err.contains("abcdefghijklmnop"), "{err}");
    // An explicit --config that is not TOML at all: still an excerpt.
    let env = dir.join("env.txt");
    fs::write(&env, format!("TOKEN=\"{}\" \n", "z".repeat(100_000))).unwrap();
    let o = run(&dir, &["check", ".", "--config", env.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).len() < 2000, "{}", stderr(&o).len());
}

// ---- 19. many problems, huge values ---------------------------------------

#[test]
fn item19_config_error_text_is_bounded() {
    let (_tmp, dir) = repo();
    write(&dir, "app.py", "x = 1\n");
    let many: Vec<String> = (0..5000).map(|i| format!("\"X{i}\"")).collect();
    write(
        &dir,
        "synthlint.toml",
        &format!("select = [{}]\n", many.join(",")),
    );
    let o = run(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("5000 problems"), "{err}");
    assert!(err.len() < 20_000, "{} bytes of error", err.len());
}

//! The walker: ignore files, excludes, symlinks, explicit paths, order.
//! Each test runs the real binary under a deadline, then checks the file
//! list and notifications through the library.

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::*;

use synthlint::config::{self, Overrides};
use synthlint::finding::Notification;
use synthlint::walk;

/// Run `check --stats ARGS` in `dir`; assert a clean finish; return the
/// number of files read.
fn files_scanned(dir: &Path, args: &[&str]) -> usize {
    let mut all = vec!["check", "--stats"];
    all.extend_from_slice(args);
    let r = run(dir, &all);
    assert!(
        matches!(r.code, Some(0 | 1)),
        "exit code {:?}, stderr:\n{}",
        r.code,
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
        .lines()
        .find_map(|l| l.trim().split_once(" files, "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no file count in:\n{}", r.stderr))
}

/// The walk through the library: (sorted rel paths, notifications).
fn collect_with(dir: &Path, o: Overrides) -> (Vec<String>, Vec<Notification>) {
    let settings = config::resolve(&o).expect("settings");
    let (files, notes) = walk::collect(&o.paths, &settings);
    let files: Vec<String> = files.into_iter().map(|f| f.rel).collect();
    assert!(
        files.iter().all(|f| !f.starts_with('/')),
        "{dir:?}: {files:?}"
    );
    (files, notes)
}

fn collect(dir: &Path) -> (Vec<String>, Vec<Notification>) {
    collect_with(
        dir,
        Overrides {
            paths: vec![dir.to_path_buf()],
            root: Some(dir.to_path_buf()),
            ..Default::default()
        },
    )
}

fn repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap().join("repo");
    fs::create_dir_all(dir.join(".git")).unwrap();
    (tmp, dir)
}

fn kinds(notes: &[Notification]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = notes
        .iter()
        .map(|n| (n.path.clone().unwrap_or_default(), n.kind.clone()))
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
use std::os::unix::fs::symlink;

#[cfg(unix)]
#[test]
fn symlink_loop() {
    let (_tmp, dir) = repo();
    write(&dir, "a/mod.py", "x = 1\n");
    write(&dir, "b.py", "y = 2\n");
    symlink("..", dir.join("a/up")).unwrap();
    symlink(".", dir.join("a/self")).unwrap();
    // A cycle of file links: ELOOP when opened.
    symlink("c2.py", dir.join("c1.py")).unwrap();
    symlink("c1.py", dir.join("c2.py")).unwrap();

    assert_eq!(files_scanned(&dir, &[]), 2);
    let (files, notes) = collect(&dir);
    assert_eq!(files, ["a/mod.py", "b.py"]);
    let k = kinds(&notes);
    for p in ["a/up", "a/self", "c1.py", "c2.py"] {
        assert!(
            k.contains(&(p.to_string(), "symlink-loop".to_string())),
            "{p}: {k:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlinks_outside_the_root() {
    let (tmp, dir) = repo();
    let outside = tmp.path().canonicalize().unwrap().join("outside");
    write(&outside, "secret.py", "KEY = 1\n");
    write(&dir, "app.py", "x = 1\n");
    symlink(outside.join("secret.py"), dir.join("linked_file.py")).unwrap();
    symlink(&outside, dir.join("linked_dir")).unwrap();

    assert_eq!(files_scanned(&dir, &[]), 1);
    let (files, notes) = collect(&dir);
    assert_eq!(files, ["app.py"]);
    assert_eq!(
        kinds(&notes),
        [
            ("linked_dir".to_string(), "symlink-outside-root".to_string()),
            ("linked_file.py".into(), "symlink-outside-root".into()),
        ]
    );
    assert!(
        notes
            .iter()
            .all(|n| !n.message.contains(&*tmp.path().to_string_lossy()))
    );
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_root_are_scanned_once() {
    let (_tmp, dir) = repo();
    write(&dir, "lib/real.py", "x = 1\n");
    write(&dir, "src/app.py", "y = 1\n");
    symlink("../lib/real.py", dir.join("src/alias.py")).unwrap();
    symlink("../lib", dir.join("src/vendored")).unwrap();

    assert_eq!(files_scanned(&dir, &[]), 2);
    let (files, notes) = collect(&dir);
    assert_eq!(files, ["lib/real.py", "src/app.py"]);
    assert!(notes.is_empty(), "{notes:?}");

    // Scanning only src/ still reaches lib/ through the links, once, by its real path.
    let (files, _) = collect_with(
        &dir,
        Overrides {
            paths: vec![dir.join("src")],
            root: Some(dir.clone()),
            ..Default::default()
        },
    );
    assert_eq!(files, ["lib/real.py", "src/app.py"]);
}

#[test]
fn directory_named_like_a_python_file() {
    let (_tmp, dir) = repo();
    write(&dir, "weird.py/inner.py", "x = 1\n");
    write(&dir, "top.py", "y = 1\n");
    assert_eq!(files_scanned(&dir, &[]), 2);
    let (files, notes) = collect(&dir);
    assert_eq!(files, ["top.py", "weird.py/inner.py"]);
    assert!(notes.is_empty(), "{notes:?}");
    // Named explicitly, it is walked as a directory.
    assert_eq!(files_scanned(&dir, &["weird.py"]), 1);
}

#[test]
fn ignore_files_and_default_excludes() {
    let (_tmp, dir) = repo();
    write(&dir, "app.py", "");
    write(&dir, ".gitignore", "generated/\n*_pb2.py\n!keep_pb2.py\n");
    write(&dir, "generated/x.py", "");
    write(&dir, "api_pb2.py", "");
    write(&dir, "keep_pb2.py", "");
    write(&dir, ".ignore", "scratch.py\n");
    write(&dir, "scratch.py", "");
    write(&dir, "sub/.synthlintignore", "fixtures/\n");
    write(&dir, "sub/fixtures/bad.py", "");
    write(&dir, "sub/ok.py", "");
    for d in [
        ".venv",
        "venv",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        "x/site-packages",
    ] {
        write(&dir, &format!("{d}/lib.py"), "");
    }
    // Hidden files and directories are walked.
    write(&dir, ".config/settings.py", "");

    assert_eq!(files_scanned(&dir, &[]), 4);
    let (files, notes) = collect(&dir);
    assert_eq!(
        files,
        [".config/settings.py", "app.py", "keep_pb2.py", "sub/ok.py"]
    );
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn gitignore_outside_a_git_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    write(&dir, ".gitignore", "out/\n");
    write(&dir, "out/gen.py", "");
    write(&dir, "app.py", "");
    let (files, _) = collect(&dir);
    assert_eq!(files, ["app.py"]);
}

#[test]
fn ignore_files_above_the_walked_directory_apply_up_to_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().canonicalize().unwrap();
    // Above the root: must not apply.
    write(&top, ".gitignore", "*\n");
    let dir = top.join("repo");
    fs::create_dir_all(dir.join(".git")).unwrap();
    write(&dir, ".gitignore", "src/gen/\n*.tmp.py\n");
    write(&dir, "src/app.py", "");
    write(&dir, "src/gen/x.py", "");
    write(&dir, "src/y.tmp.py", "");
    let (files, _) = collect_with(
        &dir,
        Overrides {
            paths: vec![dir.join("src")],
            root: Some(dir.clone()),
            ..Default::default()
        },
    );
    assert_eq!(files, ["src/app.py"]);
    assert_eq!(files_scanned(&dir, &["src"]), 1);
}

#[test]
fn explicit_paths() {
    let (_tmp, dir) = repo();
    write(&dir, ".venv/lib/tool.py", "");
    write(&dir, "build/gen.py", "");
    write(&dir, "build/deeper/node_modules/x.py", "");
    write(&dir, "app.py", "");
    write(&dir, "vendor/v.py", "");
    write(&dir, "notes.txt", "");
    // A named file in a default-excluded directory is scanned, like ruff.
    assert_eq!(files_scanned(&dir, &[".venv/lib/tool.py"]), 1);
    // A named default-excluded directory is walked, but not its own excluded children.
    assert_eq!(files_scanned(&dir, &["build"]), 1);
    // User excludes apply even to named files (pre-commit names every file).
    assert_eq!(
        files_scanned(&dir, &["--exclude", "vendor", "vendor/v.py", "app.py"]),
        1
    );
    // Files of other languages are skipped quietly.
    assert_eq!(files_scanned(&dir, &["notes.txt", "app.py"]), 1);
    // Duplicates are scanned once.
    assert_eq!(files_scanned(&dir, &["app.py", "./app.py", "."]), 2);
}

#[test]
fn excludes_from_config_and_command_line() {
    let (_tmp, dir) = repo();
    write(
        &dir,
        "synthlint.toml",
        "exclude = [\"tests/fixtures/**\", \"*_generated.py\"]\n",
    );
    write(&dir, "tests/fixtures/a.py", "");
    write(&dir, "tests/test_a.py", "");
    write(&dir, "pkg/api_generated.py", "");
    write(&dir, "pkg/core.py", "");
    write(&dir, "migrations/0001.py", "");
    assert_eq!(files_scanned(&dir, &[]), 3);
    assert_eq!(files_scanned(&dir, &["--exclude", "migrations/"]), 2);
    let (files, _) = collect_with(
        &dir,
        Overrides {
            paths: vec![dir.clone()],
            exclude: vec!["migrations".into()],
            ..Default::default()
        },
    );
    assert_eq!(files, ["pkg/core.py", "tests/test_a.py"]);
}

#[test]
fn output_is_sorted_and_independent_of_threads() {
    let (_tmp, dir) = repo();
    for i in 0..60 {
        write(&dir, &format!("d{}/s{}/f{i}.py", i % 7, i % 3), "");
    }
    let mut runs = Vec::new();
    for jobs in [1, 2, 8] {
        let (files, _) = collect_with(
            &dir,
            Overrides {
                paths: vec![dir.clone()],
                jobs: Some(jobs),
                ..Default::default()
            },
        );
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted);
        runs.push(files);
    }
    assert_eq!(runs[0].len(), 60);
    assert!(runs.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(files_scanned(&dir, &["-j", "1"]), 60);
}

#[test]
fn paths_outside_the_root_are_never_absolute() {
    let (_tmp, dir) = repo();
    write(&dir, "sub/a.py", "");
    write(&dir, "other/b.py", "");
    let o = Overrides {
        paths: vec![dir.clone()],
        root: Some(dir.join("sub")),
        ..Default::default()
    };
    let settings = config::resolve(&o).unwrap();
    let (files, _) = walk::collect(&o.paths, &settings);
    let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    assert!(rels.contains(&"a.py"), "{rels:?}");
    assert!(rels.iter().all(|r| !r.starts_with('/')), "{rels:?}");
    assert_eq!(files_scanned(&dir, &["--root", "sub", "."]), 2);
}

#[test]
fn file_size_limit_is_configurable() {
    let (_tmp, dir) = repo();
    write(&dir, "small.py", "x = 1\n");
    write(&dir, "big.py", &"# padding\n".repeat(1000));
    write(&dir, "synthlint.toml", "max-file-size = \"1 kB\"\n");
    assert_eq!(files_scanned(&dir, &[]), 1);
    write(&dir, "synthlint.toml", "max-file-size = 1_000_000\n");
    assert_eq!(files_scanned(&dir, &[]), 2);
}

#[test]
fn bad_glob_in_an_ignore_file_is_a_notification() {
    let (_tmp, dir) = repo();
    write(&dir, ".gitignore", "ok.tmp\n[z-a].py\n");
    write(&dir, "app.py", "");
    assert_eq!(files_scanned(&dir, &[]), 1);
    let (files, notes) = collect(&dir);
    assert_eq!(files, ["app.py"]);
    assert!(
        notes.iter().any(|n| n.kind == "ignore-file-error"),
        "{notes:?}"
    );
}

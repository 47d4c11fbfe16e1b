//! Facts stored encoded as they are extracted and decoded when read
//! (`analysis::door::Facts`) give the report that facts kept decoded give:
//! every reader goes through a `FileRef`, and a stored file decodes to the
//! facts the build made of it (its import plan and cross-module rewrites
//! done again on each decoding). Run on every fixture tree at once, so that
//! readers of other files' facts are exercised too, with and without the
//! facts cache (whose entries are stored as they are read back).

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check TREE --no-cache --stats --format json --jobs JOBS`, with
/// `--facts-memory LIMIT` when `limit` is given (else the default, which
/// keeps every fixture's facts): exit code, report, and the `--stats` line
/// on stored files, if any.
fn check(tree: &str, jobs: &str, limit: Option<&str>) -> (Option<i32>, String, Option<String>) {
    check_with(tree, jobs, limit, &["--no-cache"])
}

/// [`check`] with `cache` (the cache's flags) instead of `--no-cache`.
fn check_with(
    tree: &str,
    jobs: &str,
    limit: Option<&str>,
    cache: &[&str],
) -> (Option<i32>, String, Option<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_synthlint"));
    cmd.args(["check", tree])
        .args(cache)
        .args(["--stats", "--format", "json", "--jobs", jobs])
        .current_dir(repo());
    if let Some(limit) = limit {
        cmd.args(["--facts-memory", limit]);
    }
    let out = cmd.output().expect("run synthlint");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let stored = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("facts stored"))
        .map(|l| l.trim().to_string());
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        stored,
    )
}

#[test]
fn every_file_stored_gives_the_same_report() {
    let (code, kept, none) = check("fixtures", "2", None);
    assert_eq!(none, None, "the default keeps every fixture's facts");
    assert_eq!(code, Some(1));
    let (stored_code, stored, line) = check("fixtures", "2", Some("0"));
    let line = line.expect("files were stored");
    assert!(line.starts_with("facts stored compressed (past facts-memory): "));
    let (n, of) = line
        .rsplit_once(": ")
        .unwrap()
        .1
        .trim_end_matches(" files")
        .split_once(" of ")
        .unwrap();
    assert_eq!(n, of, "a limit of 0 stores every file: {line}");
    assert_eq!(stored_code, code);
    assert!(stored == kept, "reports differ with every file stored");
}

/// A limit the fixtures pass part-way through: the files extracted first
/// are kept until then, the rest stored as extracted, and after the build
/// the kept ones are stored too, so both kinds of stored file are read.
#[test]
fn limit_passed_on_one_thread_stores_every_file_and_gives_the_same_report() {
    let (_, kept, _) = check("fixtures", "1", None);
    let (_, stored, line) = check("fixtures", "1", Some("1MiB"));
    let line = line.expect("files were stored");
    let counts = line.rsplit_once(": ").unwrap().1.trim_end_matches(" files");
    let (n, of) = counts.split_once(" of ").unwrap();
    assert_eq!(n, of, "past the limit every file is stored: {line}");
    assert!(stored == kept, "reports differ with the limit passed");
}

/// A limit above what the fixtures' facts take stores none, and a size
/// the command line cannot read is an error that names the flag.
#[test]
fn limit_not_passed_stores_nothing_and_a_bad_size_is_an_error() {
    let (code, _, line) = check("fixtures", "2", Some("2 GiB"));
    assert_eq!(code, Some(1));
    assert_eq!(line, None, "nothing stored under the limit");
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", "fixtures", "--no-cache", "--facts-memory", "lots"])
        .current_dir(repo())
        .output()
        .expect("run synthlint");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--facts-memory"), "{stderr}");
}

/// Copy the tree at `from` into `to`.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_file_stored_from_the_facts_cache_gives_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    copy_tree(&repo().join("fixtures/projects"), &tree);
    let tree = tree.to_str().unwrap();
    let cache_dir = dir.path().join("cache");
    let cache = ["--cache-dir", cache_dir.to_str().unwrap()];
    // Cold: extracted, then stored. After an edit of one file the result
    // cache misses and the other files' facts are read back from the facts
    // cache, then stored.
    for run in ["cold", "after an edit"] {
        if run != "cold" {
            let edited = std::path::Path::new(tree).join("log_thresholds/app.py");
            let mut text = std::fs::read_to_string(&edited).unwrap();
            text.push_str("\n\ndef _edited():\n    return 1\n");
            std::fs::write(&edited, text).unwrap();
        }
        let (code, kept, _) = check(tree, "2", None);
        let (stored_code, stored, line) = check_with(tree, "2", Some("0"), &cache);
        assert!(line.is_some(), "{run}: files were stored");
        assert_eq!(stored_code, code, "{run}");
        assert!(
            stored == kept,
            "{run}: reports differ with every file stored"
        );
    }
}

/// The projects of a rule's fixture folder: each sub-folder where the
/// folder holds `separate-projects`, else the folder.
fn projects(folder: &str) -> Vec<String> {
    let dir = repo().join(folder);
    if !dir.join("separate-projects").is_file() {
        return vec![folder.to_string()];
    }
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|e| e.expect("entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| format!("{folder}/{}", e.file_name().to_string_lossy()))
        .collect();
    out.sort();
    out
}

/// The readers that search many files for one answer, each project on its
/// own (in the one scan of every fixture the first answer is the only one
/// seen): the service rules' shown strings, chat UI and minors names (made
/// in the rules' per-file pass), the opt-out rules' front ends that request
/// a route (OPT001, OPT002), and the suppression comments (SYN001–SYN003).
/// Each reads one file's facts at a time; with every file stored, each a
/// decoded copy, the reports are the same.
#[test]
fn searches_over_many_files_give_the_same_report_stored() {
    let folders = [
        "fixtures/rules/SVC001",
        "fixtures/rules/SVC002",
        "fixtures/rules/SVC003",
        "fixtures/rules/SVC004",
        "fixtures/rules/OPT001",
        "fixtures/rules/OPT002",
        "fixtures/rules/SYN001",
        "fixtures/rules/SYN002",
        "fixtures/rules/SYN003",
    ];
    let mut reported = 0;
    for folder in folders {
        for tree in projects(folder) {
            let (code, kept, _) = check(&tree, "2", None);
            let (stored_code, stored, line) = check(&tree, "2", Some("0"));
            assert!(line.is_some(), "{tree}: files were stored");
            assert_eq!(stored_code, code, "{tree}");
            assert!(
                stored == kept,
                "{tree}: reports differ with every file stored"
            );
            if code == Some(1) {
                reported += 1;
            }
        }
    }
    assert!(reported > 20, "most projects report: {reported}");
}

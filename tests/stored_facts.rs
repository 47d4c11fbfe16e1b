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
/// `kept` MiB of facts kept decoded (`None`: all): exit code, report,
/// and the `--stats` line on stored files, if any.
fn check(tree: &str, jobs: &str, kept: Option<&str>) -> (Option<i32>, String, Option<String>) {
    check_with(tree, jobs, kept, &["--no-cache"])
}

/// [`check`] with `cache` (the cache's flags) instead of `--no-cache`.
fn check_with(
    tree: &str,
    jobs: &str,
    kept: Option<&str>,
    cache: &[&str],
) -> (Option<i32>, String, Option<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_synthlint"));
    cmd.args(["check", tree])
        .args(cache)
        .args(["--stats", "--format", "json", "--jobs", jobs])
        .current_dir(repo())
        .env_remove("SYNTHLINT_KEPT_FACTS_MB");
    if let Some(mb) = kept {
        cmd.env("SYNTHLINT_KEPT_FACTS_MB", mb);
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
    assert_eq!(none, None, "nothing is stored unless asked");
    assert_eq!(code, Some(1));
    let (stored_code, stored, line) = check("fixtures", "2", Some("0"));
    let line = line.expect("files were stored");
    assert!(line.starts_with("facts stored encoded after indexing: "));
    let (n, of) = line
        .rsplit_once(": ")
        .unwrap()
        .1
        .trim_end_matches(" files")
        .split_once(" of ")
        .unwrap();
    assert_eq!(n, of, "a budget of 0 stores every file: {line}");
    assert_eq!(stored_code, code);
    assert!(stored == kept, "reports differ with every file stored");
}

#[test]
fn part_stored_on_one_thread_gives_the_same_report() {
    let (_, kept, _) = check("fixtures", "1", None);
    // 1 MiB keeps the first files decoded and stores the rest.
    let (_, stored, line) = check("fixtures", "1", Some("1"));
    let line = line.expect("files were stored");
    let counts = line.rsplit_once(": ").unwrap().1.trim_end_matches(" files");
    let (n, of) = counts.split_once(" of ").unwrap();
    let (n, of): (usize, usize) = (n.parse().unwrap(), of.parse().unwrap());
    assert!(0 < n && n < of, "some files kept, some stored: {line}");
    assert!(
        stored == kept,
        "reports differ with part of the files stored"
    );
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

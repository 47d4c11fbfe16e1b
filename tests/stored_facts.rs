//! Facts stored encoded after indexing and decoded when read
//! (`analysis::door::Facts`) give the report that facts kept decoded give:
//! every reader goes through a `FileRef`, and a stored file decodes to the
//! facts it was stored from (the cross-module rewrites included, since
//! files are stored after the project is built). Run on every fixture
//! tree at once, so that readers of other files' facts are exercised too.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check TREE --no-cache --stats --format json --jobs JOBS`, with
/// `kept` MiB of facts kept decoded (`None`: all): exit code, report,
/// and the `--stats` line on stored files, if any.
fn check(tree: &str, jobs: &str, kept: Option<&str>) -> (Option<i32>, String, Option<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_synthlint"));
    cmd.args([
        "check",
        tree,
        "--no-cache",
        "--stats",
        "--format",
        "json",
        "--jobs",
        jobs,
    ])
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

//! Who reads the files' facts after extraction, and how (`--stats`'
//! "facts read" lines, `analysis::door`), pinned on two fixture trees: a
//! new loop over every file, a reader gone, or a jump in random reads
//! shows up here as a changed snapshot. Update them with
//! `INSTA_UPDATE=always cargo test --test fact_reads` when the change is
//! meant, and say why in the commit.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check TREE --stats` on `jobs` threads: the "facts read" block of its
/// stderr.
fn reads(tree: &str, jobs: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args([
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
        .output()
        .expect("run synthlint");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let block: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("facts read"))
        .take_while(|l| l.starts_with("    ") || l.trim_start().starts_with("facts read"))
        .collect();
    assert!(!block.is_empty(), "no facts-read lines in:\n{stderr}");
    block.join("\n") + "\n"
}

/// Each reader's loops, from a block.
fn loops(block: &str) -> Vec<(String, String)> {
    block
        .lines()
        .skip(1)
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), w[1].to_string())
        })
        .collect()
}

#[test]
fn demo_reads_pinned() {
    let one = reads("demo", "1");
    insta::assert_snapshot!("demo", one);
    // Which readers loop over every file, and how often, does not depend
    // on the thread count.
    assert_eq!(loops(&one), loops(&reads("demo", "2")));
}

#[test]
fn chat_service_reads_pinned() {
    let tree = "fixtures/projects/chat_service";
    let one = reads(tree, "1");
    insta::assert_snapshot!("chat_service", one);
    assert_eq!(loops(&one), loops(&reads(tree, "2")));
}

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
    facts_read(&[tree, "--jobs", jobs], &[])
}

/// `check --no-cache --stats --format json` with `args` and the
/// environment's `env`: the "facts read" block of its stderr.
fn facts_read(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(["check", "--no-cache", "--stats", "--format", "json"])
        .args(args)
        .envs(env.iter().copied())
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

/// A reader's random reads and distinct files in a block, if it read any.
fn random_reads(block: &str, reader: &str) -> Option<(u64, u64)> {
    block.lines().skip(1).find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w[0] == reader).then(|| {
            let files = w[5].trim_start_matches('(');
            (w[3].parse().unwrap(), files.parse().unwrap())
        })
    })
}

/// With the facts stored each read of a file decodes it, so the readers
/// that went back to files for what an earlier pass had in hand keep it
/// instead: the service rules read no file after the rules' per-file pass
/// (it searches the shown strings for every duty), and the call graph
/// reads each file with calls once (its build): placing a call site in a
/// node, building a sink set, finding an entry point's `__main__` block
/// read nothing (the generation sites and the main guards keep what they
/// need). `chat_service` serves generation to the public, so all four
/// service rules ask.
#[test]
fn sites_and_shown_strings_are_not_read_again() {
    let block = reads("fixtures/projects/chat_service", "2");
    assert_eq!(random_reads(&block, "rules-SVC"), None, "{block}");
    let (reads, files) = random_reads(&block, "call-graph").expect("the graph's build reads");
    assert_eq!(reads, files, "{block}");
}

/// What the endpoints' rules and the taint passes took from files again,
/// kept from the pass that read them (store31): the code flows' steps are
/// read once for the five rules that show them (one read a file), a call
/// path's step reads the next call's file only at a request to one of the
/// project's own services (`hops::hop_at`; `chat_service` sends none), the
/// loggers' thresholds come from the rules' per-file pass (LOG002/LOG003
/// ask: the project has a generation endpoint), and the taint values bind a
/// call's arguments with the parameters the call graph keeps.
#[test]
fn flows_hops_and_log_levels_are_not_read_again() {
    let block = reads("fixtures/projects/chat_service", "2");
    for gone in ["hops", "rules-LOG", "taint-values"] {
        assert_eq!(random_reads(&block, gone), None, "{gone}:\n{block}");
    }
    let (reads, files) = random_reads(&block, "rules-GEN").expect("the flows' steps are read");
    assert_eq!(reads, files, "{block}");
}

/// `check TREE --stats` with every file stored and nothing kept decoded
/// or indexed beyond what a reader holds (`--facts-memory 0`, the
/// developer's budgets at 0): the "facts read" block.
fn reads_stored_unkept(tree: &str) -> String {
    facts_read(
        &[tree, "--jobs", "2", "--facts-memory", "0"],
        &[
            ("SYNTHLINT_LOADED_FACTS_MB", "0"),
            ("SYNTHLINT_FLOW_INDEX_MB", "0"),
        ],
    )
}

/// A reader's decodings in a block of a stored run.
fn decoded(block: &str, reader: &str) -> Option<u64> {
    block.lines().skip(1).find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w[0] == reader).then(|| w[w.len() - 2].parse().unwrap())
    })
}

/// The taint sinks read a file's facts once for its solved scopes' calls
/// (the flow index) and their sinks (dec33): with the indexes freed as
/// soon as they are built, the index is built again from the facts the
/// sinks hold, and decodes nothing (it read each stored file again when it
/// looked for the solved scopes' calls apart from the sinks).
#[test]
fn the_sinks_read_a_file_once_for_its_index_and_its_sinks() {
    let block = reads_stored_unkept("fixtures/projects/chat_service");
    assert!(
        decoded(&block, "taint-sinks").is_some_and(|n| n > 0),
        "{block}"
    );
    assert_eq!(decoded(&block, "flow-index"), Some(0), "{block}");
}

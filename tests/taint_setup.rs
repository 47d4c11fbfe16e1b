//! A taint spec's set-up made in the rules' per-file phase
//! (`dataflow::setup`, `rules::per_file`): a rule that solves such a spec
//! reports exactly what it reports when its spec finds its seeds alone,
//! and the solve makes the same passes over the same scopes, on one thread
//! and on four. Each way runs on an analysis of its own, so neither reuses
//! the other's result.

mod common;

use std::path::{Path, PathBuf};

use synthlint::analysis::results::Analysis;
use synthlint::finding::Finding;
use synthlint::rules::{self, Context, Rule};

/// The rules that always solve a spec whose set-up the pass makes
/// (personal data, generated media, user input), each on its fixtures
/// (`CODE/dir`: a folder of them, read as one project).
const CODES: &[&str] = &[
    "PII001",
    "PII003",
    "PII005/db_kept",
    "LBL006",
    "LOG002",
    "LOG003",
];

/// The findings of `rule` over `dir` on `threads` threads, with the rules'
/// per-file phase (`rules::run`) or without it (the rule's own `check`),
/// and each solved spec's counts (scopes, passes, flows, cuts).
fn findings(rule: &'static dyn Rule, dir: &Path, threads: usize, pass: bool) -> (String, String) {
    common::on_project(dir, threads, |project, catalog| {
        let analysis = Analysis::run(project, catalog);
        let cx = Context {
            project,
            catalog,
            analysis: &analysis,
            shared: Default::default(),
            parts: None,
        };
        let found: Vec<Finding> = if pass {
            rules::run(&[rule], &cx)
        } else {
            let mut out = Vec::new();
            rule.check(&cx, &mut out);
            out
        };
        let stats: Vec<String> = analysis
            .dataflow
            .stats()
            .into_iter()
            .map(|(spec, s)| {
                format!(
                    "{spec}: {} scopes, {} passes, {} flows, cuts {} {} {}",
                    s.scopes, s.passes, s.flows, s.cut_passes, s.cut_params, s.cut_steps
                )
            })
            .collect();
        let json = serde_json::to_string_pretty(&found).expect("findings serialize");
        (json, stats.join("\n"))
    })
}

#[test]
fn set_up_in_the_pass_solves_as_the_spec_alone() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for entry in CODES {
        let code = entry.split('/').next().unwrap();
        let rule = rules::by_code(code).expect("rule");
        let dir = root.join(entry);
        for threads in [1, 4] {
            let (alone, alone_stats) = findings(rule, &dir, threads, false);
            let (run, run_stats) = findings(rule, &dir, threads, true);
            assert!(alone.len() > 2, "{code}: no findings in {}", dir.display());
            assert!(!alone_stats.is_empty(), "{code}: no spec solved");
            assert_eq!(alone, run, "{code} on {threads} threads");
            assert_eq!(alone_stats, run_stats, "{code} on {threads} threads");
        }
    }
}

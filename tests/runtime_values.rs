//! The run-time values (`analysis::runtime`) split in two: each file's
//! stores and the calls worth evaluating found per file, then the serial
//! evaluation of those calls only. On every fixture tree the answer must
//! be the one of the evaluation over every call of every Python file, and
//! every call left out must leave that evaluation's memos and counts as
//! they were (checked inside `resolve_every_call`, call by call).

use std::path::{Path, PathBuf};

use synthlint::analysis::runtime::{self, Runtime};
use synthlint::config::{self, Overrides};
use synthlint::engine;

/// Every folder directly under `fixtures/<group>/`, and the demo tree.
fn trees() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![root.join("demo")];
    for group in ["projects", "rules", "dataflow", "entrypoints"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures").join(group))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        out.extend(dirs);
    }
    out
}

/// The answer, rendered: every (file, call) with its candidates, sorted,
/// and the counts.
fn render(r: &Runtime) -> String {
    let mut alts: Vec<_> = r.alternatives.iter().collect();
    alts.sort_by_key(|(k, _)| **k);
    format!("{alts:?}\n{:?}", r.stats)
}

#[test]
fn calls_left_out_per_file_change_nothing() {
    let (mut kept, mut found) = (0, 0);
    for dir in trees() {
        let overrides = Overrides {
            paths: vec![dir.clone()],
            root: Some(dir.clone()),
            ..Default::default()
        };
        let settings = config::resolve(&overrides).expect("settings");
        let (project, _, _) =
            engine::load_project(std::slice::from_ref(&dir), &settings).expect("project");
        let every = runtime::resolve_every_call(&project);
        let split = runtime::resolve(&project);
        assert_eq!(render(&every), render(&split), "{}", dir.display());
        kept += runtime::calls_kept(&project);
        found += split.alternatives.len();
    }
    // Not vacuous: the fixtures have calls kept and candidates found.
    assert!(kept > 100, "{kept} calls kept");
    assert!(found > 10, "{found} calls with candidates");
}

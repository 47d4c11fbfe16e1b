//! Twins: the same product written twice, in Python and in Rust
//! (`fixtures/twins/<name>/{python,rust}`), must get the same findings,
//! rule by rule. Messages are compared with the code they quote (`...`)
//! left out, since a call reads differently in each language, and so are
//! the files and lines they name; routes, content types, providers and
//! levels must match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use synthlint::config::{self, Overrides};
use synthlint::engine;

/// Rule → its findings' levels and messages (quoted code left out), sorted.
fn report(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let overrides = Overrides {
        paths: vec![dir.to_path_buf()],
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let settings = config::resolve(&overrides).expect("settings");
    let result = engine::scan(&[dir.to_path_buf()], &settings).expect("scan");
    let quoted = regex::Regex::new("`[^`]*`").unwrap();
    // `app/api.py:19` and `src/api/mod.rs:28` name the same place.
    let place = regex::Regex::new(r"[\w./-]+\.(py|rs):\d+").unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in result.active() {
        let message = quoted.replace_all(&f.message, "`…`");
        let message = place.replace_all(&message, "…");
        out.entry(f.rule.to_string())
            .or_default()
            .push(format!("{:?} {message}", f.level));
    }
    out.values_mut().for_each(|v| v.sort());
    out
}

#[test]
fn python_and_rust_twins_get_the_same_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/twins");
    let mut twins: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    twins.sort();
    assert!(!twins.is_empty());
    for twin in twins {
        let python = report(&twin.join("python"));
        let rust = report(&twin.join("rust"));
        assert!(
            python.contains_key("GEN002"),
            "{}: the twin serves generated content",
            twin.display()
        );
        assert_eq!(python, rust, "{}", twin.display());
    }
}

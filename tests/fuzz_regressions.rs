//! Every committed fuzz input (fuzz/regressions/<target>/: inputs that once
//! crashed or broke an invariant) and every seed (fuzz/seeds/<target>/) runs
//! through the same checks as the cargo-fuzz targets, on stable, in the
//! normal suite.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for kind in ["regressions", "seeds"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            eprintln!("{}", f.display());
            check(&data);
            n += 1;
        }
    }
    assert!(n > 0, "no inputs for {target}");
}

#[test]
fn python_extract() {
    replay("python_extract", synthlint::fuzzing::python_extract);
}

#[test]
fn config() {
    replay("config", synthlint::fuzzing::config);
}

#[test]
fn suppression() {
    replay("suppression", synthlint::fuzzing::suppression);
}

#[test]
fn redact() {
    replay("redact", synthlint::fuzzing::redact);
}

#[test]
fn media_label() {
    replay("media_label", synthlint::fuzzing::media_label);
}

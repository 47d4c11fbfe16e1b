//! Per-rule snapshots: every finding a rule reports on its fixture directory
//! (`fixtures/rules/<CODE>/`), with its message, span, enclosing symbol,
//! related locations, code-flow steps and properties. The fixture harness
//! (tests/fixtures.rs) checks *where* findings are; these pin *what they
//! say*, so wording and anchors cannot change silently. Review changes with
//! `cargo insta review`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use synthlint::config::{self, Overrides};
use synthlint::engine;
use synthlint::finding::{Finding, Location};
use synthlint::report::columns::Columns;

fn place(l: &Location, cols: &Columns) -> String {
    let s = &l.span;
    let (start_col, end_col) = cols.of(&l.path, s);
    format!(
        "{}:{}:{start_col}-{}:{end_col}",
        l.path, s.start_line, s.end_line
    )
}

fn render(f: &Finding, cols: &Columns) -> String {
    let mut out = format!(
        "{} {} at {}\n  message: {}\n",
        f.rule,
        f.level.as_str(),
        place(&f.location, cols),
        f.message
    );
    if let Some(symbol) = &f.symbol {
        let _ = writeln!(out, "  symbol: {symbol}");
    }
    for r in &f.related {
        let _ = writeln!(out, "  related {}: {}", place(&r.location, cols), r.message);
    }
    for (i, step) in f.flow.iter().enumerate() {
        let _ = writeln!(
            out,
            "  flow {} {}: {}",
            i + 1,
            place(&step.location, cols),
            step.message
        );
    }
    if !f.properties.is_empty() {
        let props = serde_json::to_string(&f.properties).expect("properties serialize");
        let _ = writeln!(out, "  properties: {props}");
    }
    if let Some(s) = &f.suppression {
        let _ = writeln!(out, "  suppressed ({}): {}", s.kind, s.justification);
    }
    out
}

fn findings_of(dir: &Path, code: &str) -> String {
    // A directory of separate projects (see tests/fixtures.rs): each
    // scanned on its own, under its name.
    if dir.join("separate-projects").is_file() {
        let mut subs: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixture dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subs.sort();
        let mut out = String::new();
        for sub in subs {
            let report = findings_of(&sub, code);
            if !report.is_empty() {
                let name = sub.file_name().unwrap().to_string_lossy();
                let _ = writeln!(out, "## {name}\n");
                out.push_str(&report);
            }
        }
        return out;
    }
    let overrides = Overrides {
        paths: vec![dir.to_path_buf()],
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let settings = config::resolve(&overrides).expect("settings");
    let result = engine::scan(&[dir.to_path_buf()], &settings).expect("scan");
    let mut out = String::new();
    let cols = Columns::new(&result.root);
    for f in result.findings.iter().filter(|f| f.rule == code) {
        out.push_str(&render(f, &cols));
        out.push('\n');
    }
    out
}

fn rule_dirs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .expect("fixtures/rules")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), p))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_rule_fixture_has_a_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/rules");
    settings.bind(|| {
        for (code, dir) in rule_dirs() {
            let report = findings_of(&dir, &code);
            assert!(!report.is_empty(), "{code}: no findings on its fixtures");
            insta::assert_snapshot!(code.clone(), report);
        }
    });
}

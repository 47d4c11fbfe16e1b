//! The fixture harness. Every file under `fixtures/rules/<CODE>/` and
//! `fixtures/projects/<name>/` carries inline expectations on the line before
//! the code they describe:
//!
//! - `# ruleid: CODE` — a CODE finding must start on the next code line;
//! - `# ok: CODE` — no CODE finding may start there;
//! - `# todoruleid: CODE` — a known miss (fails once the finding appears, so it gets promoted);
//! - `# todook: CODE` — a known false positive (fails once it disappears).
//!
//! The comment may be any of `#`, `//`, `<!-- … -->` (HTML, Vue, Markdown),
//! `{# … #}` (Jinja/Django) and `{/* … */}` (JSX). Files in a format without comments (JSON)
//! carry theirs in a sidecar `<file>.expect`, one `LINE ruleid: CODE` (or
//! `ok`, ...) a line.
//!
//! A rule directory holding a file named `separate-projects` has each
//! sub-directory scanned as a project of its own (for rules about what a
//! whole project lacks).
//!
//! Under `fixtures/rules/<CODE>/` only CODE is checked; under `fixtures/projects/`
//! every rule is. Any finding nobody expected fails the test, and so does any
//! expectation nobody met.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use synthlint::config::{self, Overrides};
use synthlint::engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    RuleId,
    Ok,
    TodoRuleId,
    TodoOk,
}

type Key = (String, u32, String);

fn expectations(root: &Path) -> Vec<(Expect, Key)> {
    let mut out = Vec::new();
    let mut files = Vec::new();
    collect_files(root, &mut files);
    let re =
        regex::Regex::new(
            r"^\s*(?:#|//|<!--|\{#|\{/\*)\s*(ruleid|ok|todoruleid|todook)\s*:\s*([A-Za-z0-9_, ]+?)\s*(?:-->|#\}|\*/\})?\s*$",
        )
        .unwrap();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // Formats without comments (JSON) keep their expectations in a
        // sidecar `<file>.expect`: `LINE ruleid: CODE`, one a line.
        if let Some(target) = rel.strip_suffix(".expect") {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let (n, rest) = line.trim().split_once(' ').expect("LINE kind: CODE");
                let comment = format!("# {rest}");
                let c = re.captures(&comment).expect("LINE kind: CODE");
                let kind = match &c[1] {
                    "ruleid" => Expect::RuleId,
                    "ok" => Expect::Ok,
                    "todoruleid" => Expect::TodoRuleId,
                    _ => Expect::TodoOk,
                };
                for code in c[2].split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let line: u32 = n.parse().expect("line number");
                    out.push((kind, (target.to_string(), line, code.to_string())));
                }
            }
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(c) = re.captures(line) else { continue };
            let kind = match &c[1] {
                "ruleid" => Expect::RuleId,
                "ok" => Expect::Ok,
                "todoruleid" => Expect::TodoRuleId,
                _ => Expect::TodoOk,
            };
            // The target is the next line that is not itself an expectation.
            let mut target = i + 1;
            while target < lines.len() && re.is_match(lines[target]) {
                target += 1;
            }
            for code in c[2].split(',').map(str::trim).filter(|s| !s.is_empty()) {
                out.push((kind, (rel.clone(), target as u32 + 1, code.to_string())));
            }
        }
    }
    out
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Check one fixture directory; returns the problems found.
fn check_fixture(dir: &Path, only_rule: Option<&str>) -> Vec<String> {
    let overrides = Overrides {
        paths: vec![dir.to_path_buf()],
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let settings = config::resolve(&overrides).expect("settings");
    let result = engine::scan(&[dir.to_path_buf()], &settings).expect("scan");
    let in_scope = |code: &str| only_rule.is_none_or(|r| r == code);
    let found: BTreeSet<Key> = result
        .active()
        .filter(|f| in_scope(f.rule))
        .map(|f| {
            (
                f.location.path.to_string(),
                f.location.span.start_line,
                f.rule.to_string(),
            )
        })
        .collect();
    let expected = expectations(dir);
    let mut problems = Vec::new();
    let mut accounted = BTreeSet::new();
    for (kind, key) in &expected {
        if !in_scope(&key.2) {
            problems.push(format!(
                "{}:{}: expectation for {} in a fixture for {}",
                key.0,
                key.1,
                key.2,
                only_rule.unwrap_or("?")
            ));
            continue;
        }
        let hit = found.contains(key);
        match (kind, hit) {
            (Expect::RuleId, false) => {
                problems.push(format!("{}:{}: missing {}", key.0, key.1, key.2))
            }
            (Expect::Ok, true) => problems.push(format!(
                "{}:{}: unexpected {} (marked ok)",
                key.0, key.1, key.2
            )),
            (Expect::TodoRuleId, true) => problems.push(format!(
                "{}:{}: {} now found: change todoruleid to ruleid",
                key.0, key.1, key.2
            )),
            (Expect::TodoOk, false) => problems.push(format!(
                "{}:{}: {} no longer reported: change todook to ok",
                key.0, key.1, key.2
            )),
            _ => {}
        }
        accounted.insert(key.clone());
    }
    for key in found.difference(&accounted) {
        problems.push(format!(
            "{}:{}: unexpected {} (no expectation)",
            key.0, key.1, key.2
        ));
    }
    problems
}

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn rule_fixtures() {
    let mut problems = Vec::new();
    for dir in subdirs(&fixture_root().join("rules")) {
        let code = dir.file_name().unwrap().to_string_lossy().to_string();
        if dir.join("separate-projects").is_file() {
            for project in subdirs(&dir) {
                let name = project.file_name().unwrap().to_string_lossy().to_string();
                for p in check_fixture(&project, Some(&code)) {
                    problems.push(format!("rules/{code}/{name}/{p}"));
                }
            }
            continue;
        }
        for p in check_fixture(&dir, Some(&code)) {
            problems.push(format!("rules/{code}/{p}"));
        }
    }
    assert!(
        problems.is_empty(),
        "fixture expectations failed:\n{}",
        problems.join("\n")
    );
}

#[test]
fn project_fixtures() {
    let mut problems = Vec::new();
    for dir in subdirs(&fixture_root().join("projects")) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        for p in check_fixture(&dir, None) {
            problems.push(format!("projects/{name}/{p}"));
        }
    }
    assert!(
        problems.is_empty(),
        "fixture expectations failed:\n{}",
        problems.join("\n")
    );
}

/// The harness itself must fail on a missing and on an extra finding.
#[test]
fn harness_catches_missing_and_extra_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.py"),
        "from openai import OpenAI\nc = OpenAI()\n# ruleid: GEN001\nx = 1\nc.chat.completions.create(model='m')\n",
    )
    .unwrap();
    let problems = check_fixture(dir.path(), Some("GEN001"));
    assert_eq!(
        problems,
        vec![
            "a.py:4: missing GEN001".to_string(),
            "a.py:5: unexpected GEN001 (no expectation)".to_string()
        ]
    );
}

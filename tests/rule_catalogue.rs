//! Meta-tests over the rule catalogue: every rule is documented, names known
//! articles, has positive and negative fixtures, and its generated doc page
//! under docs/rules/ is current.

use std::path::Path;

use synthlint::regulations::Regulations;
use synthlint::rules::{self, Category};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn codes_and_names_are_well_formed_and_unique() {
    let code_re = regex::Regex::new(r"^[A-Z]{3}[0-9]{3}$").unwrap();
    let name_re = regex::Regex::new(r"^[a-z]+(-[a-z0-9]+)*$").unwrap();
    let mut codes = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for m in rules::catalogue() {
        assert!(
            code_re.is_match(m.code),
            "{}: code must be 3 letters + 3 digits",
            m.code
        );
        assert!(
            m.code.starts_with(m.category.prefix()),
            "{}: code must start with {}",
            m.code,
            m.category.prefix()
        );
        assert!(
            name_re.is_match(m.name),
            "{}: name `{}` must be kebab-case",
            m.code,
            m.name
        );
        assert!(codes.insert(m.code), "{} listed twice", m.code);
        assert!(names.insert(m.name), "name {} used twice", m.name);
        assert!(
            !m.summary.is_empty() && m.summary.ends_with('.'),
            "{}: summary must be a sentence",
            m.code
        );
        let sev: f64 = m.security_severity.parse().unwrap_or(-1.0);
        assert!(
            (0.0..=10.0).contains(&sev),
            "{}: security_severity must be 0.0-10.0",
            m.code
        );
    }
}

#[test]
fn docs_have_the_fixed_sections() {
    for m in rules::catalogue() {
        let doc = m.doc;
        let at = |s: &str| {
            doc.find(s)
                .unwrap_or_else(|| panic!("{}: doc lacks `{s}`", m.code))
        };
        let what = at("## What it does");
        let why = at("## Why is this bad?");
        let example = at("## Example");
        assert!(
            what < why && why < example,
            "{}: sections out of order",
            m.code
        );
        assert!(
            doc[example..].contains("Use instead"),
            "{}: Example needs a `Use instead:`",
            m.code
        );
        for line in doc.lines().filter(|l| l.starts_with("## ")) {
            let known = [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Options",
                "## Known problems",
            ];
            assert!(
                known.contains(&line.trim()),
                "{}: unknown section `{line}`",
                m.code
            );
        }
    }
}

#[test]
fn rules_name_known_articles() {
    let regs = Regulations::get();
    for m in rules::catalogue() {
        if m.category != Category::Meta {
            assert!(
                !m.articles.is_empty(),
                "{}: a rule must name the articles it implicates",
                m.code
            );
        }
        for id in m.articles {
            assert!(
                regs.article(id).is_some(),
                "{}: unknown article id {id}",
                m.code
            );
        }
    }
}

/// Source rules only: the media rules (`rules::media`) read media files, not
/// code, and are tested on generated files in tests/media.rs.
#[test]
fn every_rule_has_positive_and_negative_fixtures() {
    for r in rules::all() {
        let code = r.meta().code;
        let dir = root().join("fixtures/rules").join(code);
        let mut text = String::new();
        for entry in walk(&dir) {
            text += &std::fs::read_to_string(entry).unwrap_or_default();
        }
        let has = |kind: &str| {
            regex::Regex::new(&format!(
                r"(?m)^\s*(#|//)\s*{kind}:\s*[A-Z0-9, ]*\b{code}\b"
            ))
            .unwrap()
            .is_match(&text)
        };
        assert!(
            has("ruleid"),
            "{code}: no `ruleid: {code}` fixture under fixtures/rules/{code}/"
        );
        assert!(
            has("ok"),
            "{code}: no `ok: {code}` fixture under fixtures/rules/{code}/"
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

/// docs/rules/<CODE>.md is generated from the rule metadata; regenerate with
/// `SYNTHLINT_UPDATE_DOCS=1 cargo test --test rule_catalogue`.
#[test]
fn generated_rule_docs_are_current() {
    let dir = root().join("docs/rules");
    let update = std::env::var_os("SYNTHLINT_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    let mut index = String::from(
        "# Rules\n\nGenerated from the rule metadata by `cargo test`; do not edit.\n\n| Code | Name | Level | Summary |\n|---|---|---|---|\n",
    );
    for m in rules::catalogue() {
        index += &format!(
            "| [{0}]({0}.md) | {1} | {2} | {3} |\n",
            m.code,
            m.name,
            m.default_level.as_str(),
            m.summary
        );
        let page = synthlint::cli::explain::render(m);
        check_or_write(
            &dir.join(format!("{}.md", m.code)),
            &page,
            update,
            &mut stale,
        );
    }
    check_or_write(&dir.join("README.md"), &index, update, &mut stale);
    check_readme_table(update, &mut stale);
    assert!(
        stale.is_empty(),
        "stale generated docs (run `SYNTHLINT_UPDATE_DOCS=1 cargo test --test rule_catalogue`): {stale:?}"
    );
}

fn check_or_write(path: &Path, content: &str, update: bool, stale: &mut Vec<String>) {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == content {
        return;
    }
    if update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    } else {
        stale.push(path.display().to_string());
    }
}

/// The rule table in the top-level README, between its markers, is
/// generated from the rule metadata too.
fn check_readme_table(update: bool, stale: &mut Vec<String>) {
    const BEGIN: &str =
        "<!-- rules table: generated from the rule metadata by `cargo test`; do not edit -->\n";
    const END: &str = "<!-- end of rules table -->";
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md lacks the rules table markers");
    };
    let mut table = String::from("| code | name | level | what it finds |\n|---|---|---|---|\n");
    for m in rules::catalogue() {
        table += &format!(
            "| [{0}](docs/rules/{0}.md) | {1} | {2} | {3} |\n",
            m.code,
            m.name,
            m.default_level.as_str(),
            m.summary.replace('|', "\\|")
        );
    }
    let wanted = format!("{}{BEGIN}{table}{}", &readme[..b], &readme[e..]);
    check_or_write(&path, &wanted, update, stale);
}

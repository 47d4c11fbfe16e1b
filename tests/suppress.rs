//! Inline suppressions and per-path ignores (`synthlint::suppress::apply`),
//! on hand-built facts and findings so the tests do not depend on a frontend.

use std::path::PathBuf;

use synthlint::analysis::Project;
use synthlint::config::Settings;
use synthlint::facts::{Call, Comment, FileFacts, Language};
use synthlint::finding::{Finding, Level, Location};
use synthlint::rules;
use synthlint::source::LineIndex;
use synthlint::suppress;

/// Settings with every rule enabled and nothing else configured. One place to
/// adapt when `Settings` gains a constructor.
fn settings() -> Settings {
    Settings {
        root: PathBuf::from("."),
        config_file: None,
        enabled_rules: rules::all().iter().map(|r| r.meta().code).collect(),
        per_path_ignores: Vec::new(),
        exclude: globset::GlobSet::empty(),
        max_file_size: 1 << 20,
        fail_on: Level::Note,
        level_overrides: Default::default(),
        require_suppression_reason: false,
        no_inline_suppressions: false,
        catalog: Default::default(),
        jobs: None,
        facts_memory: synthlint::config::settings::DEFAULT_FACTS_MEMORY,
        baseline: None,
    }
}

/// Facts for `source` as a frontend would give them, as far as suppressions
/// care: every `#` comment (test sources keep `#` out of strings), and a call
/// fact spanning the code on each line, standing in for the statement's facts.
fn file(path: &str, source: &str) -> FileFacts {
    let idx = LineIndex::new(source);
    let mut comments = Vec::new();
    let mut calls = Vec::new();
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let code_end = match body.find('#') {
            Some(hash) => {
                comments.push(Comment {
                    text: body[hash + 1..].to_string(),
                    own_line: body[..hash].trim().is_empty(),
                    span: idx.span(line_start + hash, line_start + body.len()),
                    width: synthlint::source::width(body, hash, body.len()),
                });
                hash
            }
            None => body.len(),
        };
        let code = body[..code_end].trim_end();
        let indent = code.len() - code.trim_start().len();
        if !code.trim().is_empty() {
            let span = idx.span(line_start + indent, line_start + code.len());
            calls.push(Call {
                callee: code.trim().into(),
                resolved: None,
                args: Box::new([]),
                scope: None,
                extra: None,
                receiver: synthlint::facts::Receiver::None,
                span,
                callee_end: span.end_byte,
            });
        }
        line_start += line.len();
    }
    FileFacts {
        calls,
        comments,
        ..FileFacts::empty(
            path,
            Language::Python,
            path.trim_end_matches(".py").replace('/', "."),
            idx.line_count(),
        )
    }
}

/// A finding of `rule` on the first occurrence of `needle` in `source`.
fn finding(rule: &'static str, path: &str, source: &str, needle: &str) -> Finding {
    let start = source
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in source"));
    let span = LineIndex::new(source).span(start, start + needle.len());
    let level = rules::by_code(rule)
        .map(|r| r.meta().default_level)
        .unwrap_or(Level::Warning);
    Finding::new(
        rule,
        level,
        format!("{rule} here"),
        Location {
            path: path.into(),
            span,
        },
    )
}

/// Run the filter on one file; returns all findings, sorted like the engine does.
fn run(settings: &Settings, source: &str, findings: &[(&'static str, &str)]) -> Vec<Finding> {
    let mut out: Vec<Finding> = findings
        .iter()
        .map(|(rule, needle)| finding(rule, "app/gen.py", source, needle))
        .collect();
    let project = Project::new(vec![file("app/gen.py", source)]);
    suppress::apply(&project, settings, &mut out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

fn suppressed(findings: &[Finding], rule: &str) -> Vec<bool> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.suppression.is_some())
        .collect()
}

fn meta(findings: &[Finding]) -> Vec<(&str, u32, &str)> {
    findings
        .iter()
        .filter(|f| f.rule.starts_with("SYN"))
        .map(|f| (f.rule, f.location.span.start_line, f.message.as_str()))
        .collect()
}

const SAFETY_OFF: &str = "safety_checker=None";

#[test]
fn trailing_comment_suppresses_its_line() {
    let src =
        "pipe = make(safety_checker=None)  # synthlint: ignore[MOD001] moderated downstream\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    let s = out[0].suppression.as_ref().unwrap();
    assert_eq!(s.kind, "inline");
    assert_eq!(s.justification, "moderated downstream");
    let loc = s.location.as_ref().unwrap();
    assert_eq!(loc.path, "app/gen.py");
    // Line 1, column 35.
    assert_eq!((loc.span.start_line, loc.span.start_byte), (1, 34));
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn comment_alone_on_the_line_above_suppresses_the_next_line() {
    let src = "\
def build():
    # synthlint: ignore[MOD001]
    return make(safety_checker=None)
";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    assert_eq!(out[0].suppression.as_ref().unwrap().justification, "");
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn comment_two_lines_above_does_not_suppress() {
    let src = "\
# synthlint: ignore[MOD001]

pipe = make(safety_checker=None)
";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert_eq!(
        meta(&out),
        [(
            "SYN002",
            1,
            "unused suppression: MOD001 (safety-checker-disabled) reports nothing on the line below"
        )]
    );
}

#[test]
fn trailing_comment_does_not_reach_the_next_line() {
    let src = "\
model = load()  # synthlint: ignore[MOD001]
pipe = make(safety_checker=None)
";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert_eq!(
        meta(&out),
        [(
            "SYN002",
            1,
            "unused suppression: MOD001 (safety-checker-disabled) reports nothing on this line"
        )]
    );
}

#[test]
fn multiple_codes() {
    let src = "image = pipe(prompt, safety_checker=None)  # synthlint: ignore[GEN001, MOD001] offline batch job\n";
    let out = run(
        &settings(),
        src,
        &[("GEN001", "pipe(prompt"), ("MOD001", SAFETY_OFF)],
    );
    assert_eq!(suppressed(&out, "GEN001"), [true]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    assert!(
        out.iter()
            .all(|f| f.suppression.as_ref().unwrap().justification == "offline batch job")
    );
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn keyword_and_codes_are_case_insensitive() {
    for comment in [
        "# SYNTHLINT: IGNORE[mod001]",
        "# Synthlint:ignore[Mod001]",
        "#synthlint :  ignore [ mod001 ]",
    ] {
        let src = format!("pipe = make(safety_checker=None)  {comment}\n");
        let out = run(&settings(), &src, &[("MOD001", SAFETY_OFF)]);
        assert_eq!(suppressed(&out, "MOD001"), [true], "{comment}");
        assert!(meta(&out).is_empty(), "{comment}: {:?}", meta(&out));
    }
}

#[test]
fn other_code_on_the_same_line_does_not_suppress() {
    let src =
        "image = pipe(prompt, safety_checker=None)  # synthlint: ignore[GEN001] logged elsewhere\n";
    let out = run(
        &settings(),
        src,
        &[("GEN001", "pipe(prompt"), ("MOD001", SAFETY_OFF)],
    );
    assert_eq!(suppressed(&out, "GEN001"), [true]);
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn directive_must_open_the_comment() {
    // Prose about the syntax is not a suppression.
    let src = "pipe = make(safety_checker=None)  # see docs: synthlint: ignore[MOD001]\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert!(meta(&out).is_empty());
    // A chained comment after another tool's directive is.
    let src = "pipe = make(safety_checker=None)  # noqa: E501  # synthlint: ignore[MOD001] ok\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
}

#[test]
fn bare_suppression_is_syn001_and_suppresses_nothing() {
    let src = "pipe = make(safety_checker=None)  # synthlint: ignore\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert_eq!(
        meta(&out),
        [(
            "SYN001",
            1,
            "suppression names no rule codes, so it suppresses nothing; write `synthlint: ignore[MOD001] <reason>`"
        )]
    );
    let syn = out.iter().find(|f| f.rule == "SYN001").unwrap();
    assert_eq!(syn.level, Level::Warning);
    // The finding points at the directive, not the whole line.
    // Columns 37 to 54 of the first line.
    assert_eq!(
        (syn.location.span.start_byte, syn.location.span.end_byte),
        (36, 53)
    );
}

#[test]
fn empty_or_unclosed_brackets_are_syn001() {
    for (comment, expect) in [
        ("# synthlint: ignore[]", "names no rule codes"),
        ("# synthlint: ignore[ , ] why", "names no rule codes"),
        ("# synthlint: ignore[MOD001", "has no closing `]`"),
    ] {
        let src = format!("x = 1  {comment}\n");
        let out = run(&settings(), &src, &[]);
        let m = meta(&out);
        assert_eq!(m.len(), 1, "{comment}: {m:?}");
        assert_eq!(m[0].0, "SYN001");
        assert!(m[0].2.contains(expect), "{comment}: {}", m[0].2);
        assert!(m[0].2.contains("ignore[CODE]"), "{}", m[0].2);
    }
}

#[test]
fn unused_code_is_syn002_at_the_code() {
    let src = "pipe = make(safety_checker=None)  # synthlint: ignore[MOD001, GEN001] reviewed\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    assert_eq!(
        meta(&out),
        [(
            "SYN002",
            1,
            "unused suppression: GEN001 (generation-call) reports nothing on this line"
        )]
    );
    let syn = out.iter().find(|f| f.rule == "SYN002").unwrap();
    let s = syn.location.span;
    assert_eq!(&src[s.start_byte as usize..s.end_byte as usize], "GEN001");
}

#[test]
fn unknown_codes_are_syn002() {
    let src = "pipe = make(safety_checker=None)  # synthlint: ignore[MOD001, XYZ999, GEN] why\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    let mut m: Vec<&str> = meta(&out).into_iter().map(|(_, _, msg)| msg).collect();
    m.sort();
    assert_eq!(
        m,
        [
            "`GEN` is a category prefix, not a rule code; suppressions name exact codes such as GEN001",
            "`XYZ999` is not a rule code (see `synthlint rules`)",
        ]
    );
}

#[test]
fn meta_rules_cannot_be_suppressed() {
    // SYN001 for the bare comment below must survive the SYN001 suppression above.
    let src = "\
# synthlint: ignore[SYN001] silence the meta rule
x = 1  # synthlint: ignore
";
    let out = run(&settings(), src, &[]);
    let mut m: Vec<(&str, u32)> = meta(&out).into_iter().map(|(r, l, _)| (r, l)).collect();
    m.sort();
    assert_eq!(m, [("SYN001", 2), ("SYN002", 1)]);
    assert!(out.iter().all(|f| f.suppression.is_none()));
    let syn2 = out.iter().find(|f| f.rule == "SYN002").unwrap();
    assert!(
        syn2.message.contains("cannot be suppressed inline"),
        "{}",
        syn2.message
    );
}

#[test]
fn codes_of_rules_that_did_not_run_are_not_unused() {
    let mut s = settings();
    s.enabled_rules.retain(|c| *c != "GEN001");
    let src = "pipe = make(safety_checker=None)  # synthlint: ignore[MOD001, GEN001] reviewed\n";
    let out = run(&s, src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn meta_findings_respect_enabled_rules_and_levels() {
    let src = "\
x = 1  # synthlint: ignore
y = 2  # synthlint: ignore[MOD001]
";
    let mut s = settings();
    s.enabled_rules.retain(|c| *c != "SYN002");
    s.level_overrides.insert("SYN001", Level::Error);
    let out = run(&s, src, &[]);
    assert_eq!(meta(&out).len(), 1, "{:?}", meta(&out));
    assert_eq!(out[0].rule, "SYN001");
    assert_eq!(out[0].level, Level::Error);
}

#[test]
fn no_inline_suppressions_ignores_comments_entirely() {
    let src = "\
pipe = make(safety_checker=None)  # synthlint: ignore[MOD001, GEN001] reviewed
x = 1  # synthlint: ignore
";
    let mut s = settings();
    s.no_inline_suppressions = true;
    let out = run(&s, src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn require_reason_reports_syn003_and_does_not_apply() {
    let src = "\
pipe = make(safety_checker=None)  # synthlint: ignore[MOD001]
image = pipe(prompt)  # synthlint: ignore[GEN001] batch job, never served
";
    let mut s = settings();
    s.require_suppression_reason = true;
    let out = run(
        &s,
        src,
        &[("MOD001", SAFETY_OFF), ("GEN001", "pipe(prompt")],
    );
    assert_eq!(suppressed(&out, "MOD001"), [false]);
    assert_eq!(suppressed(&out, "GEN001"), [true]);
    assert_eq!(
        meta(&out),
        [(
            "SYN003",
            1,
            "suppression gives no reason, so it is not applied (require-suppression-reason); write `synthlint: ignore[MOD001] <reason>`"
        )]
    );
    // Without the setting the same comment applies and nothing is reported.
    let out = run(
        &settings(),
        src,
        &[("MOD001", SAFETY_OFF), ("GEN001", "pipe(prompt")],
    );
    assert_eq!(suppressed(&out, "MOD001"), [true]);
    assert!(meta(&out).is_empty());
}

#[test]
fn per_path_ignores_drop_findings_before_inline_handling() {
    let src = "pipe = make(safety_checker=None)  # synthlint: ignore[MOD001] also in config\n";
    let mut s = settings();
    let glob = globset::Glob::new("app/**").unwrap().compile_matcher();
    s.per_path_ignores = vec![(glob, vec!["MOD001"])];
    let out = run(&s, src, &[("MOD001", SAFETY_OFF), ("GEN001", "make(")]);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].rule, "GEN001");
    // The inline MOD001 is not "unused": the rule is off for this path.
    assert!(meta(&out).is_empty());

    // Meta findings follow per-path ignores too.
    let glob = globset::Glob::new("app/*.py").unwrap().compile_matcher();
    s.per_path_ignores = vec![(glob, vec!["SYN001"])];
    let out = run(&s, "x = 1  # synthlint: ignore\n", &[]);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn suppression_applies_only_in_its_own_file() {
    let src = "pipe = make(safety_checker=None)  # synthlint: ignore[MOD001] reviewed\n";
    let mut findings = vec![
        finding("MOD001", "app/gen.py", src, SAFETY_OFF),
        finding("MOD001", "app/other.py", src, SAFETY_OFF),
    ];
    let project = Project::new(vec![
        file("app/gen.py", src),
        file("app/other.py", src.split('#').next().unwrap()),
    ]);
    suppress::apply(&project, &settings(), &mut findings);
    let by_path: Vec<(&str, bool)> = findings
        .iter()
        .map(|f| (f.location.path.as_str(), f.suppression.is_some()))
        .collect();
    assert_eq!(by_path, [("app/gen.py", true), ("app/other.py", false)]);
}

#[test]
fn trailing_comment_wins_over_the_one_above() {
    let src = "\
# synthlint: ignore[MOD001] from above
pipe = make(safety_checker=None)  # synthlint: ignore[MOD001] from the line
";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(
        out[0].suppression.as_ref().unwrap().justification,
        "from the line"
    );
    // Both comments matched the finding, so neither is unused.
    assert!(meta(&out).is_empty(), "{:?}", meta(&out));
}

#[test]
fn comment_inside_a_multiline_call_covers_the_argument_below() {
    let src = "\
pipe = make(
    # synthlint: ignore[MOD001] moderated downstream
    safety_checker=None,
)
";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(suppressed(&out, "MOD001"), [true]);
}

#[test]
fn comments_without_directives_change_nothing() {
    let src = "pipe = make(safety_checker=None)  # TODO: check the safety checker\n";
    let out = run(&settings(), src, &[("MOD001", SAFETY_OFF)]);
    assert_eq!(out.len(), 1);
    assert!(out[0].suppression.is_none());
}

#[test]
fn each_unusable_code_is_reported_once() {
    // One SYN002 per unusable code; the SYN002 about `SYN002` is not
    // silenced by the very directive that names it.
    let src = "x = 1  # synthlint: ignore[XYZ1, SYN002]\n";
    let out = run(&settings(), src, &[]);
    let m: Vec<&str> = meta(&out).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(m, ["SYN002", "SYN002"]);
    assert!(out.iter().all(|f| f.suppression.is_none()));
}

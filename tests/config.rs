//! Configuration: discovery, errors that point into the file, precedence
//! of command-line flags, per-path ignores, levels, fail-on, root.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::*;

use synthlint::analysis::Project;
use synthlint::config::{self, Overrides, Settings};
use synthlint::engine::{ScanResult, Stats};
use synthlint::finding::{Finding, Level, Location};
use synthlint::source::Span;

/// A git-less project directory with one Python file.
fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap().join("proj");
    write(&dir, "app.py", "x = 1\n");
    (tmp, dir)
}

/// Run `check` on a project whose config is wrong; return the rendered error.
fn config_error(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let r = run(dir, &all);
    assert_eq!(r.code, Some(2), "stderr:\n{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

fn settings_for(dir: &Path, o: Overrides) -> Settings {
    let o = Overrides {
        paths: vec![dir.to_path_buf()],
        ..o
    };
    match config::resolve(&o) {
        Ok(s) => s,
        Err(e) => panic!("{e:?}"),
    }
}

// ---- errors -------------------------------------------------------------

#[test]
fn malformed_toml_points_at_the_line() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "select = [\"GEN\"]\nexclude = [\"a\",\n\nfail-on = \"note\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:"), "{err}");
    assert!(err.contains("invalid synthlint.toml"), "{err}");
}

#[test]
fn malformed_value_points_at_the_key() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "# comment\nselect = [\"GEN\"]\nfail-on = [1]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:3:"), "{err}");
    assert!(err.contains("fail-on"), "{err}");
}

#[test]
fn unknown_key() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "select = [\"GEN\"]\n\nfail_on = \"error\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("unknown field `fail_on`"), "{err}");
    assert!(err.contains("synthlint.toml:3:1"), "{err}");
}

#[test]
fn unknown_rule_code() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "select = [\"GEN\"]\nignore = [\"GEN999\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("GEN999"), "{err}");
    assert!(err.contains("synthlint.toml:2:11"), "{err}");
}

#[test]
fn unknown_codes_everywhere_are_all_reported() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "select = [\"XYZ\"]\n\
         [per-path-ignores]\n\"tests/**\" = [\"NOPE1\"]\n\
         [levels]\nNOPE2 = \"error\"\nGEN001 = \"fatal\"\n",
    );
    let err = config_error(&dir, &[]);
    for needle in [
        "4 problems",
        "XYZ",
        "NOPE1",
        "NOPE2",
        "fatal",
        ":1:11",
        ":3:15",
        ":5:1",
        ":6:10",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

#[test]
fn bad_glob() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "exclude = [\"ok/**\",\n  \"src/[\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:2:3"), "{err}");
    assert!(err.contains("src/["), "{err}");

    write(
        &dir,
        "synthlint.toml",
        "[per-path-ignores]\n\"{a,b\" = [\"GEN001\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:2:1"), "{err}");

    write(&dir, "synthlint.toml", "");
    let err = config_error(&dir, &["--exclude", "a/[z-a]"]);
    assert!(err.contains("--exclude"), "{err}");
}

#[test]
fn bad_catalogue_pattern() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.generation]]\nid = \"acme\"\npatterns = [\"acme.ok\", \"acme.[bad\"]\n\
         provider = \"Acme\"\njurisdiction = \"overseas\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:3:24"), "{err}");

    write(
        &dir,
        "synthlint.toml",
        "[[catalog.generation]]\nid = \"acme\"\npatterns = []\n\
         provider = \"Acme\"\njurisdiction = \"overseas\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("no patterns") && err.contains("synthlint.toml:3:"),
        "{err}"
    );

    write(
        &dir,
        "synthlint.toml",
        "[[catalog.generation]]\nid = \"acme\"\npatterns = [\"a.b\"]\nprovider = \"Acme\"\n\
         jurisdiction = \"overseas\"\ncolour = \"red\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("colour") && err.contains("synthlint.toml:6:"),
        "{err}"
    );
}

/// `[[catalog.moderation]]`: an error points at the pattern, an entry
/// without patterns at its `patterns` key, an unknown key at that key.
#[test]
fn bad_moderation_catalogue_entry() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.moderation]]\nid = \"words\"\nprovider = \"project\"\n\
         patterns = [\"app.safety.check\", \"app.[bad\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:4:33"), "{err}");

    write(
        &dir,
        "synthlint.toml",
        "[[catalog.moderation]]\nid = \"words\"\nprovider = \"project\"\npatterns = []\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("no patterns") && err.contains("synthlint.toml:4:"),
        "{err}"
    );

    write(
        &dir,
        "synthlint.toml",
        "[[catalog.moderation]]\nid = \"words\"\nprovider = \"project\"\n\
         patterns = [\"a.b\"]\nverdict = \"flagged\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("verdict") && err.contains("synthlint.toml:5:"),
        "{err}"
    );
}

#[test]
fn label_catalogue_extensions() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.label]]\nid = \"ours\"\nkind = \"explicit\"\npatterns = [\"app.labels.badge\"]\n\
         [catalog.label_gate]\nagreement = [\"(?i)signed_contract\"]\n",
    );
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.catalog.label.len(), 1);
    assert_eq!(s.catalog.label_gate.agreement, vec!["(?i)signed_contract"]);

    write(
        &dir,
        "synthlint.toml",
        "[catalog.label_gate]\nagreement = [\"(unclosed\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("label_gate.agreement") && err.contains("synthlint.toml:1:"),
        "{err}"
    );

    write(
        &dir,
        "synthlint.toml",
        "[[catalog.label]]\nid = \"ours\"\nkind = \"explicit\"\npatterns = [\"a.[bad\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:4:"), "{err}");
}

/// A regex that parses but names an unknown Unicode class is still an
/// error at load, under its key, where it was before the catalogue compiled
/// its regexes on first use: configuration checks the user's own fully.
#[test]
fn unknown_unicode_classes_are_errors_at_load() {
    let (_tmp, dir) = project();
    for (toml, key) in [
        (
            "[catalog.personal_data.consent]\nnames = [\"\\\\p{NoSuchClass}\"]\n",
            "personal_data.consent.names: bad regex",
        ),
        (
            "[catalog.personal_data.retention.deletes]\nsql = [\"\\\\p{NoSuchClass}\"]\n",
            "personal_data.retention.deletes: bad regex",
        ),
        (
            "[catalog.service]\nminors_terms = [\"\\\\p{NoSuchClass}\"]\n",
            "service.shown terms: bad regex",
        ),
        (
            "[[catalog.label]]\nid = \"ours\"\nkind = \"implicit\"\npatterns = [\"app.png.save\"]\n\
             key = { position = 0, regex = \"\\\\p{NoSuchClass}\" }\n",
            "`ours`: bad regex",
        ),
    ] {
        write(&dir, "synthlint.toml", toml);
        let err = config_error(&dir, &[]);
        assert!(
            err.contains(key) && err.contains("Unicode property not found"),
            "{toml}: {err}"
        );
    }
}

#[test]
fn opt_out_catalogue_extensions() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[catalog.opt_out]\nswitches = [\"(?i)for_you_off\"]\n\
         [[catalog.opt_out.recommender]]\nid = \"ours\"\nprovider = \"project\"\n\
         patterns = [\"app.recs.top_for\"]\n",
    );
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.catalog.opt_out.switches, vec!["(?i)for_you_off"]);
    assert_eq!(s.catalog.opt_out.recommender.len(), 1);

    write(
        &dir,
        "synthlint.toml",
        "[catalog.opt_out]\nuser_vectors = [\"(unclosed\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("opt_out.user_vectors") && err.contains("synthlint.toml:1:"),
        "{err}"
    );

    write(
        &dir,
        "synthlint.toml",
        "[catalog.opt_out]\n[[catalog.opt_out.recommender]]\nid = \"x\"\nprovider = \"p\"\n\
         patterns = [\"a.[bad\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:5:"), "{err}");
}

#[test]
fn service_declarations_and_terms() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[service]\nfiling_number = \"网信算备110108823483901230011号\"\n\
         complaint_channel = \"mailto:abuse@example.com\"\nminors_mode = \"app settings\"\n\
         ai_notice = \"gateway banner\"\n\
         [catalog.service]\ncomplaint_terms = [\"(?i)ticket\"]\n",
    );
    let s = settings_for(&dir, Overrides::default());
    let d = &s.catalog.service_declared;
    assert_eq!(
        d.filing_number.as_deref(),
        Some("网信算备110108823483901230011号")
    );
    assert_eq!(
        d.complaint_channel.as_deref(),
        Some("mailto:abuse@example.com")
    );
    assert!(d.minors_mode.is_some() && d.ai_notice.is_some());
    assert_eq!(s.catalog.service.complaint_terms, vec!["(?i)ticket"]);

    // Each bad value is an error at its key's value.
    write(
        &dir,
        "synthlint.toml",
        "[service]\nfiling_number = \"网信算备XXXX号\"\ncomplaint_channel = \"our forum\"\n\
         ai_notice = \" \"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("service.filing_number") && err.contains("placeholder"),
        "{err}"
    );
    assert!(err.contains("synthlint.toml:2:"), "{err}");
    assert!(
        err.contains("service.complaint_channel") && err.contains("synthlint.toml:3:"),
        "{err}"
    );
    assert!(
        err.contains("service.ai_notice") && err.contains("synthlint.toml:4:"),
        "{err}"
    );

    write(
        &dir,
        "synthlint.toml",
        "[service]\nfiling_number = \"pending\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("is not a filing number"), "{err}");

    write(&dir, "synthlint.toml", "[service]\nphone = \"x\"\n");
    let err = config_error(&dir, &[]);
    assert!(err.contains("phone"), "{err}");

    write(
        &dir,
        "synthlint.toml",
        "[catalog.service]\nminors_terms = [\"(unclosed\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("service.minors_terms"), "{err}");
}

#[test]
fn taint_and_media_catalogue_extensions() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.taint.user-input.source]]\npatterns = [\"userinput.get\"]\n\
         [[catalog.taint.user-input.sink]]\nid = \"log\"\npatterns = [\"logging.info\"]\n\
         [[catalog.media.writer]]\nname = \"ours\"\npatterns = [\"app.media.write\"]\n\
         content = \"image\"\ndata = { position = 0 }\n",
    );
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.catalog.taint["user-input"].sink.len(), 1);
    assert_eq!(s.catalog.media.writer.len(), 1);

    // A bad pattern points at itself.
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.taint.user-input.sink]]\nid = \"log\"\npatterns = [\"ok\", \"a.[bad\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:3:"), "{err}");

    // A propagator into all arguments at once is no place.
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.taint.user-input.propagator]]\nmethods = [\"m\"]\n\
         from = [\"receiver\"]\nto = \"arguments\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("catalog.taint.user-input: propagator 0") && err.contains("synthlint.toml:1:"),
        "{err}"
    );

    write(
        &dir,
        "synthlint.toml",
        "[[catalog.media.writer]]\nname = \"ours\"\npatterns = [\"a.[bad\"]\n\
         content = \"image\"\ndata = \"receiver\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("synthlint.toml:3:"), "{err}");
}

#[test]
fn personal_data_catalogue_extensions() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.personal_data.category]]\nid = \"phone\"\nterms = [\"contact_no\"]\n\
         [[catalog.personal_data.category]]\nid = \"employee\"\ntitle = \"employee number\"\nterms = [\"staff_no\"]\n\
         [catalog.personal_data.consent]\nnames = [\"(?i)release_signed\"]\n",
    );
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.catalog.personal_data.category.len(), 2);
    let catalog = synthlint::catalog::Catalog::load(&s.catalog).expect("catalogue");
    let pd = &catalog.personal_data;
    assert_eq!(pd.classify("contact_no"), pd.bit("phone"));
    assert_eq!(pd.classify("staffNo"), pd.bit("employee"));
    assert!(pd.is_consent("release_signed"));

    // A bad regular expression points at the section.
    write(
        &dir,
        "synthlint.toml",
        "[catalog.personal_data.consent]\nnames = [\"(unclosed\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(
        err.contains("personal_data.consent.names") && err.contains("synthlint.toml:1:"),
        "{err}"
    );

    // A component names a category that does not exist.
    write(
        &dir,
        "synthlint.toml",
        "[[catalog.personal_data.component]]\npatterns = [\"app.Upload\"]\ncategory = \"nope\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("no category `nope`"), "{err}");
}

#[test]
fn pyproject_tool_table() {
    let (_tmp, dir) = project();
    write(&dir, "gen/skip.py", "");
    write(
        &dir,
        "pyproject.toml",
        "[project]\nname = \"demo\"\n\n[tool.ruff]\nline-length = 100\n\n\
         [tool.synthlint]\nexclude = [\"gen/\"]\nfail-on = \"error\"\n",
    );
    let r = run(&dir, &["check", "--stats"]);
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    // `gen/` is excluded; what is left is app code and pyproject.toml,
    // which the TOML frontend reads as configuration.
    assert_eq!(files_in_stats(&r.stderr), 2);
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.fail_on, Level::Error);
    assert_eq!(s.config_file, Some(dir.join("pyproject.toml")));

    // Errors point into pyproject.toml.
    write(
        &dir,
        "pyproject.toml",
        "[project]\nname = \"demo\"\n\n[tool.synthlint]\nselect = [\"GEN\"]\nmax-file-size = \"big\"\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("pyproject.toml:6:17"), "{err}");
    write(
        &dir,
        "pyproject.toml",
        "[project]\nname = \"demo\"\n\n[tool.synthlint]\nignore = [\"XYZ\"]\n",
    );
    let err = config_error(&dir, &[]);
    assert!(err.contains("pyproject.toml:5:11"), "{err}");
}

#[test]
fn pyproject_without_our_table_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().canonicalize().unwrap();
    write(&top, "synthlint.toml", "fail-on = \"warning\"\n");
    let dir = top.join("proj");
    write(
        &dir,
        "pyproject.toml",
        "[project]\nname = \"demo\"\n[tool.black]\n",
    );
    write(&dir, "app.py", "");
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.config_file, Some(top.join("synthlint.toml")));
    assert_eq!(s.fail_on, Level::Warning);

    // Broken TOML that is not ours is not our business either.
    write(&dir, "pyproject.toml", "[project\nname = \n");
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.config_file, Some(top.join("synthlint.toml")));
}

#[test]
fn discovery_order_and_explicit_config() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "pyproject.toml",
        "[tool.synthlint]\nfail-on = \"error\"\n",
    );
    write(&dir, ".synthlint.toml", "fail-on = \"warning\"\n");
    let s = settings_for(&dir.join("app.py"), Overrides::default());
    assert_eq!(s.fail_on, Level::Warning);
    write(&dir, "synthlint.toml", "fail-on = \"note\"\n");
    assert_eq!(
        settings_for(&dir, Overrides::default()).fail_on,
        Level::Note
    );

    write(&dir, "ci/strict.toml", "fail-on = \"error\"\n");
    let s = settings_for(
        &dir,
        Overrides {
            config: Some(dir.join("ci/strict.toml")),
            ..Default::default()
        },
    );
    assert_eq!(s.fail_on, Level::Error);

    let r = run(&dir, &["check", "--config", "missing.toml"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("missing.toml"), "{}", r.stderr);
}

#[test]
fn config_in_a_parent_directory_is_found() {
    let (_tmp, dir) = project();
    write(&dir, "synthlint.toml", "exclude = [\"pkg/gen\"]\n");
    write(&dir, "pkg/mod.py", "");
    write(&dir, "pkg/gen/out.py", "");
    let r = run(&dir.join("pkg"), &["check", "--stats", "."]);
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    assert_eq!(files_in_stats(&r.stderr), 1);
}

// ---- root ---------------------------------------------------------------

#[test]
fn root_is_git_root_else_config_directory() {
    let (_tmp, dir) = project();
    write(&dir, "synthlint.toml", "");
    write(&dir, "src/pkg/a.py", "");
    let s = settings_for(&dir.join("src/pkg"), Overrides::default());
    assert_eq!(s.root, dir);

    fs::create_dir_all(dir.join("src/.git")).unwrap();
    let s = settings_for(&dir.join("src/pkg"), Overrides::default());
    assert_eq!(s.root, dir.join("src"));

    let s = settings_for(
        &dir.join("src/pkg"),
        Overrides {
            root: Some(dir.join("src/pkg")),
            ..Default::default()
        },
    );
    assert_eq!(s.root, dir.join("src/pkg"));
}

// ---- precedence ---------------------------------------------------------

#[test]
fn command_line_overrides_config() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "select = [\"GEN\", \"MOD\"]\nignore = [\"MOD\"]\nexclude = [\"a\"]\nfail-on = \"error\"\n",
    );
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.enabled_rules, synthlint::config::rules_matching("GEN"));
    assert_eq!(s.fail_on, Level::Error);
    assert!(s.exclude.is_match("x/a") && !s.exclude.is_match("b"));

    // --select replaces; the config's ignore still applies.
    let s = settings_for(
        &dir,
        Overrides {
            select: vec!["ALL".into()],
            ..Default::default()
        },
    );
    assert!(!s.enabled_rules.contains(&"MOD001"));
    assert!(s.enabled_rules.contains(&"GEN001"));
    assert!(s.enabled_rules.contains(&"SYN001"));

    // --ignore and --exclude add; --fail-on overrides.
    let s = settings_for(
        &dir,
        Overrides {
            ignore: vec!["GEN".into()],
            exclude: vec!["b".into()],
            fail_on: Some(Level::Note),
            ..Default::default()
        },
    );
    assert!(s.enabled_rules.is_empty());
    assert!(s.exclude.is_match("a") && s.exclude.is_match("b"));
    assert_eq!(s.fail_on, Level::Note);

    let r = run(&dir, &["check", "--select", "BOGUS"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("BOGUS"), "{}", r.stderr);
}

#[test]
fn defaults_without_config() {
    let (_tmp, dir) = project();
    let s = settings_for(&dir, Overrides::default());
    assert_eq!(s.config_file, None);
    assert_eq!(s.fail_on, Level::Note);
    assert_eq!(s.max_file_size, config::settings::DEFAULT_MAX_FILE_SIZE);
    let mut all: Vec<&str> = synthlint::rules::all()
        .iter()
        .map(|r| r.meta().code)
        .collect();
    all.sort();
    assert_eq!(s.enabled_rules, all);
    assert!(s.level_overrides.is_empty() && s.per_path_ignores.is_empty());
}

// ---- per-path ignores ---------------------------------------------------

fn finding(rule: &'static str, path: &str, level: Level) -> Finding {
    Finding::new(
        rule,
        level,
        "m",
        Location {
            path: path.into(),
            span: Span::default(),
        },
    )
}

fn ignored(s: &Settings, rule: &str, path: &str) -> bool {
    s.per_path_ignores
        .iter()
        .any(|(g, codes)| g.is_match(path) && codes.contains(&rule))
}

#[test]
fn per_path_ignores() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[per-path-ignores]\n\"tests/**\" = [\"GEN\"]\n\"test_*.py\" = [\"MOD001\"]\n\"scripts/*.py\" = [\"ALL\"]\n",
    );
    let s = settings_for(&dir, Overrides::default());
    assert!(ignored(&s, "GEN001", "tests/unit/x.py"));
    assert!(!ignored(&s, "MOD001", "tests/unit/x.py"));
    assert!(!ignored(&s, "GEN001", "src/tests/x.py"));
    // No `/`: matches the file name at any depth.
    assert!(ignored(&s, "MOD001", "test_a.py"));
    assert!(ignored(&s, "MOD001", "src/pkg/test_a.py"));
    assert!(!ignored(&s, "MOD001", "src/pkg/a_test.py"));
    // `*` does not cross `/`.
    assert!(ignored(&s, "SYN001", "scripts/run.py"));
    assert!(!ignored(&s, "SYN001", "scripts/sub/run.py"));

    // Through the filter: the ignored finding is dropped or marked suppressed.
    let project = Project::new(Vec::new());
    let mut findings = vec![
        finding("GEN001", "tests/unit/x.py", Level::Warning),
        finding("GEN001", "src/app.py", Level::Warning),
    ];
    synthlint::suppress::apply(&project, &s, &mut findings);
    let active: Vec<&str> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .map(|f| f.location.path.as_str())
        .collect();
    assert_eq!(active, ["src/app.py"]);
}

#[test]
fn globs_in_a_nested_config_are_relative_to_it() {
    let (_tmp, dir) = project();
    fs::create_dir_all(dir.join(".git")).unwrap();
    write(
        &dir,
        "services/api/synthlint.toml",
        "exclude = [\"gen/**\"]\n[per-path-ignores]\n\"tests/**\" = [\"GEN001\"]\n",
    );
    write(&dir, "services/api/app.py", "");
    let s = settings_for(&dir.join("services/api"), Overrides::default());
    assert_eq!(s.root, dir);
    assert!(ignored(&s, "GEN001", "services/api/tests/t.py"));
    assert!(!ignored(&s, "GEN001", "tests/t.py"));
    assert!(s.exclude.is_match("services/api/gen"));
}

// ---- levels and fail-on -------------------------------------------------

#[test]
fn level_overrides() {
    let (_tmp, dir) = project();
    write(
        &dir,
        "synthlint.toml",
        "[levels]\nGEN001 = \"error\"\nSYN = \"note\"\nALL = \"warning\"\n",
    );
    let s = settings_for(&dir, Overrides::default());
    let expected: BTreeMap<&str, Level> = synthlint::rules::all()
        .iter()
        .map(|r| {
            let code = r.meta().code;
            let level = if code == "GEN001" {
                Level::Error
            } else if code.starts_with("SYN") {
                Level::Note
            } else {
                Level::Warning
            };
            (code, level)
        })
        .collect();
    assert_eq!(s.level_overrides, expected);
}

fn result_with(findings: Vec<Finding>) -> ScanResult {
    ScanResult {
        root: PathBuf::from("."),
        findings,
        notifications: Vec::new(),
        rules: Vec::new(),
        stats: Stats::default(),
    }
}

#[test]
fn fail_on_decides_the_exit_code() {
    let note = result_with(vec![finding("GEN001", "a.py", Level::Note)]);
    let warning = result_with(vec![
        finding("GEN001", "a.py", Level::Note),
        finding("MOD001", "b.py", Level::Warning),
    ]);
    let mut suppressed = finding("MOD001", "b.py", Level::Error);
    suppressed.suppression = Some(Box::new(synthlint::finding::Suppression {
        kind: "config".into(),
        justification: "test".into(),
        location: None,
    }));
    let only_suppressed = result_with(vec![suppressed]);
    let clean = result_with(Vec::new());

    assert!(note.fails(Level::Note));
    assert!(!note.fails(Level::Warning));
    assert!(warning.fails(Level::Warning));
    assert!(!warning.fails(Level::Error));
    assert!(!only_suppressed.fails(Level::Note));
    assert!(!clean.fails(Level::Note));

    // The configured threshold reaches the CLI: a clean scan exits 0 whatever it is.
    let (_tmp, dir) = project();
    for level in ["note", "warning", "error"] {
        write(&dir, "synthlint.toml", &format!("fail-on = \"{level}\"\n"));
        let r = run(&dir, &["check"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }
    let r = run(&dir, &["check", "--fail-on", "fatal"]);
    assert_eq!(r.code, Some(2));
}

#[test]
fn max_file_size_values() {
    let (_tmp, dir) = project();
    for (value, bytes) in [
        ("100", 100),
        ("\"2 MiB\"", 2 << 20),
        ("\"10MB\"", 10_000_000),
    ] {
        write(
            &dir,
            "synthlint.toml",
            &format!("max-file-size = {value}\n"),
        );
        assert_eq!(
            settings_for(&dir, Overrides::default()).max_file_size,
            bytes
        );
    }
    for bad in ["0", "-1", "\"lots\"", "\"5 parsecs\"", "1.5"] {
        write(
            &dir,
            "synthlint.toml",
            &format!("\nmax-file-size = {bad}\n"),
        );
        let err = config_error(&dir, &[]);
        assert!(err.contains("synthlint.toml:2:17"), "{bad}: {err}");
    }
}

/// `facts-memory`: a size in the config (`0` allowed: always store), the
/// command line wins over it, the default without either; a value that is
/// not a size points at the key.
#[test]
fn facts_memory_values() {
    let (_tmp, dir) = project();
    assert_eq!(
        settings_for(&dir, Overrides::default()).facts_memory,
        synthlint::config::settings::DEFAULT_FACTS_MEMORY
    );
    for (value, bytes) in [
        ("0", 0),
        ("\"256 MiB\"", 256 << 20),
        ("\"1GB\"", 1_000_000_000),
    ] {
        write(&dir, "synthlint.toml", &format!("facts-memory = {value}\n"));
        assert_eq!(settings_for(&dir, Overrides::default()).facts_memory, bytes);
    }
    let cli = Overrides {
        facts_memory: Some(7),
        ..Overrides::default()
    };
    assert_eq!(settings_for(&dir, cli).facts_memory, 7);
    for bad in ["-1", "\"lots\"", "1.5"] {
        write(&dir, "synthlint.toml", &format!("\nfacts-memory = {bad}\n"));
        let err = config_error(&dir, &[]);
        assert!(err.contains("synthlint.toml:2:16"), "{bad}: {err}");
    }
}

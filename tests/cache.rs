//! The caches as users meet them: a warm run on an unchanged tree takes the
//! whole result from the result cache and gives the same report in every
//! format; any change in a file, the file set, the config or a
//! result-changing option is a result miss that reads unchanged files'
//! facts from the facts cache and re-parses changed ones; the caches write
//! only where they are told to.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::output as run;

/// `(hits, parsed)` from `--stats`.
fn cache_counts(out: &Output) -> Option<(usize, usize)> {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find(|l| l.contains("facts cache:"))?;
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    Some((nums[0], nums[1]))
}

/// Whether `--stats` says the result came from the result cache; panics
/// when it says nothing about the result cache.
fn result_hit(out: &Output) -> bool {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("result cache:"))
        .unwrap_or_else(|| panic!("no result cache line in:\n{err}"));
    line.contains("hit")
}

/// The stored result entries under `cache`.
fn result_entries(cache: &Path) -> usize {
    let mut n = 0;
    for key_dir in fs::read_dir(cache).unwrap().flatten() {
        if let Ok(entries) = fs::read_dir(key_dir.path().join("results")) {
            n += entries
                .flatten()
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count();
        }
    }
    n
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("app")).unwrap();
    fs::write(p.join("app/__init__.py"), "").unwrap();
    fs::write(
        p.join("app/llm.py"),
        "from openai import OpenAI\nclient = OpenAI()\n\ndef ask(q):\n    return client.chat.completions.create(model='gpt-4o', messages=[q])\n",
    )
    .unwrap();
    fs::write(
        p.join("app/images.py"),
        "from diffusers import StableDiffusionPipeline\npipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n",
    )
    .unwrap();
    fs::write(p.join("app/util.py"), "def f(x):\n    return x + 1\n").unwrap();
    dir
}

#[test]
fn warm_runs_give_the_same_report_in_every_format() {
    let dir = project();
    let p = dir.path();
    for format in ["text", "json", "sarif", "github"] {
        let cache = tempfile::tempdir().unwrap();
        let c = cache.path().to_str().unwrap();
        let args = [
            "check",
            ".",
            "--format",
            format,
            "--stats",
            "--cache-dir",
            c,
        ];
        let cold = run(&args, p);
        assert_eq!(cold.status.code(), Some(1), "{format}");
        assert!(!result_hit(&cold), "{format}");
        assert_eq!(cache_counts(&cold), Some((0, 4)), "{format}");
        let warm = run(&args, p);
        assert!(result_hit(&warm), "{format}");
        assert_eq!(cache_counts(&warm), None, "{format}: facts were loaded");
        assert_eq!(warm.status.code(), Some(1), "{format}");
        assert!(!warm.stdout.is_empty(), "{format}");
        assert_eq!(
            cold.stdout, warm.stdout,
            "{format}: warm report differs from cold"
        );
        let uncached = run(&["check", ".", "--format", format, "--no-cache"], p);
        assert_eq!(uncached.stdout, warm.stdout, "{format}");
    }
}

#[test]
fn any_file_change_misses_the_result_and_reparses_only_that_file() {
    let dir = project();
    let p = dir.path();
    let args = ["check", ".", "--format", "json", "--stats"];
    let cold = run(&args, p);
    assert!(String::from_utf8_lossy(&cold.stdout).contains("\"rule\": \"MOD001\""));
    assert!(result_hit(&run(&args, p)));
    // The report must follow each change exactly as a scan without cache.
    let check = |expect: (usize, usize)| {
        let changed = run(&args, p);
        assert!(!result_hit(&changed));
        assert_eq!(cache_counts(&changed), Some(expect));
        let fresh = run(&["check", ".", "--format", "json", "--no-cache"], p);
        assert_eq!(changed.stdout, fresh.stdout);
        let again = run(&args, p);
        assert!(result_hit(&again));
        assert_eq!(again.stdout, fresh.stdout);
        String::from_utf8(fresh.stdout).unwrap()
    };

    // One file changes and a finding goes away.
    fs::write(
        p.join("app/images.py"),
        "from diffusers import StableDiffusionPipeline\npipe = StableDiffusionPipeline.from_pretrained('x')\n",
    )
    .unwrap();
    assert!(!check((3, 1)).contains("\"rule\": \"MOD001\""));

    // One byte in a file that has no finding.
    fs::write(p.join("app/util.py"), "def f(x):\n    return x + 2\n").unwrap();
    check((3, 1));

    // A new file, then the same text under another name (another module:
    // another facts entry), then a deleted file.
    fs::write(p.join("app/extra.py"), "import os\n").unwrap();
    check((4, 1));
    fs::rename(p.join("app/util.py"), p.join("app/util2.py")).unwrap();
    check((4, 1));
    fs::remove_file(p.join("app/extra.py")).unwrap();
    check((4, 0));

    // A file that cannot be read is part of the key through its notification.
    fs::write(p.join("app/blob.py"), b"x = 1\x00\n").unwrap();
    assert!(check((4, 0)).contains("binary-file"));
}

#[test]
fn a_suppression_comment_misses_the_result() {
    let dir = project();
    let p = dir.path();
    let args = ["check", ".", "--format", "json", "--stats"];
    run(&args, p);
    assert!(result_hit(&run(&args, p)));
    fs::write(
        p.join("app/images.py"),
        "from diffusers import StableDiffusionPipeline\n\
         # synthlint: ignore[MOD001] reviewed: a research notebook\n\
         pipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n",
    )
    .unwrap();
    let out = run(&args, p);
    assert!(!result_hit(&out));
    assert_eq!(cache_counts(&out), Some((3, 1)));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mod001 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "MOD001")
        .expect("the suppressed finding is kept");
    assert!(!mod001["suppression"].is_null(), "{mod001}");
    let fresh = run(&["check", ".", "--format", "json", "--no-cache"], p);
    assert_eq!(out.stdout, fresh.stdout);
    let warm = run(&args, p);
    assert!(result_hit(&warm));
    assert_eq!(warm.stdout, fresh.stdout);
}

#[test]
fn config_and_options_that_change_results_key_the_result() {
    let dir = project();
    let p = dir.path();
    let json = |extra: &[&str]| {
        let mut args = vec!["check", ".", "--format", "json", "--stats"];
        args.extend(extra);
        run(&args, p)
    };
    let fresh = |extra: &[&str]| {
        let mut args = vec!["check", ".", "--format", "json", "--no-cache"];
        args.extend(extra);
        run(&args, p).stdout
    };
    // A suppression without a reason, for the settings about suppressions.
    fs::write(
        p.join("app/images.py"),
        "from diffusers import StableDiffusionPipeline\n\
         # synthlint: ignore[MOD001]\n\
         pipe = StableDiffusionPipeline.from_pretrained('x', safety_checker=None)\n",
    )
    .unwrap();
    let first = json(&[]);
    assert!(result_hit(&json(&[])));
    // Options that do not change the result share it.
    let out = json(&["--jobs", "1", "--fail-on", "error"]);
    assert!(result_hit(&out));
    assert_eq!(out.stdout, first.stdout);

    // Each of these changes the report; none changes a file, so the facts
    // all come from the facts cache.
    let configs = [
        "[levels]\nMOD001 = \"note\"\n",
        "ignore = [\"MOD001\"]\n",
        "[per-path-ignores]\n\"app/images.py\" = [\"MOD\"]\n",
        "require-suppression-reason = true\n",
        "max-file-size = 10\n",
        "[[catalog.generation]]\nid = \"own\"\npatterns = [\"openai.OpenAI\"]\ncontent = [\"text\"]\n\
         provider = \"Own\"\njurisdiction = \"self-hosted\"\n",
    ];
    let mut seen = vec![first.stdout.clone()];
    for config in configs {
        fs::write(p.join("synthlint.toml"), config).unwrap();
        let out = json(&[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!result_hit(&out), "{config}");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{config}: {err}");
        assert_eq!(out.stdout, fresh(&[]), "{config}");
        assert!(
            !seen.contains(&out.stdout),
            "{config}: the report did not change"
        );
        seen.push(out.stdout.clone());
        let warm = json(&[]);
        assert!(result_hit(&warm), "{config}");
        assert_eq!(warm.stdout, out.stdout, "{config}");
    }
    fs::remove_file(p.join("synthlint.toml")).unwrap();

    // Options on the command line.
    for extra in [
        &["--ignore", "MOD001"][..],
        &["--select", "GEN"],
        &["--no-inline-suppressions"],
    ] {
        let out = json(extra);
        assert!(!result_hit(&out), "{extra:?}");
        assert_eq!(cache_counts(&out), Some((4, 0)), "{extra:?}");
        assert_eq!(out.stdout, fresh(extra), "{extra:?}");
        assert_ne!(out.stdout, first.stdout, "{extra:?}");
    }

    // Only a few results are kept, and the config back as it was: the same
    // report (stored again or still there).
    let cache = p.join(".synthlint_cache");
    assert!(result_entries(&cache) <= 8, "{}", result_entries(&cache));
    assert_eq!(json(&[]).stdout, first.stdout);
}

#[test]
fn the_cache_lives_only_where_it_is_told_to() {
    let dir = project();
    let p = dir.path();
    // --no-cache writes nothing.
    run(&["check", ".", "--no-cache"], p);
    assert!(!p.join(".synthlint_cache").exists());
    // --cache-dir puts it elsewhere, and nothing in the scanned tree.
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("c");
    run(&["check", ".", "--cache-dir", cache.to_str().unwrap()], p);
    assert!(cache.join("CACHEDIR.TAG").is_file());
    assert!(!p.join(".synthlint_cache").exists());
    // By default: `.synthlint_cache` in the project root, ignored by git.
    run(&["check", "."], p);
    let default = p.join(".synthlint_cache");
    assert_eq!(
        fs::read_to_string(default.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    // Both flags at once are a usage error.
    let both = run(&["check", ".", "--no-cache", "--cache-dir", "x"], p);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn damaged_entries_are_misses() {
    let dir = project();
    let p = dir.path();
    let args = ["check", ".", "--format", "json", "--stats"];
    let cold = run(&args, p);
    let mut damaged = 0;
    let mut stack = vec![p.join(".synthlint_cache")];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.parent() != Some(&p.join(".synthlint_cache"))
                && (path.file_name().is_some_and(|n| n.len() > 20)
                    || path.parent().is_some_and(|d| d.ends_with("packs")))
            {
                let mut bytes = fs::read(&path).unwrap();
                let n = bytes.len();
                bytes.truncate(n / 2);
                fs::write(&path, bytes).unwrap();
                damaged += 1;
            }
        }
    }
    assert_eq!(
        damaged, 3,
        "the pack of the four facts entries, the result entry and the second key's pointer"
    );
    let warm = run(&args, p);
    assert!(!result_hit(&warm));
    assert_eq!(cache_counts(&warm), Some((0, 4)));
    assert_eq!(cold.stdout, warm.stdout);
}

#[test]
fn catalogue_passthrough_methods_key_the_cache() {
    let dir = project();
    let p = dir.path();
    let args = ["check", ".", "--stats"];
    run(&args, p);
    assert!(result_hit(&run(&args, p)));
    // Extraction depends on the passthrough methods: new settings, new entries.
    fs::write(
        p.join("synthlint.toml"),
        "[catalog]\npassthrough_methods = [\"compile\"]\n",
    )
    .unwrap();
    let out = run(&args, p);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(cache_counts(&out), Some((0, 4)));
    assert!(result_hit(&run(&args, p)));
}

#[test]
fn another_build_does_not_read_this_builds_entries() {
    let dir = project();
    let p = dir.path();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("c");
    let args = [
        "check",
        ".",
        "--format",
        "json",
        "--stats",
        "--cache-dir",
        cache_dir.to_str().unwrap(),
    ];
    let first = run(&args, p);
    assert_eq!(cache_counts(&first), Some((0, 4)));
    // Another build of the binary: same version, other size or time.
    let bin_dir = tempfile::tempdir().unwrap();
    let other = bin_dir.path().join("synthlint");
    fs::copy(env!("CARGO_BIN_EXE_synthlint"), &other).unwrap();
    fs::File::options()
        .write(true)
        .open(&other)
        .unwrap()
        .set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30))
        .unwrap();
    let run_other = || {
        Command::new(&other)
            .args(args)
            .current_dir(p)
            .output()
            .unwrap()
    };
    let out = run_other();
    assert_eq!(
        cache_counts(&out),
        Some((0, 4)),
        "read another build's facts"
    );
    assert_eq!(out.stdout, first.stdout);
    // It keeps entries of its own (its result too), and both builds'
    // entries stay usable.
    let again = run_other();
    assert!(result_hit(&again));
    assert_eq!(again.stdout, first.stdout);
    assert!(result_hit(&run(&args, p)));
}

#[test]
fn an_unusable_cache_directory_is_a_warning_not_a_failure() {
    let dir = project();
    let p = dir.path();
    let fresh = run(&["check", ".", "--format", "json", "--no-cache"], p);
    // The cache directory is a file: nothing can be stored in it.
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let out = run(
        &[
            "check",
            ".",
            "--format",
            "json",
            "--cache-dir",
            blocker.path().to_str().unwrap(),
        ],
        p,
    );
    assert_eq!(out.status.code(), fresh.status.code());
    assert_eq!(out.stdout, fresh.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("facts cache disabled"), "{err}");
}

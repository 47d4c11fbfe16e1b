//! The facts cache as users meet it: a warm run gives the same report, reads
//! unchanged files from the cache and re-parses changed ones, and writes
//! only where it is told to.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run synthlint")
}

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
fn warm_runs_give_the_same_report_and_reparse_only_changed_files() {
    let dir = project();
    let p = dir.path();
    let args = ["check", ".", "--format", "json", "--stats"];
    let cold = run(&args, p);
    assert_eq!(cold.status.code(), Some(1));
    assert_eq!(cache_counts(&cold), Some((0, 4)));
    let warm = run(&args, p);
    assert_eq!(cache_counts(&warm), Some((4, 0)));
    assert_eq!(cold.stdout, warm.stdout, "warm report differs from cold");

    // Change one file: only it is parsed again, and the report follows it.
    fs::write(
        p.join("app/images.py"),
        "from diffusers import StableDiffusionPipeline\npipe = StableDiffusionPipeline.from_pretrained('x')\n",
    )
    .unwrap();
    let changed = run(&args, p);
    assert_eq!(cache_counts(&changed), Some((3, 1)));
    let fresh = run(&["check", ".", "--format", "json", "--no-cache"], p);
    assert_eq!(changed.stdout, fresh.stdout);
    assert!(!String::from_utf8_lossy(&changed.stdout).contains("\"rule\": \"MOD001\""));
    assert!(String::from_utf8_lossy(&cold.stdout).contains("\"rule\": \"MOD001\""));

    // Same text under another name is another module: a separate entry.
    fs::rename(p.join("app/util.py"), p.join("app/util2.py")).unwrap();
    assert_eq!(cache_counts(&run(&args, p)), Some((3, 1)));
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
                && path.file_name().is_some_and(|n| n.len() > 20)
            {
                let mut bytes = fs::read(&path).unwrap();
                let n = bytes.len();
                bytes.truncate(n / 2);
                fs::write(&path, bytes).unwrap();
                damaged += 1;
            }
        }
    }
    assert_eq!(damaged, 4);
    let warm = run(&args, p);
    assert_eq!(cache_counts(&warm), Some((0, 4)));
    assert_eq!(cold.stdout, warm.stdout);
}

#[test]
fn catalogue_passthrough_methods_key_the_cache() {
    let dir = project();
    let p = dir.path();
    let args = ["check", ".", "--stats"];
    run(&args, p);
    assert_eq!(cache_counts(&run(&args, p)), Some((4, 0)));
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
    assert_eq!(cache_counts(&run(&args, p)), Some((4, 0)));
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
    // It keeps entries of its own, and both builds' entries stay usable.
    assert_eq!(cache_counts(&run_other()), Some((4, 0)));
    assert_eq!(cache_counts(&run(&args, p)), Some((4, 0)));
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

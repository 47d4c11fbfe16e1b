//! Hostile and odd inputs: each becomes a notification (or is scanned
//! normally) and the rest of the scan completes. Every test runs the real
//! binary under a deadline (no hang, no panic, exit 0 or 1, files counted)
//! and then the library for the notifications, which the reporters do not
//! all print yet.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::*;

use synthlint::config::{self, Overrides};
use synthlint::engine::{self, ScanResult};

/// Scan `dir` with `--stats`; assert a clean finish and return the number
/// of files that were read and parsed.
fn scan_bin(dir: &Path, extra: &[&str]) -> usize {
    let mut args = vec!["check", "--stats"];
    args.extend_from_slice(extra);
    let r = run(dir, &args);
    assert!(
        matches!(r.code, Some(0 | 1)),
        "exit code {:?}, stderr:\n{}",
        r.code,
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    files_in_stats(&r.stderr)
}

/// The same scan through the library, for the notifications.
fn scan_lib(dir: &Path) -> ScanResult {
    let overrides = Overrides {
        paths: vec![dir.to_path_buf()],
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let settings = config::resolve(&overrides).expect("settings");
    engine::scan(&overrides.paths, &settings).expect("scan")
}

fn kinds_for(result: &ScanResult, path: &str) -> Vec<String> {
    result
        .notifications
        .iter()
        .filter(|n| n.path.as_deref() == Some(path))
        .map(|n| n.kind.clone())
        .collect()
}

/// A project with one good file next to the bad one, so that every test
/// also checks that the rest of the scan goes on.
fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    fs::create_dir(dir.join(".git")).unwrap();
    fs::write(dir.join("good.py"), "import os\nprint(os.getcwd())\n").unwrap();
    (tmp, dir)
}

#[test]
fn binary_file_named_py() {
    let (_tmp, dir) = project();
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend((0..4096u32).map(|i| (i % 251) as u8));
    fs::write(dir.join("blob.py"), elf).unwrap();
    assert_eq!(scan_bin(&dir, &[]), 1);
    let r = scan_lib(&dir);
    assert_eq!(kinds_for(&r, "blob.py"), ["binary-file"]);
    assert_eq!(r.stats.files, 1);
}

#[test]
fn nul_byte_late_in_the_file() {
    let (_tmp, dir) = project();
    let mut text = "x = 1\n".repeat(5000).into_bytes();
    text.extend(b"y = '\0'\n");
    fs::write(dir.join("late_nul.py"), text).unwrap();
    assert_eq!(scan_bin(&dir, &[]), 1);
    assert_eq!(kinds_for(&scan_lib(&dir), "late_nul.py"), ["binary-file"]);
}

#[test]
fn invalid_utf8() {
    let (_tmp, dir) = project();
    // Not UTF-8 and no PEP 263 declaration (one that names latin-1 is
    // decoded: tests/hardening.rs item13).
    fs::write(dir.join("latin1.py"), b"# Latin-1\nname = 'Andr\xe9'\n").unwrap();
    assert_eq!(scan_bin(&dir, &[]), 1);
    let r = scan_lib(&dir);
    assert_eq!(kinds_for(&r, "latin1.py"), ["invalid-utf8"]);
    let msg = &r.notifications[0].message;
    assert!(msg.contains("line 2") && msg.contains("UTF-8"), "{msg}");
}

#[test]
fn utf16_is_reported_as_not_utf8() {
    let (_tmp, dir) = project();
    let mut bytes = vec![0xFF, 0xFE];
    for u in "x = 1\n".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    fs::write(dir.join("utf16.py"), bytes).unwrap();
    assert_eq!(scan_bin(&dir, &[]), 1);
    assert_eq!(kinds_for(&scan_lib(&dir), "utf16.py"), ["invalid-utf8"]);
}

#[test]
fn utf8_bom_is_stripped() {
    let (_tmp, dir) = project();
    fs::write(dir.join("bom.py"), "\u{feff}import os\nx = 'é'\n").unwrap();
    assert_eq!(scan_bin(&dir, &[]), 2);
    let r = scan_lib(&dir);
    assert!(r.notifications.is_empty(), "{:?}", r.notifications);
    let file = synthlint::walk::SourcePath {
        rel: "bom.py".into(),
        abs: dir.join("bom.py"),
        language: synthlint::facts::Language::Python,
    };
    match engine::read_source(&file, u64::MAX) {
        engine::ReadOutcome::Text(t) => assert!(t.starts_with("import os")),
        engine::ReadOutcome::Skipped(n) => panic!("{n:?}"),
    }
}

#[test]
fn crlf_line_endings() {
    let (_tmp, dir) = project();
    fs::write(
        dir.join("crlf.py"),
        "import os\r\n\r\ndef f():\r\n    return os.sep\r\n",
    )
    .unwrap();
    fs::write(dir.join("cr_only.py"), "import os\rx = 1\r").unwrap();
    assert_eq!(scan_bin(&dir, &[]), 3);
    assert!(scan_lib(&dir).notifications.is_empty());
}

#[test]
fn empty_file() {
    let (_tmp, dir) = project();
    fs::write(dir.join("empty.py"), "").unwrap();
    fs::create_dir(dir.join("pkg")).unwrap();
    fs::write(dir.join("pkg/__init__.py"), "").unwrap();
    assert_eq!(scan_bin(&dir, &[]), 3);
    assert!(scan_lib(&dir).notifications.is_empty());
}

/// A 10 MB single-line file: skipped over the default limit; with a raised
/// limit it is read and the scan still finishes. One long string token keeps
/// the parse cheap.
#[test]
fn ten_megabyte_single_line() {
    let (_tmp, dir) = project();
    let mut line = String::with_capacity(10 * 1024 * 1024 + 16);
    line.push_str("s = \"");
    line.extend(std::iter::repeat_n('a', 10 * 1024 * 1024));
    line.push_str("\"\n");
    fs::write(dir.join("huge.py"), &line).unwrap();
    drop(line);

    assert_eq!(scan_bin(&dir, &[]), 1);
    let r = scan_lib(&dir);
    assert_eq!(kinds_for(&r, "huge.py"), ["file-too-large"]);

    fs::write(dir.join("synthlint.toml"), "max-file-size = \"16 MiB\"\n").unwrap();
    assert_eq!(scan_bin(&dir, &[]), 2);
    assert!(kinds_for(&scan_lib(&dir), "huge.py").is_empty());
}

#[test]
fn deeply_nested_brackets() {
    let (_tmp, dir) = project();
    let depth = 5000;
    let mut text = String::from("x = ");
    for i in 0..depth {
        text.push(['[', '(', '{'][i % 3]);
    }
    for i in (0..depth).rev() {
        text.push([']', ')', '}'][i % 3]);
    }
    text.push('\n');
    text.push_str(&format!(
        "y = {}1{}\n",
        "f(".repeat(depth),
        ")".repeat(depth)
    ));
    text.push_str(&format!("z = {}\n", "-".repeat(depth) + "1"));
    fs::write(dir.join("brackets.py"), text).unwrap();
    assert_eq!(scan_bin(&dir, &[]), 2);
    let r = scan_lib(&dir);
    // A frontend may report a nesting limit, but never crash or stop.
    assert!(
        kinds_for(&r, "brackets.py")
            .iter()
            .all(|k| k != "internal-error"),
        "{:?}",
        r.notifications
    );
    assert!(r.stats.files >= 1);
}

#[test]
fn deeply_nested_indentation() {
    let (_tmp, dir) = project();
    let depth = 5000;
    let mut text = String::with_capacity(depth * depth / 2 + depth * 16);
    for i in 0..depth {
        text.push_str(&" ".repeat(i));
        text.push_str(if i % 2 == 0 { "if x:\n" } else { "def f():\n" });
    }
    text.push_str(&" ".repeat(depth));
    text.push_str("pass\n");
    // ~12.5 MB of indentation: raise the limit so the parser really sees it.
    fs::write(dir.join("synthlint.toml"), "max-file-size = \"64 MiB\"\n").unwrap();
    fs::write(dir.join("indent.py"), text).unwrap();
    assert_eq!(scan_bin(&dir, &[]), 2);
    let r = scan_lib(&dir);
    assert!(
        kinds_for(&r, "indent.py")
            .iter()
            .all(|k| k != "internal-error" && k != "file-too-large"),
        "{:?}",
        r.notifications
    );
}

#[test]
fn python2_file() {
    let (_tmp, dir) = project();
    fs::write(
        dir.join("legacy.py"),
        "# Python 2\nimport urllib2\n\
         print \"hello\", 42\n\
         exec \"x = 1\"\n\
         try:\n    pass\nexcept Exception, e:\n    print >>sys.stderr, e\n\
         y = `x`\nz = 0777L\nu = ur'raw'\n\
         if x <> 1:\n    raise ValueError, \"bad\"\n",
    )
    .unwrap();
    assert_eq!(scan_bin(&dir, &[]), 2);
    let r = scan_lib(&dir);
    assert!(
        kinds_for(&r, "legacy.py")
            .iter()
            .all(|k| k != "internal-error")
    );
}

#[test]
fn fifo_named_py_does_not_hang() {
    let (_tmp, dir) = project();
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.py"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("mkfifo not available; only the walk part of this test ran");
    }
    // Walked: not a regular file, silently not a source file.
    assert_eq!(scan_bin(&dir, &[]), 1);
    if made {
        // Named explicitly: a notification, not a blocking read.
        let r = run(&dir, &["check", "--stats", "pipe.py", "good.py"]);
        assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
        assert_eq!(files_in_stats(&r.stderr), 1);
    }
}

#[test]
fn unreadable_file() {
    let (_tmp, dir) = project();
    let path = dir.join("secret.py");
    fs::write(&path, "x = 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    }
    // Root reads anything; then there is nothing to report.
    let readable = fs::read(&path).is_ok();
    let counted = scan_bin(&dir, &[]);
    let r = scan_lib(&dir);
    if readable {
        assert_eq!(counted, 2);
    } else {
        assert_eq!(counted, 1);
        assert_eq!(kinds_for(&r, "secret.py"), ["io-error"]);
    }
}

#[test]
fn many_bad_files_at_once() {
    let (_tmp, dir) = project();
    fs::write(dir.join("a_bin.py"), b"\0\0\0").unwrap();
    fs::write(dir.join("b_utf8.py"), b"\xc3\x28\n").unwrap();
    fs::write(dir.join("c_ok.py"), "x = 1\n").unwrap();
    fs::write(dir.join("d_big.py"), "#".repeat(100)).unwrap();
    fs::write(dir.join("synthlint.toml"), "max-file-size = 50\n").unwrap();
    assert_eq!(scan_bin(&dir, &[]), 2);
    let r = scan_lib(&dir);
    let mut kinds: Vec<(&str, &str)> = r
        .notifications
        .iter()
        .map(|n| (n.path.as_deref().unwrap_or(""), n.kind.as_str()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("a_bin.py", "binary-file"),
            ("b_utf8.py", "invalid-utf8"),
            ("d_big.py", "file-too-large"),
        ]
    );
}

/// Configuration files that do not parse: one `config-syntax-error` each,
/// with the line it stopped at; what came before stands, and the rest of
/// the scan (here a LOG001 finding in a good file) goes on.
#[test]
fn broken_configuration_files() {
    let (_tmp, dir) = project();
    fs::write(dir.join("values.yaml"), "a: 1\nb: [1, 2\nc: 3\n").unwrap();
    fs::write(dir.join("policy.json"), "{\n  \"a\": 1,\n  \"b\": ,\n}\n").unwrap();
    fs::write(dir.join("pyproject.toml"), "[tool]\nx = 1\ny = = 2\n").unwrap();
    fs::write(dir.join("main.tf"), "resource \"a\" \"b\" {\n  x = \n").unwrap();
    fs::write(
        dir.join(".env"),
        "A=1\nnot an assignment\nLOG_RETENTION_DAYS=7\n",
    )
    .unwrap();
    fs::write(dir.join("deep.json"), "[".repeat(200_000)).unwrap();
    assert_eq!(scan_bin(&dir, &[]), 7);
    let result = scan_lib(&dir);
    for (path, line) in [
        ("values.yaml", 3),
        ("policy.json", 3),
        ("pyproject.toml", 3),
        (".env", 2),
    ] {
        let n = result
            .notifications
            .iter()
            .find(|n| n.path.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("no notification for {path}"));
        assert_eq!(n.kind, "config-syntax-error", "{path}");
        assert_eq!(n.span.unwrap().start_line, line, "{path}: {}", n.message);
        assert!(n.message.contains(&format!("line {line}")), "{}", n.message);
    }
    assert_eq!(kinds_for(&result, "main.tf"), ["config-syntax-error"]);
    assert_eq!(kinds_for(&result, "deep.json"), ["config-syntax-error"]);
    // The .env line after the broken one is still read.
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.rule == "LOG001" && f.location.path == ".env")
    );
}

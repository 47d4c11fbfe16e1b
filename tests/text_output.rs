//! The text reporter on hand-built results, with real files in a tempdir.

use std::path::Path;

use synthlint::engine::{ScanResult, Stats};
use synthlint::finding::{Finding, Level, Location, Notification, Related, Suppression};
use synthlint::report::{ReportOptions, text};
use synthlint::rules;
use synthlint::source::{LineIndex, Span};

const PIPE_PY: &str = r#"from diffusers import StableDiffusionPipeline

pipe = StableDiffusionPipeline.from_pretrained(
    "runwayml/stable-diffusion-v1-5",
    safety_checker=None,
)
image = pipe(prompt).images[0]
"#;

const API_PY: &str = "\
from app.pipe import pipe

# 生成图片 synthlint: ignore[GEN001]
@app.post(\"/images\")
def create(prompt):\tpass
";

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The location of the `nth` (0-based) occurrence of `needle` in `text`.
fn loc(path: &str, text: &str, needle: &str, nth: usize) -> Location {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} not in {path}"))
        .0;
    Location {
        path: path.into(),
        span: LineIndex::new(text).span(start, start + needle.len()),
    }
}

fn finding(rule: &'static str, level: Level, message: &str, location: Location) -> Finding {
    Finding::new(rule, level, message.to_string(), location)
}

fn result(
    root: &Path,
    mut findings: Vec<Finding>,
    notifications: Vec<Notification>,
    files: usize,
) -> ScanResult {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    ScanResult {
        root: root.to_path_buf(),
        findings,
        notifications,
        rules: rules::metas(&rules::all()),
        stats: Stats {
            files,
            ..Stats::default()
        },
    }
}

fn render(result: &ScanResult, color: bool) -> String {
    let opts = ReportOptions {
        color,
        omit_suppressed: false,
        ..Default::default()
    };
    let mut out = Vec::new();
    text::write(result, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn sample(root: &Path) -> ScanResult {
    // The syntax error below is at byte 40: line 4, column 9.
    let broken = "import os\nimport re\nx = [1, 2, \ndef f(:  pass\n";
    write_files(
        root,
        &[
            ("app/pipe.py", PIPE_PY),
            ("app/api.py", API_PY),
            ("app/broken.py", broken),
        ],
    );
    let mut off = finding(
        "MOD001",
        Level::Error,
        "`safety_checker=None` switches off the safety checker of StableDiffusionPipeline, so generated images are not screened",
        loc("app/pipe.py", PIPE_PY, "safety_checker=None", 0),
    );
    off.related.push(Related {
        location: loc(
            "app/pipe.py",
            PIPE_PY,
            "StableDiffusionPipeline.from_pretrained",
            0,
        ),
        message: "pipeline created here".into(),
    });
    let mut call = finding(
        "GEN001",
        Level::Note,
        "image generation call (diffusers StableDiffusionPipeline)",
        loc("app/pipe.py", PIPE_PY, "pipe(prompt)", 0),
    );
    call.related.push(Related {
        location: loc("app/api.py", API_PY, "@app.post(\"/images\")", 0),
        message: "reached from this endpoint".into(),
    });
    let mut hidden = finding(
        "GEN001",
        Level::Note,
        "image generation endpoint",
        loc("app/api.py", API_PY, "def create", 0),
    );
    hidden.suppression = Some(Box::new(Suppression {
        kind: "inline".into(),
        justification: String::new(),
        location: Some(loc("app/api.py", API_PY, "# 生成图片", 0)),
    }));
    let unused = finding(
        "SYN002",
        Level::Warning,
        "unused suppression: GEN001 (generation-call) reports nothing on the line below",
        loc("app/api.py", API_PY, "GEN001", 0),
    );
    let tabbed = finding(
        "SYN001",
        Level::Warning,
        "a finding after a tab, to pin tab expansion",
        loc("app/api.py", API_PY, "pass", 0),
    );
    let notifications = vec![
        Notification {
            level: Level::Warning,
            kind: "binary-file".into(),
            message: "skipped: looks like a binary file (NUL byte)".into(),
            path: Some("assets/model.py".into()),
            span: None,
        },
        Notification {
            level: Level::Warning,
            kind: "syntax-error".into(),
            message: "could not parse this region; facts elsewhere in the file stand".into(),
            path: Some("app/broken.py".into()),
            span: Some(Span {
                start_line: 4,
                end_line: 4,
                start_byte: 40,
                end_byte: 43,
            }),
        },
        Notification {
            level: Level::Note,
            kind: "no-files".into(),
            message: "nothing else to say".into(),
            path: None,
            span: None,
        },
    ];
    result(
        root,
        vec![off, call, hidden, unused, tabbed],
        notifications,
        12,
    )
}

#[test]
fn findings_notifications_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = render(&sample(dir.path()), false);
    assert!(!out.contains('\x1b'), "no colour codes without colour");
    assert!(
        !out.contains(&*dir.path().to_string_lossy()),
        "no absolute paths"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn output_is_byte_stable() {
    let dir = tempfile::tempdir().unwrap();
    let r = sample(dir.path());
    assert_eq!(render(&r, false), render(&r, false));
    assert_eq!(render(&r, true), render(&r, true));
}

#[test]
fn colour_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let r = sample(dir.path());
    let coloured = render(&r, true);
    assert!(coloured.contains("\x1b["));
    // Same text once the escapes are gone, apart from the snippet drawing.
    let plain = render(&r, false);
    let strip = |s: &str| {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    assert_eq!(strip(&coloured), plain);
}

#[test]
fn summaries() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert_eq!(
        render(&result(root, vec![], vec![], 1), false),
        "No findings in 1 file.\n"
    );

    write_files(root, &[("a.py", "x = 1\n")]);
    let mut a = finding("GEN001", Level::Note, "m", loc("a.py", "x = 1\n", "x", 0));
    let mut b = a.clone();
    for f in [&mut a, &mut b] {
        f.suppression = Some(Box::new(Suppression {
            kind: "inline".into(),
            justification: "why".into(),
            location: None,
        }));
    }
    assert_eq!(
        render(&result(root, vec![a.clone(), b], vec![], 12), false),
        "No findings in 12 files; 2 suppressed.\n"
    );

    a.suppression = None;
    let out = render(&result(root, vec![a], vec![], 2), false);
    assert!(
        out.ends_with("\n\nFound 1 finding (1 note) in 2 files.\n"),
        "{out}"
    );
}

/// Files that cannot be read and spans that do not fit the file give one
/// plain line each; nothing panics.
#[test]
fn unreadable_files_and_bad_spans_fall_back_to_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let text = "x = 1\ny = \"生成\"\n";
    write_files(root, &[("ok.py", text), ("empty.py", "")]);
    std::fs::write(root.join("latin1.py"), b"x = '\xe9'\n").unwrap();
    std::fs::create_dir_all(root.join("adir.py")).unwrap();

    let good = loc("ok.py", text, "y", 0).span;
    let bad = |f: &dyn Fn(&mut Span)| {
        let mut s = good;
        f(&mut s);
        Location {
            path: "ok.py".into(),
            span: s,
        }
    };
    let findings = vec![
        finding(
            "GEN001",
            Level::Note,
            "file is gone",
            loc("missing.py", text, "y", 0),
        ),
        finding(
            "GEN001",
            Level::Note,
            "not UTF-8",
            loc("latin1.py", text, "x", 0),
        ),
        finding(
            "GEN001",
            Level::Note,
            "a directory",
            loc("adir.py", text, "x", 0),
        ),
        finding(
            "GEN001",
            Level::Note,
            "empty file",
            loc("empty.py", text, "y", 0),
        ),
        finding(
            "GEN001",
            Level::Note,
            "past the end",
            bad(&|s| {
                s.start_byte = 1000;
                s.end_byte = 1004;
            }),
        ),
        finding(
            "GEN001",
            Level::Note,
            "reversed",
            bad(&|s| std::mem::swap(&mut s.start_byte, &mut s.end_byte)),
        ),
        finding(
            "GEN001",
            Level::Note,
            "inside a character",
            bad(&|s| {
                // One byte into `生`.
                s.start_byte = text.find('生').unwrap() as u32 + 1;
                s.end_byte = s.start_byte + 2;
            }),
        ),
        finding(
            "GEN001",
            Level::Note,
            "line and column disagree with the bytes (file edited since the scan)",
            bad(&|s| s.start_line = 1),
        ),
        finding(
            "XYZ999",
            Level::Error,
            "unknown rule,\nmulti-line   message",
            bad(&|s| s.end_byte = 1000),
        ),
    ];
    let out = render(&result(root, findings, vec![], 5), false);
    insta::assert_snapshot!(out);
}

#[test]
fn edge_spans_render() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let text = "a = 1\r\nb = make(\r\n  x,\r\n)\r\nend";
    write_files(root, &[("edge.py", text)]);
    let idx = LineIndex::new(text);
    let at = |start: usize, end: usize| Location {
        path: "edge.py".into(),
        span: idx.span(start, end),
    };
    let len = text.len();
    let call = text.find("make(").unwrap();
    let mut multi = finding(
        "GEN001",
        Level::Note,
        "multi-line call",
        at(call, text.find(')').unwrap() + 1),
    );
    multi.related.push(Related {
        location: at(text.find('x').unwrap(), text.find('x').unwrap() + 1),
        message: "argument".into(),
    });
    // A related span that does not fit is listed under the snippet instead.
    multi.related.push(Related {
        location: Location {
            path: "edge.py".into(),
            span: Span {
                start_byte: 9999,
                ..idx.span(0, 1)
            },
        },
        message: "stale related location".into(),
    });
    let findings = vec![
        finding("GEN001", Level::Note, "empty span at the start", at(0, 0)),
        multi,
        finding("GEN001", Level::Note, "empty span at the end", at(len, len)),
        finding(
            "GEN001",
            Level::Note,
            "last line without newline",
            at(len - 3, len),
        ),
    ];
    let out = render(&result(root, findings, vec![], 1), false);
    insta::assert_snapshot!(out);
}

#[test]
fn long_spans_are_underlined_on_their_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (1..=12).map(|i| format!("    step_{i}()\n")).collect();
    let text = format!("@app.post(\"/gen\")\ndef generate(prompt):\n{body}    return out\n");
    write_files(dir.path(), &[("long.py", &text)]);
    let start = text.find("def").unwrap();
    let location = Location {
        path: "long.py".into(),
        span: LineIndex::new(&text).span(start, text.len() - 1),
    };
    let f = finding("GEN001", Level::Note, "generation endpoint", location);
    let out = render(&result(dir.path(), vec![f], vec![], 1), false);
    insta::assert_snapshot!(out);
}

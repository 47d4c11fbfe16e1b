//! Fuzz harness entry points. The cargo-fuzz targets in `fuzz/` call these;
//! `tests/fuzz_regressions.rs` runs the committed inputs and seeds through
//! them on stable. Each takes arbitrary bytes and panics only on a bug: a
//! crash in the code under test or a broken invariant asserted here.

use crate::facts::{Comment, FileFacts};
use crate::source::{LineIndex, Span};

const PASSTHROUGH: &[&str] = &["to", "cuda", "half"];

/// The Python frontend on any text: no panic, every span inside the text and
/// ordered, the cursor walk equal to the reference query, the facts cache's
/// encoding a faithful round trip, and every comment's suppression parse
/// consistent.
pub fn python_extract(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let passthrough: Vec<String> = PASSTHROUGH.iter().map(|s| s.to_string()).collect();
    // The first byte picks a path shape: module names and relative imports
    // depend on it.
    let path = match data.first().map(|b| b % 3) {
        Some(0) => "pkg/sub/__init__.py",
        Some(1) => "src/app/main.py",
        _ => "m.py",
    };
    let (mut facts, notes) = crate::lang::python::extract(path, text, &passthrough);
    check_spans(&facts, text);
    let (query_facts, query_notes) =
        crate::lang::python::extract_with_query(path, text, &passthrough);
    let walk = serde_json::to_string(&(&facts, &notes)).expect("facts serialize");
    let query = serde_json::to_string(&(&query_facts, &query_notes)).expect("facts serialize");
    assert!(walk == query, "cursor walk and query disagree");
    let (back, back_notes) =
        crate::cache::decode_body(&crate::cache::encode_body(&mut facts, &notes).unwrap())
            .expect("a cache entry decodes");
    assert!(
        serde_json::to_string(&(&back, &back_notes)).unwrap() == walk,
        "cache round trip changed the facts"
    );
    for c in &facts.comments {
        check_directive(c);
    }
}

fn check_spans(facts: &FileFacts, text: &str) {
    // Spans index the text the frontend saw: lone CRs become LFs (Python
    // reads them as line breaks), same length; `line_count` counts those.
    let len = text.len() as u32;
    let lines = facts.line_count;
    let ok = |s: &Span| {
        assert!(
            s.start_byte <= s.end_byte && s.end_byte <= len,
            "{s:?} in {len} bytes"
        );
        assert!(
            s.start_line >= 1 && s.start_line <= s.end_line && s.end_line <= lines,
            "{s:?} in {lines} lines"
        );
    };
    facts.imports.iter().for_each(|i| ok(&i.span));
    for f in &facts.functions {
        ok(&f.span);
        ok(&f.name_span);
        for d in &f.decorators {
            ok(&d.span);
            d.args.iter().for_each(|a| ok(&a.span));
        }
    }
    for c in &facts.classes {
        ok(&c.span);
        ok(&c.name_span);
    }
    for c in &facts.calls {
        ok(&c.span);
        assert!(c.callee_bytes().start <= c.callee_bytes().end && c.callee_end <= c.span.end_byte);
        c.args.iter().for_each(|a| ok(&a.span));
    }
    facts.assignments.iter().for_each(|a| ok(&a.span));
    facts.strings.iter().for_each(|s| ok(&s.span));
    facts.comments.iter().for_each(|c| ok(&c.span));
    facts.syntax_errors.iter().for_each(ok);
    facts.main_guards.iter().for_each(ok);
    for c in &facts.conditions {
        ok(&c.span);
        ok(&c.then);
        c.orelse.iter().for_each(ok);
    }
    facts.returns.iter().for_each(|r| ok(&r.span));
}

/// The suppression-comment parser on any comment text, as a Python comment
/// (`#` marker) and with a span that does not fit the text.
pub fn suppression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.replace(['\n', '\r'], " ");
    let line = format!("x = 1  #{text}");
    let index = LineIndex::new(&line);
    let start = line.find('#').expect("marker");
    check_directive(&Comment {
        text: text.clone(),
        own_line: false,
        span: index.span(start, line.len()),
        width: crate::source::width(&line, start, line.len()),
    });
    // A frontend that reports a span the text does not fit.
    check_directive(&Comment {
        text,
        own_line: true,
        span: Span {
            start_line: 3,
            end_line: 4,
            start_byte: 40,
            end_byte: 41,
        },
        width: 4,
    });
}

fn check_directive(c: &Comment) {
    let Some(d) = crate::suppress::inline::parse(c) else {
        return;
    };
    assert_eq!(d.comment, c.span);
    let within = |s: &Span| {
        s.start_byte >= c.span.start_byte
            && s.end_byte <= c.span.end_byte
            && s.start_byte <= s.end_byte
    };
    assert!(within(&d.span), "{:?} outside {:?}", d.span, c.span);
    assert_eq!(d.bare.is_some(), d.codes.is_empty());
    for code in &d.codes {
        assert!(!code.code.is_empty() && within(&code.span), "{code:?}");
    }
    assert_eq!(d.reason, d.reason.trim());
}

/// A config file (`synthlint.toml`, or `pyproject.toml` when the first byte
/// is odd) through discovery, validation and the catalogue build; errors are
/// rendered with their source spans.
pub fn config(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    // A fresh directory per input, removed when it drops: a process-wide one
    // was left behind in the temp directory by every test run.
    let scratch = tempfile::tempdir().expect("scratch directory");
    let dir = &scratch.path().to_path_buf();
    let name = if kind % 2 == 0 {
        "synthlint.toml"
    } else {
        "pyproject.toml"
    };
    let file = dir.join(name);
    std::fs::write(&file, body).expect("write config");
    let overrides = crate::config::Overrides {
        config: Some(file),
        paths: vec![dir.clone()],
        root: Some(dir.clone()),
        ..Default::default()
    };
    match crate::config::resolve(&overrides) {
        Ok(settings) => {
            if let Ok(catalog) = crate::catalog::Catalog::load(&settings.catalog) {
                // Compiled patterns must be usable on any callee.
                let _ = catalog.generation_api(
                    crate::facts::Language::Python,
                    "openai.OpenAI().chat.completions.create",
                );
            }
        }
        Err(report) => {
            let _ = crate::config::error::render(&report, false);
        }
    }
}

/// Secret masking keeps lengths and columns and is idempotent.
pub fn redact(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let masked = crate::report::redact::mask(text);
    assert_eq!(masked.len(), text.len());
    assert_eq!(masked.chars().count(), text.chars().count());
    assert_eq!(crate::report::redact::mask(&masked), masked);
}

/// The media-label readers (PNG, JPEG, WebP, MP3, WAV, MP4, XMP) and the
/// GB 45438 label validator on any bytes; the first byte picks the format.
/// `media::scan` turns a reader's panic into damage; here it must not occur
/// at all (libfuzzer-sys aborts on any panic, caught or not).
pub fn media_label(data: &[u8]) {
    use crate::implicit_label::{aigc, media, xmp};
    let Some((&k, bytes)) = data.split_first() else {
        return;
    };
    let kind = media::MediaKind::ALL[k as usize % media::MediaKind::ALL.len()];
    let scanned = media::scan_bytes(kind, bytes);
    assert!(
        scanned
            .damage
            .iter()
            .all(|d| !d.contains("failed on this file")),
        "{:?}",
        scanned.damage
    );
    let _ = crate::rules::media::assess("f", kind, scanned);
    let _ = media::embedded_label(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = aigc::check_text(None, text);
        let _ = xmp::parse(text);
    }
}

//! Fingerprints that let code scanning and the baseline recognise the same
//! finding across runs.
//!
//! Two are computed:
//! - `primaryLocationLineHash`, the value GitHub's upload action would compute
//!   itself (a rolling hash of the primary line and what follows it). We emit it
//!   so an upload without that action deduplicates alerts the same way.
//! - `synthlint/v2`, our own key over (rule, path, enclosing symbol, normalised
//!   text of the primary region). It ignores line numbers, so it survives edits
//!   above the finding and moving a function within its file; the text is
//!   normalised the way formatters rewrite code (layout, quotes, trailing
//!   commas), so reformatting keeps it too. The baseline and `--diff-base`
//!   use it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::finding::{Finding, Location};
use crate::source::{LineStarts, Span};

/// `partialFingerprints` key GitHub code scanning reads.
pub const LINE_HASH_KEY: &str = "primaryLocationLineHash";
/// `partialFingerprints` key of our line-independent fingerprint.
pub const SYNTHLINT_KEY: &str = "synthlint/v2";

/// The per-line hashes GitHub's codeql-action computes for a file
/// (`src/fingerprints.ts` there), in line order; entry `i` is line `i + 1`.
///
/// For each line: a polynomial rolling hash (base 37, wrapping 64-bit
/// arithmetic) over the next 100 UTF-16 code units starting at the line,
/// skipping spaces and tabs and treating CR, LF and CRLF alike, then padded
/// past the end of the file. Each value is printed as `hex:n`, where `n`
/// counts earlier lines with the same hash so repeated lines stay distinct.
pub fn line_hashes(text: &str) -> Vec<String> {
    line_hash_values(text)
        .into_iter()
        .map(|(hash, n)| format_line_hash(hash, n))
        .collect()
}

fn format_line_hash(hash: u64, n: u32) -> String {
    format!("{hash:x}:{n}")
}

/// `line_hashes` before formatting: (hash, occurrence) per line, so a file
/// with one finding does not format a string for each of its lines.
fn line_hash_values(text: &str) -> Vec<(u64, u32)> {
    const WINDOW: usize = 100;
    const BASE: u64 = 37;
    // Marks the end of input; the upstream code feeds this value, not -1.
    const END: u16 = 0xFFFF;
    let drop_factor = BASE.wrapping_pow(WINDOW as u32);

    struct State {
        window: [u64; WINDOW],
        // Line that starts at each window slot, 0 for none.
        line_at: [u32; WINDOW],
        index: usize,
        hash: u64,
        counts: std::collections::BTreeMap<u64, u32>,
        out: Vec<(u64, u32)>,
    }
    let mut st = State {
        window: [0; WINDOW],
        line_at: [0; WINDOW],
        index: 0,
        hash: 0,
        counts: Default::default(),
        out: Vec::new(),
    };
    let emit = |st: &mut State| {
        let n = st.counts.entry(st.hash).or_insert(0);
        *n += 1;
        let line = st.line_at[st.index] as usize;
        // Lines come out in order; the resize only guards that assumption.
        if st.out.len() < line {
            st.out.resize(line, (0, 0));
        }
        st.out[line - 1] = (st.hash, *n);
        st.line_at[st.index] = 0;
    };
    let push = |st: &mut State, c: u64| {
        let old = st.window[st.index];
        st.window[st.index] = c;
        st.hash = BASE
            .wrapping_mul(st.hash)
            .wrapping_add(c)
            .wrapping_sub(drop_factor.wrapping_mul(old));
        st.index = (st.index + 1) % WINDOW;
    };

    let mut line = 0u32;
    let mut at_line_start = true;
    let mut after_cr = false;
    for unit in text.encode_utf16().chain(std::iter::once(END)) {
        let mut c = unit;
        if c == u16::from(b' ') || c == u16::from(b'\t') || (after_cr && c == u16::from(b'\n')) {
            after_cr = false;
            continue;
        }
        if c == u16::from(b'\r') {
            c = u16::from(b'\n');
            after_cr = true;
        } else {
            after_cr = false;
        }
        if st.line_at[st.index] != 0 {
            emit(&mut st);
        }
        if at_line_start {
            at_line_start = false;
            line += 1;
            st.line_at[st.index] = line;
        }
        if c == u16::from(b'\n') {
            at_line_start = true;
        }
        push(&mut st, u64::from(c));
    }
    for _ in 0..WINDOW {
        if st.line_at[st.index] != 0 {
            emit(&mut st);
        }
        push(&mut st, 0);
    }
    st.out
}

/// Code text as formatters leave its meaning: white space dropped except
/// one space between two word characters (`not x`, `lambda y`), single
/// quotes as double quotes, and no comma before a closing bracket, so that
/// re-indenting, re-wrapping or running black does not change a fingerprint.
pub fn normalize_code(s: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().next_back().is_some_and(word) && word(c) {
            out.push(' ');
        }
        pending_space = false;
        if c == ',' {
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
            if chars.peek().is_some_and(|n| matches!(n, ')' | ']' | '}')) {
                continue;
            }
        }
        out.push(if c == '\'' { '"' } else { c });
    }
    out
}

/// The text a span covers, located by its 1-based lines and the code-point
/// columns of its bytes (end exclusive), the same coordinates SARIF
/// regions use.
pub fn region_text(text: &str, span: &Span) -> String {
    region_text_with(text, &LineStarts::new(text), span)
}

/// `region_text` with the line starts computed once per file.
fn region_text_with(text: &str, lines: &LineStarts, span: &Span) -> String {
    let cols = (
        lines.column(text, span.start_byte as usize),
        lines.column(text, span.end_byte as usize),
    );
    lines_text(text, lines, (span.start_line, span.end_line), cols)
}

/// The text from 1-based `(start, end)` line and code-point column
/// `(start, end)` (end exclusive).
fn lines_text(
    text: &str,
    lines: &LineStarts,
    (sl, el): (u32, u32),
    (sc, ec): (u32, u32),
) -> String {
    let start_line = sl.max(1) as usize;
    let end_line = (el as usize).max(start_line);
    let start_col = sc.max(1) as usize - 1;
    let end_col = (ec as usize).saturating_sub(1);
    let mut out = String::new();
    for n in start_line..=end_line.min(lines.count()) {
        let Some(range) = lines.line_range(text, n) else {
            break;
        };
        let line = &text[range];
        if n > start_line {
            out.push('\n');
        }
        let from = if n == start_line { start_col } else { 0 };
        let chars = line.chars().skip(from);
        if n == end_line {
            out.extend(chars.take(end_col.saturating_sub(from)));
        } else {
            out.extend(chars);
        }
    }
    out
}

/// Our line-independent key: hex SHA-256 over the rule, the repo-relative
/// path, the enclosing symbol and the normalised region text ([`normalize_code`]).
/// Fields are NUL-separated so that no two different tuples hash alike.
pub fn synthlint_fingerprint(rule: &str, path: &str, symbol: Option<&str>, region: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        SYNTHLINT_KEY,
        rule,
        path,
        symbol.unwrap_or(""),
        &normalize_code(region),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let mut hex = String::with_capacity(64);
    for b in h.finalize().iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Both fingerprints of one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprints {
    /// `None` when the file cannot be read any more.
    pub line_hash: Option<String>,
    pub synthlint: String,
}

struct LoadedFile {
    path: String,
    /// The file as stored, BOM included (GitHub hashes it that way);
    /// `None` when it cannot be read.
    raw: Option<String>,
    /// The text as the parser saw it (`lang::decode_file`), when it differs
    /// from `raw` after its BOM: a PEP 263 encoding, trailing NULs.
    decoded: Option<String>,
    /// Line starts in `text()`.
    starts: LineStarts,
    /// Filled on first use; the JSON report never needs them.
    line_hashes: Option<Vec<(u64, u32)>>,
    /// `text()` with secrets masked (same offsets), filled on first use.
    masked: Option<Option<String>>,
}

impl LoadedFile {
    /// Text after a UTF-8 BOM, as the parser saw it (spans index into this).
    fn text(&self) -> Option<&str> {
        if let Some(d) = &self.decoded {
            return Some(d);
        }
        let raw = self.raw.as_deref()?;
        Some(raw.strip_prefix('\u{feff}').unwrap_or(raw))
    }

    fn region(&self, span: &Span) -> Option<String> {
        Some(region_text_with(self.text()?, &self.starts, span))
    }

    /// The region of the masked text: masking looks at the whole file, so
    /// a key spread over lines (a PEM block) or named on another line is
    /// still masked in a region that shows one of its lines.
    fn masked_region(&mut self, span: &Span) -> Option<String> {
        if self.masked.is_none() {
            let masked = self
                .text()
                .map(|t| crate::report::redact::mask(t).into_owned());
            self.masked = Some(masked);
        }
        let text = self.masked.as_ref()?.as_deref()?;
        Some(region_text_with(text, &self.starts, span))
    }

    /// Whole lines `first..=last` of the masked text.
    fn masked_lines(&mut self, first: u32, last: u32) -> Option<String> {
        self.masked_region(&Span::default())?;
        let text = self.masked.as_ref()?.as_deref()?;
        Some(lines_text(text, &self.starts, (first, last), (1, u32::MAX)))
    }
}

/// Reads source files for fingerprinting. Keeps one file at a time: reporters
/// walk findings sorted by path, so each file is read once.
pub struct SourceCache {
    root: PathBuf,
    current: Option<LoadedFile>,
}

impl SourceCache {
    pub fn new(root: &Path) -> Self {
        SourceCache {
            root: root.to_path_buf(),
            current: None,
        }
    }

    fn load(&mut self, path: &str) -> &mut LoadedFile {
        if self.current.as_ref().is_none_or(|f| f.path != path) {
            // Node decodes the same way GitHub's action does here: invalid
            // bytes become U+FFFD.
            let bytes = crate::source::read_for_report(&self.root.join(path));
            let raw = bytes
                .as_ref()
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned());
            let decoded = bytes
                .and_then(|b| crate::lang::decode_file(Path::new(path), b))
                .filter(|d| {
                    raw.as_deref()
                        .map(|r| r.strip_prefix('\u{feff}').unwrap_or(r))
                        != Some(d)
                });
            let mut file = LoadedFile {
                path: path.to_owned(),
                raw,
                decoded,
                starts: LineStarts::default(),
                line_hashes: None,
                masked: None,
            };
            file.starts = file.text().map(LineStarts::new).unwrap_or_default();
            self.current = Some(file);
        }
        self.current.as_mut().expect("just loaded")
    }

    /// The exact text a location covers, if its file is still readable.
    pub fn snippet(&mut self, location: &Location) -> Option<String> {
        self.load(&location.path).region(&location.span)
    }

    /// Whole lines `first..=last` of the file at `path`, secrets masked.
    pub fn masked_lines(&mut self, path: &str, first: u32, last: u32) -> Option<String> {
        self.load(path).masked_lines(first, last)
    }

    /// `snippet` with secrets masked (masking keeps every offset).
    pub fn masked_snippet(&mut self, location: &Location) -> Option<String> {
        self.load(&location.path).masked_region(&location.span)
    }

    /// Only our `synthlint/v2` key (what the JSON report, the baseline and `--diff-base` use).
    pub fn synthlint(&mut self, f: &Finding) -> String {
        let region = self
            .load(&f.location.path)
            .region(&f.location.span)
            .unwrap_or_default();
        synthlint_fingerprint(f.rule, &f.location.path, f.symbol.as_deref(), &region)
    }

    pub fn fingerprints(&mut self, f: &Finding) -> Fingerprints {
        let synthlint = self.synthlint(f);
        let file = self.load(&f.location.path);
        let line_hash = match &file.raw {
            Some(raw) => {
                let hashes = file
                    .line_hashes
                    .get_or_insert_with(|| line_hash_values(raw));
                let line = f.location.span.start_line.max(1) as usize;
                hashes.get(line - 1).map(|&(h, n)| format_line_hash(h, n))
            }
            None => None,
        };
        Fingerprints {
            line_hash,
            synthlint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines and bytes.
    fn span(sl: u32, sb: u32, el: u32, eb: u32) -> Span {
        Span {
            start_line: sl,
            start_byte: sb,
            end_line: el,
            end_byte: eb,
        }
    }

    #[test]
    fn line_hash_matches_upstream_test_vectors() {
        // Input/output pairs published in codeql-action's own unit tests
        // (src/fingerprints.test.ts).
        assert_eq!(line_hashes(""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        let expected = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        // The same text with LF, CR, CRLF and mixed line ends.
        for input in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(line_hashes(input), expected, "{input:?}");
        }
    }

    #[test]
    fn repeated_lines_are_counted() {
        let hashes = line_hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10));
        assert_eq!(hashes[0], "a7f2ff13bc495cf2:1");
        assert_eq!(hashes[5], "a7f2ff13bc495cf2:6");
        assert_eq!(hashes[6], "a7f2ff1481e87703:1");
        assert_eq!(hashes[10], "c129715d7a2bc9a3:1");
    }

    #[test]
    fn line_hash_matches_node_reference() {
        // Expected values come from an independent JavaScript port of the
        // algorithm run under node (charCodeAt, BigInt masked to 64 bits);
        // `line_hash_agrees_with_node` below re-runs it when node is present.
        assert_eq!(
            line_hashes("\u{feff}import os\nx = 1\n"),
            [
                "6a8e5458ffb30695:1",
                "8e00d41f0ebba6bf:1",
                "c129715d7a2bc9a3:1"
            ]
        );
        assert_eq!(
            line_hashes(
                "label = \"AI生成\"  # 🤖 emoji\nreply = client.chat.completions.create(model=\"gpt-4o\", messages=msgs)\n"
            ),
            [
                "5dcd7adb25dd564:1",
                "cd0253d6e73a5e55:1",
                "c129715d7a2bc9a3:1"
            ]
        );
        assert_eq!(
            line_hashes(&format!("{}\ny = 2\n\tz = 3\r\n", "x".repeat(150))),
            [
                "52b56201ffb58620:1",
                "4f3af5d50e3186e1:1",
                "c83e4988c0fcdcc3:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }

    /// The JavaScript reference, written for this test from a reading of the
    /// upstream algorithm (not a copy of it).
    const JS_REFERENCE: &str = r#"
const M = (1n << 64n) - 1n;
function hashes(text) {
  const N = 100;
  let pow = 1n;
  for (let i = 0; i < N; i++) pow = (pow * 37n) & M;
  const win = new Array(N).fill(0n), starts = new Array(N).fill(0);
  let h = 0n, pos = 0, line = 0, atStart = true, afterCR = false;
  const seen = new Map(), out = [];
  const emit = () => {
    const hex = h.toString(16), n = (seen.get(hex) || 0) + 1;
    seen.set(hex, n); out.push(hex + ":" + n); starts[pos] = 0;
  };
  const push = (c) => {
    const old = win[pos]; win[pos] = BigInt(c);
    h = (h * 37n + BigInt(c) - pow * old) & M; pos = (pos + 1) % N;
  };
  const units = [];
  for (let i = 0; i < text.length; i++) units.push(text.charCodeAt(i));
  units.push(0xffff);
  for (let c of units) {
    if (c === 32 || c === 9 || (afterCR && c === 10)) { afterCR = false; continue; }
    if (c === 13) { c = 10; afterCR = true; } else { afterCR = false; }
    if (starts[pos] !== 0) emit();
    if (atStart) { atStart = false; line++; starts[pos] = line; }
    if (c === 10) atStart = true;
    push(c);
  }
  for (let i = 0; i < N; i++) { if (starts[pos] !== 0) emit(); push(0); }
  return out;
}
const inputs = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(inputs.map(hashes)));
"#;

    /// Cross-checks many generated inputs against the JavaScript reference.
    /// Ignored by default because it needs `node` on PATH.
    #[test]
    #[ignore = "needs node"]
    fn line_hash_agrees_with_node() {
        use std::io::Write;
        use std::process::{Command, Stdio};

        // A small deterministic generator: no test-only dependency needed.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet: Vec<char> = " \t\r\n\r\nabcXYZ019_(){}=\"'#生成AI🤖\u{feff}é"
            .chars()
            .collect();
        let inputs: Vec<String> = (0..200)
            .map(|_| {
                let len = (next() % 400) as usize;
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect();
        let mut child = Command::new("node")
            .arg("-e")
            .arg(JS_REFERENCE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(serde_json::to_string(&inputs).unwrap().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let expected: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
        for (input, want) in inputs.iter().zip(&expected) {
            assert_eq!(&line_hashes(input), want, "{input:?}");
        }
    }

    #[test]
    fn region_text_uses_code_point_columns() {
        let text = "a = 1\nb = \"生成\" + call(x,\n    y)\n";
        assert_eq!(region_text(text, &span(2, 21, 3, 35)), "call(x,\n    y)");
        assert_eq!(region_text(text, &span(2, 10, 2, 18)), "\"生成\"");
        assert_eq!(region_text(text, &span(1, 0, 1, 0)), "");
        // An unknown (zero) span selects nothing rather than panicking.
        assert_eq!(region_text(text, &Span::default()), "");
        // Past the end of the file.
        assert_eq!(region_text(text, &span(9, 100, 9, 103)), "");
    }

    #[test]
    fn synthlint_fingerprint_ignores_layout_but_not_content() {
        let a = synthlint_fingerprint(
            "MOD001",
            "app.py",
            Some("make"),
            "f(x,\n    safety_checker=None)",
        );
        let b = synthlint_fingerprint(
            "MOD001",
            "app.py",
            Some("make"),
            "f(x, safety_checker=None)",
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        for other in [
            synthlint_fingerprint(
                "MOD002",
                "app.py",
                Some("make"),
                "f(x, safety_checker=None)",
            ),
            synthlint_fingerprint(
                "MOD001",
                "lib.py",
                Some("make"),
                "f(x, safety_checker=None)",
            ),
            synthlint_fingerprint("MOD001", "app.py", None, "f(x, safety_checker=None)"),
            synthlint_fingerprint(
                "MOD001",
                "app.py",
                Some("make"),
                "f(y, safety_checker=None)",
            ),
            // Field boundaries matter: moving text between fields changes it.
            synthlint_fingerprint(
                "MOD001",
                "app.pymake",
                Some(""),
                "f(x, safety_checker=None)",
            ),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn formatting_does_not_change_the_fingerprint() {
        let fp = |text: &str| synthlint_fingerprint("LBL004", "a.py", Some("f"), text);
        let base = fp("piexif.remove(path,out)");
        for same in [
            "piexif.remove(path, out)",
            "piexif.remove(\n    path,\n    out,\n)",
            "piexif.remove( path , out , )",
        ] {
            assert_eq!(fp(same), base, "{same}");
        }
        assert_eq!(fp("f('a')"), fp("f(\"a\")"));
        assert_eq!(normalize_code("x = not  y"), "x=not y");
        assert_eq!(normalize_code("[1, 2,\n]"), "[1,2]");
        assert_ne!(fp("piexif.remove(path)"), base);
        assert_ne!(fp("notx"), fp("not x"));
    }

    #[test]
    fn cache_fingerprints_follow_the_code_not_the_line() {
        use crate::finding::Level;

        let dir = tempfile::tempdir().unwrap();
        let body = "def make():\n    return f(x, safety_checker=None)\n";
        std::fs::write(dir.path().join("app.py"), body).unwrap();
        // Columns 12 to 37 of line 2 (line 4 once two lines are added).
        let finding = |line: u32| {
            let start = if line == 2 { 12 } else { 23 };
            let mut f = Finding::new(
                "MOD001",
                Level::Error,
                "off",
                Location {
                    path: "app.py".into(),
                    span: span(line, start + 11, line, start + 36),
                },
            );
            f.symbol = Some("make".into());
            f
        };
        let before = SourceCache::new(dir.path()).fingerprints(&finding(2));
        assert_eq!(
            before.synthlint,
            synthlint_fingerprint(
                "MOD001",
                "app.py",
                Some("make"),
                "f(x, safety_checker=None)"
            )
        );
        assert_eq!(before.line_hash, Some(line_hashes(body)[1].clone()));

        std::fs::write(dir.path().join("app.py"), format!("import os\n\n{body}")).unwrap();
        let after = SourceCache::new(dir.path()).fingerprints(&finding(4));
        assert_eq!(after.synthlint, before.synthlint);
        // The line hash hashes from the line onwards, so it also follows the
        // content here (nothing after the finding changed).
        assert_eq!(after.line_hash, before.line_hash);

        // A file that disappeared still gets our key, without a line hash.
        assert_eq!(
            SourceCache::new(dir.path()).snippet(&finding(4).location),
            Some("f(x, safety_checker=None)".to_owned())
        );
        let gone = SourceCache::new(&dir.path().join("nope")).fingerprints(&finding(4));
        assert_eq!(gone.line_hash, None);
        assert_eq!(
            gone.synthlint,
            synthlint_fingerprint("MOD001", "app.py", Some("make"), "")
        );
    }

    #[test]
    fn bom_counts_for_github_but_not_for_spans() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "\u{feff}x = gen()\n").unwrap();
        let f = crate::finding::Finding::new(
            "GEN001",
            crate::finding::Level::Note,
            "m",
            Location {
                path: "a.py".into(),
                span: span(1, 4, 1, 9),
            },
        );
        let fp = SourceCache::new(dir.path()).fingerprints(&f);
        assert_eq!(
            fp.synthlint,
            synthlint_fingerprint("GEN001", "a.py", None, "gen()")
        );
        assert_eq!(
            fp.line_hash,
            Some(line_hashes("\u{feff}x = gen()\n")[0].clone())
        );
        assert_ne!(fp.line_hash, Some(line_hashes("x = gen()\n")[0].clone()));
    }
}

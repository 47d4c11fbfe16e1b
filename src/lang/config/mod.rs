//! Configuration formats: YAML, TOML, JSON (and JSONC), INI, `.env`,
//! Terraform/HCL, logrotate and Dockerfile `ENV`/`ARG`, and the service
//! declarations of Protocol Buffers files (`.proto`). Each reads a file
//! into [`ConfigEntry`]s — key path, typed scalar value, key and value
//! spans, document number — and the comments that carry suppressions and
//! fixture expectations. Configuration files have no code: they stay out of
//! the module map (`Frontend::has_code`), and rules read their entries.
//!
//! What every format shares lives here: one frontend type with a table of
//! the files each format claims, decoding (UTF-8, BOM dropped, NUL means
//! binary), the bounds (file size, number of entries, nesting), comment
//! scanning, template masking (`{{ }}`, `{% %}`), and how a parse error
//! becomes a notification with its position.
//!
//! Which files are claimed, and which are left alone on purpose:
//! - synthlint's own settings and baseline files (`synthlint.toml`,
//!   `synthlint-baseline.json`) are not the product's configuration and
//!   are not read as such;
//! - lock files and generated manifests (`package-lock.json`,
//!   `npm-shrinkwrap.json`, `pnpm-lock.yaml`, `*.lock.json`, `*.min.json`)
//!   are never read: they hold no settings and can be huge;
//! - notebooks (`.ipynb`) and data formats (`.jsonl`, `.geojson`) are not
//!   claimed;
//! - a configuration file over [`MAX_BYTES`] is data, not settings: it is
//!   read but not parsed, with a note;
//! - at most [`MAX_ENTRIES`] entries per file are kept (a note says so), and
//!   YAML aliases are expanded within that budget, so an alias bomb costs no
//!   more than a large file.

pub mod dockerfile;
pub mod dotenv;
pub mod hcl;
pub mod ini;
pub mod json;
pub mod logrotate;
pub mod proto;
pub mod toml;
pub mod yaml;

use std::ops::Range;
use std::path::Path;

use ustr::Ustr;

use crate::facts::{Comment, ConfigEntry, FileFacts, Language, Value};
use crate::finding::{Level, Notification};
use crate::lang::{ExtractOptions, Frontend, Semantics, Undecodable};
use crate::source::{LineIndex, Span};

/// Configuration files larger than this are data (datasets, generated
/// bundles), not settings: they are not parsed.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Entries kept per file; the rest of a file is skipped with a note.
pub const MAX_ENTRIES: usize = 20_000;
/// Keys below this depth are not kept (the parsers themselves are bounded).
pub const MAX_DEPTH: usize = 64;

static NO_SEMANTICS: Semantics = Semantics {
    constructor: None,
    call_operator: None,
    receiver_params: &[],
    enqueue: &[],
    dequeue: &[],
    task_starters: &[],
    deferred_calls: &[],
    abstract_decorators: &[],
};

/// One configuration format behind the frontend contract.
pub struct ConfigFrontend {
    language: Language,
    extensions: &'static [&'static str],
    file_names: &'static [&'static str],
    /// Other paths it reads, by name or directory (`.env.local`,
    /// `Dockerfile.prod`, `logrotate.d/nginx`).
    claims: fn(&str, &Path) -> bool,
    /// File names it leaves alone although the extension matches.
    skips: &'static [&'static str],
    /// What starts a comment to the end of the line, where the format has
    /// one that a suppression can use.
    comment: Option<&'static str>,
    /// Parse `text` into `doc`.
    read: fn(&mut Doc<'_>),
}

fn claims_nothing(_: &str, _: &Path) -> bool {
    false
}

pub static YAML: ConfigFrontend = ConfigFrontend {
    language: Language::Yaml,
    extensions: &["yaml", "yml"],
    file_names: &[],
    claims: claims_nothing,
    skips: &["pnpm-lock.yaml", "conda-lock.yml", "conda-lock.yaml"],
    comment: Some("#"),
    read: yaml::read,
};

pub static TOML: ConfigFrontend = ConfigFrontend {
    language: Language::Toml,
    extensions: &["toml"],
    file_names: &[],
    claims: claims_nothing,
    // synthlint's own settings: not the product's configuration.
    skips: crate::config::discover::CONFIG_NAMES,
    comment: Some("#"),
    read: toml::read,
};

pub static JSON: ConfigFrontend = ConfigFrontend {
    language: Language::Json,
    extensions: &["json", "jsonc"],
    file_names: &[],
    claims: claims_nothing,
    // (and synthlint's own baseline: findings, not settings)
    skips: &[
        "package-lock.json",
        "npm-shrinkwrap.json",
        "composer.lock",
        "synthlint-baseline.json",
    ],
    comment: None,
    read: json::read,
};

pub static INI: ConfigFrontend = ConfigFrontend {
    language: Language::Ini,
    extensions: &["ini", "cfg"],
    file_names: &[],
    claims: claims_nothing,
    skips: &[],
    comment: Some("#"),
    read: ini::read,
};

pub static DOTENV: ConfigFrontend = ConfigFrontend {
    language: Language::Dotenv,
    extensions: &["env"],
    file_names: &[".env", ".envrc"],
    claims: dotenv::claims,
    skips: &[],
    comment: Some("#"),
    read: dotenv::read,
};

pub static HCL: ConfigFrontend = ConfigFrontend {
    language: Language::Hcl,
    extensions: &["tf", "hcl", "tfvars"],
    file_names: &[],
    claims: claims_nothing,
    skips: &[".terraform.lock.hcl"],
    comment: Some("#"),
    read: hcl::read,
};

pub static LOGROTATE: ConfigFrontend = ConfigFrontend {
    language: Language::Logrotate,
    extensions: &["conf"],
    file_names: &["logrotate.conf"],
    claims: logrotate::claims,
    skips: &[],
    comment: Some("#"),
    read: logrotate::read,
};

pub static DOCKERFILE: ConfigFrontend = ConfigFrontend {
    language: Language::Dockerfile,
    extensions: &["dockerfile"],
    file_names: &["Dockerfile", "Containerfile", "dockerfile"],
    claims: dockerfile::claims,
    skips: &[],
    comment: Some("#"),
    read: dockerfile::read,
};

pub static PROTO: ConfigFrontend = ConfigFrontend {
    language: Language::Proto,
    extensions: &["proto"],
    file_names: &[],
    claims: claims_nothing,
    skips: &[],
    comment: Some("//"),
    read: proto::read,
};

impl Frontend for ConfigFrontend {
    fn language(&self) -> Language {
        self.language
    }

    fn extensions(&self) -> &'static [&'static str] {
        self.extensions
    }

    fn file_names(&self) -> &'static [&'static str] {
        self.file_names
    }

    fn claims(&self, path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|name| (self.claims)(name, path))
    }

    fn skips(&self, file_name: &str) -> bool {
        self.skips.contains(&file_name)
            || file_name.ends_with(".lock.json")
            || file_name.ends_with(".min.json")
    }

    fn decode(&self, bytes: Vec<u8>) -> Result<String, Undecodable> {
        super::decode_utf8(bytes, "")
    }

    fn extract(
        &self,
        path: &str,
        text: &str,
        _options: &ExtractOptions<'_>,
    ) -> (FileFacts, Vec<Notification>) {
        extract(self.language, self.read, path, text)
    }

    fn line_comment(&self) -> Option<&'static str> {
        self.comment
    }

    fn parse_only(&self, text: &str) -> usize {
        self.parse_only_at("", text)
    }

    fn parse_only_at(&self, path: &str, text: &str) -> usize {
        let (facts, _) = extract(self.language, self.read, path, text);
        facts.config.len()
    }

    fn semantics(&self) -> &'static Semantics {
        &NO_SEMANTICS
    }

    fn has_code(&self) -> bool {
        false
    }

    /// The readers build no syntax tree: an 833 KB Helm CRD peaks at 13 MB
    /// (text, masked copy, entries), and files over [`MAX_BYTES`] are not
    /// parsed. Purging after each large file doubled helm-charts' page
    /// faults (12k to 24k) for no smaller peak (docs/performance.md, cfg30).
    fn parse_frees_much(&self) -> bool {
        false
    }
}

/// The facts of one configuration file.
pub fn extract(
    language: Language,
    read: fn(&mut Doc<'_>),
    path: &str,
    text: &str,
) -> (FileFacts, Vec<Notification>) {
    let mut doc = Doc::new(path, text, language);
    if text.len() > MAX_BYTES {
        doc.note(
            "config-skipped",
            format!(
                "not read as configuration: {} bytes is over the {} KiB limit for configuration files (data, not settings)",
                text.len(),
                MAX_BYTES / 1024
            ),
            None,
        );
    } else {
        read(&mut doc);
    }
    doc.finish()
}

/// A file being read: its entries, comments and notifications so far.
pub struct Doc<'t> {
    pub path: &'t str,
    pub text: &'t str,
    pub lines: LineIndex<'t>,
    /// The language the facts are filed under (a `.conf` file sniffed as
    /// INI changes it).
    pub language: Language,
    pub entries: Vec<ConfigEntry>,
    pub comments: Vec<Comment>,
    pub notes: Vec<Notification>,
    pub syntax_errors: Vec<Span>,
    /// The document the next entries belong to (YAML `---`).
    pub document: u32,
    /// Set once [`MAX_ENTRIES`] is reached: nothing more is kept.
    pub full: bool,
}

impl<'t> Doc<'t> {
    pub fn new(path: &'t str, text: &'t str, language: Language) -> Doc<'t> {
        Doc {
            path,
            text,
            lines: LineIndex::new(text),
            language,
            entries: Vec::new(),
            comments: Vec::new(),
            notes: Vec::new(),
            syntax_errors: Vec::new(),
            document: 0,
            full: false,
        }
    }

    pub fn span(&self, bytes: Range<usize>) -> Span {
        let end = bytes.end.min(self.text.len());
        self.lines.span(bytes.start.min(end), end)
    }

    /// Keep one entry; `false` once the budget is spent (the caller stops).
    pub fn push(
        &mut self,
        path: &[Ustr],
        value: Value,
        key: Range<usize>,
        value_at: Range<usize>,
    ) -> bool {
        if self.full {
            return false;
        }
        if path.len() > MAX_DEPTH {
            return true;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.full = true;
            let at = self.span(key.clone());
            self.note(
                "config-truncated",
                format!(
                    "only the first {MAX_ENTRIES} keys are read; the rest of the file is skipped"
                ),
                Some(at),
            );
            return false;
        }
        let entry = ConfigEntry {
            path: path.into(),
            value,
            key_span: self.span(key),
            value_span: self.span(value_at),
            document: self.document,
        };
        self.entries.push(entry);
        true
    }

    /// A notification about this file.
    pub fn note(&mut self, kind: &str, message: String, span: Option<Span>) {
        let level = if kind == "config-syntax-error" {
            Level::Warning
        } else {
            Level::Note
        };
        self.notes.push(Notification {
            level,
            kind: kind.into(),
            message,
            path: Some(self.path.to_string()),
            span,
        });
    }

    /// A syntax error at byte `at`: a warning with its position; what was
    /// read before it stands.
    pub fn syntax_error(&mut self, format: &str, at: usize, message: &str) {
        let at = at.min(self.text.len());
        let span = self.span(at..at);
        self.syntax_errors.push(span);
        self.note(
            "config-syntax-error",
            format!(
                "{format} syntax error at line {}, column {}: {message}; the rest of the file is not read",
                span.start_line,
                self.lines.line_col(at).1
            ),
            Some(span),
        );
    }

    /// A line that does not belong to the format, in a format whose readers
    /// skip such lines (`.env`, Dockerfile): a warning; reading goes on.
    pub fn bad_line(&mut self, format: &str, at: usize, message: &str) {
        let span = self.span(at..at);
        self.syntax_errors.push(span);
        self.note(
            "config-syntax-error",
            format!(
                "{format} syntax error at line {}, column {}: {message}; the line is skipped",
                span.start_line,
                self.lines.line_col(at).1
            ),
            Some(span),
        );
    }

    /// A comment from byte `start` (at its marker, `marker_len` long) to
    /// `end`.
    pub fn comment(&mut self, start: usize, marker_len: usize, end: usize) {
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let own_line = self.text[line_start..start].trim().is_empty();
        let body = &self.text[(start + marker_len).min(end)..end];
        self.comments.push(Comment {
            text: body.trim_end_matches('\r').to_string(),
            own_line,
            span: self.span(start..end),
            width: crate::source::width(self.text, start, end),
        });
    }

    /// Comments that run from `marker` to the end of the line, where the
    /// marker stands at the line start or after white space (`inline`) and
    /// outside `quotes`.
    pub fn line_comments(&mut self, markers: &[&str], quotes: &[u8], inline: bool) {
        let text = self.text;
        let mut found = Vec::new();
        let mut line_start = 0;
        // Most lines hold no marker at all: skip them without the quote walk.
        let firsts: Vec<u8> = markers.iter().filter_map(|m| m.bytes().next()).collect();
        for line in text.split_inclusive('\n') {
            let bytes = line.as_bytes();
            if !bytes.iter().any(|b| firsts.contains(b)) {
                line_start += line.len();
                continue;
            }
            let mut quote: Option<u8> = None;
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                match quote {
                    Some(q) => {
                        if b == b'\\' && q == b'"' {
                            i += 1;
                        } else if b == q {
                            quote = None;
                        }
                    }
                    None => {
                        if let Some(m) = markers
                            .iter()
                            .find(|m| bytes[i..].starts_with(m.as_bytes()))
                        {
                            let before = &line[..i];
                            let ok = if inline {
                                before.is_empty() || before.ends_with([' ', '\t'])
                            } else {
                                before.trim().is_empty()
                            };
                            if ok {
                                let end = line_start + line.trim_end_matches(['\n', '\r']).len();
                                found.push((line_start + i, m.len(), end));
                                break;
                            }
                        }
                        if quotes.contains(&b) {
                            quote = Some(b);
                        }
                    }
                }
                i += 1;
            }
            line_start += line.len();
        }
        for (start, len, end) in found {
            self.comment(start, len, end);
        }
    }

    fn finish(mut self) -> (FileFacts, Vec<Notification>) {
        self.entries.shrink_to_fit();
        let facts = FileFacts {
            comments: self.comments,
            syntax_errors: self.syntax_errors,
            config: self.entries,
            ..FileFacts::empty(
                self.path,
                self.language,
                String::new(),
                self.lines.line_count(),
            )
        };
        (facts, self.notes)
    }
}

/// `[n]`: the path segment of the `n`-th list item.
pub fn index_segment(n: usize) -> Ustr {
    Ustr::from(&format!("[{n}]"))
}

/// The text with template tags (`{{ … }}`, `{% … %}`, `{# … #}`) set
/// aside, byte for byte: a tag alone on its line becomes a comment, one inside
/// a line becomes `x`s (a plain word), so offsets stay and the document
/// around the tags can still parse. Also the masked byte ranges. `None`
/// when the text has no tags.
pub fn mask_templates(text: &str) -> Option<(String, Vec<Range<usize>>)> {
    if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    let mut ranges = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let close: Option<&[u8]> = match (bytes[i], bytes[i + 1]) {
            (b'{', b'{') => Some(b"}}"),
            (b'{', b'%') => Some(b"%}"),
            (b'{', b'#') => Some(b"#}"),
            _ => None,
        };
        let Some(close) = close else {
            i += 1;
            continue;
        };
        let end = bytes[i + 2..]
            .windows(2)
            .position(|w| w == close)
            .map_or(bytes.len(), |p| i + 2 + p + 2);
        let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |p| end + p);
        let alone = text[line_start..i].trim().is_empty() && text[end..line_end].trim().is_empty();
        for (k, b) in out[i..end].iter_mut().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                continue;
            }
            // A tag alone on its line becomes a comment (`#` and spaces):
            // nothing outside a block scalar, and inside one a line that
            // keeps the scalar's indentation (all-space lines deeper than
            // the first content line are a YAML error).
            *b = match (alone, k) {
                (true, 0) => b'#',
                (true, _) => b' ',
                (false, _) => b'x',
            };
        }
        ranges.push(i..end);
        i = end;
    }
    // Every byte replaced was replaced whole (ASCII), and multi-byte
    // characters were replaced byte by byte: still UTF-8.
    Some((String::from_utf8(out).ok()?, ranges))
}

/// Whether `bytes` overlaps one of the masked `ranges`.
pub fn overlaps(ranges: &[Range<usize>], bytes: &Range<usize>) -> bool {
    ranges
        .iter()
        .any(|r| r.start < bytes.end.max(bytes.start + 1) && bytes.start < r.end)
}

/// The deepest bracket nesting of `text`, counting `open` and `close`
/// characters wherever they are (strings too: over-counting only refuses a
/// file earlier). For formats whose parser recurses.
pub fn nesting(text: &str, open: &[u8], close: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut max = 0;
    for b in text.bytes() {
        if open.contains(&b) {
            depth += 1;
            max = max.max(depth);
        } else if close.contains(&b) {
            depth = depth.saturating_sub(1);
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_masked_byte_for_byte() {
        let text = "a: {{ .Values.x }}\n{{- if .Values.y }}\nb: 1\n{{- end }}\n";
        let (masked, ranges) = mask_templates(text).unwrap();
        assert_eq!(masked.len(), text.len());
        assert_eq!(ranges.len(), 3);
        assert!(masked.starts_with("a: xxxxxxxxxxxxxxx\n#   "));
        assert!(masked.contains("\nb: 1\n"));
        assert!(mask_templates("a: 1").is_none());
        // Multi-byte characters inside a tag stay valid UTF-8.
        let (m, _) = mask_templates("k: {{ \"é\" }}").unwrap();
        assert_eq!(m.len(), "k: {{ \"é\" }}".len());
    }

    #[test]
    fn comments_outside_quotes() {
        let mut doc = Doc::new(
            "a.yaml",
            "# top\nk: \"a # b\" # tail\nurl: x#y\n",
            Language::Yaml,
        );
        doc.line_comments(&["#"], b"\"'", true);
        let texts: Vec<_> = doc.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, [" top", " tail"]);
        assert!(doc.comments[0].own_line);
        assert!(!doc.comments[1].own_line);
    }

    fn run(
        path: &'static str,
        text: &str,
        read: fn(&mut Doc<'_>),
    ) -> (FileFacts, Vec<Notification>) {
        extract(Language::Yaml, read, path, text)
    }

    #[test]
    fn the_parse_pass_reads_a_file_as_its_name_says() {
        // JSONC is told by the name: `debug parse` passes it, as the scan.
        let text = "{\n  // a comment\n  \"a\": 1,\n  \"b\": {\"c\": 2}\n}\n";
        assert_eq!(JSON.parse_only_at("tsconfig.jsonc", text), 2);
        assert_eq!(JSON.parse_only_at("data.json", text), 0);
        assert_eq!(
            JSON.parse_only_at("tsconfig.jsonc", text),
            extract(Language::Json, json::read, "tsconfig.jsonc", text)
                .0
                .config
                .len()
        );
    }

    #[test]
    fn oversized_files_are_not_parsed() {
        let text = format!("a: 1\n{}", "# pad\n".repeat(MAX_BYTES / 6 + 1));
        let (facts, notes) = run("big.yaml", &text, yaml::read);
        assert!(facts.config.is_empty());
        assert_eq!(notes[0].kind, "config-skipped");
    }

    #[test]
    fn entries_are_capped_with_a_note() {
        let text: String = (0..MAX_ENTRIES + 10).map(|i| format!("K{i}=v\n")).collect();
        let (facts, notes) = run(".env", &text, dotenv::read);
        assert_eq!(facts.config.len(), MAX_ENTRIES);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, "config-truncated");
        assert_eq!(notes[0].span.unwrap().start_line as usize, MAX_ENTRIES + 1);
    }

    #[test]
    fn deep_nesting_never_overflows_the_stack() {
        // Every format that nests, 100k levels deep: an error or a bounded
        // read, never a crash.
        let deep = "[".repeat(100_000);
        for read in [yaml::read, json::read, toml::read, hcl::read, proto::read] {
            let (facts, _) = run("deep", &format!("a = {deep}"), read);
            assert!(facts.config.len() <= MAX_ENTRIES);
            let (facts, _) = run("deep", &format!("a: {deep}"), read);
            assert!(facts.config.len() <= MAX_ENTRIES);
        }
        let block: String = (0..100_000)
            .map(|i| format!("{}k:\n", " ".repeat(i % 200)))
            .collect();
        let (facts, _) = run("deep.yaml", &block, yaml::read);
        assert!(facts.config.len() <= MAX_ENTRIES);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "\u{0}\u{1}{{{{ \"\\",
            "é: [\"\u{10ffff}",
            "ENV \\\n",
            "ARG =\nENV =x\nENV\n",
            "a = \"unterminated\n[[x]\n",
            "resource \"a\" {\n  b = {\n",
            "/x.log {\n{\n}\n}\n}\n",
            "[s]\n  cont\nk = v\n   more\n",
            "K=\"open\nL='x\n",
            "{{ if }}\n  - a: {{ b\n",
        ];
        let reads: [fn(&mut Doc<'_>); 9] = [
            yaml::read,
            json::read,
            toml::read,
            ini::read,
            dotenv::read,
            hcl::read,
            logrotate::read,
            dockerfile::read,
            proto::read,
        ];
        for text in inputs {
            for read in reads {
                let _ = run("x", text, read);
                let _ = run("logrotate.d/x", text, read);
            }
        }
    }
}

//! What rules produce. Findings are plain data; reporters render them.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Deserializer, Serialize};

use crate::source::Span;

/// Severity, ordered so that `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "note" => Some(Level::Note),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// A place in the scanned tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Repo-relative path with `/` separators.
    pub path: String,
    pub span: Span,
}

/// A secondary location with a short explanation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suppression {
    /// `inline` for a source comment, `config` for per-path ignores,
    /// `baseline` for an entry of the baseline file, `diff-base` for a
    /// finding that the `--diff-base` commit has too.
    pub kind: String,
    pub justification: String,
    /// Where the suppressing comment is, for inline suppressions.
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Rule code, e.g. `GEN001`.
    #[serde(deserialize_with = "known_rule")]
    pub rule: RuleCode,
    pub level: Level,
    pub message: String,
    pub location: Location,
    /// Qualname of the enclosing function or class, for line-independent fingerprints.
    pub symbol: Option<String>,
    pub related: Vec<Related>,
    /// Steps of a path (e.g. entry point → … → generation call), in order.
    pub flow: Vec<Related>,
    /// Extra machine-readable facts (content types, provider, ...), sorted by key.
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Set when a suppression matched; the finding is kept for audits.
    pub suppression: Option<Suppression>,
}

/// What hid a finding; see [`Suppression::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    Inline,
    Config,
    Baseline,
    DiffBase,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
            SuppressionKind::DiffBase => "diff-base",
        }
    }
}

impl Suppression {
    pub fn new(kind: SuppressionKind, justification: String, location: Option<Location>) -> Self {
        Suppression {
            kind: kind.as_str().to_owned(),
            justification,
            location,
        }
    }

    pub fn kind(&self) -> SuppressionKind {
        match self.kind.as_str() {
            "inline" => SuppressionKind::Inline,
            "baseline" => SuppressionKind::Baseline,
            "diff-base" => SuppressionKind::DiffBase,
            _ => SuppressionKind::Config,
        }
    }
}

/// A rule code. Spelled through an alias so that serde's derive does not
/// take the `&'static str` for a string borrowed from the input (which
/// only `'static` input could give): `known_rule` reads it instead.
pub type RuleCode = &'static str;

/// A rule code read back (from the result cache) must be the code of a
/// known rule, else the whole entry is unreadable.
fn known_rule<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    static CODES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let codes = CODES.get_or_init(|| crate::rules::catalogue().iter().map(|m| m.code).collect());
    let code = String::deserialize(d)?;
    codes
        .iter()
        .copied()
        .find(|c| *c == code)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code `{code}`")))
}

/// Most steps of a code flow a finding carries, the gap marker included.
/// A chain of 1,000 calls made each of 1,000 endpoints repeat the chain:
/// 364 MB of SARIF from a 50 KB file. Output per finding is bounded.
pub const MAX_FLOW_STEPS: usize = 24;
/// Most related locations a finding carries, the gap marker included.
pub const MAX_RELATED: usize = 50;

/// Which of `len` steps to show when at most `max` may be (`max` ≥ 3): all
/// of them, or the first and the last ones with room for a gap marker
/// between them. Returns the index ranges before and after the gap.
pub fn shown_steps(len: usize, max: usize) -> (Range<usize>, Range<usize>) {
    if len <= max {
        return (0..len, len..len);
    }
    let head = max / 2;
    let tail = max - head - 1;
    (0..head, len - tail..len)
}

impl Finding {
    /// Bound what one finding carries: a long code flow keeps its first and
    /// last steps around a marker that says how many were left out, and a
    /// long list of related locations its first ones.
    pub fn bound(&mut self) {
        let len = self.flow.len();
        let (head, tail) = shown_steps(len, MAX_FLOW_STEPS);
        if tail.start > head.end {
            let omitted = tail.start - head.end;
            let gap = Related {
                location: self.flow[head.end].location.clone(),
                message: format!("… {omitted} more steps not shown"),
            };
            let last: Vec<Related> = self.flow.drain(tail).collect();
            self.flow.truncate(head.end);
            self.flow.push(gap);
            self.flow.extend(last);
        }
        if self.related.len() > MAX_RELATED {
            let omitted = self.related.len() - (MAX_RELATED - 1);
            self.related.truncate(MAX_RELATED);
            let gap = &mut self.related[MAX_RELATED - 1];
            gap.message = format!("… and {omitted} more");
        }
    }

    pub fn new(rule: &'static str, level: Level, message: String, location: Location) -> Self {
        Finding {
            rule,
            level,
            message,
            location,
            symbol: None,
            related: Vec::new(),
            flow: Vec::new(),
            properties: BTreeMap::new(),
            suppression: None,
        }
    }

    /// Total order used for every output: path, position, rule, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.location.path,
            self.location.span.start_line,
            self.location.span.start_col,
            self.rule,
            &self.message,
        )
    }
}

/// Something the user should know about the scan itself (a file that could
/// not be read or parsed, a file over the size limit). Never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notification {
    pub level: Level,
    /// Stable kind id, e.g. `file-too-large`, `syntax-error`, `invalid-utf8`.
    pub kind: String,
    pub message: String,
    pub path: Option<String>,
    pub span: Option<Span>,
}

/// Notification kinds that mean a file the scan should have analysed was
/// not: `--strict` fails the run on any of them.
pub const SKIPPED_FILE_KINDS: &[&str] = &[
    "io-error",
    "file-too-large",
    "binary-file",
    "invalid-utf8",
    "parse-failed",
    "internal-error",
];

impl Notification {
    /// Whether this says that a source file was skipped (not analysed).
    pub fn skipped_a_file(&self) -> bool {
        self.path.is_some() && SKIPPED_FILE_KINDS.contains(&self.kind.as_str())
    }
}

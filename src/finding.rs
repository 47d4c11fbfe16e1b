//! What rules produce. Findings are plain data; reporters render them.

use std::collections::BTreeMap;

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

impl Finding {
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

//! Labeling knowledge, as data (`labels.toml`): APIs that write an implicit
//! label (file metadata, watermarks, C2PA) or draw an explicit one, and
//! string markers that show a label in code (an "AI-generated" disclosure,
//! an `AIGC` metadata key, an ffmpeg `drawtext` filter).

use serde::{Deserialize, Serialize};

use crate::catalog::ContentType;
use crate::catalog::lazy_set::LazySet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// Machine-readable: metadata, watermark, manifest.
    Implicit,
    /// Perceivable by people: visible text, a spoken or written disclosure.
    Explicit,
}

/// Where an implicit label lives, which decides what survives a re-encode.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Carrier {
    /// File metadata or a manifest beside the content: a re-encode that does
    /// not copy it loses it.
    #[default]
    Metadata,
    /// In the content itself (pixel or sample watermarks, token-level
    /// watermarks): it survives a re-save.
    Signal,
}

impl LabelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LabelKind::Implicit => "implicit",
            LabelKind::Explicit => "explicit",
        }
    }
}

/// A call that labels content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelApi {
    pub id: String,
    /// The language whose names `patterns` match.
    #[serde(default)]
    pub language: crate::facts::Language,
    pub kind: LabelKind,
    /// Resolved-callee patterns; user label helpers go here too
    /// (`["myapp.labels.add_aigc_label"]`).
    pub patterns: Vec<String>,
    /// Content types it can label; empty means any.
    #[serde(default)]
    pub content: Vec<ContentType>,
    /// Where the label lives (`metadata` unless said otherwise).
    #[serde(default)]
    pub carrier: Carrier,
    /// For generic writers (PNG text chunks): the key the call writes must
    /// name a label; a tool's own metadata (`"parameters"`) is not one.
    #[serde(default)]
    pub key: Option<LabelKey>,
}

/// Which argument of a label call holds the key, and what keys count.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelKey {
    /// Position of the key among the positional arguments...
    pub position: usize,
    /// ...or its keyword.
    pub keyword: Option<String>,
    /// Keys that name a label (a regex over the literal key).
    pub regex: String,
}

/// A string literal that shows labeling in code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelString {
    pub id: String,
    pub kind: LabelKind,
    /// Regular expression over the literal's value.
    pub regex: String,
    #[serde(default)]
    pub content: Vec<ContentType>,
}

/// A keyword argument that turns a provider-side watermark or label off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatermarkSwitch {
    pub keyword: String,
    /// Values that mean "off": `false`, `0`, `"false"`, `"off"` (see [`super::Literal`]).
    pub off_values: Vec<super::Literal>,
}

/// Code that removes labels or metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripOperation {
    pub id: String,
    /// The language whose names `patterns` match.
    #[serde(default)]
    pub language: crate::facts::Language,
    /// Resolved-callee patterns of calls that strip (`piexif.remove`).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Or: a regular expression over string literals (`-map_metadata -1`).
    pub regex: Option<String>,
    /// What gets lost, for the message.
    pub what: String,
}

/// Names that show how code hands out content without its explicit label
/// (Labeling Measures Art. 9): regular expressions over names as written in
/// the code (`req.add_watermark`, `user.agreed_to_terms`, `audit_log.info`).
/// Users add their own from `[catalog.label_gate]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelGateData {
    /// A value that turns the explicit label on or off (`add_watermark`, `no_label`).
    #[serde(default)]
    pub switches: Vec<String>,
    /// A check that the user accepted the agreement (`agreed_to_terms`,
    /// `require_agreement`), in a condition, a call or a dependency.
    #[serde(default)]
    pub agreement: Vec<String>,
    /// A call that logs or records (`logger.info`, `audit`, `db.insert_one`).
    #[serde(default)]
    pub logs: Vec<String>,
    /// A value that identifies the recipient (`user.id`, `account_id`).
    #[serde(default)]
    pub recipients: Vec<String>,
}

impl LabelGateData {
    pub fn extend(&mut self, other: LabelGateData) {
        self.switches.extend(other.switches);
        self.agreement.extend(other.agreement);
        self.logs.extend(other.logs);
        self.recipients.extend(other.recipients);
    }
}

/// `LabelGateData`, compiled.
pub struct LabelGate {
    switches: LazySet,
    agreement: LazySet,
    logs: LazySet,
    recipients: LazySet,
}

impl LabelGate {
    pub fn build(data: &LabelGateData) -> Result<LabelGate, String> {
        let set = |what: &str, res: &[String]| {
            LazySet::new(res).map_err(|e| format!("label_gate.{what}: bad regex: {e}"))
        };
        Ok(LabelGate {
            switches: set("switches", &data.switches)?,
            agreement: set("agreement", &data.agreement)?,
            logs: set("logs", &data.logs)?,
            recipients: set("recipients", &data.recipients)?,
        })
    }

    pub fn is_switch(&self, name: &str) -> bool {
        self.switches.is_match(name)
    }

    pub fn is_agreement(&self, name: &str) -> bool {
        self.agreement.is_match(name)
    }

    pub fn is_log(&self, callee: &str) -> bool {
        self.logs.is_match(callee)
    }

    pub fn is_recipient(&self, name: &str) -> bool {
        self.recipients.is_match(name)
    }
}

//! Labeling knowledge, as data (`labels.toml`): APIs that write an implicit
//! label (file metadata, watermarks, C2PA) or draw an explicit one, and
//! string markers that show a label in code (an "AI-generated" disclosure,
//! an `AIGC` metadata key, an ffmpeg `drawtext` filter).

use serde::{Deserialize, Serialize};

use crate::catalog::ContentType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// Machine-readable: metadata, watermark, manifest.
    Implicit,
    /// Perceivable by people: visible text, a spoken or written disclosure.
    Explicit,
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
    pub kind: LabelKind,
    /// Resolved-callee patterns; user label helpers go here too
    /// (`["myapp.labels.add_aigc_label"]`).
    pub patterns: Vec<String>,
    /// Content types it can label; empty means any.
    #[serde(default)]
    pub content: Vec<ContentType>,
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
    /// Literal renderings that mean "off": `False`, `0`, `"false"`, `"off"`.
    pub off_values: Vec<String>,
}

/// Code that removes labels or metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripOperation {
    pub id: String,
    /// Resolved-callee patterns of calls that strip (`piexif.remove`).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Or: a regular expression over string literals (`-map_metadata -1`).
    pub regex: Option<String>,
    /// What gets lost, for the message.
    pub what: String,
}

//! The configuration file as written by the user (`synthlint.toml`, or
//! `[tool.synthlint]` in `pyproject.toml`). Unknown keys are errors.
//!
//! Values that can be wrong after parsing (rule codes, levels, globs,
//! catalogue patterns) keep their source span (`Spanned`) so that
//! `Settings` validation can point at them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, Visitor};
use toml::Spanned;

use crate::catalog::entrypoints::EntryPointData;
use crate::catalog::inputs::RecordHelper;
use crate::catalog::labels::{LabelApi, LabelGateData};
use crate::catalog::media::MediaData;
use crate::catalog::taint::TaintSpecData;
use crate::catalog::{GenerationApi, ModerationApi, SafetySwitch};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// Rule codes or category prefixes to enable (default: all).
    pub select: Option<Vec<Spanned<String>>>,
    /// Rule codes or category prefixes to disable.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    /// Glob → rule codes or prefixes ignored in matching files.
    #[serde(default)]
    pub per_path_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Extra globs to exclude from the walk, added to the built-in defaults.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Files larger than this are skipped with a notification: a number of
    /// bytes or a string with a unit (`"10 MiB"`, `"500kB"`).
    pub max_file_size: Option<Spanned<ByteSize>>,
    /// Parsed facts kept in memory up to this size; past it every file's
    /// facts are kept compressed and decoded when read (`--facts-memory`).
    pub facts_memory: Option<Spanned<ByteSize>>,
    /// Lowest level that makes the exit code 1: `note`, `warning` or `error`.
    pub fail_on: Option<Spanned<String>>,
    /// Rule code or prefix → level override.
    #[serde(default)]
    pub levels: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Require a reason after every inline suppression.
    #[serde(default)]
    pub require_suppression_reason: bool,
    /// Baseline file (see `synthlint baseline`), relative to the config file.
    pub baseline: Option<Spanned<String>>,
    /// Extensions of the library catalogue.
    #[serde(default)]
    pub catalog: CatalogOptions,
    /// What the service shows its users from outside this repository
    /// (another repository's front end, an app store page).
    #[serde(default)]
    pub service: ServiceOptions,
}

/// `[service]`: each key declares that a duty is met outside the
/// repository, and quiets the rule that looks for it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ServiceOptions {
    /// The filing number the product displays (`网信算备…号` or 上线编号).
    pub filing_number: Option<Spanned<String>>,
    /// Where users report or complain: a URL, `mailto:` or e-mail address.
    pub complaint_channel: Option<Spanned<String>>,
    /// Where the minors mode or age check lives (a URL or a few words).
    pub minors_mode: Option<Spanned<String>>,
    /// Where users are told they interact with an AI.
    pub ai_notice: Option<Spanned<String>>,
}

/// `[catalog]`: the same entries as the built-in catalogue files (whose keys
/// are snake_case, so entries can be copied between them), each with its span.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogOptions {
    #[serde(default)]
    pub generation: Vec<Spanned<GenerationApi>>,
    #[serde(default)]
    pub safety_switch: Vec<Spanned<SafetySwitch>>,
    /// `[[catalog.moderation]]`: moderation APIs and the project's own
    /// keyword or feature-library checks (same keys as in
    /// `src/catalog/moderation.toml`).
    #[serde(default)]
    pub moderation: Vec<Spanned<ModerationApi>>,
    #[serde(default)]
    pub passthrough_methods: Vec<String>,
    /// `[[catalog.label]]`: label helpers of the project (same keys as in
    /// `src/catalog/labels.toml`).
    #[serde(default)]
    pub label: Vec<Spanned<LabelApi>>,
    /// `[catalog.label_gate]`: more names for switches, agreement checks,
    /// logging calls and recipients (regular expressions).
    pub label_gate: Option<Spanned<LabelGateData>>,
    /// `[catalog.entrypoints]`: more framework registrations (same keys as
    /// `src/catalog/entrypoints.toml`).
    pub entrypoints: Option<Spanned<EntryPointData>>,
    /// `[catalog.media]`: more media writers and size calls (same keys as
    /// `[media]` in `src/catalog/media.toml`).
    pub media: Option<Spanned<MediaData>>,
    /// `[catalog.taint.<id>]`: new taint specs, or entries added to a
    /// built-in one (same keys as `[taint.<id>]` in the catalogue).
    #[serde(default)]
    pub taint: BTreeMap<String, Spanned<TaintSpecData>>,
    /// `[catalog.personal_data]`: more personal-data categories, terms,
    /// false friends, input components and consent names (same keys as
    /// `[personal_data]` in `src/catalog/personal_data.toml`).
    pub personal_data: Option<Spanned<crate::catalog::personal_data::PersonalDataData>>,
    /// `[[catalog.record]]`: project functions that record user input
    /// (audit or telemetry helpers), for LOG002 and LOG003.
    #[serde(default)]
    pub record: Vec<Spanned<RecordHelper>>,
    /// `[catalog.opt_out]`: more recommender calls and names of opt-out
    /// switches and training flags (same keys as `[opt_out]` in
    /// `src/catalog/opt_out.toml`).
    pub opt_out: Option<Spanned<crate::catalog::opt_out::OptOutData>>,
    /// `[catalog.service]`: more terms for the service-level rules (same
    /// keys as `[service]` in `src/catalog/service.toml`).
    pub service: Option<Spanned<crate::catalog::service::ServiceData>>,
}

/// `pyproject.toml`: only `[tool.synthlint]` is ours; everything else is
/// accepted unread.
#[derive(Debug, Deserialize)]
pub struct Pyproject {
    pub tool: Option<PyprojectTool>,
}

#[derive(Debug, Deserialize)]
pub struct PyprojectTool {
    pub synthlint: Option<Options>,
}

/// Cheap probe: does a `pyproject.toml` have a `[tool.synthlint]` table at all?
#[derive(Debug, Deserialize)]
pub struct PyprojectProbe {
    pub tool: Option<PyprojectToolProbe>,
}

#[derive(Debug, Deserialize)]
pub struct PyprojectToolProbe {
    pub synthlint: Option<IgnoredAny>,
}

/// A size in bytes, written as an integer or as a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// `"2MiB"`, `"10 MB"`, `"512k"`, `"1000"`: decimal (kB, MB, GB) and
    /// binary (KiB, MiB, GiB) units, case-insensitive.
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit() && c != '_')
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num: u64 = num.replace('_', "").parse().map_err(|_| {
            format!("`{s}` is not a size (expected e.g. 2097152, \"2 MiB\", \"500 kB\")")
        })?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "kib" => 1 << 10,
            "m" | "mb" => 1_000_000,
            "mib" => 1 << 20,
            "g" | "gb" => 1_000_000_000,
            "gib" => 1 << 30,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` (use B, kB, KiB, MB, MiB, GB or GiB)"
                ));
            }
        };
        num.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("`{s}` is too large"))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number of bytes or a size string such as \"2 MiB\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(ByteSize::parse("2MiB"), Ok(ByteSize(2 << 20)));
        assert_eq!(ByteSize::parse("10 MB"), Ok(ByteSize(10_000_000)));
        assert_eq!(ByteSize::parse("1_000"), Ok(ByteSize(1000)));
        assert_eq!(ByteSize::parse("512 KiB"), Ok(ByteSize(512 << 10)));
        assert!(ByteSize::parse("ten").is_err());
        assert!(ByteSize::parse("10 parsecs").is_err());
        assert!(ByteSize::parse("99999999999999999999 GiB").is_err());
    }

    #[test]
    fn parses_every_key() {
        let text = r#"
select = ["GEN"]
ignore = ["MOD001"]
exclude = ["generated/**"]
max-file-size = "4 MiB"
facts-memory = "256 MiB"
fail-on = "warning"
require-suppression-reason = true
baseline = "synthlint-baseline.json"

[per-path-ignores]
"tests/**" = ["GEN001"]

[levels]
GEN001 = "error"

[[catalog.generation]]
id = "acme.generate"
patterns = ["acme.Client().generate"]
content = ["text"]
provider = "Acme"
jurisdiction = "overseas"
"#;
        let o: Options = toml::from_str(text).unwrap();
        assert_eq!(o.max_file_size.unwrap().into_inner(), ByteSize(4 << 20));
        assert_eq!(o.facts_memory.unwrap().into_inner(), ByteSize(256 << 20));
        assert_eq!(o.catalog.generation.len(), 1);
        assert!(o.require_suppression_reason);
    }
}

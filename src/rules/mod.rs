//! The rule framework. One rule per file under `rules/<category>/`; each
//! declares its metadata (code, name, level, articles, doc) and a `check`
//! that reads facts and the project index, never syntax trees.

use serde::Serialize;

use crate::analysis::Project;
use crate::analysis::results::Analysis;
use crate::catalog::Catalog;
use crate::finding::{Finding, Level};

pub mod generation;
pub mod labels;
pub mod logs;
pub mod meta;
pub mod moderation;

/// Rules of the `media` command, kept out of [`all`].
pub mod media;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Generation endpoints and calls (scoping).
    Generation,
    /// Explicit and implicit labels of generated content.
    Label,
    /// Moderation and safety checks.
    Moderation,
    /// How logs are kept.
    Log,
    /// Findings about synthlint's own suppressions.
    Meta,
}

impl Category {
    /// The code prefix that selects the whole category (`--select GEN`).
    pub fn prefix(self) -> &'static str {
        match self {
            Category::Generation => "GEN",
            Category::Label => "LBL",
            Category::Moderation => "MOD",
            Category::Log => "LOG",
            Category::Meta => "SYN",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Generation => "generation",
            Category::Label => "label",
            Category::Moderation => "moderation",
            Category::Log => "log",
            Category::Meta => "meta",
        }
    }
}

/// How often a finding of this rule is right, as measured on real code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Stable,
    Preview,
}

#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Permanent code: category prefix + three digits.
    pub code: &'static str,
    /// kebab-case name.
    pub name: &'static str,
    pub category: Category,
    pub default_level: Level,
    pub precision: Precision,
    pub status: Status,
    /// Article ids from the article catalogue.
    pub articles: &'static [&'static str],
    /// One sentence, shown in listings and as SARIF `shortDescription`.
    pub summary: &'static str,
    /// Markdown with the sections `## What it does`, `## Why is this bad?`,
    /// `## Example` (with "Use instead:"), optional `## Options`, `## Known problems`.
    pub doc: &'static str,
    /// Security severity for GitHub (0.0–10.0), as text.
    pub security_severity: &'static str,
}

/// What a rule sees.
pub struct Context<'a> {
    pub project: &'a Project,
    pub catalog: &'a Catalog,
    /// Whole-project results: generation sites, call graph, entry points.
    pub analysis: &'a Analysis<'a>,
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// Every rule, in code order.
pub fn all() -> Vec<&'static dyn Rule> {
    let mut rules: Vec<&'static dyn Rule> = vec![
        &generation::generation_call::GenerationCall,
        &generation::generation_endpoint::GenerationEndpoint,
        &moderation::safety_checker_disabled::SafetyCheckerDisabled,
        &logs::retention_too_short::LogRetentionTooShort,
        &labels::implicit_label_missing::ImplicitLabelMissing,
        &labels::explicit_label_missing::ExplicitLabelMissing,
        &labels::vendor_watermark_disabled::VendorWatermarkDisabled,
        &labels::label_stripping::LabelStripping,
        &labels::aigc_metadata_malformed::AigcMetadataMalformed,
        &labels::reencode_drops_label::ReencodeDropsLabel,
        &labels::explicit_label_too_small::ExplicitLabelTooSmall,
        &labels::unlabeled_delivery_ungated::UnlabeledDeliveryUngated,
        &labels::labeling_function_missing::LabelingFunctionMissing,
        &meta::bare_suppression::BareSuppression,
        &meta::unused_suppression::UnusedSuppression,
        &meta::suppression_without_reason::SuppressionWithoutReason,
    ];
    rules.sort_by_key(|r| r.meta().code);
    rules
}

pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    all()
        .into_iter()
        .find(|r| r.meta().code.eq_ignore_ascii_case(code))
}

/// Every rule's metadata, in code order: the source rules of [`all`] and
/// the rules of the `media` command ([`media::all`]), which no source scan
/// runs. For listings, `explain`, the generated docs and catalogue tests.
pub fn catalogue() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = all().into_iter().map(|r| r.meta()).collect();
    metas.extend(media::all());
    metas.sort_by_key(|m| m.code);
    metas
}

/// A rule's metadata by code (case-insensitive), from the whole catalogue.
pub fn meta_by_code(code: &str) -> Option<&'static RuleMeta> {
    catalogue()
        .into_iter()
        .find(|m| m.code.eq_ignore_ascii_case(code))
}

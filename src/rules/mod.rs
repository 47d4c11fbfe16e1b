//! The rule framework. One rule per file under `rules/<category>/`; each
//! declares its metadata (code, name, level, articles, doc) and a `check`
//! that reads facts and the project index, never syntax trees.

use std::sync::OnceLock;

use crate::analysis::Project;
use crate::analysis::results::Analysis;
use crate::catalog::Catalog;
use crate::finding::Finding;
pub use crate::finding::{Category, Precision, RuleMeta, Status};

pub mod generation;
pub mod labels;
pub mod logs;
pub mod meta;
pub mod moderation;
pub mod opt_out;
pub mod personal_data;
pub mod service;

/// Rules of the `media` command, kept out of [`all`].
pub mod media;

/// What a rule sees.
pub struct Context<'a> {
    pub project: &'a Project,
    pub catalog: &'a Catalog,
    /// Whole-project results: generation sites, call graph, entry points.
    pub analysis: &'a Analysis<'a>,
    /// What several rules share, computed once per scan.
    pub shared: Shared,
}

/// Results that several rules read, computed by the first rule that asks
/// (rules run in parallel; another that asks meanwhile waits for it). What
/// fills them uses no thread pool, so a waiting rule never blocks the work
/// it waits for.
#[derive(Default)]
pub struct Shared {
    /// Moderation calls and their verdicts (MOD002, MOD003, MOD004).
    moderation: OnceLock<moderation::sites::Moderation>,
    /// Records of user input (LOG002, LOG003).
    records: OnceLock<Option<logs::records::InputRecords>>,
    /// Calls that rank content per user (the opt-out rules).
    rankings: OnceLock<Vec<opt_out::Ranking>>,
    /// Where the catalogue's recommendation switches are set (OPT001, OPT002).
    switches: OnceLock<Vec<opt_out::Site>>,
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
        &moderation::input_moderation_missing::InputModerationMissing,
        &moderation::output_moderation_missing::OutputModerationMissing,
        &moderation::moderation_hit_unrecorded::ModerationHitUnrecorded,
        &logs::retention_too_short::LogRetentionTooShort,
        &logs::input_not_recorded::InputNotRecorded,
        &logs::record_without_requester::RecordWithoutRequester,
        &labels::implicit_label_missing::ImplicitLabelMissing,
        &labels::explicit_label_missing::ExplicitLabelMissing,
        &labels::vendor_watermark_disabled::VendorWatermarkDisabled,
        &labels::label_stripping::LabelStripping,
        &labels::aigc_metadata_malformed::AigcMetadataMalformed,
        &labels::reencode_drops_label::ReencodeDropsLabel,
        &labels::explicit_label_too_small::ExplicitLabelTooSmall,
        &labels::unlabeled_delivery_ungated::UnlabeledDeliveryUngated,
        &labels::labeling_function_missing::LabelingFunctionMissing,
        &personal_data::cross_border_provision::CrossBorderProvision,
        &personal_data::biometric_edit_unconsented::BiometricEditUnconsented,
        &personal_data::personal_data_logged::PersonalDataLogged,
        &personal_data::training_data_unconsented::TrainingDataUnconsented,
        &personal_data::sensitive_data_undeleted::SensitiveDataUndeleted,
        &opt_out::recommendation_without_switch::RecommendationWithoutSwitch,
        &opt_out::switch_not_honoured::SwitchNotHonoured,
        &opt_out::training_opt_out_broken::TrainingOptOutBroken,
        &opt_out::profile_without_controls::ProfileWithoutControls,
        &opt_out::rights_endpoints_missing::RightsEndpointsMissing,
        &opt_out::deletion_leaves_copies::DeletionLeavesCopies,
        &service::filing_number_missing::FilingNumberMissing,
        &service::complaint_channel_missing::ComplaintChannelMissing,
        &service::minors_mode_missing::MinorsModeMissing,
        &service::ai_notice_missing::AiNoticeMissing,
        &meta::bare_suppression::BareSuppression,
        &meta::unused_suppression::UnusedSuppression,
        &meta::suppression_without_reason::SuppressionWithoutReason,
    ];
    rules.sort_by_key(|r| r.meta().code);
    rules
}

/// The metadata of `rules`, in their order (what a `ScanResult` lists).
pub fn metas(rules: &[&'static dyn Rule]) -> Vec<&'static RuleMeta> {
    rules.iter().map(|r| r.meta()).collect()
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

//! The rule framework. One rule per file under `rules/<category>/`; each
//! declares its metadata (code, name, level, articles, doc) and a `check`
//! that reads facts and the project index, never syntax trees.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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
mod per_file;
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
    /// Per-file parts from the cache (`crate::parts`): the per-file rules
    /// reuse the units of the files an edit did not reach. `None`: every
    /// rule runs in full.
    pub parts: Option<&'a crate::parts::Parts>,
}

/// Results that several rules read, computed by the first rule that asks
/// (rules run in parallel; another that asks meanwhile waits for it). What
/// fills them uses no thread pool, so a waiting rule never blocks the work
/// it waits for. The two in [`Slot`]s are freed once the last rule that
/// reads them is done ([`HELD`]).
#[derive(Default)]
pub struct Shared {
    /// Moderation calls and their verdicts (MOD002, MOD003, MOD004).
    moderation: Slot<moderation::sites::Moderation>,
    /// The calls of a catalogued moderation API, made by the rules'
    /// per-file phase (MOD002, MOD003, MOD004 through `Moderation::find`).
    moderation_calls: OnceLock<Vec<moderation::sites::ModerationSite>>,
    /// Records of user input (LOG002, LOG003), with the user-input taint.
    records: Slot<Option<logs::records::InputRecords>>,
    /// Where the project raises its loggers' thresholds (the records'
    /// judge), from the rules' per-file pass.
    log_thresholds: OnceLock<logs::records::Thresholds>,
    /// Calls that rank content per user (the opt-out rules).
    rankings: OnceLock<Vec<opt_out::Ranking>>,
    /// Calls named as training writes, as (file, call) (OPT003, PII004).
    training_writes: OnceLock<Vec<(usize, usize)>>,
    /// Where the catalogue's recommendation switches are set (OPT001, OPT002).
    switches: OnceLock<Vec<opt_out::Site>>,
    /// The first writer of each per-user profile name (OPT004).
    profile_writers: OnceLock<Vec<opt_out::profile_without_controls::ProfileWriter>>,
    /// Classes stored per user with personal data (OPT005, OPT006, PII004).
    stored_classes: Slot<Vec<opt_out::stored::StoredClass>>,
    /// Training flags' definitions (OPT003, PII004).
    training_flags: OnceLock<Vec<opt_out::training_opt_out_broken::Definition>>,
    /// The data models and their fields' categories, before the models
    /// held in fields are followed (the personal-data rules' domains).
    model_classes: Slot<Vec<personal_data::FoundModel>>,
    /// Calls that start Sentry sending personal data, as (file, call)
    /// (PII001).
    sentry_inits: OnceLock<Vec<(usize, usize)>>,
    /// Whether a call of the project is a training-data sink (PII004).
    training_sink: OnceLock<bool>,
    /// Per file, the conditions that read a label switch (LBL008).
    label_switches: Slot<Vec<Vec<usize>>>,
    /// The first stored user-account class, as (file, class) (SVC003).
    user_class: OnceLock<Option<(usize, usize)>>,
    /// User-facing strings and the chat UI (the service rules).
    service: Slot<service::ServiceShared>,
    /// Per file: whether it is test code (`test_paths`; several rules skip
    /// test files, some going through the files more than once).
    test_files: OnceLock<Vec<bool>>,
    /// The calls the endpoints' code flows show, read once for the five
    /// rules that show them (GEN002, LBL001–LBL003, MOD002, MOD003, PII002).
    flow_steps: OnceLock<generation::generation_endpoint::FlowSteps>,
    /// Each file's consent conditions and the service handlers that are a
    /// biometric API, made by the rules' per-file pass (PII002's walks).
    consent: OnceLock<personal_data::biometric_edit_unconsented::ConsentFiles>,
    /// The calls the personal-data seeds read a name of (`Origin::Call`),
    /// made by the rules' per-file pass.
    call_keys: OnceLock<personal_data::CallKeys>,
}

/// A shared result that can be freed: computed by the first rule that asks,
/// handed out as an `Arc`, dropped by [`Slot::release`] (the memory goes
/// once the rules still holding it are done too).
pub struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

enum SlotState<T> {
    Empty,
    Ready(Arc<T>),
    Released,
}

impl<T> Default for Slot<T> {
    fn default() -> Slot<T> {
        Slot {
            state: Mutex::new(SlotState::Empty),
        }
    }
}

impl<T> Slot<T> {
    /// The result, computed now if no rule asked before. Asked again after
    /// its release (a rule missing from [`HELD`]), it is computed again:
    /// the same result, at twice the cost; debug builds stop there instead.
    pub fn get_or_init(&self, compute: impl FnOnce() -> T) -> Arc<T> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &*state {
            SlotState::Ready(value) => return value.clone(),
            SlotState::Released => debug_assert!(
                false,
                "a shared result was asked for after its last reader: list the rule in rules::HELD"
            ),
            SlotState::Empty => {}
        }
        let value = Arc::new(compute());
        *state = SlotState::Ready(value.clone());
        value
    }

    pub fn release(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = SlotState::Released;
    }

    /// Hand the result in, made elsewhere (the rules' per-file phase),
    /// unless a rule already asked for it.
    pub fn set(&self, value: T) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*state, SlotState::Empty) {
            *state = SlotState::Ready(Arc::new(value));
        }
    }
}

/// A whole-project result that the engine frees once every enabled rule
/// that reads it is done: a taint spec's result (by spec id) or a shared
/// result of [`Shared`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Taint(&'static str),
    Moderation,
    Records,
    Service,
    /// Made by the rules' per-file phase (`rules::per_file`): freed after
    /// their last reader, as the others are.
    StoredClasses,
    Models,
    LabelSwitches,
}

impl Held {
    /// Whether the readers after the first wait for the rule that computes
    /// the result ([`schedule`]). Not what the service rules' shown strings
    /// show: all four readers are long rules and the result is small (a
    /// few bytes and the first placeholders), so queueing SVC002–SVC004
    /// behind the whole of SVC001 would put two long rules end to end; they
    /// start as the others do and wait only while the strings are searched
    /// (with a public generation endpoint, the rules' per-file pass
    /// searches them before any starts).
    ///
    /// Nor the results the rules' per-file phase makes: they are there
    /// before any rule starts.
    fn readers_queue(self) -> bool {
        !matches!(
            self,
            Held::Service | Held::StoredClasses | Held::Models | Held::LabelSwitches
        )
    }
}

/// Which rules read each freeable result. [`run`] starts these rules
/// early, grouped by what they read, so that each result is freed while the
/// other rules still run; on 10k files the taint results are ~45 MB. A rule
/// that reads one and is missing here gets it computed again (debug
/// builds panic: `Slot::get_or_init`, `dataflow::Cache`).
pub const HELD: &[(Held, &[&str])] = &[
    (
        Held::Taint(personal_data::SPEC),
        &["PII001", "PII003", "PII005"],
    ),
    (
        Held::Taint(personal_data::training_data_unconsented::SPEC),
        &["PII004"],
    ),
    (Held::Taint(labels::dataflow::SPEC), &["LBL006"]),
    (
        Held::Taint(crate::catalog::inputs::INPUT_SPEC),
        &["LOG002", "LOG003"],
    ),
    (Held::Records, &["LOG002", "LOG003"]),
    (
        Held::Taint(moderation::sites::OUTPUT_SPEC),
        &["MOD002", "MOD003"],
    ),
    (Held::Moderation, &["MOD002", "MOD003", "MOD004"]),
    (Held::Service, &["SVC001", "SVC002", "SVC003", "SVC004"]),
    (Held::StoredClasses, &["OPT005", "OPT006", "PII004"]),
    (
        Held::Models,
        &["PII001", "PII002", "PII003", "PII004", "PII005"],
    ),
    (Held::LabelSwitches, &["LBL008"]),
];

impl Context<'_> {
    /// Per file, in file order: whether its path is a test path
    /// (`[catalog.entrypoints] test_paths`). Worked out on plain threads
    /// ([`crate::analysis::map_indices`]), so any rule may ask at any time.
    pub fn test_files(&self) -> &[bool] {
        self.shared.test_files.get_or_init(|| {
            let tests = &self.catalog.entrypoints.test_paths;
            let project = self.project;
            crate::analysis::map_indices(project.file_count(), |fi| {
                tests.is_match(project.path(fi))
            })
        })
    }

    /// The calls on the endpoints' first call paths that their code flows
    /// show ([`generation::generation_endpoint::FlowSteps`]).
    pub fn flow_steps(&self) -> &generation::generation_endpoint::FlowSteps {
        self.shared
            .flow_steps
            .get_or_init(|| generation::generation_endpoint::FlowSteps::of(self))
    }

    /// Free `held`: no rule still to run reads it.
    pub fn release(&self, held: Held) {
        crate::memory::mark(|| format!("free {held:?}"));
        match held {
            Held::Taint(spec) => {
                let dataflow = &self.analysis.dataflow;
                dataflow.release(spec);
                // Every spec freed: nothing is left to read the per-file
                // indexes (~31 MB on 10k files). With a reader disabled its
                // spec is never freed, and neither are they.
                let all = HELD.iter().all(|(h, _)| match h {
                    Held::Taint(s) => dataflow.is_released(s),
                    _ => true,
                });
                if all {
                    dataflow.release_indexes();
                }
            }
            Held::Moderation => self.shared.moderation.release(),
            Held::Records => self.shared.records.release(),
            Held::Service => self.shared.service.release(),
            Held::StoredClasses => self.shared.stored_classes.release(),
            Held::Models => self.shared.model_classes.release(),
            Held::LabelSwitches => self.shared.label_switches.release(),
        }
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
    /// The rule as per-file units, when its findings in a file depend on
    /// that file alone and on look-ups it records (`crate::parts`). Such a
    /// rule runs in the rules' per-file phase ([`per_file`]), each file
    /// read once for all of them, and its `check` is not called by [`run`].
    fn per_file(&self) -> Option<&dyn crate::parts::PerFile> {
        None
    }
}

/// Rules that take longest on large projects, longest first (profiles of
/// the 10k-file corpus and diffusers): [`run`] starts them before the short
/// ones, so that none of them is left running alone at the end while the
/// other cores idle. Only the order changes, never a result.
const LONG: &[&str] = &["SVC003", "SVC001", "SVC004", "OPT003", "GEN002", "OPT004"];

/// When [`run`] starts each rule of `enabled` (indices into it).
struct Schedule {
    /// Started at once, in this order: first one reader of each freeable
    /// result whose other readers queue ([`Held::readers_queue`]), in the
    /// order of [`HELD`] (it computes the result, and a
    /// second reader started next to it would only wait for it: a core
    /// idle while the result's serial parts run), then the [`LONG`] rules,
    /// then the rest in code order.
    start: Vec<usize>,
    /// The other readers of a freeable result, queued ahead of every rule
    /// not yet started when the rule that computed it is done (`after[i]`:
    /// those rule `i` may start), so that they read the result at once and
    /// it is freed while the long rules run. Started after the long rules,
    /// every result stayed alive until the end of the phase (peak RSS
    /// ~20 MB higher on 10k files).
    after: Vec<Vec<usize>>,
    /// For each of those followers, how many rules of `start` it waits for
    /// (the computers of every result it reads); 0 for the rules of `start`.
    waits: Vec<usize>,
}

fn schedule(enabled: &[&'static dyn Rule]) -> Schedule {
    let code = |i: usize| enabled[i].meta().code;
    let reads = |i: usize, group: usize| {
        let (held, readers) = HELD[group];
        held.readers_queue() && readers.contains(&code(i))
    };
    // The first enabled reader of each result computes it.
    let computer: Vec<Option<usize>> = (0..HELD.len())
        .map(|g| (0..enabled.len()).find(|&i| reads(i, g)))
        .collect();
    let computes = |i: usize| computer.contains(&Some(i));
    let computers_read_by = |i: usize| {
        let mut c: Vec<usize> = (0..HELD.len())
            .filter(|&g| reads(i, g))
            .filter_map(|g| computer[g])
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    let follows = |i: usize| !computes(i) && !computers_read_by(i).is_empty();
    let mut start: Vec<usize> = Vec::with_capacity(enabled.len());
    let add = |i: usize, start: &mut Vec<usize>| {
        if !start.contains(&i) {
            start.push(i);
        }
    };
    computer.iter().flatten().for_each(|&i| add(i, &mut start));
    for long in LONG {
        if let Some(i) = (0..enabled.len()).find(|&i| code(i) == *long && !follows(i)) {
            add(i, &mut start);
        }
    }
    let mut after = vec![Vec::new(); enabled.len()];
    let mut waits = vec![0; enabled.len()];
    for (i, wait) in waits.iter_mut().enumerate() {
        if !follows(i) {
            add(i, &mut start);
            continue;
        }
        let computers = computers_read_by(i);
        *wait = computers.len();
        for c in computers {
            after[c].push(i);
        }
    }
    Schedule {
        start,
        after,
        waits,
    }
}

/// Every rule of `enabled` on the current thread pool; the findings in rule
/// order, whatever the number of threads. Each rule is a job of its own,
/// started as [`schedule`] says as threads come free (a FIFO scope: a fixed
/// split of the list left one thread to run a third of the rules in a row
/// while the other idled), and each result of [`HELD`] is freed as soon as
/// the last of its enabled readers is done.
///
/// The rules' per-file parts run first, in one pass over the files
/// ([`per_file`]); the rules with such a part are done after it, and the
/// others run as jobs.
pub fn run(enabled: &[&'static dyn Rule], cx: &Context<'_>) -> Vec<Finding> {
    crate::memory::mark(|| "rules' per-file pass".into());
    let done = per_file::run(enabled, cx);
    crate::memory::mark(|| "rules' per-file pass done".into());
    let rest: Vec<&'static dyn Rule> = enabled
        .iter()
        .zip(&done)
        .filter(|(_, d)| d.is_none())
        .map(|(r, _)| *r)
        .collect();
    let mut found = run_jobs(&rest, cx).into_iter();
    let found: Vec<Vec<Finding>> = done
        .into_iter()
        .map(|d| d.unwrap_or_else(|| found.next().unwrap_or_default()))
        .collect();
    // Sized once: the findings are what is left at the end of the rules,
    // and a doubling copy of them would be the peak.
    let mut findings = Vec::with_capacity(found.iter().map(Vec::len).sum());
    for out in found {
        findings.extend(out);
    }
    findings
}

/// The rules of `enabled` as jobs (see [`run`]): each one's findings, in
/// rule order.
fn run_jobs(enabled: &[&'static dyn Rule], cx: &Context<'_>) -> Vec<Vec<Finding>> {
    let plan = schedule(enabled);
    let code = |i: usize| enabled[i].meta().code;
    let jobs = Jobs {
        enabled,
        cx,
        left: HELD
            .iter()
            .map(|(_, readers)| {
                let n = (0..enabled.len()).filter(|&i| readers.contains(&code(i)));
                AtomicUsize::new(n.count())
            })
            .collect(),
        waits: plan.waits.iter().map(|&n| AtomicUsize::new(n)).collect(),
        after: plan.after,
        queue: Mutex::default(),
        found: enabled.iter().map(|_| Mutex::default()).collect(),
    };
    rayon::scope_fifo(|s| jobs.ready(s, &plan.start, false));
    jobs.found
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// What the rule jobs of one [`run`] share.
struct Jobs<'r, 'p> {
    enabled: &'r [&'static dyn Rule],
    cx: &'r Context<'p>,
    /// Per held result: how many of its readers are still to finish.
    left: Vec<AtomicUsize>,
    /// Per rule: how many rules are still to finish before it starts.
    waits: Vec<AtomicUsize>,
    after: Vec<Vec<usize>>,
    /// The rules ready to start, in the order they are to.
    queue: Mutex<std::collections::VecDeque<usize>>,
    /// Per rule, its findings.
    found: Vec<Mutex<Vec<Finding>>>,
}

impl<'r> Jobs<'r, '_> {
    /// Make rules ready, `first` ahead of every rule waiting to start, and
    /// spawn a job for each. A job runs whichever rule is first in the
    /// queue when a thread takes it, not the rule it was spawned for: the
    /// scope's own thread runs its spawns after every job spawned before
    /// them, so a follower spawned there would run last, its result alive
    /// all along.
    fn ready<'s>(&'s self, s: &rayon::ScopeFifo<'s>, rules: &[usize], first: bool)
    where
        'r: 's,
    {
        {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if first {
                rules.iter().rev().for_each(|&i| queue.push_front(i));
            } else {
                queue.extend(rules);
            }
        }
        for _ in rules {
            s.spawn_fifo(move |s| self.run_next(s));
        }
    }

    fn run_next<'s>(&'s self, s: &rayon::ScopeFifo<'s>)
    where
        'r: 's,
    {
        // Never empty: each job is spawned after the rule it stands for was
        // queued, and takes one rule.
        let Some(i) = self
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
        else {
            return;
        };
        crate::cli::debug_panic("rule");
        let code = self.enabled[i].meta().code;
        let rule = self.enabled[i];
        let mut out = Vec::new();
        crate::memory::mark(|| format!("start {code}"));
        rule.check(self.cx, &mut out);
        crate::memory::mark(|| format!("end {code}: {} findings", out.len()));
        // Held to the end of the scan: what they were grown by is given
        // back now rather than after the rules (the scan's peak).
        out.iter_mut().for_each(Finding::shrink);
        out.shrink_to_fit();
        for (h, (held, readers)) in HELD.iter().enumerate() {
            if readers.contains(&code) && self.left[h].fetch_sub(1, Ordering::AcqRel) == 1 {
                self.cx.release(*held);
            }
        }
        *self.found[i].lock().unwrap_or_else(|e| e.into_inner()) = out;
        let unlocked: Vec<usize> = self.after[i]
            .iter()
            .copied()
            .filter(|&j| self.waits[j].fetch_sub(1, Ordering::AcqRel) == 1)
            .collect();
        self.ready(s, &unlocked, true);
    }
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

/// A source rule by code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    // Built once: reporters look a rule up for every finding, and building
    // the list each time cost more than the lookup.
    static RULES: OnceLock<Vec<&'static dyn Rule>> = OnceLock::new();
    RULES
        .get_or_init(all)
        .iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(code))
}

/// Every rule's metadata, in code order: the source rules of [`all`] and
/// the rules of the `media` command ([`media::all`]), which no source scan
/// runs. For listings, `explain`, the generated docs and catalogue tests.
pub fn catalogue() -> Vec<&'static RuleMeta> {
    catalogue_once().to_vec()
}

/// [`catalogue`], built on first use.
fn catalogue_once() -> &'static [&'static RuleMeta] {
    static METAS: OnceLock<Vec<&'static RuleMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        let mut metas: Vec<&'static RuleMeta> = all().into_iter().map(|r| r.meta()).collect();
        metas.extend(media::all());
        metas.sort_by_key(|m| m.code);
        metas
    })
}

/// A rule's metadata by code (case-insensitive), from the whole catalogue.
pub fn meta_by_code(code: &str) -> Option<&'static RuleMeta> {
    catalogue_once()
        .iter()
        .copied()
        .find(|m| m.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule `HELD` names exists, and every spec it names is in the
    /// built-in catalogue: a renamed rule or spec would otherwise leave a
    /// result unfreed without notice.
    #[test]
    fn held_results_name_existing_rules_and_specs() {
        let catalog = crate::catalog::Catalog::load(&Default::default()).expect("catalogue");
        for (held, readers) in HELD {
            assert!(!readers.is_empty(), "{held:?} has no reader");
            for code in *readers {
                assert!(by_code(code).is_some(), "{held:?}: no rule {code}");
            }
            if let Held::Taint(spec) = held {
                assert!(catalog.taint.contains_key(*spec), "no taint spec {spec}");
            }
        }
    }

    /// Every enabled rule starts exactly once: the first reader of each
    /// freeable result before the long rules, the others when it is done.
    #[test]
    fn schedule_runs_every_rule_once_computers_first_readers_after_them() {
        let every = all();
        let without_first: Vec<&'static dyn Rule> = every
            .iter()
            .copied()
            .filter(|r| !["PII001", "LOG002"].contains(&r.meta().code))
            .collect();
        for enabled in [&every, &without_first] {
            let plan = schedule(enabled);
            let index = |code: &str| enabled.iter().position(|r| r.meta().code == code);
            // Run the plan as `run` does, one job at a time.
            let mut waits = plan.waits.clone();
            let mut queue: std::collections::VecDeque<usize> = plan.start.iter().copied().collect();
            let mut ran = Vec::new();
            while let Some(i) = queue.pop_front() {
                assert_eq!(waits[i], 0, "{} started early", enabled[i].meta().code);
                ran.push(i);
                for &j in &plan.after[i] {
                    waits[j] -= 1;
                    if waits[j] == 0 {
                        queue.push_front(j);
                    }
                }
            }
            let mut sorted = ran.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..enabled.len()).collect::<Vec<_>>());
            let at = |i: usize| plan.start.iter().position(|&k| k == i);
            let first_long = at(index(LONG[0]).unwrap()).unwrap();
            for (held, readers) in HELD {
                let present: Vec<usize> = readers.iter().filter_map(|c| index(c)).collect();
                if !held.readers_queue() {
                    // Not queued for this result: a reader starts on its
                    // own, unless it reads a result whose readers queue
                    // (PII003 and PII005 follow PII001's taint).
                    for &reader in &present {
                        let code = enabled[reader].meta().code;
                        let queued = HELD
                            .iter()
                            .any(|(h, rs)| h.readers_queue() && rs.contains(&code));
                        assert!(at(reader).is_some() || queued, "{code} starts on its own");
                    }
                    continue;
                }
                assert!(at(present[0]).unwrap() < first_long, "{}", readers[0]);
                for &other in &present[1..] {
                    let code = enabled[other].meta().code;
                    assert_eq!(at(other), None, "{code} waits for its result");
                    assert!(plan.after[present[0]].contains(&other), "{code}");
                }
            }
        }
        // With PII001 off, PII003 computes the personal-data taint and
        // PII005 follows it.
        let plan = schedule(&without_first);
        let index = |code: &str| without_first.iter().position(|r| r.meta().code == code);
        let pii003 = index("PII003").unwrap();
        assert!(plan.start.contains(&pii003));
        assert!(plan.after[pii003].contains(&index("PII005").unwrap()));
    }

    /// A slot gives every asker the same result and computes it once.
    #[test]
    fn slot_computes_once_until_released() {
        let slot: Slot<u32> = Slot::default();
        let mut runs = 0;
        assert_eq!(
            *slot.get_or_init(|| {
                runs += 1;
                7
            }),
            7
        );
        assert_eq!(
            *slot.get_or_init(|| {
                runs += 1;
                8
            }),
            7
        );
        assert_eq!(runs, 1);
    }
}

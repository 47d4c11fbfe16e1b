//! The rules' per-file phase (issue 19, target 3, stage 2b): one pass over
//! the files on the thread pool at the start of [`super::run`], each file
//! read once, running every enabled rule's per-file part on it
//! ([`crate::parts::PerFile`]: LBL004, LBL005, LBL007, MOD001, LOG001).
//! Before it each of them looped over every file on its own. The pass also
//! makes the per-file selections that rules read, when an enabled rule
//! reads them: the calls that rank content per user (the opt-out rules,
//! SVC003), the calls named as training writes (OPT003, PII004), the
//! first writers of per-user profiles (OPT004), the classes stored per
//! user (OPT005, OPT006, PII004), the training flags' definitions (OPT003,
//! PII004), the data models and the calls' keys the personal-data seeds
//! classify (the personal-data rules), PII002's consent conditions and
//! handlers that are a biometric API, Sentry's set-up
//! calls (PII001), whether a training-data sink exists (PII004) and the
//! conditions that read a label switch (LBL008), the calls of a
//! catalogued moderation API (MOD002–MOD004), and for the service rules
//! (SVC001–SVC004) each file's user-facing strings, the chat UI's
//! evidence and whether a name is a minors term, and each Python file's
//! log-level settings for the loggers' thresholds (LOG002, LOG003), so
//! that those rules no longer loop over every file for them. Each has a loop of its own too,
//! for a reader missing from its list here (the same result). It also
//! makes the taint set-up of the specs its enabled rules always solve
//! (`dataflow::setup`: their source calls, the scopes that read a source,
//! and the callers and library calls every spec shares), so that a spec's
//! solve reads no file for them.
//!
//! The pass is indexed by file and collected in file order, so a rule's
//! findings are its files' findings in file order, as its `check` gives
//! them, whatever the number of threads. With per-file parts from the
//! cache (`Context::parts`) a file's unit is computed only when its stored
//! part cannot be reused ([`crate::parts::Parts::plan`]).

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::labels::unlabeled_delivery_ungated as labels;
use super::logs::records::{FileLevels, Thresholds};
use super::moderation::sites::{self as moderation, ModerationSite};
use super::opt_out::profile_without_controls::{self as profile, ProfileWriter};
use super::opt_out::stored::{self, Services, StoredClass};
use super::opt_out::training_opt_out_broken as training;
use super::opt_out::{self, Ranking};
use super::personal_data::biometric_edit_unconsented::{self as biometric, FileConsent};
use super::personal_data::cross_border_provision as cross_border;
use super::personal_data::training_data_unconsented as training_data;
use super::personal_data::{self, FoundModel};
use super::service::minors_mode_missing as minors;
use super::service::{self, ChatFound, ChatSearch, ShownSearch};
use super::{Context, Rule};
use crate::analysis::Reader;
use crate::analysis::dataflow::FileSetup;
use crate::finding::Finding;
use crate::parts::{FileCheck, Plan, Unit};
use crate::source::Span;

/// The rules that read the shared rankings (`opt_out::shared_rankings`):
/// the pass makes them when one of these is enabled. A reader missing here
/// still gets them, made on a loop of its own when first asked.
///
/// Not the switch sites (`opt_out::shared_switches`): OPT001 and OPT002 ask
/// for them only when the project has rankings, which most have not, and
/// made in the pass they would cost a look at every file's assignments,
/// arguments and configuration in every scan.
const RANKINGS: &[&str] = &["OPT001", "OPT002", "OPT004", "SVC003"];
/// The rules that judge records against the loggers' thresholds
/// (`logs::records::find`).
const LOG_THRESHOLDS: &[&str] = &["LOG002", "LOG003"];

/// The rules that read the calls named as training writes
/// (`training_opt_out_broken::training_writes`), likewise.
const TRAINING_WRITES: &[&str] = &["OPT003", "PII004"];

/// The rules that read the first writers of per-user profiles
/// (`profile_without_controls::shared_profile_writers`), likewise.
const PROFILE_WRITERS: &[&str] = &["OPT004"];

/// The rules that read the classes stored per user
/// (`stored::stored_classes`), likewise.
const STORED_CLASSES: &[&str] = &["OPT005", "OPT006", "PII004"];

/// The rules that read the training flags' definitions
/// (`training_opt_out_broken::definitions`), likewise.
const TRAINING_FLAGS: &[&str] = &["OPT003", "PII004"];

/// The rules whose personal-data domains read the data models
/// (`personal_data::model_classes`), likewise.
const MODEL_CLASSES: &[&str] = &["PII001", "PII002", "PII003", "PII004", "PII005"];

/// The rule that reads the calls starting Sentry with personal data
/// (`cross_border_provision::file_sentry_inits`), likewise.
const SENTRY_INITS: &[&str] = &["PII001"];

/// The rule whose walks read each file's consent conditions and ask
/// whether a service handler is itself a biometric API
/// (`biometric_edit_unconsented::ConsentFiles`), made in the pass when the
/// project serves an entry point (PII002 walks from those only).
const CONSENT: &[&str] = &["PII002"];

/// The rule that asks whether the project has a training-data sink
/// (`training_data_unconsented::file_has_sink`), likewise; made in the
/// pass only when the project serves an entry point (without one the rule
/// asks only when it stores conversations).
const TRAINING_SINK: &[&str] = &["PII004"];

/// The rule that reads each file's label-switch conditions
/// (`unlabeled_delivery_ungated::file_label_switches`), likewise.
const LABEL_SWITCHES: &[&str] = &["LBL008"];

/// The rule that reads the first stored user-account class
/// (`minors_mode_missing::file_user_class`), likewise, unless the
/// project declares its minors mode (then the rule asks nothing).
const USER_CLASS: &[&str] = &["SVC003"];

/// The rules that read the calls of a catalogued moderation API
/// (`sites::file_moderation_calls`, through `Moderation::find`), likewise.
const MODERATION_CALLS: &[&str] = &["MOD002", "MOD003", "MOD004"];

/// The rules that search for a chat UI (`service::chat_ui`), likewise
/// with a public generation endpoint, unless the config declares the duty
/// the rule checks (SVC003: the minors mode; SVC004: the AI notice). SVC003
/// searches only for a project with accounts, which the pass cannot know
/// (the stored user class is one of its results): with SVC003 alone the
/// search may be lost.
const CHAT_UI: &[&str] = &["SVC003", "SVC004"];

/// The rule that asks whether a name of the project is a minors term
/// (`minors_mode_missing::file_names_minors`), likewise with a public
/// generation endpoint, unless the project declares its minors mode (as
/// for the chat UI, the rule asks only for a project with accounts).
const MINORS_NAMES: &[&str] = &["SVC003"];

/// The taint specs whose set-up the pass makes (the part that does not
/// depend on a spec's domain: its source calls, the scopes that read a
/// source, and the callers and library calls every spec shares;
/// `dataflow::setup`), with the rules that always solve them: when one of
/// those is enabled. A spec's solve then reads no file for it but what its
/// domain classifies (the personal-data names). Not the specs solved only
/// sometimes (training data: only with a training sink; generated output:
/// only with moderation), whose set-up in every scan would be lost where
/// they are not solved: they read each file once when solved.
const TAINT_SETUP: &[(&str, &[&str])] = &[
    (personal_data::SPEC, &["PII001", "PII003", "PII005"]),
    (super::labels::dataflow::SPEC, &["LBL006"]),
    (crate::catalog::inputs::INPUT_SPEC, &["LOG002", "LOG003"]),
];

/// What the pass found in one file.
#[derive(Default)]
struct FileOut {
    /// The units it found anything in, by rule (a unit without findings or
    /// look-ups is left out).
    units: Vec<(usize, Unit)>,
    rankings: Vec<Ranking>,
    training_writes: Vec<(usize, usize)>,
    profile_writers: Vec<ProfileWriter>,
    stored_classes: Vec<StoredClass>,
    training_flags: Vec<training::Definition>,
    model_classes: Vec<FoundModel>,
    sentry_inits: Vec<(usize, usize)>,
    label_switches: Vec<usize>,
    user_class: Option<usize>,
    taint_setup: Option<FileSetup>,
    moderation_calls: Vec<ModerationSite>,
    /// The first filing-number placeholders' spans (`ShownSearch::file`).
    placeholders: Vec<Span>,
    chat: Option<ChatFound>,
    /// What the file says about log levels, when anything (LOG002/LOG003's
    /// records).
    log_levels: Option<FileLevels>,
    /// Its calls that name what they read (the personal-data seeds).
    call_keys: Vec<(u32, u32, ustr::Ustr)>,
    /// Its consent conditions, when any (PII002).
    consent: Option<FileConsent>,
    /// Its service handlers that are a biometric API (PII002).
    own_apis: Vec<(usize, usize, crate::finding::Location)>,
}

/// A thread's memos, kept from file to file.
#[derive(Default)]
struct Scratch {
    /// Configuration keys matched as training flags.
    config_flags: training::ConfigFlags,
}

/// The findings of every rule of `enabled` that has a per-file part (by
/// its index in `enabled`; `None` for the others, which [`super::run`]
/// runs as jobs).
pub(super) fn run(enabled: &[&'static dyn Rule], cx: &Context<'_>) -> Vec<Option<Vec<Finding>>> {
    let mut done: Vec<Option<Vec<Finding>>> = enabled.iter().map(|_| None).collect();
    let rules: Vec<(usize, &dyn crate::parts::PerFile)> = enabled
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.per_file()?)))
        .collect();
    let reads = |list: &[&str]| enabled.iter().any(|r| list.contains(&r.meta().code));
    let (rankings, training_writes) = (reads(RANKINGS), reads(TRAINING_WRITES));
    let (profile_writers, training_flags) = (reads(PROFILE_WRITERS), reads(TRAINING_FLAGS));
    // The services (paths only), for the stored classes.
    let stored = reads(STORED_CLASSES).then(|| Services::new(cx));
    let (model_classes, sentry_inits) = (reads(MODEL_CLASSES), reads(SENTRY_INITS));
    let label_switches = reads(LABEL_SWITCHES);
    let moderation_calls = reads(MODERATION_CALLS);
    // The service rules read nothing without a public generation endpoint,
    // and each searches only for a duty the config does not declare.
    let public = service::public_generation(cx).is_some();
    let declared = &cx.catalog.service.declared;
    // The duties the service rules look for among the user-facing strings
    // (`service::shows`, `service::filing_placeholders`), each asked by its
    // rule (`Duty::rule`): searched in the pass only when the project serves
    // generation to the public, each unless the config declares it (SVC001
    // asks for its placeholders then too) or, for SVC002, a public route is
    // a complaint channel.
    let asks = |duty: service::Duty| {
        public
            && reads(&[duty.rule()])
            && match duty {
                service::Duty::Filing => true,
                service::Duty::Complaint => {
                    declared.complaint_channel.is_none() && !service::complaint_routed(cx)
                }
                service::Duty::Minors => declared.minors_mode.is_none(),
                service::Duty::AiNotice => declared.ai_notice.is_none(),
            }
    };
    let asked: Vec<service::Duty> = service::Duty::ALL
        .into_iter()
        .filter(|&d| asks(d))
        .collect();
    let shown = (!asked.is_empty()).then(|| ShownSearch::new(cx, &asked));
    let searches_chat = |code: &str| match code {
        "SVC003" => declared.minors_mode.is_none(),
        "SVC004" => declared.ai_notice.is_none(),
        _ => false,
    };
    let chat = (public
        && enabled
            .iter()
            .any(|r| CHAT_UI.contains(&r.meta().code) && searches_chat(r.meta().code)))
    .then(|| ChatSearch::new(cx));
    let minors_names = (public && reads(MINORS_NAMES) && declared.minors_mode.is_none())
        .then(|| minors::account_handlers(cx));
    let user_class = reads(USER_CLASS) && cx.catalog.service.declared.minors_mode.is_none();
    let served = cx.analysis.entry_points.iter().any(|e| !e.kind.is_local());
    let consent = (reads(CONSENT) && served).then(|| biometric::service_handlers(cx));
    let sink_spec = (reads(TRAINING_SINK) && served)
        .then(|| cx.catalog.taint.get(training_data::SPEC))
        .flatten();
    let taint_specs: Vec<&crate::catalog::taint::TaintSpec> = TAINT_SETUP
        .iter()
        .filter(|(_, readers)| reads(readers))
        // LOG002 and LOG003 solve user input only for a project with a
        // generation endpoint.
        .filter(|(spec, _)| {
            *spec != crate::catalog::inputs::INPUT_SPEC
                || cx.analysis.generation_endpoints().next().is_some()
        })
        .filter_map(|(spec, _)| cx.catalog.taint.get(*spec))
        .collect();
    // The records' thresholds (LOG002, LOG003): the records are judged for
    // a project with a generation endpoint only.
    let log_levels = reads(LOG_THRESHOLDS)
        && cx
            .catalog
            .taint
            .contains_key(crate::catalog::inputs::INPUT_SPEC)
        && cx.analysis.generation_endpoints().next().is_some();
    // A sink found: the other files need not be asked (the answer is
    // whether any file has one).
    let sink_found = AtomicBool::new(false);
    // Likewise for a minors term among the names.
    let minors_found = AtomicBool::new(false);
    if rules.is_empty()
        && !rankings
        && !training_writes
        && !profile_writers
        && !training_flags
        && stored.is_none()
        && !model_classes
        && !sentry_inits
        && sink_spec.is_none()
        && !label_switches
        && !user_class
        && taint_specs.is_empty()
        && !moderation_calls
        && shown.is_none()
        && chat.is_none()
        && minors_names.is_none()
        && !log_levels
        && consent.is_none()
    {
        return done;
    }
    let tests = cx.test_files();
    let oo = &cx.catalog.opt_out;
    let gate = &cx.catalog.label_gate;
    let plans: Vec<Option<Plan<'_>>> = rules
        .iter()
        .map(|&(i, rule)| {
            let parts = cx.parts?;
            Some(parts.plan(rule, enabled[i].meta().code, cx))
        })
        .collect();
    let checks: Vec<Box<dyn FileCheck + '_>> =
        rules.iter().map(|(_, rule)| rule.prepare(cx)).collect();
    let per_file: Vec<FileOut> = cx
        .project
        .each_file(Reader::RulesPerFile)
        .par_iter()
        .map_init(Scratch::default, |scratch, (fi, file)| {
            let mut out = FileOut::default();
            for (r, check) in checks.iter().enumerate() {
                if plans[r].as_ref().is_some_and(|p| !p.computes(fi)) {
                    continue;
                }
                let unit = check.check(fi, &file);
                if !unit.is_empty() {
                    out.units.push((r, unit));
                }
            }
            if rankings {
                out.rankings = opt_out::file_rankings(oo, fi, &file);
            }
            if training_writes {
                out.training_writes = training::file_training_writes(oo, fi, &file);
            }
            if profile_writers {
                out.profile_writers = profile::file_profile_writers(oo, fi, &file);
            }
            if let Some(services) = &stored
                && !tests[fi]
            {
                out.stored_classes = stored::file_stored_classes(cx, services, fi, &file);
            }
            if training_flags {
                out.training_flags =
                    training::file_definitions(cx, oo, fi, &file, &mut scratch.config_flags);
            }
            if model_classes {
                out.model_classes = personal_data::file_model_classes(cx, fi, &file);
                out.call_keys = personal_data::file_call_keys(cx, fi, &file);
            }
            if sentry_inits {
                out.sentry_inits = cross_border::file_sentry_inits(fi, &file);
            }
            if label_switches {
                out.label_switches = labels::file_label_switches(gate, &file);
            }
            if user_class && !tests[fi] {
                out.user_class = minors::file_user_class(cx, &file);
            }
            if let Some(spec) = sink_spec
                && !sink_found.load(Ordering::Relaxed)
                && training_data::file_has_sink(cx, spec, fi, &file)
            {
                sink_found.store(true, Ordering::Relaxed);
            }
            if moderation_calls {
                out.moderation_calls = moderation::file_moderation_calls(cx, fi, &file);
            }
            if !tests[fi] {
                if let Some(search) = &shown {
                    out.placeholders = search.file(&file);
                }
                if let Some(search) = &chat {
                    out.chat = search.file(fi, &file);
                }
                if let Some(handlers) = &minors_names
                    && !minors_found.load(Ordering::Relaxed)
                    && minors::file_names_minors(cx, handlers, &file)
                {
                    minors_found.store(true, Ordering::Relaxed);
                }
            }
            if log_levels {
                out.log_levels = FileLevels::of_file(&cx.catalog.records, fi, &file);
            }
            if let Some(handlers) = &consent {
                out.consent = FileConsent::of_file(cx, &file);
                if let Some(here) = handlers.get(&fi) {
                    out.own_apis = biometric::file_own_apis(cx, &file, here);
                }
            }
            if !taint_specs.is_empty() {
                let an = cx.analysis;
                out.taint_setup = Some(an.taint_setup_file(cx.project, &taint_specs, fi, &file));
            }
            out
        })
        .collect();
    drop(checks);
    let mut all_rankings = Vec::new();
    let mut all_writes = Vec::new();
    let mut all_profile_writers = Vec::new();
    let mut all_stored = Vec::new();
    let mut all_flags = Vec::new();
    let mut all_models = Vec::new();
    let mut all_sentry = Vec::new();
    let mut first_user_class = None;
    let mut all_moderation = Vec::new();
    let mut all_label_switches =
        Vec::with_capacity(if label_switches { per_file.len() } else { 0 });
    let mut taint_setup = Vec::with_capacity(if taint_specs.is_empty() {
        0
    } else {
        per_file.len()
    });
    let mut all_placeholders = Vec::new();
    let mut all_chat = Vec::new();
    let mut all_log_levels = Vec::new();
    let mut all_consent = Vec::new();
    let mut all_call_keys = Vec::new();
    let mut all_own_apis = Vec::new();
    let mut by_rule: Vec<Vec<(usize, Unit)>> = rules.iter().map(|_| Vec::new()).collect();
    for (fi, out) in per_file.into_iter().enumerate() {
        for (r, unit) in out.units {
            by_rule[r].push((fi, unit));
        }
        all_rankings.extend(out.rankings);
        all_writes.extend(out.training_writes);
        if !out.profile_writers.is_empty() {
            all_profile_writers.push(out.profile_writers);
        }
        all_stored.extend(out.stored_classes);
        all_flags.extend(out.training_flags);
        all_models.extend(out.model_classes);
        all_sentry.extend(out.sentry_inits);
        if label_switches {
            all_label_switches.push(out.label_switches);
        }
        taint_setup.extend(out.taint_setup);
        all_moderation.extend(out.moderation_calls);
        if first_user_class.is_none() {
            first_user_class = out.user_class.map(|ci| (fi, ci));
        }
        all_placeholders.extend(out.placeholders.into_iter().map(|s| (fi, s)));
        all_chat.extend(out.chat.map(|c| (fi, c)));
        all_log_levels.extend(out.log_levels);
        all_consent.extend(out.consent.map(|c| (fi, c)));
        all_call_keys.extend(out.call_keys);
        all_own_apis.extend(out.own_apis);
    }
    if rankings {
        let _ = cx.shared.rankings.set(all_rankings);
    }
    if training_writes {
        let _ = cx.shared.training_writes.set(all_writes);
    }
    if profile_writers {
        let first = profile::first_profile_writers(all_profile_writers);
        let _ = cx.shared.profile_writers.set(first);
    }
    if stored.is_some() {
        cx.shared.stored_classes.set(all_stored);
    }
    if training_flags {
        let _ = cx.shared.training_flags.set(all_flags);
    }
    if model_classes {
        cx.shared.model_classes.set(all_models);
        let _ = cx
            .shared
            .call_keys
            .set(personal_data::CallKeys(all_call_keys));
    }
    if sentry_inits {
        let _ = cx.shared.sentry_inits.set(all_sentry);
    }
    if label_switches {
        cx.shared.label_switches.set(all_label_switches);
    }
    if user_class {
        let _ = cx.shared.user_class.set(first_user_class);
    }
    if sink_spec.is_some() {
        let _ = cx.shared.training_sink.set(sink_found.into_inner());
    }
    if moderation_calls {
        let _ = cx.shared.moderation_calls.set(all_moderation);
    }
    if !taint_specs.is_empty() {
        cx.analysis.keep_taint_setup(&taint_specs, taint_setup);
    }
    if log_levels {
        let thresholds = Thresholds::of_files(&cx.catalog.records, all_log_levels);
        let _ = cx.shared.log_thresholds.set(thresholds);
    }
    if consent.is_some() {
        let kept = biometric::ConsentFiles::of_files(all_consent, all_own_apis);
        let _ = cx.shared.consent.set(kept);
    }
    if shown.is_some() || chat.is_some() || minors_names.is_some() {
        cx.shared.service.set(service::ServiceShared::from_pass(
            shown.map(|search| search.finish(all_placeholders)),
            chat.is_some().then_some(all_chat),
            minors_names.is_some().then(|| minors_found.into_inner()),
        ));
    }
    for ((r, units), plan) in by_rule.into_iter().enumerate().zip(plans) {
        let i = rules[r].0;
        done[i] = Some(match (plan, cx.parts) {
            (Some(plan), Some(parts)) => {
                let mut units = units.into_iter().peekable();
                parts.finish(plan, |fi| match units.next_if(|(f, _)| *f == fi) {
                    Some((_, unit)) => unit,
                    None => Unit::default(),
                })
            }
            _ => units.into_iter().flat_map(|(_, u)| u.findings).collect(),
        });
    }
    done
}

//! The rules' per-file phase (issue 19, target 3, stage 2b): one pass over
//! the files on the thread pool at the start of [`super::run`], each file
//! read once, running every enabled rule's per-file part on it
//! ([`crate::parts::PerFile`]: LBL004, LBL005, LBL007, MOD001, LOG001).
//! Before it each of them looped over every file on its own. The pass also
//! makes the per-file selections that several rules share, when an enabled
//! rule reads them: the calls that rank content per user (the opt-out
//! rules, SVC003) and the calls named as training writes (OPT003, PII004),
//! so that those rules no longer loop over every file for them.
//!
//! The pass is indexed by file and collected in file order, so a rule's
//! findings are its files' findings in file order, as its `check` gives
//! them, whatever the number of threads. With per-file parts from the
//! cache (`Context::parts`) a file's unit is computed only when its stored
//! part cannot be reused ([`crate::parts::Parts::plan`]).

use rayon::prelude::*;

use super::opt_out::training_opt_out_broken as training;
use super::opt_out::{self, Ranking};
use super::{Context, Rule};
use crate::analysis::Reader;
use crate::finding::Finding;
use crate::parts::{FileCheck, Plan, Unit};

/// The rules that read the shared rankings (`opt_out::shared_rankings`):
/// the pass makes them when one of these is enabled. A reader missing here
/// still gets them, made on a loop of its own when first asked.
///
/// Not the switch sites (`opt_out::shared_switches`): OPT001 and OPT002 ask
/// for them only when the project has rankings, which most have not, and
/// made in the pass they would cost a look at every file's assignments,
/// arguments and configuration in every scan.
const RANKINGS: &[&str] = &["OPT001", "OPT002", "OPT004", "SVC003"];

/// The rules that read the calls named as training writes
/// (`training_opt_out_broken::training_writes`), likewise.
const TRAINING_WRITES: &[&str] = &["OPT003", "PII004"];

/// What the pass found in one file.
#[derive(Default)]
struct FileOut {
    /// The units it found anything in, by rule (a unit without findings or
    /// look-ups is left out).
    units: Vec<(usize, Unit)>,
    rankings: Vec<Ranking>,
    training_writes: Vec<(usize, usize)>,
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
    if rules.is_empty() && !rankings && !training_writes {
        return done;
    }
    let oo = &cx.catalog.opt_out;
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
        .map(|(fi, file)| {
            let mut out = FileOut::default();
            for (r, check) in checks.iter().enumerate() {
                if plans[r].as_ref().is_some_and(|p| !p.computes(fi)) {
                    continue;
                }
                let unit = check.check(fi, file);
                if !unit.is_empty() {
                    out.units.push((r, unit));
                }
            }
            if rankings {
                out.rankings = opt_out::file_rankings(oo, fi, file);
            }
            if training_writes {
                out.training_writes = training::file_training_writes(oo, fi, file);
            }
            out
        })
        .collect();
    drop(checks);
    let mut all_rankings = Vec::new();
    let mut all_writes = Vec::new();
    let mut by_rule: Vec<Vec<(usize, Unit)>> = rules.iter().map(|_| Vec::new()).collect();
    for (fi, out) in per_file.into_iter().enumerate() {
        for (r, unit) in out.units {
            by_rule[r].push((fi, unit));
        }
        all_rankings.extend(out.rankings);
        all_writes.extend(out.training_writes);
    }
    if rankings {
        let _ = cx.shared.rankings.set(all_rankings);
    }
    if training_writes {
        let _ = cx.shared.training_writes.set(all_writes);
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

//! MOD004 moderation-hit-unrecorded: the branch taken when a moderation
//! check flags content ends the request without logging the hit.

use std::collections::BTreeSet;

use serde_json::json;

use crate::analysis::Reader;
use crate::analysis::callgraph::{NodeId, PlacedSite, SinkSet, Site};
use crate::facts::{Call, Condition, FileFacts};
use crate::finding::{Finding, Level, Location};
use crate::qname::OptionQName;
use crate::rules::logs::records;
use crate::rules::moderation::sites::{Moderation, Verdict, verdict_and_tests};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct ModerationHitUnrecorded;

static META: RuleMeta = RuleMeta {
    code: "MOD004",
    name: "moderation-hit-unrecorded",
    category: Category::Moderation,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-GAI-14", "CN-DSP-10"],
    summary: "A moderation hit ends the request without being logged.",
    security_severity: "2.0",
    doc: r#"
## What it does
Looks at each moderation check (the calls MOD002 knows, in code that a
service entry point reaches) whose verdict is tested in an `if` or a
conditional expression. When a branch of that test ends the request — it
returns, or calls `abort` or an `...Error`/`...Exception` class, as a refusal
does (in Rust, returns an `Err`) — and neither that branch nor any project function it calls makes a
logging call at info level or above (`logging`, `loguru`, or a logger named
`*log*`; in Rust, the `tracing` and `log` macros) nor any other record LOG002
counts (a database write, an append to a file, an audit helper), the test
is reported. A logging call in the same function that
records the verdict itself also counts.

## Why is this bad?
On finding illegal content or illegal use, a provider must handle it, keep
records and report it. A refusal that leaves no trace cannot be reported,
audited or used to act against a user who keeps trying.

## Example
```python
verdict = client.moderations.create(input=prompt)
if verdict.results[0].flagged:
    raise HTTPException(400, "refused")
```

Use instead:
```python
verdict = client.moderations.create(input=prompt)
if verdict.results[0].flagged:
    audit.warning("moderation hit", extra={"user": user.id, "categories": verdict.results[0].categories})
    raise HTTPException(400, "refused")
```

## Known problems
Which branch is the "flagged" one is not worked out from the test: the
branch that ends the request is taken to be the refusal. A `raise` of an
exception that is not named `...Error`/`...Exception` is not seen as ending
the request. A record made by an outside audit service the project only
calls over HTTP is not recognised.
"#,
};

// `Err(...)`: a Rust handler refuses by returning an error.
const EXIT_CALLS: [&str; 3] = ["abort", "HTTPException", "Err"];
const LOG_METHODS: [&str; 8] = [
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "log",
    "success",
];

impl Rule for ModerationHitUnrecorded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let moderation = Moderation::shared(cx);
        if moderation.is_empty() {
            return;
        }
        let an = cx.analysis;
        let project = cx.project;
        // Code that a service entry point runs.
        let served: BTreeSet<NodeId> = an
            .entry_points
            .iter()
            .zip(&an.reach)
            .filter(|(e, _)| !e.kind.is_local())
            .flat_map(|(_, r)| r.nodes.iter().copied())
            .collect();
        let logs = log_sinks(cx);
        let mut reported = BTreeSet::new();
        for s in &moderation.sites {
            if s.verdict != Verdict::Read || !served.contains(&s.node) {
                continue;
            }
            let file = project.file(s.site.file, Reader::RulesModeration);
            let (_, tests) = verdict_and_tests(&file, s.site.call);
            for k in tests {
                if !reported.insert((s.site.file, k)) {
                    continue;
                }
                let cond = &file.conditions[k];
                let Some((branch, how)) = unrecorded_exit(cx, &logs, s.site.file, cond) else {
                    continue;
                };
                let call = &file.calls[s.site.call];
                let mut f = Finding::new(
                    META.code,
                    META.default_level,
                    format!(
                        "when `{}` flags content, this branch {how} without logging the hit",
                        call.callee
                    ),
                    Location {
                        path: file.path.as_str().into(),
                        span: cond.span,
                    },
                );
                f.related = vec![
                    moderation.related(
                        cx,
                        moderation_index(&moderation, s.site),
                        "gives the verdict tested here",
                    ),
                    crate::finding::Related {
                        location: Location {
                            path: file.path.as_str().into(),
                            span: branch,
                        },
                        message: format!("{how}, with no logging call").into(),
                    },
                ];
                f.properties
                    .insert("api", json!(cx.catalog.moderation[s.api].id));
                out.push(f);
            }
        }
    }
}

fn moderation_index(m: &Moderation, site: Site) -> usize {
    m.sites.iter().position(|s| s.site == site).unwrap_or(0)
}

/// Every logging call of the project at info level or above, as sinks.
fn log_sinks(cx: &Context<'_>) -> SinkSet {
    let mut sites = Vec::new();
    for (fi, file) in cx.project.each_file(Reader::RulesModeration).iter() {
        for (ci, call) in file.calls.iter().enumerate() {
            let site = Site { file: fi, call: ci };
            if is_log(call) || records::writes(cx, site) {
                sites.push((sites.len(), PlacedSite::of(fi, ci, call)));
            }
        }
    }
    cx.analysis.graph.sink_set(sites)
}

/// A logging call at info level or above: `logging` and `loguru` by
/// resolved name, or any logger whose name says so (`logger.warning`);
/// in Rust, the `tracing` and `log` macros.
fn is_log(call: &Call) -> bool {
    let callee = call.callee.as_str();
    // Rust's `tracing` and `log` macros, by resolved name (`warn!` after
    // `use tracing::warn` is `tracing.warn`).
    if let Some((krate, level)) = call.resolved.as_name().and_then(|r| r.rsplit_once('.'))
        && matches!(krate, "tracing" | "log")
    {
        return LOG_METHODS.contains(&level);
    }
    let Some((head, method)) = callee.rsplit_once('.') else {
        return false;
    };
    if !LOG_METHODS.contains(&method) {
        return false;
    }
    let resolved = call.resolved.as_name().unwrap_or("");
    resolved.starts_with("logging.")
        || resolved.starts_with("loguru.")
        || resolved.starts_with("structlog.")
        || head.to_ascii_lowercase().contains("log")
}

/// The first branch of `cond` that ends the request with no logging call
/// in it or in what it calls, with how it ends; `None` when every exit
/// logs, or the function logs the tested value itself.
fn unrecorded_exit(
    cx: &Context<'_>,
    logs: &SinkSet,
    fi: usize,
    cond: &Condition,
) -> Option<(Span, &'static str)> {
    let file = cx.project.file(fi, Reader::RulesModeration);
    if logs_tested_value(&file, cond) {
        return None;
    }
    let branches = std::iter::once(cond.then).chain(cond.orelse);
    for branch in branches {
        let in_branch =
            |scope: &Option<ustr::Ustr>, span: &Span| *scope == cond.scope && branch.contains(span);
        let returns = file.returns.iter().any(|r| in_branch(&r.scope, &r.span));
        let raises = file
            .calls
            .iter()
            .any(|c| in_branch(&c.scope, &c.span) && is_exit(c));
        if !returns && !raises {
            continue;
        }
        let logged = file.calls_in(branch.start_byte..branch.end_byte).any(|ci| {
            let call = &file.calls[ci];
            is_log(call)
                || records::writes(cx, Site { file: fi, call: ci })
                || cx
                    .analysis
                    .graph
                    .targets_at(Site { file: fi, call: ci })
                    .iter()
                    .any(|&(t, _)| !cx.analysis.graph.reach(t, logs).sinks.is_empty())
        });
        if !logged {
            return Some((branch, if raises { "refuses" } else { "returns" }));
        }
    }
    None
}

/// `abort(...)`, `HTTPException(...)`, `gr.Error(...)`, `ValueError(...)`,
/// Rust's `Err(...)`: what a refusal raises, calls or returns.
fn is_exit(call: &Call) -> bool {
    let last = call.callee.rsplit('.').next().unwrap_or("");
    EXIT_CALLS.contains(&last) || last.ends_with("Error") || last.ends_with("Exception")
}

/// A logging call in the condition's function that reads what it tests.
fn logs_tested_value(file: &FileFacts, cond: &Condition) -> bool {
    file.calls.iter().any(|c| {
        c.scope == cond.scope
            && is_log(c)
            && c.args.iter().any(|a| {
                let mut names = Vec::new();
                a.value.reads(&mut names);
                names.iter().any(|n| cond.names.contains(n))
            })
    })
}

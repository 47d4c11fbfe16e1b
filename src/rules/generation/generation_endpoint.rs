//! GEN002 generation-endpoint: an entry point (route, UI handler, script)
//! whose code reaches a generation call, across modules.

use std::collections::BTreeSet;

use serde_json::json;

use crate::analysis::callgraph::{Reached, Site, Via};
use crate::analysis::entrypoints::{EntryPoint, Handler};
use crate::analysis::{Reader, generation, hops};
use crate::facts::{Call, Receiver};
use crate::finding::{Finding, Level, Location, MAX_FLOW_STEPS, Related, shown_steps};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;
use ustr::Ustr;

pub struct GenerationEndpoint;

static META: RuleMeta = RuleMeta {
    code: "GEN002",
    name: "generation-endpoint",
    category: Category::Generation,
    default_level: Level::Note,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-GAI-17", "CN-DSP-19", "CN-ARP-24", "CN-GAI-22"],
    summary: "An endpoint, UI handler or script whose code reaches a generation call.",
    security_severity: "0.0",
    doc: r#"
## What it does
Reports each entry point of the program once — an HTTP or websocket route
(FastAPI, Flask, Django, aiohttp, Tornado), a Gradio handler, a Streamlit
script, a command-line entry point — when the code it runs reaches a call that
generates text, images, audio or video, following calls across modules and
requests to the project's own services (an HTTP call to `{worker}/generate`
that a route of another module serves, a gRPC stub call that a servicer class
implements), also from one language to another: a Rust router's tonic client
calling an rpc of the project's `.proto` that a Python servicer implements.
The finding sits on the route registration; the generation calls are related
locations and the call chain is a code flow.

## Why is this bad?
It is not bad in itself: it is the map every other duty hangs on. A service
that lets others generate content through a route, an API or a UI is a
generative AI provider. Services with public-opinion attributes need a
security assessment and algorithm filing, and the filing describes exactly
these endpoints: what they generate, with which model, from which provider.
Labeling, logging and moderation duties apply to what these endpoints return.

## Example
```python
@app.post("/stories")                      # GEN002: POST /stories generates text
async def create_story(body: dict):
    return {"story": await write_story(body["topic"])}
```

Use instead: nothing to change here. Record the endpoint in your filing
material (`synthlint inventory` lists them all) and make sure its output is
labeled, its inputs logged and its content moderated. Entry points of kind
`cli` are local tools, not services; silence them in configuration if they are
never deployed.

An entry point that reaches only the project's own models (inferred
generation, see GEN001) is reported with `evidence: "inferred"` and
`precision: "medium"`, and the message says why the call was taken for
generation; one that reaches a catalogued call is `observed`.

## Known problems
Calls made through objects whose type is only known at run time (plugin
registries, `getattr`, dependency injection containers, models chosen from
configuration files) are not followed, so such endpoints can be missed. Lambdas
passed as UI handlers are not followed. A request reaches the project's own
route only when its URL ends in a literal path that the route's whole path
ends; a base URL that carries part of the path (`base = host + "/api"`) is not
joined.
"#,
};

impl Rule for GenerationEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        for (_, entry, reached) in an.generation_endpoints() {
            let mut content = BTreeSet::new();
            let mut providers = BTreeSet::new();
            let mut models = BTreeSet::new();
            let mut related = Vec::new();
            for r in reached {
                let site = &an.sites[r.sink];
                content.extend(site.content.iter().copied());
                providers.insert((site.provider.clone(), site.jurisdiction.as_str()));
                models.extend(site.model.clone());
                related.push(Related {
                    location: Location {
                        path: cx.project.path(site.file).into(),
                        span: site.at.span,
                    },
                    message: format!(
                        "generates {} via `{}` ({}, {}){}",
                        generation::content_label(&site.content),
                        site.callee(),
                        site.provider,
                        site.jurisdiction.as_str(),
                        site.inferred
                            .as_ref()
                            .map(|r| format!("; inferred: {r}"))
                            .unwrap_or_default()
                    )
                    .into(),
                });
            }
            let content: Vec<_> = content.into_iter().collect();
            let flow = endpoint_flow(cx, entry, &reached[0]);
            let provider_list: Vec<String> = providers
                .iter()
                .map(|(p, j)| format!("{p} ({j})"))
                .collect();
            let mut message = format!(
                "{} serves generated {} ({})",
                entry.describe(),
                generation::content_label(&content),
                provider_list.join(", ")
            );
            let enhancement_only = reached.iter().all(|r| an.sites[r.sink].api.enhancement);
            if let Some(e) = first_hop(cx, &reached[0]) {
                message += &format!(
                    "; through a request to {}",
                    hops::describe_hop(&an.entry_points[e])
                );
            }
            if enhancement_only {
                message += "; enhancement or restoration only";
            }
            // Inferred only when no catalogue site is reached.
            let observed = reached.iter().find(|r| an.sites[r.sink].inferred.is_none());
            let evidence_site = &an.sites[observed.unwrap_or(&reached[0]).sink];
            if let Some(reason) = &evidence_site.inferred {
                message += &format!("; inferred: {reason}");
            }
            if entry.kind.is_local() {
                message += "; local entry point, not a service";
            } else if !entry.exposure.is_empty() {
                message += &format!("; exposed: {}", entry.exposure.join(", "));
            }
            let mut f = Finding::new(
                META.code,
                META.default_level,
                message,
                entry.location.clone(),
            );
            f.symbol = match &entry.handler {
                Handler::Function { qualname, .. } => Some(qualname.as_str().into()),
                _ => None,
            };
            f.related = related;
            f.flow = flow;
            f.properties.insert("entryKind", json!(entry.kind));
            f.properties.insert("framework", json!(entry.framework));
            f.properties.insert("methods", json!(entry.methods));
            f.properties.insert("route", json!(entry.route));
            f.properties.insert("public", json!(entry.public));
            f.properties.insert("contentTypes", json!(content));
            f.properties.insert("providers", json!(provider_list));
            f.properties.insert("models", json!(models));
            if enhancement_only {
                f.properties.insert("enhancementOnly", json!(true));
            }
            super::generation_call::insert_evidence(&mut f, evidence_site);
            out.push(f);
        }
    }
}

/// The first hop to one of the project's own services on a call path.
fn first_hop(cx: &Context<'_>, reached: &Reached) -> Option<usize> {
    reached
        .path
        .windows(2)
        .find_map(|w| hops::hop_at(cx.project, &cx.analysis.graph, w[0], w[1]))
}

/// An endpoint's code flow: the entry point, then each call on the way to
/// the generation call `first` reaches (rules on endpoints share it). Long
/// chains keep their first and last calls around a step that says how many
/// were left out (output per finding is bounded, `Finding::bound`), and only
/// the steps shown are built.
pub fn endpoint_flow(cx: &Context<'_>, entry: &EntryPoint, first: &Reached) -> Vec<Related> {
    let steps = cx.flow_steps();
    let location = |i: usize| {
        let s = first.path[i];
        Location {
            path: cx.project.path(s.file).into(),
            span: steps.step(cx, s).span,
        }
    };
    let mut flow = vec![Related {
        location: entry.location.clone(),
        message: format!("entry point {}", entry.describe()).into(),
    }];
    // The last step is the generation call: its site keeps the call's
    // span and callee, so its file is not read again.
    let sink = &cx.analysis.sites[first.sink];
    let sink_step = first.path.len().checked_sub(1).filter(|&last| {
        first.path[last]
            == Site {
                file: sink.file,
                call: sink.call,
            }
    });
    let (head, tail) = shown_steps(first.path.len(), MAX_FLOW_STEPS - 1);
    for i in head.clone().chain(tail.clone()) {
        if i == tail.start && tail.start > head.end {
            flow.push(Related {
                location: location(head.end),
                message: format!("… {} more steps not shown", tail.start - head.end).into(),
            });
        }
        if sink_step == Some(i) {
            flow.push(Related {
                location: Location {
                    path: cx.project.path(sink.file).into(),
                    span: sink.at.span,
                },
                message: format!("generation call `{}`", sink.at.callee).into(),
            });
            continue;
        }
        let s = first.path[i];
        let call = steps.step(cx, s);
        let deferred = crate::lang::semantics(cx.project.language(s.file))
            .deferred_calls
            .iter()
            .any(|m| call.callee.rsplit('.').next() == Some(*m));
        // A queue's worker, or a task function run by a worker (`.delay`).
        let queued = i + 1 < first.path.len()
            && cx
                .analysis
                .graph
                .targets_at(s)
                .iter()
                .any(|(_, via)| *via == Via::Queue || (deferred && *via == Via::Argument));
        let message = match call.receiver {
            Receiver::Name(task) if queued && deferred => {
                format!("sent to a worker as the task `{task}`")
            }
            Receiver::Name(queue) if queued => {
                format!("handed to the worker through `{queue}`")
            }
            _ if i + 1 == first.path.len() => format!("generation call `{}`", call.callee),
            _ => format!("calls `{}`", call.callee),
        };
        let hop = first
            .path
            .get(i + 1)
            .and_then(|&next| hops::hop_at(cx.project, &cx.analysis.graph, s, next));
        let message = match hop {
            Some(e) => format!(
                "`{}` sends a request to {}",
                call.callee,
                hops::describe_hop(&cx.analysis.entry_points[e])
            ),
            None => message,
        };
        flow.push(Related {
            location: location(i),
            message: message.into(),
        });
    }
    flow
}

/// What a code flow shows of a call on the way to the generation call.
#[derive(Debug, Clone, Copy)]
pub struct FlowStep {
    span: Span,
    callee: Ustr,
    receiver: Receiver,
}

impl FlowStep {
    fn of(call: &Call) -> FlowStep {
        FlowStep {
            span: call.span,
            callee: call.callee,
            receiver: call.receiver,
        }
    }
}

/// The calls that the endpoints' code flows show (each entry point's first
/// call path, the steps [`shown_steps`] keeps), read in one pass over their
/// files: with the facts stored, the five rules that show a flow would
/// otherwise each read every file on every path again. Sorted by site; a
/// step not here (a path of PII002's own walk) is read from its file.
/// 56 bytes a step (site, span, callee, receiver).
#[derive(Debug, Default)]
pub struct FlowSteps {
    steps: Vec<(Site, FlowStep)>,
}

impl FlowSteps {
    pub fn of(cx: &Context<'_>) -> FlowSteps {
        let an = cx.analysis;
        let mut sites: Vec<Site> = Vec::new();
        for first in an.reach.iter().filter_map(|r| r.sinks.first()) {
            let sink = &an.sites[first.sink];
            let (head, tail) = shown_steps(first.path.len(), MAX_FLOW_STEPS - 1);
            // The elided steps' marker is placed at the first step left out.
            let marker = (tail.start > head.end).then_some(head.end);
            for i in head.chain(tail).chain(marker) {
                let s = first.path[i];
                let is_sink =
                    i + 1 == first.path.len() && s.file == sink.file && s.call == sink.call;
                if !is_sink {
                    sites.push(s);
                }
            }
        }
        sites.sort_unstable();
        sites.dedup();
        let mut steps = Vec::with_capacity(sites.len());
        for group in sites.chunk_by(|a, b| a.file == b.file) {
            let file = cx.project.file(group[0].file, Reader::RulesGeneration);
            steps.extend(
                group
                    .iter()
                    .map(|&s| (s, FlowStep::of(&file.calls[s.call]))),
            );
        }
        FlowSteps { steps }
    }

    fn step(&self, cx: &Context<'_>, site: Site) -> FlowStep {
        match self.steps.binary_search_by(|(s, _)| s.cmp(&site)) {
            Ok(i) => self.steps[i].1,
            Err(_) => {
                FlowStep::of(&cx.project.file(site.file, Reader::RulesGeneration).calls[site.call])
            }
        }
    }
}

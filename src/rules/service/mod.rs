//! Service-level duties (SVC): what a public generation service shows its
//! users — a filing number, a way to report or complain, a minors mode,
//! a notice that they interact with an AI. The terms are data
//! (`service.toml`); these rules look for them among user-facing strings
//! ([`shown`]) and report their absence once per project, at the main
//! template or the entry point. `[service]` in the config declares a duty
//! met outside the repository.

pub mod ai_notice_missing;
pub mod complaint_channel_missing;
pub mod filing_number_missing;
pub mod minors_mode_missing;

use rayon::prelude::*;

use crate::analysis::entrypoints::EntryPoint;
use crate::analysis::frontend;
use crate::facts::{Language, UiKind};
use crate::finding::{Location, Related};
use crate::lang::markup::reads_as_link;
use crate::qname::OptionQName;
use crate::rules::Context;
use crate::source::Span;

/// One string a user may see or follow.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'p> {
    pub file: usize,
    pub text: &'p str,
    pub kind: UiKind,
    pub span: Span,
}

/// Whether any user-facing string of the project, outside test paths,
/// satisfies `pred`: markup strings, the string values of translation
/// catalogues (JSON/YAML files whose path says so) and string literals of
/// code, docstrings left out (which Gradio, Streamlit and server-rendered
/// pages show), less prompts, which are written for a model
/// (`prompt_texts`, `prompt_names`). With `config`, the string values of
/// every configuration file too (where a filing number is set).
pub fn any_shown<'p>(
    cx: &Context<'p>,
    config: bool,
    pred: impl Fn(&Shown<'p>) -> bool + Sync,
) -> bool {
    // File by file, on the pool (each rule went through every string of
    // 10k files on one core), and never gathered in one list (on 10k files
    // that list was ~30 MB, held by up to four rules at once).
    shown_files(cx).any(|(fi, f)| shown_in(cx, fi, f, config).iter().any(&pred))
}

/// `per_file` of each file's user-facing strings ([`any_shown`]), for every
/// file outside test paths, in file order; files on the pool.
pub fn map_shown<'p, R: Send>(
    cx: &Context<'p>,
    config: bool,
    per_file: impl Fn(Vec<Shown<'p>>) -> R + Sync,
) -> Vec<R> {
    shown_files(cx)
        .map(|(fi, f)| per_file(shown_in(cx, fi, f, config)))
        .collect()
}

/// The files outside test paths, with their index, on the pool.
fn shown_files<'c, 'p: 'c>(
    cx: &'c Context<'p>,
) -> impl ParallelIterator<Item = (usize, &'p crate::facts::FileFacts)> + 'c {
    let project: &'p crate::analysis::Project = cx.project;
    let tests = &cx.catalog.entrypoints.test_paths;
    project
        .files
        .par_iter()
        .enumerate()
        .filter(move |(_, f)| !tests.is_match(f.path.as_str()))
}

/// The user-facing strings of one file ([`any_shown`]).
fn shown_in<'p>(
    cx: &Context<'p>,
    fi: usize,
    f: &'p crate::facts::FileFacts,
    config: bool,
) -> Vec<Shown<'p>> {
    let sv = &cx.catalog.service;
    let mut out = Vec::new();
    match f.language {
        Language::Markup => out.extend(
            f.ui_strings
                .iter()
                .filter(|s| !(s.kind == UiKind::Text && sv.prompt_texts.is_match(&s.text)))
                .map(|s| Shown {
                    file: fi,
                    text: s.text.as_str(),
                    kind: s.kind,
                    span: s.span,
                }),
        ),
        Language::Python | Language::Rust => {
            let prompts = prompt_spans(cx, fi);
            out.extend(
                f.strings
                    .iter()
                    .filter(|s| !s.bare && !sv.prompt_texts.is_match(&s.value))
                    .filter(|s| !prompts.iter().any(|p| p.contains(&s.span)))
                    .map(|s| Shown {
                        file: fi,
                        text: s.value.as_str(),
                        kind: if reads_as_link(&s.value) {
                            UiKind::Link
                        } else {
                            UiKind::Text
                        },
                        span: s.span,
                    }),
            )
        }
        Language::Json | Language::Yaml if config || sv.is_i18n(&f.path) => {
            out.extend(f.config.iter().filter_map(|e| {
                Some(Shown {
                    file: fi,
                    text: e.value.as_str()?,
                    kind: UiKind::Text,
                    span: e.value_span,
                })
            }))
        }
        _ if config => out.extend(f.config.iter().filter_map(|e| {
            Some(Shown {
                file: fi,
                text: e.value.as_str()?,
                kind: UiKind::Text,
                span: e.value_span,
            })
        })),
        _ => {}
    }
    out
}

/// Where a file of code holds prompts: the values of assignments to, and
/// keyword arguments named like, a prompt (`SYSTEM_PROMPT = "…"`,
/// `Conversation(system_message="…")`). Text for a model, not for users.
fn prompt_spans(cx: &Context<'_>, fi: usize) -> Vec<Span> {
    let names = &cx.catalog.service.prompt_names;
    let f = &cx.project.files[fi];
    let mut out: Vec<Span> = f
        .assignments
        .iter()
        .filter(|a| names.is_match(&a.target))
        .map(|a| a.span)
        .collect();
    out.extend(f.calls.iter().flat_map(|c| {
        c.args
            .iter()
            .filter(|a| a.keyword.is_some_and(|k| names.is_match(&k)))
            .map(|a| a.span)
    }));
    out
}

/// The first public endpoint that reaches a generation call: the rules
/// apply to services that generate for the public.
pub fn public_generation<'p>(cx: &Context<'p>) -> Option<&'p EntryPoint> {
    cx.analysis
        .generation_endpoints()
        .map(|(_, e, _)| e)
        .find(|e| e.public)
}

/// Where a page-wide finding points: the main template (by file name,
/// `index.html`, `base.html`, `App.vue`; the shortest path first) at its
/// first text, else the endpoint.
pub fn anchor(cx: &Context<'_>, entry: &EntryPoint) -> Location {
    let sv = &cx.catalog.service;
    let tests = &cx.catalog.entrypoints.test_paths;
    let main = cx
        .project
        .files
        .iter()
        .filter(|f| f.language == Language::Markup)
        .filter(|f| sv.main_templates.is_match(&f.path) && !tests.is_match(f.path.as_str()))
        .min_by_key(|f| (f.path.matches('/').count(), f.path.clone()));
    match main {
        // At its first text (the page title, usually).
        Some(f) => Location {
            path: f.path.clone(),
            span: f
                .ui_strings
                .iter()
                .find(|s| s.kind == UiKind::Text)
                .or(f.ui_strings.first())
                .map_or(
                    Span {
                        start_line: 1,
                        end_line: 1,
                        start_byte: 0,
                        end_byte: 0,
                    },
                    |s| s.span,
                ),
        },
        None => entry.location.clone(),
    }
}

/// The endpoint, as a related location.
pub fn endpoint_related(entry: &EntryPoint) -> Related {
    Related {
        location: entry.location.clone(),
        message: format!("serves generation to the public: {}", entry.describe()),
    }
}

/// Where the project shows a chat UI, from what its code does, strongest
/// evidence first: a catalogued chat component call (Gradio `Chatbot`,
/// Streamlit `chat_message`, `streamlit_chatbox.ChatBox`, also through
/// `from m import *`); a front end that imports a chat UI package; a
/// template element named as a chat box; a front end that requests a
/// public generation route named for a conversation (`/api/chat`), or
/// any public generation route while keeping a role-tagged message list
/// (`role: "assistant"`); a component (`.jsx`, `.tsx`, `.vue`, `.svelte`)
/// that keeps one. File, span and what was seen.
pub fn chat_ui(cx: &Context<'_>) -> Option<(usize, Span, String)> {
    let sv = &cx.catalog.service;
    // Each kind of evidence looked for in every file on the pool, the first
    // file in path order kept.
    let files = || shown_files(cx);
    let called = files().find_map_first(|(fi, f)| {
        // `from streamlit_chatbox import *`: a bare callee may be any of
        // those modules' names.
        let stars: Vec<&str> = f
            .imports
            .iter()
            .filter(|i| i.local == "*" && i.level == 0)
            .map(|i| i.target.as_str())
            .collect();
        f.calls.iter().find_map(|c| {
            let hit = [c.resolved.as_name(), c.imported().as_name()]
                .into_iter()
                .flatten()
                .any(|n| sv.chat_calls.is_match(n))
                || (c.resolved.as_name().is_none()
                    && !c.callee.contains('.')
                    && stars
                        .iter()
                        .any(|m| sv.chat_calls.is_match(&format!("{m}.{}", c.callee))));
            hit.then(|| (fi, c.span, format!("`{}`", c.callee)))
        })
    });
    if called.is_some() {
        return called;
    }
    let first = |kind: UiKind, set: &regex::RegexSet| {
        files().find_map_first(|(fi, f)| {
            f.ui_strings
                .iter()
                .find(|s| s.kind == kind && set.is_match(&s.text))
                .map(|s| (fi, s))
        })
    };
    if let Some((fi, s)) = first(UiKind::Import, &sv.chat_packages) {
        return Some((fi, s.span, format!("the chat UI package `{}`", s.text)));
    }
    if let Some((fi, s)) = first(UiKind::Name, &sv.chat_markers) {
        return Some((fi, s.span, format!("the element `{}`", s.text)));
    }
    let keeps_roles = |f: &crate::facts::FileFacts| {
        f.ui_strings
            .iter()
            .any(|s| s.kind == UiKind::Role && sv.chat_roles.is_match(&s.text))
    };
    let generation: Vec<&EntryPoint> = cx
        .analysis
        .generation_endpoints()
        .map(|(_, e, _)| e)
        .filter(|e| e.public)
        .collect();
    let requested = files()
        .filter(|(_, f)| frontend::is_front_end(f))
        .find_map_first(|(fi, f)| {
            generation.iter().find_map(|e| {
                let chatty = e
                    .route
                    .as_deref()
                    .is_some_and(|r| sv.chat_routes.is_match(r));
                let s = frontend::requests(f, e).next()?;
                (chatty || keeps_roles(f)).then(|| {
                    (
                        fi,
                        s.span,
                        format!("a page that requests `{}`", e.describe()),
                    )
                })
            })
        });
    if requested.is_some() {
        return requested;
    }
    const COMPONENTS: [&str; 4] = [".jsx", ".tsx", ".vue", ".svelte"];
    files()
        .filter(|(_, f)| COMPONENTS.iter().any(|x| f.path.ends_with(x)))
        .find_map_first(|(fi, f)| {
            f.ui_strings
                .iter()
                .find(|s| s.kind == UiKind::Role && sv.chat_roles.is_match(&s.text))
                .map(|s| {
                    (
                        fi,
                        s.span,
                        format!("a component that lists messages with the role `{}`", s.text),
                    )
                })
        })
}

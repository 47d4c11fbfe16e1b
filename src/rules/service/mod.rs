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

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::analysis::entrypoints::EntryPoint;
use crate::analysis::frontend;
use crate::analysis::{FileRef, Reader};
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

/// What the service rules share, worked out once per scan, each part on
/// first use, and freed after the last of them ([`crate::rules::Held`]):
/// each file's user-facing strings (the four rules went through every
/// string of the project each) and the chat UI (SVC003 and SVC004 looked
/// for it each). Computed on plain threads
/// ([`crate::analysis::map_indices`]): rules wait for it.
#[derive(Default)]
pub struct ServiceShared {
    shown: OnceLock<Vec<FileShown>>,
    chat: OnceLock<Option<(usize, Span, String)>>,
}

/// One file's user-facing strings ([`any_shown`]), as indices into the
/// list they come from (its markup strings, string literals or
/// configuration entries, by its language) with their kind: a few bytes
/// each, where the strings themselves were ~30 MB on 10k files.
struct FileShown {
    items: Box<[(u32, UiKind)]>,
    /// Shown only when configuration values are asked for too.
    config_only: bool,
}

impl ServiceShared {
    fn shown(&self, cx: &Context<'_>) -> &[FileShown] {
        let tests = cx.test_files();
        self.shown.get_or_init(|| {
            crate::analysis::map_indices(cx.project.file_count(), |fi| {
                if tests[fi] {
                    FileShown {
                        items: Box::default(),
                        config_only: false,
                    }
                } else {
                    shown_in(cx, fi)
                }
            })
        })
    }
}

/// The service rules' shared results, made by the first that asks.
fn shared(cx: &Context<'_>) -> std::sync::Arc<ServiceShared> {
    cx.shared.service.get_or_init(ServiceShared::default)
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
    let shared = shared(cx);
    let project: &'p crate::analysis::Project = cx.project;
    // File by file, on the pool.
    shared
        .shown(cx)
        .par_iter()
        .enumerate()
        .filter(|(_, s)| config || !s.config_only)
        .any(|(fi, s)| {
            let f = project.file(fi, Reader::RulesService);
            s.items
                .iter()
                .any(|&(i, kind)| pred(&shown_at(&f, fi, i, kind)))
        })
}

/// `per_file` of each file's user-facing strings ([`any_shown`]), for every
/// file outside test paths, in file order; files on the pool.
pub fn map_shown<'p, R: Send>(
    cx: &Context<'p>,
    config: bool,
    per_file: impl Fn(Vec<Shown<'p>>) -> R + Sync,
) -> Vec<R> {
    let shared = shared(cx);
    let project: &'p crate::analysis::Project = cx.project;
    let tests = cx.test_files();
    shared
        .shown(cx)
        .par_iter()
        .enumerate()
        .filter(|(fi, _)| !tests[*fi])
        .map(|(fi, s)| {
            let f = project.file(fi, Reader::RulesService);
            let strings = if config || !s.config_only {
                s.items
                    .iter()
                    .map(|&(i, kind)| shown_at(&f, fi, i, kind))
                    .collect()
            } else {
                Vec::new()
            };
            per_file(strings)
        })
        .collect()
}

/// The string at `i` of file `f`'s list of user-facing strings.
/// The texts are interned: a `Shown` outlives the file's facts.
fn shown_at(f: &crate::facts::FileFacts, fi: usize, i: u32, kind: UiKind) -> Shown<'static> {
    let i = i as usize;
    let (text, span) = match f.language {
        Language::Markup => (f.ui_strings[i].text.as_str(), f.ui_strings[i].span),
        Language::Python | Language::Rust => (f.strings[i].value.as_str(), f.strings[i].span),
        _ => {
            let text = match f.config[i].value {
                crate::facts::Value::Str(s) => s.as_str(),
                _ => "",
            };
            (text, f.config[i].value_span)
        }
    };
    Shown {
        file: fi,
        text,
        kind,
        span,
    }
}

/// The files outside test paths, with their index, in file order.
fn shown_files<'p>(cx: &Context<'p>) -> Vec<(usize, FileRef<'p>)> {
    let tests = cx.test_files();
    cx.project
        .each_file(Reader::RulesService)
        .iter()
        .filter(|(fi, _)| !tests[*fi])
        .collect()
}

/// The user-facing strings of one file ([`any_shown`]), configuration
/// values included.
fn shown_in(cx: &Context<'_>, fi: usize) -> FileShown {
    let sv = &cx.catalog.service;
    let f = cx.project.file(fi, Reader::RulesService);
    // A file's lists are far below 2^32 items (`max-file-size`).
    let index = |i: usize| i as u32;
    let config_values = || -> Box<[(u32, UiKind)]> {
        f.config
            .iter()
            .enumerate()
            .filter(|(_, e)| e.value.as_str().is_some())
            .map(|(i, _)| (index(i), UiKind::Text))
            .collect()
    };
    match f.language {
        Language::Markup => FileShown {
            items: f
                .ui_strings
                .iter()
                .enumerate()
                .filter(|(_, s)| !(s.kind == UiKind::Text && sv.prompt_texts.is_match(&s.text)))
                .map(|(i, s)| (index(i), s.kind))
                .collect(),
            config_only: false,
        },
        Language::Python | Language::Rust => {
            let prompts = prompt_spans(cx, fi);
            FileShown {
                items: f
                    .strings
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| !s.bare && !sv.prompt_texts.is_match(&s.value))
                    .filter(|(_, s)| !prompts.iter().any(|p| p.contains(&s.span)))
                    .map(|(i, s)| {
                        let kind = if reads_as_link(&s.value) {
                            UiKind::Link
                        } else {
                            UiKind::Text
                        };
                        (index(i), kind)
                    })
                    .collect(),
                config_only: false,
            }
        }
        Language::Json | Language::Yaml if sv.is_i18n(&f.path) => FileShown {
            items: config_values(),
            config_only: false,
        },
        _ => FileShown {
            items: config_values(),
            config_only: true,
        },
    }
}

/// Where a file of code holds prompts: the values of assignments to, and
/// keyword arguments named like, a prompt (`SYSTEM_PROMPT = "…"`,
/// `Conversation(system_message="…")`). Text for a model, not for users.
fn prompt_spans(cx: &Context<'_>, fi: usize) -> Vec<Span> {
    let names = &cx.catalog.service.prompt_names;
    let f = cx.project.file(fi, Reader::RulesService);
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
    // Chosen by language and path (the per-file summary); only that
    // file's facts are read.
    let project = cx.project;
    let main = (0..project.file_count())
        .filter(|&fi| project.language(fi) == Language::Markup)
        .filter(|&fi| {
            let path = project.path(fi);
            sv.main_templates.is_match(path) && !tests.is_match(path)
        })
        .min_by_key(|&fi| (project.path(fi).matches('/').count(), project.path(fi)))
        .map(|fi| project.file(fi, Reader::RulesService));
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
    let shared = shared(cx);
    shared.chat.get_or_init(|| find_chat_ui(cx)).clone()
}

/// Which files a chat UI search looks at.
type KeepFile<'a> = dyn Fn(&(usize, FileRef<'_>)) -> bool + Sync + 'a;
/// What a chat UI search finds in one file: file, span and what was seen.
type FindInFile<'a> =
    dyn Fn(usize, &crate::facts::FileFacts) -> Option<(usize, Span, String)> + Sync + 'a;

/// [`chat_ui`], worked out.
fn find_chat_ui(cx: &Context<'_>) -> Option<(usize, Span, String)> {
    let sv = &cx.catalog.service;
    // Each kind of evidence looked for in every file on plain threads (this
    // runs while a shared result is being made), the first file in path
    // order kept.
    let files = shown_files(cx);
    let first = |keep: &KeepFile, find: &FindInFile| {
        let kept: Vec<&(usize, FileRef<'_>)> = files.iter().filter(|x| keep(x)).collect();
        crate::analysis::find_first_index(kept.len(), |k| find(kept[k].0, &kept[k].1))
            .map(|(_, found)| found)
    };
    let any = |_: &(usize, FileRef<'_>)| true;
    let called = first(&any, &|fi, f| {
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
    let ui_string = |kind: UiKind, set: &regex::RegexSet, what: &str| {
        first(&any, &|fi, f| {
            f.ui_strings
                .iter()
                .find(|s| s.kind == kind && set.is_match(&s.text))
                .map(|s| (fi, s.span, format!("{what} `{}`", s.text)))
        })
    };
    if let Some(found) = ui_string(UiKind::Import, &sv.chat_packages, "the chat UI package") {
        return Some(found);
    }
    if let Some(found) = ui_string(UiKind::Name, &sv.chat_markers, "the element") {
        return Some(found);
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
    let requested = first(&|(_, f)| frontend::is_front_end(f), &|fi, f| {
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
    first(
        &|(_, f)| COMPONENTS.iter().any(|x| f.path.ends_with(x)),
        &|fi, f| {
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
        },
    )
}

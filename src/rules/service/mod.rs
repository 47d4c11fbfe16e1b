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
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use crate::analysis::Reader;
use crate::analysis::entrypoints::EntryPoint;
use crate::analysis::frontend;
use crate::facts::{Language, UiKind};
use crate::finding::{Location, Related};
use crate::lang::markup::reads_as_link;
use crate::qname::OptionQName;
use crate::rules::Context;
use crate::source::Span;

/// The duties whose terms the service rules look for among the
/// user-facing strings ([`shows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// SVC001: a filing number (configuration values included), and the
    /// placeholders shown for one.
    Filing,
    /// SVC002: a way to report content or complain.
    Complaint,
    /// SVC003: a minors mode, an age check.
    Minors,
    /// SVC004: a notice that users talk to an AI.
    AiNotice,
}

impl Duty {
    /// Every duty, in rule order.
    pub(crate) const ALL: [Duty; 4] = [Duty::Filing, Duty::Complaint, Duty::Minors, Duty::AiNotice];

    /// The rule that asks.
    pub(crate) fn rule(self) -> &'static str {
        match self {
            Duty::Filing => "SVC001",
            Duty::Complaint => "SVC002",
            Duty::Minors => "SVC003",
            Duty::AiNotice => "SVC004",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Filing-number placeholders kept per project (SVC001's findings).
pub const MAX_PLACEHOLDERS: usize = 16;

/// What the service rules share, worked out once per scan, each part on
/// first use, and freed after the last of them ([`crate::rules::Held`]):
/// what the user-facing strings show (the four rules went through every
/// string of the project each, and then read each file that shows one
/// once more for its texts), the chat UI (SVC003 and SVC004 looked for it
/// each) and whether a name of the project is a minors term (SVC003). The
/// rules' per-file pass (`rules::per_file`) makes them when their readers
/// are enabled ([`ServiceShared::from_pass`]); what it did not make is
/// computed here on plain threads: rules wait for it.
#[derive(Default)]
pub struct ServiceShared {
    shown: OnceLock<ProjectShows>,
    chat: OnceLock<Option<(usize, Span, String)>>,
    /// Whether a name in code or configuration, outside test paths, says
    /// there is an age check or minors setting
    /// (`minors_mode_missing::file_names_minors`), when the rules'
    /// per-file pass found out (SVC003 is its one reader, once a scan).
    minors_named: Option<bool>,
}

/// What the project's user-facing strings, outside test paths, show for
/// the duties searched ([`ShownSearch`]): a few bytes and the first
/// placeholders, where the strings themselves were ~30 MB on 10k files.
#[derive(Clone)]
pub(crate) struct ProjectShows {
    /// The duties searched, then those shown (bits of [`Duty::bit`]).
    searched: u8,
    shown: u8,
    /// The first [`MAX_PLACEHOLDERS`] filing-number placeholders, in file
    /// order: file and span.
    placeholders: Vec<(usize, Span)>,
}

impl ServiceShared {
    /// What the rules' per-file pass made: what the user-facing strings
    /// show, the chat UI's evidence per file ([`ChatSearch::file`], in
    /// file order), whether a name is a minors term. A part left `None`
    /// is computed when first asked.
    pub(crate) fn from_pass(
        shown: Option<ProjectShows>,
        chat: Option<Vec<(usize, ChatFound)>>,
        minors_named: Option<bool>,
    ) -> ServiceShared {
        let made = ServiceShared {
            minors_named,
            ..ServiceShared::default()
        };
        if let Some(shown) = shown {
            let _ = made.shown.set(shown);
        }
        if let Some(chat) = chat {
            let _ = made.chat.set(chat_ui_of(chat));
        }
        made
    }

    /// What the strings show for `duty`: the pass's answer, else a search
    /// of every duty file by file on the pool (each file read once); a
    /// duty the pass did not search (its rule was not enabled, or the
    /// config declared it) is searched alone.
    fn shown(&self, cx: &Context<'_>, duty: Duty) -> std::borrow::Cow<'_, ProjectShows> {
        let all = self
            .shown
            .get_or_init(|| search_every_file(cx, ShownSearch::new(cx, &Duty::ALL)));
        if all.searched & duty.bit() != 0 {
            std::borrow::Cow::Borrowed(all)
        } else {
            std::borrow::Cow::Owned(search_every_file(cx, ShownSearch::new(cx, &[duty])))
        }
    }

    /// Whether a name of the project is a minors term, if the rules'
    /// per-file pass found out.
    pub(crate) fn minors_named(&self) -> Option<bool> {
        self.minors_named
    }
}

/// [`ShownSearch`] over every file outside test paths, on the pool.
fn search_every_file(cx: &Context<'_>, search: ShownSearch<'_>) -> ProjectShows {
    let tests = cx.test_files();
    let placeholders = crate::analysis::map_indices(cx.project.file_count(), |fi| {
        if tests[fi] {
            Vec::new()
        } else {
            search.file(&cx.project.file(fi, Reader::RulesService))
        }
    });
    search.finish(
        placeholders
            .into_iter()
            .enumerate()
            .flat_map(|(fi, spans)| spans.into_iter().map(move |s| (fi, s))),
    )
}

/// The service rules' shared results, made by the first that asks.
pub(crate) fn shared(cx: &Context<'_>) -> std::sync::Arc<ServiceShared> {
    cx.shared.service.get_or_init(ServiceShared::default)
}

/// Whether any user-facing string of the project, outside test paths,
/// shows `duty`'s terms: markup strings, the string values of translation
/// catalogues (JSON/YAML files whose path says so) and string literals of
/// code, docstrings left out (which Gradio, Streamlit and server-rendered
/// pages show), less prompts, which are written for a model
/// (`prompt_texts`, `prompt_names`); for [`Duty::Filing`] the string
/// values of every configuration file too (where a filing number is set).
/// Each duty's terms are [`ShownSearch::file`]'s.
pub fn shows(cx: &Context<'_>, duty: Duty) -> bool {
    shared(cx).shown(cx, duty).shown & duty.bit() != 0
}

/// The first [`MAX_PLACEHOLDERS`] user-facing strings (as [`shows`] finds
/// them for [`Duty::Filing`]) that hold a placeholder for a filing number,
/// in file order: file and span.
pub fn filing_placeholders(cx: &Context<'_>) -> Vec<(usize, Span)> {
    shared(cx).shown(cx, Duty::Filing).placeholders.clone()
}

/// The search for the duties' terms among the user-facing strings, file
/// by file, on any thread ([`shows`]). A duty found in one file is not
/// looked for in the files searched after it (the answer is whether any
/// file shows it), except the filing placeholders, which are collected
/// from every file.
pub(crate) struct ShownSearch<'c> {
    sv: &'c crate::catalog::service::Service,
    /// The paths of account pages (`account_contexts`), for SVC003.
    accounts: &'c regex::RegexSet,
    searched: u8,
    /// The duties found so far (bits of [`Duty::bit`]).
    found: AtomicU8,
}

impl<'c> ShownSearch<'c> {
    pub(crate) fn new(cx: &Context<'c>, duties: &[Duty]) -> ShownSearch<'c> {
        let sv = &cx.catalog.service;
        ShownSearch {
            sv,
            accounts: &sv.account_contexts,
            searched: duties.iter().fold(0, |bits, d| bits | d.bit()),
            found: AtomicU8::new(0),
        }
    }

    /// Search file `f` (not a test file): the duties its strings show are
    /// marked found; returns its first [`MAX_PLACEHOLDERS`] filing-number
    /// placeholders' spans.
    pub(crate) fn file(&self, f: &crate::facts::FileFacts) -> Vec<Span> {
        let sv = self.sv;
        let found = self.found.load(Ordering::Relaxed);
        let wanted = |d: Duty| self.searched & d.bit() != 0 && found & d.bit() == 0;
        let filing = self.searched & Duty::Filing.bit() != 0;
        let (strings, config_only) = file_strings(sv, f, || prompt_spans(sv, f));
        // Configuration values count only for the filing number.
        if config_only && !filing {
            return Vec::new();
        }
        let complaint = !config_only && wanted(Duty::Complaint);
        let minors = !config_only && wanted(Duty::Minors);
        let account_page = minors && self.accounts.is_match(&f.path);
        // Markdown files are documentation (a README that says "large
        // language models"), not what the chat shows.
        let ai_notice = !config_only
            && wanted(Duty::AiNotice)
            && (f.language != Language::Markup || frontend::is_front_end(f));
        let filing_number = wanted(Duty::Filing);
        let mut shown = 0u8;
        let mut placeholders = Vec::new();
        for &(text, kind, span) in &strings {
            if complaint
                && shown & Duty::Complaint.bit() == 0
                && match kind {
                    UiKind::Text => sv.complaint_terms.is_match(text),
                    UiKind::Link => sv.complaint_links.is_match(text),
                    UiKind::Name | UiKind::Import | UiKind::Role => false,
                }
            {
                shown |= Duty::Complaint.bit();
            }
            if minors
                && shown & Duty::Minors.bit() == 0
                && (sv.minors_terms.is_match(text)
                    || (account_page && sv.minors_fields.is_match(text)))
            {
                shown |= Duty::Minors.bit();
            }
            if ai_notice
                && shown & Duty::AiNotice.bit() == 0
                && kind == UiKind::Text
                && sv.ai_notice_terms.is_match(text)
            {
                shown |= Duty::AiNotice.bit();
            }
            if filing_number
                && shown & Duty::Filing.bit() == 0
                && (sv.filing_numbers.is_match(text) || sv.filing_runtime.is_match(text))
            {
                shown |= Duty::Filing.bit();
            }
            if filing
                && placeholders.len() < MAX_PLACEHOLDERS
                && sv.filing_placeholders.is_match(text)
            {
                placeholders.push(span);
            }
        }
        if shown != 0 {
            self.found.fetch_or(shown, Ordering::Relaxed);
        }
        placeholders
    }

    /// The project's answer from the files' placeholders (file and span,
    /// in file order).
    pub(crate) fn finish(
        self,
        placeholders: impl IntoIterator<Item = (usize, Span)>,
    ) -> ProjectShows {
        ProjectShows {
            searched: self.searched,
            shown: self.found.into_inner(),
            placeholders: placeholders.into_iter().take(MAX_PLACEHOLDERS).collect(),
        }
    }
}

/// The user-facing strings of file `f` ([`shows`]), configuration values
/// included, in the file's order: text, kind and span; and whether they
/// are configuration values only (of a file that is not a translation
/// catalogue). `prompts` gives where a file of code holds prompts.
fn file_strings<'f>(
    sv: &crate::catalog::service::Service,
    f: &'f crate::facts::FileFacts,
    prompts: impl FnOnce() -> Vec<Span>,
) -> (Vec<(&'f str, UiKind, Span)>, bool) {
    let config_values = || -> Vec<(&'f str, UiKind, Span)> {
        f.config
            .iter()
            .filter_map(|e| Some((e.value.as_str()?, UiKind::Text, e.value_span)))
            .collect()
    };
    match f.language {
        Language::Markup => (
            f.ui_strings
                .iter()
                .filter(|s| !(s.kind == UiKind::Text && sv.prompt_texts.is_match(&s.text)))
                .map(|s| (s.text.as_str(), s.kind, s.span))
                .collect(),
            false,
        ),
        Language::Python | Language::Rust => {
            let prompts = prompts();
            (
                f.strings
                    .iter()
                    .filter(|s| !s.bare && !sv.prompt_texts.is_match(&s.value))
                    .filter(|s| !prompts.iter().any(|p| p.contains(&s.span)))
                    .map(|s| {
                        let text: &str = &s.value;
                        let kind = if reads_as_link(text) {
                            UiKind::Link
                        } else {
                            UiKind::Text
                        };
                        (text, kind, s.span)
                    })
                    .collect(),
                false,
            )
        }
        Language::Json | Language::Yaml if sv.is_i18n(&f.path) => (config_values(), false),
        _ => (config_values(), true),
    }
}

/// Where a file of code holds prompts: the values of assignments to, and
/// keyword arguments named like, a prompt (`SYSTEM_PROMPT = "…"`,
/// `Conversation(system_message="…")`). Text for a model, not for users.
fn prompt_spans(sv: &crate::catalog::service::Service, f: &crate::facts::FileFacts) -> Vec<Span> {
    let names = &sv.prompt_names;
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

/// Whether a public route is a complaint channel (`/report`): SVC002 asks
/// nothing more then.
pub fn complaint_routed(cx: &Context<'_>) -> bool {
    let links = &cx.catalog.service.complaint_links;
    cx.analysis
        .entry_points
        .iter()
        .filter(|e| e.public)
        .filter_map(|e| e.route.as_deref())
        .any(|r| links.is_match(r))
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
            path: f.path.as_str().into(),
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
        message: format!("serves generation to the public: {}", entry.describe()).into(),
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

/// How many kinds of chat UI evidence [`chat_ui`] knows, strongest first.
const CHAT_KINDS: usize = 5;

/// What a component's path ends with (`.jsx`, `.tsx`, `.vue`, `.svelte`).
const COMPONENTS: [&str; 4] = [".jsx", ".tsx", ".vue", ".svelte"];

/// The strongest evidence of a chat UI in one file ([`ChatSearch::file`]):
/// its kind (0 strongest, as [`chat_ui`] lists them), where, and what was
/// seen.
pub(crate) struct ChatFound {
    kind: u8,
    span: Span,
    what: String,
}

/// The chat UI search, file by file ([`chat_ui`]): each file's strongest
/// evidence, the answer the strongest kind's first file in path order
/// ([`chat_ui_of`]). Files are searched in any order on any thread, so
/// the first file seen with each kind is kept: a file after it need not
/// look for that kind or a weaker one (it cannot be the answer), and
/// which files skip does not change the answer.
pub(crate) struct ChatSearch<'c> {
    sv: &'c crate::catalog::service::Service,
    /// The public generation endpoints (for the pages that request one).
    generation: Vec<&'c EntryPoint>,
    /// Per kind, the first file seen with it (`usize::MAX`: none yet).
    first: [AtomicUsize; CHAT_KINDS],
}

impl<'c> ChatSearch<'c> {
    pub(crate) fn new(cx: &Context<'c>) -> ChatSearch<'c> {
        ChatSearch {
            sv: &cx.catalog.service,
            generation: cx
                .analysis
                .generation_endpoints()
                .map(|(_, e, _)| e)
                .filter(|e| e.public)
                .collect(),
            first: std::array::from_fn(|_| AtomicUsize::new(usize::MAX)),
        }
    }

    /// The strongest evidence of a chat UI in file `fi` (not a test file),
    /// the first of its kind in the file; `None` also where a file before
    /// it was seen with evidence as strong or stronger.
    pub(crate) fn file(&self, fi: usize, f: &crate::facts::FileFacts) -> Option<ChatFound> {
        let mut beaten = usize::MAX;
        for kind in 0..CHAT_KINDS {
            beaten = beaten.min(self.first[kind].load(Ordering::Relaxed));
            if beaten < fi {
                return None;
            }
            if let Some((span, what)) = self.find(kind, f) {
                self.first[kind].fetch_min(fi, Ordering::Relaxed);
                return Some(ChatFound {
                    // Below `CHAT_KINDS`.
                    kind: kind as u8,
                    span,
                    what,
                });
            }
        }
        None
    }

    /// The first evidence of kind `kind` in file `f`.
    fn find(&self, kind: usize, f: &crate::facts::FileFacts) -> Option<(Span, String)> {
        let sv = self.sv;
        let ui_string = |kind: UiKind, set: &regex::RegexSet, what: &str| {
            f.ui_strings
                .iter()
                .find(|s| s.kind == kind && set.is_match(&s.text))
                .map(|s| (s.span, format!("{what} `{}`", s.text)))
        };
        let keeps_roles = || {
            f.ui_strings
                .iter()
                .any(|s| s.kind == UiKind::Role && sv.chat_roles.is_match(&s.text))
        };
        match kind {
            0 => {
                // `from streamlit_chatbox import *`: a bare callee may be
                // any of those modules' names.
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
                    hit.then(|| (c.span, format!("`{}`", c.callee)))
                })
            }
            1 => ui_string(UiKind::Import, &sv.chat_packages, "the chat UI package"),
            2 => ui_string(UiKind::Name, &sv.chat_markers, "the element"),
            3 if may_show(3, f.language, &f.path) => self.generation.iter().find_map(|e| {
                let chatty = e
                    .route
                    .as_deref()
                    .is_some_and(|r| sv.chat_routes.is_match(r));
                let s = frontend::requests(f, e).next()?;
                (chatty || keeps_roles())
                    .then(|| (s.span, format!("a page that requests `{}`", e.describe())))
            }),
            4 if may_show(4, f.language, &f.path) => f
                .ui_strings
                .iter()
                .find(|s| s.kind == UiKind::Role && sv.chat_roles.is_match(&s.text))
                .map(|s| {
                    (
                        s.span,
                        format!("a component that lists messages with the role `{}`", s.text),
                    )
                }),
            _ => None,
        }
    }
}

/// The chat UI from each file's evidence ([`ChatSearch::file`]), files in
/// path order: the strongest kind, at the first file that shows it.
fn chat_ui_of(
    found: impl IntoIterator<Item = (usize, ChatFound)>,
) -> Option<(usize, Span, String)> {
    let mut best: Option<(usize, ChatFound)> = None;
    for (fi, c) in found {
        if best.as_ref().is_none_or(|(_, b)| c.kind < b.kind) {
            best = Some((fi, c));
        }
    }
    best.map(|(fi, c)| (fi, c.span, c.what))
}

/// [`chat_ui`], worked out where the rules' per-file pass did not: kind
/// by kind, strongest first, each looked for in the files outside test
/// paths on plain threads (this runs while a shared result is being made)
/// until the first in path order is found; one file's facts held at a
/// time.
fn find_chat_ui(cx: &Context<'_>) -> Option<(usize, Span, String)> {
    let tests = cx.test_files();
    let project = cx.project;
    let search = ChatSearch::new(cx);
    (0..CHAT_KINDS).find_map(|kind| {
        let kept: Vec<usize> = (0..project.file_count())
            .filter(|&fi| !tests[fi] && may_show(kind, project.language(fi), project.path(fi)))
            .collect();
        crate::analysis::find_first_index(kept.len(), |k| {
            search.find(kind, &project.file(kept[k], Reader::RulesService))
        })
        .map(|(k, (span, what))| (kept[k], span, what))
    })
}

/// Whether a file of this language and path may show chat UI evidence of
/// kind `kind` ([`ChatSearch::find`]): pages that request a route are
/// front ends, role lists count in components only.
fn may_show(kind: usize, language: Language, path: &str) -> bool {
    match kind {
        3 => frontend::is_front_end_path(language, path),
        4 => COMPONENTS.iter().any(|x| path.ends_with(x)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kind: u8, line: u32) -> ChatFound {
        ChatFound {
            kind,
            span: Span {
                start_line: line,
                end_line: line,
                start_byte: 0,
                end_byte: 0,
            },
            what: format!("kind {kind}"),
        }
    }

    /// The strongest kind wins wherever it is, and of equal kinds the
    /// first file in path order: what the search kind by kind gives.
    #[test]
    fn chat_ui_is_the_strongest_kind_at_its_first_file() {
        let per_file = vec![
            (1, found(2, 10)),
            (4, found(0, 40)),
            (6, found(3, 60)),
            (7, found(0, 70)),
        ];
        let (fi, span, what) = chat_ui_of(per_file).expect("found");
        assert_eq!((fi, span.start_line, what.as_str()), (4, 40, "kind 0"));
        let (fi, _, _) = chat_ui_of(vec![(2, found(4, 1)), (3, found(4, 1))]).expect("found");
        assert_eq!(fi, 2);
        assert!(chat_ui_of(Vec::new()).is_none());
    }
}

//! Filtering findings: config per-path ignores, then inline suppression
//! comments (`# synthlint: ignore[CODE] reason`, grammar in [`inline`]).
//!
//! Semantics:
//! - Per-path ignores drop findings (and meta findings) for matching files.
//! - A directive applies to findings whose primary location starts on the
//!   comment's line; a comment alone on its line also covers the line below.
//!   Matching findings stay in the results with `suppression` set, for audits.
//! - Meta findings (SYN001 bare, SYN002 unused or unknown code, SYN003 no
//!   reason) are produced here, the only phase that sees both comments and
//!   findings. They are emitted only for enabled rules, honour level overrides
//!   and per-path ignores, and cannot be suppressed inline.
//! - A listed code that matched nothing is "unused" only when its rule ran on
//!   that file (enabled, not ignored for the path); otherwise it may be needed
//!   by another configuration and is not reported.
//! - With `require_suppression_reason`, a directive without a reason is not
//!   applied (the policy would be toothless if it still hid the finding) and
//!   SYN003 says so.
//! - With `no_inline_suppressions`, comments are not read at all.

pub mod edit;
pub mod inline;

use std::collections::BTreeMap;

use crate::analysis::{Project, Reader};
use crate::config::Settings;
use crate::finding::{Finding, Location, Suppression};
use crate::rules::meta::{bare_suppression, suppression_without_reason, unused_suppression};
use crate::rules::{self, Category, RuleMeta};
use crate::source::Span;

use inline::{Bare, Directive};

/// Drop findings ignored by config for their path; mark inline-suppressed
/// ones and append the meta findings about the suppressions.
pub fn apply(project: &Project, settings: &Settings, findings: &mut Vec<Finding>) {
    findings.retain(|f| !ignored_by_config(settings, &f.location.path, f.rule));
    if settings.no_inline_suppressions {
        return;
    }

    // Comments are few and directives rarer: find them first and skip the
    // rest of the work for the (usual) files without any.
    // Comments are kept only where one may be a directive (the engine drops
    // the others), so the files to read are known from their summary.
    let mut files: BTreeMap<&str, FileDirectives<'_>> = BTreeMap::new();
    for fi in (0..project.file_count()).filter(|&fi| project.has_comments(fi)) {
        let file = project.file(fi, Reader::Suppress);
        let directives: Vec<Directive> = file.comments.iter().filter_map(inline::parse).collect();
        if !directives.is_empty() {
            let path = project.path(fi);
            files.insert(
                path,
                FileDirectives {
                    path,
                    directives,
                    findings: Vec::new(),
                },
            );
        }
    }
    if files.is_empty() {
        return;
    }
    for (i, f) in findings.iter().enumerate() {
        if let Some(fd) = files.get_mut(f.location.path.as_str()) {
            fd.findings.push(i);
        }
    }

    let cx = MetaContext::new(settings);
    let mut meta = Vec::new();
    for fd in files.values() {
        apply_file(&cx, fd, findings, &mut meta);
    }
    findings.extend(meta);
}

fn ignored_by_config(settings: &Settings, path: &str, code: &str) -> bool {
    settings
        .per_path_ignores
        .iter()
        .any(|(glob, codes)| codes.contains(&code) && glob.is_match(path))
}

struct FileDirectives<'a> {
    /// The file's path (the summary's: its facts are not held past the
    /// loop, a decoded copy each where they are stored).
    path: &'a str,
    directives: Vec<Directive>,
    /// Indices into the findings of those located in this file.
    findings: Vec<usize>,
}

/// What the meta findings need to know about the run.
struct MetaContext<'a> {
    settings: &'a Settings,
    /// Every rule by code, enabled or not, to tell unknown codes apart.
    known: BTreeMap<&'static str, &'static RuleMeta>,
}

impl<'a> MetaContext<'a> {
    fn new(settings: &'a Settings) -> Self {
        let known = rules::all()
            .into_iter()
            .map(|r| (r.meta().code, r.meta()))
            .collect();
        MetaContext { settings, known }
    }

    fn enabled(&self, code: &str) -> bool {
        self.settings.enabled_rules.contains(&code)
    }

    fn is_meta(&self, code: &str) -> bool {
        self.known
            .get(code)
            .is_some_and(|m| m.category == Category::Meta)
    }

    /// A meta finding, unless its rule is off for this run or this path.
    fn emit(
        &self,
        meta: &'static RuleMeta,
        path: &str,
        span: Span,
        message: String,
    ) -> Option<Finding> {
        if !self.enabled(meta.code) || ignored_by_config(self.settings, path, meta.code) {
            return None;
        }
        let level = self
            .settings
            .level_overrides
            .get(meta.code)
            .copied()
            .unwrap_or(meta.default_level);
        let location = Location {
            path: path.into(),
            span,
        };
        Some(Finding::new(meta.code, level, message, location))
    }
}

fn apply_file(
    cx: &MetaContext<'_>,
    fd: &FileDirectives<'_>,
    findings: &mut [Finding],
    meta: &mut Vec<Finding>,
) {
    let path = fd.path;

    // Later lines first, so a finding matched by both a comment above it and a
    // trailing comment takes the trailing comment's reason: it is the closer one.
    let mut order: Vec<&Directive> = fd.directives.iter().collect();
    order.sort_by_key(|d| std::cmp::Reverse(d.line()));
    for d in order {
        let standalone = d.own_line;
        let covers = |line: u32| line == d.line() || (standalone && line == d.line() + 1);

        if let Some(kind) = d.bare {
            let mut here: Vec<&str> = fd
                .findings
                .iter()
                .map(|&i| &findings[i])
                .filter(|f| covers(f.location.span.start_line) && !cx.is_meta(f.rule))
                .map(|f| f.rule)
                .collect();
            here.sort_unstable();
            here.dedup();
            let example = if here.is_empty() {
                "CODE".to_string()
            } else {
                here.join(", ")
            };
            let what = match kind {
                Bare::NoBrackets | Bare::EmptyBrackets => "names no rule codes",
                Bare::Unclosed => "has no closing `]`",
            };
            let message = format!(
                "suppression {what}, so it suppresses nothing; write `synthlint: ignore[{example}] <reason>`"
            );
            meta.extend(cx.emit(&bare_suppression::META, path, d.span, message));
            continue;
        }

        let applies = !(cx.settings.require_suppression_reason && d.reason.is_empty());
        for c in &d.codes {
            let mut used = false;
            for &i in &fd.findings {
                let f = &mut findings[i];
                if f.rule != c.code || !covers(f.location.span.start_line) || cx.is_meta(f.rule) {
                    continue;
                }
                used = true;
                if applies && f.suppression.is_none() {
                    f.suppression = Some(Box::new(Suppression {
                        kind: "inline".into(),
                        justification: d.reason.clone(),
                        location: Some(Location {
                            path: path.into(),
                            span: d.comment,
                        }),
                    }));
                }
            }
            if used {
                continue;
            }
            let where_ = if standalone {
                "the line below"
            } else {
                "this line"
            };
            let message = match cx.known.get(c.code.as_str()) {
                None => unknown_code_message(cx, &c.code),
                Some(m) if m.category == Category::Meta => format!(
                    "{} cannot be suppressed inline; turn it off with `--ignore {}` or `per-path-ignores`",
                    m.code, m.code
                ),
                // The rule did not run here, so silence proves nothing.
                Some(m) if !cx.enabled(m.code) || ignored_by_config(cx.settings, path, m.code) => {
                    continue;
                }
                Some(m) => format!(
                    "unused suppression: {} ({}) reports nothing on {where_}",
                    m.code, m.name
                ),
            };
            meta.extend(cx.emit(&unused_suppression::META, path, c.span, message));
        }

        if !applies {
            let codes: Vec<&str> = d.codes.iter().map(|c| c.code.as_str()).collect();
            let message = format!(
                "suppression gives no reason, so it is not applied (require-suppression-reason); \
                 write `synthlint: ignore[{}] <reason>`",
                codes.join(", ")
            );
            meta.extend(cx.emit(&suppression_without_reason::META, path, d.span, message));
        }
    }
}

fn unknown_code_message(cx: &MetaContext<'_>, code: &str) -> String {
    let prefix_of = cx
        .known
        .values()
        .find(|m| m.category.prefix() == code)
        .map(|m| m.code);
    match prefix_of {
        Some(example) => format!(
            "`{code}` is a category prefix, not a rule code; suppressions name exact codes such as {example}"
        ),
        None => format!("`{code}` is not a rule code (see `synthlint rules`)"),
    }
}

//! Requests a front end makes to the project's own HTTP routes, read from
//! the link and request-path literals markup files keep (`fetch("/api/chat")`,
//! `` `${base}/v1/chat/completions` ``, `<form action="/ask">`): a literal
//! names a route when its path ends with the route's segments, as a
//! request of the code joins a route in `hops.rs` (a route parameter
//! matches any one segment; a hole of the literal matches only a route
//! parameter, and a leading hole is the base address). Markdown is left
//! out: documentation lists routes it does not call.

use crate::analysis::entrypoints::{EntryKind, EntryPoint};
use crate::facts::{FileFacts, Language, UiKind, UiString};
use crate::lang::markup::HOLE;
use crate::source::Span;

/// The segments of a route, parameters (`{id}`, `<id>`, `:id`, `*`) as
/// `*`; none when no segment is literal (`/`, `/{path}` would match
/// anything).
pub fn route_pattern(route: &str) -> Option<Vec<&str>> {
    let segments: Vec<&str> = route
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with(['{', '<', ':']) || s == "*" {
                "*"
            } else {
                s
            }
        })
        .collect();
    segments.iter().any(|s| *s != "*").then_some(segments)
}

/// Whether the path of `link` ends with `pattern`.
pub fn names_route(link: &str, pattern: &[&str]) -> bool {
    let link = link.trim();
    let path = match link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
    {
        Some(rest) => match rest.find('/') {
            Some(at) => &rest[at..],
            None => return false,
        },
        None => link.strip_prefix(HOLE).unwrap_or(link),
    };
    if !path.starts_with('/') {
        return false;
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if pattern.is_empty() || pattern.len() > segments.len() {
        return false;
    }
    segments[segments.len() - pattern.len()..]
        .iter()
        .zip(pattern)
        .all(|(s, p)| *p == "*" || s == p)
}

/// Whether a markup file is a page or script of a front end (not
/// Markdown documentation).
pub fn is_front_end(f: &FileFacts) -> bool {
    is_front_end_path(f.language, &f.path)
}

/// [`is_front_end`] from a file's language and path alone (the summary's),
/// so that callers can pick front ends without reading their facts.
pub fn is_front_end_path(language: Language, path: &str) -> bool {
    language == Language::Markup && !path.ends_with(".md") && !path.ends_with(".markdown")
}

/// The links of front-end file `f` that name the route of `entry` (an HTTP
/// or websocket entry point with a route).
pub fn requests<'f>(f: &'f FileFacts, entry: &EntryPoint) -> impl Iterator<Item = &'f UiString> {
    let pattern = match entry.kind {
        EntryKind::Http | EntryKind::Websocket if is_front_end(f) => {
            entry.route.as_deref().and_then(route_pattern)
        }
        _ => None,
    };
    f.ui_strings.iter().filter(move |s| {
        s.kind == UiKind::Link && pattern.as_ref().is_some_and(|p| names_route(&s.text, p))
    })
}

/// The component names a front-end file uses (`<Feed/>`): capitalised
/// element names, with where they stand.
pub fn components(f: &FileFacts) -> impl Iterator<Item = (&str, &Span)> {
    f.ui_strings
        .iter()
        .filter(|s| s.kind == UiKind::Name && s.text.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|s| (s.text.as_str(), &s.span))
}

/// The component a front-end file defines, by its file name
/// (`web/Feed.tsx` → `Feed`, `Feed/index.jsx` → `Feed`).
pub fn component_name(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    if stem == "index" {
        let mut parts = path.rsplit('/');
        parts.next();
        parts.next().unwrap_or(stem)
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_routes_by_their_ending() {
        let chat = route_pattern("/api/v1/chat/{conv_id}").unwrap();
        assert!(names_route("/api/v1/chat/{{}}", &chat));
        assert!(names_route("{{}}/api/v1/chat/42?stream=1", &chat));
        assert!(!names_route("{{}}/v1/chat/42", &chat));
        assert!(names_route("http://localhost:8000/api/v1/chat/7", &chat));
        assert!(!names_route("/api/v1/chats/7", &chat));
        assert!(!names_route("/chat", &chat));
        let users = route_pattern("/api/users").unwrap();
        assert!(!names_route("/api/{{}}", &users));
        assert!(!names_route("api/users", &users));
        assert!(route_pattern("/{path}").is_none());
        assert!(route_pattern("/").is_none());
    }

    #[test]
    fn components_are_named_by_their_file() {
        assert_eq!(component_name("web/Feed.tsx"), "Feed");
        assert_eq!(component_name("web/Feed/index.jsx"), "Feed");
        assert_eq!(component_name("Side.vue"), "Side");
    }
}

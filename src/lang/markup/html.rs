//! HTML, Jinja/Django templates and Vue/Svelte components: element text,
//! shown attributes (`placeholder`, `title`, `alt`, `aria-label`, `label`,
//! `value`), links (`href`, `action`, `to`), element names (`id`, `class`,
//! custom and component tags), comments (`<!-- -->`, `{# #}`), and the
//! strings of `<script>` blocks through the JS scanner. A template
//! expression in text (`{{ x }}`, and `{ x }` in a component) stands as
//! [`HOLE`]; quoted strings inside template tags (`{% trans "Report" %}`,
//! `{{ _("Report") }}`) are kept when they read as prose.

use super::{HOLE, Out, find, js, reads_as_prose};
use crate::facts::UiKind;

const TEXT_ATTRS: &[&str] = &[
    "placeholder",
    "title",
    "alt",
    "aria-label",
    "aria-description",
    "label",
    "value",
    "content",
];
const LINK_ATTRS: &[&str] = &["href", "action", "formaction", "to", "data-href"];
const NAME_ATTRS: &[&str] = &["id", "class", "name"];

/// Text being gathered between tags.
struct Run {
    buf: String,
    start: Option<usize>,
    end: usize,
}

impl Run {
    fn add(&mut self, s: &str, start: usize, end: usize) {
        if s.is_empty() {
            return;
        }
        if self.start.is_none() {
            if s.trim().is_empty() {
                return;
            }
            self.start = Some(start + (s.len() - s.trim_start().len()));
        }
        self.buf.push_str(s);
        if !s.trim().is_empty() {
            self.end = end - (s.len() - s.trim_end().len());
        }
    }

    fn flush(&mut self, out: &mut Out<'_>) {
        if let Some(start) = self.start.take() {
            out.push(UiKind::Text, &self.buf, start, self.end);
        }
        self.buf.clear();
    }
}

/// Scan `out.text[start..end]`; `component` for Vue/Svelte (single-brace
/// holes, no Jinja comments).
pub fn scan(out: &mut Out<'_>, start: usize, end: usize, component: bool) {
    let text = out.text;
    let end = end.min(text.len());
    let bytes = text.as_bytes();
    let mut run = Run {
        buf: String::new(),
        start: None,
        end: 0,
    };
    let mut i = start;
    let mut plain = start;
    while i < end {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        // Where this construct ends, and what it was.
        let special = match (b, next) {
            (b'<', b'!') | (b'<', b'/') => true,
            (b'<', n) if n.is_ascii_alphabetic() => true,
            (b'{', b'{') | (b'{', b'%') => true,
            (b'{', b'#') => true,
            (b'{', _) => component,
            _ => false,
        };
        if !special {
            i += 1;
            continue;
        }
        run.add(&text[plain..i], plain, i);
        let after = match (b, next) {
            (b'<', b'!') if text[i..end].starts_with("<!--") => {
                run.flush(out);
                let close = find(text, i + 4, "-->").filter(|&c| c < end).unwrap_or(end);
                out.comment(i, i + 4, close);
                (close + 3).min(end)
            }
            (b'<', b'!') => {
                run.flush(out);
                find(text, i, ">")
                    .filter(|&c| c < end)
                    .map_or(end, |c| c + 1)
            }
            (b'<', b'/') => {
                run.flush(out);
                find(text, i, ">")
                    .filter(|&c| c < end)
                    .map_or(end, |c| c + 1)
            }
            (b'<', _) => {
                run.flush(out);
                tag(out, i, end, component)
            }
            (b'{', b'#') if !component => {
                run.flush(out);
                let close = find(text, i + 2, "#}").filter(|&c| c < end).unwrap_or(end);
                out.comment(i, i + 2, close);
                (close + 2).min(end)
            }
            (b'{', b'%') => {
                // A statement: a boundary between texts.
                run.flush(out);
                let close = find(text, i + 2, "%}").filter(|&c| c < end).unwrap_or(end);
                tag_strings(out, i + 2, close);
                if_tag(out, i + 2, close, &["if", "elif"]);
                (close + 2).min(end)
            }
            (b'{', b'{') => {
                let close = find(text, i + 2, "}}").filter(|&c| c < end).unwrap_or(end);
                tag_strings(out, i + 2, close);
                let after = (close + 2).min(end);
                run.add(HOLE, i, after);
                after
            }
            (b'{', b'#') => {
                // A Svelte block (`{#if test}`, `{#each}`): a boundary.
                run.flush(out);
                let close = matching_brace(bytes, i, end);
                if_tag(out, i + 1, close.saturating_sub(1).max(i + 1), &["#if"]);
                close
            }
            _ => {
                // `{ expr }` in a component: up to the matching brace;
                // Svelte's `{:else if test}` tests.
                let close = matching_brace(bytes, i, end);
                if_tag(
                    out,
                    i + 1,
                    close.saturating_sub(1).max(i + 1),
                    &[":else if"],
                );
                run.add(HOLE, i, close);
                close
            }
        };
        i = after.max(i + 1);
        plain = i;
    }
    run.add(&text[plain.min(end)..end], plain.min(end), end);
    run.flush(out);
}

/// The end of a `{ … }` group starting at `open` (after its `}`), or `end`.
fn matching_brace(bytes: &[u8], open: usize, end: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < end {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    end
}

/// A template tag whose body (`start..end`) opens with one of `keywords`
/// (`{% if x %}`, `{%- elif y -%}`, `{#if z}`): its test is a condition.
fn if_tag(out: &mut Out<'_>, start: usize, end: usize, keywords: &[&str]) {
    let Some(body) = out.text.get(start..end) else {
        return;
    };
    let lead = body.len()
        - body
            .trim_start_matches(['-', '+', ' ', '\t', '\n', '\r'])
            .len();
    let rest = &body[lead..];
    for k in keywords {
        if let Some(test) = rest.strip_prefix(k)
            && test.starts_with(char::is_whitespace)
        {
            let test_start = start + lead + k.len();
            let trail = test.len()
                - test
                    .trim_end_matches(['-', '+', ' ', '\t', '\n', '\r'])
                    .len();
            out.condition(test_start, end - trail);
            return;
        }
    }
}

/// Quoted strings inside a template tag's body that read as prose.
fn tag_strings(out: &mut Out<'_>, start: usize, end: usize) {
    let text = out.text;
    let bytes = text.as_bytes();
    let mut i = start;
    while i < end {
        let q = bytes[i];
        if q == b'"' || q == b'\'' {
            let close = (i + 1..end).find(|&k| bytes[k] == q).unwrap_or(end);
            let s = &text[i + 1..close];
            if reads_as_prose(s) {
                out.push(UiKind::Text, s, i + 1, close);
            }
            i = close + 1;
        } else {
            i += 1;
        }
    }
}

/// An opening tag at `at`: its name and attributes; `<script>` and
/// `<style>` bodies. Returns where scanning goes on.
fn tag(out: &mut Out<'_>, at: usize, end: usize, component: bool) -> usize {
    let text = out.text;
    let bytes = text.as_bytes();
    let mut i = at + 1;
    while i < end && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' && bytes[i] != b'/' {
        i += 1;
    }
    let name = &text[at + 1..i];
    if name.contains('-') || name.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.push(UiKind::Name, name, at + 1, i);
    }
    let mut script_type = None;
    // Attributes.
    loop {
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end {
            return end;
        }
        if bytes[i] == b'>' {
            i += 1;
            break;
        }
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'>') {
            return i + 2;
        }
        if bytes[i] == b'{' {
            // A template tag among the attributes: skip it whole.
            let close = match bytes.get(i + 1) {
                Some(b'%') => find(text, i + 2, "%}").map(|c| c + 2),
                Some(b'{') => find(text, i + 2, "}}").map(|c| c + 2),
                _ => Some(matching_brace(bytes, i, end)),
            };
            i = close.unwrap_or(end).min(end).max(i + 1);
            continue;
        }
        let name_start = i;
        while i < end
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/' | b'{')
        {
            i += 1;
        }
        if i == name_start {
            // A stray `/` or `=`.
            i += 1;
            continue;
        }
        let attr = text[name_start..i].to_ascii_lowercase();
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let (v_start, v_end, after) = match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let close = (i + 1..end).find(|&k| bytes[k] == q).unwrap_or(end);
                (i + 1, close, (close + 1).min(end))
            }
            _ => {
                let s = i;
                while i < end && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                (s, i, i)
            }
        };
        i = after.max(v_start);
        let value = &text[v_start..v_end];
        // Bound attributes (`:title`, `v-bind:`, `@click`) hold code;
        // Vue's conditionals test it.
        if matches!(attr.as_str(), "v-if" | "v-else-if" | "v-show") {
            out.condition(v_start, v_end);
        }
        if attr.starts_with([':', '@']) || attr.starts_with("v-") {
            continue;
        }
        if attr == "type" {
            script_type = Some(value.to_ascii_lowercase());
        }
        let kind = if TEXT_ATTRS.contains(&attr.as_str()) {
            Some(UiKind::Text)
        } else if LINK_ATTRS.contains(&attr.as_str()) {
            Some(UiKind::Link)
        } else if NAME_ATTRS.contains(&attr.as_str()) {
            Some(UiKind::Name)
        } else {
            None
        };
        if let Some(kind) = kind {
            if kind == UiKind::Text && value.contains("{{") {
                tag_strings(out, v_start, v_end);
            }
            out.push(kind, value, v_start, v_end);
        }
    }
    let lower = name.to_ascii_lowercase();
    if lower == "script" || lower == "style" {
        let close = find_ci(
            text,
            i,
            end,
            if lower == "script" {
                "</script"
            } else {
                "</style"
            },
        );
        let is_js = lower == "script"
            && script_type
                .as_deref()
                .is_none_or(|t| t.contains("javascript") || t == "module" || t.contains("ts"));
        if is_js {
            js::scan(out, i, close, component);
        }
        return find(text, close, ">")
            .filter(|&c| c < end)
            .map_or(end, |c| c + 1);
    }
    i
}

/// The first `needle` (ASCII, lower case) at or after `from`, ignoring case;
/// `end` when none.
fn find_ci(text: &str, from: usize, end: usize, needle: &str) -> usize {
    let bytes = text.as_bytes();
    let n = needle.as_bytes();
    let mut i = from;
    while i + n.len() <= end {
        if bytes[i] == b'<' && bytes[i..i + n.len()].eq_ignore_ascii_case(n) {
            return i;
        }
        i += 1;
    }
    end
}

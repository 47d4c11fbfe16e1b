//! Markdown: each line of prose outside fenced code blocks is text (its
//! heading, list and quote markers dropped), each link target
//! (`[text](target)`, `<https://…>`) a link, `<!-- -->` comments comments.

use super::{Out, find_before};
use crate::facts::UiKind;

pub fn scan(out: &mut Out<'_>) {
    let text = out.text;
    let mut fence: Option<&str> = None;
    let mut in_comment = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            continue;
        }
        let indent = body.len() - trimmed.len();
        // Comments, possibly over several lines.
        let mut from = start + indent;
        let line_end = start + body.len();
        if in_comment {
            match find_before(text, from, line_end, "-->") {
                Some(c) => {
                    in_comment = false;
                    from = c + 3;
                }
                None => continue,
            }
        }
        let mut prose_end = line_end;
        if let Some(open) = find_before(text, from, line_end, "<!--") {
            let close = find_before(text, open + 4, line_end, "-->");
            out.comment(open, open + 4, close.unwrap_or(line_end));
            in_comment = close.is_none();
            prose_end = open;
        }
        if from >= prose_end {
            continue;
        }
        let mut seg = &text[from..prose_end];
        let mut seg_start = from;
        let stripped = seg.trim_start_matches(['#', '>', '-', '*', '+', ' ', '\t']);
        seg_start += seg.len() - stripped.len();
        seg = stripped;
        out.push(UiKind::Text, seg, seg_start, prose_end);
        links(out, seg_start, prose_end);
    }
}

/// `](target)` and `<scheme:…>` link targets in `text[start..end]`.
fn links(out: &mut Out<'_>, start: usize, end: usize) {
    let text = out.text;
    let mut i = start;
    while let Some(p) = find_before(text, i, end, "](") {
        let t = p + 2;
        let close = text[t..end].find([')', ' ']).map_or(end, |c| t + c);
        out.push(UiKind::Link, &text[t..close], t, close);
        i = close.max(t);
    }
    let mut i = start;
    while let Some(p) = find_before(text, i, end, "<") {
        let close = find_before(text, p, end, ">");
        let Some(close) = close else { break };
        let inner = &text[p + 1..close];
        if inner.starts_with("http") || inner.starts_with("mailto:") {
            out.push(UiKind::Link, inner, p + 1, close);
        }
        i = close + 1;
    }
}

use super::*;
use crate::catalog::terms::TermSet;

fn strings(path: &str, text: &str) -> Vec<(UiKind, String)> {
    let (facts, _) = extract(path, text);
    facts
        .ui_strings
        .iter()
        .map(|s| (s.kind, s.text.to_string()))
        .collect()
}

fn texts(path: &str, text: &str) -> Vec<String> {
    strings(path, text)
        .into_iter()
        .filter(|(k, _)| *k == UiKind::Text)
        .map(|(_, t)| t)
        .collect()
}

#[test]
fn html_text_attributes_links_and_names() {
    let page = r#"<!doctype html>
<html><head><title>Chat</title><style>p { color: red }</style></head>
<body>
  <!-- synthlint: ignore[SVC001] shown by the gateway -->
  <div id="chat-box" class="chat panel">
    <input placeholder="Ask anything" name="q">
    <a href="/report">举报 &amp; 投诉</a>
    <footer>网信算备{{ filing_no }}号</footer>
    <p>{% trans "Report abuse" %}</p>
  </div>
  <script>const hint = "You are talking to an AI"; const k = 'key';</script>
</body></html>"#;
    let got = strings("templates/index.html", page);
    let has = |k: UiKind, t: &str| got.iter().any(|(kk, tt)| *kk == k && tt == t);
    assert!(has(UiKind::Text, "Chat"), "{got:?}");
    assert!(has(UiKind::Name, "chat-box"));
    assert!(has(UiKind::Name, "chat panel"));
    assert!(has(UiKind::Text, "Ask anything"));
    assert!(has(UiKind::Link, "/report"));
    assert!(has(UiKind::Text, "举报 & 投诉"));
    assert!(has(UiKind::Text, "网信算备{{}}号"));
    assert!(has(UiKind::Text, "Report abuse"));
    assert!(has(UiKind::Text, "You are talking to an AI"));
    assert!(!got.iter().any(|(_, t)| t == "key" || t.contains("color")));
    let (facts, _) = extract("templates/index.html", page);
    assert_eq!(facts.comments.len(), 1);
    assert!(facts.comments[0].text.contains("synthlint: ignore[SVC001]"));
    assert!(facts.comments[0].own_line);
    // Spans point at the text.
    let s = facts
        .ui_strings
        .iter()
        .find(|s| s.text == "Ask anything")
        .unwrap();
    assert_eq!(
        &page[s.span.start_byte as usize..s.span.end_byte as usize],
        "Ask anything"
    );
    assert_eq!(s.span.start_line, 6);
}

#[test]
fn jinja_comments_and_components() {
    let t = texts("a.j2", "{# ruleid: SVC001 #}\n<p>Hello {{ user }}!</p>");
    assert_eq!(t, ["Hello {{}}!"]);
    let vue = r#"<template>
  <ChatWindow :title="t('x')" />
  <p>{{ greeting }} — 由人工智能生成</p>
</template>
<script setup lang="ts">
const label = ref<string>("Send message")
</script>"#;
    let got = strings("src/App.vue", vue);
    assert!(
        got.contains(&(UiKind::Name, "ChatWindow".into())),
        "{got:?}"
    );
    assert!(got.contains(&(UiKind::Text, "{{}} — 由人工智能生成".into())));
    assert!(got.contains(&(UiKind::Text, "Send message".into())));
    let svelte = "<p>Hi {name}, AI assistant here</p>";
    assert_eq!(texts("a.svelte", svelte), ["Hi {{}}, AI assistant here"]);
}

#[test]
fn js_literals_templates_regex_and_comments() {
    let src = r#"
import x from "./chat-box";
// a comment with "quotes"
const re = /["'`]/g, n = a / b / c;
const msg = `Hello ${user.name}, you are chatting with an AI`;
const route = '/complaint';
const key = 'report';
/* block "x" */ const cn = "反馈";
"#;
    let got = strings("app.ts", src);
    assert!(
        got.contains(&(
            UiKind::Text,
            "Hello {{}}, you are chatting with an AI".into()
        )),
        "{got:?}"
    );
    assert!(got.contains(&(UiKind::Link, "/complaint".into())));
    assert!(got.contains(&(UiKind::Text, "反馈".into())));
    assert!(!got.iter().any(|(k, t)| t == "report"
        || (*k != UiKind::Import && t.contains("chat-box"))
        || t == "quotes"));
    let (facts, _) = extract("app.ts", src);
    assert_eq!(facts.comments.len(), 2);
}

#[test]
fn jsx_text_and_attributes() {
    let src = r#"
export function Chat({ items }) {
  return (
    <div className="chat-panel">
      <h1>AI assistant</h1>
      {items.length > 0 && <span>{items.length} messages</span>}
      <input placeholder="Type a message" />
      <a href="mailto:abuse@example.com">Report abuse</a>
    </div>
  );
}
const n = a < b ? 1 : 2;
"#;
    let got = strings("Chat.jsx", src);
    let has = |k: UiKind, t: &str| got.iter().any(|(kk, tt)| *kk == k && tt == t);
    assert!(has(UiKind::Name, "chat-panel"), "{got:?}");
    assert!(has(UiKind::Text, "AI assistant"));
    assert!(has(UiKind::Text, "{{}} messages"));
    assert!(has(UiKind::Text, "Type a message"));
    assert!(has(UiKind::Link, "mailto:abuse@example.com"));
    assert!(has(UiKind::Text, "Report abuse"));
}

#[test]
fn markdown_prose_links_and_fences() {
    let md = "# 关于我们\n\n<!-- ok: SVC001 -->\nContact [us](mailto:a@b.c) or <https://x.y/report>.\n```\nnot = 'prose here'\n```\n";
    let got = strings("README.md", md);
    assert!(got.contains(&(UiKind::Text, "关于我们".into())), "{got:?}");
    assert!(got.contains(&(UiKind::Link, "mailto:a@b.c".into())));
    assert!(got.contains(&(UiKind::Link, "https://x.y/report".into())));
    assert!(!got.iter().any(|(_, t)| t.contains("prose here")));
    let (facts, _) = extract("README.md", md);
    assert_eq!(facts.comments.len(), 1);
}

#[test]
fn hostile_input_never_panics_and_is_bounded() {
    let cases: Vec<String> = vec![
        "<".into(),
        "<a href=".into(),
        "<a href=\"unterminated".into(),
        "{{".into(),
        "{%".into(),
        "{#".into(),
        "<!--".into(),
        "<script>".into(),
        "<script>\"abc".into(),
        "`${".into(),
        "`${`${`${".repeat(200),
        "'abc\n'".into(),
        "/".into(),
        "a / b /".into(),
        "<div>{".into(),
        "<>".repeat(500),
        "<a><b><c>".repeat(200),
        "\u{FEFF}é<p>é</p>é\\u{zz}".into(),
        "\"\\u{110000}\" \"\\uD800 x\"".into(),
        "ｱ<ｱ>ｱ{ｱ}ｱ`ｱ${ｱ}ｱ`/ｱ/ｱ".into(),
        "[x](".into(),
        "```\nunclosed".into(),
    ];
    for path in ["a.html", "a.vue", "a.jsx", "a.ts", "a.md"] {
        for c in &cases {
            let (facts, _) = extract(path, c);
            for s in &facts.ui_strings {
                assert!(s.span.start_byte <= s.span.end_byte);
                assert!(s.span.end_byte as usize <= c.len());
            }
        }
    }
    // Many strings: capped.
    let many = "<p>word</p>".repeat(MAX_STRINGS + 10);
    let (facts, notes) = extract("a.html", &many);
    assert_eq!(facts.ui_strings.len(), MAX_STRINGS);
    assert!(notes.iter().any(|n| n.kind == "markup-truncated"));
    // Huge file: not read.
    let huge = "<p>x</p>".repeat(MAX_BYTES / 8 + 1);
    let (facts, notes) = extract("a.html", &huge);
    assert!(facts.ui_strings.is_empty());
    assert!(notes.iter().any(|n| n.kind == "markup-skipped"));
    // Long text is cut at a character boundary.
    let long = format!("<p>{}</p>", "网".repeat(1000));
    let (facts, _) = extract("a.html", &long);
    assert!(facts.ui_strings[0].text.len() <= MAX_TEXT);
}

#[test]
fn binary_and_invalid_utf8_are_not_text() {
    let f = MarkupFrontend;
    assert_eq!(
        f.decode(b"<p>\0</p>".to_vec()).unwrap_err().kind,
        "binary-file"
    );
    assert_eq!(
        f.decode(b"<p>\xff</p>".to_vec()).unwrap_err().kind,
        "invalid-utf8"
    );
    assert!(f.skips("vendor.min.js"));
    assert!(f.skips("types.d.ts"));
    assert!(!f.skips("app.js"));
}

#[test]
fn prose_and_links() {
    assert!(reads_as_prose("Report abuse"));
    assert!(reads_as_prose("Feedback"));
    assert!(reads_as_prose("举报"));
    assert!(!reads_as_prose("report"));
    assert!(!reads_as_prose("chat_box"));
    assert!(!reads_as_prose("./components/Chat"));
    assert!(reads_as_link("/report"));
    assert!(reads_as_link("mailto:x@y.z"));
    assert!(!reads_as_link("//cdn"));
    assert!(!reads_as_link("/ "));
}

#[test]
fn filters_keep_matching_strings_first_strings_and_every_comment() {
    let page = r#"<div id="main"><h1>Welcome</h1>
<!-- synthlint: ignore[SVC002] reported by mail -->
<p>Plain words</p><a href="/report">Report abuse</a><p>More words</p></div>"#;
    let pattern = [r"(?i)report".to_string()];
    let terms = TermSet::new(
        crate::catalog::lazy_set::LazySet::new(&pattern).unwrap(),
        &pattern,
    );
    let (all, _) = extract("templates/index.html", page);
    let (some, _) = extract_with("templates/index.html", page, UiFilter::Matching(&terms));
    let (none, _) = extract_with("templates/index.html", page, UiFilter::Nothing);
    let got: Vec<String> = some.ui_strings.iter().map(|s| s.text.to_string()).collect();
    // The first string (a name), the first text, and what matches.
    assert_eq!(got, ["main", "Welcome", "/report", "Report abuse"]);
    assert!(none.ui_strings.is_empty());
    // What is kept is what the full scan saw, spans included.
    for s in &some.ui_strings {
        assert!(
            all.ui_strings
                .iter()
                .any(|a| a.text == s.text && a.span == s.span)
        );
    }
    assert_eq!(all.comments.len(), 1);
    assert_eq!(some.comments.len(), 1);
    assert_eq!(none.comments.len(), 1);
    assert_eq!(none.line_count, all.line_count);

    // The cap counts every string, kept or not: the note comes all the same.
    let many = "<p>word</p>".repeat(MAX_STRINGS + 10);
    let (facts, notes) = extract_with("big.html", &many, UiFilter::Nothing);
    assert!(facts.ui_strings.is_empty());
    assert!(notes.iter().any(|n| n.kind == "markup-truncated"));
    let (_, notes) = extract_with("small.html", &"<p>word</p>".repeat(10), UiFilter::Nothing);
    assert!(notes.is_empty());
}

#[test]
fn template_if_tests_are_conditions() {
    let names = |path: &str, text: &str| -> Vec<Vec<String>> {
        extract(path, text)
            .0
            .conditions
            .iter()
            .map(|c| c.names.iter().map(|n| n.to_string()).collect())
            .collect()
    };
    let django = r#"{% if request.user.show_suggested_users and not activities.number > 1 and suggested_users %}
<p>x</p>{%- elif user.is_authenticated -%}{% else %}{% endif %}{% for x in xs %}{% endfor %}
{% if "literal" == mode %}{% endif %}"#;
    assert_eq!(
        names("feed.html", django),
        [
            vec![
                "request.user.show_suggested_users",
                "activities.number",
                "suggested_users"
            ],
            vec!["user.is_authenticated"],
            vec!["mode"],
        ]
    );
    let vue = r#"<template><div v-if="prefs.personalized && items.length">a</div>
<p v-else-if='!user.hide_recommendations'>b</p><i v-show="open">c</i></template>"#;
    assert_eq!(
        names("Feed.vue", vue),
        [
            vec!["prefs.personalized", "items.length"],
            vec!["user.hide_recommendations"],
            vec!["open"]
        ]
    );
    let svelte = "{#if $settings.personalized}<Feed/>{:else if fallback}<Latest/>{/if}";
    assert_eq!(
        names("Feed.svelte", svelte),
        [vec!["$settings.personalized"], vec!["fallback"]]
    );
    // Text that only looks like a test is not one.
    assert!(names("page.html", "<p>if you like it</p>{{ if_x }}").is_empty());
}

#[test]
fn an_ampersand_before_multibyte_text_is_kept() {
    // The twelfth byte after `&` falls inside `ạ` (ragflow's vi.ts, diffusers' Korean docs).
    assert_eq!(decode_entities("& ngoại hối"), "& ngoại hối");
    assert_eq!(
        decode_entities("a &amp; b &#x41; 한국어&"),
        "a & b A 한국어&"
    );
}

#[test]
fn find_before_is_find_filtered() {
    let text = "ab](c <!-- x --> é](<d>\n](\n<!--";
    for needle in ["](", "<!--", "-->", "<", ">", "\n"] {
        for from in 0..=text.len() + 1 {
            for end in 0..=text.len() + 1 {
                if !text.is_char_boundary(from.min(text.len())) {
                    continue;
                }
                assert_eq!(
                    find_before(text, from, end, needle),
                    find(text, from, needle).filter(|&p| p < end),
                    "{needle:?} {from} {end}"
                );
            }
        }
    }
}

#[test]
fn jsx_tests_are_conditions_with_their_branch() {
    let text = r#"export const Home = ({ me, n }) => (
  <main>
    {me.settings.personalized && <Feed />}
    {n > 1 ? (<Many count={n} />) : <One />}
    {items.map((i) => i.title)}
    {a?.b ?? "x"}
  </main>
);
"#;
    let facts = extract("Home.jsx", text).0;
    let got: Vec<(Vec<String>, &str)> = facts
        .conditions
        .iter()
        .map(|c| {
            (
                c.names.iter().map(|n| n.to_string()).collect(),
                &text[c.then.start_byte as usize..c.then.end_byte as usize],
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (vec!["me.settings.personalized".to_string()], " <Feed />"),
            (vec!["n".to_string()], " (<Many count={n} />) : <One />"),
        ]
    );
}

#[test]
fn imports_and_roles_are_kept_by_kind() {
    let text = r#"import { MainContainer } from "@chatscope/chat-ui-kit-react";
import "./style.css";
const x = require('deep-chat');
const msgs = [{ role: "assistant", content: "hi" }, { "role": "user" }];
if (m.role === 'bot') show();
const label = "Role";
"#;
    let facts = extract("chat.js", text).0;
    let of = |kind: UiKind| -> Vec<String> {
        facts
            .ui_strings
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.text.to_string())
            .collect()
    };
    assert_eq!(
        of(UiKind::Import),
        ["@chatscope/chat-ui-kit-react", "./style.css", "deep-chat"]
    );
    assert_eq!(of(UiKind::Role), ["assistant", "user", "bot"]);
}

#[test]
fn the_parse_pass_reads_each_flavour_as_the_scan_does() {
    // `debug parse` is the floor a scan is measured against: a Markdown
    // file must be scanned as Markdown there too, not as an HTML page.
    let text = "# Welcome to the app\n\nPress <b>Start</b> to begin the chat.\n\n- first item here\n- second item here\n";
    let frontend = MarkupFrontend;
    for path in ["README.md", "page.html", "app.js"] {
        assert_eq!(
            frontend.parse_only_at(path, text),
            extract(path, text).0.ui_strings.len(),
            "{path}"
        );
    }
    assert_eq!(frontend.parse_only_at("README.md", text), 4);
    assert_ne!(
        frontend.parse_only_at("README.md", text),
        frontend.parse_only(text)
    );
}

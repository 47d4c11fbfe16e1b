//! Secrets are masked wherever a report quotes the scanned code: the text
//! report prints source lines around each finding, SARIF carries
//! `region.snippet`, and messages, code-flow steps, properties and the
//! inventory quote literals (a model id that looks like a key). All of it
//! ends up in CI logs and code-scanning databases.
//!
//! Masked: provider keys by their shape (OpenAI and Anthropic `sk-…`,
//! Hugging Face `hf_…`, AWS `AKIA…`/`ASIA…`, GitHub `ghp_…` and
//! `github_pat_…`, Google `AIza…`, Slack `xox?-…`, Stripe live keys, JWTs,
//! Alibaba Cloud `LTAI…`, Tencent Cloud `AKID…`, Baidu Qianfan
//! `bce-v3/ALTAK-…`, Zhipu `<32 hex>.<16>`), `Bearer …` tokens, passwords
//! in URLs (`https://user:pass@host`), PEM private keys (also inside
//! string literals, across lines), and string literals assigned to a name
//! that says key, secret, token or password (`api_key="…"`, `"password":
//! "…"`), escape sequences included. A key's vendor prefix stays visible
//! (`sk-proj-****…`) so a reader still sees what it was. Only ASCII is ever
//! replaced, one `*` per character (line breaks and spaces inside a PEM
//! block stay), so byte offsets, line and column numbers stay valid for
//! the masked text. Masking is idempotent: masking a masked text changes
//! nothing (it runs to a fixed point).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Key shapes: a vendor prefix (`k`) that stays, then the secret (`s`).
/// Word boundaries are ASCII ones (`(?-u:\b)`): with Unicode `\b` the regex
/// engine leaves its DFA on the first non-ASCII character and masking ran
/// at about 0.1 MB/s on real code; a key next to a non-ASCII letter is now
/// masked too.
const SHAPES: &[&str] = &[
    // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-api03-…).
    r"(?P<k>(?-u:\b)sk-(?:ant-(?:api\d\d-)?|proj-|svcacct-|admin-)?)(?P<s>[A-Za-z0-9_\-]{16,})",
    // Stripe live and restricted keys.
    r"(?P<k>(?-u:\b)(?:sk|rk)_live_)(?P<s>[A-Za-z0-9]{16,})",
    // Hugging Face.
    r"(?P<k>(?-u:\b)hf_)(?P<s>[A-Za-z0-9]{30,})",
    // AWS access key ids.
    r"(?P<k>(?-u:\b)(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA))(?P<s>[A-Z0-9]{16})(?-u:\b)",
    // GitHub tokens.
    r"(?P<k>(?-u:\b)gh[pousr]_)(?P<s>[A-Za-z0-9]{30,})",
    r"(?P<k>(?-u:\b)github_pat_)(?P<s>[A-Za-z0-9_]{22,})",
    // Google API keys.
    r"(?P<k>(?-u:\b)AIza)(?P<s>[A-Za-z0-9_\-]{30,})",
    // Slack tokens.
    r"(?P<k>(?-u:\b)xox[abposr]-)(?P<s>[A-Za-z0-9\-]{10,})",
    // JSON Web Tokens: header.payload.signature.
    r"(?P<k>(?-u:\b)eyJ)(?P<s>[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
    // Alibaba Cloud AccessKey ids.
    r"(?P<k>(?-u:\b)LTAI)(?P<s>[A-Za-z0-9]{12,30})(?-u:\b)",
    // Tencent Cloud SecretIds.
    r"(?P<k>(?-u:\b)AKID)(?P<s>[A-Za-z0-9]{32,40})(?-u:\b)",
    // Baidu AI Cloud (Qianfan) API keys.
    r"(?P<k>(?-u:\b)(?:bce-v3/)?ALTAK-)(?P<s>[A-Za-z0-9]{16,}(?:/[A-Za-z0-9]{16,})?)",
    // Zhipu AI (BigModel) API keys: id.secret.
    r"(?P<k>(?-u:\b))(?P<s>[0-9a-f]{32}\.[A-Za-z0-9]{16})(?-u:\b)",
    // `Authorization: Bearer …`.
    r"(?P<k>(?i:(?-u:\b)bearer)\s+)(?P<s>[A-Za-z0-9\-._~+/]{12,}=*)",
];

/// A password in a URL: `scheme://user:password@host`.
const URL_PASSWORD: &str =
    r#"(?P<k>(?-u:\b)[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'"]*:)(?P<s>[^\s@/'"]+)@"#;

/// A PEM private key: its body, up to the END line or to the first
/// character that cannot be in one (the string's closing quote).
const PEM: &str =
    r#"(?P<k>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----)(?P<s>(?:[A-Za-z0-9+/=:,#\s\\]|-[^-"'])*)"#;

/// A string literal given to a name that says it is a secret: `api_key="…"`,
/// `OPENAI_API_KEY = '…'`, `"password": "…"`, `token='…'`; escape
/// sequences are part of the value.
const NAMED: &str = r#"(?P<k>(?i:[A-Za-z0-9_]*(?:api[_\-]?key|apikey|secret|token|passw(?:or)?d|access[_\-]?key|private[_\-]?key|auth[_\-]?key|credentials?)[A-Za-z0-9_]*)['"]?(?:\s*:\s*[A-Za-z_][A-Za-z0-9_.\[\], |]*?)?\s*[:=]\s*(?i:[rbuf]{0,2})['"])(?P<s>(?:[[:graph:] &&[^'"\\]]|\\[[:graph:]]){6,})"#;

/// What a match is, for how its secret is masked.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A key of a known shape (keeps its vendor prefix).
    Shape,
    UrlPassword,
    Pem,
    Named,
}

struct Patterns {
    all: Regex,
    /// Per alternative: its kind and the names of its two groups.
    groups: Vec<(Kind, String, String)>,
    /// The key shapes alone, to find one inside a named literal.
    shapes: Regex,
}

/// One regex of numbered alternatives (`k3`/`s3`: the third).
fn alternation(parts: &[(Kind, &str)]) -> (Regex, Vec<(Kind, String, String)>) {
    let mut groups = Vec::new();
    let mut alts = Vec::new();
    for (i, (kind, p)) in parts.iter().enumerate() {
        let (k, s) = (format!("k{i}"), format!("s{i}"));
        alts.push(
            p.replace("(?P<k>", &format!("(?P<{k}>"))
                .replace("(?P<s>", &format!("(?P<{s}>")),
        );
        groups.push((*kind, k, s));
    }
    (
        Regex::new(&alts.join("|")).expect("secret patterns compile"),
        groups,
    )
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let mut parts: Vec<(Kind, &str)> = SHAPES.iter().map(|p| (Kind::Shape, *p)).collect();
    parts.extend([
        (Kind::UrlPassword, URL_PASSWORD),
        (Kind::Pem, PEM),
        (Kind::Named, NAMED),
    ]);
    let (all, groups) = alternation(&parts);
    let shape_parts: Vec<(Kind, &str)> = SHAPES.iter().map(|p| (Kind::Shape, *p)).collect();
    let (shapes, _) = alternation(&shape_parts);
    Patterns {
        all,
        groups,
        shapes,
    }
});

/// Passes that may change a text before it is final (one or two in
/// practice: masking one secret can only turn characters into `*`).
const MAX_PASSES: usize = 16;

/// `text` with every secret masked; borrowed when there is none.
pub fn mask(text: &str) -> Cow<'_, str> {
    let Cow::Owned(mut out) = mask_once(text) else {
        return Cow::Borrowed(text);
    };
    for _ in 0..MAX_PASSES {
        match mask_once(&out) {
            Cow::Borrowed(_) => break,
            Cow::Owned(next) => out = next,
        }
    }
    Cow::Owned(out)
}

fn mask_once(text: &str) -> Cow<'_, str> {
    let p = &*PATTERNS;
    if !p.all.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in p.all.captures_iter(text) {
        let Some((kind, secret)) = p
            .groups
            .iter()
            .find_map(|(kind, _, s)| Some((*kind, caps.name(s)?)))
        else {
            continue;
        };
        out.push_str(&text[last..secret.start()]);
        out.push_str(&mask_value(kind, secret.as_str()));
        last = secret.end();
    }
    out.push_str(&text[last..]);
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// A secret's masked form: one `*` per character; a PEM body keeps its
/// white space (lines stay lines); a named literal that starts with a key of
/// a known shape keeps that key's vendor prefix (`sk-proj-****`). The
/// patterns match ASCII only, so one `*` per byte is one per character.
fn mask_value(kind: Kind, value: &str) -> String {
    let stars = |n: usize| "*".repeat(n);
    match kind {
        Kind::Pem => value
            .chars()
            .map(|c| if c.is_ascii_whitespace() { c } else { '*' })
            .collect(),
        Kind::Shape | Kind::UrlPassword => stars(value.len()),
        Kind::Named => {
            // Masked characters count as key characters, so that masking
            // a masked text keeps the prefix (`*` and `A` are one byte each).
            let probe = value.replace('*', "A");
            let p = &*PATTERNS;
            match p.shapes.captures(&probe) {
                Some(caps) if caps.get(0).is_some_and(|m| m.start() == 0) => {
                    let inner = (0..SHAPES.len()).find_map(|i| caps.name(&format!("s{i}")));
                    match inner {
                        Some(inner) => format!(
                            "{}{}",
                            &value[..inner.start()],
                            stars(value.len() - inner.start())
                        ),
                        None => stars(value.len()),
                    }
                }
                _ => stars(value.len()),
            }
        }
    }
}

/// Mask `s` in place.
pub fn in_place(s: &mut String) {
    if let Cow::Owned(masked) = mask(s) {
        *s = masked;
    }
}

/// Mask a shared string, storing the masked one only where it changed.
fn text_in_place(t: &mut crate::finding::Text) {
    if let Cow::Owned(masked) = mask(t) {
        *t = masked.into();
    }
}

/// Whether masking changes any string in `v`.
fn masks_any(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => matches!(mask(s), Cow::Owned(_)),
        serde_json::Value::Array(items) => items.iter().any(masks_any),
        serde_json::Value::Object(map) => map.values().any(masks_any),
        _ => false,
    }
}

/// Mask everything a finding quotes: its message, the messages of related
/// locations and code-flow steps, a suppression's justification, and every
/// string in its properties (model ids, routes).
pub fn finding(f: &mut crate::finding::Finding) {
    text_in_place(&mut f.message);
    for r in f.related.iter_mut().chain(f.flow.iter_mut()) {
        text_in_place(&mut r.message);
    }
    if let Some(s) = &mut f.suppression {
        in_place(&mut s.justification);
    }
    // Values are shared among findings: one is copied only to be masked.
    f.properties.change_values(masks_any, |v| {
        let mut stack: Vec<&mut serde_json::Value> = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::String(s) => in_place(s),
                serde_json::Value::Array(items) => stack.extend(items.iter_mut()),
                serde_json::Value::Object(map) => stack.extend(map.values_mut()),
                _ => {}
            }
        }
    });
}

/// Mask a notification's message.
pub fn notification(n: &mut crate::finding::Notification) {
    in_place(&mut n.message);
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[track_caller]
    fn masked(input: &str, expected: &str) {
        let got = mask(input);
        assert_eq!(got, expected);
        assert_eq!(got.len(), input.len(), "byte length kept");
        assert_eq!(got.chars().count(), input.chars().count(), "columns kept");
    }

    #[test]
    fn provider_keys_keep_their_prefix() {
        masked(
            "client = OpenAI(api_key=\"sk-proj-AbCdEfGhIjKlMnOpQrStUv\")",
            "client = OpenAI(api_key=\"sk-proj-**********************\")",
        );
        masked(
            "k = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123'",
            "k = 'sk-ant-api03-******************************'",
        );
        masked("AWS = AKIAIOSFODNN7EXAMPLE", "AWS = AKIA****************");
        masked(
            "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "token ghp_************************************",
        );
        masked(
            "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
            "hf_**********************************",
        );
        masked(
            "headers = {\"Authorization\": \"Bearer abc.def-ghi_jkl123\"}",
            "headers = {\"Authorization\": \"Bearer ******************\"}",
        );
        masked(
            "j = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz'",
            "j = 'eyJ******************************************************'",
        );
    }

    #[test]
    fn literals_named_as_secrets_are_masked() {
        masked("api_key=\"abc123secret\"", "api_key=\"************\"");
        masked(
            "OPENAI_API_KEY = 'not-a-known-shape'",
            "OPENAI_API_KEY = '*****************'",
        );
        masked(
            "cfg = {\"password\": \"hunter22\"}",
            "cfg = {\"password\": \"********\"}",
        );
        masked("db(passwd=r'p@ss:w0rd!')", "db(passwd=r'**********')");
        masked(
            "client_secret: str = \"xyz-987-abc\"",
            "client_secret: str = \"***********\"",
        );
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        for text in [
            "client = OpenAI()",
            "client = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])",
            "api_key = get_key()",
            "model = \"gpt-4o-mini\"",
            "pipe = StableDiffusionPipeline.from_pretrained(\"stabilityai/sdxl-turbo\")",
            "max_tokens = 1024",
            "token_count = len(tokens)",
            "task-specific = 'sk-short'",
            "desk-lamp-with-a-very-long-name",
            "s = '生成 sk-漢字漢字漢字漢字漢字漢字'",
        ] {
            assert_eq!(mask(text), text, "{text}");
        }
    }

    #[test]
    fn several_secrets_on_a_line_and_across_lines() {
        masked(
            "a = 'sk-aaaaaaaaaaaaaaaaaaaa'; b = AKIAABCDEFGHIJKLMNOP\npassword = \"topsecret\"\n",
            "a = 'sk-********************'; b = AKIA****************\npassword = \"*********\"\n",
        );
    }

    #[test]
    fn keys_of_more_vendors_urls_and_pem_blocks() {
        masked(
            "ak = 'LTAI5tAbCdEfGhIjKlMnOpQr'",
            "ak = 'LTAI********************'",
        );
        masked(
            "sid = \"AKIDabcdefghijklmnopqrstuvwxyz012345\"",
            "sid = \"AKID********************************\"",
        );
        masked(
            "k = 'bce-v3/ALTAK-abcdefghijklmnopqrst/0123456789abcdef0123'",
            "k = 'bce-v3/ALTAK-*****************************************'",
        );
        masked(
            "z = '0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp'",
            "z = '*************************************************'",
        );
        masked(
            "DB = 'postgresql://admin:hunter2@db:5432/x'",
            "DB = 'postgresql://admin:*******@db:5432/x'",
        );
        masked("r = 'redis://:s3cr3t@cache'", "r = 'redis://:******@cache'");
        let pem = "KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\nab+/cd==\n-----END RSA PRIVATE KEY-----\"\"\"\nx = 1\n";
        masked(
            pem,
            "KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n*****************\n********\n-----END RSA PRIVATE KEY-----\"\"\"\nx = 1\n",
        );
        // One line with escaped line breaks; no END line in sight.
        masked(
            "k = \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n\"",
            "k = \"-----BEGIN PRIVATE KEY-----******************\"",
        );
        // A named value with escape sequences is masked whole.
        masked(
            "api_key = \"a\\tSECRETVALUE\\\"x\"",
            "api_key = \"*****************\"",
        );
    }

    /// Word boundaries are ASCII: a key right after or before a non-ASCII
    /// letter is still a key (and text with such letters keeps masking on
    /// the regex engine's fast path).
    #[test]
    fn keys_next_to_non_ascii_letters() {
        masked(
            "密钥sk-proj-abcdefghijklmnopqrst",
            "密钥sk-proj-********************",
        );
        masked("ak=AKIAIOSFODNN7EXAMPLEé", "ak=AKIA****************é");
    }

    /// Masking a masked text changes nothing, including where patterns
    /// overlap (the fuzz target checks the same on any input).
    #[test]
    fn masking_one_findings_shared_property_leaves_the_others() {
        use crate::finding::{Finding, Level, Location};
        let key = "sk-proj-AbCdEfGhIjKlMnOpQrStUv";
        let found = || {
            let loc = Location {
                path: "a.py".into(),
                span: Default::default(),
            };
            let mut f = Finding::new("GEN001", Level::Note, format!("model {key}"), loc);
            f.properties
                .insert("model", serde_json::json!([key, "gpt-4o"]));
            f.properties.insert("public", serde_json::json!(true));
            f.shrink();
            f
        };
        let (mut a, b) = (found(), found());
        super::finding(&mut a);
        assert_eq!(
            a.properties.get("model"),
            Some(&serde_json::json!([mask(key), "gpt-4o"]))
        );
        assert_eq!(a.message.as_str(), format!("model {}", mask(key)));
        assert_eq!(
            b.properties.get("model"),
            Some(&serde_json::json!([key, "gpt-4o"]))
        );
        assert_eq!(b.message.as_str(), format!("model {key}"));
    }

    #[test]
    fn masking_is_idempotent() {
        for text in [
            "api_key='sk-proj-abcdefghijklmnopqrstu'",
            "token = \"Bearer abcdefghijklmnop\"",
            "password='https://u:pw@h/sk-aaaaaaaaaaaaaaaaaaaaaa'",
            "secret=\"eyJaaaaaaaaa.eyJbbbbbbbbb.cccccccccc\"",
            "x = 'hf_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' token='AKIAABCDEFGHIJKLMNOP'",
            "-----BEGIN EC PRIVATE KEY-----\nabc\n-----BEGIN PRIVATE KEY-----\nxyz\n",
            "ftp://a:b@c token=\"ftp://d:eeeeee@f\"",
            // The 40-byte input the fuzz target found at ac14b2c: masking
            // kept `sk-ant-api03-`, 13 characters a `Bearer` token may hold,
            // so a second pass masked those too
            // (fuzz/regressions/redact/bearer-keeps-a-long-vendor-prefix).
            "Bearer sk-ant-api03-AbCdEfGhIjKlMnOpQrSt",
        ] {
            let once = mask(text).into_owned();
            assert_eq!(mask(&once), once, "{text}");
            assert_eq!(once.len(), text.len());
        }
    }
}

//! Secrets in reported source snippets are masked: the text report prints
//! source lines around each finding and SARIF carries `region.snippet`, and
//! both end up in CI logs and code-scanning databases.
//!
//! Masked: provider keys by their shape (OpenAI and Anthropic `sk-…`,
//! Hugging Face `hf_…`, AWS `AKIA…`/`ASIA…`, GitHub `ghp_…` and
//! `github_pat_…`, Google `AIza…`, Slack `xox?-…`, Stripe live keys, JWTs),
//! `Bearer …` tokens, and string literals assigned to a name that says key,
//! secret, token or password (`api_key="…"`, `"password": "…"`). A key's
//! vendor prefix stays visible (`sk-proj-****…`) so a reader still sees what
//! it was. Only ASCII is ever replaced, one `*` per character, so byte
//! offsets, line and column numbers stay valid for the masked text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Each pattern's `keep` group stays, its `secret` group is masked.
static SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    let patterns = [
        // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-api03-…).
        r"(?P<k1>\bsk-(?:ant-(?:api\d\d-)?|proj-|svcacct-|admin-)?)(?P<s1>[A-Za-z0-9_\-]{16,})",
        // Stripe live and restricted keys.
        r"(?P<k2>\b(?:sk|rk)_live_)(?P<s2>[A-Za-z0-9]{16,})",
        // Hugging Face.
        r"(?P<k3>\bhf_)(?P<s3>[A-Za-z0-9]{30,})",
        // AWS access key ids.
        r"(?P<k4>\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA))(?P<s4>[A-Z0-9]{16})\b",
        // GitHub tokens.
        r"(?P<k5>\bgh[pousr]_)(?P<s5>[A-Za-z0-9]{30,})",
        r"(?P<k6>\bgithub_pat_)(?P<s6>[A-Za-z0-9_]{22,})",
        // Google API keys.
        r"(?P<k7>\bAIza)(?P<s7>[A-Za-z0-9_\-]{30,})",
        // Slack tokens.
        r"(?P<k8>\bxox[abposr]-)(?P<s8>[A-Za-z0-9\-]{10,})",
        // JSON Web Tokens: header.payload.signature.
        r"(?P<k9>\beyJ)(?P<s9>[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
        // `Authorization: Bearer …`.
        r"(?P<k10>(?i:\bbearer)\s+)(?P<s10>[A-Za-z0-9\-._~+/]{12,}=*)",
        // A string literal given to a name that says it is a secret:
        // `api_key="…"`, `OPENAI_API_KEY = '…'`, `"password": "…"`, `token='…'`.
        r#"(?P<k11>(?i:[A-Za-z0-9_]*(?:api[_\-]?key|apikey|secret|token|passw(?:or)?d|access[_\-]?key|private[_\-]?key|auth[_\-]?key|credentials?)[A-Za-z0-9_]*)['"]?(?:\s*:\s*[A-Za-z_][A-Za-z0-9_.\[\], |]*?)?\s*[:=]\s*(?i:[rbuf]{0,2})['"])(?P<s11>[[:graph:] &&[^'"\\]]{6,})"#,
    ];
    Regex::new(&patterns.join("|")).expect("secret patterns compile")
});

/// `text` with every secret masked; borrowed when there is none.
pub fn mask(text: &str) -> Cow<'_, str> {
    let re = &*SECRETS;
    if !re.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let Some(secret) = (1..=11).find_map(|i| caps.name(&format!("s{i}"))) else {
            continue;
        };
        out.push_str(&text[last..secret.start()]);
        out.push_str(&mask_value(secret.as_str()));
        last = secret.end();
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// A secret's masked form: a vendor prefix that starts it stays
/// (`sk-proj-****`), the rest is one `*` per character. The patterns match
/// ASCII only, so one `*` per byte is one per character.
fn mask_value(value: &str) -> String {
    let stars = |n: usize| "*".repeat(n);
    // Masked characters count as key characters, so that masking a masked
    // text changes nothing (`*` and `A` are one byte each: offsets align).
    let probe = value.replace('*', "A");
    let Some(caps) = SECRETS.captures(&probe) else {
        return stars(value.len());
    };
    // A literal named as a secret may hold a key of a known shape.
    match (1..=10).find_map(|i| caps.name(&format!("s{i}"))) {
        Some(inner) if caps.get(0).is_some_and(|m| m.start() == 0) => {
            format!(
                "{}{}",
                &value[..inner.start()],
                stars(value.len() - inner.start())
            )
        }
        _ => stars(value.len()),
    }
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
}

//! GEN001 generation-call: inventory of every call into a catalogued
//! generation API.

use serde_json::json;

use crate::analysis::generation;
use crate::finding::{Finding, Level, Location};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct GenerationCall;

static META: RuleMeta = RuleMeta {
    code: "GEN001",
    name: "generation-call",
    category: Category::Generation,
    default_level: Level::Note,
    precision: Precision::High,
    status: Status::Stable,
    articles: &["CN-GAI-22", "CN-DSP-23"],
    summary: "A call into a generative AI API (text, image, audio or video).",
    security_severity: "0.0",
    doc: r#"
## What it does
Reports every call into a catalogued generation API: hosted model SDKs (OpenAI,
Anthropic, Google, domestic providers), local libraries (transformers, diffusers,
vLLM), speech synthesis and face or voice editing, and enhancement or
restoration libraries (super-resolution, face restoration, speech
enhancement), which are reported as enhancement calls. Each finding names what the
call generates (text, image, audio, video), the provider and where it runs
(overseas, domestic or self-hosted), and the model when it is a literal.

## Why is this bad?
It is not bad in itself. Code that generates content is what China's deep
synthesis and generative AI rules regulate: the service that reaches these calls
is in scope for labeling, logging, moderation, filing and security assessment.
This inventory is the evidence a compliance reviewer starts from, and the list
that tells you which other synthlint rules apply.

## Example
```python
from openai import OpenAI

client = OpenAI()
reply = client.chat.completions.create(model="gpt-4o", messages=msgs)  # GEN001
```

Use instead: nothing to change. Keep the call, and make sure the endpoints that
reach it label, log and moderate what they serve. Silence calls in code that is
never deployed (notebooks, evaluation scripts) with `per-path-ignores` in the
configuration rather than inline comments.

Calls of the project's own models (a `torch.nn.Module` subclass, an
onnxruntime session of the project's weights) are reported as *inferred*
(`evidence: "inferred"`, `precision: "medium"`) when their result is named as
media or text and an entry point that reaches them also delivers media; the
message says why. Catalogue matches carry `evidence: "observed"`.

## Known problems
Calls through clients whose type synthlint cannot infer (a client passed in as
an untyped parameter, built by a factory in another package) are not reported.
Library code that merely wraps these APIs is reported like application code.
"#,
};

impl Rule for GenerationCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for site in &cx.analysis.sites {
            let api = site.api;
            // Enhancement (super-resolution, restoration) is listed too: it is
            // deep synthesis, with lighter label duties (LBL009).
            let mut message = format!(
                "{} {} call `{}` ({}, {})",
                generation::content_label(&site.content),
                if api.enhancement {
                    "enhancement"
                } else {
                    "generation"
                },
                site.callee(),
                site.provider,
                site.jurisdiction.as_str()
            );
            if let Some(m) = &site.model {
                message += &format!(", model `{m}`");
            }
            if let Some(from) = &site.configured {
                message += &format!("; server address: {}", from.text);
            }
            if let Some(r) = &site.region {
                message += &format!("; region: {} ({})", r.name, r.from.text);
            }
            if let Some(reason) = &site.inferred {
                message += &format!("; inferred: {reason}");
            }
            let mut f = Finding::new(
                META.code,
                META.default_level,
                message,
                Location {
                    path: cx.project.path(site.file).into(),
                    span: site.at.span,
                },
            );
            f.symbol = site.at.scope.map(crate::finding::Text::from);
            f.properties.insert("api", json!(api.id));
            let kinds: Vec<&str> = site.content.iter().map(|c| c.as_str()).collect();
            f.properties.insert("contentTypes", json!(kinds));
            f.properties.insert("provider", json!(site.provider));
            f.properties
                .insert("jurisdiction", json!(site.jurisdiction.as_str()));
            if let Some(host) = &site.host {
                f.properties.insert("host", json!(host));
            }
            if let Some(m) = &site.model {
                f.properties.insert("model", json!(m));
            }
            if let Some(from) = &site.configured {
                f.properties.insert("configured", json!(from.text));
            }
            if let Some(r) = &site.region {
                f.properties.insert("region", json!(r.name));
                f.properties.insert("regionFrom", json!(r.from.text));
            }
            if site.biometric {
                f.properties.insert("biometric", json!(true));
            }
            if api.enhancement {
                f.properties.insert("enhancement", json!(true));
            }
            insert_evidence(&mut f, site);
            out.push(f);
        }
    }
}

/// `evidence` (`observed`: a catalogue match; `inferred`: the project's own
/// model) and the matching `precision` (`high`, `medium`).
pub fn insert_evidence(f: &mut Finding, site: &generation::GenerationSite<'_>) {
    let evidence = site.evidence();
    f.properties.insert("evidence", json!(evidence));
    let precision = if evidence == "inferred" {
        "medium"
    } else {
        "high"
    };
    f.properties.insert("precision", json!(precision));
}

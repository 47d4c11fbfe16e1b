//! GEN001 generation-call: inventory of every call into a catalogued
//! generation API.

use serde_json::json;

use crate::catalog::{ContentType, GenerationApi};
use crate::facts::{Arg, Call, Value};
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
vLLM), speech synthesis and face or voice editing. Each finding names what the
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
        for file in &cx.project.files {
            for call in &file.calls {
                let Some(resolved) = &call.resolved else {
                    continue;
                };
                let Some(api) = cx.catalog.generation_api(resolved) else {
                    continue;
                };
                let Some(content) = content_types(api, call) else {
                    continue;
                };
                let model = model_of(api, call);
                let kinds: Vec<&str> = content.iter().map(|c| c.as_str()).collect();
                let mut message = format!(
                    "{} generation call `{}` ({}, {})",
                    kinds.join("/"),
                    call.callee,
                    api.provider,
                    api.jurisdiction.as_str()
                );
                if let Some(m) = &model {
                    message += &format!(", model `{m}`");
                }
                let mut f = Finding::new(
                    META.code,
                    META.default_level,
                    message,
                    Location {
                        path: file.path.clone(),
                        span: call.span,
                    },
                );
                f.symbol = call.scope.clone();
                f.properties.insert("api".into(), json!(api.id));
                f.properties.insert("contentTypes".into(), json!(kinds));
                f.properties.insert("provider".into(), json!(api.provider));
                f.properties
                    .insert("jurisdiction".into(), json!(api.jurisdiction.as_str()));
                if let Some(host) = &api.host {
                    f.properties.insert("host".into(), json!(host));
                }
                if let Some(m) = model {
                    f.properties.insert("model".into(), json!(m));
                }
                if api.biometric {
                    f.properties.insert("biometric".into(), json!(true));
                }
                out.push(f);
            }
        }
    }
}

/// What the call generates, or `None` when an argument says it generates nothing
/// (e.g. a `transformers.pipeline` for classification).
pub fn content_types(api: &GenerationApi, call: &Call) -> Option<Vec<ContentType>> {
    let Some(by_arg) = &api.content_by_arg else {
        return Some(api.content.clone());
    };
    let args: &[Arg] = if by_arg.on_receiver {
        call.receiver_args.as_deref().unwrap_or(&[])
    } else {
        &call.args
    };
    let value = by_arg
        .keyword
        .as_deref()
        .and_then(|k| args.iter().find(|a| a.keyword.as_deref() == Some(k)))
        .or_else(|| {
            by_arg
                .position
                .and_then(|p| args.iter().filter(|a| a.keyword.is_none()).nth(p))
        })
        .map(|a| &a.value);
    match value {
        Some(Value::Str(s)) => by_arg.values.get(s.as_str()).cloned(),
        // Not a literal: we cannot tell, so fall back to the declared content.
        _ if !api.content.is_empty() => Some(api.content.clone()),
        _ => None,
    }
}

/// The literal model id, from the call or the receiver's constructor.
pub fn model_of(api: &GenerationApi, call: &Call) -> Option<String> {
    let kw = api.model_keyword.as_deref()?;
    let find = |args: &[Arg]| {
        args.iter()
            .find(|a| a.keyword.as_deref() == Some(kw))
            .and_then(|a| a.value.as_str().map(str::to_owned))
    };
    find(&call.args).or_else(|| call.receiver_args.as_deref().and_then(find))
}

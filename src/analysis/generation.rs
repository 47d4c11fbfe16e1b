//! Generation sinks: calls into catalogued generation APIs, with what they
//! generate. Shared by the inventory rule, the call graph and reports.

use std::collections::HashMap;

use crate::analysis::Project;
use crate::catalog::{Catalog, ContentType, GenerationApi};
use crate::facts::{Arg, Call, Value};

/// One call into a generation API.
#[derive(Debug, Clone)]
pub struct GenerationSite<'a> {
    /// Index into `Project::files`.
    pub file: usize,
    /// Index into that file's `calls`.
    pub call: usize,
    pub api: &'a GenerationApi,
    pub content: Vec<ContentType>,
    /// Literal model id, when known.
    pub model: Option<String>,
}

/// Every generation call of the project, in file and call order.
pub fn sites<'a>(project: &Project, catalog: &'a Catalog) -> Vec<GenerationSite<'a>> {
    // Calls share few distinct callee names: match each against the catalogue once.
    let mut apis: HashMap<&str, Option<&'a GenerationApi>, foldhash::fast::FixedState> =
        HashMap::default();
    let mut out = Vec::new();
    for (fi, file) in project.files.iter().enumerate() {
        for (ci, call) in file.calls.iter().enumerate() {
            let Some(resolved) = call.resolved.as_deref() else {
                continue;
            };
            let api = *apis
                .entry(resolved)
                .or_insert_with(|| catalog.generation_api(resolved));
            if let Some(site) = api.and_then(|api| site_of(api, call)) {
                out.push(GenerationSite {
                    file: fi,
                    call: ci,
                    ..site
                });
            }
        }
    }
    out
}

/// The generation API a call reaches, if any (file/call indices left 0).
pub fn site<'a>(catalog: &'a Catalog, call: &Call) -> Option<GenerationSite<'a>> {
    site_of(catalog.generation_api(call.resolved.as_deref()?)?, call)
}

/// The site of a call whose resolved callee matches `api`, unless an
/// argument says it generates nothing.
fn site_of<'a>(api: &'a GenerationApi, call: &Call) -> Option<GenerationSite<'a>> {
    let content = content_types(api, call)?;
    Some(GenerationSite {
        file: 0,
        call: 0,
        api,
        content,
        model: model_of(api, call),
    })
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

/// `text/image` style list.
pub fn content_label(content: &[ContentType]) -> String {
    content
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join("/")
}

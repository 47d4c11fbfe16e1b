//! LBL003 vendor-watermark-disabled: a provider-side watermark or label is
//! switched off, and the code that serves the output adds no label itself.

use serde_json::json;

use crate::analysis::{FastMap, Reader};
use crate::catalog::labels::LabelKind;
use crate::facts::{Arg, Call, MAX_BUILDER_CHAIN, Receiver, Value};
use crate::finding::{Finding, Level, Location};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct VendorWatermarkDisabled;

static META: RuleMeta = RuleMeta {
    code: "LBL003",
    name: "vendor-watermark-disabled",
    category: Category::Label,
    default_level: Level::Warning,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-LBL-4", "CN-LBL-5", "CN-DSP-16", "CN-DSP-17"],
    summary: "A model provider's built-in watermark or AI label is switched off with no label of our own.",
    security_severity: "4.0",
    doc: r#"
## What it does
Finds generation calls (and the clients they are made on) that pass
`watermark=False`, `add_watermark=False`, `logo_add=False` or a similar switch
that tells the provider not to mark its output, as a keyword argument or as a
key of the request body sent to the provider's API (`{"parameters":
{"watermark": false}}`), when no code that serves that output adds an
implicit and an explicit label of its own.

## Why is this bad?
Several image and video APIs label their output by default. Turning that off
is allowed only when the service labels the content itself: generated content
must carry both a visible label and a metadata label when it reaches users.

## Example
```python
result = ImageSynthesis.call(model="wanx-v1", prompt=prompt, watermark=False)
```

Use instead: keep the provider's label, or add your own visible and metadata
labels on the path that returns the image.

## Known problems
Labels added by a service outside the repository are not seen. Switch names
are catalogue data; unusual vendor parameters need a catalogue entry.
"#,
};

impl Rule for VendorWatermarkDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        // Per file, built when a site needs it: the calls made on each call.
        let mut followers: FastMap<usize, FastMap<u32, Vec<u32>>> = FastMap::default();
        for (si, site) in an.sites.iter().enumerate() {
            let file = cx.project.file(site.file, Reader::RulesLabels);
            let call = &file.calls[site.call];
            let receiver = call.receiver_args().unwrap_or(&[]);
            let Some((arg, keyword, setting)) = switched_off(cx, &call.args)
                .or_else(|| switched_off(cx, receiver))
                .or_else(|| {
                    // The body given later in a request builder's chain
                    // (`client.post(url).json(&body).send()`).
                    let followers = followers
                        .entry(site.file)
                        .or_insert_with(|| followers_of(&file.calls));
                    chained_after(followers, site.call)
                        .into_iter()
                        .find_map(|c| switched_off(cx, &file.calls[c].args))
                })
            else {
                continue;
            };
            // Labeled by us after all? Every endpoint that reaches this call
            // must label each content type both ways.
            let endpoints: Vec<usize> = (0..an.entry_points.len())
                .filter(|&e| an.reach[e].sinks.iter().any(|r| r.sink == si))
                .collect();
            let labeled = |e: usize| {
                site.content.iter().all(|c| {
                    an.labels_reached(e)
                        .any(|l| l.covers(LabelKind::Implicit, *c))
                        && an
                            .labels_reached(e)
                            .any(|l| l.covers(LabelKind::Explicit, *c))
                })
            };
            if !endpoints.is_empty() && endpoints.iter().all(|&e| labeled(e)) {
                continue;
            }
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "`{setting}` turns off {}'s own label on generated {}, and no label of ours is added where it is served",
                    site.provider,
                    crate::analysis::generation::content_label(&site.content)
                ),
                Location {
                    path: file.path.as_str().into(),
                    span: arg.span,
                },
            );
            f.symbol = call.scope.map(crate::finding::Text::from);
            f.properties.insert("keyword", json!(keyword));
            out.push(f);
        }
    }
}

/// The argument that switches a provider watermark off, with its keyword
/// and the setting as written: a keyword argument (`watermark=False`), or a
/// key of a request body sent to the provider's API
/// (`json!({"parameters": {"watermark": false}})`, `"watermark": false`).
fn switched_off<'a>(cx: &'a Context<'_>, args: &'a [Arg]) -> Option<(&'a Arg, &'a str, String)> {
    let off = |k: &str, v: &Value| {
        cx.catalog
            .watermark_switches
            .iter()
            .find(|s| s.keyword == k)
            .filter(|sw| sw.off_values.iter().any(|o| o.matches(v)))
            .map(|sw| (sw.keyword.as_str(), body_setting(k, v)))
    };
    args.iter().find_map(|a| {
        let found = match a.keyword.as_deref() {
            Some(k) => off(k, &a.value).map(|(k, _)| (k, format!("{k}={}", a.value.display()))),
            None => None,
        };
        found
            .or_else(|| in_body(&a.value, &off))
            .map(|(k, v)| (a, k, v))
    })
}

/// A body's key and value as JSON writes them (`"watermark": false`).
fn body_setting(key: &str, v: &Value) -> String {
    let value = match v {
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => format!("\"{s}\""),
        other => other.display(),
    };
    format!("\"{key}\": {value}")
}

/// For each call of a file, the calls made directly on what it returns.
fn followers_of(calls: &[Call]) -> FastMap<u32, Vec<u32>> {
    let mut out: FastMap<u32, Vec<u32>> = FastMap::default();
    for (c, call) in calls.iter().enumerate() {
        if let Receiver::Call(r) = call.receiver {
            out.entry(r).or_default().push(c as u32);
        }
    }
    out
}

/// The calls made on what call `at` returns, directly or further down the
/// same builder chain, at most [`MAX_BUILDER_CHAIN`] links and
/// [`MAX_FOLLOWERS`] calls.
fn chained_after(followers: &FastMap<u32, Vec<u32>>, at: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut frontier = vec![at as u32];
    for _ in 0..MAX_BUILDER_CHAIN {
        let next: Vec<u32> = frontier
            .iter()
            .filter_map(|c| followers.get(c))
            .flatten()
            .copied()
            .collect();
        if next.is_empty() || out.len() >= MAX_FOLLOWERS {
            break;
        }
        out.extend(next.iter().map(|&c| c as usize));
        frontier = next;
    }
    out.truncate(MAX_FOLLOWERS);
    out
}

/// More calls than this after one site are not looked at.
const MAX_FOLLOWERS: usize = 256;

/// Nesting of request bodies looked into (`{"parameters": {...}}`).
const MAX_BODY_DEPTH: usize = 4;

/// A key of a dict, at any depth up to [`MAX_BODY_DEPTH`], that `off`
/// accepts with its value.
fn in_body<'a>(
    value: &Value,
    off: &impl Fn(&str, &Value) -> Option<(&'a str, String)>,
) -> Option<(&'a str, String)> {
    let mut stack = vec![(value, 0)];
    while let Some((v, depth)) = stack.pop() {
        let Value::Dict(pairs) = v else { continue };
        for (k, v) in pairs {
            if let Some(found) = k.as_str().and_then(|k| off(k, v)) {
                return Some(found);
            }
            if depth + 1 < MAX_BODY_DEPTH {
                stack.push((v, depth + 1));
            }
        }
    }
    None
}

//! LBL003 vendor-watermark-disabled: a provider-side watermark or label is
//! switched off, and the code that serves the output adds no label itself.

use serde_json::json;

use crate::catalog::labels::LabelKind;
use crate::facts::Arg;
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
that tells the provider not to mark its output, when no code that serves that
output adds an implicit and an explicit label of its own.

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
        for (si, site) in an.sites.iter().enumerate() {
            let file = &cx.project.files[site.file];
            let call = &file.calls[site.call];
            let receiver = call.receiver_args.as_deref().unwrap_or(&[]);
            let Some((arg, keyword)) =
                switched_off(cx, &call.args).or_else(|| switched_off(cx, receiver))
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
                    "`{keyword}={}` turns off {}'s own label on generated {}, and no label of ours is added where it is served",
                    arg.value.display(),
                    site.provider,
                    crate::analysis::generation::content_label(&site.content)
                ),
                Location {
                    path: file.path.clone(),
                    span: arg.span,
                },
            );
            f.symbol = call.scope.map(String::from);
            f.properties.insert("keyword".into(), json!(keyword));
            out.push(f);
        }
    }
}

/// The argument that switches a provider watermark off, with its keyword.
fn switched_off<'a>(cx: &'a Context<'_>, args: &'a [Arg]) -> Option<(&'a Arg, &'a str)> {
    args.iter().find_map(|a| {
        let k = a.keyword.as_deref()?;
        let sw = cx
            .catalog
            .watermark_switches
            .iter()
            .find(|s| s.keyword == k)?;
        sw.off_values
            .iter()
            .any(|v| v.matches(&a.value))
            .then_some((a, sw.keyword.as_str()))
    })
}

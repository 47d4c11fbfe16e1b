//! LBL009 labeling-function-missing: a service that only enhances or
//! restores content offers its users no way to label the result.

use crate::catalog::labels::LabelKind;
use crate::finding::{Finding, Level};
use crate::rules::labels::{endpoint_finding, is_service};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct LabelingFunctionMissing;

static META: RuleMeta = RuleMeta {
    code: "LBL009",
    name: "labeling-function-missing",
    category: Category::Label,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-17.2", "CN-LBL-4"],
    summary: "An enhancement or restoration service offers no way to add a visible AI label.",
    security_severity: "1.0",
    doc: r#"
## What it does
Finds service endpoints whose generation calls are all enhancement or
restoration (super-resolution such as Real-ESRGAN, face restoration such as
GFPGAN or CodeFormer, colourisation, speech denoising and enhancement) and
whose code has no explicit label at all: no disclosure text, no text drawn on
images or video, not even one behind an option. One note per endpoint.

## Why is this bad?
Enhancing or restoring content is deep synthesis, but it is not on the list
of services whose output must always carry a visible mark. Such a service
must still give its users a labeling function, for example an option that
adds an "AI-enhanced" mark, and tell them they can use it. (Its output still
needs the implicit metadata label; LBL001 checks that.)

## Example
```python
@app.post("/upscale")
def upscale(file: UploadFile):
    output, _ = upsampler.enhance(read_image(file), outscale=4)
    return encode_png(output)
```

Use instead:
```python
@app.post("/upscale")
def upscale(file: UploadFile, add_label: bool = False):
    output, _ = upsampler.enhance(read_image(file), outscale=4)
    if add_label:
        cv2.putText(output, "AI-enhanced", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
    return encode_png(output)
```

## Options
Enhancement libraries are catalogue entries with `enhancement = true`;
a labeling helper of your own counts when named in the configuration:
`[[catalog.label]] id = "ours" kind = "explicit" patterns = ["app.labels.badge"]`.

## Known problems
A labeling option offered only by a front end outside the scanned code is
not seen. Diffusion upscalers that follow a text prompt count as generation,
not enhancement, so LBL002 applies to them instead. Whether an enhancement
changes content so much that it needs a label every time (a face restored
beyond recognition) is a judgement this rule does not make.
"#,
};

impl Rule for LabelingFunctionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        for (i, entry, reached) in an.generation_endpoints() {
            let enhancement_only = reached.iter().all(|r| an.sites[r.sink].api.enhancement);
            if !is_service(entry) || !enhancement_only {
                continue;
            }
            let content = an.content_of(i);
            let labeled = an
                .labels_reached(i)
                .any(|l| content.iter().any(|&c| l.covers(LabelKind::Explicit, c)));
            if labeled {
                continue;
            }
            let kinds: Vec<&str> = content.iter().map(|c| c.as_str()).collect();
            let message = format!(
                "{} only enhances or restores {}, and offers no way to add a visible AI label to the result",
                entry.describe(),
                kinds.join("/")
            );
            out.push(endpoint_finding(cx, &META, i, entry, message, &kinds));
        }
    }
}

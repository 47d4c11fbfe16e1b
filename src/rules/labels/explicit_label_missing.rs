//! LBL002 explicit-label-missing: a generation endpoint delivers content
//! with no visible or audible disclosure on its path.

use crate::catalog::labels::LabelKind;
use crate::finding::{Finding, Level};
use crate::rules::labels::{endpoint_finding, unlabeled};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct ExplicitLabelMissing;

static META: RuleMeta = RuleMeta {
    code: "LBL002",
    name: "explicit-label-missing",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &[
        "CN-LBL-4",
        "CN-DSP-17",
        "CN-GB45438-5",
        "CN-GAI-12",
        "EU-AIA-50.4",
    ],
    summary: "Generated content is delivered without a visible or audible AI disclosure.",
    security_severity: "5.0",
    doc: r#"
## What it does
For every endpoint that serves generated content, looks at all the code it
reaches for an explicit label: a disclosure string such as "AI-generated" or
"由人工智能生成" added to text or to a response field the interface shows,
text drawn onto images or video frames (Pillow `ImageDraw.text`, OpenCV
`putText`, an ffmpeg `drawtext` filter, Rust's `imageproc` `draw_text_mut`). Reports the endpoint when a content
type it serves has none.

## Why is this bad?
Chat and writing that imitate a person, synthetic voices, face generation and
editing, immersive scenes, and any service that generates or substantially
changes content must carry a label people can see or hear at a reasonable
position (for text at the start, end or middle; for images a visible mark; for
audio a spoken notice). Users must be able to tell that what they read, hear or
see was produced by AI.

## Example
```python
@app.post("/chat")
def chat(body: dict):
    return {"answer": llm(body["prompt"])}
```

Use instead:
```python
@app.post("/chat")
def chat(body: dict):
    return {"answer": llm(body["prompt"]), "label": "本回答由人工智能生成 (AI-generated)"}
```

## Options
Label helpers of your own count when named in the configuration:
`[[catalog.label]] id = "ours" kind = "explicit" patterns = ["app.labels.badge"]`.

## Known problems
A label rendered only by a front end outside the scanned repository is not
seen; scan the front end too, or configure the endpoint. Services that only
enhance or restore content without changing it need to offer a labeling
function rather than label everything; review those findings.
"#,
};

impl Rule for ExplicitLabelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (i, entry, missing) in unlabeled(cx, LabelKind::Explicit, |_| true) {
            let missing: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
            let message = format!(
                "{} delivers generated {} without an explicit label: no AI disclosure is added on its path",
                entry.describe(),
                missing.join("/")
            );
            out.push(endpoint_finding(cx, &META, i, entry, message, &missing));
        }
    }
}

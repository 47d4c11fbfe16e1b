//! LBL001 implicit-label-missing: a generation endpoint serves images, audio
//! or video and nothing on its path writes an implicit label.

use crate::catalog::ContentType;
use crate::catalog::labels::LabelKind;
use crate::finding::{Finding, Level};
use crate::rules::labels::{endpoint_finding, unlabeled};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct ImplicitLabelMissing;

static META: RuleMeta = RuleMeta {
    code: "LBL001",
    name: "implicit-label-missing",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &[
        "CN-LBL-5",
        "CN-DSP-16",
        "CN-GB45438-6",
        "CN-GAI-12",
        "EU-AIA-50.2",
        "US-CA-SB942",
    ],
    summary: "Generated images, audio or video are served without an implicit (metadata) label.",
    security_severity: "5.0",
    doc: r#"
## What it does
For every endpoint that serves generated images, audio or video, looks at all
the code the endpoint reaches (helpers in other modules included) for a call
that writes a machine-readable label: AIGC metadata in the file (PNG text
chunks, EXIF/XMP, ID3 `TXXX`, MP4 tags), a C2PA manifest, or an invisible
watermark. Reports the endpoint when there is none for a content type it serves.
A PNG text chunk counts only under a label's key (`AIGC`, an XMP packet,
`c2pa`): a tool's own metadata such as `parameters` is not a label. A library
copied into the project (`app/vendor/imwatermark/`) counts as that library.
In Rust: the `png` crate's `add_text_chunk`/`add_itxt_chunk`/`add_ztxt_chunk`
under a label's key, `img-parts` and `little_exif` metadata writes,
kamadak-exif's writer and the `c2pa` crate's `Builder::sign`.

## Why is this bad?
Chinese rules require an implicit label in the metadata of every generated
file, in the format of GB 45438-2025 Annex E (who produced it, a content id,
whether it is AI-generated). The EU AI Act and California's SB 942 likewise
require machine-readable marking of synthetic media. Without it, platforms
cannot recognise the file as generated once it leaves your service.

## Example
```python
@app.post("/images")
def images(body: dict):
    image = pipe(body["prompt"]).images[0]
    image.save(buf, format="PNG")          # no metadata
```

Use instead:
```python
meta = PngInfo()
meta.add_text("AIGC", json.dumps({"Label": "1", "ContentProducer": PRODUCER, "ProduceID": request_id}))
image.save(buf, format="PNG", pnginfo=meta)
```

## Options
Name your own labeling helpers in the configuration so synthlint sees them:
`[[catalog.label]] id = "ours" kind = "implicit" patterns = ["app.labels.stamp"]`.

## Known problems
Labels written by a gateway, a CDN or the model vendor outside the repository
are not visible; configure the helper or silence the endpoint in configuration.
Labeling code reached only through dynamic dispatch is not found.
"#,
};

impl Rule for ImplicitLabelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (i, entry, missing) in unlabeled(cx, LabelKind::Implicit, |c| c != ContentType::Text) {
            let kinds: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
            let message = format!(
                "{} serves generated {} without an implicit label: no AIGC metadata, C2PA manifest or watermark is written on its path",
                entry.describe(),
                kinds.join("/")
            );
            out.push(endpoint_finding(cx, &META, i, entry, message, &kinds));
        }
    }
}

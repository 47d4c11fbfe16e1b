//! LBL101 media-label-missing: a media file carries no implicit label.

use crate::finding::Level;
use crate::rules::{Category, Precision, RuleMeta, Status};

pub static META: RuleMeta = RuleMeta {
    code: super::LABEL_MISSING,
    name: "media-label-missing",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::VeryHigh,
    status: Status::Preview,
    articles: &["CN-LBL-5", "CN-DSP-16", "CN-GB45438-6"],
    summary: "A generated media file carries no AIGC implicit label in its metadata.",
    security_severity: "5.0",
    doc: r#"
## What it does
Reported by `synthlint media` for a PNG, JPEG, WebP, MP3, WAV or MP4 file in
which no metadata field holds an AIGC implicit label, neither where the carrier
guides put it nor anywhere else. The file itself was read without damage.

Where each format keeps the label:

| format | carrier |
|---|---|
| PNG | XMP packet (iTXt `XML:com.adobe.xmp`) with `TC260:AIGC`, or a text chunk `AIGC` |
| JPEG | APP1 XMP with `TC260:AIGC`, or EXIF `UserComment` holding `{"AIGC": {...}}` |
| WebP | the `XMP ` chunk with `TC260:AIGC` |
| MP3 | ID3v2 `TXXX` frame with the description `AIGC` |
| WAV | a top-level RIFF chunk `AIGC` |
| MP4 | key `AIGC` (namespace `mdta`) in `moov/udta/meta`, value in `ilst` |

`TC260:AIGC` is the property `AIGC` in the namespace
`http://www.tc260.org.cn/ns/AIGC/1.0/`.

## Why is this bad?
Every file a generative service produces must say so in its metadata: that
it is AI-generated, who made it (provider name or code) and an id for this
piece of content. Platforms read that label to show their own notices, and
its absence is the plainest way to fail the implicit-labeling duty.

## Example
An image saved straight from the pipeline:
```python
image.save("out.png")
```

Use instead:
```python
from PIL.PngImagePlugin import PngInfo
info = PngInfo()
info.add_text("AIGC", json.dumps({"Label": "1", "ContentProducer": PROVIDER_CODE, "ProduceID": content_id}))
image.save("out.png", pnginfo=info)
```

## Known problems
Files that are not generated content (user uploads, stock assets, test data)
have no label and should not be passed to the command. Labels added later in
the pipeline (a CDN or upload step) are not seen in the files checked here.
Formats with no metadata container are not read.
"#,
};

//! LBL103 media-label-wrong-carrier: a label stored where readers do not look.

use crate::finding::Level;
use crate::rules::{Category, Precision, RuleMeta, Status};

pub static META: RuleMeta = RuleMeta {
    code: super::LABEL_WRONG_CARRIER,
    name: "media-label-wrong-carrier",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-GB45438-6", "CN-GB45438-E", "CN-LBL-5", "CN-LBL-11"],
    summary: "A media file stores its AIGC label in a metadata field the carrier guides do not name for its format.",
    security_severity: "4.0",
    doc: r#"
## What it does
Reported by `synthlint media` when a metadata field holds something that is
plainly a label (a field named like AIGC, or a JSON object with AIGC or label
element keys) but the field is not where the format's carrier guide puts it.
Examples: the JSON in a PNG `Comment` chunk or in EXIF inside a PNG; an XMP
property `AIGC` in another namespace than `http://www.tc260.org.cn/ns/AIGC/1.0/`;
an MP4 label only as a `©cmt` comment tag or in XMP; an MP3 label in a `COMM`
frame; a WAV label in `LIST/INFO`.

An error when the file has no label in a right place, a warning when it has
one there as well (the stray copy is then also counted as a second label).

## Why is this bad?
Platforms look for the label only in the carrier defined for each format. A
label anywhere else is not found, so the content counts as unlabelled. A
frequent cause is ffmpeg's `-metadata AIGC=...` without
`-movflags use_metadata_tags`, which drops the key, or writers that only know
generic comment fields.

## Example
```bash
ffmpeg -i in.mp4 -metadata comment='{"AIGC":{"Label":"1",...}}' -c copy out.mp4
```

Use instead:
```bash
ffmpeg -i in.mp4 -metadata AIGC='{"Label":"1",...}' -movflags use_metadata_tags -c copy out.mp4
```

## Known problems
A label written in a place this command does not read at all (for example a
JPEG APP13/IPTC block, or an ID3 tag appended at the end of an MP3) is reported
as missing rather than as a wrong carrier. Opaque fields are searched for a
JSON object that mentions AIGC or an element name, so an unrelated JSON blob
that happens to use a key such as `Label` in a comment field is reported.
"#,
};

//! LBL104 media-unreadable: a media file cannot be read far enough to check it.

use crate::finding::Level;
use crate::rules::{Category, Precision, RuleMeta, Status};

pub static META: RuleMeta = RuleMeta {
    code: super::UNREADABLE,
    name: "media-unreadable",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::VeryHigh,
    status: Status::Preview,
    articles: &["CN-LBL-5", "CN-GB45438-6"],
    summary: "A media file is empty, truncated, corrupt or not the format its name says, so its label cannot be checked.",
    security_severity: "3.0",
    doc: r#"
## What it does
Reported by `synthlint media` for a file it cannot read to the end: an empty
file, a truncated one (a PNG without `IEND`, an MP4 whose `mdat` runs past the
end, a RIFF file whose sizes do not match), a corrupt chunk or checksum, a
metadata block that cannot be decoded while it mentions AIGC, content that is
none of the supported formats, or a file over the size limit. Labels read
before the damage are still checked and reported.

## Why is this bad?
A file that cannot be read cannot be shown to carry its label, and a reader
that gives up on it will treat the content as unlabelled. Broken outputs in a
sample set usually point to a pipeline bug (an interrupted write, a stream
saved before it was finished).

## Example
A WAV written while streaming, whose header sizes were never filled in:
```python
wav = open("out.wav", "wb"); stream_to(wav)  # header says 0xFFFFFFFF bytes
```

Use instead:
```python
with wave.open("out.wav", "wb") as w:
    ...  # the wave module fixes the sizes on close
```

## Known problems
Audio and video payloads are not decoded: a file cut inside its last audio or
video frame, where the container sizes still match, is not reported. A WAV
written by a streaming encoder with placeholder sizes is reported even though
some players accept it.
"#,
};

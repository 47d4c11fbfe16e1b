//! LBL006 reencode-drops-label: generated media is written again — resized,
//! converted, transcoded, decoded and re-saved — by a writer that leaves the
//! metadata behind, where that metadata may hold a label.

use std::collections::HashMap;
use std::sync::OnceLock;

use ustr::Ustr;

use serde_json::json;

use crate::analysis::Reader;
use crate::analysis::callgraph::NodeId;

use crate::analysis::dataflow::Taint;
use crate::catalog::ContentType;
use crate::catalog::labels::LabelKind;
use crate::facts::Value;
use crate::finding::{Finding, Level, Location, Related};
use crate::rules::labels::dataflow::{Generated, Keeps, MediaDomain, Writer, ffmpeg_command};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct ReencodeDropsLabel;

static META: RuleMeta = RuleMeta {
    code: "LBL006",
    name: "reencode-drops-label",
    category: Category::Label,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-LBL-5", "CN-LBL-10", "CN-DSP-16", "CN-DSP-18"],
    summary: "Generated media is re-encoded (resized, converted, transcoded) without carrying its metadata label over.",
    security_severity: "4.0",
    doc: r#"
## What it does
Follows generated output through a function — the result of a generation
call, of a project function that makes one, anything computed from it, the
file it was written to — and reports a second write of it that leaves the
metadata behind.

Writes that drop metadata:

- Pillow `save` without `pnginfo=`, `exif=` or `xmp=` (or with `exif=b""`),
  after `thumbnail`, `resize`, `convert`, `Image.fromarray(np.array(img))`,
  `Image.new(...)` + `paste`, or `Image.open` of the generated file;
- `cv2.imwrite` and `cv2.VideoWriter.write` (OpenCV writes pixels only);
- in Rust, the `image` crate's `save`, `save_with_format`, `write_to` and
  `save_buffer` (it writes pixels only);
- moviepy `write_videofile`/`write_gif`/`write_audiofile` without
  `ffmpeg_params` that keep tags, pydub `export` without `tags=`;
- ffmpeg transcodes of a generated file (command lists, f-strings,
  ffmpeg-python) to MP4/MOV, WAV, GIF or images without
  `-movflags use_metadata_tags`: ffmpeg copies the input's metadata by
  default, but these muxers keep only the keys they know, so a custom `AIGC`
  key is dropped without an error.

It reports only where a label may really be lost: the data came from a
remote provider as an encoded file (providers embed C2PA manifests or AIGC
metadata), or the code labels it elsewhere — an implicit label call in the
same function, a write of the same data with `pnginfo=`/`exif=`, or a label
on the path of an endpoint that reaches the function. A write followed in
the same function by a label call (`piexif.insert`, exiftool, a project
helper that labels) is not reported.

Pixel or sample watermarks (invisible-watermark, AudioSeal) and token
watermarks live in the content itself and survive a re-save, so they are
not a label this rule can see lost (catalogue entries with
`carrier = "signal"`).

Boundaries with the other label rules:
- LBL001 reports endpoints that label nothing at all; saving fresh output of
  a local model with no label anywhere is its case, not this rule's.
- LBL004 reports deliberate removal (`piexif.remove`, `-map_metadata -1`);
  a command that strips on purpose is left to it.
- This rule reports the accidental loss in between: the label exists, or the
  provider's does, and a re-encode drops it.

## Why is this bad?
The implicit label lives in the file's metadata and has to stay with the
content: Chinese rules require it in every generated file and forbid
removing it, which includes losing it in a thumbnail or transcode that is
then published or served. A copy without the label can no longer be
recognised as generated once it leaves the service.

## Example
```python
image.save(path, pnginfo=aigc_info)          # labeled
thumb = image.copy()
thumb.thumbnail((256, 256))
thumb.save(thumb_path)                       # label lost
```

Use instead:
```python
thumb.save(thumb_path, pnginfo=aigc_info)
```
and for video `ffmpeg -i in.mp4 -vf scale=640:-2 -map_metadata 0 -movflags use_metadata_tags out.mp4`.

## Known problems
Data is followed by name within functions and into the parameters of
project functions it is passed to; loops (`for img in images`), containers
and attributes set in another method are not followed, so some re-encodes
are missed. A label written after the re-encode in another function (the
caller labels the thumbnail) is not seen and the write is reported. Whether
a provider really embeds a label is not known per model: every remote
provider's encoded output counts as possibly labeled.
"#,
};

impl Rule for ReencodeDropsLabel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let domain = MediaDomain::new(cx);
        let Some(taint) = domain.run() else {
            return;
        };
        let live = taint.live_files(cx.project.file_count());
        let labeled = OnceLock::new();
        // Only code that generated data can reach writes it: the files with
        // a live scope are read, one by one, in file order.
        for fi in (0..live.len()).filter(|&fi| live[fi]) {
            let file = cx.project.file(fi, Reader::RulesLabels);
            // Writers with their scope: calls, and ffmpeg commands built in a variable.
            let media = &cx.catalog.media;
            let mut writers: Vec<(Option<Ustr>, Writer<'_, '_>)> = (0..file.calls.len())
                .filter_map(|ci| Some((file.calls[ci].scope, domain.writer(fi, &file, ci)?)))
                .collect();
            writers.extend(
                file.assignments.iter().filter_map(|a| {
                    Some((a.scope, ffmpeg_command(media, &file, &a.value, a.span)?))
                }),
            );
            for (scope, w) in &writers {
                let Keeps::No(reason) = w.keeps else {
                    continue;
                };
                if !w.reencodes {
                    continue;
                }
                let Some(g) = domain.written(&taint, fi, *scope, w) else {
                    continue;
                };
                if !fits(w, &g) {
                    continue;
                }
                let source = if g.vendor {
                    None
                } else {
                    let labeled = labeled.get_or_init(|| labeled_endpoints(cx));
                    let found =
                        label_elsewhere(cx, &domain, &taint, labeled, fi, *scope, w, &writers);
                    match found {
                        Some(r) => Some(r),
                        None => continue,
                    }
                };
                if relabeled_after(cx, fi, scope.as_deref(), w) {
                    continue;
                }
                let whose = if source.is_some() {
                    "the label written on this path"
                } else {
                    "the label the provider embeds (C2PA or AIGC metadata)"
                };
                let mut f = Finding::new(
                    META.code,
                    META.default_level,
                    format!(
                        "{} writes generated {} again without its metadata ({reason}): {whose} is lost in this copy",
                        w.what,
                        w.content.as_str()
                    ),
                    Location {
                        path: file.path.as_str().into(),
                        span: w.span,
                    },
                );
                f.symbol = scope.map(crate::finding::Text::from);
                f.related.extend(source);
                f.properties.insert("writer", json!(w.what));
                f.properties.insert(
                    "labelSource",
                    json!(if g.vendor { "provider" } else { "code" }),
                );
                out.push(f);
            }
        }
    }
}

/// Whether the writer writes the kind of thing the data is.
fn fits(w: &Writer<'_, '_>, g: &Generated) -> bool {
    match w.what {
        "Pillow save" => g.has(ContentType::Image),
        "pydub export" => g.has(ContentType::Audio),
        _ => g.content.iter().any(|c| *c != ContentType::Text),
    }
}

/// Per call-graph node: the entry points that reach it and write an
/// implicit label somewhere on their path (computed once: most write none).
fn labeled_endpoints(cx: &Context<'_>) -> HashMap<NodeId, Vec<usize>> {
    let an = cx.analysis;
    let mut out: HashMap<NodeId, Vec<usize>> = HashMap::new();
    for (e, reach) in an.reach.iter().enumerate() {
        if an.labels_reached(e).any(|l| {
            l.kind == LabelKind::Implicit && l.carrier == crate::catalog::labels::Carrier::Metadata
        }) {
            for &n in &reach.nodes {
                out.entry(n).or_default().push(e);
            }
        }
    }
    out
}

/// Where the code labels this data, if it does: an implicit label in the
/// same function, a write of generated data that keeps metadata, or a label
/// on the path of an endpoint that reaches the function.
#[allow(clippy::too_many_arguments)]
fn label_elsewhere(
    cx: &Context<'_>,
    domain: &MediaDomain<'_>,
    taint: &Taint<Generated>,
    labeled: &HashMap<NodeId, Vec<usize>>,
    fi: usize,
    scope: Option<Ustr>,
    w: &Writer<'_, '_>,
    writers: &[(Option<Ustr>, Writer<'_, '_>)],
) -> Option<Related> {
    let an = cx.analysis;
    let project = cx.project;
    let node = an.graph.node_at(fi, scope.as_deref(), w.pos);
    let covers = |l: &&crate::analysis::results::LabelEvidence| l.metadata_label_for(w.content);
    let related = |file: usize, span, message: &str| Related {
        location: Location {
            path: project.path(file).into(),
            span,
        },
        message: message.into(),
    };
    if let Some(l) = an.labels[node].iter().find(covers) {
        return Some(related(l.file, l.span, "implicit label written here"));
    }
    if let Some((_, other)) = writers.iter().find(|(s, o)| {
        *s == scope && o.keeps == Keeps::Yes && domain.written(taint, fi, scope, o).is_some()
    }) {
        return Some(related(fi, other.span, "written with its metadata here"));
    }
    labeled
        .get(&node)?
        .iter()
        .find_map(|&e| an.labels_reached(e).find(covers))
        .map(|l| {
            related(
                l.file,
                l.span,
                "implicit label written on an endpoint path that reaches this code",
            )
        })
}

/// Whether the same function labels the written file afterwards: a later
/// label call, or a call into project code that labels, given the same
/// output (`piexif.insert(exif, path)`, `add_label(path)`).
fn relabeled_after(cx: &Context<'_>, fi: usize, scope: Option<&str>, w: &Writer<'_, '_>) -> bool {
    let an = cx.analysis;
    let project = cx.project;
    let Some(output) = w.output else {
        return false;
    };
    let labels = |n: usize| an.labels[n].iter().any(|l| l.metadata_label_for(w.content));
    project
        .file(fi, Reader::RulesLabels)
        .calls
        .iter()
        .filter(|c| c.scope.as_deref() == scope && c.span.start_byte > w.span.end_byte)
        .filter(|c| c.args.iter().any(|a| contains(&a.value, output)))
        .any(|c| {
            let Some(r) = c.resolved.as_ref() else {
                return false;
            };
            cx.catalog
                .label_call(project.language(fi), c)
                .is_some_and(|api| {
                    api.kind == LabelKind::Implicit
                        && api.carrier == crate::catalog::labels::Carrier::Metadata
                })
                || an.graph.targets(project, r).into_iter().any(|t| {
                    an.graph
                        .reach(t, &an.generation_sinks)
                        .nodes
                        .into_iter()
                        .any(labels)
                })
        })
}

/// Whether `v` is `needle` or a list holding it.
fn contains(v: &Value, needle: &Value) -> bool {
    v == needle || matches!(v, Value::List(items) if items.iter().any(|i| i == needle))
}

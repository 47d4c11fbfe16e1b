//! LBL007 explicit-label-too-small: a visible AI label drawn on an image or
//! video with text smaller than 5% of the shorter side.

use serde_json::json;
use ustr::Ustr;

use crate::analysis::Reader;
use crate::catalog::entrypoints::ArgRef;
use crate::catalog::media::{OpencvText, PillowText, PxText};
use crate::facts::{Call, FileFacts, Receiver, Shape, Value};
use crate::finding::{Finding, Level, Location};
use crate::parts::{FileCheck, PerFile, Unit};
use crate::qname::OptionQName;
use crate::rules::labels::sizes::{Scope, Size, value_shape};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct ExplicitLabelTooSmall;

/// Smallest text height, as a share of the shorter side. GB 45438-2025 §5
/// as quoted by secondary sources (regulations.md §5.1, tagged [R]).
const MIN_SHARE: f64 = 0.05;

/// Image sizes tried when the size is not known: a font relative to the
/// image is reported only when it is too small at every one of them.
const SAMPLES: &[Size] = &[
    (256.0, 256.0),
    (512.0, 512.0),
    (1024.0, 1024.0),
    (768.0, 512.0),
    (512.0, 768.0),
    (1920.0, 1080.0),
    (1080.0, 1920.0),
    (2048.0, 1024.0),
    (1024.0, 2048.0),
    (4096.0, 4096.0),
];

static META: RuleMeta = RuleMeta {
    code: "LBL007",
    name: "explicit-label-too-small",
    category: Category::Label,
    default_level: Level::Warning,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-LBL-4", "CN-DSP-17", "CN-GB45438-5", "CN-LBL-11"],
    summary: "A visible AI label is drawn with text smaller than 5% of the image's or video's shorter side.",
    security_severity: "3.0",
    doc: r#"
## What it does
Finds visible AI labels drawn in code — Pillow `ImageDraw.text` /
`multiline_text`, OpenCV `cv2.putText`, ffmpeg `drawtext` filters, Rust
imageproc `draw_text_mut` — whose text is an AI disclosure ("AI生成",
"AI-generated", a module constant holding one, or a disclosure string in the
same function), and computes the text height and the image size from
literals:

- font: `ImageFont.truetype(path, size)`, `ImageFont.load_default(size=)`,
  `font_size=`, Pillow's default font (11 px at most), OpenCV `fontScale`
  and `thickness`, ffmpeg `fontsize=`, imageproc's scale (`PxScale::from(h)`,
  rusttype `Scale::uniform(h)`, or a number: `h` pixels);
- image: `Image.new(mode, (w, h))`, `.resize((w, h))`, `cv2.resize`, Rust
  `RgbaImage::new(w, h)` and the `image` crate's `resize`/`resize_exact`,
  `np.zeros((h, w, 3))`, a generation call with `width=`/`height=` or
  `size="1024x1024"` (followed through decoding and copies), ffmpeg
  `scale=w:h`;
- a font relative to the image (`int(min(w, h) * 0.03)`, `img.height // 40`,
  ffmpeg `fontsize=h/30`): judged at the known size, or, when the size is
  unknown, reported only if it is too small for every size from 256 to 4096
  pixels with aspect ratios up to 2:1.

Reports the label when the text is lower than 5% of the shorter side.

Text height is estimated generously, so that what is reported is too small:
a TrueType font's size in pixels (CJK glyphs fill about that height, Latin
capitals about 70% of it); for OpenCV's Hershey fonts the measured height of
capitals per unit of `fontScale` (22 px for SIMPLEX, DUPLEX, COMPLEX and
TRIPLEX, 12 for PLAIN, 17 for COMPLEX_SMALL, 19 for the SCRIPT faces) plus
the stroke thickness.

## Why is this bad?
A visible label has to be one people actually notice. The 5% figure — the
text at least 5% of the shorter side of an image or video frame — is how
secondary sources and implementations quote GB 45438-2025 §5; the standard's
own text has not been checked here. A tiny corner label does not meet the
"prominent" requirement of the labeling rules either way.

## Example
```python
canvas = Image.new("RGB", (1024, 1024))
font = ImageFont.truetype("NotoSansSC.otf", 24)   # 2.3% of 1024
ImageDraw.Draw(canvas).text((16, 980), "AI生成", font=font)
```

Use instead:
```python
font = ImageFont.truetype("NotoSansSC.otf", max(24, int(min(canvas.size) * 0.05)))
```

## Known problems
Only sizes written as literals (or computed from them) are judged; fonts and
images whose size comes from configuration or user input are skipped. A size
expression is taken to measure the image the label is drawn on. Text drawn
several times (an outline, a shadow) is judged once per call.
"#,
};

impl Rule for ExplicitLabelTooSmall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        crate::parts::check_all(self, cx, Reader::RulesLabels, out);
    }

    fn per_file(&self) -> Option<&dyn PerFile> {
        Some(self)
    }
}

impl PerFile for ExplicitLabelTooSmall {
    fn prepare<'c>(&'c self, cx: &'c Context<'_>) -> Box<dyn FileCheck + 'c> {
        let disclosure = cx
            .catalog
            .label_strings
            .iter()
            .find(|l| l.id == "ai-disclosure")
            .and_then(|l| regex::Regex::new(&l.regex).ok());
        match disclosure {
            Some(disclosure) => Box::new(Check { cx, disclosure }),
            None => Box::new(Nothing),
        }
    }
}

/// Without a disclosure pattern no label is recognised.
struct Nothing;

impl FileCheck for Nothing {
    fn check(&self, _fi: usize, _file: &FileFacts) -> Unit {
        Unit::default()
    }
}

/// LBL007 over one file at a time.
struct Check<'c, 'a> {
    cx: &'c Context<'a>,
    disclosure: regex::Regex,
}

impl FileCheck for Check<'_, '_> {
    fn check(&self, fi: usize, file: &FileFacts) -> Unit {
        let media = &self.cx.catalog.media;
        let mut found = Vec::new();
        let out = &mut found;
        'file: {
            // Scopes that hold a disclosure string: text drawn there is taken to be the label.
            let discloses = |scope: Option<&str>| {
                file.strings
                    .iter()
                    .any(|s| s.scope.as_deref() == scope && self.disclosure.is_match(&s.value))
            };
            // A module-level constant that holds a disclosure (`const LABEL: &str = "AI生成";`).
            let constant = |name: &str| {
                file.assignments.iter().any(|a| {
                    a.scope.is_none()
                        && a.target == name
                        && matches!(&a.value, Value::Str(s) if self.disclosure.is_match(s))
                })
            };
            let is_label = |v: Option<&Value>, scope: Option<&str>| match v {
                Some(Value::Str(s)) => self.disclosure.is_match(s),
                Some(Value::Name { text, .. }) if constant(text) => true,
                Some(_) => discloses(scope),
                None => false,
            };
            for call in &file.calls {
                let Some(resolved) = call.resolved.as_name() else {
                    continue;
                };
                let mark = if let Some(p) = media
                    .pillow()
                    .filter(|_| media.is_pillow_text(file.language, resolved))
                {
                    if !is_label(arg(call, &p.text), call.scope.as_deref()) {
                        continue;
                    }
                    pillow_mark(scope(self.cx, fi, file, call.scope), p, call)
                } else if let Some(o) = media
                    .opencv()
                    .filter(|_| media.is_opencv_text(file.language, resolved))
                {
                    if !is_label(arg(call, &o.text), call.scope.as_deref()) {
                        continue;
                    }
                    opencv_mark(scope(self.cx, fi, file, call.scope), o, call)
                } else if let Some(x) = media
                    .px()
                    .filter(|_| media.is_px_text(file.language, resolved))
                {
                    if !is_label(arg(call, &x.text), call.scope.as_deref()) {
                        continue;
                    }
                    px_mark(scope(self.cx, fi, file, call.scope), x, call)
                } else {
                    None
                };
                if let Some(m) = mark {
                    judge(out, file, call.span, call.scope, &m);
                }
            }
            let (Some(font_re), Some(size_re)) = (&media.fontsize, &media.frame_size) else {
                break 'file;
            };
            let drawtext = media.ffmpeg.drawtext.as_str();
            // One searcher for every string of the file (`str::find` builds
            // one per call, which cost more than the search on short strings).
            let finder = memchr::memmem::Finder::new(drawtext.as_bytes());
            for s in &file.strings {
                if drawtext.is_empty() {
                    break;
                }
                let Some(filter) = finder.find(s.value.as_bytes()).map(|i| &s.value[i..]) else {
                    continue;
                };
                if !(self.disclosure.is_match(filter) || discloses(s.scope.as_deref())) {
                    continue;
                }
                let Some(font) = font_re.captures(filter).and_then(|c| c.get(1)) else {
                    continue;
                };
                let text = font.as_str().trim_matches(['\'', '"']).replace("\\,", ",");
                let Some(expr) = crate::lang::ffmpeg::expression(&text) else {
                    continue;
                };
                let size = command_texts(file, s.span)
                    .iter()
                    .find_map(|t| video_size(size_re, t));
                let sc = scope(self.cx, fi, file, s.scope);
                let pos = s.span.start_byte;
                let m = Mark {
                    what: "ffmpeg drawtext",
                    size,
                    height: Box::new(move |dims| ffmpeg_eval(sc, &expr, pos, dims)),
                };
                judge(out, file, s.span, s.scope, &m);
            }
        }
        Unit {
            findings: found,
            lookups: Vec::new(),
        }
    }
}

fn scope<'f>(
    cx: &'f Context<'_>,
    fi: usize,
    file: &'f FileFacts,
    scope: Option<Ustr>,
) -> Scope<'f> {
    Scope {
        file,
        fi,
        names: &cx.project.index,
        media: &cx.catalog.media,
        scope,
    }
}

/// A drawn label: how to get its text height for a given image size, and
/// the image size when known.
struct Mark<'a> {
    what: &'static str,
    size: Option<Size>,
    height: Box<dyn Fn(Size) -> Option<f64> + 'a>,
}

fn judge(out: &mut Vec<Finding>, file: &FileFacts, span: Span, symbol: Option<Ustr>, m: &Mark<'_>) {
    let message = match m.size {
        Some(size) => {
            let Some(px) = (m.height)(size) else { return };
            let share = px / size.0.min(size.1);
            if share >= MIN_SHARE {
                return;
            }
            format!(
                "{} label text is about {px:.0} px high on a {:.0}×{:.0} image: {:.1}% of the shorter side, below the 5% that GB 45438 asks for (as secondary sources quote it)",
                m.what,
                size.0,
                size.1,
                share * 100.0
            )
        }
        None => {
            // Unknown size: only a font that scales with the image can be judged.
            let heights: Option<Vec<f64>> = SAMPLES.iter().map(|s| (m.height)(*s)).collect();
            let Some(heights) = heights else { return };
            // A constant height: the image size decides, and it is unknown.
            if heights.iter().all(|h| (h - heights[0]).abs() < 1e-9) {
                return;
            }
            let hi = heights
                .iter()
                .zip(SAMPLES)
                .map(|(h, s)| h / s.0.min(s.1))
                .fold(0.0f64, f64::max);
            if hi >= MIN_SHARE {
                return;
            }
            format!(
                "{} label text scales to at most {:.1}% of the image's shorter side, below the 5% that GB 45438 asks for (as secondary sources quote it)",
                m.what,
                hi * 100.0
            )
        }
    };
    let mut f = Finding::new(
        META.code,
        META.default_level,
        message,
        Location {
            path: file.path.as_str().into(),
            span,
        },
    );
    f.symbol = symbol.map(crate::finding::Text::from);
    f.properties.insert("drawnWith", json!(m.what));
    if let Some((w, h)) = m.size {
        f.properties.insert("imageSize", json!([w, h]));
    }
    out.push(f);
}

/// An argument's value.
fn arg<'c>(call: &'c Call, r: &ArgRef) -> Option<&'c Value> {
    call.arg(r.position, r.keyword.as_deref()).map(|a| &a.value)
}

/// `draw.text(xy, text, fill, font)`: the font's size and the size of the
/// image `draw` was made on.
fn pillow_mark<'f>(sc: Scope<'f>, p: &'f PillowText, call: &'f Call) -> Option<Mark<'f>> {
    let pos = call.span.start_byte;
    let file = sc.file;
    let media = sc.media;
    let language = file.language;
    let is_canvas = |c: &&Call| {
        c.resolved
            .as_name()
            .is_some_and(|r| media.is_canvas(language, r))
    };
    // The image: `ImageDraw.Draw(img)`, bound to the receiver or inline.
    let draw_call = match call.receiver {
        Receiver::Call(i) => file.calls.get(i as usize).filter(is_canvas),
        Receiver::Name(receiver) => sc.binding(&receiver, pos).and_then(|a| {
            file.calls_in(a.span.bytes())
                .map(|i| &file.calls[i])
                .find(is_canvas)
        }),
        Receiver::None => None,
    };
    let image = match draw_call.and_then(|c| arg(c, &p.canvas.image)) {
        Some(Value::Name { text, .. }) => Some(*text),
        _ => None,
    };
    let size = image.and_then(|n| sc.image_size(&n, pos));
    // The font: `font_size=`, `font=` (a name bound to a font, or inline), or the default.
    let (fsc, fpos, expr) = if let Some(v) = arg(call, &p.font_size) {
        (sc, pos, value_shape(v)?)
    } else {
        match arg(call, &p.font) {
            None | Some(Value::None) => (sc, pos, Shape::Num(p.default_px)),
            Some(v) => {
                let (font_call, font, at) = match v {
                    Value::Name { text, .. } => {
                        let a = sc.binding(text, pos)?;
                        let (c, font) = file
                            .calls_in(a.span.bytes())
                            .map(|i| &file.calls[i])
                            .find_map(|c| {
                                Some((c, media.font(language, c.resolved.as_name()?)?))
                            })?;
                        (c, font, a)
                    }
                    _ => return None,
                };
                let size = arg(font_call, &font.size)
                    .and_then(value_shape)
                    .unwrap_or(Shape::Num(font.default_px));
                (sc.with(at.scope), font_call.span.start_byte, size)
            }
        }
    };
    Some(Mark {
        what: "Pillow",
        size,
        height: Box::new(move |dims| fsc.eval(&expr, fpos, Some(dims))),
    })
}

/// `cv2.putText(img, text, org, fontFace, fontScale, color, thickness)`.
fn opencv_mark<'f>(sc: Scope<'f>, o: &'f OpencvText, call: &'f Call) -> Option<Mark<'f>> {
    let pos = call.span.start_byte;
    let image = match arg(call, &o.image) {
        Some(Value::Name { text, .. }) => Some(*text),
        _ => None,
    };
    let size = image.and_then(|n| sc.image_size(&n, pos));
    let face = match arg(call, &o.face) {
        Some(Value::Name { resolved, text }) => {
            resolved.map_or(text.to_string(), |r| r.to_string())
        }
        _ => String::new(),
    };
    // Height of capitals at `fontScale` 1; unknown faces get the largest.
    let name = face.rsplit('.').next().unwrap_or(&face);
    let cap = o.cap_px.get(name).copied().unwrap_or(o.default_cap_px);
    let scale = value_shape(arg(call, &o.scale)?)?;
    let thickness = arg(call, &o.thickness)
        .and_then(value_shape)
        .unwrap_or(Shape::Num(1.0));
    Some(Mark {
        what: "OpenCV putText",
        size,
        height: Box::new(move |dims| {
            Some(cap * sc.eval(&scale, pos, Some(dims))? + sc.eval(&thickness, pos, Some(dims))?)
        }),
    })
}

/// `draw_text_mut(&mut img, color, x, y, PxScale::from(h), font, text)`:
/// the scale's pixel height, and the size of the image drawn on.
fn px_mark<'f>(sc: Scope<'f>, x: &'f PxText, call: &'f Call) -> Option<Mark<'f>> {
    let pos = call.span.start_byte;
    let size = match arg(call, &x.image) {
        Some(Value::Name { text, .. }) => sc.image_size(text, pos),
        _ => None,
    };
    let mut height = value_shape(arg(call, &x.scale)?)?;
    // A scale made from a pixel height: the height.
    if let Shape::Call(name, args) = &height {
        let known = x.scale_calls.iter().any(|s| {
            name.as_str() == s
                || name
                    .strip_suffix(s.as_str())
                    .is_some_and(|h| h.ends_with('.'))
        });
        height = match (known, args.first()) {
            (true, Some(first)) => first.clone(),
            _ => return None,
        };
    }
    Some(Mark {
        what: "imageproc draw_text",
        size,
        height: Box::new(move |dims| sc.eval(&height, pos, Some(dims))),
    })
}

/// ffmpeg's expression names for the frame size, then the scope's names.
fn ffmpeg_eval(sc: Scope<'_>, expr: &Shape, pos: u32, (w, h): Size) -> Option<f64> {
    let ff = &sc.media.ffmpeg;
    let frame = |name: &str| {
        if ff.frame_width.iter().any(|n| n == name) {
            Some(w)
        } else if ff.frame_height.iter().any(|n| n == name) {
            Some(h)
        } else {
            None
        }
    };
    sc.eval_with(expr, pos, Some((w, h)), &frame)
}

/// Texts of the command a string belongs to: the string itself and the
/// other literals of the innermost call around it (a command list).
fn command_texts(file: &FileFacts, span: Span) -> Vec<String> {
    let mut texts = vec![];
    let around = file
        .calls
        .iter()
        .filter(|c| c.span.start_byte <= span.start_byte && span.end_byte <= c.span.end_byte)
        .min_by_key(|c| c.span.end_byte - c.span.start_byte);
    if let Some(c) = around {
        let joined: Vec<&str> = file
            .strings
            .iter()
            .filter(|s| {
                s.span.start_byte >= c.span.start_byte && s.span.end_byte <= c.span.end_byte
            })
            .map(|s| &*s.value)
            .collect();
        texts.push(joined.join(" "));
    }
    if let Some(s) = file.strings.iter().find(|s| s.span == span) {
        texts.insert(0, s.value.to_string());
    }
    texts
}

fn video_size(re: &regex::Regex, text: &str) -> Option<Size> {
    let c = re.captures(text)?;
    let w = c.get(1).or_else(|| c.get(3))?.as_str().parse().ok()?;
    let h = c.get(2).or_else(|| c.get(4))?.as_str().parse().ok()?;
    Some((w, h))
}

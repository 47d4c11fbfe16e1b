//! Media knowledge, as data (`media.toml`): calls that write media files
//! and what they do with metadata, ffmpeg's metadata semantics, calls that
//! give an image its size, and the APIs that draw visible text. The rules
//! (LBL006, LBL007) keep only the mechanics of reading calls with it.

use std::collections::BTreeMap;

use globset::GlobSetBuilder;
use serde::{Deserialize, Serialize};

use super::entrypoints::ArgRef;
use super::lazy_set::{LazyGlobSet, LazyRegex};
use super::{CatalogError, ContentType, compile_pattern, to_glob_path};
use crate::facts::{Call, Language};
use crate::qname::OptionQName;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaData {
    #[serde(default)]
    pub writer: Vec<WriterData>,
    #[serde(default)]
    pub ffmpeg: Option<Ffmpeg>,
    #[serde(default)]
    pub size: Vec<SizeCall>,
    #[serde(default)]
    pub size_keywords: Option<SizeKeywords>,
    #[serde(default)]
    pub image: Option<ImageOps>,
    #[serde(default)]
    pub draw: Option<Drawing>,
}

/// A call that writes media.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterData {
    /// How it is named in messages (`Pillow save`).
    pub name: String,
    /// The language whose names the patterns and methods match (default `python`).
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// With `patterns`: an unresolved callee matches too.
    #[serde(default)]
    pub unresolved: bool,
    #[serde(default)]
    pub methods: Vec<String>,
    pub content: ContentType,
    pub data: DataLoc,
    /// Where it writes (a path or buffer argument).
    pub output: Option<ArgRef>,
    /// Whether the output's name or literal path holds the data afterwards.
    #[serde(default = "yes")]
    pub follow_output: bool,
    #[serde(default)]
    pub keeps: KeepsData,
    /// Why nothing is kept when nothing in `keeps` applies.
    #[serde(default)]
    pub drops: String,
    /// A re-encode LBL006 judges; otherwise a first write it only follows.
    #[serde(default = "yes")]
    pub reencodes: bool,
}

fn yes() -> bool {
    true
}

/// What a writer writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DataLoc {
    /// `"receiver"`: what the method is called on.
    Receiver(ReceiverWord),
    /// An argument of a call in the receiver chain (`ffmpeg.input(src)`).
    Inner {
        inner: String,
        arg: ArgRef,
    },
    Arg(ArgRef),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiverWord {
    Receiver,
}

/// What makes a writer keep metadata.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepsData {
    /// Keywords that carry metadata over (`pnginfo=`); `**kwargs` may too.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A keyword whose empty value writes an empty block (`exif=b""`).
    pub empty: Option<EmptyKeyword>,
    /// A keyword holding a list of ffmpeg options (`ffmpeg_params=`).
    pub options_keyword: Option<String>,
    /// The keyword arguments are ffmpeg options (ffmpeg-python's `output`).
    #[serde(default)]
    pub ffmpeg_keywords: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyKeyword {
    pub keyword: String,
    pub reason: String,
}

/// How ffmpeg treats metadata, and its drawtext filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ffmpeg {
    pub programs: Vec<String>,
    pub input_flag: String,
    /// Regexes of options that remove metadata on purpose.
    pub strips: Vec<String>,
    pub keeps_tags: Vec<String>,
    pub tag_containers: Vec<String>,
    pub drops: String,
    pub audio_extensions: Vec<String>,
    pub image_extensions: Vec<String>,
    pub drawtext: String,
    /// Regex whose first group is the font size.
    pub fontsize: String,
    /// Regex whose groups 1 and 2, or 3 and 4, are width and height.
    pub frame_size: String,
    pub frame_width: Vec<String>,
    pub frame_height: Vec<String>,
}

/// A call that gives its result a size in literals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeCall {
    /// The language whose names the patterns and methods match (default `python`).
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    /// A pair argument: `(w, h)`, or `(h, w)` with `order = "hw"`...
    #[serde(default)]
    pub size: Option<ArgRef>,
    #[serde(default)]
    pub order: SizeOrder,
    /// ...or the width and the height as arguments of their own (Rust
    /// `RgbaImage::new(w, h)`).
    #[serde(default)]
    pub width: Option<ArgRef>,
    #[serde(default)]
    pub height: Option<ArgRef>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SizeOrder {
    #[default]
    Wh,
    Hw,
}

/// Keywords any call may give a size with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeKeywords {
    pub width: String,
    pub height: String,
    /// A `"WxH"` string, split at the first of `separators`.
    pub size: String,
    pub separators: Vec<char>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageOps {
    pub keep_size: Vec<String>,
    pub shrink_in_place: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drawing {
    pub pillow: Option<PillowText>,
    pub opencv: Option<OpencvText>,
    #[serde(default)]
    pub px: Option<PxText>,
}

/// Text drawn at a pixel height given as an argument (Rust imageproc
/// `draw_text_mut(img, color, x, y, scale, font, text)`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PxText {
    pub name: String,
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub patterns: Vec<String>,
    pub text: ArgRef,
    pub image: ArgRef,
    /// The height: a number, or a call of `scale_calls` whose first
    /// argument is one.
    pub scale: ArgRef,
    /// Constructors of a scale from a pixel height, as written, matched
    /// by their ending (`PxScale.from`, `Scale.uniform`).
    pub scale_calls: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PillowText {
    pub name: String,
    /// The language whose names the patterns here (canvas and fonts too)
    /// match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub patterns: Vec<String>,
    pub text: ArgRef,
    pub font: ArgRef,
    pub font_size: ArgRef,
    pub canvas: Canvas,
    pub default_px: f64,
    pub fonts: Vec<FontCall>,
}

/// The call that makes a drawing context on an image.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canvas {
    pub patterns: Vec<String>,
    pub image: ArgRef,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FontCall {
    pub patterns: Vec<String>,
    pub size: ArgRef,
    pub default_px: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpencvText {
    pub name: String,
    /// The language whose names the patterns and methods match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub patterns: Vec<String>,
    pub text: ArgRef,
    pub image: ArgRef,
    pub face: ArgRef,
    pub scale: ArgRef,
    pub thickness: ArgRef,
    pub default_cap_px: f64,
    pub cap_px: BTreeMap<String, f64>,
}

impl MediaData {
    /// Every pattern list as (section, entry index, key, patterns), so that
    /// config validation can point at the very pattern that is wrong.
    pub fn pattern_lists(&self) -> Vec<(&'static str, usize, &'static str, &[String])> {
        let mut out: Vec<(&'static str, usize, &'static str, &[String])> = Vec::new();
        for (i, w) in self.writer.iter().enumerate() {
            out.push(("writer", i, "patterns", &w.patterns));
        }
        for (i, s) in self.size.iter().enumerate() {
            out.push(("size", i, "patterns", &s.patterns));
        }
        out
    }

    /// Entries of `other` are added; its single sections replace ours.
    pub fn extend(&mut self, other: MediaData) {
        self.writer.extend(other.writer);
        self.size.extend(other.size);
        if other.ffmpeg.is_some() {
            self.ffmpeg = other.ffmpeg;
        }
        if other.size_keywords.is_some() {
            self.size_keywords = other.size_keywords;
        }
        if other.image.is_some() {
            self.image = other.image;
        }
        if other.draw.is_some() {
            self.draw = other.draw;
        }
    }
}

/// `MediaData`, compiled.
pub struct Media {
    pub data: MediaData,
    pub ffmpeg: Ffmpeg,
    /// `ffmpeg.strips`, compiled.
    pub strips: Vec<LazyRegex>,
    pub fontsize: Option<LazyRegex>,
    pub frame_size: Option<LazyRegex>,
    pub size_keywords: SizeKeywords,
    pub image: ImageOps,
    writer_set: LazyGlobSet,
    writer_owner: Vec<usize>,
    /// Writers with no patterns: any callee may match by method.
    writer_any: Vec<usize>,
    size_sets: Vec<LazyGlobSet>,
    pillow_sets: Option<PillowSets>,
    opencv_set: Option<Patterns>,
    px_set: Option<Patterns>,
}

struct PillowSets {
    text: Patterns,
    canvas: LazyGlobSet,
    fonts: Vec<LazyGlobSet>,
}

/// Resolved-callee patterns that LBL007 tries on every call: a call whose
/// first segment starts none of them is turned away without a glob match.
struct Patterns {
    language: Language,
    set: LazyGlobSet,
    /// First segments of the patterns; `None` when one starts with a wildcard.
    heads: Option<Vec<String>>,
}

impl Patterns {
    fn is_match(&self, language: Language, resolved: &str) -> bool {
        if language != self.language {
            return false;
        }
        let head = resolved.split(['.', '(']).next().unwrap_or(resolved);
        if let Some(heads) = &self.heads
            && !heads.iter().any(|h| h == head)
        {
            return false;
        }
        self.set.is_match(to_glob_path(language, resolved))
    }
}

impl Media {
    pub fn build(data: MediaData) -> Result<Media, CatalogError> {
        let err = |message: String| CatalogError { message };
        let set = |language: Language, patterns: &[String]| -> Result<LazyGlobSet, CatalogError> {
            let mut b = GlobSetBuilder::new();
            for p in patterns {
                b.add(compile_pattern(language, p).map_err(err)?);
            }
            Ok(LazyGlobSet::new(b))
        };
        let mut writers = GlobSetBuilder::new();
        let mut writer_owner = Vec::new();
        let mut writer_any = Vec::new();
        for (i, w) in data.writer.iter().enumerate() {
            if w.patterns.is_empty() {
                writer_any.push(i);
            }
            for p in &w.patterns {
                writers.add(compile_pattern(w.language, p).map_err(err)?);
                writer_owner.push(i);
            }
        }
        let ffmpeg = data.ffmpeg.clone().unwrap_or_default();
        let regex = |re: &str| LazyRegex::new(re).map_err(|e| err(format!("bad regex: {e}")));
        let strips = ffmpeg
            .strips
            .iter()
            .map(|r| regex(r))
            .collect::<Result<_, _>>()?;
        let optional = |re: &str| (!re.is_empty()).then(|| regex(re)).transpose();
        let patterns =
            |language: Language, patterns: &[String]| -> Result<Patterns, CatalogError> {
                let heads = patterns
                    .iter()
                    .map(|p| {
                        let head = p.split(['.', '(']).next().unwrap_or(p);
                        (!head.contains(['*', '?', '[', '{'])).then(|| head.to_string())
                    })
                    .collect();
                Ok(Patterns {
                    language,
                    set: set(language, patterns)?,
                    heads,
                })
            };
        let pillow_sets = match data.draw.as_ref().and_then(|d| d.pillow.as_ref()) {
            Some(p) => Some(PillowSets {
                text: patterns(p.language, &p.patterns)?,
                canvas: set(p.language, &p.canvas.patterns)?,
                fonts: p
                    .fonts
                    .iter()
                    .map(|f| set(p.language, &f.patterns))
                    .collect::<Result<_, _>>()?,
            }),
            None => None,
        };
        let opencv_set = match data.draw.as_ref().and_then(|d| d.opencv.as_ref()) {
            Some(o) => Some(patterns(o.language, &o.patterns)?),
            None => None,
        };
        let px_set = match data.draw.as_ref().and_then(|d| d.px.as_ref()) {
            Some(o) => Some(patterns(o.language, &o.patterns)?),
            None => None,
        };
        Ok(Media {
            fontsize: optional(&ffmpeg.fontsize)?,
            frame_size: optional(&ffmpeg.frame_size)?,
            strips,
            ffmpeg,
            size_keywords: data.size_keywords.clone().unwrap_or_default(),
            image: data.image.clone().unwrap_or_default(),
            writer_set: LazyGlobSet::new(writers),
            writer_owner,
            writer_any,
            size_sets: data
                .size
                .iter()
                .map(|s| set(s.language, &s.patterns))
                .collect::<Result<_, _>>()?,
            pillow_sets,
            opencv_set,
            px_set,
            data,
        })
    }

    /// The first writer entry that matches a call of a `language` file.
    pub fn writer(&self, language: Language, call: &Call) -> Option<&WriterData> {
        let method = call.method();
        let by_pattern: Vec<usize> = match call.resolved.as_name() {
            Some(r) => self
                .writer_set
                .matches(to_glob_path(language, r))
                .into_iter()
                .map(|g| self.writer_owner[g])
                .collect(),
            None => Vec::new(),
        };
        self.data
            .writer
            .iter()
            .enumerate()
            .filter(|(i, w)| {
                if w.language != language {
                    return false;
                }
                let named = self.writer_any.contains(i)
                    || by_pattern.contains(i)
                    || (w.unresolved && call.resolved.is_none());
                named && (w.methods.is_empty() || w.methods.iter().any(|m| m == method))
            })
            .map(|(_, w)| w)
            .next()
    }

    /// The size entry a call of a `language` file matches, and whether by
    /// pattern (decisive).
    pub fn size_call(&self, language: Language, call: &Call) -> Option<(&SizeCall, bool)> {
        let resolved = call.resolved.as_name().map(|r| to_glob_path(language, r));
        self.data
            .size
            .iter()
            .zip(&self.size_sets)
            .filter(|(s, _)| s.language == language)
            .find_map(|(s, set)| {
                if resolved.as_ref().is_some_and(|r| set.is_match(r)) {
                    Some((s, true))
                } else if s.methods.iter().any(|m| m == call.method()) {
                    Some((s, false))
                } else {
                    None
                }
            })
    }

    pub fn pillow(&self) -> Option<&PillowText> {
        self.data.draw.as_ref()?.pillow.as_ref()
    }

    pub fn opencv(&self) -> Option<&OpencvText> {
        self.data.draw.as_ref()?.opencv.as_ref()
    }

    pub fn px(&self) -> Option<&PxText> {
        self.data.draw.as_ref()?.px.as_ref()
    }

    /// Whether a resolved callee of a `language` file draws text at a
    /// pixel height (`PxText`).
    pub fn is_px_text(&self, language: Language, resolved: &str) -> bool {
        self.px_set
            .as_ref()
            .is_some_and(|s| s.is_match(language, resolved))
    }

    /// Whether a resolved callee of a `language` file draws text with Pillow.
    pub fn is_pillow_text(&self, language: Language, resolved: &str) -> bool {
        self.pillow_sets
            .as_ref()
            .is_some_and(|s| s.text.is_match(language, resolved))
    }

    /// Whether a resolved callee makes a Pillow drawing context.
    pub fn is_canvas(&self, language: Language, resolved: &str) -> bool {
        self.pillow_sets
            .as_ref()
            .is_some_and(|s| s.canvas.is_match(to_glob_path(language, resolved)))
    }

    /// The Pillow font constructor a resolved callee is, if any.
    pub fn font(&self, language: Language, resolved: &str) -> Option<&FontCall> {
        let sets = self.pillow_sets.as_ref()?;
        let key = to_glob_path(language, resolved);
        let i = sets.fonts.iter().position(|s| s.is_match(&key))?;
        self.pillow()?.fonts.get(i)
    }

    /// Whether a resolved callee of a `language` file draws text with OpenCV.
    pub fn is_opencv_text(&self, language: Language, resolved: &str) -> bool {
        self.opencv_set
            .as_ref()
            .is_some_and(|s| s.is_match(language, resolved))
    }

    /// Whether a command's first word or item runs ffmpeg.
    pub fn is_ffmpeg(&self, program: &str) -> bool {
        let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
        self.ffmpeg.programs.iter().any(|p| p == name)
    }

    /// Whether a command carries custom metadata into its output.
    pub fn keeps_tags(&self, text: &str) -> bool {
        self.ffmpeg
            .keeps_tags
            .iter()
            .any(|t| text.contains(t.as_str()))
    }

    /// Whether a command removes metadata on purpose.
    pub fn strips(&self, text: &str) -> bool {
        self.strips.iter().any(|r| r.is_match(text))
    }

    /// What an output file holds, by its extension.
    pub fn content_of_output(&self, out: &str) -> ContentType {
        let ends = |list: &[String]| list.iter().any(|x| out.ends_with(x.as_str()));
        if ends(&self.ffmpeg.audio_extensions) {
            ContentType::Audio
        } else if ends(&self.ffmpeg.image_extensions) {
            ContentType::Image
        } else {
            ContentType::Video
        }
    }

    /// Whether an output's container keeps arbitrary tags.
    pub fn keeps_any_tag(&self, out: &str) -> bool {
        let out = out.to_ascii_lowercase();
        self.ffmpeg
            .tag_containers
            .iter()
            .any(|x| out.ends_with(x.as_str()))
    }
}

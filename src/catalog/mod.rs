//! Knowledge of libraries, as data. `generation.toml` lists the APIs that
//! generate content, `moderation.toml` the switches that turn safety checks
//! off, `entrypoints.toml` how frameworks register handlers; users extend
//! them from config (`[[catalog.generation]]`, `[catalog.entrypoints]`).
//! Adding a library is a data change plus a fixture, not new code.
//!
//! Patterns match *resolved* callees as produced by the frontends:
//! dotted paths where `()` marks "instance of" (`openai.OpenAI().chat.completions.create`).
//! In patterns, `*` matches within one dotted segment, `**` across segments,
//! and `{a,b}` alternatives.

pub mod entrypoints;

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentType {
    Text,
    Image,
    Audio,
    Video,
}

impl ContentType {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Text => "text",
            ContentType::Image => "image",
            ContentType::Audio => "audio",
            ContentType::Video => "video",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Jurisdiction {
    /// A provider whose service runs outside mainland China.
    Overseas,
    /// A provider in mainland China.
    Domestic,
    /// Runs inside the product's own infrastructure (local weights).
    SelfHosted,
    /// Depends on configuration we cannot see (a generic client or framework class).
    Unknown,
}

impl Jurisdiction {
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Overseas => "overseas",
            Jurisdiction::Domestic => "domestic",
            Jurisdiction::SelfHosted => "self-hosted",
            Jurisdiction::Unknown => "unknown",
        }
    }
}

/// Content type chosen by a literal argument (e.g. the task of `transformers.pipeline`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentByArg {
    /// Positional index of the argument...
    pub position: Option<usize>,
    /// ...or its keyword.
    pub keyword: Option<String>,
    /// Read the argument from the constructor of the receiver (`pipe = pipeline("...")`).
    #[serde(default)]
    pub on_receiver: bool,
    /// Literal value → content types. A literal not listed means "not a generation call".
    pub values: BTreeMap<String, Vec<ContentType>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerationApi {
    /// Stable id, e.g. `openai.chat-completions`.
    pub id: String,
    /// Resolved-callee patterns.
    pub patterns: Vec<String>,
    /// What the call generates; may be refined by `content_by_arg`.
    #[serde(default)]
    pub content: Vec<ContentType>,
    pub content_by_arg: Option<ContentByArg>,
    /// Human-readable provider or library name.
    pub provider: String,
    /// Default API host for remote providers.
    pub host: Option<String>,
    pub jurisdiction: Jurisdiction,
    /// Edits or synthesises faces or voices (biometric features).
    #[serde(default)]
    pub biometric: bool,
    /// Keyword that names the model (`model`), for the inventory.
    pub model_keyword: Option<String>,
}

/// A library switch that turns a safety checker or content filter off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetySwitch {
    pub id: String,
    pub library: String,
    /// Calls whose resolved callee matches these patterns...
    #[serde(default)]
    pub callee_patterns: Vec<String>,
    /// ...or, when unresolved, whose callee text matches these.
    #[serde(default)]
    pub callee_text_patterns: Vec<String>,
    /// The keyword argument that carries the switch.
    pub keyword: Option<String>,
    /// Or an attribute assigned on an object (`pipe.safety_checker = None`).
    pub attribute: Option<String>,
    /// Literal values that mean "off": `None`, `False`, `0`, `lambda` (any lambda).
    pub off_values: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogData {
    #[serde(default)]
    pub generation: Vec<GenerationApi>,
    #[serde(default)]
    pub safety_switch: Vec<SafetySwitch>,
    /// Methods that return their receiver (`pipe.to("cuda")`), dropped when
    /// computing a variable's type.
    #[serde(default)]
    pub passthrough_methods: Vec<String>,
    /// How frameworks register entry points (`[entrypoints]`).
    #[serde(default)]
    pub entrypoints: entrypoints::EntryPointData,
}

/// The loaded, compiled catalogue.
pub struct Catalog {
    pub generation: Vec<GenerationApi>,
    generation_set: GlobSet,
    /// Glob index → entry index in `generation`.
    generation_owner: Vec<usize>,
    pub passthrough_methods: Vec<String>,
    pub safety_switch: Vec<SafetySwitch>,
    /// Per switch: (resolved-callee set, callee-text set).
    safety_switch_sets: Vec<(GlobSet, GlobSet)>,
    /// How frameworks register entry points.
    pub entrypoints: entrypoints::EntryPointCatalog,
}

const GENERATION_TOML: &str = include_str!("generation.toml");
const MODERATION_TOML: &str = include_str!("moderation.toml");
const ENTRYPOINTS_TOML: &str = include_str!("entrypoints.toml");

#[derive(Debug)]
pub struct CatalogError {
    pub message: String,
}

impl Catalog {
    /// The built-in catalogue plus user extensions.
    pub fn load(extension: &CatalogData) -> Result<Catalog, CatalogError> {
        let mut data = CatalogData::default();
        for (name, text) in [
            ("generation", GENERATION_TOML),
            ("moderation", MODERATION_TOML),
            ("entrypoints", ENTRYPOINTS_TOML),
        ] {
            let part: CatalogData = toml::from_str(text).map_err(|e| CatalogError {
                message: format!("built-in {name} catalogue: {e}"),
            })?;
            data.extend(part);
        }
        data.extend(extension.clone());
        Catalog::build(data)
    }

    pub fn build(data: CatalogData) -> Result<Catalog, CatalogError> {
        let mut builder = GlobSetBuilder::new();
        let mut owner = Vec::new();
        for (i, api) in data.generation.iter().enumerate() {
            if api.patterns.is_empty() {
                return Err(CatalogError {
                    message: format!("generation API `{}` has no patterns", api.id),
                });
            }
            for pattern in &api.patterns {
                builder.add(compile_pattern(pattern).map_err(|message| CatalogError {
                    message: format!("generation API `{}`: {message}", api.id),
                })?);
                owner.push(i);
            }
        }
        let generation_set = builder.build().map_err(|e| CatalogError {
            message: e.to_string(),
        })?;
        let mut safety_switch_sets = Vec::new();
        for sw in &data.safety_switch {
            let set = |patterns: &[String]| -> Result<GlobSet, CatalogError> {
                let mut b = GlobSetBuilder::new();
                for p in patterns {
                    b.add(compile_pattern(p).map_err(|message| CatalogError {
                        message: format!("safety switch `{}`: {message}", sw.id),
                    })?);
                }
                b.build().map_err(|e| CatalogError {
                    message: e.to_string(),
                })
            };
            safety_switch_sets.push((set(&sw.callee_patterns)?, set(&sw.callee_text_patterns)?));
        }
        let entrypoints = entrypoints::EntryPointCatalog::build(data.entrypoints)?;
        Ok(Catalog {
            entrypoints,
            generation: data.generation,
            generation_set,
            generation_owner: owner,
            passthrough_methods: data.passthrough_methods,
            safety_switch: data.safety_switch,
            safety_switch_sets,
        })
    }

    /// The first catalogued generation API (in catalogue order) whose pattern
    /// matches the resolved callee.
    pub fn generation_api(&self, resolved: &str) -> Option<&GenerationApi> {
        let key = to_glob_path(resolved);
        self.generation_set
            .matches(&key)
            .into_iter()
            .map(|g| self.generation_owner[g])
            .min()
            .map(|i| &self.generation[i])
    }
}

impl CatalogData {
    pub fn extend(&mut self, other: CatalogData) {
        self.generation.extend(other.generation);
        self.safety_switch.extend(other.safety_switch);
        self.passthrough_methods.extend(other.passthrough_methods);
        self.entrypoints.extend(other.entrypoints);
    }
}

impl Catalog {
    /// Whether a call (by resolved callee, else callee text) is one where
    /// safety switch `i` applies.
    pub fn safety_switch_applies(&self, i: usize, resolved: Option<&str>, callee: &str) -> bool {
        let (by_resolved, by_text) = &self.safety_switch_sets[i];
        match resolved {
            Some(r) => by_resolved.is_match(to_glob_path(r)),
            None => by_text.is_match(to_glob_path(callee)),
        }
    }
}

/// Dotted paths become `/` paths so that globset's `*` stays inside one segment.
pub(crate) fn to_glob_path(dotted: &str) -> String {
    dotted.replace('/', "\u{1}").replace('.', "/")
}

pub fn compile_pattern(pattern: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(&to_glob_path(pattern))
        .literal_separator(true)
        .case_insensitive(false)
        .build()
        .map_err(|e| format!("bad pattern `{pattern}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads() {
        let c = Catalog::load(&CatalogData::default()).unwrap();
        assert!(!c.generation.is_empty());
    }

    #[test]
    fn star_stays_in_one_segment() {
        let g = compile_pattern("diffusers.*Pipeline.from_pretrained()")
            .unwrap()
            .compile_matcher();
        assert!(g.is_match(to_glob_path(
            "diffusers.StableDiffusionPipeline.from_pretrained()"
        )));
        assert!(!g.is_match(to_glob_path(
            "diffusers.x.StableDiffusionPipeline.from_pretrained()"
        )));
    }
}

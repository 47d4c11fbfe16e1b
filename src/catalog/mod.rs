//! Knowledge of libraries, as data. `generation.toml` lists the APIs that
//! generate content, `moderation.toml` the switches that turn safety checks
//! off and the calls that moderate content, `entrypoints.toml` how frameworks register handlers; users extend
//! them from config (`[[catalog.generation]]`, `[catalog.entrypoints]`).
//! Adding a library is a data change plus a fixture, not new code.
//!
//! Patterns match *resolved* callees as produced by the frontends:
//! dotted paths where `()` marks "instance of" (`openai.OpenAI().chat.completions.create`).
//! In patterns, `*` matches within one dotted segment, `**` across segments,
//! and `{a,b}` alternatives.

pub mod entrypoints;
mod glob_index;

use std::collections::BTreeMap;

pub mod hosts;
pub mod inferred;
pub mod inputs;
pub mod labels;
pub mod lazy_set;
pub mod media;
pub mod opt_out;
pub mod personal_data;
pub mod rights;
pub mod service;
pub mod taint;
pub mod terms;

use glob_index::FirstMatch;
use globset::{GlobBuilder, GlobSetBuilder};
use lazy_set::{Deferred, LazyGlobSet, LazyRegex, deferred};
use serde::{Deserialize, Serialize};

use crate::facts::Language;

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
    /// The language whose names `patterns` match.
    #[serde(default)]
    pub language: Language,
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
    /// Edits faces or voices only when the call passes one of these
    /// keywords (Coqui TTS's `tts(text, speaker_wav=sample)` clones the
    /// sample's voice; without it, a preset voice speaks).
    #[serde(default)]
    pub biometric_keywords: Vec<String>,
    /// Only enhances or restores given content (super-resolution, face
    /// restoration, denoising): outside the Deep Synthesis Art. 17(1) list,
    /// so such a service offers a labeling function instead of labeling
    /// everything (Art. 17(2)).
    #[serde(default)]
    pub enhancement: bool,
    /// Keyword that names the model (`model`), for the inventory.
    pub model_keyword: Option<String>,
    /// Constructor keyword that points the client at another server
    /// (`base_url`): its host, when literal, names the real provider.
    #[serde(default)]
    pub base_url_keywords: Vec<String>,
}

/// A library switch that turns a safety checker or content filter off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetySwitch {
    pub id: String,
    #[serde(default)]
    pub language: Language,
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
    /// Or keys in configuration files (YAML, JSON, TOML, INI, `.env`, ...),
    /// compared in snake case (`enableSafetyChecker`, `ENABLE_SAFETY_CHECKER`
    /// and `enable-safety-checker` are `enable_safety_checker`).
    #[serde(default)]
    pub config_keys: Vec<String>,
    /// Configuration files never judged (a model's own `model_index.json`
    /// says what the model ships, not what the service switches off).
    #[serde(default)]
    pub config_skip_files: Vec<String>,
    /// Values that mean "off": `false`, `0`, `{ kind = "none" }`,
    /// `{ kind = "function" }` (any lambda or closure).
    pub off_values: Vec<Literal>,
}

/// A call that reviews content and gives a verdict: a provider's moderation
/// API, a content-security service, or a project's own keyword or
/// feature-library check (named from config).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationApi {
    pub id: String,
    /// The language whose names `patterns` match.
    #[serde(default)]
    pub language: Language,
    /// Resolved-callee patterns; project checks go here too
    /// (`["app.safety.contains_banned_words"]`).
    pub patterns: Vec<String>,
    /// Who runs the check (`OpenAI`, `Aliyun Green`, `project`).
    pub provider: String,
    /// Content types it reviews; empty means any.
    #[serde(default)]
    pub content: Vec<ContentType>,
}

/// A literal in catalogue data, compared with the values in facts by type:
/// `false` matches a boolean false, `0` a zero (integer or float), `"off"`
/// a string. TOML has no null and no functions, so those two are tables:
/// `{ kind = "none" }` (Python's `None`), `{ kind = "function" }` (a lambda
/// or closure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Kind(LiteralKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiteralKind {
    pub kind: ValueKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    None,
    Function,
}

impl Literal {
    /// Whether a value in the facts is this literal.
    pub fn matches(&self, value: &crate::facts::Value) -> bool {
        use crate::facts::Value;
        match (self, value) {
            (Literal::Bool(a), Value::Bool(b)) => a == b,
            (Literal::Int(a), Value::Int(b)) => a == b,
            (Literal::Int(a), Value::Float(b)) => (*a as f64) == *b,
            (Literal::Float(a), Value::Float(b)) => a == b,
            (Literal::Float(a), Value::Int(b)) => *a == (*b as f64),
            (Literal::Str(a), Value::Str(b)) => a == b.as_str(),
            (Literal::Kind(k), v) => match k.kind {
                ValueKind::None => matches!(v, Value::None),
                ValueKind::Function => v.is_function(),
            },
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogData {
    #[serde(default)]
    pub generation: Vec<GenerationApi>,
    #[serde(default)]
    pub safety_switch: Vec<SafetySwitch>,
    /// Calls that moderate content (`[[moderation]]`).
    #[serde(default)]
    pub moderation: Vec<ModerationApi>,
    /// Methods that return their receiver (`pipe.to("cuda")`), dropped when
    /// computing a variable's type.
    #[serde(default)]
    pub passthrough_methods: Vec<String>,
    #[serde(default)]
    pub host: Vec<hosts::Host>,
    #[serde(default)]
    pub http_call: Vec<hosts::HttpCall>,
    /// Calls that build a URL from parts (`urljoin`, an environment read
    /// with a default), for hops to the project's own services.
    #[serde(default)]
    pub url_call: Vec<hosts::UrlCall>,
    /// Environment variables a client library reads its server from when
    /// the code passes none (`OPENAI_BASE_URL`).
    #[serde(default)]
    pub env_endpoint: Vec<hosts::EnvEndpoint>,
    /// Cloud tracing and telemetry that settings switch on or point
    /// elsewhere (`LANGCHAIN_TRACING_V2`, `LANGFUSE_HOST`, `SENTRY_DSN`).
    #[serde(default)]
    pub config_tracing: Vec<hosts::ConfigTracing>,
    /// Settings classes whose fields read environment variables.
    #[serde(default)]
    pub settings_class: Vec<hosts::SettingsClass>,
    /// Cloud APIs whose region decides where requests go (Bedrock, Vertex
    /// AI, Azure OpenAI).
    #[serde(default)]
    pub region: Vec<hosts::RegionSetting>,
    /// RPC stubs and the servicers that serve them (gRPC).
    #[serde(default)]
    pub rpc_stub: Vec<hosts::RpcStub>,
    /// Model servers that route to models by directory (Triton).
    #[serde(default)]
    pub model_repository: Vec<hosts::ModelRepository>,
    /// Generation paths shared by OpenAI-compatible hosts.
    #[serde(default)]
    pub openai_paths: BTreeMap<String, Vec<ContentType>>,
    #[serde(default)]
    pub label: Vec<labels::LabelApi>,
    #[serde(default)]
    pub label_string: Vec<labels::LabelString>,
    #[serde(default)]
    pub watermark_switch: Vec<labels::WatermarkSwitch>,
    #[serde(default)]
    pub strip: Vec<labels::StripOperation>,
    /// Names that gate unlabeled delivery (`[label_gate]`).
    #[serde(default)]
    pub label_gate: labels::LabelGateData,
    /// How frameworks register entry points (`[entrypoints]`).
    #[serde(default)]
    pub entrypoints: entrypoints::EntryPointData,
    /// Media writers, ffmpeg, image sizes and drawing APIs (`[media]`).
    #[serde(default)]
    pub media: media::MediaData,
    /// Taint specs by id (`[taint.<id>]`).
    #[serde(default)]
    pub taint: BTreeMap<String, taint::TaintSpecData>,
    /// The personal-data classifier (`[personal_data]`).
    #[serde(default)]
    pub personal_data: personal_data::PersonalDataData,
    /// Project functions that record user input (`[[record]]`).
    #[serde(default)]
    pub record: Vec<inputs::RecordHelper>,
    /// What counts as a record of user input (`[records]`).
    #[serde(default)]
    pub records: inputs::RecordsData,
    /// The project's own models: inferred generation (`[inferred]`).
    #[serde(default)]
    pub inferred: inferred::InferredData,
    /// Recommenders, opt-out switches and training flags (`[opt_out]`).
    #[serde(default)]
    pub opt_out: opt_out::OptOutData,
    /// Service-level duties: filing number, complaint channel, AI notice,
    /// minors mode (`[service]`).
    #[serde(default)]
    pub service: service::ServiceData,
    /// What the configuration's `[service]` declares lives outside the
    /// repository (never in a catalogue file).
    #[serde(default)]
    pub service_declared: service::ServiceDeclared,
}

/// The loaded, compiled catalogue.
pub struct Catalog {
    pub generation: Vec<GenerationApi>,
    /// Callee → entry index in `generation`.
    generation_index: FirstMatch,
    pub passthrough_methods: Vec<String>,
    pub safety_switch: Vec<SafetySwitch>,
    /// Per switch: (resolved-callee set, callee-text set).
    safety_switch_sets: Vec<(LazyGlobSet, LazyGlobSet)>,
    /// Per switch: its `config_skip_files`, compiled once (a pattern that
    /// is not a glob skips nothing).
    safety_skip_sets: Vec<LazyGlobSet>,
    pub moderation: Vec<ModerationApi>,
    moderation_set: LazyGlobSet,
    moderation_owner: Vec<usize>,
    /// What every moderation pattern's name starts with (`openai`,
    /// `alibabacloud_green`), tested before the glob match; `None` when a
    /// pattern starts with a wildcard.
    moderation_heads: Option<Vec<String>>,
    pub hosts: Vec<hosts::Host>,
    /// One synthetic API per host, for plain HTTP calls to it.
    pub host_apis: Vec<GenerationApi>,
    pub http_calls: Vec<hosts::HttpCall>,
    pub url_calls: Vec<hosts::UrlCall>,
    pub env_endpoints: Vec<hosts::EnvEndpoint>,
    pub config_tracing: Vec<hosts::ConfigTracing>,
    pub settings_classes: Vec<hosts::SettingsClass>,
    pub regions: Vec<hosts::RegionSetting>,
    pub rpc_stubs: Vec<hosts::RpcStub>,
    pub model_repositories: Vec<hosts::ModelRepository>,
    http_call_index: FirstMatch,
    pub openai_paths: BTreeMap<String, Vec<ContentType>>,
    pub labels: Vec<labels::LabelApi>,
    label_index: FirstMatch,
    /// Per label API: its compiled `key` regex, if it has one.
    label_key_regexes: Vec<Option<LazyRegex>>,
    /// First segments of label API patterns (`imwatermark`, `piexif`): a
    /// vendored copy under a project package is found by them (asked for
    /// every segment of every resolved call: foldhash, not SipHash).
    label_roots: std::collections::HashSet<String, foldhash::fast::FixedState>,
    /// First segments of the patterns of generation APIs that edit faces or
    /// voices (`cosyvoice`, `GPT_SoVITS`, `facexlib`): the product itself, or
    /// a copy of the library under a project package, is found by them.
    biometric_roots: std::collections::HashSet<String>,
    pub label_strings: Vec<labels::LabelString>,
    label_string_regexes: Vec<LazyRegex>,
    /// Which label markers a string may match, by their literals.
    label_string_filter: Deferred<terms::LiteralFilter>,
    pub watermark_switches: Vec<labels::WatermarkSwitch>,
    pub strips: Vec<labels::StripOperation>,
    strip_index: FirstMatch,
    strip_regexes: Vec<Option<LazyRegex>>,
    /// All of `strip_regexes` as one alternation: most strings match none,
    /// and one search turns them away where one per strip did (`None` when
    /// the patterns do not combine, e.g. a group name twice).
    strip_any: Deferred<Option<regex::Regex>>,
    pub label_gate: labels::LabelGate,
    /// How frameworks register entry points.
    pub entrypoints: entrypoints::EntryPointCatalog,
    pub media: media::Media,
    /// Taint specs by id.
    pub taint: BTreeMap<String, taint::TaintSpec>,
    /// The personal-data classifier.
    pub personal_data: personal_data::PersonalData,
    /// What counts as a record of user input.
    pub records: inputs::Records,
    /// The project's own models and the calls that deliver their output.
    pub inferred: inferred::Inferred,
    /// The API inferred generation sites name (the project's own model).
    pub inferred_api: GenerationApi,
    /// Recommenders, opt-out switches and training flags.
    pub opt_out: opt_out::OptOut,
    /// Service-level duties and what the configuration declares.
    pub service: service::Service,
}

const GENERATION_TOML: &str = include_str!("generation.toml");
const MODERATION_TOML: &str = include_str!("moderation.toml");
const HOSTS_TOML: &str = include_str!("hosts.toml");
const LABELS_TOML: &str = include_str!("labels.toml");
const ENTRYPOINTS_TOML: &str = include_str!("entrypoints.toml");
const MEDIA_TOML: &str = include_str!("media.toml");
const PERSONAL_DATA_TOML: &str = include_str!("personal_data.toml");
const INPUTS_TOML: &str = include_str!("inputs.toml");
const OPT_OUT_TOML: &str = include_str!("opt_out.toml");
const SERVICE_TOML: &str = include_str!("service.toml");

#[derive(Debug)]
pub struct CatalogError {
    pub message: String,
}

impl Catalog {
    /// The built-in catalogue plus user extensions.
    pub fn load(extension: &CatalogData) -> Result<Catalog, CatalogError> {
        Catalog::build(CatalogData::with_builtin(extension)?)
    }
}

impl CatalogData {
    /// The built-in catalogue's data plus user extensions, not yet built.
    pub fn with_builtin(extension: &CatalogData) -> Result<CatalogData, CatalogError> {
        let mut data = CatalogData::default();
        for (name, text) in [
            ("generation", GENERATION_TOML),
            ("moderation", MODERATION_TOML),
            ("hosts", HOSTS_TOML),
            ("labels", LABELS_TOML),
            ("entrypoints", ENTRYPOINTS_TOML),
            ("media", MEDIA_TOML),
            ("personal_data", PERSONAL_DATA_TOML),
            ("inputs", INPUTS_TOML),
            ("opt_out", OPT_OUT_TOML),
            ("service", SERVICE_TOML),
        ] {
            let part: CatalogData = toml::from_str(text).map_err(|e| CatalogError {
                message: format!("built-in {name} catalogue: {e}"),
            })?;
            data.extend(part);
        }
        data.extend(extension.clone());
        Ok(data)
    }
}

impl Catalog {
    pub fn build(mut data: CatalogData) -> Result<Catalog, CatalogError> {
        inputs::add_record_sinks(&mut data.taint, &data.record);
        let mut generation_globs = Vec::new();
        for (i, api) in data.generation.iter().enumerate() {
            if api.patterns.is_empty() {
                return Err(CatalogError {
                    message: format!("generation API `{}` has no patterns", api.id),
                });
            }
            for pattern in &api.patterns {
                let glob =
                    compile_pattern(api.language, pattern).map_err(|message| CatalogError {
                        message: format!("generation API `{}`: {message}", api.id),
                    })?;
                generation_globs.push((glob, i));
            }
        }
        let generation_index = FirstMatch::new(generation_globs);
        let mut safety_switch_sets = Vec::new();
        for sw in &data.safety_switch {
            let set = |patterns: &[String]| -> Result<LazyGlobSet, CatalogError> {
                let mut b = GlobSetBuilder::new();
                for p in patterns {
                    b.add(
                        compile_pattern(sw.language, p).map_err(|message| CatalogError {
                            message: format!("safety switch `{}`: {message}", sw.id),
                        })?,
                    );
                }
                Ok(LazyGlobSet::new(b))
            };
            safety_switch_sets.push((set(&sw.callee_patterns)?, set(&sw.callee_text_patterns)?));
        }
        let safety_skip_sets = data
            .safety_switch
            .iter()
            .map(|sw| {
                let mut b = GlobSetBuilder::new();
                for g in &sw.config_skip_files {
                    if let Ok(g) = globset::Glob::new(g) {
                        b.add(g);
                    }
                }
                LazyGlobSet::new(b)
            })
            .collect();
        let http_call_index = FirstMatch::new(glob_list(
            data.http_call
                .iter()
                .map(|h| (&h.id, h.language, &h.patterns)),
            "http call",
        )?);
        let host_apis = data
            .host
            .iter()
            .map(|h| GenerationApi {
                id: format!("http:{}", h.host),
                language: Language::default(),
                patterns: Vec::new(),
                content: Vec::new(),
                content_by_arg: None,
                provider: h.provider.clone(),
                host: (!h.run_time).then(|| h.host.clone()),
                jurisdiction: h.jurisdiction,
                biometric: false,
                biometric_keywords: Vec::new(),
                enhancement: false,
                model_keyword: None,
                base_url_keywords: Vec::new(),
            })
            .collect();
        let label_index = FirstMatch::new(glob_list(
            data.label.iter().map(|l| (&l.id, l.language, &l.patterns)),
            "label",
        )?);
        for m in &data.moderation {
            if m.patterns.is_empty() {
                return Err(CatalogError {
                    message: format!("moderation API `{}` has no patterns", m.id),
                });
            }
        }
        let moderation_heads = data
            .moderation
            .iter()
            .flat_map(|m| &m.patterns)
            .map(|p| {
                let end = p.find(['.', '*', '?', '[', '{']).unwrap_or(p.len());
                (end > 0).then(|| p[..end].to_string())
            })
            .collect::<Option<Vec<_>>>();
        let (moderation_set, moderation_owner) = glob_index(
            data.moderation
                .iter()
                .map(|m| (&m.id, m.language, &m.patterns)),
            "moderation API",
        )?;
        let strip_index = FirstMatch::new(glob_list(
            data.strip.iter().map(|l| (&l.id, l.language, &l.patterns)),
            "strip",
        )?);
        let compile = |id: &str, re: &str| {
            LazyRegex::new(re).map_err(|e| CatalogError {
                message: format!("`{id}`: bad regex: {e}"),
            })
        };
        let label_string_regexes = data
            .label_string
            .iter()
            .map(|l| compile(&l.id, &l.regex))
            .collect::<Result<Vec<_>, _>>()?;
        let label_string_patterns: Vec<String> =
            data.label_string.iter().map(|l| l.regex.clone()).collect();
        let label_string_filter =
            deferred(move || terms::LiteralFilter::new(&label_string_patterns));
        let label_key_regexes = data
            .label
            .iter()
            .map(|l| l.key.as_ref().map(|k| compile(&l.id, &k.regex)).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let biometric_roots = data
            .generation
            .iter()
            .filter(|g| g.biometric || !g.biometric_keywords.is_empty())
            .flat_map(|g| &g.patterns)
            .flat_map(|p| pattern_roots(p))
            .collect();
        let label_roots = data
            .label
            .iter()
            .flat_map(|l| &l.patterns)
            .filter_map(|p| {
                let end = p.find(['.', '*', '?', '[', '{']).unwrap_or(p.len());
                (end > 0).then(|| p[..end].to_string())
            })
            .collect();
        let strip_regexes = data
            .strip
            .iter()
            .map(|s| s.regex.as_deref().map(|r| compile(&s.id, r)).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let strip_patterns: Vec<String> =
            data.strip.iter().filter_map(|s| s.regex.clone()).collect();
        let strip_any = deferred(move || any_of(strip_patterns.iter().map(String::as_str)));
        let entrypoints = entrypoints::EntryPointCatalog::build(data.entrypoints)?;
        let label_gate = labels::LabelGate::build(&data.label_gate)
            .map_err(|message| CatalogError { message })?;
        let within = |what: String| {
            move |e: CatalogError| CatalogError {
                message: format!("{what}: {}", e.message),
            }
        };
        let media = media::Media::build(data.media).map_err(within("media".into()))?;
        let records = inputs::Records::build(data.records)?;
        let inferred =
            inferred::Inferred::build(data.inferred).map_err(within("inferred".into()))?;
        let inferred_api = GenerationApi {
            id: "project-model".into(),
            language: Language::Python,
            patterns: Vec::new(),
            content: Vec::new(),
            content_by_arg: None,
            provider: "the project's own model".into(),
            host: None,
            jurisdiction: Jurisdiction::SelfHosted,
            biometric: false,
            biometric_keywords: Vec::new(),
            enhancement: false,
            model_keyword: None,
            base_url_keywords: Vec::new(),
        };
        let taint = data
            .taint
            .into_iter()
            .map(|(id, spec)| {
                let built = taint::TaintSpec::build(&id, spec);
                Ok((
                    id.clone(),
                    built.map_err(within(format!("taint spec `{id}`")))?,
                ))
            })
            .collect::<Result<_, CatalogError>>()?;
        let personal_data = personal_data::PersonalData::build(&data.personal_data)
            .map_err(|message| CatalogError { message })?;
        let opt_out = opt_out::OptOut::build(data.opt_out).map_err(within("opt_out".into()))?;
        let service = service::Service::build(&data.service, data.service_declared)?;
        Ok(Catalog {
            service,
            inferred,
            inferred_api,
            opt_out,
            personal_data,
            media,
            taint,
            records,
            label_gate,
            entrypoints,
            generation: data.generation,
            generation_index,
            passthrough_methods: data.passthrough_methods,
            safety_switch: data.safety_switch,
            safety_switch_sets,
            safety_skip_sets,
            moderation: data.moderation,
            moderation_set,
            moderation_owner,
            moderation_heads,
            hosts: data.host,
            host_apis,
            http_calls: data.http_call,
            url_calls: data.url_call,
            env_endpoints: data.env_endpoint,
            config_tracing: data.config_tracing,
            settings_classes: data.settings_class,
            regions: data.region,
            rpc_stubs: data.rpc_stub,
            model_repositories: data.model_repository,
            http_call_index,
            openai_paths: data.openai_paths,
            labels: data.label,
            label_index,
            label_key_regexes,
            label_roots,
            biometric_roots,
            label_strings: data.label_string,
            label_string_regexes,
            label_string_filter,
            watermark_switches: data.watermark_switch,
            strips: data.strip,
            strip_index,
            strip_regexes,
            strip_any,
        })
    }

    /// The first catalogued generation API (in catalogue order) whose pattern
    /// matches the resolved callee.
    /// The tails of a resolved name that start at the root of a biometric
    /// API's library after the first segment
    /// (`app.vendor.facexlib.utils.X().f` → `facexlib.utils.X().f`).
    pub fn biometric_tails<'s, 'n: 's>(
        &'s self,
        resolved: &'n str,
    ) -> impl Iterator<Item = &'n str> + 's {
        resolved
            .match_indices('.')
            .map(move |(dot, _)| &resolved[dot + 1..])
            .filter(|rest| {
                let root = rest.split(['.', '(', '[']).next().unwrap_or("");
                self.biometric_roots.contains(root)
            })
    }

    pub fn generation_api(&self, language: Language, resolved: &str) -> Option<&GenerationApi> {
        self.generation_index
            .first(language, resolved)
            .map(|i| &self.generation[i])
    }

    /// The entries after the first that match `resolved` too and whose
    /// content an argument decides. Several entries share one call shape (an
    /// `ort` session's `run`) and differ in the model file it was made from.
    pub fn generation_alternatives(
        &self,
        language: Language,
        resolved: &str,
    ) -> impl Iterator<Item = &GenerationApi> {
        self.generation_index
            .all(language, resolved)
            .into_iter()
            .skip(1)
            .map(|i| &self.generation[i])
            .filter(|a| a.content_by_arg.is_some())
    }
}

/// The first segments a pattern can start with: `facexlib` and `facelib`
/// for `{facexlib,facelib}.utils.X`, none for one that starts with a wildcard.
fn pattern_roots(p: &str) -> Vec<String> {
    if let Some(rest) = p.strip_prefix('{') {
        let Some(close) = rest.find('}') else {
            return Vec::new();
        };
        return rest[..close]
            .split(',')
            .map(|alt| alt.split('.').next().unwrap_or("").to_string())
            .filter(|r| !r.is_empty() && !r.contains(['*', '?', '[']))
            .collect();
    }
    let end = p.find(['.', '*', '?', '[', '{']).unwrap_or(p.len());
    (end > 0 && !p[..end].is_empty())
        .then(|| p[..end].to_string())
        .into_iter()
        .collect()
}

/// The built-in `[personal_data]` section alone (user entries extend it;
/// config validation checks them against it).
pub fn builtin_personal_data() -> Result<personal_data::PersonalDataData, CatalogError> {
    let part: CatalogData = toml::from_str(PERSONAL_DATA_TOML).map_err(|e| CatalogError {
        message: format!("built-in personal_data catalogue: {e}"),
    })?;
    Ok(part.personal_data)
}

impl CatalogData {
    pub fn extend(&mut self, other: CatalogData) {
        self.generation.extend(other.generation);
        self.safety_switch.extend(other.safety_switch);
        self.moderation.extend(other.moderation);
        self.passthrough_methods.extend(other.passthrough_methods);
        // User hosts come later and win: they are looked up first.
        let mut hosts = other.host;
        hosts.append(&mut self.host);
        self.host = hosts;
        self.http_call.extend(other.http_call);
        self.url_call.extend(other.url_call);
        self.env_endpoint.extend(other.env_endpoint);
        self.config_tracing.extend(other.config_tracing);
        self.settings_class.extend(other.settings_class);
        self.region.extend(other.region);
        self.rpc_stub.extend(other.rpc_stub);
        self.model_repository.extend(other.model_repository);
        self.openai_paths.extend(other.openai_paths);
        self.label.extend(other.label);
        self.label_string.extend(other.label_string);
        self.watermark_switch.extend(other.watermark_switch);
        self.strip.extend(other.strip);
        self.label_gate.extend(other.label_gate);
        self.entrypoints.extend(other.entrypoints);
        self.media.extend(other.media);
        for (id, spec) in other.taint {
            self.taint.entry(id).or_default().extend(spec);
        }
        self.personal_data.extend(other.personal_data);
        self.record.extend(other.record);
        self.records.extend(other.records);
        self.inferred.extend(other.inferred);
        self.opt_out.extend(other.opt_out);
        self.service.extend(other.service);
        let d = other.service_declared;
        let mine = &mut self.service_declared;
        mine.filing_number = d.filing_number.or(mine.filing_number.take());
        mine.complaint_channel = d.complaint_channel.or(mine.complaint_channel.take());
        mine.minors_mode = d.minors_mode.or(mine.minors_mode.take());
        mine.ai_notice = d.ai_notice.or(mine.ai_notice.take());
    }
}

/// Every glob of several entries' patterns, with the owning entry per glob.
fn glob_list<'a>(
    entries: impl Iterator<Item = (&'a String, Language, &'a Vec<String>)>,
    what: &str,
) -> Result<Vec<(globset::Glob, usize)>, CatalogError> {
    let mut globs = Vec::new();
    for (i, (id, language, patterns)) in entries.enumerate() {
        for p in patterns {
            let glob = compile_pattern(language, p).map_err(|message| CatalogError {
                message: format!("{what} `{id}`: {message}"),
            })?;
            globs.push((glob, i));
        }
    }
    Ok(globs)
}

/// One glob set over several entries' patterns, with the owning entry per glob.
fn glob_index<'a>(
    entries: impl Iterator<Item = (&'a String, Language, &'a Vec<String>)>,
    what: &str,
) -> Result<(LazyGlobSet, Vec<usize>), CatalogError> {
    let mut builder = GlobSetBuilder::new();
    let mut owner = Vec::new();
    for (glob, i) in glob_list(entries, what)? {
        builder.add(glob);
        owner.push(i);
    }
    Ok((LazyGlobSet::new(builder), owner))
}

impl Catalog {
    /// Label APIs a resolved callee matches.
    fn label_index(&self, language: Language, resolved: &str) -> Option<usize> {
        self.label_index.first(language, resolved)
    }

    /// The label API a call is, judged on the call: by its resolved name, by
    /// the name as imported, or by the library's own name inside a vendored
    /// copy (`app.vendor.imwatermark.WatermarkEncoder().encode`); a generic
    /// writer counts only when the key it writes names a label.
    pub fn label_call(
        &self,
        language: Language,
        call: &crate::facts::Call,
    ) -> Option<&labels::LabelApi> {
        use crate::qname::OptionQName;
        let resolved = call.resolved.as_name()?;
        let i = self
            .label_index(language, resolved)
            .or_else(|| {
                call.imported()
                    .as_name()
                    .and_then(|n| self.label_index(language, n))
            })
            .or_else(|| {
                // Segment starts after the first, at a known library's root.
                memchr::memchr_iter(b'.', resolved.as_bytes())
                    .map(|dot| &resolved[dot + 1..])
                    .filter(|rest| {
                        let end = rest
                            .bytes()
                            .position(|b| matches!(b, b'.' | b'(' | b'['))
                            .unwrap_or(rest.len());
                        self.label_roots.contains(&rest[..end])
                    })
                    .find_map(|rest| self.label_index(language, rest))
            })?;
        let api = &self.labels[i];
        if let (Some(key), Some(re)) = (&api.key, &self.label_key_regexes[i]) {
            let written = call
                .args
                .iter()
                .find(|a| key.keyword.is_some() && a.keyword.as_deref() == key.keyword.as_deref())
                .map(|a| &a.value)
                .or_else(|| call.positional().nth(key.position));
            if !written
                .and_then(|v| v.as_str())
                .is_some_and(|k| re.is_match(k))
            {
                return None;
            }
        }
        Some(api)
    }

    /// The moderation API a call is (by resolved callee, retried with the
    /// name as imported), as an index into `moderation`.
    pub fn moderation_api(&self, language: Language, call: &crate::facts::Call) -> Option<usize> {
        use crate::qname::OptionQName;
        if self.moderation.is_empty() {
            return None;
        }
        let may_match = |name: &str| {
            self.moderation_heads
                .as_ref()
                .is_none_or(|heads| heads.iter().any(|h| name.starts_with(h.as_str())))
        };
        [call.resolved.as_name(), call.imported().as_name()]
            .into_iter()
            .flatten()
            .filter(|name| may_match(name))
            .find_map(|name| {
                self.moderation_set
                    .matches(to_glob_path(language, name))
                    .into_iter()
                    .map(|g| self.moderation_owner[g])
                    .min()
            })
    }

    /// Label markers a string literal matches.
    pub fn label_strings_in<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = &'a labels::LabelString> + 'a {
        // Most strings hold none of the markers' literals: one pass over
        // the text turns them away before any regex runs.
        let candidates = self.label_string_filter.may_match(text);
        self.label_strings
            .iter()
            .zip(&self.label_string_regexes)
            .enumerate()
            .filter(move |(i, (_, re))| candidates.contains(*i) && re.is_match(text))
            .map(|(_, (l, _))| l)
    }

    /// The compiled regex of `label_strings[i]`.
    pub fn label_string_regex(&self, i: usize) -> &regex::Regex {
        &self.label_string_regexes[i]
    }

    /// The strip operation a resolved callee is, if any.
    pub fn strip_call(
        &self,
        language: Language,
        resolved: &str,
    ) -> Option<&labels::StripOperation> {
        self.strip_index
            .first(language, resolved)
            .map(|i| &self.strips[i])
    }

    /// The strip operation a string (or joined command list) shows, if any.
    pub fn strip_string(&self, text: &str) -> Option<&labels::StripOperation> {
        if self.strip_any.as_ref().is_some_and(|re| !re.is_match(text)) {
            return None;
        }
        self.strips
            .iter()
            .zip(&self.strip_regexes)
            .find(|(_, re)| re.as_ref().is_some_and(|r| r.is_match(text)))
            .map(|(s, _)| s)
    }

    /// The first catalogued host entry for a host name.
    pub fn host(&self, host: &str) -> Option<(usize, &hosts::Host)> {
        self.hosts
            .iter()
            .enumerate()
            .find(|(_, h)| !h.local && h.matches(host))
    }

    /// The host a request to `host` and `path` generates on, with what it
    /// generates: a model API host, or a local model server on one of its paths.
    pub fn generation_host(
        &self,
        host: &str,
        path: &str,
    ) -> Option<(usize, &hosts::Host, Vec<ContentType>)> {
        if let Some((i, h)) = self.host(host) {
            return self.generation_path(h, path).map(|c| (i, h, c));
        }
        self.hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.local && h.matches(host))
            .find_map(|(i, h)| self.generation_path(h, path).map(|c| (i, h, c)))
    }

    /// The kind of server a request to a base URL known only at run time
    /// plus `path` generates on (a `run_time` host), with what it generates.
    pub fn run_time_host(&self, path: &str) -> Option<(usize, &hosts::Host, Vec<ContentType>)> {
        self.hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.run_time)
            .find_map(|(i, h)| self.generation_path(h, path).map(|c| (i, h, c)))
    }

    /// What a request to `path` on `host` generates, if it is a generation path.
    pub fn generation_path(&self, host: &hosts::Host, path: &str) -> Option<Vec<ContentType>> {
        let shared = host.openai_compatible.then_some(&self.openai_paths);
        host.paths
            .iter()
            .chain(shared.into_iter().flatten())
            .find(|(suffix, _)| path.ends_with(suffix.as_str()))
            .map(|(_, content)| content.clone())
    }

    /// The HTTP client call a resolved callee is, if any.
    pub fn http_call(&self, language: Language, resolved: &str) -> Option<&hosts::HttpCall> {
        self.http_call_index
            .first(language, resolved)
            .map(|i| &self.http_calls[i])
    }

    /// Whether a call (by resolved callee, else callee text) is one where
    /// safety switch `i` applies.
    pub fn safety_switch_applies(
        &self,
        i: usize,
        language: Language,
        resolved: Option<&str>,
        callee: &str,
    ) -> bool {
        let (by_resolved, by_text) = &self.safety_switch_sets[i];
        match resolved {
            Some(r) => by_resolved.is_match(to_glob_path(language, r)),
            None => by_text.is_match(to_glob_path(language, callee)),
        }
    }

    /// Whether safety switch `i` never judges the configuration file at
    /// `path` (its `config_skip_files`).
    pub fn safety_switch_skips_file(&self, i: usize, path: &str) -> bool {
        self.safety_skip_sets[i].is_match(path)
    }
}

/// One regex that matches where any of `patterns` does, each in a group of
/// its own so that its flags stay inside it; `None` for no pattern, when
/// they do not compile together, or when one holds a `#` (in `(?x)` mode a
/// comment would run past its group's end).
fn any_of<'a>(patterns: impl Iterator<Item = &'a str>) -> Option<regex::Regex> {
    let mut alternatives = Vec::new();
    for p in patterns {
        if p.contains('#') {
            return None;
        }
        alternatives.push(format!("(?:{p})"));
    }
    if alternatives.is_empty() {
        return None;
    }
    regex::Regex::new(&alternatives.join("|")).ok()
}

/// Dotted paths become `/` paths so that globset's `*` stays inside one
/// segment, behind the language's name: a pattern for one language never
/// matches a name of another.
pub(crate) fn to_glob_path(language: Language, dotted: &str) -> String {
    // Byte by byte, one allocation: this runs for every call the catalogue
    // looks at, and swapping ASCII bytes for ASCII bytes keeps the text
    // UTF-8 (pushing `char`s one at a time cost ten times more).
    let language = language.as_str();
    let mut path = Vec::with_capacity(language.len() + 1 + dotted.len());
    path.extend_from_slice(language.as_bytes());
    path.push(b'/');
    path.extend(dotted.bytes().map(|b| match b {
        b'/' => 1,
        b'.' => b'/',
        b => b,
    }));
    String::from_utf8(path).unwrap_or_default()
}

pub fn compile_pattern(language: Language, pattern: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(&to_glob_path(language, pattern))
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

    /// Patterns are per language: the key carries the language's name, so
    /// a Python pattern never matches a name from a file in another language.
    #[test]
    fn patterns_are_per_language() {
        let g = compile_pattern(Language::Python, "openai.**")
            .unwrap()
            .compile_matcher();
        assert!(g.is_match(to_glob_path(Language::Python, "openai.OpenAI().x")));
        assert_eq!(
            to_glob_path(Language::Python, "a.b/c.生成()"),
            "python/a/b\u{1}c/生成()"
        );
        assert!(!g.is_match("rust/openai/OpenAI()/x"));
        let entry: GenerationApi = toml::from_str(
            "id = \"x\"\npatterns = [\"a.b\"]\nprovider = \"p\"\njurisdiction = \"unknown\"\n",
        )
        .unwrap();
        assert_eq!(entry.language, Language::Python, "python is the default");
    }

    /// The combined strip regex turns a string away only when no strip's
    /// own regex matches it: flags stay inside each pattern's group.
    #[test]
    fn strip_strings_combined_match_as_each() {
        let patterns = ["(?i)ai generated", "^AIGC$", "drawtext=", "(?x) a b"];
        let any = any_of(patterns.iter().copied()).unwrap();
        let each: Vec<regex::Regex> = patterns
            .iter()
            .map(|p| regex::Regex::new(p).unwrap())
            .collect();
        for text in [
            "AI GENERATED",
            "aigc",
            "AIGC",
            "x AIGC",
            "drawtext=1",
            "ab",
            "a b",
            "",
            "生成",
        ] {
            assert_eq!(
                any.is_match(text),
                each.iter().any(|r| r.is_match(text)),
                "{text}"
            );
        }
        assert!(any_of(["a # b", "c"].into_iter()).is_none());
        assert!(any_of(std::iter::empty()).is_none());
        let c = Catalog::load(&CatalogData::default()).unwrap();
        assert!(c.strip_any.is_some(), "the built-in strip regexes combine");
        for text in [
            "-map_metadata -1",
            "x -all= y",
            "+bitexact",
            "-map_metadata 0",
            "",
        ] {
            let expected = c
                .strips
                .iter()
                .zip(&c.strip_regexes)
                .find(|(_, re)| re.as_ref().is_some_and(|r| r.is_match(text)))
                .map(|(s, _)| s.id.as_str());
            assert_eq!(
                c.strip_string(text).map(|s| s.id.as_str()),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn star_stays_in_one_segment() {
        let g = compile_pattern(Language::Python, "diffusers.*Pipeline.from_pretrained()")
            .unwrap()
            .compile_matcher();
        assert!(g.is_match(to_glob_path(
            Language::Python,
            "diffusers.StableDiffusionPipeline.from_pretrained()"
        )));
        assert!(!g.is_match(to_glob_path(
            Language::Python,
            "diffusers.x.StableDiffusionPipeline.from_pretrained()"
        )));
    }
}

//! `[inferred]`: what makes a call of the project's own model *inferred*
//! generation (no catalogue entry names it): the base classes of models, the
//! runtime calls that run exported weights, the names that say a result is
//! media, and the calls that deliver media to the user.

use std::collections::BTreeMap;

use super::lazy_set::LazyGlobSet;
use serde::{Deserialize, Serialize};

use super::glob_index::FirstMatch;
use super::{CatalogError, ContentType, Language, Literal, compile_pattern};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferredData {
    /// Project classes deriving (through project classes) from one of these
    /// are models (`torch.nn.Module`).
    #[serde(default)]
    pub module_bases: Vec<String>,
    /// Methods whose call runs a model instance (`__call__` for `model(x)`).
    #[serde(default)]
    pub model_methods: Vec<String>,
    /// Name tokens of a receiver of unknown type that say it is a model
    /// (`self.blip_model.model`, `self.first_stage_model`).
    #[serde(default)]
    pub model_receivers: Vec<String>,
    /// Resolved callees that run exported weights (`onnxruntime.InferenceSession().run`).
    #[serde(default)]
    pub runtime_calls: Vec<String>,
    /// Method calls of that shape on a receiver of unknown type: the method
    /// name and the literal its first positional argument must be
    /// (onnxruntime's `session.run(None, feeds)`).
    #[serde(default)]
    pub runtime_methods: Vec<RuntimeMethod>,
    /// Name tokens that say what a result is, by content type; `not_media`
    /// tokens (labels, scores, boxes, embeddings) veto.
    #[serde(default)]
    pub media_names: BTreeMap<String, Vec<String>>,
    /// Calls that deliver media or text to the user: file writers of
    /// images, audio and video, and encoders of their bytes.
    #[serde(default)]
    pub delivery: Vec<String>,
    /// Responses that deliver media when their media type says so.
    #[serde(default)]
    pub response: Vec<MediaResponse>,
    /// Globs over the name of the model a call runs (the receiver's last
    /// name, `face_swapper`, or the literal model file its session was
    /// made from, `inswapper_128.onnx`) that say it edits faces or voices:
    /// face swap, face editing, lip sync, voice conversion.
    #[serde(default)]
    pub biometric_models: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeMethod {
    pub method: String,
    pub first_arg: Literal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaResponse {
    pub patterns: Vec<String>,
    pub media_type_keyword: String,
    /// Prefixes of a literal media type that mean media (`audio/`).
    pub media_types: Vec<String>,
}

impl InferredData {
    pub fn extend(&mut self, other: InferredData) {
        self.module_bases.extend(other.module_bases);
        self.model_methods.extend(other.model_methods);
        self.model_receivers.extend(other.model_receivers);
        self.runtime_calls.extend(other.runtime_calls);
        self.runtime_methods.extend(other.runtime_methods);
        for (k, v) in other.media_names {
            self.media_names.entry(k).or_default().extend(v);
        }
        self.delivery.extend(other.delivery);
        self.response.extend(other.response);
        self.biometric_models.extend(other.biometric_models);
    }
}

/// The compiled `[inferred]` section.
pub struct Inferred {
    pub module_bases: Vec<String>,
    pub model_methods: Vec<String>,
    pub model_receivers: Vec<String>,
    runtime: FirstMatch,
    pub runtime_methods: Vec<RuntimeMethod>,
    /// (token, content type), in catalogue order.
    media: Vec<(String, ContentType)>,
    not_media: Vec<String>,
    delivery: FirstMatch,
    responses: Vec<MediaResponse>,
    /// Response patterns → index in `responses`.
    response_index: FirstMatch,
    biometric: LazyGlobSet,
}

/// What a name's tokens say about a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSays {
    Media(ContentType),
    NotMedia,
    Nothing,
}

impl Inferred {
    pub fn build(data: InferredData) -> Result<Inferred, CatalogError> {
        // Names are asked about per call: looked up through the first-match
        // index, which turns most away by their first segment.
        let globs = |patterns: &[String], owner: usize| {
            patterns
                .iter()
                .map(|p| {
                    compile_pattern(Language::Python, p)
                        .map(|g| (g, owner))
                        .map_err(|message| CatalogError { message })
                })
                .collect::<Result<Vec<_>, CatalogError>>()
        };
        let set = |patterns: &[String]| Ok::<_, CatalogError>(FirstMatch::new(globs(patterns, 0)?));
        let mut response_globs = Vec::new();
        for (i, r) in data.response.iter().enumerate() {
            response_globs.extend(globs(&r.patterns, i)?);
        }
        let mut media = Vec::new();
        let mut not_media = Vec::new();
        for (kind, tokens) in &data.media_names {
            if kind == "not_media" {
                not_media.extend(tokens.iter().cloned());
                continue;
            }
            let content: ContentType =
                serde_json::from_value(serde_json::json!(kind)).map_err(|_| CatalogError {
                    message: format!("media_names: unknown content type `{kind}`"),
                })?;
            media.extend(tokens.iter().map(|t| (t.clone(), content)));
        }
        let mut biometric = globset::GlobSetBuilder::new();
        for p in &data.biometric_models {
            biometric.add(
                globset::GlobBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| CatalogError {
                        message: format!("biometric_models: {e}"),
                    })?,
            );
        }
        Ok(Inferred {
            biometric: LazyGlobSet::new(biometric),
            runtime: set(&data.runtime_calls)?,
            delivery: set(&data.delivery)?,
            response_index: FirstMatch::new(response_globs),
            responses: data.response,
            module_bases: data.module_bases,
            model_methods: data.model_methods,
            model_receivers: data.model_receivers,
            runtime_methods: data.runtime_methods,
            media,
            not_media,
        })
    }

    /// Whether a model's name (a receiver's last name, a model file's
    /// path) says it edits faces or voices.
    pub fn is_biometric_model(&self, name: &str) -> bool {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        self.biometric.is_match(file)
    }

    /// Whether a resolved callee runs exported weights.
    pub fn is_runtime_call(&self, resolved: &str) -> bool {
        self.runtime.first(Language::Python, resolved).is_some()
    }

    /// Whether a call delivers media: a writer, or a response whose literal
    /// media type is audio, image or video.
    pub fn is_delivery(&self, call: &crate::facts::Call) -> bool {
        let Some(r) = call.resolved.as_ref() else {
            return false;
        };
        if self.delivery.first(Language::Python, r.as_str()).is_some() {
            return true;
        }
        let matching = self.response_index.all(Language::Python, r.as_str());
        matching.into_iter().any(|i| {
            let resp = &self.responses[i];
            call.args
                .iter()
                .find(|a| a.keyword.as_deref() == Some(resp.media_type_keyword.as_str()))
                .and_then(|a| a.value.as_str())
                .is_some_and(|t| resp.media_types.iter().any(|p| t.starts_with(p.as_str())))
        })
    }

    /// What the tokens of `names` say: any `not_media` token vetoes, else the
    /// first media token (in the order the names are given) decides.
    pub fn classify<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> NameSays {
        let mut found = None;
        for name in names {
            for t in super::personal_data::tokens(name) {
                if self.not_media.contains(&t) {
                    return NameSays::NotMedia;
                }
                if found.is_none() {
                    found = self.media.iter().find(|(m, _)| *m == t).map(|(_, c)| *c);
                }
            }
        }
        found.map_or(NameSays::Nothing, NameSays::Media)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Inferred {
        crate::catalog::Catalog::load(&crate::catalog::CatalogData::default())
            .expect("built-in catalogue")
            .inferred
    }

    #[test]
    fn names_say_media_unless_a_token_vetoes() {
        let inf = builtin();
        assert_eq!(
            inf.classify(["crop_vision_frame"]),
            NameSays::Media(ContentType::Image)
        );
        assert_eq!(
            inf.classify(["generatedWavs"]),
            NameSays::Media(ContentType::Audio)
        );
        assert_eq!(inf.classify(["image_embeds"]), NameSays::NotMedia);
        assert_eq!(inf.classify(["face_embedding"]), NameSays::NotMedia);
        assert_eq!(inf.classify(["detection"]), NameSays::NotMedia);
        assert_eq!(inf.classify(["result", "out"]), NameSays::Nothing);
    }

    #[test]
    fn biometric_models_by_name_or_file() {
        let inf = builtin();
        assert!(inf.is_biometric_model("face_swapper"));
        assert!(inf.is_biometric_model("../.assets/models/inswapper_128_fp16.onnx"));
        assert!(inf.is_biometric_model("lip_syncer"));
        assert!(!inf.is_biometric_model("face_detector"));
        assert!(!inf.is_biometric_model("vocoder"));
    }

    #[test]
    fn runtime_calls_match_sessions() {
        let inf = builtin();
        assert!(inf.is_runtime_call("onnxruntime.InferenceSession().run"));
        assert!(!inf.is_runtime_call("onnxruntime.InferenceSession().get_inputs"));
        assert!(
            inf.is_runtime_call("tensorrt.ICudaEngine().create_execution_context().execute_v2")
        );
        assert!(!inf.is_runtime_call("model.execute_v2"));
    }
}

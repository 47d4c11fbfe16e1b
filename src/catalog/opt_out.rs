//! Opt-out switches (`opt_out.toml`): the calls that rank content per user
//! (recommender libraries by resolved callee; similarity searches and sorts
//! by name, when what they rank by is a per-user vector or score), the names
//! of settings that switch personalisation off, and the names of the flags
//! that keep a user's data out of training. Users extend all of it from
//! `[catalog.opt_out]`.

use super::lazy_set::{LazyGlobSet, LazySet};
use serde::{Deserialize, Serialize};

use super::rights::{Rights, RightsData};
use super::{CatalogError, glob_index, to_glob_path};
use crate::facts::Language;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptOutData {
    /// Recommender library calls (`[[opt_out.recommender]]`).
    #[serde(default)]
    pub recommender: Vec<Recommender>,
    /// Similarity search methods (last name of the callee).
    #[serde(default)]
    pub similarity_methods: Vec<String>,
    /// Names of a user's embedding, vector or profile.
    #[serde(default)]
    pub user_vectors: Vec<String>,
    /// Calls that order a list (last name of the callee).
    #[serde(default)]
    pub sort_calls: Vec<String>,
    /// Names of a per-user score.
    #[serde(default)]
    pub user_scores: Vec<String>,
    /// Names of functions that rank for one user.
    #[serde(default)]
    pub ranking_functions: Vec<String>,
    /// Parameter names that name the user.
    #[serde(default)]
    pub user_ids: Vec<String>,
    /// Settings that switch personalised recommendation off.
    #[serde(default)]
    pub switches: Vec<String>,
    /// Locals that hold a ranking users choose per request.
    #[serde(default)]
    pub choice_names: Vec<String>,
    /// Names a value reads when it comes from a request parameter.
    #[serde(default)]
    pub request_reads: Vec<String>,
    /// Names of a per-user interest profile or tag set.
    #[serde(default)]
    pub profile_names: Vec<String>,
    /// Methods that add to a profile held in a container or store.
    #[serde(default)]
    pub profile_writes: Vec<String>,
    /// Words of a profile name that say whose it is (plain words).
    #[serde(default)]
    pub profile_owner_words: Vec<String>,
    /// Handler names and routes that change or remove something.
    #[serde(default)]
    pub profile_controls: Vec<String>,
    /// Flags whose true value lets a user's data be used for training.
    #[serde(default)]
    pub training_opt_in: Vec<String>,
    /// Flags whose true value keeps a user's data out of training.
    #[serde(default)]
    pub training_opt_out: Vec<String>,
    /// Calls that write user data into a training set.
    #[serde(default)]
    pub training_writes: Vec<String>,
    /// Users' rights over stored records (`[opt_out.rights]`).
    #[serde(default)]
    pub rights: RightsData,
    /// Calls that set where templates rendered by name are looked for.
    #[serde(default)]
    pub template_dirs: Vec<TemplateDirCall>,
    /// Settings that list template directories (Django's `TEMPLATES`).
    #[serde(default)]
    pub template_settings: Vec<TemplateSetting>,
}

/// A call that sets a template directory (`Flask(__name__,
/// template_folder="web")`, `Jinja2Templates(directory="templates")`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDirCall {
    /// Regular expression over the resolved callee.
    pub call: String,
    /// The keyword that names the directory.
    pub keyword: String,
    /// Its position when passed positionally.
    #[serde(default)]
    pub position: Option<usize>,
    /// The directory when the call names none (Flask's `templates`).
    #[serde(default)]
    pub default: Option<String>,
}

/// A settings assignment listing template directories: `name = [{key:
/// [dirs]}]`; with it, each folder `app_dir` beside one of `app_markers`
/// (an application's own templates).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSetting {
    pub name: String,
    pub key: String,
    pub app_dir: String,
    #[serde(default)]
    pub app_markers: Vec<String>,
}

/// A recommender library call: it ranks items for a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommender {
    pub id: String,
    #[serde(default)]
    pub language: Language,
    /// Who makes the library (`LightFM`).
    pub provider: String,
    /// Resolved-callee patterns.
    pub patterns: Vec<String>,
}

impl OptOutData {
    pub fn extend(&mut self, other: OptOutData) {
        self.recommender.extend(other.recommender);
        self.similarity_methods.extend(other.similarity_methods);
        self.user_vectors.extend(other.user_vectors);
        self.sort_calls.extend(other.sort_calls);
        self.user_scores.extend(other.user_scores);
        self.ranking_functions.extend(other.ranking_functions);
        self.user_ids.extend(other.user_ids);
        self.switches.extend(other.switches);
        self.choice_names.extend(other.choice_names);
        self.request_reads.extend(other.request_reads);
        self.profile_names.extend(other.profile_names);
        self.profile_writes.extend(other.profile_writes);
        self.profile_owner_words.extend(other.profile_owner_words);
        self.profile_controls.extend(other.profile_controls);
        self.training_opt_in.extend(other.training_opt_in);
        self.training_opt_out.extend(other.training_opt_out);
        self.training_writes.extend(other.training_writes);
        self.rights.extend(other.rights);
        self.template_dirs.extend(other.template_dirs);
        self.template_settings.extend(other.template_settings);
    }

    /// Pattern lists, for config validation.
    pub fn pattern_lists(&self) -> Vec<(&'static str, usize, &'static str, &[String])> {
        self.recommender
            .iter()
            .enumerate()
            .map(|(i, r)| ("recommender", i, "patterns", r.patterns.as_slice()))
            .collect()
    }
}

/// What a training flag's true value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainingFlag {
    /// True: the user's data may be used (`allow_training`).
    OptIn,
    /// True: the user's data is kept out (`training_opt_out`).
    OptOut,
}

/// `OptOutData`, compiled.
pub struct OptOut {
    pub recommenders: Vec<Recommender>,
    recommender_set: LazyGlobSet,
    recommender_owner: Vec<usize>,
    /// The first name of every recommender pattern (`lightfm`), tested
    /// before the glob match; `None` when a pattern starts with a wildcard.
    recommender_heads: Option<Vec<String>>,
    similarity_methods: LazySet,
    user_vectors: LazySet,
    sort_calls: LazySet,
    user_scores: LazySet,
    ranking_functions: LazySet,
    user_ids: LazySet,
    switches: LazySet,
    choice_names: LazySet,
    request_reads: LazySet,
    profile_names: LazySet,
    profile_writes: LazySet,
    pub profile_owner_words: Vec<String>,
    profile_controls: LazySet,
    training_opt_in: LazySet,
    training_opt_out: LazySet,
    training_writes: LazySet,
    pub rights: Rights,
    pub template_dirs: Vec<TemplateDirCall>,
    /// The `call` patterns of `template_dirs`, in order.
    pub template_calls: LazySet,
    pub template_settings: Vec<TemplateSetting>,
}

impl OptOut {
    pub fn build(data: OptOutData) -> Result<OptOut, CatalogError> {
        let set = |what: &str, res: &[String]| {
            LazySet::new(res).map_err(|e| CatalogError {
                message: format!("opt_out.{what}: bad regex: {e}"),
            })
        };
        for r in &data.recommender {
            if r.patterns.is_empty() {
                return Err(CatalogError {
                    message: format!("recommender `{}` has no patterns", r.id),
                });
            }
        }
        let (recommender_set, recommender_owner) = glob_index(
            data.recommender
                .iter()
                .map(|r| (&r.id, r.language, &r.patterns)),
            "recommender",
        )?;
        let recommender_heads = data
            .recommender
            .iter()
            .flat_map(|r| &r.patterns)
            .map(|p| {
                let end = p.find(['.', '*', '?', '[', '{']).unwrap_or(p.len());
                (end > 0 && !p[end..].starts_with(['*', '?', '[', '{']))
                    .then(|| p[..end].to_string())
            })
            .collect::<Option<Vec<_>>>();
        Ok(OptOut {
            recommender_heads,
            recommender_set,
            recommender_owner,
            similarity_methods: set("similarity_methods", &data.similarity_methods)?,
            user_vectors: set("user_vectors", &data.user_vectors)?,
            sort_calls: set("sort_calls", &data.sort_calls)?,
            user_scores: set("user_scores", &data.user_scores)?,
            ranking_functions: set("ranking_functions", &data.ranking_functions)?,
            user_ids: set("user_ids", &data.user_ids)?,
            switches: set("switches", &data.switches)?,
            choice_names: set("choice_names", &data.choice_names)?,
            request_reads: set("request_reads", &data.request_reads)?,
            profile_names: set("profile_names", &data.profile_names)?,
            profile_writes: set("profile_writes", &data.profile_writes)?,
            profile_owner_words: data.profile_owner_words,
            profile_controls: set("profile_controls", &data.profile_controls)?,
            training_opt_in: set("training_opt_in", &data.training_opt_in)?,
            training_opt_out: set("training_opt_out", &data.training_opt_out)?,
            training_writes: set("training_writes", &data.training_writes)?,
            rights: Rights::build(data.rights)?,
            template_calls: set(
                "template_dirs",
                &data
                    .template_dirs
                    .iter()
                    .map(|t| t.call.clone())
                    .collect::<Vec<_>>(),
            )?,
            template_dirs: data.template_dirs,
            template_settings: data.template_settings,
            recommenders: data.recommender,
        })
    }

    /// The recommender library a resolved callee is, if any.
    pub fn recommender(&self, language: Language, resolved: &str) -> Option<&Recommender> {
        let head = resolved.split('.').next().unwrap_or(resolved);
        if self
            .recommender_heads
            .as_ref()
            .is_some_and(|heads| !heads.iter().any(|h| h == head))
        {
            return None;
        }
        self.recommender_set
            .matches(to_glob_path(language, resolved))
            .into_iter()
            .map(|g| self.recommender_owner[g])
            .min()
            .map(|i| &self.recommenders[i])
    }

    pub fn is_similarity_method(&self, method: &str) -> bool {
        self.similarity_methods.is_match(method)
    }

    pub fn is_user_vector(&self, name: &str) -> bool {
        self.user_vectors.is_match(name)
    }

    pub fn is_sort_call(&self, method: &str) -> bool {
        self.sort_calls.is_match(method)
    }

    pub fn is_user_score(&self, name: &str) -> bool {
        self.user_scores.is_match(name)
    }

    pub fn is_ranking_function(&self, name: &str) -> bool {
        self.ranking_functions.is_match(name)
    }

    pub fn is_user_id(&self, name: &str) -> bool {
        self.user_ids.is_match(name)
    }

    pub fn is_switch(&self, name: &str) -> bool {
        self.switches.is_match(name)
    }

    pub fn is_choice_name(&self, name: &str) -> bool {
        self.choice_names.is_match(name)
    }

    pub fn is_request_read(&self, name: &str) -> bool {
        self.request_reads.is_match(name)
    }

    pub fn is_profile(&self, name: &str) -> bool {
        self.profile_names.is_match(name)
    }

    pub fn is_profile_write(&self, method: &str) -> bool {
        self.profile_writes.is_match(method)
    }

    pub fn is_profile_control(&self, name: &str) -> bool {
        self.profile_controls.is_match(name)
    }

    /// Whether a name is a training flag, and which way round.
    pub fn training_flag(&self, name: &str) -> Option<TrainingFlag> {
        if self.training_opt_out.is_match(name) {
            Some(TrainingFlag::OptOut)
        } else if self.training_opt_in.is_match(name) {
            Some(TrainingFlag::OptIn)
        } else {
            None
        }
    }

    pub fn is_training_write(&self, callee: &str) -> bool {
        self.training_writes.is_match(callee)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CatalogData};

    #[test]
    fn names_are_classified() {
        let c = Catalog::load(&CatalogData::default()).unwrap();
        let o = &c.opt_out;
        for yes in [
            "user.personalized",
            "personalization_enabled",
            "req.recommend_off",
            "settings.个性化推荐",
            "ranking_mode",
        ] {
            assert!(o.is_switch(yes), "{yes}");
        }
        for no in ["user.id", "sort_key", "mode"] {
            assert!(!o.is_switch(no), "{no}");
        }
        for yes in ["user_embed", "user_vec", "profile.embedding", "u_emb"] {
            assert!(o.is_user_vector(yes), "{yes}");
        }
        for no in [
            "user_query",
            "query_embedding",
            "user_input",
            "user_message",
        ] {
            assert!(!o.is_user_vector(no), "{no}");
        }
        assert_eq!(
            o.training_flag("user.allow_training"),
            Some(TrainingFlag::OptIn)
        );
        assert_eq!(
            o.training_flag("opt_out_of_training"),
            Some(TrainingFlag::OptOut)
        );
        assert_eq!(o.training_flag("is_training"), None);
        assert_eq!(o.training_flag("training_enabled"), None);
        assert!(o.is_training_write("add_to_training_set"));
        assert!(o.is_training_write("dataset.export_training_data"));
        assert!(!o.is_training_write("trainer.train"));
        assert!(
            o.recommender(
                Language::Python,
                "implicit.als.AlternatingLeastSquares().recommend"
            )
            .is_some()
        );
        assert!(
            o.recommender(Language::Python, "lightfm.LightFM().fit")
                .is_none()
        );
    }
}

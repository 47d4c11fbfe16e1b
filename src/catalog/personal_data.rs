//! The personal-data classifier (`personal_data.toml`): categories of
//! personal information and the words that name them, matched by whole
//! tokens of identifiers, attribute chains and dict keys, with false friends
//! that name something else (`phone_model`); Gradio components whose input
//! is a face image or a voice sample; and the names of consent checks. Users
//! extend all of it from `[catalog.personal_data]`.

use std::collections::BTreeMap;

use globset::GlobSetBuilder;
use serde::{Deserialize, Serialize};

use super::compile_pattern;
use super::lazy_set::{LazyGlobSet, LazySet};
use crate::facts::Language;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataData {
    /// Phrases that contain a term but name something else.
    #[serde(default)]
    pub false_friends: Vec<String>,
    #[serde(default)]
    pub category: Vec<CategoryData>,
    #[serde(default)]
    pub component: Vec<ComponentData>,
    #[serde(default)]
    pub consent: ConsentData,
    /// Bases and decorators (resolved-name patterns) of data models whose
    /// instances are sent whole (`model_dump()`, `asdict()`): such an
    /// instance holds what its fields do.
    #[serde(default)]
    pub models: Vec<String>,
    /// Methods that give back instances of a data model when called on its
    /// class or its manager (`User.objects.get`, `User.model_validate`,
    /// `User.query.filter_by(...).first`), or on a session given the class
    /// first (`session.get(User, id)`).
    #[serde(default)]
    pub model_reads: Vec<String>,
    /// Receivers (the last segment as written, regular expressions) whose
    /// `get("key")` reads a field the key names: forms, request data,
    /// payloads (`request.form`, `request.POST`, `data`), not translation
    /// tables or caches.
    #[serde(default)]
    pub keyed_receivers: Vec<String>,
    /// Categories (ids) whose values are media, pictures or sound: a text
    /// log line that names one shows its file name or path, not the person
    /// (PII003 leaves them out).
    #[serde(default)]
    pub media: Vec<String>,
    #[serde(default)]
    pub training: TrainingData,
    #[serde(default)]
    pub retention: RetentionData,
    /// Services outside mainland China that receive data over plain HTTP
    /// (PII001's `overseas-http` sink keeps requests to these hosts).
    #[serde(default)]
    pub overseas_service: Vec<OverseasService>,
}

/// An overseas service reached by URL (`requests.post(".../mp/collect")`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverseasService {
    /// How messages name it (`Google Analytics`).
    pub service: String,
    /// Host names, compared exactly and without case.
    pub hosts: Vec<String>,
    /// Path prefixes that receive data (none: any path).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Top-level modules of its SDKs (`resend`): how a sink call of the
    /// spec names its recipient.
    #[serde(default)]
    pub modules: Vec<String>,
    /// What it is, for messages (`an e-mail delivery service`).
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryData {
    /// `phone`, `face`: an entry with the id of an existing category adds
    /// its terms there.
    pub id: String,
    /// How messages name it (`phone number`).
    #[serde(default)]
    pub title: String,
    /// A PIPL sensitive category (CN-PIPL-28).
    #[serde(default)]
    pub sensitive: bool,
    /// When it is sensitive, if not always (`"when it is a child's under 14"`).
    #[serde(default)]
    pub sensitive_when: String,
    #[serde(default)]
    pub level: DataLevel,
    /// A network log must carry it: the requester's address is what
    /// CN-CSL-23 and CN-SAP-5 ask records to keep, so writing it to a log
    /// is not reported (PII003), while LOG003 asks for it.
    #[serde(default)]
    pub network_log: bool,
    #[serde(default)]
    pub terms: Vec<String>,
}

/// Whether a category identifies a person by itself, or is free text that
/// may hold personal information (conversation content).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataLevel {
    #[default]
    Identified,
    Content,
}

/// Input components (resolved-name patterns of their constructors) whose
/// value is of one category.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentData {
    pub patterns: Vec<String>,
    pub category: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentData {
    /// Regular expressions over names as written: a condition reading one,
    /// or a call of one, is a consent check.
    #[serde(default)]
    pub names: Vec<String>,
    /// Components whose value is a consent tick box.
    #[serde(default)]
    pub checkbox: Vec<String>,
    /// Regular expressions over a tick box's name and its label or info
    /// text: one of them must match for the box to be a consent answer
    /// (`keep_random`, "Super sampling" are other switches).
    #[serde(default)]
    pub checkbox_text: Vec<String>,
    /// Regular expressions over a tick box's label or info text that say
    /// it accepts something else (a licence, terms of use): no consent of
    /// the person edited, whatever the box or its parameter is called.
    #[serde(default)]
    pub checkbox_not: Vec<String>,
    /// Gradio registrations (the route they are listed under) that run
    /// their handler only on examples the product ships (`gr.Examples`):
    /// no one's upload is edited there.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// Training sets (PII004): what guards a write into one per user, and
/// which files are one. Regular expressions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingData {
    /// Names of per-user consent or opt-out values, and of the checks a
    /// project calls for them, besides the opt-out catalogue's training
    /// flags: a condition reading one guards what runs under it.
    #[serde(default)]
    pub guards: Vec<String>,
    /// Paths (literal, or the text of the expression that builds them)
    /// of files that are training or fine-tuning sets.
    #[serde(default)]
    pub dataset_files: Vec<String>,
    /// `purpose=` values of file uploads that feed fine-tuning.
    #[serde(default)]
    pub fine_tune_purposes: Vec<String>,
    /// Methods that open a file for writing from its path (`open`,
    /// `File::create`, `csv::Writer::from_path`).
    #[serde(default)]
    pub opens: Vec<String>,
}

/// Deletion paths (PII005): calls, as written or resolved, that delete
/// from each kind of store (`file`, `vector`, `db`). Regular expressions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionData {
    #[serde(default)]
    pub deletes: BTreeMap<String, Vec<String>>,
}

impl PersonalDataData {
    /// The regular-expression lists, each with its key, in the order the
    /// classifier builds them.
    pub fn regex_lists(&self) -> Vec<(&'static str, &[String])> {
        let mut lists: Vec<(&'static str, &[String])> = vec![
            ("consent.names", &self.consent.names),
            ("consent.checkbox_text", &self.consent.checkbox_text),
            ("consent.checkbox_not", &self.consent.checkbox_not),
            ("training.guards", &self.training.guards),
            ("keyed_receivers", &self.keyed_receivers),
            ("training.dataset_files", &self.training.dataset_files),
        ];
        lists.extend(
            self.retention
                .deletes
                .values()
                .map(|l| ("retention.deletes", l.as_slice())),
        );
        lists
    }

    pub fn extend(&mut self, other: PersonalDataData) {
        self.false_friends.extend(other.false_friends);
        for c in other.category {
            match self.category.iter_mut().find(|o| o.id == c.id) {
                Some(old) => {
                    old.terms.extend(c.terms);
                    old.sensitive |= c.sensitive;
                    old.network_log |= c.network_log;
                    if !c.sensitive_when.is_empty() {
                        old.sensitive_when = c.sensitive_when;
                    }
                    if !c.title.is_empty() {
                        old.title = c.title;
                    }
                }
                None => self.category.push(c),
            }
        }
        self.component.extend(other.component);
        self.consent.names.extend(other.consent.names);
        self.consent.checkbox.extend(other.consent.checkbox);
        self.consent
            .checkbox_text
            .extend(other.consent.checkbox_text);
        self.consent.checkbox_not.extend(other.consent.checkbox_not);
        self.consent.examples.extend(other.consent.examples);
        self.models.extend(other.models);
        self.model_reads.extend(other.model_reads);
        self.keyed_receivers.extend(other.keyed_receivers);
        self.media.extend(other.media);
        self.training.guards.extend(other.training.guards);
        self.training
            .dataset_files
            .extend(other.training.dataset_files);
        self.training
            .fine_tune_purposes
            .extend(other.training.fine_tune_purposes);
        self.training.opens.extend(other.training.opens);
        self.overseas_service.extend(other.overseas_service);
        for (kind, list) in other.retention.deletes {
            self.retention.deletes.entry(kind).or_default().extend(list);
        }
    }

    /// Pattern lists, for config validation (section, index, key, patterns).
    pub fn pattern_lists(&self) -> Vec<(&'static str, usize, &'static str, &[String])> {
        let mut out: Vec<(&'static str, usize, &'static str, &[String])> = self
            .component
            .iter()
            .enumerate()
            .map(|(i, c)| ("component", i, "patterns", c.patterns.as_slice()))
            .collect();
        out.push(("consent", 0, "checkbox", &self.consent.checkbox));
        out.push(("models", 0, "models", &self.models));
        out
    }
}

/// One category, compiled.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub sensitive: bool,
    pub sensitive_when: String,
    pub level: DataLevel,
    pub network_log: bool,
}

/// A set of categories, one bit each (at most 64 categories).
pub type Categories = u64;

/// A term or false friend: its tokens, or a substring for Chinese.
#[derive(Debug)]
struct Phrases {
    /// First token → (tokens, owner). Only looked up, by every token of
    /// every name classified.
    by_first: crate::analysis::FastMap<String, Vec<(Vec<String>, usize)>>,
    /// Terms with non-ASCII characters: matched as substrings.
    substrings: Vec<(String, usize)>,
}

impl Phrases {
    fn new() -> Phrases {
        Phrases {
            by_first: Default::default(),
            substrings: Vec::new(),
        }
    }

    /// Whether [`Phrases::matches`] may find anything in `text`: false
    /// when it is ASCII (no substring can match) and none of its tokens
    /// starts a phrase. Each token is lowered in a stack buffer: most names
    /// classified hold no term, and spelling their tokens as `String`s was
    /// most of the classifier's cost.
    fn may_match(&self, text: &str) -> bool {
        if !text.is_ascii() {
            return true;
        }
        let mut buf = [0u8; 32];
        token_spans(text).any(|t| {
            let Some(lower) = buf.get_mut(..t.len()) else {
                return true;
            };
            lower.copy_from_slice(t.as_bytes());
            lower.make_ascii_lowercase();
            // ASCII letters: always UTF-8.
            std::str::from_utf8(lower).map_or(true, |t| self.by_first.contains_key(t))
        })
    }

    fn add(&mut self, term: &str, owner: usize) {
        if !term.is_ascii() {
            self.substrings.push((term.to_lowercase(), owner));
            return;
        }
        let tokens = tokens(term);
        if let Some(first) = tokens.first() {
            self.by_first
                .entry(first.clone())
                .or_default()
                .push((tokens, owner));
        }
    }

    /// Every match as (first token, token count, owner); a substring match
    /// covers no token (count 0, at `usize::MAX`).
    fn matches(&self, text: &str, toks: &[String], out: &mut Vec<(usize, usize, usize)>) {
        for (i, t) in toks.iter().enumerate() {
            let Some(list) = self.by_first.get(t) else {
                continue;
            };
            for (seq, owner) in list {
                if toks[i..].starts_with(seq) {
                    out.push((i, seq.len(), *owner));
                }
            }
        }
        if !self.substrings.is_empty() && !text.is_ascii() {
            let lower = text.to_lowercase();
            for (s, owner) in &self.substrings {
                if lower.contains(s.as_str()) {
                    out.push((usize::MAX, s.chars().count(), *owner));
                }
            }
        }
    }
}

/// The classifier, compiled.
#[derive(Debug)]
pub struct PersonalData {
    pub categories: Vec<Category>,
    terms: Phrases,
    false_friends: Phrases,
    components: LazyGlobSet,
    component_category: Vec<usize>,
    consent: LazySet,
    checkbox: LazyGlobSet,
    checkbox_text: LazySet,
    checkbox_not: LazySet,
    examples: Vec<String>,
    models: LazyGlobSet,
    model_reads: Vec<String>,
    keyed_receivers: LazySet,
    media: Categories,
    training_guards: LazySet,
    dataset_files: LazySet,
    fine_tune_purposes: Vec<String>,
    opens: Vec<String>,
    /// Store kind → what deletes from it.
    deletes: BTreeMap<String, LazySet>,
    overseas: Vec<OverseasService>,
}

impl PersonalData {
    pub fn build(data: &PersonalDataData) -> Result<PersonalData, String> {
        if data.category.len() > 64 {
            return Err("personal_data: at most 64 categories".into());
        }
        let mut terms = Phrases::new();
        let mut categories = Vec::new();
        for (i, c) in data.category.iter().enumerate() {
            if c.id.is_empty() {
                return Err(format!("personal_data.category[{i}]: `id` is empty"));
            }
            for t in &c.terms {
                if t.is_ascii() && tokens(t).is_empty() {
                    return Err(format!(
                        "personal_data.category `{}`: term `{t}` has no letters",
                        c.id
                    ));
                }
                terms.add(t, i);
            }
            categories.push(Category {
                id: c.id.clone(),
                title: if c.title.is_empty() {
                    c.id.clone()
                } else {
                    c.title.clone()
                },
                sensitive: c.sensitive,
                sensitive_when: c.sensitive_when.clone(),
                level: c.level,
                network_log: c.network_log,
            });
        }
        let mut false_friends = Phrases::new();
        for f in &data.false_friends {
            false_friends.add(f, 0);
        }
        let mut b = GlobSetBuilder::new();
        let mut component_category = Vec::new();
        for (i, comp) in data.component.iter().enumerate() {
            let Some(cat) = data.category.iter().position(|c| c.id == comp.category) else {
                return Err(format!(
                    "personal_data.component[{i}]: no category `{}`",
                    comp.category
                ));
            };
            for p in &comp.patterns {
                b.add(compile_pattern(Language::Python, p)?);
                component_category.push(cat);
            }
        }
        let components = LazyGlobSet::new(b);
        let consent = LazySet::new(&data.consent.names)
            .map_err(|e| format!("personal_data.consent.names: bad regex: {e}"))?;
        let mut b = GlobSetBuilder::new();
        for p in &data.consent.checkbox {
            b.add(compile_pattern(Language::Python, p)?);
        }
        let checkbox = LazyGlobSet::new(b);
        let checkbox_text = LazySet::new(&data.consent.checkbox_text)
            .map_err(|e| format!("personal_data.consent.checkbox_text: bad regex: {e}"))?;
        let checkbox_not = LazySet::new(&data.consent.checkbox_not)
            .map_err(|e| format!("personal_data.consent.checkbox_not: bad regex: {e}"))?;
        let mut b = GlobSetBuilder::new();
        for p in &data.models {
            b.add(compile_pattern(Language::Python, p)?);
        }
        let models = LazyGlobSet::new(b);
        let set = |what: &str, list: &[String]| {
            LazySet::new(list).map_err(|e| format!("personal_data.{what}: bad regex: {e}"))
        };
        let training_guards = set("training.guards", &data.training.guards)?;
        let keyed_receivers = set("keyed_receivers", &data.keyed_receivers)?;
        let dataset_files = set("training.dataset_files", &data.training.dataset_files)?;
        let mut deletes = BTreeMap::new();
        for (kind, list) in &data.retention.deletes {
            deletes.insert(kind.clone(), set("retention.deletes", list)?);
        }
        let media = categories
            .iter()
            .enumerate()
            .filter(|(_, c)| data.media.contains(&c.id))
            .fold(0, |acc: Categories, (i, _)| acc | (1 << i));
        Ok(PersonalData {
            categories,
            terms,
            false_friends,
            components,
            component_category,
            consent,
            checkbox,
            checkbox_text,
            checkbox_not,
            examples: data.consent.examples.clone(),
            models,
            model_reads: data.model_reads.clone(),
            keyed_receivers,
            media,
            training_guards,
            dataset_files,
            fine_tune_purposes: data.training.fine_tune_purposes.clone(),
            opens: data.training.opens.clone(),
            deletes,
            overseas: data.overseas_service.clone(),
        })
    }

    /// The categories a name, attribute chain (its last segment) or key
    /// names.
    pub fn classify(&self, name: &str) -> Categories {
        let last = if name.is_ascii() && !name.contains(' ') {
            name.rsplit('.').next().unwrap_or(name)
        } else {
            name
        };
        if !self.terms.may_match(last) {
            return 0;
        }
        let toks = tokens(last);
        let mut found = Vec::new();
        self.terms.matches(last, &toks, &mut found);
        if found.is_empty() {
            return 0;
        }
        let mut friends = Vec::new();
        self.false_friends.matches(last, &toks, &mut friends);
        // The segment before names what the attribute belongs to: a false
        // friend may start there (`course.fullname`, a course's title).
        if last.len() < name.len()
            && let Some(prev) = name[..name.len() - last.len() - 1].rsplit('.').next()
        {
            let before = tokens(prev);
            let p = before.len();
            let joined: Vec<String> = before.into_iter().chain(toks.iter().cloned()).collect();
            let mut more = Vec::new();
            self.false_friends
                .matches(&format!("{prev}_{last}"), &joined, &mut more);
            for (j, m, c) in more {
                if j != usize::MAX && j < p && j + m > p {
                    friends.push((0, j + m - p, c));
                }
            }
        }
        let mut out = 0;
        for &(i, n, cat) in &found {
            let tokens = i != usize::MAX;
            let covered = |&(j, m, _): &(usize, usize, usize)| {
                if tokens {
                    j != usize::MAX && j <= i && i + n <= j + m
                } else {
                    j == usize::MAX && m >= n
                }
            };
            if friends.iter().any(covered) {
                continue;
            }
            // A longer term around this one wins (`ip_address` is no address).
            let longer = found
                .iter()
                .any(|&(j, m, _)| tokens && j != usize::MAX && j <= i && i + n <= j + m && m > n);
            if !longer {
                out |= 1 << cat;
            }
        }
        out
    }

    /// The category of an input component's constructor, if any.
    pub fn component(&self, resolved: &str) -> Categories {
        self.components
            .matches(super::to_glob_path(Language::Python, resolved))
            .into_iter()
            .fold(0, |acc, g| acc | 1 << self.component_category[g])
    }

    pub fn is_consent(&self, name: &str) -> bool {
        self.consent.is_match(name)
    }

    /// Whether a tick box's name or text says it asks for consent.
    pub fn is_consent_text(&self, text: &str) -> bool {
        self.consent.is_match(text) || self.checkbox_text.is_match(text)
    }

    /// Whether a tick box's text says it accepts something else (a licence).
    pub fn is_other_agreement(&self, text: &str) -> bool {
        self.checkbox_not.is_match(text)
    }

    /// Whether a Gradio registration runs its handler on shipped examples only.
    pub fn is_examples(&self, route: &str) -> bool {
        self.examples.iter().any(|e| e == route)
    }

    pub fn is_checkbox(&self, resolved: &str) -> bool {
        self.checkbox
            .is_match(super::to_glob_path(Language::Python, resolved))
    }

    /// Whether a class base or decorator makes a data model.
    pub fn is_model(&self, resolved: &str) -> bool {
        self.models
            .is_match(super::to_glob_path(Language::Python, resolved))
    }

    /// Whether a method called on a model class (or its manager or query)
    /// gives back its instances.
    pub fn is_model_read(&self, method: &str) -> bool {
        self.model_reads.iter().any(|m| m == method)
    }

    /// Whether `get("key")` on a receiver (as written) reads a field named
    /// by the key.
    pub fn is_keyed_receiver(&self, receiver: &str) -> bool {
        let last = receiver.rsplit('.').next().unwrap_or(receiver);
        self.keyed_receivers.is_match(last)
    }

    /// A per-user consent or opt-out value for training, or a check of one
    /// (beyond the opt-out catalogue's training flags).
    pub fn is_training_guard(&self, name: &str) -> bool {
        self.training_guards.is_match(name)
    }

    /// Whether a file path (or the text that builds it) names a training set.
    pub fn is_dataset_file(&self, path: &str) -> bool {
        self.dataset_files.is_match(path)
    }

    pub fn is_fine_tune_purpose(&self, purpose: &str) -> bool {
        self.fine_tune_purposes.iter().any(|p| p == purpose)
    }

    /// Whether a method opens a file for writing from its path.
    pub fn is_open(&self, method: &str) -> bool {
        self.opens.iter().any(|m| m == method)
    }

    /// The overseas service a URL's host and path reach, if any.
    pub fn overseas_service(&self, host: &str, path: &str) -> Option<&str> {
        self.overseas
            .iter()
            .find(|s| {
                s.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
                    && (s.paths.is_empty() || s.paths.iter().any(|p| path.starts_with(p.as_str())))
            })
            .map(|s| s.service.as_str())
    }

    /// The overseas service whose SDK a resolved callee belongs to, by its
    /// top-level module (`resend.Emails.send` → Resend).
    pub fn overseas_sdk(&self, callee: &str) -> Option<&OverseasService> {
        let head = callee.split('.').next()?;
        self.overseas
            .iter()
            .find(|s| s.modules.iter().any(|m| m == head))
    }

    /// Whether a callee (as written or resolved) deletes from a store of `kind`.
    pub fn deletes(&self, kind: &str, callee: &str) -> bool {
        self.deletes.get(kind).is_some_and(|r| r.is_match(callee))
    }

    /// The bit of category `id`.
    pub fn bit(&self, id: &str) -> Categories {
        self.categories
            .iter()
            .position(|c| c.id == id)
            .map_or(0, |i| 1 << i)
    }

    /// The categories in a set, in catalogue order.
    pub fn iter(&self, set: Categories) -> impl Iterator<Item = &Category> {
        self.categories
            .iter()
            .enumerate()
            .filter(move |(i, _)| set & (1 << i) != 0)
            .map(|(_, c)| c)
    }

    /// The categories that name a person (not conversation content).
    pub fn identified(&self, set: Categories) -> Categories {
        self.categories
            .iter()
            .enumerate()
            .filter(|(_, c)| c.level == DataLevel::Identified)
            .fold(0, |acc, (i, _)| acc | (1 << i))
            & set
    }

    /// The categories of a set that network logs must keep.
    /// The categories of `set` whose values are media (face images, voice
    /// samples): a log line holds their name, not them.
    pub fn media(&self, set: Categories) -> Categories {
        self.media & set
    }

    pub fn network_log(&self, set: Categories) -> Categories {
        self.categories
            .iter()
            .enumerate()
            .filter(|(_, c)| c.network_log)
            .fold(0, |acc, (i, _)| acc | (1 << i))
            & set
    }

    /// The PIPL sensitive categories of a set.
    pub fn sensitive(&self, set: Categories) -> Categories {
        self.categories
            .iter()
            .enumerate()
            .filter(|(_, c)| c.sensitive)
            .fold(0, |acc, (i, _)| acc | (1 << i))
            & set
    }
}

/// A name's tokens, lower case: split at anything not a letter, and at
/// camelCase humps (`userIPAddress` → `user ip address`). Non-ASCII letters
/// end a token (Chinese terms match as substrings instead).
pub fn tokens(name: &str) -> Vec<String> {
    token_spans(name).map(|t| t.to_ascii_lowercase()).collect()
}

/// The tokens of [`tokens`] as slices of `name`, in their own case and
/// without allocating. Tokens are runs of ASCII letters, so working on bytes
/// splits exactly where working on characters would.
pub fn token_spans(name: &str) -> impl Iterator<Item = &str> {
    let bytes = name.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == bytes.len() {
            return None;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            let (prev, c) = (bytes[i - 1], bytes[i]);
            let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            // `userPhone` (lower → upper) and `IPAddress` (the A of Address).
            if c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower))
            {
                break;
            }
            i += 1;
        }
        Some(&name[start..i])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> PersonalData {
        crate::catalog::Catalog::load(&crate::catalog::CatalogData::default())
            .expect("built-in catalogue")
            .personal_data
    }

    fn ids(pd: &PersonalData, name: &str) -> Vec<String> {
        pd.iter(pd.classify(name)).map(|c| c.id.clone()).collect()
    }

    /// The token look-up that turns a name away before its tokens are
    /// spelt says no only where the full match finds nothing, for terms and
    /// false friends alike: camelCase, digits, tokens past the stack buffer,
    /// non-ASCII text.
    #[test]
    fn names_turned_away_hold_no_phrase() {
        let pd = builtin();
        let long = format!("{}_phone", "x".repeat(40));
        let longer = format!("{}Phone", "verylongtokenname".repeat(3));
        let names = [
            "phone",
            "user_phone",
            "userPhoneNumber",
            "IPAddress",
            "ip_address",
            "id_card",
            "idCard",
            "course_fullname",
            "fullname",
            "email2",
            "x",
            "",
            "self",
            "tensor_out",
            "hidden_states",
            "batch_size",
            "手机号",
            "user_手机号",
            long.as_str(),
            longer.as_str(),
            "a__b__c",
            "HTTPServer",
        ];
        let mut kept = 0;
        for phrases in [&pd.terms, &pd.false_friends] {
            for name in names {
                let mut found = Vec::new();
                phrases.matches(name, &tokens(name), &mut found);
                if phrases.may_match(name) {
                    kept += 1;
                } else {
                    assert!(found.is_empty(), "{name}: {found:?}");
                }
            }
        }
        assert!(pd.terms.may_match("user_phone") && pd.terms.may_match("手机号"));
        assert!(!pd.terms.may_match("hidden_states") && !pd.terms.may_match("self"));
        assert!(kept < 2 * names.len(), "the look-up turned nothing away");
        // A token past the stack buffer goes the full way.
        assert!(pd.terms.may_match(&long));
    }

    #[test]
    fn tokens_split_snake_camel_kebab() {
        assert_eq!(tokens("user_phone"), ["user", "phone"]);
        assert_eq!(tokens("userPhoneNumber"), ["user", "phone", "number"]);
        assert_eq!(tokens("userIPAddress"), ["user", "ip", "address"]);
        assert_eq!(tokens("id-card2"), ["id", "card"]);
        assert_eq!(tokens("FACE"), ["face"]);
    }

    #[test]
    fn classifies_english_chinese_and_pinyin() {
        let pd = builtin();
        assert_eq!(ids(&pd, "phone"), ["phone"]);
        assert_eq!(ids(&pd, "user.mobilePhone"), ["phone"]);
        assert_eq!(ids(&pd, "shouji"), ["phone"]);
        assert_eq!(ids(&pd, "手机号"), ["phone"]);
        assert_eq!(ids(&pd, "sfz"), ["national-id"]);
        assert_eq!(ids(&pd, "idCard"), ["national-id"]);
        assert_eq!(ids(&pd, "身份证号"), ["national-id"]);
        assert_eq!(ids(&pd, "xingming"), ["name"]);
        assert_eq!(ids(&pd, "姓名"), ["name"]);
        assert_eq!(ids(&pd, "req.source_face"), ["face"]);
        assert_eq!(ids(&pd, "prompt_speech_16k"), ["voice"]);
        assert_eq!(ids(&pd, "client_ip"), ["network-id"]);
        assert_eq!(ids(&pd, "ip_address"), ["network-id"]);
        assert_eq!(ids(&pd, "date_of_birth"), ["age"]);
        assert_eq!(ids(&pd, "bank_card_no"), ["financial"]);
        assert_eq!(ids(&pd, "prompt"), ["conversation"]);
    }

    #[test]
    fn false_friends_and_word_boundaries() {
        let pd = builtin();
        for name in [
            "phone_model",
            "address_family",
            "ip_adapter",
            "ip_adapter_image",
            "face_enhance",
            "face_enhancer_model",
            "voice_activity",
            "voice_activity_detection",
            "microphone",
            "telemetry",
            "interface",
            "image",
            "zip",
            "hugging_face_token",
            "max_age",
            "model_name",
            "file_name",
            "server_address",
            "mobilenet",
        ] {
            assert_eq!(pd.classify(name), 0, "{name}");
        }
    }

    #[test]
    fn every_false_friend_has_a_negative_fixture() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/rules/PII001/false_friends.py"
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let data = crate::catalog::builtin_personal_data().expect("catalogue");
        for f in &data.false_friends {
            assert!(
                text.contains(&format!("str({f})")),
                "false friend `{f}` has no negative fixture in {path}"
            );
            assert_eq!(builtin().classify(f), 0, "{f}");
        }
    }

    #[test]
    fn sensitive_categories() {
        let pd = builtin();
        assert_ne!(pd.sensitive(pd.classify("face_image")), 0);
        assert_ne!(pd.sensitive(pd.classify("medical_record")), 0);
        // The PIPL sensitive groups (CN-PIPL-28): biometrics, health,
        // financial accounts, location tracks, minors' age.
        for name in [
            "voice_sample",
            "fingerprint",
            "声纹",
            "diagnosis",
            "病历",
            "bank_card",
            "银行卡号",
            "latitude",
            "经纬度",
            "date_of_birth",
            "nianling",
        ] {
            assert_ne!(pd.sensitive(pd.classify(name)), 0, "{name}");
        }
        for name in [
            "email",
            "phone",
            "xingming",
            "passport_no",
            "home_address",
            "device_id",
        ] {
            assert_ne!(pd.classify(name), 0, "{name}");
            assert_eq!(pd.sensitive(pd.classify(name)), 0, "{name}");
        }
        assert_eq!(pd.identified(pd.classify("messages")), 0);
    }

    #[test]
    fn components() {
        let pd = builtin();
        assert_eq!(pd.component("gradio.Image"), pd.bit("face"));
        assert_eq!(pd.component("gradio.Audio"), pd.bit("voice"));
        assert_eq!(pd.component("gradio.Textbox"), 0);
        assert!(pd.is_checkbox("gradio.Checkbox"));
        assert!(pd.is_consent("user_consent") && pd.is_consent("agreed") && !pd.is_consent("x"));
    }
}

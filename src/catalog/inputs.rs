//! User input and its records, as data (`inputs.toml`): the `user-input`
//! taint spec (what a user sends, and the calls that record it, one sink id
//! per kind of record), and `[records]`: what a record sink must also be to
//! count (an SQL statement that writes, a file opened for appending), the
//! log levels and the calls that set a logger's threshold, and the names on
//! a record that say who sent the input and from where (LOG003). Users name
//! their own audit helpers in `[[catalog.record]]`; they become `audit`
//! sinks of the spec.

use std::collections::BTreeMap;

use super::lazy_set::LazyGlobSet;
use globset::GlobSetBuilder;
use serde::{Deserialize, Serialize};

use super::entrypoints::ArgRef;
use super::glob_index::FirstMatch;
use super::taint::{Sink, TaintSpecData};
use super::{CatalogError, compile_pattern, to_glob_path};
use crate::facts::Language;

/// The spec LOG002 and LOG003 follow.
pub const INPUT_SPEC: &str = "user-input";

/// The sink id of `[[catalog.record]]` helpers.
pub const AUDIT_SINK: &str = "audit";

/// A project function that records what it is given (`[[catalog.record]]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordHelper {
    /// How messages name it.
    pub name: String,
    /// The language whose names `patterns` and `methods` match (default `python`).
    #[serde(default)]
    pub language: Language,
    /// Resolved-callee patterns (`myapp.audit.record_prompt`).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Method names, whatever they are called on.
    #[serde(default)]
    pub methods: Vec<String>,
}

impl RecordHelper {
    /// What is wrong with the entry, as (key, message).
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if self.name.trim().is_empty() {
            return Some(("name", "a record helper needs a `name`"));
        }
        if self.patterns.is_empty() && self.methods.is_empty() {
            return Some((
                "patterns",
                "a record helper needs `patterns` or `methods` to match its calls",
            ));
        }
        None
    }
}

/// A call that sets a logging threshold, and where its level is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSetter {
    pub patterns: Vec<String>,
    pub level: ArgRef,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsData {
    #[serde(default)]
    pub not_records: Vec<String>,
    #[serde(default)]
    pub sql_writes: Vec<String>,
    #[serde(default)]
    pub append_modes: Vec<String>,
    #[serde(default)]
    pub sink_levels: BTreeMap<String, u32>,
    #[serde(default)]
    pub level_names: BTreeMap<String, u32>,
    #[serde(default)]
    pub level_setters: Vec<LevelSetter>,
    #[serde(default)]
    pub who: Vec<String>,
    #[serde(default)]
    pub where_from: Vec<String>,
    #[serde(default)]
    pub where_chains: Vec<String>,
    #[serde(default)]
    pub where_strings: Vec<String>,
    /// Words that, after a `who` word, name content (`user_input`).
    #[serde(default)]
    pub content_words: Vec<String>,
    /// Base classes of ORM models whose `save()` writes a row.
    #[serde(default)]
    pub model_bases: Vec<String>,
    /// Calls that make a database session (`SessionLocal()`,
    /// `Session(engine)`), for sessions the callee does not say are one.
    #[serde(default)]
    pub session_factories: Vec<String>,
    /// Calls that configure logging (handlers and levels), or their
    /// keywords (`uvicorn.run(log_config=...)`): with none in the project,
    /// Python's root logger drops what is below `default_threshold`.
    #[serde(default)]
    pub log_configurers: Vec<String>,
    #[serde(default)]
    pub log_config_keywords: Vec<String>,
    #[serde(default)]
    pub default_threshold: Option<u32>,
    /// Log calls (resolved) that go to Python's standard logging.
    #[serde(default)]
    pub stdlib_logs: Vec<String>,
}

impl RecordsData {
    pub fn extend(&mut self, other: RecordsData) {
        self.not_records.extend(other.not_records);
        self.sql_writes.extend(other.sql_writes);
        self.append_modes.extend(other.append_modes);
        self.sink_levels.extend(other.sink_levels);
        self.level_names.extend(other.level_names);
        self.level_setters.extend(other.level_setters);
        self.who.extend(other.who);
        self.where_from.extend(other.where_from);
        self.where_chains.extend(other.where_chains);
        self.where_strings.extend(other.where_strings);
        self.content_words.extend(other.content_words);
        self.model_bases.extend(other.model_bases);
        self.session_factories.extend(other.session_factories);
        self.log_configurers.extend(other.log_configurers);
        self.log_config_keywords.extend(other.log_config_keywords);
        self.default_threshold = other.default_threshold.or(self.default_threshold);
        self.stdlib_logs.extend(other.stdlib_logs);
    }
}

/// `[records]`, compiled.
#[derive(Debug)]
pub struct Records {
    pub data: RecordsData,
    not_records: LazyGlobSet,
    setters: LazyGlobSet,
    setter_owner: Vec<usize>,
    /// The last segments of the setters' patterns (`setLevel`): other
    /// calls are not matched at all.
    setter_methods: Vec<String>,
    session_factories: LazyGlobSet,
    /// Asked about every resolved call of a Python file: remembered per
    /// name, names of other first segments turned away at once.
    log_configurers: FirstMatch,
    stdlib_logs: LazyGlobSet,
}

impl Records {
    pub fn build(data: RecordsData) -> Result<Records, CatalogError> {
        let err = |message: String| CatalogError {
            message: format!("records: {message}"),
        };
        let mut b = GlobSetBuilder::new();
        for p in &data.not_records {
            b.add(compile_pattern(Language::Python, p).map_err(err)?);
        }
        let not_records = LazyGlobSet::new(b);
        let mut b = GlobSetBuilder::new();
        let mut setter_owner = Vec::new();
        for (i, s) in data.level_setters.iter().enumerate() {
            for p in &s.patterns {
                b.add(compile_pattern(Language::Python, p).map_err(err)?);
                setter_owner.push(i);
            }
        }
        let setters = LazyGlobSet::new(b);
        let mut setter_methods: Vec<String> = data
            .level_setters
            .iter()
            .flat_map(|s| &s.patterns)
            .map(|p| p.rsplit('.').next().unwrap_or(p).to_string())
            .collect();
        setter_methods.sort();
        setter_methods.dedup();
        let globs = |list: &[String]| -> Result<LazyGlobSet, CatalogError> {
            let mut b = GlobSetBuilder::new();
            for p in list {
                b.add(compile_pattern(Language::Python, p).map_err(err)?);
            }
            Ok(LazyGlobSet::new(b))
        };
        let session_factories = globs(&data.session_factories)?;
        let log_configurers = data
            .log_configurers
            .iter()
            .map(|p| compile_pattern(Language::Python, p).map(|g| (g, 0)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let log_configurers = FirstMatch::new(log_configurers);
        let stdlib_logs = globs(&data.stdlib_logs)?;
        Ok(Records {
            session_factories,
            log_configurers,
            stdlib_logs,
            setter_methods,
            data,
            not_records,
            setters,
            setter_owner,
        })
    }

    /// Whether a resolved callee only looks like a record (`st.error`).
    pub fn not_a_record(&self, language: Language, resolved: &str) -> bool {
        self.not_records.is_match(to_glob_path(language, resolved))
    }

    /// Whether a resolved callee makes a database session.
    pub fn makes_session(&self, language: Language, resolved: &str) -> bool {
        self.session_factories
            .is_match(to_glob_path(language, resolved))
    }

    /// Whether a resolved callee configures logging.
    pub fn configures_logging(&self, language: Language, resolved: &str) -> bool {
        self.log_configurers.first(language, resolved).is_some()
    }

    /// Whether a resolved log call goes to Python's standard logging.
    pub fn stdlib_log(&self, language: Language, resolved: &str) -> bool {
        self.stdlib_logs.is_match(to_glob_path(language, resolved))
    }

    /// Whether a call of this method can set a logging threshold.
    pub fn may_set_level(&self, method: &str) -> bool {
        self.setter_methods
            .iter()
            .any(|m| m == method || m.contains('*'))
    }

    /// The level setter a resolved callee is, if any.
    pub fn level_setter(&self, language: Language, resolved: &str) -> Option<&LevelSetter> {
        self.setters
            .matches(to_glob_path(language, resolved))
            .into_iter()
            .map(|g| self.setter_owner[g])
            .min()
            .map(|i| &self.data.level_setters[i])
    }

    /// Whether a name, keyword or attribute chain says who sent the input
    /// or from where: a whole chain of `where_chains` inside it, or one of
    /// its words (split at `.`, `_`, `[`, any case) in `who` or `where_from`.
    pub fn names_identity(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        if self
            .data
            .where_chains
            .iter()
            .any(|c| lower.contains(&c.to_ascii_lowercase()))
        {
            return true;
        }
        let d = &self.data;
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.iter().enumerate().any(|(i, w)| {
            // `user_input`, `user_message`: what the user sent, not who.
            let content = words
                .get(i + 1)
                .is_some_and(|next| d.content_words.iter().any(|c| c == next));
            !content && d.who.iter().chain(&d.where_from).any(|k| k == w)
        })
    }

    /// Whether a string literal names an origin header (`X-Forwarded-For`)
    /// or is itself an identifying key (`"user_id"`).
    pub fn string_identity(&self, s: &str) -> bool {
        let lower = s.to_ascii_lowercase();
        if self.data.where_strings.iter().any(|w| lower.contains(w)) {
            return true;
        }
        let key_like = !s.is_empty()
            && s.len() <= 40
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        key_like && self.names_identity(s)
    }

    /// A level name's number (`WARNING` → 30), any case.
    pub fn level(&self, name: &str) -> Option<u32> {
        self.data
            .level_names
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Put the record helpers into the `user-input` spec as `audit` sinks.
pub fn add_record_sinks(taint: &mut BTreeMap<String, TaintSpecData>, helpers: &[RecordHelper]) {
    let Some(spec) = taint.get_mut(INPUT_SPEC) else {
        return;
    };
    for h in helpers {
        spec.sink.push(Sink {
            id: AUDIT_SINK.to_string(),
            language: h.language,
            patterns: h.patterns.clone(),
            methods: h.methods.clone(),
            at: Vec::new(),
            ..Sink::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The logging-configuration test by first segment and memo answers as
    /// the glob set of the same patterns did, asked twice, in Python and
    /// Rust.
    #[test]
    fn configures_logging_answers_as_the_glob_set() {
        let catalog =
            crate::catalog::Catalog::load(&Default::default()).expect("built-in catalogue");
        let records = &catalog.records;
        let mut b = GlobSetBuilder::new();
        for p in &records.data.log_configurers {
            b.add(compile_pattern(Language::Python, p).unwrap());
        }
        let set = b.build().unwrap();
        let names = [
            "logging.basicConfig",
            "logging.config.dictConfig",
            "logging.getLogger().setLevel",
            "logging.getLogger(__name__).addHandler",
            "logging.root.setLevel",
            "logging.info",
            "logging",
            "loguru.logger.add",
            "self.logger.setLevel",
            "basicConfig",
            "log.logging.basicConfig",
            "logging::basicConfig",
        ];
        let mut hits = 0;
        for _ in 0..2 {
            for language in [Language::Python, Language::Rust] {
                for name in names {
                    let expected = set.is_match(to_glob_path(language, name));
                    assert_eq!(
                        records.configures_logging(language, name),
                        expected,
                        "{language:?} {name}"
                    );
                    hits += usize::from(expected);
                }
            }
        }
        assert!(hits >= 2, "{hits}");
    }
}

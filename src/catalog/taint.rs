//! Taint specifications, as data, in the vocabulary of Semgrep's taint mode:
//! where a value of interest appears (sources), where it must not arrive
//! (sinks), which calls give a clean result (sanitizers) and which pass it
//! on (propagators). A spec is `[taint.<id>]` in a catalogue file
//! (`media.toml` holds `generated-media`, the one LBL006 follows); users
//! add specs, or entries to a built-in one, from `[catalog.taint.<id>]`.
//! `analysis::dataflow` runs them.
//!
//! Calls are matched like everywhere in the catalogue, by resolved callee
//! (`patterns`, retried with the name as imported), or by the method's
//! name whatever it is called on (`methods`, for receivers no one can type).

use std::hash::BuildHasher;
use std::sync::RwLock;

use crate::analysis::FastMap;

use globset::GlobSetBuilder;
use serde::{Deserialize, Serialize};

use super::entrypoints::ArgRef;
use super::lazy_set::LazyGlobSet;
use super::{CatalogError, compile_pattern, to_glob_path};
use crate::facts::{Call, Language, QName};
use crate::qname::OptionQName;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSpecData {
    /// What the spec follows, for people.
    #[serde(default)]
    pub description: String,
    /// What a call that is no source, sanitizer, propagator or project
    /// function does with the values it is given.
    #[serde(default)]
    pub unknown_calls: UnknownCalls,
    /// Whether constructing a project class carries the arguments into the
    /// instance (`Row(text=prompt)` holds the prompt), when unknown calls
    /// are clean.
    #[serde(default)]
    pub constructors: bool,
    #[serde(default)]
    pub source: Vec<Source>,
    #[serde(default)]
    pub sink: Vec<Sink>,
    #[serde(default)]
    pub sanitizer: Vec<Sanitizer>,
    #[serde(default)]
    pub propagator: Vec<Propagator>,
}

/// What unknown calls do: the right answer depends on what is followed.
/// Pixels of generated media stay generated through any transformation
/// (`propagate`); user input passed to an arbitrary library call usually
/// does not come back out (`clean`, the default, as in Semgrep).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownCalls {
    #[default]
    Clean,
    /// The result carries the receiver, the callee and every argument.
    Propagate,
}

/// Where a value is: the receiver of a call, all its arguments, its result,
/// or one argument (`{ position = 0, keyword = "path" }` accepts either
/// spelling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Loc {
    Named(LocName),
    Arg(ArgRef),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocName {
    Receiver,
    Arguments,
    Result,
}

/// Where tainted values appear.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Names the source in flows (default: the spec id).
    pub label: Option<String>,
    /// The language whose names `patterns`, `methods` and `reads` match
    /// (default `python`).
    #[serde(default)]
    pub language: Language,
    /// Results of calls matching these resolved-callee patterns...
    #[serde(default)]
    pub patterns: Vec<String>,
    /// ...or calls of these methods, on anything.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Results of the catalogue's generation calls (`generation.toml`).
    #[serde(default)]
    pub generation: bool,
    /// Parameters of entry-point handlers (routes, UI handlers, commands),
    /// `self` and `cls` excepted.
    #[serde(default)]
    pub entry_point_params: bool,
    /// ...except parameters declared with these types (resolved, wrappers
    /// kept): what the server hands a handler (`axum.extract.State`), not
    /// what a user sends.
    #[serde(default)]
    pub not_param_types: Vec<String>,
    /// Attribute reads, as resolved-name patterns (`flask.request.json`,
    /// `flask.request.*`): the head of what the code reads is resolved
    /// through the file's imports.
    #[serde(default)]
    pub reads: Vec<String>,
    /// Names the rule's domain classifies (`Domain::seed` with
    /// `Origin::Name`): variables, parameters and attribute chains read,
    /// assignment targets, and dict and subscript keys (`{"phone": v}`,
    /// `form["phone"]`). A catalogue-only spec has no classifier: this
    /// needs a rule's domain (the personal-data rules').
    #[serde(default)]
    pub names: bool,
    /// Arguments the source call writes its result into (`file_path=`):
    /// after the call, the name or literal path given there holds the value.
    #[serde(default)]
    pub outputs: Vec<ArgRef>,
}

/// Where tainted values must not arrive.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sink {
    /// Names the sink in flows.
    pub id: String,
    /// The language whose names `patterns` and `methods` match (default `python`).
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    /// The receiver, all arguments, or some (default: all arguments).
    #[serde(default)]
    pub at: Vec<Loc>,
    /// Also the catalogue's generation calls (`generation.toml` and plain
    /// HTTP to model hosts); the rule reads each flow's site to tell
    /// providers apart.
    #[serde(default)]
    pub generation: bool,
}

/// Calls whose result is clean whatever they are given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanitizer {
    /// The language whose names `patterns` and `methods` match (default `python`).
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
}

/// Calls that pass taint on: from the receiver or arguments to the result,
/// the receiver (`canvas.paste(image)`) or another argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Propagator {
    /// The language whose names `patterns` and `methods` match (default `python`).
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    pub from: Vec<Loc>,
    pub to: Loc,
}

impl TaintSpecData {
    /// Add `other`'s entries (a user extension of a built-in spec); a
    /// description or unknown-call policy it sets wins.
    pub fn extend(&mut self, other: TaintSpecData) {
        if !other.description.is_empty() {
            self.description = other.description;
        }
        if other.unknown_calls != UnknownCalls::default() {
            self.unknown_calls = other.unknown_calls;
        }
        self.constructors |= other.constructors;
        self.source.extend(other.source);
        self.sink.extend(other.sink);
        self.sanitizer.extend(other.sanitizer);
        self.propagator.extend(other.propagator);
    }

    /// Every pattern list as (section, entry index, key, patterns), so that
    /// config validation can point at the very pattern that is wrong.
    pub fn pattern_lists(&self) -> Vec<(&'static str, usize, &'static str, &[String])> {
        let mut out: Vec<(&'static str, usize, &'static str, &[String])> = Vec::new();
        for (i, s) in self.source.iter().enumerate() {
            out.push(("source", i, "patterns", &s.patterns));
            out.push(("source", i, "reads", &s.reads));
        }
        for (i, s) in self.sink.iter().enumerate() {
            out.push(("sink", i, "patterns", &s.patterns));
        }
        for (i, s) in self.sanitizer.iter().enumerate() {
            out.push(("sanitizer", i, "patterns", &s.patterns));
        }
        for (i, s) in self.propagator.iter().enumerate() {
            out.push(("propagator", i, "patterns", &s.patterns));
        }
        out
    }
}

/// What a call is to a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Sanitizer(usize),
    Source(usize),
    Propagator(usize),
    Sink(usize),
}

/// A spec, compiled.
#[derive(Debug)]
pub struct TaintSpec {
    pub id: String,
    pub data: TaintSpecData,
    /// Callee patterns of every entry, each with its role.
    calls: LazyGlobSet,
    call_roles: Vec<Role>,
    /// The first segments of `calls` when all are literal, as for
    /// `source_heads`: every call of the project is asked for its roles.
    call_heads: Option<Vec<String>>,
    /// Method name → roles, with the language each entry is for (hashed:
    /// asked once per call and taint spec).
    methods: FastMap<String, Vec<(Language, Role)>>,
    /// Whether a source is given by method name (else seeding looks no
    /// call's method up).
    source_methods: bool,
    reads: LazyGlobSet,
    read_sources: Vec<usize>,
    /// The first segments `reads` patterns can match (`flask`, `sys`), or
    /// `None` when one starts with a wildcard: a read whose first segment
    /// is none of them is turned away before any glob is tried (every read
    /// of the project is asked).
    read_heads: Option<Vec<String>>,
    /// The sources' own patterns, with their first segments when all are
    /// literal: finding sources asks every call of the project, and most
    /// calls start nowhere near one.
    source_calls: LazyGlobSet,
    source_owner: Vec<usize>,
    source_heads: Option<Vec<String>>,
    /// `call_roles_of`'s answers by name, for Python's and Rust's calls:
    /// the engine asks about the same callees on every pass over a scope
    /// and again for the sinks, and each answer ran the glob set.
    call_memo: [Vec<RoleShard>; 2],
}

/// Shards of the roles memo, so that the threads seldom wait on one another.
const MEMO_SHARDS: usize = 16;
/// Names remembered per shard; past it, answers are computed each time (a
/// bound on memory, not on correctness).
const MEMO_SHARD_CAPACITY: usize = 8192;

type RoleShard = RwLock<FastMap<Box<str>, Box<[Role]>>>;

/// Adds a pattern's first segment to `heads`, or gives up on heads (`None`)
/// when that segment has a wildcard.
fn note_head(heads: &mut Option<Vec<String>>, pattern: &str) {
    let head = pattern.split('.').next().unwrap_or(pattern);
    match heads {
        Some(list) if !head.contains(['*', '?', '[', '{', '\\']) => list.push(head.to_string()),
        _ => *heads = None,
    }
}

/// Heads are sorted by length first: most names are turned away, and a
/// search then settles most comparisons without reading the text.
fn sort_heads(heads: &mut Option<Vec<String>>) {
    if let Some(list) = heads {
        list.sort_by(|a, b| head_order(a, b));
        list.dedup();
    }
}

fn head_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Whether `head` is one of `list` (sorted by [`sort_heads`]).
fn has_head(list: &[String], head: &str) -> bool {
    list.binary_search_by(|h| head_order(h, head)).is_ok()
}

/// Whether a dotted `name` can match a pattern whose first segments are
/// `heads` (`None`: any name can).
fn may_match(heads: &Option<Vec<String>>, name: &str) -> bool {
    let Some(list) = heads else { return true };
    let head = match memchr::memchr(b'.', name.as_bytes()) {
        Some(i) => &name[..i],
        None => name,
    };
    has_head(list, head)
}

impl TaintSpec {
    pub fn build(id: &str, data: TaintSpecData) -> Result<TaintSpec, CatalogError> {
        let err = |message: String| CatalogError { message };
        let mut calls = GlobSetBuilder::new();
        let mut call_roles = Vec::new();
        let mut methods: FastMap<String, Vec<(Language, Role)>> = FastMap::default();
        let mut call_heads = Some(Vec::new());
        let mut add = |role: Role, language: Language, patterns: &[String], names: &[String]| {
            for p in patterns {
                calls.add(compile_pattern(language, p).map_err(err)?);
                call_roles.push(role);
                note_head(&mut call_heads, p);
            }
            for m in names {
                methods.entry(m.clone()).or_default().push((language, role));
            }
            Ok::<(), CatalogError>(())
        };
        for (i, s) in data.sanitizer.iter().enumerate() {
            add(Role::Sanitizer(i), s.language, &s.patterns, &s.methods)?;
        }
        for (i, s) in data.source.iter().enumerate() {
            add(Role::Source(i), s.language, &s.patterns, &s.methods)?;
        }
        for (i, p) in data.propagator.iter().enumerate() {
            if p.from.is_empty() {
                return Err(err(format!("propagator {i} has no `from`")));
            }
            if p.from.contains(&Loc::Named(LocName::Result)) {
                return Err(err(format!("propagator {i}: `from` cannot be the result")));
            }
            if p.to == Loc::Named(LocName::Arguments) {
                return Err(err(format!(
                    "propagator {i}: `to` is one place: the result, the receiver or one argument"
                )));
            }
            add(Role::Propagator(i), p.language, &p.patterns, &p.methods)?;
        }
        for (i, s) in data.sink.iter().enumerate() {
            if s.at.contains(&Loc::Named(LocName::Result)) {
                return Err(err(format!("sink `{}`: `at` cannot be the result", s.id)));
            }
            add(Role::Sink(i), s.language, &s.patterns, &s.methods)?;
        }
        let mut reads = GlobSetBuilder::new();
        let mut read_sources = Vec::new();
        for (i, s) in data.source.iter().enumerate() {
            for p in &s.reads {
                reads.add(compile_pattern(s.language, p).map_err(err)?);
                read_sources.push(i);
            }
        }
        let mut read_heads = Some(Vec::new());
        for p in data.source.iter().flat_map(|s| &s.reads) {
            note_head(&mut read_heads, p);
        }
        sort_heads(&mut read_heads);
        sort_heads(&mut call_heads);
        let mut source_calls = GlobSetBuilder::new();
        let mut source_owner = Vec::new();
        let mut source_heads = Some(Vec::new());
        for (i, s) in data.source.iter().enumerate() {
            for p in &s.patterns {
                source_calls.add(compile_pattern(s.language, p).map_err(err)?);
                source_owner.push(i);
                note_head(&mut source_heads, p);
            }
        }
        sort_heads(&mut source_heads);
        let source_methods = methods
            .values()
            .flatten()
            .any(|(_, r)| matches!(r, Role::Source(_)));
        Ok(TaintSpec {
            source_methods,
            source_calls: LazyGlobSet::new(source_calls),
            source_owner,
            source_heads,
            read_heads,
            id: id.to_string(),
            calls: LazyGlobSet::new(calls),
            call_roles,
            call_heads,
            methods,
            reads: LazyGlobSet::new(reads),
            read_sources,
            data,
            call_memo: std::array::from_fn(|_| {
                (0..MEMO_SHARDS).map(|_| RwLock::default()).collect()
            }),
        })
    }

    /// The roles a call of a `language` file plays, sorted (sanitizers
    /// first, then sources, propagators and sinks, each in spec order),
    /// without repeats. `alts` are the callee's run-time candidates
    /// (`Runtime::alternatives`: a `self.client` set to two clients), each
    /// of which adds its roles.
    pub fn roles(&self, language: Language, call: &Call, alts: &[QName], out: &mut Vec<Role>) {
        out.clear();
        if !self.call_roles.is_empty() {
            let names = [call.resolved.as_name(), call.imported().as_name()];
            for name in names.into_iter().flatten() {
                let before = out.len();
                self.call_roles_of(language, name, out);
                // The name as imported is a retry, as for generation calls.
                if out.len() > before {
                    break;
                }
            }
            for alt in alts {
                self.call_roles_of(language, alt.as_str(), out);
            }
        }
        if !self.methods.is_empty()
            && let Some(roles) = self.methods.get(call.method())
        {
            out.extend(
                roles
                    .iter()
                    .filter(|(l, _)| *l == language)
                    .map(|(_, r)| *r),
            );
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The sinks a library function is, by its resolved name, when it is
    /// handed to another call to run (`asyncio.to_thread(client.send, body)`).
    pub fn sinks_of_name(&self, language: Language, name: &str, out: &mut Vec<usize>) {
        out.clear();
        if self.call_roles.is_empty() {
            return;
        }
        let key = to_glob_path(language, name);
        out.extend(
            self.calls
                .matches(&key)
                .into_iter()
                .filter_map(|g| match self.call_roles[g] {
                    Role::Sink(k) => Some(k),
                    _ => None,
                }),
        );
        out.sort_unstable();
        out.dedup();
    }

    /// The sources a call of a `language` file is, sorted, without repeats:
    /// [`TaintSpec::roles`] restricted to sources, without trying any other
    /// pattern.
    pub fn source_roles(
        &self,
        language: Language,
        call: &Call,
        alts: &[QName],
        out: &mut Vec<usize>,
    ) {
        out.clear();
        if !self.source_owner.is_empty() {
            let names = [call.resolved.as_name(), call.imported().as_name()];
            for name in names.into_iter().flatten() {
                let before = out.len();
                self.source_calls_of(language, name, out);
                if out.len() > before {
                    break;
                }
            }
            for alt in alts {
                self.source_calls_of(language, alt.as_str(), out);
            }
        }
        self.method_sources(language, call, out);
        out.sort_unstable();
        out.dedup();
    }

    /// The sources whose patterns match `name` (a call's name through a
    /// base class, `clap.Parser.parse`), and those of its method.
    pub fn source_roles_as(
        &self,
        language: Language,
        call: &Call,
        name: &str,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        out.extend(
            self.source_calls
                .matches(to_glob_path(language, name))
                .into_iter()
                .map(|g| self.source_owner[g]),
        );
        self.method_sources(language, call, out);
        out.sort_unstable();
        out.dedup();
    }

    fn method_sources(&self, language: Language, call: &Call, out: &mut Vec<usize>) {
        if !self.source_methods {
            return;
        }
        if let Some(roles) = self.methods.get(call.method()) {
            out.extend(roles.iter().filter_map(|(l, r)| match r {
                Role::Source(i) if *l == language => Some(*i),
                _ => None,
            }));
        }
    }

    /// The roles whose callee patterns match `name`, remembered.
    fn call_roles_of(&self, language: Language, name: &str, out: &mut Vec<Role>) {
        if !may_match(&self.call_heads, name) {
            return;
        }
        let memo = match language {
            Language::Python => &self.call_memo[0],
            Language::Rust => &self.call_memo[1],
            _ => return self.match_call_roles(language, name, out),
        };
        let shard =
            &memo[foldhash::fast::FixedState::default().hash_one(name) as usize % MEMO_SHARDS];
        if let Ok(known) = shard.read()
            && let Some(roles) = known.get(name)
        {
            out.extend_from_slice(roles);
            return;
        }
        let before = out.len();
        self.match_call_roles(language, name, out);
        if let Ok(mut known) = shard.write()
            && known.len() < MEMO_SHARD_CAPACITY
        {
            known.insert(name.into(), out[before..].into());
        }
    }

    /// The roles whose callee patterns match `name`, by the glob set.
    fn match_call_roles(&self, language: Language, name: &str, out: &mut Vec<Role>) {
        let key = to_glob_path(language, name);
        out.extend(
            self.calls
                .matches(&key)
                .into_iter()
                .map(|g| self.call_roles[g]),
        );
    }

    /// The sources whose patterns match `name`.
    fn source_calls_of(&self, language: Language, name: &str, out: &mut Vec<usize>) {
        if !may_match(&self.source_heads, name) {
            return;
        }
        let key = to_glob_path(language, name);
        out.extend(
            self.source_calls
                .matches(&key)
                .into_iter()
                .map(|g| self.source_owner[g]),
        );
    }

    /// Whether any call can play a role (then calls are looked at one by one).
    pub fn has_call_roles(&self) -> bool {
        !self.call_roles.is_empty() || !self.methods.is_empty()
    }

    /// The source whose `reads` match a resolved read of a `language`
    /// file, if any (the first).
    pub fn read_source(&self, language: Language, resolved: &str) -> Option<usize> {
        if self.read_sources.is_empty() {
            return None;
        }
        if !self.read_head_possible(resolved.split('.').next().unwrap_or(resolved)) {
            return None;
        }
        self.reads
            .matches(to_glob_path(language, resolved))
            .into_iter()
            .map(|g| self.read_sources[g])
            .min()
    }

    /// The first source that classifies names, if any.
    pub fn name_source(&self) -> Option<usize> {
        self.data.source.iter().position(|s| s.names)
    }

    /// Whether a sink takes the generation calls.
    pub fn has_generation_sinks(&self) -> bool {
        self.data.sink.iter().any(|s| s.generation)
    }

    /// Whether a read whose first segment is `head` can match any `reads`.
    pub fn read_head_possible(&self, head: &str) -> bool {
        self.read_heads
            .as_ref()
            .is_none_or(|heads| has_head(heads, head))
    }

    pub fn has_read_sources(&self) -> bool {
        !self.read_sources.is_empty()
    }

    /// The source's label: its own, else the spec id.
    pub fn label(&self, source: usize) -> &str {
        self.data.source[source]
            .label
            .as_deref()
            .unwrap_or(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first-segment filter turns away only names no pattern can
    /// match, and gives up when a pattern starts with a wildcard.
    #[test]
    fn heads_filter_only_what_no_pattern_matches() {
        let mut heads = Some(Vec::new());
        for p in ["requests.post", "openai.**", "print"] {
            note_head(&mut heads, p);
        }
        sort_heads(&mut heads);
        assert!(may_match(&heads, "requests.post"));
        assert!(may_match(&heads, "openai.OpenAI.chat"));
        assert!(may_match(&heads, "print"));
        assert!(!may_match(&heads, "torch.cat"));
        assert!(!may_match(&heads, "request.post"));
        note_head(&mut heads, "*.save");
        assert!(heads.is_none());
        assert!(may_match(&heads, "torch.cat"));
        let mut heads = Some(Vec::new());
        note_head(&mut heads, "{a,b}.c");
        assert!(heads.is_none());
        // Heads of every length, sorted by length first.
        let mut heads = Some(Vec::new());
        for p in [
            "flask.request.json",
            "os.environ",
            "self.request.body",
            "sys.argv",
            "a.b",
        ] {
            note_head(&mut heads, p);
        }
        sort_heads(&mut heads);
        for yes in ["flask", "os.getenv", "self.x", "sys", "a"] {
            assert!(may_match(&heads, yes), "{yes}");
        }
        for no in ["flas", "flasks.x", "o", "osx", "b", "selff", "", "zz.a"] {
            assert!(!may_match(&heads, no), "{no}");
        }
    }

    /// A spec looks call methods up for sources only when a source is
    /// given by method name.
    #[test]
    fn source_methods_only_where_a_source_has_methods() {
        let c = crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        for spec in c.taint.values() {
            let expected = spec.data.source.iter().any(|s| !s.methods.is_empty());
            assert_eq!(spec.source_methods, expected, "{}", spec.id);
        }
        let data: TaintSpecData = toml::from_str(
            "[[source]]\nmethods = [\"read_input\"]\n[[propagator]]\nmethods = [\"append\"]\nfrom = [\"arguments\"]\nto = \"receiver\"\n",
        )
        .unwrap();
        assert!(TaintSpec::build("s", data).unwrap().source_methods);
        let data: TaintSpecData = toml::from_str(
            "[[propagator]]\nmethods = [\"append\"]\nfrom = [\"arguments\"]\nto = \"receiver\"\n",
        )
        .unwrap();
        assert!(!TaintSpec::build("s", data).unwrap().source_methods);
    }

    /// Remembered roles are the glob set's, asked again and per language.
    #[test]
    fn remembered_roles_are_the_matched_ones() {
        let c = crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        for spec in c.taint.values() {
            let names = [
                "requests.post",
                "logging.info",
                "logging.getLogger().info",
                "print",
                "json.dumps",
                "openai.OpenAI().chat.completions.create",
                "os.environ.get",
                "torch.cat",
                "x",
            ];
            for language in [Language::Python, Language::Rust, Language::Yaml] {
                for name in names {
                    let mut expected = Vec::new();
                    spec.match_call_roles(language, name, &mut expected);
                    if !may_match(&spec.call_heads, name) {
                        expected.clear();
                    }
                    for _ in 0..2 {
                        let mut got = vec![Role::Sink(usize::MAX)];
                        spec.call_roles_of(language, name, &mut got);
                        assert_eq!(got[1..], expected[..], "{} {name}", spec.id);
                    }
                }
            }
        }
    }
}

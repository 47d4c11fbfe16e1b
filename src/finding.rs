//! The scan's result as plain data: findings, notifications, the metadata
//! of the rules that ran, and the result reporters render. It depends on
//! nothing else in the crate but `source::Span`, so reporters, the caches
//! and any frontend can use it without pulling in analyses or rules.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::source::Span;

/// Severity, ordered so that `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "note" => Some(Level::Note),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// A string that findings repeat: a path, a message, a step's message, a
/// symbol. One copy of each distinct string for the whole process (a
/// `ustr::Ustr`, never freed, as the facts' names are), 8 bytes where it
/// is held. At 10k files the findings' 122k paths were 4,300 distinct
/// strings and their 64k flow steps' messages 3,200: as `String`s, paths
/// and messages took 60% of the findings' heap. Compared, ordered, hashed,
/// printed and (de)serialized as the string it holds, so reports and cache
/// entries do not change.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Text(ustr::Ustr);

impl Text {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(ustr::Ustr::from(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.as_str())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::from(s.as_str())
    }
}

/// A name the facts hold interned already: the same handle.
impl From<ustr::Ustr> for Text {
    fn from(s: ustr::Ustr) -> Self {
        Text(s)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.as_str().to_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By the strings' bytes, as `String` orders.
impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// As the string hashes, so that a map keyed by `Text` can be asked with a `&str`.
impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::from(v))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// A place in the scanned tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Repo-relative path with `/` separators.
    pub path: Text,
    pub span: Span,
}

/// A secondary location with a short explanation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Related {
    pub location: Location,
    pub message: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suppression {
    /// `inline` for a source comment, `config` for per-path ignores,
    /// `baseline` for an entry of the baseline file, `diff-base` for a
    /// finding that the `--diff-base` commit has too.
    pub kind: String,
    pub justification: String,
    /// Where the suppressing comment is, for inline suppressions.
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Rule code, e.g. `GEN001`.
    #[serde(deserialize_with = "rule_code")]
    pub rule: RuleCode,
    pub level: Level,
    pub message: Text,
    pub location: Location,
    /// Qualname of the enclosing function or class, for line-independent fingerprints.
    pub symbol: Option<Text>,
    pub related: Vec<Related>,
    /// Steps of a path (e.g. entry point → … → generation call), in order.
    pub flow: Vec<Related>,
    /// Extra machine-readable facts (content types, provider, ...), sorted by key.
    pub properties: Properties,
    /// Set when a suppression matched; the finding is kept for audits.
    /// Boxed: most findings have none, and inline it took 88 of the
    /// struct's 272 bytes.
    pub suppression: Option<Box<Suppression>>,
}

/// A finding's extra machine-readable facts: entries sorted by key. A
/// `BTreeMap<String, Value>` took a 640-byte leaf and a string per key for
/// the four or five entries a finding has (~770 bytes a finding, 12% of
/// the heap's growth in the rules at 50k files); here an entry is a static
/// key and a shared value ([`shared_value`]: 135k values at 10k files were
/// 822 distinct ones), and once the finding is done ([`Finding::shrink`])
/// the entries themselves are shared ([`Properties::share`]: 32k findings'
/// sets were 4,500 distinct ones). Keys are the rules' literals; keys read
/// back from the result cache are stored once each (`property_key`).
/// Serialized as the map it replaces, so reports and cache entries do not
/// change.
#[derive(Clone, Default)]
pub struct Properties(Entries);

type Entry = (&'static str, &'static serde_json::Value);

#[derive(Clone)]
enum Entries {
    /// While the finding is built.
    Own(Vec<Entry>),
    /// Stored once per distinct set of entries for the whole process.
    Shared(&'static [Entry]),
}

impl Default for Entries {
    fn default() -> Self {
        Entries::Own(Vec::new())
    }
}

impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.entries() == other.entries()
    }
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Properties {
    fn entries(&self) -> &[Entry] {
        match &self.0 {
            Entries::Own(v) => v,
            Entries::Shared(s) => s,
        }
    }

    /// The entries to change: a shared set is copied first.
    fn own(&mut self) -> &mut Vec<Entry> {
        if let Entries::Shared(s) = self.0 {
            self.0 = Entries::Own(s.to_vec());
        }
        match &mut self.0 {
            Entries::Own(v) => v,
            Entries::Shared(_) => unreachable!("made owned above"),
        }
    }

    /// Set `key` to `value`, returning the value it replaces (as a map's
    /// insert does).
    pub fn insert(
        &mut self,
        key: &'static str,
        value: serde_json::Value,
    ) -> Option<serde_json::Value> {
        let value = shared_value(value);
        let entries = self.own();
        match entries.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => Some(std::mem::replace(&mut entries[i].1, value).clone()),
            Err(i) => {
                // One entry more, not double: most findings get four or five.
                entries.reserve_exact(1);
                entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        let entries = self.entries();
        entries
            .binary_search_by(|(k, _)| (*k).cmp(key))
            .ok()
            .map(|i| entries[i].1)
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static serde_json::Value)> + '_ {
        self.entries().iter().copied()
    }

    /// Change with `change` each value that `wants` says to (given a copy
    /// of it: values are shared among findings).
    pub fn change_values(
        &mut self,
        wants: impl Fn(&serde_json::Value) -> bool,
        mut change: impl FnMut(&mut serde_json::Value),
    ) {
        if !self.entries().iter().any(|(_, v)| wants(v)) {
            return;
        }
        for (_, v) in self.own() {
            if wants(v) {
                let mut copy = (*v).clone();
                change(&mut copy);
                *v = shared_value(copy);
            }
        }
    }

    /// Store the entries once per distinct set for the whole process (never
    /// freed, as the values): the rules give a finding its set and do not
    /// change it after.
    pub fn share(&mut self) {
        let Entries::Own(own) = &self.0 else { return };
        if own.is_empty() {
            return;
        }
        // Values are shared, so the same value is the same address: a set
        // is known by its keys and its values' addresses.
        let hash = {
            use std::hash::{BuildHasher, Hash, Hasher};
            let mut h = foldhash::fast::FixedState::default().build_hasher();
            for (k, v) in own {
                k.hash(&mut h);
                std::ptr::hash(*v, &mut h);
            }
            h.finish()
        };
        let same = |known: &[Entry]| {
            known.len() == own.len()
                && known
                    .iter()
                    .zip(own)
                    .all(|(a, b)| a.0 == b.0 && std::ptr::eq(a.1, b.1))
        };
        type Sets =
            std::collections::HashMap<u64, Vec<&'static [Entry]>, foldhash::fast::FixedState>;
        static SETS: std::sync::LazyLock<std::sync::Mutex<Sets>> =
            std::sync::LazyLock::new(Default::default);
        let mut sets = SETS.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = sets.entry(hash).or_default();
        let shared = match bucket.iter().find(|known| same(known)) {
            Some(known) => *known,
            None => {
                let stored: &'static [Entry] = Box::leak(own.clone().into_boxed_slice());
                bucket.push(stored);
                stored
            }
        };
        drop(sets);
        self.0 = Entries::Shared(shared);
    }

    /// The entries as a JSON object, for reporters.
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    }
}

/// `value`, stored once per distinct value for the whole process (never
/// freed, as `Text`'s strings; a run keeps its findings to its end, so
/// this holds at most what their own copies would): the rules give most
/// findings the same few content types, providers, frameworks.
fn shared_value(value: serde_json::Value) -> &'static serde_json::Value {
    type Values = std::collections::HashSet<&'static serde_json::Value, foldhash::fast::FixedState>;
    static VALUES: std::sync::LazyLock<std::sync::Mutex<Values>> =
        std::sync::LazyLock::new(Default::default);
    let mut values = VALUES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = values.get(&value) {
        return known;
    }
    let stored: &'static serde_json::Value = Box::leak(Box::new(value));
    values.insert(stored);
    stored
}

impl Serialize for Properties {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Properties;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of finding properties")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Properties, A::Error> {
                let mut out = Properties::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let key = property_key(&key).map_err(serde::de::Error::custom)?;
                    out.insert(key, map.next_value()?);
                }
                out.share();
                Ok(out)
            }
        }
        d.deserialize_map(Entries)
    }
}

/// Most distinct property keys read back in one process: the rules write
/// a few dozen, so more means a damaged cache, not a reason to keep
/// storing them.
const MAX_PROPERTY_KEYS: usize = 1024;

/// A property key read back (from the result cache), stored once per
/// distinct key so that `Properties` keeps `'static` keys. Only the shape
/// of a key the rules write (an ASCII identifier) is accepted.
fn property_key(key: &str) -> Result<&'static str, String> {
    static KEYS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let shaped = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !shaped {
        return Err(format!("`{key}` is not a property key"));
    }
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = keys.iter().find(|k| **k == key) {
        return Ok(known);
    }
    if keys.len() >= MAX_PROPERTY_KEYS {
        return Err("too many distinct property keys".to_owned());
    }
    let stored: &'static str = Box::leak(key.to_owned().into_boxed_str());
    keys.push(stored);
    Ok(stored)
}

/// What hid a finding; see [`Suppression::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    Inline,
    Config,
    Baseline,
    DiffBase,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
            SuppressionKind::DiffBase => "diff-base",
        }
    }
}

impl Suppression {
    pub fn new(kind: SuppressionKind, justification: String, location: Option<Location>) -> Self {
        Suppression {
            kind: kind.as_str().to_owned(),
            justification,
            location,
        }
    }

    pub fn kind(&self) -> SuppressionKind {
        match self.kind.as_str() {
            "inline" => SuppressionKind::Inline,
            "baseline" => SuppressionKind::Baseline,
            "diff-base" => SuppressionKind::DiffBase,
            _ => SuppressionKind::Config,
        }
    }
}

/// A rule code. Spelled through an alias so that serde's derive does not
/// take the `&'static str` for a string borrowed from the input (which
/// only `'static` input could give): `rule_code` reads it instead.
pub type RuleCode = &'static str;

/// A rule code read back (from the result cache): only the shape of a code
/// (`GEN001`) is accepted, and each distinct code is stored once, so
/// `Finding::rule` stays a `'static` string. Whoever reads findings back
/// checks that the codes name rules it knows.
fn rule_code<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    static CODES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let code = String::deserialize(d)?;
    let b = code.as_bytes();
    let shaped = b.len() == 6
        && b[..3].iter().all(u8::is_ascii_uppercase)
        && b[3..].iter().all(u8::is_ascii_digit);
    if !shaped {
        return Err(serde::de::Error::custom(format!(
            "`{code}` is not a rule code"
        )));
    }
    let mut codes = CODES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = codes.iter().find(|c| **c == code) {
        return Ok(known);
    }
    let stored: &'static str = Box::leak(code.into_boxed_str());
    codes.push(stored);
    Ok(stored)
}

/// Most steps of a code flow a finding carries, the gap marker included.
/// A chain of 1,000 calls made each of 1,000 endpoints repeat the chain:
/// 364 MB of SARIF from a 50 KB file. Output per finding is bounded.
pub const MAX_FLOW_STEPS: usize = 24;
/// Most related locations a finding carries, the gap marker included.
pub const MAX_RELATED: usize = 50;

/// Which of `len` steps to show when at most `max` may be (`max` ≥ 3): all
/// of them, or the first and the last ones with room for a gap marker
/// between them. Returns the index ranges before and after the gap.
pub fn shown_steps(len: usize, max: usize) -> (Range<usize>, Range<usize>) {
    if len <= max {
        return (0..len, len..len);
    }
    let head = max / 2;
    let tail = max - head - 1;
    (0..head, len - tail..len)
}

impl Finding {
    /// Bound what one finding carries: a long code flow keeps its first and
    /// last steps around a marker that says how many were left out, and a
    /// long list of related locations its first ones.
    pub fn bound(&mut self) {
        let len = self.flow.len();
        let (head, tail) = shown_steps(len, MAX_FLOW_STEPS);
        if tail.start > head.end {
            let omitted = tail.start - head.end;
            let gap = Related {
                location: self.flow[head.end].location.clone(),
                message: format!("… {omitted} more steps not shown").into(),
            };
            let last: Vec<Related> = self.flow.drain(tail).collect();
            self.flow.truncate(head.end);
            self.flow.push(gap);
            self.flow.extend(last);
        }
        if self.related.len() > MAX_RELATED {
            let omitted = self.related.len() - (MAX_RELATED - 1);
            self.related.truncate(MAX_RELATED);
            let gap = &mut self.related[MAX_RELATED - 1];
            gap.message = format!("… and {omitted} more").into();
        }
        self.shrink();
    }

    /// Once the finding is built: give back what its vectors were grown by
    /// beyond their length, and share its properties' set.
    pub fn shrink(&mut self) {
        self.related.shrink_to_fit();
        self.flow.shrink_to_fit();
        self.properties.share();
    }

    pub fn new(
        rule: &'static str,
        level: Level,
        message: impl Into<Text>,
        location: Location,
    ) -> Self {
        Finding {
            rule,
            level,
            message: message.into(),
            location,
            symbol: None,
            related: Vec::new(),
            flow: Vec::new(),
            properties: Properties::default(),
            suppression: None,
        }
    }

    /// Total order used for every output: path, position, rule, message.
    /// Within a line, bytes order positions as columns do.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            self.location.path.as_str(),
            self.location.span.start_line,
            self.location.span.start_byte,
            self.rule,
            self.message.as_str(),
        )
    }
}

/// Something the user should know about the scan itself (a file that could
/// not be read or parsed, a file over the size limit). Never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notification {
    pub level: Level,
    /// Stable kind id, e.g. `file-too-large`, `syntax-error`, `invalid-utf8`.
    pub kind: String,
    pub message: String,
    pub path: Option<String>,
    pub span: Option<Span>,
}

/// A rule's category, which gives its code prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Generation endpoints and calls (scoping).
    Generation,
    /// Explicit and implicit labels of generated content.
    Label,
    /// Moderation and safety checks.
    Moderation,
    /// How logs are kept.
    Log,
    /// Where personal information goes.
    PersonalData,
    /// Switches users turn personalisation or training off with.
    OptOut,
    /// What a service shows its users: filing number, complaint channel,
    /// AI notice, minors mode.
    Service,
    /// Findings about synthlint's own suppressions.
    Meta,
}

impl Category {
    /// The code prefix that selects the whole category (`--select GEN`).
    pub fn prefix(self) -> &'static str {
        match self {
            Category::Generation => "GEN",
            Category::Label => "LBL",
            Category::Moderation => "MOD",
            Category::Log => "LOG",
            Category::PersonalData => "PII",
            Category::OptOut => "OPT",
            Category::Service => "SVC",
            Category::Meta => "SYN",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Generation => "generation",
            Category::Label => "label",
            Category::Moderation => "moderation",
            Category::Log => "log",
            Category::PersonalData => "personal-data",
            Category::OptOut => "opt-out",
            Category::Service => "service",
            Category::Meta => "meta",
        }
    }
}

/// How often a finding of this rule is right, as measured on real code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// How settled a rule is: `stable`, or `preview` while what it reports may
/// still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Stable,
    Preview,
}

/// Notification kinds that mean a file the scan should have analysed was
/// not: `--strict` fails the run on any of them.
pub const SKIPPED_FILE_KINDS: &[&str] = &[
    "io-error",
    "file-too-large",
    "binary-file",
    "invalid-utf8",
    "parse-failed",
    "internal-error",
];

impl Notification {
    /// Whether this says that a source file was skipped (not analysed).
    pub fn skipped_a_file(&self) -> bool {
        self.path.is_some() && SKIPPED_FILE_KINDS.contains(&self.kind.as_str())
    }
}

/// What a rule is: the metadata every output names it by.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Permanent code: category prefix + three digits.
    pub code: &'static str,
    /// kebab-case name.
    pub name: &'static str,
    pub category: Category,
    pub default_level: Level,
    pub precision: Precision,
    pub status: Status,
    /// Article ids from the article catalogue.
    pub articles: &'static [&'static str],
    /// One sentence, shown in listings and as SARIF `shortDescription`.
    pub summary: &'static str,
    /// Markdown with the sections `## What it does`, `## Why is this bad?`,
    /// `## Example` (with "Use instead:"), optional `## Options`, `## Known problems`.
    pub doc: &'static str,
    /// Security severity for GitHub (0.0–10.0), as text.
    pub security_severity: &'static str,
}

/// Where a scan with the cache on got its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultCache {
    /// Computed: the index and the rules ran.
    Miss,
    /// Stored for these very texts: nothing parsed, indexed or checked.
    Texts,
    /// Stored for these very facts: the files the digest index did not
    /// know were parsed (or their facts loaded), nothing indexed or checked.
    Facts,
}

/// Time spent per phase, for `--stats`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub walk: Duration,
    /// Reading, parsing and extracting (wall time).
    pub parse: Duration,
    /// Of that, worker time summed over threads: in the parsers (syn,
    /// tree-sitter), and in the rest of the frontends (extraction).
    pub parse_work: Duration,
    pub extract_work: Duration,
    pub index: Duration,
    pub rules: Duration,
    pub filter: Duration,
    pub files: usize,
    pub bytes: u64,
    pub lines: u64,
    /// Files whose facts came from the cache, and files parsed with the cache on.
    pub cache_hits: usize,
    pub cache_misses: usize,
    /// With the cache on: whether the whole result came from the result
    /// cache, and by which key.
    pub result_cache: Option<ResultCache>,
    /// Per-file parts (`crate::parts`): units reused from the cache and
    /// computed; `None` when the run used none.
    pub parts: Option<(usize, usize)>,
    /// The analyses' per-file evidence units (`crate::parts::FileEvidence`)
    /// reused and computed; `None` when the run used none.
    pub evidence_parts: Option<(usize, usize)>,
    /// The analyses' per-file site units (`crate::parts::Parts::no_sites`):
    /// files not searched for generation sites, and files searched; `None`
    /// when the run used none.
    pub site_parts: Option<(usize, usize)>,
    /// Per taint spec the rules ran: what it analysed and cut at its caps.
    pub taint: Vec<(String, TaintStats)>,
    /// Calls into plugins loaded by name: sites, edges, sites cut at the cap.
    pub plugins: crate::analysis::plugins::PluginStats,
    /// What the call graph's queue hand-offs and inferred generation found.
    pub inferred: InferredStats,
    /// Hops to the project's own services joined, and what their caps cut.
    pub hops: HopStats,
    /// Calls through interfaces to their implementations.
    pub dispatch: DispatchStats,
    /// What the run-time value pass resolved and cut.
    pub runtime: RuntimeStats,
    /// The environment settings read from configuration files.
    pub env: EnvStats,
    /// The allocator's heap after each phase, and its sampled peak.
    pub memory: crate::memory::MemoryStats,
    /// Per reader of the files' facts: loops over every file, random
    /// reads, distinct files read (`analysis::door`).
    pub reads: Vec<crate::analysis::door::ReadCounts>,
    /// Files whose facts were stored encoded after indexing and decoded
    /// when read (`analysis::door::Facts`).
    pub stored_files: usize,
    /// Bytes of the stored files' encoded facts after indexing.
    pub stored_bytes: u64,
    /// Times a stored file was decoded, the build's decodings included.
    pub decodes: u64,
}

/// Environment settings from configuration files, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnvStats {
    /// Variables set, values with references, and those left unset (set
    /// nowhere, a cycle, or nested past the cap).
    pub variables: usize,
    pub references: usize,
    pub unresolved: usize,
    /// Values left out past the per-variable cap.
    pub cut: usize,
}

/// Queue hand-off edges and inferred generation sites, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InferredStats {
    /// Queues with a producer and a started worker, the edges they gave,
    /// and producers or workers cut at the per-queue caps.
    pub queues: usize,
    pub queue_edges: usize,
    pub queue_cut: usize,
    /// Candidate calls of the project's own models, and those kept (an
    /// entry point reaching them delivers media).
    pub candidates: usize,
    pub sites: usize,
}

/// What joining requests to the project's own services found and cut, for `--stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HopStats {
    /// Call-graph edges added from a request to a route handler.
    pub joined: usize,
    /// Routes left out past the per-call cap.
    pub cut_targets: usize,
    /// Call sites of URL helpers left unread past the per-helper cap.
    pub cut_forwards: usize,
}

/// Calls through an interface (a Rust `dyn Trait` or `T: Trait`) that reach
/// the project's implementations of the method, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchStats {
    /// Call sites through an interface with project implementations.
    pub sites: usize,
    /// Edges from them to implementing methods.
    pub edges: usize,
    /// Implementations left out past the per-method cap.
    pub cut: usize,
}

/// What resolving values known only at run time found and cut, for `--stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeStats {
    /// Python calls, and those the per-file half kept for the serial
    /// evaluation (the others' test reads only their file and finds nothing).
    pub calls: usize,
    pub evaluated: usize,
    /// Callees given one candidate.
    pub resolved: usize,
    /// Callees with several candidates (a registry, a join of loaders).
    pub joined: usize,
    /// Joins cut at the fan-out cap.
    pub cut_fanout: usize,
    /// Evaluations cut at the depth cap.
    pub cut_depth: usize,
    /// Callees whose evaluation ran out of steps.
    pub cut_steps: usize,
}

/// What one taint spec's run cost and cut, for `--stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaintStats {
    /// Scopes analysed, and passes over them.
    pub scopes: usize,
    pub passes: usize,
    /// Passes dropped at the engine's per-scope cap.
    pub cut_passes: usize,
    /// Parameters beyond the engine's cap that were given taint.
    pub cut_params: usize,
    /// Flows whose steps were cut at the engine's cap.
    pub cut_steps: usize,
    pub flows: usize,
    /// Time spent solving the spec (one thread: the solve is serial).
    pub elapsed: std::time::Duration,
}

impl TaintStats {
    pub fn cuts(&self) -> usize {
        self.cut_passes + self.cut_params + self.cut_steps
    }
}

pub struct ScanResult {
    /// Directory that output paths are relative to.
    pub root: PathBuf,
    /// Every finding, suppressed ones included, sorted.
    pub findings: Vec<Finding>,
    /// Problems with the scan itself, sorted.
    pub notifications: Vec<Notification>,
    /// The rules that ran, in code order.
    pub rules: Vec<&'static RuleMeta>,
    pub stats: Stats,
}

impl ScanResult {
    /// Findings not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none())
    }

    /// Whether any active finding is at or above `level`.
    pub fn fails(&self, level: Level) -> bool {
        self.active().any(|f| f.level >= level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Code {
        #[serde(deserialize_with = "rule_code")]
        code: RuleCode,
    }

    fn read(code: &str) -> Option<&'static str> {
        serde_json::from_value::<Code>(serde_json::json!({ "code": code }))
            .ok()
            .map(|c| c.code)
    }

    /// The map `Properties` replaced, as the reports and the cache saw it.
    fn as_map(p: &Properties) -> std::collections::BTreeMap<String, serde_json::Value> {
        p.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect()
    }

    #[test]
    fn properties_keep_a_maps_order_and_replace_a_key_set_twice() {
        use serde_json::json;
        let mut map = std::collections::BTreeMap::new();
        let mut props = Properties::default();
        // Out of order, a key set twice, keys that sort by bytes (upper case first).
        let entries = [
            ("zeta", json!({"b": 1, "a": [2, {"y": 0}]})),
            ("contentTypes", json!(["image", "text"])),
            ("Upper", json!(true)),
            ("alpha", json!("first")),
            ("contentTypes", json!(["video"])),
            ("n", json!(-3)),
            ("f", json!(1.5)),
            ("none", json!(null)),
        ];
        for (k, v) in entries {
            assert_eq!(
                props.insert(k, v.clone()),
                map.insert(k.to_owned(), v),
                "{k}"
            );
        }
        assert_eq!(props.len(), map.len());
        assert_eq!(as_map(&props), map);
        assert_eq!(
            serde_json::to_string(&props).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(
            rmp_serde::to_vec(&props).unwrap(),
            rmp_serde::to_vec(&map).unwrap(),
            "cache entries keep their bytes"
        );
        assert_eq!(serde_json::Value::Object(props.to_json()), json!(map));
        for k in map.keys() {
            assert_eq!(props.get(k), map.get(k));
        }
        assert_eq!(props.get("missing"), None);
        assert_eq!(props.get("contentTypes"), Some(&json!(["video"])));
    }

    #[test]
    fn properties_read_back_from_a_map_store_each_key_once() {
        let map: std::collections::BTreeMap<String, serde_json::Value> = [
            ("route".to_owned(), serde_json::json!("/v1/images")),
            ("public".to_owned(), serde_json::json!(true)),
        ]
        .into();
        let bytes = rmp_serde::to_vec(&map).unwrap();
        let a: Properties = rmp_serde::from_slice(&bytes).unwrap();
        let b: Properties = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(as_map(&a), map);
        assert!(
            std::ptr::eq(a.entries()[0].0, b.entries()[0].0),
            "one stored copy per key"
        );
        for bad in ["", "a b", "../x", "k\u{0661}"] {
            let json = format!("{{{:?}: 1}}", bad);
            assert!(
                serde_json::from_str::<Properties>(&json).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_finding_stays_small() {
        // Findings grow with the files (~160k at 50k files): a field added
        // inline costs its size on each.
        assert!(std::mem::size_of::<Finding>() <= 144);
        assert_eq!(std::mem::size_of::<Related>(), 32);
        assert_eq!(std::mem::size_of::<Properties>(), 24);
    }

    /// A finding as it was held before `Text` and shared properties: what
    /// reports and cache entries were written from.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct OwnedLocation {
        path: String,
        span: Span,
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct OwnedRelated {
        location: OwnedLocation,
        message: String,
    }

    #[derive(Serialize, Deserialize)]
    struct OwnedFinding {
        rule: String,
        level: Level,
        message: String,
        location: OwnedLocation,
        symbol: Option<String>,
        related: Vec<OwnedRelated>,
        flow: Vec<OwnedRelated>,
        properties: std::collections::BTreeMap<String, serde_json::Value>,
        suppression: Option<Box<Suppression>>,
    }

    fn span(line: u32) -> Span {
        Span {
            start_line: line,
            start_byte: 4,
            end_line: line,
            end_byte: 9,
        }
    }

    fn sample() -> (Finding, OwnedFinding) {
        let loc = |path: &str, line| Location {
            path: path.into(),
            span: span(line),
        };
        let owned_loc = |path: &str, line| OwnedLocation {
            path: path.to_owned(),
            span: span(line),
        };
        let mut f = Finding::new("GEN002", Level::Note, "serves “text”", loc("api/a.py", 3));
        f.symbol = Some("routes.make".into());
        f.related.push(Related {
            location: loc("svc/b.py", 7),
            message: "generates text".into(),
        });
        for (i, m) in ["entry point", "calls `x`", ""].iter().enumerate() {
            f.flow.push(Related {
                location: loc("api/a.py", i as u32 + 3),
                message: (*m).into(),
            });
        }
        f.properties.insert("route", serde_json::json!("/v1/chat"));
        f.properties
            .insert("contentTypes", serde_json::json!(["text"]));
        f.properties.insert("public", serde_json::json!(true));
        f.suppression = Some(Box::new(Suppression::new(
            SuppressionKind::Inline,
            "reviewed".to_owned(),
            Some(loc("api/a.py", 2)),
        )));
        let owned = OwnedFinding {
            rule: "GEN002".to_owned(),
            level: Level::Note,
            message: "serves “text”".to_owned(),
            location: owned_loc("api/a.py", 3),
            symbol: Some("routes.make".to_owned()),
            related: vec![OwnedRelated {
                location: owned_loc("svc/b.py", 7),
                message: "generates text".to_owned(),
            }],
            flow: ["entry point", "calls `x`", ""]
                .iter()
                .enumerate()
                .map(|(i, m)| OwnedRelated {
                    location: owned_loc("api/a.py", i as u32 + 3),
                    message: (*m).to_owned(),
                })
                .collect(),
            properties: [
                ("route".to_owned(), serde_json::json!("/v1/chat")),
                ("contentTypes".to_owned(), serde_json::json!(["text"])),
                ("public".to_owned(), serde_json::json!(true)),
            ]
            .into(),
            suppression: f.suppression.clone(),
        };
        (f, owned)
    }

    #[test]
    fn a_finding_is_written_and_read_as_with_owned_strings() {
        let (mut f, owned) = sample();
        for shared in [false, true] {
            if shared {
                f.shrink();
            }
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                serde_json::to_string(&owned).unwrap()
            );
            let bytes = rmp_serde::to_vec(&f).unwrap();
            assert_eq!(bytes, rmp_serde::to_vec(&owned).unwrap(), "cache entries");
            let back: Finding = rmp_serde::from_slice(&bytes).unwrap();
            assert_eq!(rmp_serde::to_vec(&back).unwrap(), bytes);
            let back: OwnedFinding = rmp_serde::from_slice(&bytes).unwrap();
            assert_eq!(rmp_serde::to_vec(&back).unwrap(), bytes);
            assert_eq!(back.location, owned.location);
            assert_eq!(back.flow, owned.flow);
        }
    }

    #[test]
    fn texts_compare_order_and_hash_as_their_strings() {
        let words = ["b/a.py", "a/b.py", "", "a/b.py", "é", "Z"];
        let mut texts: Vec<Text> = words.iter().map(|w| Text::from(*w)).collect();
        let mut strings: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        texts.sort();
        strings.sort();
        assert!(texts.iter().zip(&strings).all(|(t, s)| t == s));
        assert!(std::ptr::eq(
            Text::from("a/b.py").as_ptr(),
            Text::from(String::from("a/b.py")).as_ptr()
        ));
        let set: std::collections::HashSet<Text> = texts.iter().copied().collect();
        assert!(set.contains("a/b.py") && !set.contains("a/c.py"));
        assert_eq!(format!("{:?}", Text::from("x\"y")), format!("{:?}", "x\"y"));
        assert_eq!(Text::from("x").to_string(), "x");
        let json: Text = serde_json::from_str("\"p\\u00e9.py\"").unwrap();
        assert_eq!(json, "pé.py");
    }

    #[test]
    fn equal_property_sets_are_stored_once_and_copied_to_change() {
        let (mut a, _) = sample();
        let (mut b, _) = sample();
        a.shrink();
        b.shrink();
        assert!(std::ptr::eq(a.properties.entries(), b.properties.entries()));
        assert!(std::ptr::eq(
            a.properties.get("route").unwrap(),
            b.properties.get("route").unwrap()
        ));
        let before = serde_json::to_string(&b.properties).unwrap();
        assert_eq!(
            a.properties.insert("route", serde_json::json!("/v2")),
            Some(serde_json::json!("/v1/chat"))
        );
        a.properties
            .change_values(|v| v.is_boolean(), |v| *v = serde_json::json!(false));
        assert_eq!(a.properties.get("route"), Some(&serde_json::json!("/v2")));
        assert_eq!(a.properties.get("public"), Some(&serde_json::json!(false)));
        assert_eq!(serde_json::to_string(&b.properties).unwrap(), before);
        // A set read back from a cache entry is shared as well.
        let bytes = rmp_serde::to_vec(&b.properties).unwrap();
        let c: Properties = rmp_serde::from_slice(&bytes).unwrap();
        assert!(std::ptr::eq(c.entries(), b.properties.entries()));
        let mut empty = Properties::default();
        empty.share();
        assert!(empty.is_empty());
    }

    #[test]
    fn rule_codes_read_back_have_the_shape_of_a_code_and_are_stored_once() {
        let a = read("LBL001").unwrap();
        let b = read("LBL001").unwrap();
        assert!(std::ptr::eq(a, b), "one stored copy per distinct code");
        for bad in [
            "",
            "lbl001",
            "LBL01",
            "LBL0011",
            "LB0001",
            "../../x",
            "LBL\u{0661}01",
        ] {
            assert!(read(bad).is_none(), "{bad:?}");
        }
    }
}

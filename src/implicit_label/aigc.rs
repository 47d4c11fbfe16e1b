//! The implicit label of GB 45438-2025 Annex E: a metadata field whose name
//! contains `AIGC` and whose value is a JSON object with up to seven
//! elements (`Label`, `ContentProducer`, `ProduceID`, `ReservedCode1`,
//! `ContentPropagator`, `PropagateID`, `ReservedCode2`).
//!
//! Two entry points share one set of checks:
//! - [`check_text`] for a value read from a file (the `media` command), in
//!   the bare form `{"Label": ...}` or the wrapped form `{"AIGC": {...}}`;
//! - [`check_pairs`] for elements already split into key/value pairs, e.g. a
//!   dict literal found in source code, where some values are not known
//!   statically ([`ElementValue::Unknown`]) and are then not judged.
//!
//! Both return [`Problem`]s with a stable [`Check`] id, a level and the
//! element concerned, so every caller words and locates them its own way.
//!
//! Not decidable here: whether `ProduceID` is unique per piece of content.
//! One file shows one value; a constant written into every output looks like
//! any other id. That check belongs to the source rule, which can see
//! whether the value is built from a literal. Only values that are plainly
//! placeholders (`test`, `0000`) are reported here.
//!
//! Levels follow `shared/regulations.md` §5.5: schema violations are errors;
//! the character set (the standard says values "mainly" use it), integer
//! `Label`s, placeholders and provider-code format are warnings, since their
//! sources are secondary or the wording leaves room.

use std::fmt;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::finding::Level;

/// Name of the wrapper key and the token every label field name contains.
pub const AIGC: &str = "AIGC";

/// The element names of Annex E, in the standard's order. Case-sensitive.
pub const ELEMENTS: [&str; 7] = [
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
];

/// Elements a generated file's label must carry: the generation attribute,
/// the provider and the content id (Labeling Measures Art. 5).
pub const REQUIRED: [&str; 3] = ["Label", "ContentProducer", "ProduceID"];

/// Values `Label` may take: AI-generated, possibly, suspected.
pub const LABEL_VALUES: [&str; 3] = ["1", "2", "3"];

/// What a problem is about. The kebab-case ids are stable: output formats
/// and configuration may refer to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The value is not JSON.
    InvalidJson,
    /// The JSON is not an object.
    NotAnObject,
    /// One value holds several label objects.
    MultipleLabels,
    /// Neither the field name nor a wrapper key contains `AIGC`.
    KeyWithoutAigc,
    /// The field name contains `AIGC` but is not exactly `AIGC`.
    KeyNotCanonical,
    /// `{"AIGC": ...}` whose value is not an object.
    WrappedValueNotObject,
    /// A key that is not one of the seven elements.
    UnknownElement,
    /// An element name in the wrong case (`ProduceId`).
    ElementNameCase,
    /// The same element twice.
    DuplicateElement,
    /// A required element is absent.
    MissingElement,
    /// `Label` is the number 1, 2 or 3 instead of a string.
    LabelNotString,
    /// `Label` is not "1", "2" or "3".
    InvalidLabel,
    /// An element value that is not a string.
    ElementNotString,
    /// `ContentProducer` or `ProduceID` is empty.
    EmptyElement,
    /// Characters outside 0x21-0x7E (and the backslash).
    Charset,
    /// A provider name that reads like a placeholder.
    PlaceholderProvider,
    /// A content id that reads like a placeholder.
    PlaceholderId,
    /// Something shaped like a provider code that is not a valid one.
    ProviderCodeFormat,
    /// A provider code whose credit-code check character is wrong.
    ProviderCodeChecksum,
    /// A provider code whose service-extension digit names the other role.
    ProviderCodeRole,
    /// A propagator without its content id, or the reverse.
    PropagationIncomplete,
    /// More than one label in one file.
    DuplicateLabel,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::InvalidJson => "invalid-json",
            Check::NotAnObject => "not-an-object",
            Check::MultipleLabels => "multiple-labels",
            Check::KeyWithoutAigc => "key-without-aigc",
            Check::KeyNotCanonical => "key-not-canonical",
            Check::WrappedValueNotObject => "wrapped-value-not-object",
            Check::UnknownElement => "unknown-element",
            Check::ElementNameCase => "element-name-case",
            Check::DuplicateElement => "duplicate-element",
            Check::MissingElement => "missing-element",
            Check::LabelNotString => "label-not-string",
            Check::InvalidLabel => "invalid-label",
            Check::ElementNotString => "element-not-string",
            Check::EmptyElement => "empty-element",
            Check::Charset => "charset",
            Check::PlaceholderProvider => "placeholder-provider",
            Check::PlaceholderId => "placeholder-id",
            Check::ProviderCodeFormat => "provider-code-format",
            Check::ProviderCodeChecksum => "provider-code-checksum",
            Check::ProviderCodeRole => "provider-code-role",
            Check::PropagationIncomplete => "propagation-incomplete",
            Check::DuplicateLabel => "duplicate-label",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub check: Check,
    pub level: Level,
    /// The element concerned (`Label`, `ProduceID`, ...), or `None` for the
    /// label as a whole.
    pub element: Option<String>,
    /// A complete sentence in our own words.
    pub message: String,
}

impl Problem {
    fn new(check: Check, level: Level, element: Option<&str>, message: String) -> Self {
        Problem {
            check,
            level,
            element: element.map(str::to_owned),
            message,
        }
    }
}

/// An element value as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum ElementValue {
    String(String),
    /// A JSON number, as written.
    Number(String),
    Bool(bool),
    Null,
    Array,
    Object,
    /// Not known statically (an expression in source code).
    Unknown,
}

impl ElementValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ElementValue::String(s) => Some(s),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ElementValue::String(_) => "a string",
            ElementValue::Number(_) => "a number",
            ElementValue::Bool(_) => "a boolean",
            ElementValue::Null => "null",
            ElementValue::Array => "an array",
            ElementValue::Object => "an object",
            ElementValue::Unknown => "unknown",
        }
    }
}

/// Which of Annex E's two shapes a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// `{"Label": "1", ...}` under a field whose name contains `AIGC`.
    Bare,
    /// `{"AIGC": {"Label": "1", ...}}`.
    Wrapped,
}

/// The result of checking one label value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// `None` when the value is not a JSON object at all.
    pub form: Option<Form>,
    /// The elements as written (unknown keys included), in order.
    pub elements: Vec<(String, ElementValue)>,
    pub problems: Vec<Problem>,
}

impl Checked {
    /// No error-level problem (warnings and notes allowed).
    pub fn is_well_formed(&self) -> bool {
        self.problems.iter().all(|p| p.level < Level::Error)
    }

    /// The value of the first element called `name`.
    pub fn element(&self, name: &str) -> Option<&ElementValue> {
        self.elements
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The elements sorted by name, for comparing two labels.
    fn canonical(&self) -> Vec<(&str, &ElementValue)> {
        let mut v: Vec<_> = self.elements.iter().map(|(k, v)| (k.as_str(), v)).collect();
        v.sort();
        v
    }
}

/// Check a label value read from a file.
///
/// `key` is the name of the field that holds it (a PNG text keyword, an ID3
/// `TXXX` description, an MP4 key), or `None` when the field has no name of
/// its own (EXIF `UserComment`): then only the wrapped form names `AIGC`.
/// Leading and trailing whitespace and NUL padding are ignored.
pub fn check_text(key: Option<&str>, text: &str) -> Checked {
    let mut problems = Vec::new();
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let values = match parse_values(text) {
        Ok(v) => v,
        Err(e) => {
            let message = if text.is_empty() {
                "The label value is empty.".to_owned()
            } else {
                format!("The label value is not valid JSON ({e}).")
            };
            problems.push(Problem::new(
                Check::InvalidJson,
                Level::Error,
                None,
                message,
            ));
            return Checked {
                form: None,
                elements: Vec::new(),
                problems,
            };
        }
    };
    if values.len() > 1 {
        problems.push(Problem::new(
            Check::MultipleLabels,
            Level::Error,
            None,
            format!(
                "The value holds {} JSON values one after another; a file carries exactly one label object.",
                values.len()
            ),
        ));
    }
    let first = values.into_iter().next().unwrap_or(Node::Null);
    let (form, pairs) = match shape(first, &mut problems) {
        Some(x) => x,
        None => {
            return Checked {
                form: None,
                elements: Vec::new(),
                problems,
            };
        }
    };
    let elements: Vec<(String, ElementValue)> = pairs
        .into_iter()
        .map(|(k, v)| (k, v.into_element()))
        .collect();
    problems.extend(check_pairs(key, form == Form::Wrapped, &elements));
    Checked {
        form: Some(form),
        elements,
        problems,
    }
}

/// Check elements already split into pairs.
///
/// `key` is the field name (as for [`check_text`]); `wrapped` says the pairs
/// sat inside an `{"AIGC": ...}` wrapper, which satisfies the naming rule by
/// itself. Values that are [`ElementValue::Unknown`] pass every value check.
pub fn check_pairs(
    key: Option<&str>,
    wrapped: bool,
    pairs: &[(String, ElementValue)],
) -> Vec<Problem> {
    let mut out = Vec::new();
    check_key(key, wrapped, &mut out);

    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in pairs {
        if let Some(&canonical) = ELEMENTS.iter().find(|e| **e == name) {
            if seen.contains(&canonical) {
                out.push(Problem::new(
                    Check::DuplicateElement,
                    Level::Error,
                    Some(canonical),
                    format!("`{canonical}` appears more than once; readers may take either value."),
                ));
            } else {
                seen.push(canonical);
            }
        } else if let Some(&canonical) = ELEMENTS.iter().find(|e| e.eq_ignore_ascii_case(name)) {
            out.push(Problem::new(
                Check::ElementNameCase,
                Level::Error,
                Some(name),
                format!(
                    "`{}` differs from the element `{canonical}` only in case; element names are case-sensitive.",
                    shorten(name)
                ),
            ));
        } else {
            out.push(Problem::new(
                Check::UnknownElement,
                Level::Error,
                Some(name),
                format!(
                    "`{}` is not one of the seven label elements ({}).",
                    shorten(name),
                    ELEMENTS.join(", ")
                ),
            ));
        }
    }
    for required in REQUIRED {
        if !seen.contains(&required) {
            out.push(Problem::new(
                Check::MissingElement,
                Level::Error,
                Some(required),
                format!("The required element `{required}` is missing."),
            ));
        }
    }

    let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    if let Some(v) = value("Label") {
        check_label(v, &mut out);
    }
    for name in &ELEMENTS[1..] {
        let Some(v) = value(name) else { continue };
        match v {
            ElementValue::String(s) => {
                if s.trim().is_empty() {
                    if matches!(*name, "ContentProducer" | "ProduceID") {
                        out.push(Problem::new(
                            Check::EmptyElement,
                            Level::Error,
                            Some(name),
                            format!("`{name}` is empty; a generated file names its provider and its content id."),
                        ));
                    }
                    continue;
                }
                if let Some(what) = charset_violation(s) {
                    out.push(Problem::new(
                        Check::Charset,
                        Level::Warning,
                        Some(name),
                        format!(
                            "`{name}` {what}; values should use printable ASCII without spaces or backslashes."
                        ),
                    ));
                }
                match *name {
                    "ContentProducer" => check_provider(name, s, '1', &mut out),
                    "ContentPropagator" => check_provider(name, s, '2', &mut out),
                    "ProduceID" | "PropagateID" => check_id(name, s, &mut out),
                    _ => {}
                }
            }
            ElementValue::Unknown => {}
            ElementValue::Number(n) => out.push(Problem::new(
                Check::ElementNotString,
                Level::Warning,
                Some(name),
                format!("`{name}` is the number {n}; element values are strings."),
            )),
            other => out.push(Problem::new(
                Check::ElementNotString,
                Level::Error,
                Some(name),
                format!("`{name}` is {}; element values are strings.", other.kind()),
            )),
        }
    }

    let filled = |name: &str| match value(name) {
        Some(ElementValue::String(s)) => !s.trim().is_empty(),
        Some(ElementValue::Unknown | ElementValue::Number(_)) => true,
        _ => false,
    };
    for (present, absent) in [
        ("ContentPropagator", "PropagateID"),
        ("PropagateID", "ContentPropagator"),
    ] {
        if filled(present) && !filled(absent) {
            out.push(Problem::new(
                Check::PropagationIncomplete,
                Level::Warning,
                Some(absent),
                format!(
                    "`{present}` is set but `{absent}` is not; a platform adds its name or code together with its own content id."
                ),
            ));
        }
    }
    out
}

/// Problems with a file that carries more than one label (GB 45438 keeps a
/// single metadata label per file). Identical copies are a warning; labels
/// that disagree are an error, since a reader cannot tell which one holds.
pub fn check_single(labels: &[&Checked]) -> Option<Problem> {
    if labels.len() < 2 {
        return None;
    }
    let first = labels[0].canonical();
    let same = labels[1..].iter().all(|l| l.canonical() == first);
    Some(if same {
        Problem::new(
            Check::DuplicateLabel,
            Level::Warning,
            None,
            format!(
                "The file carries {} identical labels; keep one and overwrite it rather than add another.",
                labels.len()
            ),
        )
    } else {
        Problem::new(
            Check::DuplicateLabel,
            Level::Error,
            None,
            format!(
                "The file carries {} labels that disagree; readers cannot tell which one holds.",
                labels.len()
            ),
        )
    })
}

/// Whether a metadata field looks like an attempt at a label: its name
/// mentions AIGC (any case), or its value is a JSON object whose top-level
/// keys include `AIGC` or an element name (any case). Used to spot labels
/// written to the wrong place; prose such as "made with AIGC tools" in a
/// comment is not a label.
pub fn looks_like_label(key: Option<&str>, text: &str) -> bool {
    if key.is_some_and(|k| k.to_ascii_lowercase().contains("aigc")) {
        return true;
    }
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if !text.starts_with('{') {
        return false;
    }
    let Ok(values) = parse_values(text) else {
        return false;
    };
    values.iter().any(|v| match v {
        Node::Object(pairs) => pairs.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case(AIGC) || ELEMENTS.iter().any(|e| e.eq_ignore_ascii_case(k))
        }),
        _ => false,
    })
}

// ------------------------------------------------------------------ checks

fn check_key(key: Option<&str>, wrapped: bool, out: &mut Vec<Problem>) {
    if wrapped {
        return;
    }
    match key {
        Some(k) if k.contains(AIGC) => {
            if k != AIGC {
                out.push(Problem::new(
                    Check::KeyNotCanonical,
                    Level::Warning,
                    None,
                    format!(
                        "The field is named `{}`; it contains AIGC, but readers look for exactly `AIGC`.",
                        shorten(k)
                    ),
                ));
            }
        }
        Some(k) if k.to_ascii_lowercase().contains("aigc") => out.push(Problem::new(
            Check::KeyWithoutAigc,
            Level::Error,
            None,
            format!(
                "The field is named `{}`; the name must contain `AIGC` in capitals.",
                shorten(k)
            ),
        )),
        Some(k) => out.push(Problem::new(
            Check::KeyWithoutAigc,
            Level::Error,
            None,
            format!(
                "The field is named `{}`, which does not contain `AIGC`; name it `AIGC` or wrap the elements as {{\"AIGC\": {{...}}}}.",
                shorten(k)
            ),
        )),
        None => out.push(Problem::new(
            Check::KeyWithoutAigc,
            Level::Error,
            None,
            "The field has no name of its own, so the value must be wrapped as {\"AIGC\": {...}}."
                .to_owned(),
        )),
    }
}

fn check_label(v: &ElementValue, out: &mut Vec<Problem>) {
    match v {
        ElementValue::String(s) if LABEL_VALUES.contains(&s.as_str()) => {}
        ElementValue::Number(n) if LABEL_VALUES.contains(&n.as_str()) => out.push(Problem::new(
            Check::LabelNotString,
            Level::Warning,
            Some("Label"),
            format!("`Label` is the number {n}; write the string \"{n}\"."),
        )),
        ElementValue::Unknown => {}
        ElementValue::String(s) => {
            let hint = if LABEL_VALUES.contains(&s.trim()) {
                " (remove the surrounding spaces)"
            } else {
                ""
            };
            out.push(Problem::new(
                Check::InvalidLabel,
                Level::Error,
                Some("Label"),
                format!(
                    "`Label` is \"{}\"; it must be \"1\" (AI-generated), \"2\" (possibly) or \"3\" (suspected){hint}.",
                    shorten(s)
                ),
            ))
        }
        other => out.push(Problem::new(
            Check::InvalidLabel,
            Level::Error,
            Some("Label"),
            format!(
                "`Label` is {}; it must be the string \"1\", \"2\" or \"3\".",
                match other {
                    ElementValue::Number(n) => format!("the number {n}"),
                    o => o.kind().to_owned(),
                }
            ),
        )),
    }
}

/// `None` when every character is in 0x21-0x7E other than the backslash
/// (Annex E j); the double quote is allowed because JSON writes it as `\"`).
/// Otherwise a phrase naming the first kind of offending character.
pub fn charset_violation(s: &str) -> Option<String> {
    let bad = s.chars().find(|&c| !matches!(c, '!'..='~') || c == '\\')?;
    Some(match bad {
        ' ' => "contains a space".to_owned(),
        '\\' => "contains a backslash".to_owned(),
        c if c.is_control() => format!("contains the control character U+{:04X}", c as u32),
        c => format!("contains the non-ASCII character `{c}`"),
    })
}

fn check_provider(name: &str, s: &str, role: char, out: &mut Vec<Problem>) {
    match provider_code(s) {
        ProviderValue::Code { uscc } => {
            if let Some(uscc) = uscc
                && let Some(why) = uscc_problem(uscc)
            {
                out.push(Problem::new(
                    Check::ProviderCodeChecksum,
                    Level::Warning,
                    Some(name),
                    format!("`{name}` is a provider code whose credit-code part {why}."),
                ));
            }
            let ext = &s[22..];
            if ext != "00000" {
                let kind = ext.as_bytes()[0] as char;
                if kind != '1' && kind != '2' {
                    out.push(Problem::new(
                        Check::ProviderCodeFormat,
                        Level::Warning,
                        Some(name),
                        format!(
                            "`{name}` has the service extension `{ext}`; it is `00000` or starts with 1 (generation) or 2 (propagation)."
                        ),
                    ));
                } else if kind != role {
                    let (this, other) = if role == '1' {
                        ("generation", "propagation")
                    } else {
                        ("propagation", "generation")
                    };
                    out.push(Problem::new(
                        Check::ProviderCodeRole,
                        Level::Note,
                        Some(name),
                        format!(
                            "`{name}` names a {this} service, but its code's extension `{ext}` marks a {other} service."
                        ),
                    ));
                }
            }
        }
        ProviderValue::BareCreditCode => out.push(Problem::new(
            Check::ProviderCodeFormat,
            Level::Warning,
            Some(name),
            format!(
                "`{name}` is an 18-character unified social credit code; the provider code is 27 characters: `0011`, the credit code and a 5-character service extension."
            ),
        )),
        ProviderValue::MalformedCode => out.push(Problem::new(
            Check::ProviderCodeFormat,
            Level::Warning,
            Some(name),
            format!(
                "`{name}` (`{}`) looks like a provider code but is not 27 upper-case letters and digits starting with `00`.",
                shorten(s)
            ),
        )),
        ProviderValue::Name => {
            if is_placeholder(s) {
                out.push(Problem::new(
                    Check::PlaceholderProvider,
                    Level::Warning,
                    Some(name),
                    format!(
                        "`{name}` is `{}`, which reads like a placeholder; use the registered provider code or name.",
                        shorten(s)
                    ),
                ));
            }
        }
    }
}

fn check_id(name: &str, s: &str, out: &mut Vec<Problem>) {
    let one_repeated_char = s.len() >= 2 && s.bytes().all(|b| b == s.as_bytes()[0]);
    if is_placeholder(s) || one_repeated_char || ["123", "1234", "12345", "123456"].contains(&s) {
        out.push(Problem::new(
            Check::PlaceholderId,
            Level::Warning,
            Some(name),
            format!(
                "`{name}` is `{}`, which reads like a placeholder; it should identify this piece of content.",
                shorten(s)
            ),
        ));
    }
}

enum ProviderValue<'a> {
    /// A 27-character code; `uscc` is the credit-code part when the subject
    /// type is `11`.
    Code {
        uscc: Option<&'a str>,
    },
    BareCreditCode,
    MalformedCode,
    Name,
}

/// Classify a `ContentProducer`/`ContentPropagator` value (§5.3): a
/// 27-character provider code `00` + 20 subject characters + 5 extension
/// characters, or a name.
fn provider_code(s: &str) -> ProviderValue<'_> {
    let upper_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    };
    if s.len() == 27 && s.starts_with("00") && upper_alnum(s) {
        let uscc = (&s[2..4] == "11").then(|| &s[4..22]);
        return ProviderValue::Code { uscc };
    }
    if s.len() == 18 && upper_alnum(s) && uscc_problem(s).is_none() {
        return ProviderValue::BareCreditCode;
    }
    let alnum = s.bytes().all(|b| b.is_ascii_alphanumeric());
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if s.starts_with("00") && alnum && s.len() >= 12 && digits * 2 >= s.len() {
        return ProviderValue::MalformedCode;
    }
    ProviderValue::Name
}

/// Characters of a unified social credit code (GB 32100-2015): digits and
/// upper-case letters without I, O, S, V and Z.
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why an 18-character credit code is invalid, or `None`.
fn uscc_problem(code: &str) -> Option<String> {
    let mut values = Vec::with_capacity(18);
    for c in code.chars() {
        match USCC_CHARS.find(c) {
            Some(v) => values.push(v),
            None => return Some(format!("contains `{c}`, which credit codes never use")),
        }
    }
    if values.len() != 18 {
        return Some("does not have 18 characters".to_owned());
    }
    let sum: usize = values[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        let expected = USCC_CHARS.as_bytes()[check] as char;
        return Some(format!(
            "fails its check character (expected `{expected}` at the end of `{code}`)"
        ));
    }
    None
}

/// Values that read like something left in from a template or a test.
fn is_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    const PARTS: [&str; 14] = [
        "test",
        "example",
        "demo",
        "placeholder",
        "dummy",
        "sample",
        "changeme",
        "change_me",
        "todo",
        "fixme",
        "xxx",
        "your",
        "lorem",
        "foobar",
    ];
    if PARTS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    // A generic word, perhaps with digits and separators: PRODUCER-001.
    let letters: String = lower.chars().filter(char::is_ascii_alphabetic).collect();
    const WORDS: [&str; 19] = [
        "producer",
        "contentproducer",
        "provider",
        "propagator",
        "contentpropagator",
        "platform",
        "company",
        "vendor",
        "unknown",
        "none",
        "null",
        "undefined",
        "na",
        "default",
        "aigc",
        "ai",
        "id",
        "produceid",
        "propagateid",
    ];
    WORDS.contains(&letters.as_str())
}

fn shorten(s: &str) -> String {
    const MAX: usize = 48;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

// ------------------------------------------------------------ JSON shapes

/// Split the top-level value into a form and its element pairs, reporting
/// shapes that are not a label object.
fn shape(node: Node, problems: &mut Vec<Problem>) -> Option<(Form, Vec<(String, Node)>)> {
    match node {
        Node::Object(pairs) => {
            let wrapper = pairs.iter().position(|(k, _)| k.eq_ignore_ascii_case(AIGC));
            let Some(at) = wrapper else {
                return Some((Form::Bare, pairs));
            };
            // Element names beside an `AIGC` key: a bare label with a stray
            // key, reported as an unknown element.
            let elements_beside = pairs
                .iter()
                .enumerate()
                .any(|(i, (k, _))| i != at && ELEMENTS.iter().any(|e| e.eq_ignore_ascii_case(k)));
            if elements_beside {
                return Some((Form::Bare, pairs));
            }
            let mut pairs = pairs;
            let (key, inner) = pairs.remove(at);
            if key != AIGC {
                problems.push(Problem::new(
                    Check::ElementNameCase,
                    Level::Error,
                    Some(&key),
                    format!("The wrapper key is `{key}`; it must be `AIGC` in capitals."),
                ));
            }
            for (other, _) in &pairs {
                problems.push(Problem::new(
                    Check::UnknownElement,
                    Level::Error,
                    Some(other),
                    format!(
                        "`{}` sits beside the AIGC wrapper; everything belongs inside it.",
                        shorten(other)
                    ),
                ));
            }
            match inner {
                Node::Object(inner) => Some((Form::Wrapped, inner)),
                Node::String(s) => {
                    problems.push(Problem::new(
                        Check::WrappedValueNotObject,
                        Level::Error,
                        Some(AIGC),
                        "The AIGC wrapper holds a string instead of an object (JSON encoded twice?)."
                            .to_owned(),
                    ));
                    match parse_values(s.trim()).ok()?.into_iter().next()? {
                        Node::Object(inner) => Some((Form::Wrapped, inner)),
                        _ => None,
                    }
                }
                other => {
                    problems.push(Problem::new(
                        Check::WrappedValueNotObject,
                        Level::Error,
                        Some(AIGC),
                        format!(
                            "The AIGC wrapper holds {} instead of an object.",
                            other.into_element().kind()
                        ),
                    ));
                    None
                }
            }
        }
        Node::String(s) => {
            problems.push(Problem::new(
                Check::NotAnObject,
                Level::Error,
                None,
                "The label is a JSON string, not an object (JSON encoded twice?).".to_owned(),
            ));
            match parse_values(s.trim()).ok()?.into_iter().next()? {
                inner @ Node::Object(_) => shape(inner, problems),
                _ => None,
            }
        }
        Node::Array(items) => {
            let objects = items
                .iter()
                .filter(|i| matches!(i, Node::Object(_)))
                .count();
            let message = if objects > 1 {
                format!(
                    "The label is an array of {objects} objects; a file carries exactly one label object."
                )
            } else {
                "The label is a JSON array, not an object.".to_owned()
            };
            let check = if objects > 1 {
                Check::MultipleLabels
            } else {
                Check::NotAnObject
            };
            problems.push(Problem::new(check, Level::Error, None, message));
            None
        }
        other => {
            problems.push(Problem::new(
                Check::NotAnObject,
                Level::Error,
                None,
                format!(
                    "The label is {}, not a JSON object.",
                    other.into_element().kind()
                ),
            ));
            None
        }
    }
}

/// Every JSON value in `text`, one after another.
fn parse_values(text: &str) -> Result<Vec<Node>, serde_json::Error> {
    let mut out = Vec::new();
    for v in serde_json::Deserializer::from_str(text).into_iter::<Node>() {
        out.push(v?);
        // A label is small; anything longer is not worth splitting further.
        if out.len() > 16 {
            break;
        }
    }
    if out.is_empty() {
        // `from_str("")` yields nothing; make it an error like serde would.
        return serde_json::from_str::<Node>(text).map(|n| vec![n]);
    }
    Ok(out)
}

/// A JSON value that keeps object keys in order and keeps duplicates,
/// which `serde_json::Value` would silently merge.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    fn into_element(self) -> ElementValue {
        match self {
            Node::Null => ElementValue::Null,
            Node::Bool(b) => ElementValue::Bool(b),
            Node::Number(n) => ElementValue::Number(n),
            Node::String(s) => ElementValue::String(s),
            Node::Array(_) => ElementValue::Array,
            Node::Object(_) => ElementValue::Object,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Node, E> {
                Ok(Node::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Node, E> {
                Ok(Node::Number(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Node, E> {
                Ok(Node::Number(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Node, E> {
                Ok(Node::Number(n.to_string()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Node, E> {
                Ok(Node::String(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Node, E> {
                Ok(Node::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    pairs.push((k, v));
                }
                Ok(Node::Object(pairs))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A label that passes every check: a valid provider code (its credit
    /// code's check character is right) and a content id.
    const GOOD: &str = r#"{"Label":"1","ContentProducer":"001191110102MAD55U9H0F10002","ProduceID":"img-20250901-8f3a","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}"#;

    fn checks(c: &Checked) -> Vec<(Check, Level, Option<&str>)> {
        c.problems
            .iter()
            .map(|p| (p.check, p.level, p.element.as_deref()))
            .collect()
    }

    fn only(key: Option<&str>, text: &str) -> Vec<(Check, Level, Option<String>)> {
        check_text(key, text)
            .problems
            .into_iter()
            .map(|p| (p.check, p.level, p.element))
            .collect()
    }

    fn with(field: &str, value: &str) -> String {
        let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        v[field] = serde_json::from_str(value).unwrap();
        v.to_string()
    }

    fn has(text: &str, check: Check) -> bool {
        check_text(Some("AIGC"), text)
            .problems
            .iter()
            .any(|p| p.check == check)
    }

    #[test]
    fn well_formed_bare_and_wrapped() {
        let bare = check_text(Some("AIGC"), GOOD);
        assert_eq!(checks(&bare), []);
        assert_eq!(bare.form, Some(Form::Bare));
        assert!(bare.is_well_formed());
        assert_eq!(
            bare.element("Label"),
            Some(&ElementValue::String("1".into()))
        );
        let wrapped = check_text(None, &format!(r#"{{"AIGC":{GOOD}}}"#));
        assert_eq!(checks(&wrapped), []);
        assert_eq!(wrapped.form, Some(Form::Wrapped));
        // A wrapped value under an AIGC field is fine too.
        assert_eq!(
            checks(&check_text(Some("AIGC"), &format!(r#"{{"AIGC":{GOOD}}}"#))),
            []
        );
        // Whitespace and NUL padding around the value are ignored.
        assert_eq!(
            checks(&check_text(Some("AIGC"), &format!("\n {GOOD}\0\0"))),
            []
        );
        // Only the three required elements.
        let minimal = r#"{"Label":"2","ContentProducer":"AcmeImaging","ProduceID":"a1"}"#;
        assert!(check_text(Some("AIGC"), minimal).is_well_formed());
    }

    #[test]
    fn not_json() {
        assert_eq!(
            only(Some("AIGC"), "AI generated"),
            [(Check::InvalidJson, Level::Error, None)]
        );
        let empty = check_text(Some("AIGC"), " \0");
        assert_eq!(empty.problems[0].check, Check::InvalidJson);
        assert!(empty.problems[0].message.contains("empty"));
        assert_eq!(
            only(Some("AIGC"), r#"{"Label":"1""#)[0].0,
            Check::InvalidJson
        );
        // Trailing garbage after a valid object.
        assert_eq!(
            only(Some("AIGC"), &format!("{GOOD} x"))[0].0,
            Check::InvalidJson
        );
    }

    #[test]
    fn not_an_object() {
        assert_eq!(
            only(Some("AIGC"), "1"),
            [(Check::NotAnObject, Level::Error, None)]
        );
        assert_eq!(only(Some("AIGC"), "null")[0].0, Check::NotAnObject);
        assert_eq!(only(Some("AIGC"), "[1]")[0].0, Check::NotAnObject);
        // A string holding the JSON: reported, and the inner label is checked.
        let twice = serde_json::to_string(GOOD).unwrap();
        let c = check_text(Some("AIGC"), &twice);
        assert_eq!(checks(&c), [(Check::NotAnObject, Level::Error, None)]);
        assert_eq!(c.form, Some(Form::Bare));
        assert_eq!(c.elements.len(), 7);
    }

    #[test]
    fn multiple_labels_in_one_value() {
        assert_eq!(
            only(Some("AIGC"), &format!("{GOOD}{GOOD}")),
            [(Check::MultipleLabels, Level::Error, None)]
        );
        assert_eq!(
            only(Some("AIGC"), &format!("[{GOOD},{GOOD}]")),
            [(Check::MultipleLabels, Level::Error, None)]
        );
        assert!(!has(GOOD, Check::MultipleLabels));
    }

    #[test]
    fn key_must_contain_aigc() {
        assert_eq!(
            only(Some("Comment"), GOOD),
            [(Check::KeyWithoutAigc, Level::Error, None)]
        );
        let lower = check_text(Some("aigc"), GOOD);
        assert_eq!(lower.problems[0].check, Check::KeyWithoutAigc);
        assert!(lower.problems[0].message.contains("capitals"));
        // No field name: the bare form fails, the wrapped form passes.
        assert_eq!(
            only(None, GOOD),
            [(Check::KeyWithoutAigc, Level::Error, None)]
        );
        assert_eq!(only(Some("Comment"), &format!(r#"{{"AIGC":{GOOD}}}"#)), []);
    }

    #[test]
    fn key_containing_aigc_is_accepted_with_a_warning() {
        assert_eq!(
            only(Some("AIGC_label"), GOOD),
            [(Check::KeyNotCanonical, Level::Warning, None)]
        );
        assert_eq!(only(Some("AIGC"), GOOD), []);
    }

    #[test]
    fn wrapper_shapes() {
        assert_eq!(
            only(None, r#"{"AIGC":1}"#),
            [(
                Check::WrappedValueNotObject,
                Level::Error,
                Some("AIGC".into())
            )]
        );
        let inner = serde_json::to_string(GOOD).unwrap();
        let c = check_text(None, &format!(r#"{{"AIGC":{inner}}}"#));
        assert_eq!(
            checks(&c),
            [(Check::WrappedValueNotObject, Level::Error, Some("AIGC"))]
        );
        assert_eq!(c.form, Some(Form::Wrapped));
        // Wrong case of the wrapper key.
        assert_eq!(
            only(None, &format!(r#"{{"aigc":{GOOD}}}"#)),
            [(Check::ElementNameCase, Level::Error, Some("aigc".into()))]
        );
        // Something beside the wrapper.
        assert_eq!(
            only(None, &format!(r#"{{"AIGC":{GOOD},"Version":"1"}}"#)),
            [(Check::UnknownElement, Level::Error, Some("Version".into()))]
        );
    }

    #[test]
    fn element_names_are_exact_and_case_sensitive() {
        let text = GOOD.replace("ProduceID", "ProduceId");
        assert_eq!(
            only(Some("AIGC"), &text),
            [
                (
                    Check::ElementNameCase,
                    Level::Error,
                    Some("ProduceId".into())
                ),
                (
                    Check::MissingElement,
                    Level::Error,
                    Some("ProduceID".into())
                ),
            ]
        );
        let text = GOOD.replace("ReservedCode2", "Reserved");
        assert_eq!(
            only(Some("AIGC"), &text),
            [(Check::UnknownElement, Level::Error, Some("Reserved".into()))]
        );
        assert!(!has(GOOD, Check::UnknownElement));
        assert!(!has(GOOD, Check::ElementNameCase));
    }

    #[test]
    fn duplicate_elements_are_seen() {
        let text = r#"{"Label":"1","Label":"3","ContentProducer":"0011","ProduceID":"x9"}"#;
        assert!(has(text, Check::DuplicateElement));
        assert!(!has(GOOD, Check::DuplicateElement));
    }

    #[test]
    fn required_elements() {
        for name in REQUIRED {
            let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
            v.as_object_mut().unwrap().remove(name);
            assert_eq!(
                only(Some("AIGC"), &v.to_string()),
                [(Check::MissingElement, Level::Error, Some(name.into()))],
                "{name}"
            );
        }
        // The optional ones may be left out.
        let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        for name in &ELEMENTS[3..] {
            v.as_object_mut().unwrap().remove(*name);
        }
        assert_eq!(only(Some("AIGC"), &v.to_string()), []);
    }

    #[test]
    fn label_values() {
        for ok in ["\"1\"", "\"2\"", "\"3\""] {
            assert_eq!(only(Some("AIGC"), &with("Label", ok)), [], "{ok}");
        }
        assert_eq!(
            only(Some("AIGC"), &with("Label", "1")),
            [(Check::LabelNotString, Level::Warning, Some("Label".into()))]
        );
        for bad in [
            "\"AIGC\"", "\"0\"", "\"4\"", "\"\"", "4", "true", "null", "1.5", "[\"1\"]",
        ] {
            assert_eq!(
                only(Some("AIGC"), &with("Label", bad)),
                [(Check::InvalidLabel, Level::Error, Some("Label".into()))],
                "{bad}"
            );
        }
        let spaced = check_text(Some("AIGC"), &with("Label", "\" 1\""));
        assert!(spaced.problems[0].message.contains("spaces"));
    }

    #[test]
    fn element_types() {
        assert_eq!(
            only(Some("AIGC"), &with("ProduceID", "12345678")),
            [(
                Check::ElementNotString,
                Level::Warning,
                Some("ProduceID".into())
            )]
        );
        for bad in ["null", "true", "{}", "[]"] {
            assert_eq!(
                only(Some("AIGC"), &with("ReservedCode1", bad)),
                [(
                    Check::ElementNotString,
                    Level::Error,
                    Some("ReservedCode1".into())
                )],
                "{bad}"
            );
        }
    }

    #[test]
    fn producer_and_id_must_not_be_empty() {
        for name in ["ContentProducer", "ProduceID"] {
            for empty in ["\"\"", "\"  \""] {
                assert_eq!(
                    only(Some("AIGC"), &with(name, empty)),
                    [(Check::EmptyElement, Level::Error, Some(name.into()))],
                    "{name} {empty}"
                );
            }
        }
        // Empty propagation and reserved elements are normal at generation.
        assert!(!has(GOOD, Check::EmptyElement));
    }

    #[test]
    fn charset() {
        assert_eq!(
            charset_violation("abc-DEF_123!#$%&'()*+,./:;<=>?@[]^`{|}~\""),
            None
        );
        assert_eq!(charset_violation("a b").unwrap(), "contains a space");
        assert_eq!(charset_violation("a\\b").unwrap(), "contains a backslash");
        assert!(charset_violation("a\tb").unwrap().contains("U+0009"));
        assert!(charset_violation("某公司").unwrap().contains("non-ASCII"));
        assert_eq!(
            only(
                Some("AIGC"),
                &with("ContentProducer", "\"Minimax Agent AI\"")
            ),
            [(
                Check::Charset,
                Level::Warning,
                Some("ContentProducer".into())
            )]
        );
        assert_eq!(
            only(Some("AIGC"), &with("ProduceID", "\"编号1\"")),
            [(Check::Charset, Level::Warning, Some("ProduceID".into()))]
        );
        assert!(!has(GOOD, Check::Charset));
    }

    #[test]
    fn placeholder_providers() {
        for p in [
            "testProducer",
            "PRODUCER-001",
            "your-company",
            "example",
            "AI",
            "unknown",
        ] {
            assert_eq!(
                only(Some("AIGC"), &with("ContentProducer", &format!("\"{p}\""))),
                [(
                    Check::PlaceholderProvider,
                    Level::Warning,
                    Some("ContentProducer".into())
                )],
                "{p}"
            );
        }
        for name in ["AcmeImaging", "SHUBAO-CN", "Zhipu"] {
            assert_eq!(
                only(
                    Some("AIGC"),
                    &with("ContentProducer", &format!("\"{name}\""))
                ),
                [],
                "{name}"
            );
        }
    }

    #[test]
    fn placeholder_ids() {
        for id in ["test", "0000", "123456", "xxx-yyy", "ID"] {
            assert_eq!(
                only(Some("AIGC"), &with("ProduceID", &format!("\"{id}\""))),
                [(
                    Check::PlaceholderId,
                    Level::Warning,
                    Some("ProduceID".into())
                )],
                "{id}"
            );
        }
        assert!(!has(GOOD, Check::PlaceholderId));
    }

    #[test]
    fn provider_codes() {
        // Good codes: generation extension, or none.
        for code in ["001191110102MAD55U9H0F10002", "001191110102MAD55U9H0F00000"] {
            assert_eq!(
                only(
                    Some("AIGC"),
                    &with("ContentProducer", &format!("\"{code}\""))
                ),
                [],
                "{code}"
            );
        }
        // Check character wrong (F -> G).
        let c = check_text(
            Some("AIGC"),
            &with("ContentProducer", "\"001191110102MAD55U9H0G10002\""),
        );
        assert_eq!(
            checks(&c),
            [(
                Check::ProviderCodeChecksum,
                Level::Warning,
                Some("ContentProducer")
            )]
        );
        assert!(c.problems[0].message.contains("expected `F`"));
        // A letter credit codes never use (I).
        assert_eq!(
            only(
                Some("AIGC"),
                &with("ContentProducer", "\"001191110102MAD55U9I0F10002\"")
            )[0]
            .0,
            Check::ProviderCodeChecksum
        );
        // Extension naming propagation, used as the producer: a note.
        assert_eq!(
            only(
                Some("AIGC"),
                &with("ContentProducer", "\"001191110102MAD55U9H0F20002\"")
            ),
            [(
                Check::ProviderCodeRole,
                Level::Note,
                Some("ContentProducer".into())
            )]
        );
        // Extension starting with something other than 1 or 2.
        assert_eq!(
            only(
                Some("AIGC"),
                &with("ContentProducer", "\"001191110102MAD55U9H0F30002\"")
            )[0]
            .0,
            Check::ProviderCodeFormat
        );
        // Too short, and a bare credit code.
        assert_eq!(
            only(
                Some("AIGC"),
                &with("ContentProducer", "\"0011911101020002\"")
            )[0]
            .0,
            Check::ProviderCodeFormat
        );
        assert_eq!(
            only(
                Some("AIGC"),
                &with("ContentProducer", "\"91110102MAD55U9H0F\"")
            )[0]
            .0,
            Check::ProviderCodeFormat
        );
    }

    #[test]
    fn propagation_pairs() {
        let text = with("ContentPropagator", "\"001191110102MAD55U9H0F20001\"");
        assert_eq!(
            only(Some("AIGC"), &text),
            [(
                Check::PropagationIncomplete,
                Level::Warning,
                Some("PropagateID".into())
            )]
        );
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["PropagateID"] = "p-77".into();
        assert_eq!(only(Some("AIGC"), &v.to_string()), []);
        assert_eq!(
            only(Some("AIGC"), &with("PropagateID", "\"p-77\"")),
            [(
                Check::PropagationIncomplete,
                Level::Warning,
                Some("ContentPropagator".into())
            )]
        );
    }

    #[test]
    fn pairs_with_unknown_values_are_not_judged() {
        let pairs = vec![
            ("Label".to_owned(), ElementValue::String("1".into())),
            ("ContentProducer".to_owned(), ElementValue::Unknown),
            ("ProduceID".to_owned(), ElementValue::Unknown),
        ];
        assert_eq!(check_pairs(Some("AIGC"), false, &pairs), []);
        assert_eq!(check_pairs(None, true, &pairs), []);
        let bad = vec![
            ("Label".to_owned(), ElementValue::Unknown),
            (
                "ContentProducer".to_owned(),
                ElementValue::String(String::new()),
            ),
            ("produceID".to_owned(), ElementValue::Unknown),
        ];
        let found: Vec<Check> = check_pairs(Some("metadata"), false, &bad)
            .into_iter()
            .map(|p| p.check)
            .collect();
        assert_eq!(
            found,
            [
                Check::KeyWithoutAigc,
                Check::ElementNameCase,
                Check::MissingElement,
                Check::EmptyElement
            ]
        );
    }

    #[test]
    fn one_label_per_file() {
        let a = check_text(Some("AIGC"), GOOD);
        let b = check_text(None, &format!(r#"{{"AIGC":{GOOD}}}"#));
        let c = check_text(Some("AIGC"), &with("Label", "\"2\""));
        assert_eq!(check_single(&[&a]), None);
        assert_eq!(check_single(&[]), None);
        let same = check_single(&[&a, &b]).unwrap();
        assert_eq!(
            (same.check, same.level),
            (Check::DuplicateLabel, Level::Warning)
        );
        let differ = check_single(&[&a, &c]).unwrap();
        assert_eq!(
            (differ.check, differ.level),
            (Check::DuplicateLabel, Level::Error)
        );
    }

    #[test]
    fn label_lookalikes() {
        assert!(looks_like_label(Some("AIGC"), "anything"));
        assert!(looks_like_label(Some("aigc_info"), ""));
        assert!(looks_like_label(Some("Comment"), GOOD));
        assert!(looks_like_label(None, &format!(r#"{{"AIGC":{GOOD}}}"#)));
        assert!(looks_like_label(None, r#"{"label":"1"}"#));
        assert!(!looks_like_label(Some("Comment"), "made with AIGC tools"));
        assert!(!looks_like_label(
            Some("prompt"),
            r#"{"3":{"class_type":"KSampler"}}"#
        ));
        assert!(!looks_like_label(None, "{not json"));
    }

    #[test]
    fn deep_json_does_not_overflow() {
        let deep = "[".repeat(100_000);
        assert_eq!(only(Some("AIGC"), &deep)[0].0, Check::InvalidJson);
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(only(Some("AIGC"), &deep)[0].0, Check::NotAnObject);
    }

    #[test]
    fn check_ids_are_kebab_case_and_serialize_alike() {
        for c in [
            Check::InvalidJson,
            Check::KeyWithoutAigc,
            Check::DuplicateLabel,
        ] {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().into())
            );
        }
    }
}

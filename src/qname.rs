//! Qualified names: what a frontend resolves a callee, a base class or a
//! variable's type to, and what catalogue patterns match.
//!
//! The normal form, the same for every language: segments separated by
//! `.`, each a name followed by suffixes: `()` for "the result of calling
//! it" (for a class, an instance), `[]` for an element, `[n]` for element
//! `n` of a returned tuple. Suffixes never hold a `.`.
//!
//! - Python: `openai.OpenAI().chat.completions.create` (`client =
//!   OpenAI()` then `client.chat.completions.create`), `app.models.load()[1]`
//!   (the second value `load` returns), `__main__.handler` (a script's own
//!   function).
//! - Rust: `::` paths become `.`, and a value made by a call carries `()`:
//!   `async_openai.Client.new().chat().create`.
//!
//! Code outside the frontends takes names apart only through these methods.

use serde::{Deserialize, Serialize};
use ustr::Ustr;

/// An interned qualified name in the normal form above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QName(#[serde(with = "crate::interned")] Ustr);

/// One segment: a name and the suffixes after it (`()`, `()[]`, `[1]`, or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    pub name: &'a str,
    pub suffix: &'a str,
}

impl Segment<'_> {
    /// Called (or, for a class, instantiated) at least once: `OpenAI()`.
    pub fn is_instance(&self) -> bool {
        self.suffix.starts_with("()")
    }
}

impl QName {
    pub fn new(name: &str) -> QName {
        QName(name.into())
    }

    /// The name's text (interned: it lives as long as the process).
    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }

    /// Where the interned text lives: equal names have the same address
    /// and different names different ones, for the whole process (the
    /// interner frees nothing unless `ustr::_clear_cache` is called, which
    /// synthlint never does). A key that costs no hashing of the text.
    pub fn address(&self) -> usize {
        self.0.as_char_ptr() as usize
    }

    pub fn segments(&self) -> impl Iterator<Item = Segment<'_>> {
        self.as_str().split('.').map(|s| {
            let end = s.find(['(', '[']).unwrap_or(s.len());
            Segment {
                name: &s[..end],
                suffix: &s[end..],
            }
        })
    }

    /// The name of the first segment (`openai` of `openai.OpenAI()`, `load` of `load()[1]`).
    pub fn head(&self) -> &str {
        head(self.as_str())
    }

    /// The class a name is an instance of: `pkg.C` of `pkg.C()`.
    pub fn instance_of(&self) -> Option<&str> {
        instance_of(self.as_str())
    }

    /// Everything before the last segment, and the last segment as written
    /// (`("a.B()", "m")` of `a.B().m`); `None` for a single segment.
    pub fn split_last(&self) -> Option<(&str, &str)> {
        self.as_str().rsplit_once('.')
    }

    /// The name without the trailing `()` of its last segment: what was
    /// called (`a.B().m` of `a.B().m()`).
    pub fn callee(&self) -> &str {
        callee(self.as_str())
    }

    /// `(class, method)` when the name is a method of an instance:
    /// `("pkg.C", "run")` of `pkg.C().run`.
    pub fn instance_method(&self) -> Option<(&str, &str)> {
        let (instance, method) = self.as_str().rsplit_once("().")?;
        is_plain(method).then_some((instance, method))
    }

    /// Every split into a prefix and the rest, where a segment or its
    /// suffixes start (`a` / `.b()`, `a.b` / `()`), longest prefix last.
    pub fn splits(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> {
        let s = self.as_str();
        s.match_indices(['.', '('])
            .map(move |(i, _)| (&s[..i], &s[i..]))
    }

    /// This name with `tail` (in normal form: `.x`, `()`, `[1]`) appended.
    pub fn with_tail(&self, tail: &str) -> QName {
        QName::new(&format!("{}{tail}", self.as_str()))
    }

    /// `m` and what follows it when the name starts `prefix.m`: the
    /// method or attribute taken of an instance or module.
    pub fn after<'a>(&'a self, prefix: &str) -> Option<&'a str> {
        self.as_str().strip_prefix(prefix)?.strip_prefix('.')
    }
}

/// `Option<QName>` as `Option<&str>`, for matching catalogue patterns and
/// comparing with literal names.
pub trait OptionQName {
    fn as_name(&self) -> Option<&'static str>;
}

impl OptionQName for Option<QName> {
    fn as_name(&self) -> Option<&'static str> {
        self.as_ref().map(QName::as_str)
    }
}

// The same questions of a name in normal form given as text (a callee or
// decorator as written, which the frontends render in the same form).

/// `pkg.C` of `pkg.C()`.
pub fn instance_of(name: &str) -> Option<&str> {
    name.strip_suffix("()")
}

/// `a.B().m` of `a.B().m()`: the name without the last call.
pub fn callee(name: &str) -> &str {
    name.strip_suffix("()").unwrap_or(name)
}

/// The last segment's name without suffixes (`then` of `a.click().then()`).
pub fn last_name(name: &str) -> &str {
    let last = callee(name).rsplit('.').next().unwrap_or(name);
    let end = last.find(['(', '[']).unwrap_or(last.len());
    &last[..end]
}

/// A name with no suffixes or dots (`run`, not `run()` or `a.run`).
pub fn is_plain(name: &str) -> bool {
    !name.contains(['.', '(', '['])
}

/// `(method, rest)` when `tail` (text after a name in normal form) is
/// `.method()rest`: a method, called.
pub fn method_call(tail: &str) -> Option<(&str, &str)> {
    let (method, rest) = tail.strip_prefix('.')?.split_once("()")?;
    is_plain(method).then_some((method, rest))
}

/// `(n, rest)` when `tail` is `[n]rest`: element `n` of a returned tuple.
pub fn element(tail: &str) -> Option<(usize, &str)> {
    let (index, rest) = tail.strip_prefix('[')?.split_once(']')?;
    Some((index.parse().ok()?, rest))
}

/// The first segment's name of a dotted text (`a` of `a.b()`, all of `a`).
pub fn head(path: &str) -> &str {
    let end = path.find(['.', '(', '[']).unwrap_or(path.len());
    &path[..end]
}

impl From<Ustr> for QName {
    fn from(s: Ustr) -> QName {
        QName(s)
    }
}

impl From<&str> for QName {
    fn from(s: &str) -> QName {
        QName::new(s)
    }
}

impl From<String> for QName {
    fn from(s: String) -> QName {
        QName::new(&s)
    }
}

impl From<QName> for String {
    fn from(q: QName) -> String {
        q.as_str().to_string()
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::QName;

    #[test]
    fn segments_and_parts() {
        let q = QName::new("openai.OpenAI().chat.completions.create");
        let segs: Vec<(&str, &str)> = q.segments().map(|s| (s.name, s.suffix)).collect();
        assert_eq!(
            segs,
            [
                ("openai", ""),
                ("OpenAI", "()"),
                ("chat", ""),
                ("completions", ""),
                ("create", "")
            ]
        );
        assert!(q.segments().nth(1).unwrap().is_instance());
        assert_eq!(q.head(), "openai");
        assert_eq!(QName::new("load()[1]").head(), "load");
        assert_eq!(QName::new("pkg.C()").instance_of(), Some("pkg.C"));
        assert_eq!(
            QName::new("pkg.C().run").instance_method(),
            Some(("pkg.C", "run"))
        );
        assert_eq!(QName::new("pkg.C().a.run").instance_method(), None);
        assert_eq!(QName::new("a.B().m()").callee(), "a.B().m");
        let q = QName::new("a.b()");
        let splits: Vec<(&str, &str)> = q.splits().collect();
        assert_eq!(splits, [("a", ".b()"), ("a.b", "()")]);
    }
}

//! A [`RegexSet`] compiled on first use. The catalogue holds a few hundred
//! patterns in some sixty sets, and compiling them all (Unicode classes,
//! case folding) cost about 0.1 s of CPU on every run, however small the
//! tree; most runs consult only some of the sets (no recommender, no chat
//! front end, no copy stores). The patterns are still parsed when the
//! catalogue is built, so a bad pattern in the user's config is reported
//! then, with its key, as before (an unknown Unicode class, found only when
//! the set compiles, leaves that set empty with a message).
//!
//! [`LazyGlobSet`] and [`LazyRegex`] do the same for glob sets and single
//! regexes: the globs are parsed (so a bad one is still an error at load),
//! the set's regexes are compiled on first use.

use std::ops::Deref;
use std::sync::{LazyLock, OnceLock};

use globset::{GlobSet, GlobSetBuilder};
use regex::{Regex, RegexSet};

pub struct LazySet {
    patterns: Vec<String>,
    compiled: OnceLock<RegexSet>,
}

impl LazySet {
    /// Checks each pattern's syntax now; compiles the set on first use.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<LazySet, regex::Error> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.as_ref().to_string()).collect();
        for p in &patterns {
            // The syntax tree only: translating it (Unicode classes, case
            // folding) is most of a compile, and the catalogue's own
            // patterns are tested.
            regex_syntax::ast::parse::Parser::new()
                .parse(p)
                .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        }
        Ok(LazySet {
            patterns,
            compiled: OnceLock::new(),
        })
    }

    /// One pattern, for the places that held a single `Regex`.
    pub fn one(pattern: &str) -> Result<LazySet, regex::Error> {
        LazySet::new(&[pattern])
    }

    /// A set of patterns whose syntax was checked already (the union of
    /// other sets' patterns).
    pub(crate) fn checked(patterns: Vec<String>) -> LazySet {
        LazySet {
            patterns,
            compiled: OnceLock::new(),
        }
    }

    fn compiled(&self) -> &RegexSet {
        self.compiled.get_or_init(|| {
            // Syntax was checked in `new`; what is left is the compiled
            // size limit, which no catalogue pattern comes near. A set that
            // still fails matches nothing, and says so once.
            RegexSet::new(&self.patterns).unwrap_or_else(|e| {
                eprintln!(
                    "synthlint: a catalogue pattern set could not be compiled and is skipped: {e}"
                );
                RegexSet::empty()
            })
        })
    }
}

impl Deref for LazySet {
    type Target = RegexSet;

    fn deref(&self) -> &RegexSet {
        self.compiled()
    }
}

impl std::fmt::Debug for LazySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazySet")
            .field("patterns", &self.patterns)
            .field("compiled", &self.compiled.get().is_some())
            .finish()
    }
}

/// Checks `pattern` as `Regex::new` would (Unicode classes and all), with
/// its error, short of compiling it: for patterns from the user's
/// configuration, where a mistake must be reported at load.
pub fn check_fully(pattern: &str) -> Result<(), regex::Error> {
    regex_syntax::Parser::new()
        .parse(pattern)
        .map(drop)
        .map_err(|e| regex::Error::Syntax(e.to_string()))
}

/// A value built on first use, by a function that cannot fail (what could
/// fail was checked when the catalogue was built).
pub type Deferred<T> = LazyLock<T, Box<dyn FnOnce() -> T + Send>>;

/// `build`, run when the value is first used.
pub fn deferred<T>(build: impl FnOnce() -> T + Send + 'static) -> Deferred<T> {
    LazyLock::new(Box::new(build))
}

/// A [`GlobSet`] compiled on first use: its globs are parsed when the
/// catalogue is built (`compile_pattern` reports a bad one with its key),
/// the regexes behind them when a scan first asks the set. Most of the
/// catalogue's sets serve rules a scan may never reach (no taint source, no
/// media writer, no component of a user interface).
pub struct LazyGlobSet {
    globs: GlobSetBuilder,
    compiled: OnceLock<GlobSet>,
}

impl LazyGlobSet {
    /// The set of the globs added to `globs`, compiled on first use.
    pub fn new(globs: GlobSetBuilder) -> LazyGlobSet {
        LazyGlobSet {
            globs,
            compiled: OnceLock::new(),
        }
    }

    fn compiled(&self) -> &GlobSet {
        self.compiled.get_or_init(|| {
            // Every glob parsed; what is left is the compiled size limit,
            // which no catalogue pattern comes near.
            self.globs.build().unwrap_or_else(|e| {
                eprintln!(
                    "synthlint: a catalogue glob set could not be compiled and is skipped: {e}"
                );
                GlobSet::empty()
            })
        })
    }
}

impl Deref for LazyGlobSet {
    type Target = GlobSet;

    fn deref(&self) -> &GlobSet {
        self.compiled()
    }
}

impl std::fmt::Debug for LazyGlobSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyGlobSet")
            .field("globs", &self.globs)
            .field("compiled", &self.compiled.get().is_some())
            .finish()
    }
}

/// An empty class: the regex that matches nothing.
const NEVER: &str = r"[^\x00-\x{10FFFF}]";

/// One [`Regex`], its syntax checked now and compiled on first use.
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// Checks the pattern as `Regex::new` would, short of compiling it
    /// (single regexes are few: the whole check costs little).
    pub fn new(pattern: &str) -> Result<LazyRegex, regex::Error> {
        check_fully(pattern)?;
        Ok(LazyRegex {
            pattern: pattern.to_string(),
            compiled: OnceLock::new(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    fn compiled(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            Regex::new(&self.pattern).unwrap_or_else(|e| {
                eprintln!(
                    "synthlint: a catalogue pattern could not be compiled and is skipped: {e}"
                );
                Regex::new(NEVER).expect("the empty class compiles")
            })
        })
    }
}

impl Deref for LazyRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.compiled()
    }
}

impl std::fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyRegex")
            .field("pattern", &self.pattern)
            .field("compiled", &self.compiled.get().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_on_first_use_and_matches_like_the_set() {
        let set = LazySet::new(&[r"(?i)\bphone\b", "手机号"]).unwrap();
        assert!(set.compiled.get().is_none());
        assert!(set.is_match("Phone number"));
        assert!(set.compiled.get().is_some());
        assert!(set.is_match("请输入手机号"));
        assert!(!set.is_match("phones"));
        assert_eq!(set.matches("phone 手机号").iter().count(), 2);
    }

    #[test]
    fn a_bad_pattern_fails_at_build() {
        let err = LazySet::new(&["ok", "(unclosed"]).unwrap_err();
        assert!(err.to_string().contains("unclosed"), "{err}");
    }

    #[test]
    fn a_glob_set_compiles_on_first_use_and_matches_like_the_set() {
        let mut b = GlobSetBuilder::new();
        b.add(globset::Glob::new("**/*.yaml").unwrap());
        b.add(globset::Glob::new("charts/*").unwrap());
        let set = LazyGlobSet::new(b);
        assert!(set.compiled.get().is_none());
        assert!(set.is_match("a/b/values.yaml"));
        assert!(set.compiled.get().is_some());
        assert_eq!(set.matches("charts/values.yaml"), vec![0, 1]);
        assert!(!set.is_match("a/values.json"));
    }

    #[test]
    fn a_regex_compiles_on_first_use_and_a_bad_one_fails_at_build() {
        let re = LazyRegex::new(r"(?i)^ai\b").unwrap();
        assert!(re.compiled.get().is_none());
        assert!(re.is_match("AI generated"));
        assert!(re.compiled.get().is_some());
        assert!(!re.is_match("said"));
        let err = LazyRegex::new("(unclosed").unwrap_err();
        assert!(err.to_string().contains("unclosed"), "{err}");
    }

    /// A full check finds what only translation finds (an unknown Unicode
    /// class), with `Regex::new`'s own message.
    #[test]
    fn a_full_check_fails_as_regex_new_does() {
        for bad in [r"\p{NoSuchClass}", "(unclosed", "a{2,1}"] {
            let full = check_fully(bad).unwrap_err().to_string();
            assert_eq!(full, regex::Regex::new(bad).unwrap_err().to_string());
            assert_eq!(LazyRegex::new(bad).unwrap_err().to_string(), full);
        }
        assert!(check_fully(r"(?i)\bphone\b|手机号").is_ok());
        // The set checks syntax only: an unknown class parses.
        assert!(LazySet::new(&[r"\p{NoSuchClass}"]).is_ok());
    }

    #[test]
    fn the_fallback_matches_nothing() {
        let never = Regex::new(NEVER).unwrap();
        for text in ["", "a", "\n", "生成", "\u{10FFFF}"] {
            assert!(!never.is_match(text), "{text:?}");
        }
    }
}

//! A [`RegexSet`] compiled on first use. The catalogue holds a few hundred
//! patterns in some sixty sets, and compiling them all (Unicode classes,
//! case folding) cost about 0.1 s of CPU on every run, however small the
//! tree; most runs consult only some of the sets (no recommender, no chat
//! front end, no copy stores). The patterns are still parsed when the
//! catalogue is built, so a bad pattern in the user's config is reported
//! then, with its key, as before (an unknown Unicode class, found only when
//! the set compiles, leaves that set empty with a message).

use std::ops::Deref;
use std::sync::OnceLock;

use regex::RegexSet;

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
}

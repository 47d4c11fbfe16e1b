//! The first catalogue entry whose glob matches a callee, remembered per
//! callee. Every rule asks the catalogue about the same calls (is it a
//! generation API, a label writer, an HTTP client, a strip), and a glob set
//! runs its regexes each time: on diffusers that was about 4% of a cold
//! scan. Answers depend only on the name and the language, so they are
//! kept, in shards so that the threads seldom wait on one another.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::RwLock;

use globset::GlobSet;

use super::to_glob_path;
use crate::facts::Language;

const SHARDS: usize = 16;
/// Names remembered per shard and language; past it, answers are computed
/// each time (a bound on memory, not on correctness).
const SHARD_CAPACITY: usize = 8192;

type Shard = RwLock<HashMap<Box<str>, Option<u32>, foldhash::fast::FixedState>>;

/// A glob set over several entries' patterns, with the entry of each glob.
pub struct FirstMatch {
    set: GlobSet,
    /// Glob index → entry index.
    owner: Vec<usize>,
    /// Python's answers, then Rust's: the languages whose calls the
    /// catalogue is asked about in bulk.
    memo: [Vec<Shard>; 2],
}

impl FirstMatch {
    pub fn new(set: GlobSet, owner: Vec<usize>) -> FirstMatch {
        let shards = || (0..SHARDS).map(|_| RwLock::default()).collect();
        FirstMatch {
            set,
            owner,
            memo: [shards(), shards()],
        }
    }

    /// The lowest entry index with a glob matching `name` (of a file in
    /// `language`).
    pub fn first(&self, language: Language, name: &str) -> Option<usize> {
        if self.owner.is_empty() {
            return None;
        }
        let memo = match language {
            Language::Python => &self.memo[0],
            Language::Rust => &self.memo[1],
            _ => return self.compute(language, name),
        };
        let hasher = foldhash::fast::FixedState::default();
        let shard = &memo[hasher.hash_one(name) as usize % SHARDS];
        if let Some(known) = shard.read().ok().and_then(|m| m.get(name).copied()) {
            return known.map(|i| i as usize);
        }
        let found = self.compute(language, name);
        if let Ok(mut m) = shard.write()
            && m.len() < SHARD_CAPACITY
        {
            m.insert(name.into(), found.map(|i| i as u32));
        }
        found
    }

    /// Every entry with a glob matching `name`, in entry order (not
    /// remembered: few callers, on few names).
    pub fn all(&self, language: Language, name: &str) -> Vec<usize> {
        if self.owner.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<usize> = self
            .set
            .matches(to_glob_path(language, name))
            .into_iter()
            .map(|g| self.owner[g])
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn compute(&self, language: Language, name: &str) -> Option<usize> {
        self.set
            .matches(to_glob_path(language, name))
            .into_iter()
            .map(|g| self.owner[g])
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globset::GlobSetBuilder;

    fn index(patterns: &[(&str, usize)]) -> FirstMatch {
        let mut b = GlobSetBuilder::new();
        let mut owner = Vec::new();
        for (p, i) in patterns {
            b.add(super::super::compile_pattern(Language::Python, p).unwrap());
            owner.push(*i);
        }
        FirstMatch::new(b.build().unwrap(), owner)
    }

    #[test]
    fn remembered_answers_are_the_computed_ones() {
        let ix = index(&[("openai.*.create", 1), ("openai.chat.*", 0), ("torch.*", 2)]);
        for _ in 0..2 {
            assert_eq!(ix.first(Language::Python, "openai.chat.create"), Some(0));
            assert_eq!(ix.first(Language::Python, "openai.images.create"), Some(1));
            assert_eq!(ix.first(Language::Python, "requests.post"), None);
            // Same name, other language: its own answer.
            assert_eq!(ix.first(Language::Rust, "openai.chat.create"), None);
            assert_eq!(ix.first(Language::Yaml, "torch.load"), None);
        }
        let kept: usize = ix.memo[0].iter().map(|s| s.read().unwrap().len()).sum();
        assert_eq!(kept, 3);
    }
}

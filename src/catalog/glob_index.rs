//! The first catalogue entry whose glob matches a callee, remembered per
//! callee. Every rule asks the catalogue about the same calls (is it a
//! generation API, a label writer, an HTTP client, a strip), and a glob set
//! runs its regexes each time: on diffusers that was about 4% of a cold
//! scan. Answers depend only on the name and the language, so they are
//! kept, in shards so that the threads seldom wait on one another.
//!
//! Most globs start with a literal first segment (`openai.*`,
//! `torch.load`), and most names asked about start with one no glob names
//! (`self`, `np`, the project's own modules): such a name is turned away
//! by a look-up of its first segment, before the memo and the regexes.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{OnceLock, RwLock};

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::lazy_set::LazyGlobSet;
use super::to_glob_path;
use crate::facts::Language;

const SHARDS: usize = 16;
/// Names remembered per shard and language; past it, answers are computed
/// each time (a bound on memory, not on correctness).
const SHARD_CAPACITY: usize = 8192;

type Shard = RwLock<HashMap<Box<str>, Option<u32>, foldhash::fast::FixedState>>;

/// A glob set over several entries' patterns, with the entry of each glob.
pub struct FirstMatch {
    /// Every glob (asked only about names whose first segment is not spelt
    /// as in a glob path: compiled then).
    set: LazyGlobSet,
    /// Glob index → entry index.
    owner: Vec<usize>,
    /// The literal first segments of the globs that have one (the text
    /// between the language and the first `/` of the glob path), each with
    /// its place in `by_head`: a glob matches only names with that first
    /// segment.
    heads: HashMap<Box<str>, usize, foldhash::fast::FixedState>,
    /// Per first segment: its globs and the wild ones, in glob order.
    head_globs: Vec<Vec<Glob>>,
    head_owners: Vec<Vec<usize>>,
    /// Per first segment: those globs as a set, compiled when a name with
    /// that segment is first asked about (most lists have many heads and
    /// a scan meets few; `None` if the set does not build).
    by_head: Vec<OnceLock<Option<GlobSet>>>,
    /// The globs whose first segment is not literal (`{a,b}.x`, `*.f`),
    /// with their entries: the only ones a name of another first segment
    /// can match (compiled when such a name is first asked about).
    wild: LazyGlobSet,
    wild_owner: Vec<usize>,
    /// The literal last segments the wild globs allow
    /// (`**.{remove_watermark,strip_watermark}`), or `None` when some wild
    /// glob's last segment is not literal: a name of an unknown first
    /// segment whose last segment is none of these matches no glob.
    wild_tails: Option<HashSet<Box<str>, foldhash::fast::FixedState>>,
    /// Python's answers, then Rust's: the languages whose calls the
    /// catalogue is asked about in bulk.
    memo: [Vec<Shard>; 2],
}

/// The literal first segments a glob path allows (`python/openai/*` →
/// `openai`; `python/{flask,quart}/*` → `flask`, `quart`), or `None` when
/// its first segment holds other glob syntax.
fn literal_heads(glob: &str) -> Option<Vec<&str>> {
    const SYNTAX: [char; 7] = ['*', '?', '[', ']', '{', '}', '\\'];
    let rest = &glob[glob.find('/')? + 1..];
    let segment = &rest[..rest.find('/').unwrap_or(rest.len())];
    if !segment.contains(SYNTAX) {
        return Some(vec![segment]);
    }
    // One alternation of plain words, alone in the segment or before a
    // `/` inside an alternative (`{tkinter,tkinter/ttk}`).
    let inner = rest.strip_prefix('{')?;
    let close = inner.find('}')?;
    let after = &inner[close + 1..];
    let (alternatives, after) = (&inner[..close], after);
    if !(after.is_empty() || after.starts_with('/')) || alternatives.contains(SYNTAX) {
        return None;
    }
    Some(
        alternatives
            .split(',')
            .map(|a| &a[..a.find('/').unwrap_or(a.len())])
            .collect(),
    )
}

/// The literal last segments a glob path allows (`python/**/save` →
/// `save`; `python/**/{a,b}` → `a`, `b`), or `None` when its last segment
/// holds other glob syntax (`python/pkg/**`, `python/**/get_*`).
fn literal_tails(glob: &str) -> Option<Vec<&str>> {
    const SYNTAX: [char; 7] = ['*', '?', '[', ']', '{', '}', '\\'];
    let segment = &glob[glob.rfind('/')? + 1..];
    if !segment.contains(SYNTAX) {
        return Some(vec![segment]);
    }
    // One alternation of plain words, the whole segment. A `/` inside
    // braces leaves a `}` with no `{` here, which is refused.
    let alternatives = segment.strip_prefix('{')?.strip_suffix('}')?;
    if alternatives.contains(SYNTAX) {
        return None;
    }
    Some(alternatives.split(',').collect())
}

/// The last segment of `name` as it appears in its glob path (`.` is the
/// separator there), or `None` when that spelling differs from the name's
/// own text (a `/` in it).
fn name_tail(name: &str) -> Option<&str> {
    let tail = match memchr::memrchr(b'.', name.as_bytes()) {
        Some(i) => &name[i + 1..],
        None => name,
    };
    (!tail.contains('/')).then_some(tail)
}

/// The first segment of `name` as it appears in its glob path, or `None`
/// when that spelling differs from the name's own text (a `/` in it).
fn name_head(name: &str) -> Option<&str> {
    // One pass for both bytes: this runs for every name the catalogue is
    // asked about.
    match memchr::memchr2(b'.', b'/', name.as_bytes()) {
        Some(i) if name.as_bytes()[i] == b'/' => None,
        Some(i) => Some(&name[..i]),
        None => Some(name),
    }
}

impl std::fmt::Debug for FirstMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstMatch")
            .field("globs", &self.owner.len())
            .finish_non_exhaustive()
    }
}

impl FirstMatch {
    /// Index `globs`, each with its entry index. No regex is compiled
    /// here: the sets are built when first asked.
    pub fn new(globs: Vec<(Glob, usize)>) -> FirstMatch {
        let found: Vec<Option<Vec<Box<str>>>> = globs
            .iter()
            .map(|(g, _)| literal_heads(g.glob()).map(|h| h.into_iter().map(Box::from).collect()))
            .collect();
        let mut heads: HashMap<Box<str>, usize, foldhash::fast::FixedState> = HashMap::default();
        for head in found.iter().flatten().flatten() {
            let next = heads.len();
            heads.entry(head.clone()).or_insert(next);
        }
        let mut all = GlobSetBuilder::new();
        let mut wild = GlobSetBuilder::new();
        let mut owner = Vec::with_capacity(globs.len());
        let mut wild_owner = Vec::new();
        let mut wild_tails: Option<HashSet<Box<str>, foldhash::fast::FixedState>> =
            Some(HashSet::default());
        let mut head_globs: Vec<Vec<Glob>> = vec![Vec::new(); heads.len()];
        let mut head_owners: Vec<Vec<usize>> = vec![Vec::new(); heads.len()];
        for ((glob, entry), found) in globs.into_iter().zip(found) {
            match found {
                Some(found) => {
                    let mut places: Vec<usize> = found.iter().map(|h| heads[h]).collect();
                    places.sort_unstable();
                    places.dedup();
                    for place in places {
                        head_globs[place].push(glob.clone());
                        head_owners[place].push(entry);
                    }
                }
                None => {
                    // A wild glob may match a name of any first segment.
                    for (globs, owners) in head_globs.iter_mut().zip(&mut head_owners) {
                        globs.push(glob.clone());
                        owners.push(entry);
                    }
                    match (literal_tails(glob.glob()), &mut wild_tails) {
                        (Some(tails), Some(known)) => {
                            known.extend(tails.into_iter().map(Box::from))
                        }
                        _ => wild_tails = None,
                    }
                    wild.add(glob.clone());
                    wild_owner.push(entry);
                }
            }
            all.add(glob);
            owner.push(entry);
        }
        let shards = || (0..SHARDS).map(|_| RwLock::default()).collect();
        FirstMatch {
            set: LazyGlobSet::new(all),
            owner,
            heads,
            by_head: (0..head_globs.len()).map(|_| OnceLock::new()).collect(),
            head_globs,
            head_owners,
            wild: LazyGlobSet::new(wild),
            wild_owner,
            wild_tails,
            memo: [shards(), shards()],
        }
    }

    /// The globs that may match `name`: those of its first segment and the
    /// wild ones, only the wild ones when no literal segment is the name's,
    /// all of them when its segment is not spelt as in a glob path.
    fn candidates(&self, name: &str) -> (&GlobSet, &[usize]) {
        let Some(head) = name_head(name) else {
            return (&self.set, &self.owner);
        };
        let Some(&place) = self.heads.get(head) else {
            // Only the wild globs can match: most names end in a segment
            // none of them names.
            if !self.wild_owner.is_empty()
                && self
                    .wild_tails
                    .as_ref()
                    .zip(name_tail(name))
                    .is_some_and(|(tails, tail)| !tails.contains(tail))
            {
                return (&self.wild, &[]);
            }
            return (&self.wild, &self.wild_owner);
        };
        let set = self.by_head[place].get_or_init(|| {
            let mut b = GlobSetBuilder::new();
            for g in &self.head_globs[place] {
                b.add(g.clone());
            }
            b.build().ok()
        });
        match set {
            Some(set) => (set, &self.head_owners[place]),
            None => (&self.set, &self.owner),
        }
    }

    /// The lowest entry index with a glob matching `name` (of a file in
    /// `language`).
    pub fn first(&self, language: Language, name: &str) -> Option<usize> {
        let (set, owner) = self.candidates(name);
        if owner.is_empty() {
            return None;
        }
        let memo = match language {
            Language::Python => &self.memo[0],
            Language::Rust => &self.memo[1],
            _ => return Self::compute(set, owner, language, name),
        };
        let hasher = foldhash::fast::FixedState::default();
        let shard = &memo[hasher.hash_one(name) as usize % SHARDS];
        if let Some(known) = shard.read().ok().and_then(|m| m.get(name).copied()) {
            return known.map(|i| i as usize);
        }
        let found = Self::compute(set, owner, language, name);
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
        let (set, owner) = self.candidates(name);
        if owner.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<usize> = set
            .matches(to_glob_path(language, name))
            .into_iter()
            .map(|g| owner[g])
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn compute(set: &GlobSet, owner: &[usize], language: Language, name: &str) -> Option<usize> {
        set.matches(to_glob_path(language, name))
            .into_iter()
            .map(|g| owner[g])
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(patterns: &[(&str, usize)]) -> FirstMatch {
        let globs = patterns
            .iter()
            .map(|(p, i)| {
                (
                    super::super::compile_pattern(Language::Python, p).unwrap(),
                    *i,
                )
            })
            .collect();
        FirstMatch::new(globs)
    }

    /// The first-segment filter turns away only names no glob matches:
    /// answers equal a plain glob set's, for literal and wild heads.
    #[test]
    fn filtered_answers_are_the_glob_sets() {
        let patterns = [
            ("openai.*.create", 3),
            ("openai", 1),
            ("{torch,jax}.load", 2),
            ("{tk,tk.ttk}.Button", 8),
            ("{x,y}z.f", 9),
            ("*.generate", 4),
            ("**.save_pretrained", 0),
            ("pkg.sub.**", 5),
            ("a/b.c", 6),
            ("PIL.Image.open().save", 7),
        ];
        let ix = index(&patterns);
        let plain = {
            let mut b = GlobSetBuilder::new();
            for (p, _) in &patterns {
                b.add(super::super::compile_pattern(Language::Python, p).unwrap());
            }
            b.build().unwrap()
        };
        let names = [
            "openai.chat.create",
            "openai",
            "openai.x",
            "openaix.chat.create",
            "torch.load",
            "jax.load",
            "np.load",
            "model.generate",
            "x.y.generate",
            "x.save_pretrained",
            "save_pretrained",
            "pkg.sub.a.b",
            "pkg.sub",
            "pkg",
            "a/b.c",
            "a/b",
            "PIL.Image.open().save",
            "",
            ".",
            "self.f",
            "tk.Button",
            "tk.ttk.Button",
            "ttk.Button",
            "xz.f",
            "x.f",
            // A literal head's own set holds the wild globs too.
            "openai.generate",
            "torch.save_pretrained",
            "pkg.sub.generate",
            // Names of unknown first segments, by their last segment.
            "np.x.f",
            "np.f",
            "np.fx",
            "np.generate()",
            "np().generate",
            "np.a/generate",
            "np.a/b",
            "np.save_pretrained.x",
        ];
        for name in names {
            let mut expected: Vec<usize> = plain
                .matches(to_glob_path(Language::Python, name))
                .into_iter()
                .map(|g| patterns[g].1)
                .collect();
            expected.sort_unstable();
            expected.dedup();
            for _ in 0..2 {
                assert_eq!(ix.all(Language::Python, name), expected, "{name}");
                assert_eq!(
                    ix.first(Language::Python, name),
                    expected.first().copied(),
                    "{name}"
                );
            }
        }
        // Names no glob can match by their first segment are not kept.
        assert_eq!(ix.first(Language::Python, "np.load"), None);
        assert_eq!(literal_heads("python/np/load"), Some(vec!["np"]));
        assert_eq!(literal_heads("python/{a,b/c}/load"), Some(vec!["a", "b"]));
        assert_eq!(literal_heads("python/{a,b}x/load"), None);
        assert_eq!(literal_heads("python/{a,*}/load"), None);
        assert_eq!(literal_heads("python/**/load"), None);
        assert_eq!(literal_tails("python/**/load"), Some(vec!["load"]));
        assert_eq!(literal_tails("python/**/{a,b}"), Some(vec!["a", "b"]));
        assert_eq!(literal_tails("python/x/{a,b/c}"), None);
        assert_eq!(literal_tails("python/x/{a,b}c"), None);
        assert_eq!(literal_tails("python/pkg/**"), None);
        assert_eq!(literal_tails("python/**/get_*"), None);
        assert_eq!(name_tail("a.b.c"), Some("c"));
        assert_eq!(name_tail("a.b/c"), None);
    }

    /// A wild glob whose last segment is not literal turns the last-segment
    /// filter off: every name of an unknown first segment reaches the set.
    #[test]
    fn wild_tails_filter_only_literal_last_segments() {
        let ix = index(&[("**.{save,load}", 0), ("openai.*", 1)]);
        assert!(ix.wild_tails.is_some());
        assert_eq!(ix.first(Language::Python, "np.save"), Some(0));
        assert_eq!(ix.first(Language::Python, "np.x.load"), Some(0));
        assert_eq!(ix.first(Language::Python, "np.loads"), None);
        let ix = index(&[("**.{save,load}", 0), ("**.get_*", 1)]);
        assert!(ix.wild_tails.is_none());
        assert_eq!(ix.first(Language::Python, "np.get_x"), Some(1));
        assert_eq!(ix.first(Language::Python, "np.save"), Some(0));
    }

    #[test]
    fn names_of_unknown_heads_are_not_remembered() {
        let ix = index(&[("openai.*", 0)]);
        assert_eq!(ix.first(Language::Python, "torch.load"), None);
        assert_eq!(ix.first(Language::Python, "openai.x"), Some(0));
        let kept: usize = ix.memo[0].iter().map(|s| s.read().unwrap().len()).sum();
        assert_eq!(kept, 1);
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
        // `requests.post` was turned away by its first segment.
        assert_eq!(kept, 2);
    }
}

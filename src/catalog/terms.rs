//! A set of regular expressions with a literal prefilter: the markup
//! frontend matches every string of a page against the service terms, and
//! most strings match none. The full set (Unicode word boundaries, case
//! folding) is slow on such text, so a string first goes through one
//! Aho-Corasick pass over literals that every match must contain; only
//! strings that contain one reach the set.
//!
//! The literals are read from the patterns themselves (users extend the
//! terms), case-folded char by char on both sides ([`fold`]). A pattern
//! with no such literal (`\d+`, `.*x`) turns the prefilter off: the set then
//! sees every string, as before.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::lazy_set::{Deferred, LazySet, deferred};
use regex_syntax::hir::{Class, Hir, HirKind};

/// At most this many strings for one part or run, and literals in all.
const MAX_VARIANTS: usize = 256;
const MAX_LITERALS: usize = 4096;
/// A character class is read as literals only up to this many chars.
const MAX_CLASS_CHARS: usize = 8;

/// A [`regex::RegexSet`] whose `is_match` is the set's, sped up by a prefilter.
/// Both are built on first use (a scan with no markup never asks); the
/// patterns' syntax is checked by whoever builds the set.
#[derive(Debug)]
pub struct TermSet {
    pub set: LazySet,
    prefilter: Deferred<Option<Prefilter>>,
}

/// The literals every match contains, and which patterns need each. A
/// string that contains some literal is tried only against the patterns
/// that need a literal it contains, each on its own: the whole set falls
/// back to its slowest engine on text with non-ASCII letters (Unicode word
/// boundaries), a single pattern mostly does not, and most strings that
/// pass the prefilter contain the literals of one or two patterns.
#[derive(Debug)]
struct Prefilter {
    literals: AhoCorasick,
    /// By literal (the automaton's pattern id): the patterns that need it.
    needed_by: Vec<Vec<usize>>,
    /// Each pattern alone, compiled when a string first reaches it.
    patterns: Vec<(String, OnceLock<Regex>)>,
}

impl Prefilter {
    fn new(patterns: &[String]) -> Option<Prefilter> {
        let mut owners: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in patterns.iter().enumerate() {
            for lit in required_literals(std::slice::from_ref(p))? {
                owners.entry(lit).or_default().push(i);
            }
            if owners.len() > MAX_LITERALS {
                return None;
            }
        }
        let literals = AhoCorasick::new(owners.keys()).ok()?;
        Some(Prefilter {
            literals,
            needed_by: owners.into_values().collect(),
            patterns: patterns
                .iter()
                .map(|p| (p.clone(), OnceLock::new()))
                .collect(),
        })
    }

    /// Whether pattern `i` alone matches `text`; `None` if it does not
    /// compile alone (it did in the set, so it should).
    fn pattern_matches(&self, i: usize, text: &str) -> Option<bool> {
        let (pattern, regex) = &self.patterns[i];
        if let Some(r) = regex.get() {
            return Some(r.is_match(text));
        }
        let r = Regex::new(pattern).ok()?;
        Some(regex.get_or_init(|| r).is_match(text))
    }
}

impl TermSet {
    pub fn new(set: LazySet, patterns: &[String]) -> TermSet {
        let patterns = patterns.to_vec();
        TermSet {
            set,
            prefilter: deferred(move || Prefilter::new(&patterns)),
        }
    }

    /// Whether some pattern matches `text`: the set's answer. Every match of
    /// a pattern contains one of its literals, so the patterns whose
    /// literals `text` lacks cannot match.
    pub fn is_match(&self, text: &str) -> bool {
        let Some(pre) = &*self.prefilter else {
            return self.set.is_match(text);
        };
        let folded = fold_str(text);
        let mut tried: Vec<bool> = Vec::new();
        for found in pre.literals.find_overlapping_iter(folded.as_bytes()) {
            if tried.is_empty() {
                tried = vec![false; pre.patterns.len()];
            }
            for &i in &pre.needed_by[found.pattern().as_usize()] {
                if std::mem::replace(&mut tried[i], true) {
                    continue;
                }
                match pre.pattern_matches(i, text) {
                    Some(true) => return true,
                    Some(false) => {}
                    None => return self.set.is_match(text),
                }
            }
        }
        false
    }

    /// Whether strings are prefiltered.
    pub fn has_prefilter(&self) -> bool {
        self.prefilter.is_some()
    }
}

/// Which of several regexes may match a text, by the literals each needs:
/// one Aho-Corasick pass instead of a search per regex. The catalogue's
/// label markers run on every string literal of a project; most contain
/// none of their literals, and some markers' regexes have no literal
/// prefilter of their own (`(^|[^A-Za-z])AIGC…` is an alternation whose
/// first part is a class, so its engine scans every byte).
#[derive(Debug)]
pub struct LiteralFilter {
    /// The literals of the patterns that have some; `None` when none has.
    literals: Option<AhoCorasick>,
    /// By literal (the automaton's pattern id): the patterns that need it.
    needed_by: Vec<Vec<usize>>,
    /// Whether each pattern has no literal, so that it is tried on every text.
    always: Vec<bool>,
}

impl LiteralFilter {
    /// The filter of `patterns`, read with `regex`'s default syntax.
    pub fn new(patterns: &[String]) -> LiteralFilter {
        let mut owners: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut always = vec![false; patterns.len()];
        for (i, p) in patterns.iter().enumerate() {
            match required_literals(std::slice::from_ref(p)) {
                Some(lits) if owners.len() + lits.len() <= MAX_LITERALS => {
                    for lit in lits {
                        owners.entry(lit).or_default().push(i);
                    }
                }
                _ => always[i] = true,
            }
        }
        // Literals are folded, so an ASCII text matches them ASCII-case-
        // insensitively as its fold would ([`LiteralFilter::may_match`]).
        let literals = if owners.is_empty() {
            None
        } else {
            // A DFA: the fastest search per byte, and the literals are few.
            match AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(owners.keys())
            {
                Ok(ac) => Some(ac),
                Err(_) => {
                    always.iter_mut().for_each(|a| *a = true);
                    owners.clear();
                    None
                }
            }
        };
        LiteralFilter {
            literals,
            needed_by: owners.into_values().collect(),
            always,
        }
    }

    /// Which patterns may match `text`, by index: every match of a pattern
    /// contains one of its literals.
    pub fn may_match(&self, text: &str) -> Candidates {
        let mut out = Candidates::new(&self.always);
        let Some(ac) = &self.literals else {
            return out;
        };
        // A text whose only changes under the fold are ASCII letters' case
        // (all ASCII, or its other chars fold to themselves: `—`, `é`, CJK)
        // is matched as it is, the automaton ignoring ASCII case: no copy.
        let folded = if folds_as_ascii(text) {
            std::borrow::Cow::Borrowed(text)
        } else {
            fold_str(text)
        };
        for found in ac.find_overlapping_iter(folded.as_bytes()) {
            for &i in &self.needed_by[found.pattern().as_usize()] {
                out.insert(i);
            }
        }
        out
    }

    /// How many patterns the filter was built over.
    pub fn len(&self) -> usize {
        self.always.len()
    }

    pub fn is_empty(&self) -> bool {
        self.always.is_empty()
    }
}

/// The patterns a [`LiteralFilter`] lets through for one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    /// The first 64 patterns as bits, the rest (user patterns past 64) in
    /// a vector only when there are that many.
    low: u64,
    high: Vec<bool>,
}

impl Candidates {
    fn new(always: &[bool]) -> Candidates {
        let mut out = Candidates {
            low: 0,
            high: if always.len() > 64 {
                vec![false; always.len() - 64]
            } else {
                Vec::new()
            },
        };
        for (i, _) in always.iter().enumerate().filter(|(_, a)| **a) {
            out.insert(i);
        }
        out
    }

    fn insert(&mut self, i: usize) {
        match i.checked_sub(64) {
            None => self.low |= 1 << i,
            Some(j) => self.high[j] = true,
        }
    }

    /// Whether pattern `i` may match.
    pub fn contains(&self, i: usize) -> bool {
        match i.checked_sub(64) {
            None => self.low & (1 << i) != 0,
            Some(j) => self.high.get(j).copied().unwrap_or(false),
        }
    }

    /// Whether no pattern may match.
    pub fn is_empty(&self) -> bool {
        self.low == 0 && !self.high.contains(&true)
    }
}

/// The fold applied to literals and to the text: the lowercase of a
/// char's uppercase, where each is one char (so `ſ` and `s`, `K` and `k`
/// fold alike, as they match alike under `(?i)`), else the char. Being a
/// per-char map applied to both, a literal that occurs in a text occurs,
/// folded, in the folded text.
fn fold(c: char) -> char {
    fn one(mut it: impl Iterator<Item = char>) -> Option<char> {
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }
    let upper = one(c.to_uppercase()).unwrap_or(c);
    one(upper.to_lowercase()).unwrap_or(upper)
}

/// Whether [`fold_str`] changes `text` only in its ASCII letters' case:
/// each non-ASCII char (the only ones looked at) folds to itself.
fn folds_as_ascii(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.bytes().position(|b| !b.is_ascii()) {
        let Some(c) = rest[i..].chars().next() else {
            break;
        };
        if fold(c) != c {
            return false;
        }
        rest = &rest[i + c.len_utf8()..];
    }
    true
}

fn fold_str(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            text.to_ascii_lowercase().into()
        } else {
            text.into()
        }
    } else {
        text.chars().map(fold).collect::<String>().into()
    }
}

/// Folded literals such that every match of every pattern contains one;
/// `None` when some pattern has none (or they are too many).
fn required_literals(patterns: &[String]) -> Option<Vec<String>> {
    let mut all: Vec<String> = Vec::new();
    for p in patterns {
        let hir = regex_syntax::ParserBuilder::new().build().parse(p).ok()?;
        all.extend(required(&hir)?);
        if all.len() > MAX_LITERALS {
            return None;
        }
    }
    all.sort();
    all.dedup();
    Some(all)
}

/// Literals one of which every match of `hir` contains (never empty ones).
fn required(hir: &Hir) -> Option<Vec<String>> {
    if let Some(all) = exact(hir) {
        return all.iter().all(|s| !s.is_empty()).then_some(all);
    }
    match hir.kind() {
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for alt in alts {
                out.extend(required(alt)?);
                if out.len() > MAX_LITERALS {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(parts) => concat_required(parts),
        _ => None,
    }
}

/// Every string `hir` matches, folded, when they are few (`chat[-_ ]?box`:
/// 4); zero-width assertions match the empty string.
fn exact(hir: &Hir) -> Option<Vec<String>> {
    let out = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![
            std::str::from_utf8(&lit.0)
                .ok()?
                .chars()
                .map(fold)
                .collect(),
        ],
        HirKind::Class(class) => class_chars(class)?.into_iter().map(String::from).collect(),
        HirKind::Capture(cap) => exact(&cap.sub)?,
        HirKind::Repetition(rep) => {
            // `x?` and `x{0,2}`: each count, joined.
            let max = rep.max?;
            if max > 4 {
                return None;
            }
            let one = exact(&rep.sub)?;
            let mut out = Vec::new();
            let mut level = vec![String::new()];
            for n in 0..=max {
                if n >= rep.min {
                    out.extend(level.iter().cloned());
                }
                if n < max {
                    level = product(&level, &one)?;
                }
            }
            out
        }
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for alt in alts {
                out.extend(exact(alt)?);
            }
            out
        }
        HirKind::Concat(parts) => {
            let mut out = vec![String::new()];
            for part in parts {
                out = product(&out, &exact(part)?)?;
            }
            out
        }
    };
    dedup(out)
}

/// Each of `a` followed by each of `b`, while they are few.
fn product(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() * b.len() > MAX_VARIANTS {
        return None;
    }
    dedup(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
            .collect(),
    )
}

fn dedup(mut v: Vec<String>) -> Option<Vec<String>> {
    v.sort_unstable();
    v.dedup();
    (v.len() <= MAX_VARIANTS).then_some(v)
}

/// In a sequence, any part's literals will do, and so will a run of
/// adjacent parts with few strings joined (zero-width assertions between
/// them match nothing): keep the candidate whose shortest literal is
/// longest.
fn concat_required(parts: &[Hir]) -> Option<Vec<String>> {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    let mut run: Vec<String> = vec![String::new()];
    let close = |run: &mut Vec<String>, candidates: &mut Vec<Vec<String>>| {
        let done = std::mem::replace(run, vec![String::new()]);
        if done.iter().all(|s| !s.is_empty()) {
            candidates.push(done);
        }
    };
    for part in parts {
        if let Some(strings) = exact(part) {
            match product(&run, &strings) {
                Some(joined) => run = joined,
                None => {
                    close(&mut run, &mut candidates);
                    run = strings;
                }
            }
            continue;
        }
        close(&mut run, &mut candidates);
        if let Some(lits) = required(part) {
            candidates.push(lits);
        }
    }
    close(&mut run, &mut candidates);
    candidates.into_iter().max_by_key(|lits| {
        let shortest = lits.iter().map(String::len).min().unwrap_or(0);
        (shortest, std::cmp::Reverse(lits.len()))
    })
}

/// The folded chars of a small class, deduplicated.
fn class_chars(class: &Class) -> Option<Vec<char>> {
    let mut out: Vec<char> = Vec::new();
    match class {
        Class::Unicode(u) => {
            for r in u.iter() {
                let n = (r.end() as u32 - r.start() as u32 + 1) as usize;
                if out.len() + n > MAX_CLASS_CHARS {
                    return None;
                }
                out.extend((r.start()..=r.end()).map(fold));
            }
        }
        Class::Bytes(b) => {
            for r in b.iter() {
                // Only ASCII bytes are whole chars of a `&str` haystack.
                if r.end() > 0x7f {
                    return None;
                }
                let n = (r.end() - r.start()) as usize + 1;
                if out.len() + n > MAX_CLASS_CHARS {
                    return None;
                }
                out.extend((r.start()..=r.end()).map(|b| fold(b as char)));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(&[p.to_string()])
    }

    #[test]
    fn literals_of_patterns() {
        assert_eq!(lits("举报").unwrap(), ["举报"]);
        assert_eq!(lits(r"(?i)\bfeedback\b").unwrap(), ["feedback"]);
        assert_eq!(
            lits(r"(?i)\bcontact (us|support)\b").unwrap(),
            ["contact support", "contact us"]
        );
        assert_eq!(
            lits(r"(?i)\b(AI|models?) (can|may) (produce|generate)\b")
                .unwrap()
                .len(),
            3 * 2 * 2
        );
        assert_eq!(lits(r"^mailto:").unwrap(), ["mailto:"]);
        assert_eq!(lits(r"(?i)(kids?|teen)[-_]?mode").unwrap().len(), 9);
        assert_eq!(lits(r"(?i)^chat(bot)?$").unwrap(), ["chat", "chatbot"]);
        assert_eq!(lits(r"网信算备\s*\d{21}\s*号").unwrap(), ["网信算备"]);
        assert_eq!(
            lits(r"[A-Z][A-Za-z]+-[A-Za-z0-9]+-20\d{6}S\d{4}").unwrap(),
            ["-20"]
        );
        assert_eq!(lits(r"(?i)(^|[^a-z])dob([^a-z]|$)").unwrap(), ["dob"]);
        // Nothing every match must contain: no prefilter at all.
        assert_eq!(lits(r"\d{4}"), None);
        assert_eq!(lits(r"(?i)x?"), None);
        assert_eq!(required_literals(&["abc".into(), r"\w+".into()]), None);
    }

    /// Trying only the patterns whose literals a string contains gives the
    /// set's answer, on text where the set's fast engine gives up
    /// (non-ASCII letters beside a term, where a Unicode word boundary is
    /// none) as on plain text.
    #[test]
    fn candidate_patterns_agree_with_the_set() {
        let c = crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        let terms = &c.service.shown_terms;
        for t in [
            "feedback",
            "feedbacké",
            "éfeedback",
            "é feedback",
            "피드백 feedback을 보내주세요",
            "피드백feedback",
            "contact us 문의",
            "contact usß",
            "Kids Mode für Kinder",
            "kidsmodeé",
            "chat",
            "chatbot",
            "a chat here",
            "dob",
            "adobe",
            "未成年人模式",
            "网信算备110108823483901230011号",
            "Große Modelle können Fehler machen: AI can make mistakes",
            "AI-generated",
            "AIgenerated",
            "Ünder 18",
            "",
        ] {
            assert_eq!(terms.is_match(t), terms.set.is_match(t), "{t}");
        }
    }

    /// The label markers' filter never turns away a string a marker's
    /// regex matches, in any case or script, and turns away plain text.
    #[test]
    fn literal_filter_keeps_every_marker_match() {
        let c = crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        let patterns: Vec<String> = c.label_strings.iter().map(|l| l.regex.clone()).collect();
        let filter = LiteralFilter::new(&patterns);
        assert_eq!(filter.len(), patterns.len());
        let regexes: Vec<Regex> = patterns.iter().map(|p| Regex::new(p).unwrap()).collect();
        let texts = [
            "AIGC",
            "x-AIGC-label",
            "TC260:AIGC",
            "aigc",
            "AIGCX",
            "use_metadata_tags",
            "-movflags use_metadata_tags",
            "drawtext=text='AI'",
            "DRAWTEXT=",
            "AI-generated",
            "ai generated image",
            "AI\u{2011}generated",
            "Generated by AI",
            "generated with an artificial intelligence",
            "GENERATED USING A AI",
            "synthesised by AI",
            "Synthesized by ai",
            "ſynthesized by AI",
            "由人工智能生成",
            "AI 辅助 合成",
            "ＡＩ生成",
            "ａｉ生成",
            "本内容由AI生成",
            "Plain words",
            "",
            "été",
        ];
        for t in texts {
            let candidates = filter.may_match(t);
            for (i, re) in regexes.iter().enumerate() {
                if re.is_match(t) {
                    assert!(candidates.contains(i), "{t}: `{}` dropped", patterns[i]);
                }
            }
        }
        assert!(filter.may_match("Plain words").is_empty());
        assert!(filter.may_match("").is_empty());
        assert!(!filter.may_match("an AIGC key").is_empty());
    }

    /// Texts are matched unfolded exactly when folding changes only their
    /// ASCII letters' case.
    #[test]
    fn folds_as_ascii_when_only_ascii_case_changes() {
        for (t, plain) in [
            ("", true),
            ("AI Generated", true),
            ("é — 生成", true),
            ("É", false),
            ("ſynthesized", false),
            ("\u{212A}ids", false),
            ("ＡＩ生成", false),
            ("ａｉ生成", true),
        ] {
            assert_eq!(folds_as_ascii(t), plain, "{t}");
            if plain {
                assert_eq!(fold_str(t).as_ref(), t.to_ascii_lowercase(), "{t}");
            }
        }
    }

    /// Patterns with no literal are tried on every text; past 64 patterns
    /// the candidates still name each one.
    #[test]
    fn literal_filter_candidates() {
        let mut patterns: Vec<String> = (0..70).map(|i| format!("word{i}x")).collect();
        patterns.push(r"\d+".into());
        let filter = LiteralFilter::new(&patterns);
        let c = filter.may_match("a WORD3X and word68x");
        let found: Vec<usize> = (0..patterns.len()).filter(|&i| c.contains(i)).collect();
        assert_eq!(found, [3, 68, 70]);
        let c = filter.may_match("nothing");
        assert!(!c.is_empty());
        assert!(c.contains(70) && !c.contains(0) && !c.contains(71));
        let none = LiteralFilter::new(&["abc".into()]);
        assert!(none.may_match("xyz").is_empty());
        assert!(none.may_match("xABCx").contains(0));
    }

    /// The literals of the built-in terms, to read (`--ignored --nocapture`):
    /// a short common word here lets many strings through to the set.
    #[test]
    #[ignore]
    fn print_builtin_literals() {
        let c = crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        for p in &c.service.shown_patterns {
            let lits = required_literals(std::slice::from_ref(p)).unwrap();
            println!("{p}: {}", lits.join(" | "));
        }
    }

    /// The prefilter never drops a string the set matches: the built-in
    /// terms against strings that match them, in other cases and scripts.
    #[test]
    fn prefilter_keeps_every_match() {
        let c = crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        let terms = &c.service.shown_terms;
        assert!(terms.has_prefilter());
        let texts = [
            "网信算备110108823483901230011号",
            "上线编号：Beijing-WenXin-20230821S0001",
            "网信算备{{}}号",
            "上线编号 XXXX",
            "请联系我们",
            "REPORT ABUSE here",
            "Send us FeedBack.",
            "Our Complaints policy",
            "CONTACT SUPPORT",
            "mailto:x@y.z",
            "/Reports/",
            "AI-Generated content",
            "This is an AI ChatBot",
            "Large Language Models can make mistakes",
            "You are chatting with an AI",
            "由AI生成",
            "chat-box",
            "ChatWindow",
            "Chatbot",
            "未成年人模式",
            "Minor Protection",
            "Kids Mode",
            "AGE-GATE",
            "Date of Birth",
            "DOB:",
            "isMinor",
            "UNDER 18",
            "Parental Control",
            "18 years old",
            // Unicode case folding: the Kelvin sign folds to k.
            "\u{212A}ids mode",
            "FEEDBAC\u{212A}",
            "Contact ſupport",
        ];
        for t in texts {
            assert!(terms.set.is_match(t), "{t}: the set should match");
            assert!(terms.is_match(t), "{t}: dropped by the prefilter");
        }
        for t in [
            "Plain words",
            "Welcome to the docs",
            "Installation",
            "été",
            "",
        ] {
            assert!(!terms.is_match(t), "{t}");
        }
    }
}

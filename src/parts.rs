//! Per-file parts (issue 19, target 4, stage 1; docs/performance.md): what
//! a per-file unit of work found in one file, kept in the cache so that a
//! run after an edit computes it again only for the files the edit reaches.
//!
//! A unit is one rule over one file (`PerFile`: LBL004, LBL005, LBL007,
//! MOD001, LOG001), or the analyses' evidence in one file that reads only
//! that file and the catalogue ([`FileEvidence`]: label evidence, whether a
//! call may be a request to the project's own services, the calls that
//! register a class; no look-up into other files), or a *site unit*: the
//! file has no generation site and no inferred candidate and read no URL,
//! found under the class table's digest (`generation::class_table_digest`,
//! stored with it: [`Parts::no_sites`]). Its part is stored under a key over
//! - the file's *indexed key*: its facts digest, path and module name, the
//!   import plan and the cross-module rewrites `Project::build` applied to it
//!   (`analysis::Applied`), which together give its facts as the index
//!   holds them. Files whose frontend rearranges them from other files
//!   (Rust's `arrange`: crate names, the module tree) and files without a
//!   digest have no indexed key, and their units are always computed;
//! - the unit's kind (the rule's code; the evidence has a list of its own);
//! - the settings and catalogue material (`Settings::result_key_material`,
//!   which holds `[catalog]`) and this module's format; the build itself is
//!   in the cache's key directory and the seal.
//!
//! A part holds the findings as the rule made them (paths and byte spans,
//! never file indexes or counters over the project) and the look-ups into
//! other files the unit made (question and answer, misses included). It is
//! reused only when its key matches and every look-up, asked again of this
//! run's project, gives the same answer; else the unit runs. The findings of
//! a rule are its units' findings in file order, which is the order the
//! rule gives them in a run without parts, so reports are byte-identical.
//!
//! The parts sit in one file of the facts cache's key directory
//! (`<key>/parts`), sealed like every entry (`FactsCache::get_parts`): a
//! damaged, forged or other build's file is ignored. A run that computed a
//! unit writes the parts it used (reused or computed), so the file holds
//! one run's parts.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analysis::{FastMap, Project, Reader};
use crate::cache::{FactsCache, FactsDigest};
use crate::facts::{FileFacts, Language};
use crate::finding::Finding;
use crate::rules::Context;

/// Bump when a part's layout or a unit's meaning changes.
const FORMAT: &[u8] = b"synthlint-parts-v3";

/// Key of one part: the file's indexed key and the unit's kind (its
/// rule's code, 6 bytes). The settings material is the parts file's,
/// checked once for all of them.
pub type PartKey = ([u8; 32], [u8; 6]);

/// A cross-file look-up a unit made: the question (prefixed with its kind,
/// `tfvar:name`) and the answer it got (`None`: nothing found).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lookup {
    pub question: String,
    pub answer: Option<String>,
}

/// What the analyses' first pass (`analysis::perfile::parts`) finds in
/// one file reading nothing but the file's indexed facts and the catalogue:
/// no look-up into another file, so the indexed key is the whole question.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileEvidence {
    /// Label API calls, then marker strings, in the file's order.
    pub labels: Vec<StoredLabel>,
    /// Whether a call may be a request to one of the project's own
    /// services (`hops::file_may_hop`).
    pub may_hop: bool,
    /// Calls whose callee a class entry's registration names: (call,
    /// entry) (`entrypoints::class_registration_calls`; the class each
    /// registers is read across files, every run).
    pub class_registration_calls: Vec<(u32, u32)>,
}

impl FileEvidence {
    fn is_empty(&self) -> bool {
        self.labels.is_empty() && !self.may_hop && self.class_registration_calls.is_empty()
    }
}

/// A label evidence as stored: where it is in its file and what it is,
/// without the file's index in the project (which a new file moves).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLabel {
    pub scope: Option<String>,
    pub pos: u32,
    pub kind: crate::catalog::labels::LabelKind,
    pub content: Vec<crate::catalog::ContentType>,
    pub id: String,
    pub carrier: crate::catalog::labels::Carrier,
    pub span: crate::source::Span,
}

/// What one unit found in one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Unit {
    pub findings: Vec<Finding>,
    pub lookups: Vec<Lookup>,
}

/// A rule whose findings in a file depend on that file's indexed facts,
/// the catalogue and the settings, plus look-ups it records. Its units run
/// in the rules' per-file phase (`rules::per_file`), each file read once for
/// every such rule.
pub trait PerFile: Sync {
    /// The rule's per-file part for this run: what it works out once
    /// (compiled patterns, project tables, memos shared by the threads),
    /// ready to check one file at a time on any thread.
    fn prepare<'c>(&'c self, cx: &'c Context<'_>) -> Box<dyn FileCheck + 'c>;

    /// The answers this run's project gives to recorded questions, in
    /// order. Rules that record none never get asked.
    fn answers(&self, cx: &Context<'_>, questions: &[&str]) -> Vec<Option<String>> {
        let _ = cx;
        vec![None; questions.len()]
    }
}

/// One run's per-file part of a rule ([`PerFile::prepare`]).
pub trait FileCheck: Sync {
    /// The unit of file `fi`, whose facts are `file`: its findings in the
    /// order the rule gives them, and the look-ups it made into other files.
    fn check(&self, fi: usize, file: &FileFacts) -> Unit;
}

impl Unit {
    /// Nothing found and nothing asked (no allocation).
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.lookups.is_empty()
    }
}

/// A `PerFile` rule's whole check on its own, one loop over every file
/// under `by` (the rules' per-file phase runs them all together instead).
pub fn check_all(rule: &dyn PerFile, cx: &Context<'_>, by: Reader, out: &mut Vec<Finding>) {
    let check = rule.prepare(cx);
    for (fi, file) in cx.project.each_file(by) {
        out.extend(check.check(fi, &file).findings);
    }
}

/// Which units of one rule a run computes: the files without a stored part
/// whose look-ups still get their answers ([`Parts::plan`]).
pub struct Plan<'p> {
    keys: Vec<Option<PartKey>>,
    stored: Vec<Option<&'p Unit>>,
}

impl Plan<'_> {
    /// Whether file `fi`'s unit is to be computed.
    pub fn computes(&self, fi: usize) -> bool {
        self.stored[fi].is_none()
    }
}

/// The parts of one run: the stored ones, and those this run used.
pub struct Parts {
    /// Per file (project order): its indexed key, `None` when its units
    /// are not cached.
    indexed: Vec<Option<[u8; 32]>>,
    /// Digest of the settings material and [`FORMAT`].
    material: [u8; 32],
    /// The parts the last run stored.
    old: FastMap<PartKey, Unit>,
    /// The parts this run used, reused or computed, to store.
    used: Mutex<Vec<(PartKey, Unit)>>,
    reused: AtomicUsize,
    computed: AtomicUsize,
    /// The evidence units the last run stored, by indexed key.
    old_evidence: FastMap<[u8; 32], FileEvidence>,
    /// The evidence units this run used, to store.
    used_evidence: Mutex<Vec<([u8; 32], FileEvidence)>>,
    evidence_reused: AtomicUsize,
    evidence_computed: AtomicUsize,
    /// The files the last run found no generation site nor candidate in
    /// (a *site unit*, [`Parts::no_sites`]): indexed key → the class
    /// table's digest it was found under.
    old_no_sites: FastMap<[u8; 32], [u8; 32]>,
    /// The site units this run found or reused, to store.
    used_no_sites: Mutex<Vec<([u8; 32], [u8; 32])>>,
    sites_reused: AtomicUsize,
    sites_computed: AtomicUsize,
    /// Site units found this run rather than reused.
    sites_new: AtomicUsize,
}

impl Parts {
    /// This run's indexed keys, from the files' facts digests (by path),
    /// and the parts stored in `cache`.
    pub fn load(
        cache: &FactsCache,
        project: &Project,
        digests: &FastMap<&str, FactsDigest>,
        material: &[u8],
    ) -> Parts {
        let mut h = Sha256::new();
        h.update(FORMAT);
        h.update((material.len() as u64).to_le_bytes());
        h.update(material);
        let material: [u8; 32] = h.finalize().into();
        // From the files' summaries: no file's facts are read.
        let indexed = project
            .applied()
            .iter()
            .enumerate()
            .map(|(fi, applied)| {
                if project.language(fi) == Language::Rust {
                    return None;
                }
                let path = project.path(fi);
                let digest = digests.get(path)?;
                Some(indexed_key(
                    digest,
                    path,
                    project.module(fi),
                    &applied.plan,
                    &applied.rewrites,
                ))
            })
            .collect();
        let (old, old_evidence, old_no_sites) = cache
            .get_parts()
            .and_then(|b| decode(&b, &material))
            .unwrap_or_default();
        Parts {
            indexed,
            material,
            old,
            used: Mutex::default(),
            reused: AtomicUsize::new(0),
            computed: AtomicUsize::new(0),
            old_evidence,
            used_evidence: Mutex::default(),
            evidence_reused: AtomicUsize::new(0),
            evidence_computed: AtomicUsize::new(0),
            old_no_sites,
            used_no_sites: Mutex::default(),
            sites_reused: AtomicUsize::new(0),
            sites_computed: AtomicUsize::new(0),
            sites_new: AtomicUsize::new(0),
        }
    }

    /// Parts reused and computed so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.reused.load(Ordering::Relaxed),
            self.computed.load(Ordering::Relaxed),
        )
    }

    /// Evidence units reused and computed so far.
    pub fn evidence_counts(&self) -> (usize, usize) {
        (
            self.evidence_reused.load(Ordering::Relaxed),
            self.evidence_computed.load(Ordering::Relaxed),
        )
    }

    /// File `fi`'s evidence unit: the stored one when its indexed key has
    /// one (it records no look-up: nothing to ask again), else
    /// `compute()`'s. Kept to store either way; from any thread.
    pub fn evidence(&self, fi: usize, compute: impl FnOnce() -> FileEvidence) -> FileEvidence {
        let key = self.indexed.get(fi).copied().flatten();
        let evidence = match key.and_then(|k| self.old_evidence.get(&k)) {
            Some(stored) => {
                self.evidence_reused.fetch_add(1, Ordering::Relaxed);
                stored.clone()
            }
            None => {
                self.evidence_computed.fetch_add(1, Ordering::Relaxed);
                compute()
            }
        };
        if let Some(key) = key {
            self.used_evidence
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((key, evidence.clone()));
        }
        evidence
    }

    /// Site units reused and files whose sites were computed so far.
    pub fn site_counts(&self) -> (usize, usize) {
        (
            self.sites_reused.load(Ordering::Relaxed),
            self.sites_computed.load(Ordering::Relaxed),
        )
    }

    /// Whether the last run found no generation site nor candidate in file
    /// `fi`, reading no URL, under the class table `table`
    /// (`generation::class_table_digest`): then, with the same indexed key
    /// and table, only the run-time alternatives and the functions passed
    /// as values can give it one (`generation::may_find_beyond_unit`).
    pub fn no_sites(&self, fi: usize, table: &[u8; 32]) -> bool {
        let key = self.indexed.get(fi).copied().flatten();
        key.and_then(|k| self.old_no_sites.get(&k)) == Some(table)
    }

    /// Counts file `fi`'s sites as taken from its unit (`reused`) or
    /// computed, and keeps its unit to store when it has none (`empty`:
    /// no site, no candidate, no URL read). From any thread.
    pub fn note_sites(&self, fi: usize, table: &[u8; 32], reused: bool, empty: bool) {
        let counter = if reused {
            &self.sites_reused
        } else {
            &self.sites_computed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let Some(key) = self.indexed.get(fi).copied().flatten() else {
            return;
        };
        if !empty {
            return;
        }
        if !reused {
            self.sites_new.fetch_add(1, Ordering::Relaxed);
        }
        self.used_no_sites
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((key, *table));
    }

    fn part_key(&self, fi: usize, code: &str) -> Option<PartKey> {
        let indexed = self.indexed.get(fi).copied().flatten()?;
        Some((indexed, code.as_bytes().try_into().ok()?))
    }

    /// Which of `rule`'s units this run computes: stored parts whose
    /// look-ups still get their answers are reused, the others computed.
    pub fn plan(&self, rule: &dyn PerFile, code: &str, cx: &Context<'_>) -> Plan<'_> {
        let n = cx.project.file_count();
        let keys: Vec<Option<PartKey>> = (0..n).map(|fi| self.part_key(fi, code)).collect();
        let mut stored: Vec<Option<&Unit>> = keys
            .iter()
            .map(|k| k.as_ref().and_then(|k| self.old.get(k)))
            .collect();
        // Every recorded look-up asked again, in one batch.
        let questions: Vec<&str> = stored
            .iter()
            .flatten()
            .flat_map(|u| u.lookups.iter().map(|l| l.question.as_str()))
            .collect();
        if !questions.is_empty() {
            keep_answered(&mut stored, rule.answers(cx, &questions));
        }
        Plan { keys, stored }
    }

    /// The rule's findings over every file, in file order: `plan`'s stored
    /// units and, for the files it computes, `computed(fi)`'s.
    pub fn finish(&self, plan: Plan<'_>, mut computed: impl FnMut(usize) -> Unit) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut used = Vec::new();
        let (mut reused, mut fresh) = (0, 0);
        for (fi, slot) in plan.stored.into_iter().enumerate() {
            let unit = match slot {
                Some(unit) => {
                    reused += 1;
                    unit.clone()
                }
                None => {
                    fresh += 1;
                    computed(fi)
                }
            };
            findings.extend(unit.findings.iter().cloned());
            if let Some(key) = plan.keys[fi] {
                used.push((key, unit));
            }
        }
        self.reused.fetch_add(reused, Ordering::Relaxed);
        self.computed.fetch_add(fresh, Ordering::Relaxed);
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(used);
        findings
    }

    /// Store the parts this run used, unless they are the stored ones.
    pub fn store(self, cache: &FactsCache) {
        let (reused, computed) = self.counts();
        let (evidence_reused, evidence_computed) = self.evidence_counts();
        let mut used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut evidence = self
            .used_evidence
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let mut no_sites = self
            .used_no_sites
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        // Files with sites are computed every run and store nothing: the
        // site units are the stored ones when every one was reused.
        let sites_same = self.sites_new.load(Ordering::Relaxed) == 0
            && self.sites_reused.load(Ordering::Relaxed) == self.old_no_sites.len();
        if computed == 0
            && reused == self.old.len()
            && evidence_computed == 0
            && evidence_reused == self.old_evidence.len()
            && sites_same
        {
            return;
        }
        used.sort_unstable_by_key(|(k, _)| *k);
        used.dedup_by_key(|(k, _)| *k);
        evidence.sort_unstable_by_key(|(k, _)| *k);
        evidence.dedup_by_key(|(k, _)| *k);
        no_sites.sort_unstable();
        no_sites.dedup_by_key(|(k, _)| *k);
        if let Some(body) = encode(&self.material, &used, &evidence, &no_sites) {
            cache.put_parts(&body);
        }
    }
}

/// Drop the stored units whose recorded look-ups get another answer now.
/// `answers` holds, in order, the answers to every look-up of the units in
/// `stored`; each unit takes all of its own before they are compared, so
/// one unit's mismatch never shifts the answers the next one is given.
fn keep_answered(stored: &mut [Option<&Unit>], answers: Vec<Option<String>>) {
    let mut next = answers.into_iter();
    for slot in stored.iter_mut() {
        let Some(unit) = slot else { continue };
        let got: Vec<Option<String>> = next.by_ref().take(unit.lookups.len()).collect();
        let same = got.len() == unit.lookups.len()
            && unit.lookups.iter().zip(&got).all(|(l, a)| *a == l.answer);
        if !same {
            *slot = None;
        }
    }
}

/// A file's indexed key (see the module's doc).
fn indexed_key(
    digest: &FactsDigest,
    path: &str,
    module: &str,
    plan: &[(ustr::Ustr, String)],
    rewrites: &[(usize, crate::facts::QName)],
) -> [u8; 32] {
    let mut h = Sha256::new();
    let text = |h: &mut Sha256, s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    h.update(b"synthlint-indexed\0");
    h.update(digest);
    text(&mut h, path);
    text(&mut h, module);
    h.update((plan.len() as u64).to_le_bytes());
    for (head, full) in plan {
        text(&mut h, head.as_str());
        text(&mut h, full);
    }
    h.update((rewrites.len() as u64).to_le_bytes());
    for (ci, name) in rewrites {
        h.update((*ci as u64).to_le_bytes());
        text(&mut h, name.as_str());
    }
    h.finalize().into()
}

/// Bytes of one part besides its MessagePack: indexed key, kind, length.
const PART_HEAD: usize = 32 + 6 + 4;

/// Bytes of one evidence unit besides its MessagePack: indexed key, length.
const EVIDENCE_HEAD: usize = 32 + 4;

/// Bytes of one site unit: indexed key, the class table's digest.
const NO_SITES: usize = 32 + 32;

/// The parts file's body: the settings material's digest, the count, then
/// per part its indexed key, its kind, the length of its MessagePack (0
/// for a unit with no finding and no look-up, the common case) and that;
/// then the count of evidence units and per unit its indexed key, the
/// length of its MessagePack (0 for no evidence) and that; then the count
/// of site units and per unit its indexed key and class table's digest.
fn encode(
    material: &[u8; 32],
    parts: &[(PartKey, Unit)],
    evidence: &[([u8; 32], FileEvidence)],
    no_sites: &[([u8; 32], [u8; 32])],
) -> Option<Vec<u8>> {
    let mut body = Vec::with_capacity(40 + parts.len() * PART_HEAD);
    body.extend_from_slice(material);
    body.extend_from_slice(&(parts.len() as u64).to_le_bytes());
    for ((indexed, kind), unit) in parts {
        body.extend_from_slice(indexed);
        body.extend_from_slice(kind);
        put_packed(
            &mut body,
            unit,
            unit.findings.is_empty() && unit.lookups.is_empty(),
        )?;
    }
    body.extend_from_slice(&(evidence.len() as u64).to_le_bytes());
    for (indexed, found) in evidence {
        body.extend_from_slice(indexed);
        put_packed(&mut body, found, found.is_empty())?;
    }
    body.extend_from_slice(&(no_sites.len() as u64).to_le_bytes());
    for (indexed, table) in no_sites {
        body.extend_from_slice(indexed);
        body.extend_from_slice(table);
    }
    Some(body)
}

/// Appends `value` as the length of its MessagePack (`u32`) and those
/// bytes; an `empty` value as a zero length alone.
fn put_packed<T: Serialize>(body: &mut Vec<u8>, value: &T, empty: bool) -> Option<()> {
    if empty {
        body.extend_from_slice(&0u32.to_le_bytes());
        return Some(());
    }
    let bytes = rmp_serde::to_vec(value).ok()?;
    body.extend_from_slice(&u32::try_from(bytes.len()).ok()?.to_le_bytes());
    body.extend_from_slice(&bytes);
    Some(())
}

/// The value [`put_packed`] wrote at the head of `body` (the default for a
/// zero length), and the rest; `None` when it is cut short or damaged.
fn take_packed<T: DeserializeOwned + Default>(body: &[u8]) -> Option<(T, &[u8])> {
    let (len, rest) = body.split_first_chunk::<4>()?;
    let (bytes, rest) = rest.split_at_checked(u32::from_le_bytes(*len) as usize)?;
    let value = if bytes.is_empty() {
        T::default()
    } else {
        rmp_serde::from_slice(bytes).ok()?
    };
    Some((value, rest))
}

/// The parts, the evidence units and the site units of a body [`encode`] made.
type Decoded = (
    FastMap<PartKey, Unit>,
    FastMap<[u8; 32], FileEvidence>,
    FastMap<[u8; 32], [u8; 32]>,
);

/// The parts of a body [`encode`] made under `material`; `None` when it
/// was made under other settings or is damaged.
fn decode(body: &[u8], material: &[u8; 32]) -> Option<Decoded> {
    let (stored, rest) = body.split_first_chunk::<32>()?;
    if stored != material {
        return None;
    }
    let (count, mut body) = rest.split_first_chunk::<8>()?;
    let count = u64::from_le_bytes(*count);
    // Each part takes at least its head: a count past that is damage.
    if count > (body.len() / PART_HEAD) as u64 {
        return None;
    }
    let mut map = FastMap::default();
    map.reserve(count as usize);
    let known = crate::rules::catalogue();
    for _ in 0..count {
        let (indexed, rest) = body.split_first_chunk::<32>()?;
        let (kind, rest) = rest.split_first_chunk::<6>()?;
        let (unit, rest): (Unit, _) = take_packed(rest)?;
        body = rest;
        // A finding names a rule of this build, or the file is not ours.
        if !unit
            .findings
            .iter()
            .all(|f| known.iter().any(|m| m.code == f.rule))
        {
            return None;
        }
        map.insert((*indexed, *kind), unit);
    }
    let (count, mut body) = body.split_first_chunk::<8>()?;
    let count = u64::from_le_bytes(*count);
    if count > (body.len() / EVIDENCE_HEAD) as u64 {
        return None;
    }
    let mut evidence = FastMap::default();
    evidence.reserve(count as usize);
    for _ in 0..count {
        let (indexed, rest) = body.split_first_chunk::<32>()?;
        let (found, rest): (FileEvidence, _) = take_packed(rest)?;
        body = rest;
        evidence.insert(*indexed, found);
    }
    let (count, body) = body.split_first_chunk::<8>()?;
    let count = u64::from_le_bytes(*count);
    if count.checked_mul(NO_SITES as u64) != Some(body.len() as u64) {
        return None;
    }
    let no_sites = body
        .chunks_exact(NO_SITES)
        .filter_map(|unit| {
            let (indexed, table) = unit.split_first_chunk::<32>()?;
            Some((*indexed, <[u8; 32]>::try_from(table).ok()?))
        })
        .collect();
    Some((map, evidence, no_sites))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str) -> Finding {
        Finding::new(
            "LBL004",
            crate::finding::Level::Error,
            "m",
            crate::finding::Location {
                path: path.into(),
                span: Default::default(),
            },
        )
    }

    /// Parts read back as they were written; any truncation is no parts.
    #[test]
    fn parts_round_trip_and_damage_is_nothing() {
        let parts = vec![
            (([1; 32], *b"LBL004"), Unit::default()),
            (
                ([2; 32], *b"LOG001"),
                Unit {
                    findings: vec![finding("a.py")],
                    lookups: vec![Lookup {
                        question: "tfvar:days".into(),
                        answer: None,
                    }],
                },
            ),
        ];
        let label = StoredLabel {
            scope: Some("save".into()),
            pos: 40,
            kind: crate::catalog::labels::LabelKind::Implicit,
            content: vec![crate::catalog::ContentType::Image],
            id: "pil.png-text-chunk".into(),
            carrier: crate::catalog::labels::Carrier::Metadata,
            span: Default::default(),
        };
        let found = FileEvidence {
            labels: vec![label],
            may_hop: true,
            class_registration_calls: vec![(3, 1)],
        };
        let evidence = vec![([1; 32], FileEvidence::default()), ([3; 32], found.clone())];
        let no_sites = vec![([1; 32], [9; 32]), ([4; 32], [5; 32])];
        let body = encode(&[7; 32], &parts, &evidence, &no_sites).unwrap();
        let (map, read, empty) = decode(&body, &[7; 32]).unwrap();
        assert_eq!(empty.len(), 2);
        assert_eq!(empty[&[1; 32]], [9; 32]);
        assert_eq!(empty[&[4; 32]], [5; 32]);
        assert_eq!(read.len(), 2);
        assert_eq!(read[&[1; 32]], FileEvidence::default());
        assert_eq!(read[&[3; 32]], found);
        assert_eq!(map.len(), 2);
        assert!(map[&([1; 32], *b"LBL004")].findings.is_empty());
        let log = &map[&([2; 32], *b"LOG001")];
        assert_eq!(log.findings[0].location.path, "a.py");
        assert_eq!(log.lookups[0].question, "tfvar:days");
        // Parts made under other settings are none of this run's.
        assert!(decode(&body, &[8; 32]).is_none());
        for cut in 0..body.len() {
            assert!(decode(&body[..cut], &[7; 32]).is_none(), "cut at {cut}");
        }
    }

    /// A unit whose first look-up changed is dropped without shifting the
    /// answers of the units after it: the second unit's changed look-up
    /// must not be compared with the first unit's unchanged second one.
    #[test]
    fn a_changed_look_up_drops_its_unit_and_only_its_unit() {
        let lookup = |q: &str, a: Option<&str>| Lookup {
            question: q.into(),
            answer: a.map(Into::into),
        };
        let first = Unit {
            findings: vec![],
            lookups: vec![lookup("tfvar:a", Some("1")), lookup("tfvar:b", None)],
        };
        let second = Unit {
            findings: vec![],
            lookups: vec![lookup("tfvar:c", None)],
        };
        let third = Unit {
            findings: vec![],
            lookups: vec![lookup("tfvar:d", Some("4"))],
        };
        let mut stored = vec![Some(&first), None, Some(&second), Some(&third)];
        // a changed; b unchanged; c now set; d unchanged.
        keep_answered(
            &mut stored,
            vec![Some("2".into()), None, Some("3".into()), Some("4".into())],
        );
        assert!(stored[0].is_none() && stored[1].is_none() && stored[2].is_none());
        assert!(stored[3].is_some());
        // Every answer as recorded: all kept.
        let mut stored = vec![Some(&first), Some(&second), Some(&third)];
        keep_answered(
            &mut stored,
            vec![Some("1".into()), None, None, Some("4".into())],
        );
        assert!(stored.iter().all(Option::is_some));
        // Too few answers: the units left without theirs are not reused.
        let mut stored = vec![Some(&first), Some(&third)];
        keep_answered(&mut stored, vec![Some("1".into()), None]);
        assert!(stored[0].is_some() && stored[1].is_none());
    }

    /// The indexed key follows each of its parts.
    #[test]
    fn the_indexed_key_follows_digest_path_module_plan_and_rewrites() {
        let q = crate::facts::QName::new("openai.OpenAI().chat");
        let base = indexed_key(&[0; 32], "a.py", "a", &[], &[(1, q)]);
        let plan = [(ustr::Ustr::from("m"), "pkg.m".to_string())];
        for other in [
            indexed_key(&[1; 32], "a.py", "a", &[], &[(1, q)]),
            indexed_key(&[0; 32], "b.py", "a", &[], &[(1, q)]),
            indexed_key(&[0; 32], "a.py", "b", &[], &[(1, q)]),
            indexed_key(&[0; 32], "a.py", "a", &plan, &[(1, q)]),
            indexed_key(&[0; 32], "a.py", "a", &[], &[(2, q)]),
            indexed_key(&[0; 32], "a.py", "a", &[], &[]),
        ] {
            assert_ne!(base, other);
        }
        assert_eq!(base, indexed_key(&[0; 32], "a.py", "a", &[], &[(1, q)]));
    }
}

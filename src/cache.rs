//! The facts cache (design.md §8): a warm run re-parses only the files that
//! changed.
//!
//! One entry per file, named by SHA-256 of the file's repo-relative path and
//! text, in a directory named by a hash of everything else extraction depends
//! on: the cache format, the tool version, this build of the binary (its size
//! and modification time, so a rebuilt development binary never reads facts
//! an older build wrote) and the passthrough methods from the catalogue. An
//! entry therefore never goes stale; it only goes unused. Entries are
//! MessagePack of `(FileFacts, notifications)` by plain serde derives, with
//! structs as arrays (no field names: smaller and faster than maps; the
//! key directory already pins the build that knows the field order),
//! written to a temporary file and renamed, so a concurrent or interrupted
//! run never reads half an entry; an entry that does not decode is a miss.
//!
//! Bounded growth: an entry read more than a day after it was last touched
//! is touched again; when a run writes new entries, at most once a day,
//! entries untouched for 30 days are deleted, and so are the directories of
//! other builds or settings unused for 7 days.
//!
//! The cache directory (`.synthlint_cache` in the project root unless
//! `--cache-dir` says otherwise) gets a `.gitignore` of `*` and a
//! `CACHEDIR.TAG`; nothing is written anywhere else. Every cache error is a
//! miss: the cache can make a scan faster, never fail it.
//!
//! On top of the facts sits the result cache: a whole scan's findings
//! (suppressed ones too) and notifications in one entry under
//! `<key>/results/`, named by a hash over the settings that can change a
//! result and every file's path and facts key (`result_key`). A warm run
//! on an unchanged tree still reads and hashes every file, but loads no
//! facts and runs neither the index nor the rules. Same rules as for facts:
//! atomic writes, any damage is a miss; only the few most recently used
//! result entries are kept (`MAX_RESULTS`).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use serde::{Deserialize, Serialize};

use crate::facts::FileFacts;
use crate::finding::{Finding, Notification};

/// Default cache directory, in the project root.
pub const DEFAULT_DIR: &str = ".synthlint_cache";
/// Bump when the entry encoding changes.
const FORMAT: &str = "synthlint-facts-v2";
const MAGIC: &[u8; 4] = b"SLF2";
/// Bump when the result entry encoding or the result key changes.
const RESULT_MAGIC: &[u8; 4] = b"SLR1";
/// Result entries are whole reports: keep only the most recently used few
/// (a branch switch and back still hits).
const MAX_RESULTS: usize = 4;
const RESULTS: &str = "results";
const DAY: Duration = Duration::from_secs(24 * 3600);
const ENTRY_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const OTHER_KEYS_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Stamp in a key directory: when it was last used / last pruned.
const USED: &str = "used";
const PRUNED: &str = "pruned";

pub struct FactsCache {
    /// `<cache dir>/<key>`.
    dir: PathBuf,
    hits: AtomicUsize,
    misses: AtomicUsize,
    wrote: AtomicBool,
}

/// Key of one file's entry.
pub type EntryKey = [u8; 32];

/// What a scan produced beyond the rule list (which the settings give).
#[derive(Debug, Serialize, Deserialize)]
pub struct ResultEntry {
    /// Files analysed, and their lines, for `--stats`.
    pub files: usize,
    pub lines: u64,
    pub findings: Vec<Finding>,
    pub notifications: Vec<Notification>,
}

/// Key of a scan's result entry: `settings` (a stable serialization of
/// everything in the settings that can change a result), every analysed
/// file's path and facts key (`files`, sorted by path) and the
/// notifications of files that were not analysed and of the walk (`notes`,
/// sorted). The walk's output stands for the paths, excludes and ignore
/// files that produced it. `None` when a notification cannot be serialized
/// (then nothing is cached rather than risk two inputs sharing a key).
pub fn result_key(
    settings: &[u8],
    files: &[(&str, EntryKey)],
    notes: &[Notification],
) -> Option<EntryKey> {
    let mut h = Sha256::new();
    h.update(RESULT_MAGIC);
    h.update((settings.len() as u64).to_le_bytes());
    h.update(settings);
    h.update((files.len() as u64).to_le_bytes());
    for (rel, key) in files {
        h.update((rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        h.update(key);
    }
    h.update((notes.len() as u64).to_le_bytes());
    for n in notes {
        let bytes = rmp_serde::to_vec(n).ok()?;
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Some(h.finalize().into())
}

impl FactsCache {
    /// Open or create the cache in `cache_dir` for these settings.
    pub fn open(cache_dir: &Path, passthrough: &[String]) -> io::Result<FactsCache> {
        if !cache_dir.is_dir() {
            fs::create_dir_all(cache_dir)?;
            // Keep the cache out of version control and backups.
            fs::write(cache_dir.join(".gitignore"), "# Created by synthlint.\n*\n")?;
            fs::write(
                cache_dir.join("CACHEDIR.TAG"),
                "Signature: 8a477f597d28d172789f06886806bc55\n\
                 # This file is a cache directory tag created by synthlint.\n",
            )?;
        }
        let dir = cache_dir.join(settings_key(passthrough));
        fs::create_dir_all(&dir)?;
        let cache = FactsCache {
            dir,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            wrote: AtomicBool::new(false),
        };
        if stamp_age(&cache.dir.join(USED)).is_none_or(|age| age > DAY) {
            let _ = fs::write(cache.dir.join(USED), "");
        }
        Ok(cache)
    }

    /// The key of a file's entry: its repo-relative path and its text.
    pub fn key(rel: &str, text: &str) -> EntryKey {
        let mut h = Sha256::new();
        h.update((rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        h.update(text.as_bytes());
        h.finalize().into()
    }

    fn path(&self, key: &EntryKey) -> PathBuf {
        let hex = hex(key);
        self.dir.join(&hex[..2]).join(&hex[2..])
    }

    /// The cached facts for `key`, if any.
    pub fn get(&self, key: &EntryKey) -> Option<(FileFacts, Vec<Notification>)> {
        let found = self.read(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn read(&self, key: &EntryKey) -> Option<(FileFacts, Vec<Notification>)> {
        let mut f = fs::File::open(self.path(key)).ok()?;
        let meta = f.metadata().ok()?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        f.read_to_end(&mut bytes).ok()?;
        let entry = decode(&bytes)?;
        // Keep entries in use from being pruned; at most one write a day.
        if meta
            .modified()
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > DAY))
        {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(entry)
    }

    /// Store the facts of `key`. Errors are ignored: a later run misses.
    pub fn put(&self, key: &EntryKey, facts: &FileFacts, notes: &[Notification]) {
        let _ = self.write(key, facts, notes);
    }

    fn write(&self, key: &EntryKey, facts: &FileFacts, notes: &[Notification]) -> io::Result<()> {
        self.wrote.store(true, Ordering::Relaxed);
        write_atomic(&self.path(key), &encode(facts, notes)?)
    }

    fn result_path(&self, key: &EntryKey) -> PathBuf {
        self.dir.join(RESULTS).join(hex(key))
    }

    /// The stored result for `key`, if any.
    pub fn get_result(&self, key: &EntryKey) -> Option<ResultEntry> {
        let path = self.result_path(key);
        let bytes = fs::read(&path).ok()?;
        let entry: ResultEntry = rmp_serde::from_slice(bytes.strip_prefix(RESULT_MAGIC)?).ok()?;
        // A finding names a rule of this build, or the entry is not ours.
        let known = crate::rules::catalogue();
        if !entry
            .findings
            .iter()
            .all(|f| known.iter().any(|m| m.code == f.rule))
        {
            return None;
        }
        // Most recently used first when pruning; one small write per hit.
        if let Ok(f) = fs::File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(entry)
    }

    /// Store a scan's result under `key` and keep only the `MAX_RESULTS`
    /// most recently used entries. Errors are ignored: a later run misses.
    pub fn put_result(&self, key: &EntryKey, entry: &ResultEntry) {
        let mut body = RESULT_MAGIC.to_vec();
        if rmp_serde::encode::write(&mut body, entry).is_err() {
            return;
        }
        let path = self.result_path(key);
        if write_atomic(&path, &body).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
            keep_newest(&self.dir.join(RESULTS), MAX_RESULTS);
        }
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// After a scan: when it wrote entries, at most once a day, delete
    /// entries untouched for 30 days and other key directories unused for
    /// 7 days.
    pub fn finish(&self) {
        if !self.wrote.load(Ordering::Relaxed) {
            return;
        }
        let stamp = self.dir.join(PRUNED);
        if stamp_age(&stamp).is_some_and(|age| age < DAY) {
            return;
        }
        let _ = fs::write(&stamp, "");
        prune_entries(&self.dir, ENTRY_TTL);
        if let Some(cache_dir) = self.dir.parent() {
            prune_other_keys(cache_dir, &self.dir, OTHER_KEYS_TTL);
        }
    }
}

/// An entry: the magic bytes, then MessagePack with structs as arrays.
pub(crate) fn encode(facts: &FileFacts, notes: &[Notification]) -> io::Result<Vec<u8>> {
    let mut body = MAGIC.to_vec();
    rmp_serde::encode::write(&mut body, &(facts, notes)).map_err(io::Error::other)?;
    Ok(body)
}

pub(crate) fn decode(bytes: &[u8]) -> Option<(FileFacts, Vec<Notification>)> {
    rmp_serde::from_slice(bytes.strip_prefix(MAGIC)?).ok()
}

/// Directory name for everything besides the file that extraction depends on.
fn settings_key(passthrough: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT.as_bytes());
    h.update([0]);
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0]);
    // This build of the binary: a rebuilt binary may extract differently.
    if let Ok(meta) = std::env::current_exe().and_then(fs::metadata) {
        h.update(meta.len().to_le_bytes());
        if let Ok(t) = meta.modified()
            && let Ok(d) = t.duration_since(SystemTime::UNIX_EPOCH)
        {
            h.update(d.as_nanos().to_le_bytes());
        }
    }
    for m in passthrough {
        h.update((m.len() as u64).to_le_bytes());
        h.update(m.as_bytes());
    }
    let digest: [u8; 32] = h.finalize().into();
    hex(&digest)[..16].to_string()
}

/// Write `body` to `path` through a temporary file in the same directory
/// and a rename, so no reader ever sees half of it.
fn write_atomic(path: &Path, body: &[u8]) -> io::Result<()> {
    let parent = path.parent().expect("entries sit in a directory");
    fs::create_dir_all(parent)?;
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(16).collect())
        .unwrap_or_default();
    // A name no other writer uses.
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let tmp = parent.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let mut f = fs::File::create(&tmp)?;
    let written = f.write_all(body).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Delete all but the `keep` most recently modified entries in `dir`
/// (temporary files of running writers are left alone).
fn keep_newest(dir: &Path, keep: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<(SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, path) in found.into_iter().skip(keep) {
        let _ = fs::remove_file(path);
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn stamp_age(path: &Path) -> Option<Duration> {
    fs::metadata(path).ok()?.modified().ok()?.elapsed().ok()
}

/// Delete entries (and leftover temporary files) older than `ttl`.
fn prune_entries(dir: &Path, ttl: Duration) {
    let Ok(shards) = fs::read_dir(dir) else {
        return;
    };
    for shard in shards.flatten() {
        if !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(entries) = fs::read_dir(shard.path()) else {
            continue;
        };
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > ttl);
            if old {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// Delete key directories other than `keep` whose `used` stamp is older
/// than `ttl` (or missing). Only directories named like keys are touched.
fn prune_other_keys(cache_dir: &Path, keep: &Path, ttl: Duration) {
    let Ok(dirs) = fs::read_dir(cache_dir) else {
        return;
    };
    for d in dirs.flatten() {
        let path = d.path();
        let is_key = d
            .file_name()
            .to_str()
            .is_some_and(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_hexdigit()));
        if !is_key || path == keep || !d.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if stamp_age(&path.join(USED)).is_none_or(|age| age > ttl) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(path: &str) -> FileFacts {
        crate::lang::python::extract(path, "x = 1\n", &[]).0
    }

    #[test]
    fn round_trip_miss_and_corrupt_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c");
        let cache = FactsCache::open(&dir, &["to".into()]).unwrap();
        assert!(dir.join(".gitignore").is_file() && dir.join("CACHEDIR.TAG").is_file());
        let k = FactsCache::key("a.py", "x = 1\n");
        assert_ne!(
            k,
            FactsCache::key("b.py", "x = 1\n"),
            "the path is part of the key"
        );
        assert_ne!(k, FactsCache::key("a.py", "x = 2\n"));
        assert!(cache.get(&k).is_none());
        cache.put(&k, &facts("a.py"), &[]);
        let (f, notes) = cache.get(&k).expect("hit");
        assert_eq!(f.path, "a.py");
        assert!(notes.is_empty());
        assert_eq!(cache.counts(), (1, 1));
        // A damaged entry is a miss, never an error.
        fs::write(cache.path(&k), b"SLF1\xff\x00garbage").unwrap();
        assert!(cache.get(&k).is_none());
        fs::write(cache.path(&k), b"").unwrap();
        assert!(cache.get(&k).is_none());
        // An entry of an older encoding, whatever it holds, is a miss.
        let mut old = encode(&facts("a.py"), &[]).unwrap();
        old[..4].copy_from_slice(b"SLF1");
        fs::write(cache.path(&k), old).unwrap();
        assert!(cache.get(&k).is_none());
    }

    /// Every fact kind and value shape survives the encoding: the facts of
    /// every fixture and demo file read back identical.
    #[test]
    fn encoding_round_trips_the_facts_of_every_fixture() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("fixtures"), root.join("demo")];
        let mut n = 0;
        while let Some(dir) = stack.pop() {
            for e in fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "py") {
                    continue;
                }
                let Ok(text) = fs::read_to_string(&p) else {
                    continue;
                };
                let (facts, notes) = crate::lang::python::extract("f.py", &text, &["to".into()]);
                let (back, back_notes) = decode(&encode(&facts, &notes).unwrap()).expect("decodes");
                assert_eq!(
                    serde_json::to_string(&(&facts, &notes)).unwrap(),
                    serde_json::to_string(&(&back, &back_notes)).unwrap(),
                    "{}",
                    p.display()
                );
                n += 1;
            }
        }
        assert!(n > 10);
        // Every literal shape, including the unit variant `Value::None`.
        let src = "x = f(None, True, -1.5, 7, {'a': [1, (2,)], 3: None}, *a, b=c.d, e=g(), **kw)\n";
        let (facts, notes) = crate::lang::python::extract("v.py", src, &[]);
        let (back, _) = decode(&encode(&facts, &notes).unwrap()).expect("decodes");
        assert_eq!(
            serde_json::to_string(&facts).unwrap(),
            serde_json::to_string(&back).unwrap()
        );
    }

    fn note(path: &str) -> Notification {
        Notification {
            level: crate::finding::Level::Warning,
            kind: "binary-file".into(),
            message: "skipped".into(),
            path: Some(path.into()),
            span: None,
        }
    }

    fn entry(rule: &'static str) -> ResultEntry {
        use crate::finding::{Level, Location};
        let mut f = Finding::new(
            rule,
            Level::Note,
            "a finding".into(),
            Location {
                path: "a.py".into(),
                span: crate::source::Span::default(),
            },
        );
        f.properties.insert(
            "values".into(),
            serde_json::json!({"f": 1.5, "i": -3, "l": [1, "x", null, true]}),
        );
        ResultEntry {
            files: 1,
            lines: 2,
            findings: vec![f],
            notifications: vec![note("b.py")],
        }
    }

    #[test]
    fn every_part_of_the_result_key_counts() {
        let a = FactsCache::key("a.py", "x = 1\n");
        let key = |s: &[u8], files: &[(&str, EntryKey)], notes: &[Notification]| {
            result_key(s, files, notes).expect("plain data serializes")
        };
        let k = key(b"s", &[("a.py", a)], &[note("b.py")]);
        assert_eq!(k, key(b"s", &[("a.py", a)], &[note("b.py")]));
        assert_ne!(k, key(b"t", &[("a.py", a)], &[note("b.py")]));
        let a2 = FactsCache::key("a.py", "x = 2\n");
        assert_ne!(k, key(b"s", &[("a.py", a2)], &[note("b.py")]));
        assert_ne!(k, key(b"s", &[("c.py", a)], &[note("b.py")]));
        assert_ne!(k, key(b"s", &[("a.py", a)], &[note("c.py")]));
        assert_ne!(k, key(b"s", &[("a.py", a)], &[]));
        assert_ne!(k, key(b"s", &[], &[note("b.py")]));
    }

    #[test]
    fn result_entries_round_trip_and_damage_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), &[]).unwrap();
        let k = result_key(b"s", &[], &[]).unwrap();
        assert!(cache.get_result(&k).is_none());
        let e = entry("GEN001");
        cache.put_result(&k, &e);
        let back = cache.get_result(&k).expect("hit");
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&e).unwrap()
        );
        let path = cache.result_path(&k);
        let good = fs::read(&path).unwrap();
        for bad in [&good[..good.len() / 2], b"SLR1\xff", b"", &good[4..]] {
            fs::write(&path, bad).unwrap();
            assert!(cache.get_result(&k).is_none());
        }
        // A rule code this build does not know makes the entry unreadable.
        cache.put_result(&k, &entry("XYZ999"));
        assert!(path.is_file());
        assert!(cache.get_result(&k).is_none());
    }

    #[test]
    fn only_the_most_recently_used_results_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), &[]).unwrap();
        let keys: Vec<EntryKey> = (0..MAX_RESULTS as u8 + 2)
            .map(|i| result_key(&[i], &[], &[]).unwrap())
            .collect();
        let set_age = |k: &EntryKey, minutes: u64| {
            // Entries pruned already are gone.
            if let Ok(f) = fs::File::options().write(true).open(cache.result_path(k)) {
                f.set_modified(SystemTime::now() - Duration::from_secs(60 * minutes))
                    .unwrap();
            }
        };
        for (i, k) in keys.iter().enumerate() {
            cache.put_result(k, &entry("GEN001"));
            // Written in order, one minute apart (mtimes can be coarse).
            for (j, older) in keys[..=i].iter().enumerate() {
                set_age(older, (i - j) as u64 + 1);
            }
        }
        let stored: Vec<bool> = keys
            .iter()
            .map(|k| cache.result_path(k).is_file())
            .collect();
        assert_eq!(stored, [false, false, true, true, true, true]);
        // A hit makes an entry the most recently used: the next write
        // drops the oldest other one.
        assert!(cache.get_result(&keys[2]).is_some());
        let newer = result_key(b"newer", &[], &[]).unwrap();
        cache.put_result(&newer, &entry("GEN001"));
        assert!(cache.result_path(&keys[2]).is_file());
        assert!(!cache.result_path(&keys[3]).is_file());
        assert!(cache.result_path(&newer).is_file());
    }

    #[test]
    fn settings_change_the_directory() {
        assert_ne!(settings_key(&["to".into()]), settings_key(&["cuda".into()]));
        assert_eq!(settings_key(&["to".into()]), settings_key(&["to".into()]));
    }

    #[test]
    fn pruning_removes_only_old_entries_and_unused_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), &[]).unwrap();
        let (old, new) = (FactsCache::key("old.py", ""), FactsCache::key("new.py", ""));
        cache.put(&old, &facts("old.py"), &[]);
        cache.put(&new, &facts("new.py"), &[]);
        let long_ago = SystemTime::now() - Duration::from_secs(40 * 24 * 3600);
        fs::File::options()
            .write(true)
            .open(cache.path(&old))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        // Another build's directory, unused for long, and one used recently.
        let stale = tmp.path().join("0123456789abcdef");
        let recent = tmp.path().join("fedcba9876543210");
        for d in [&stale, &recent] {
            fs::create_dir_all(d).unwrap();
            fs::write(d.join(USED), "").unwrap();
        }
        fs::File::options()
            .write(true)
            .open(stale.join(USED))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let other = tmp.path().join("not-a-key");
        fs::create_dir_all(&other).unwrap();
        cache.finish();
        assert!(!cache.path(&old).exists());
        assert!(cache.path(&new).exists());
        assert!(!stale.exists());
        assert!(recent.exists() && other.exists());
    }
}

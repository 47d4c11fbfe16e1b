//! The facts cache (design.md §8): a warm run re-parses only the files that
//! changed.
//!
//! One entry per file, keyed by SHA-256 of the file's repo-relative path and
//! text, in a directory named by a hash of everything else extraction depends
//! on: the cache format, the tool version, this build of the binary (its size
//! and modification time, so a rebuilt development binary never reads facts
//! an older build wrote) and what the frontends read from the catalogue and
//! settings (passthrough methods, which markup strings are kept). An
//! entry therefore never goes stale; it only goes unused. Entries are
//! postcard of `(FileFacts, notifications)` by plain serde derives: no
//! field names or type tags, integers as varints (the key directory
//! already pins the build that knows the layout; half the decoding
//! instructions of MessagePack with structs as arrays, and a quarter
//! smaller), with interned strings as indexes into a string table at the
//! head of the entry (`crate::interned`: a run after a one-file change loads every
//! other file's facts, and interning every string at every use showed as
//! 12–14% of its CPU samples on diffusers).
//!
//! Packs: a run appends the entries it stores to one pack (`<key>/packs/`,
//! 16 hex digits), a temporary file renamed into place once whole with an
//! index at its end (key → offset, length, day last used), so a concurrent
//! or interrupted run never reads half a pack, and two runs never write the
//! same file. One file a run instead of one an entry: a cold run wrote
//! ~one file per source file (temporary file, rename) and a run after a
//! one-file change opened and read each; now a run reads the indexes once
//! and an entry with one positioned read. An entry that does not decode
//! is a miss; a pack that is not whole is a miss for all its entries.
//!
//! Bounded growth: a pack read more than a day after it was last touched
//! is touched again; more than `MAX_PACKS` packs are merged into one (all
//! but the largest, or all of them when the largest is older than a week),
//! leaving out entries unused for 30 days (the current run's files count
//! as used); when a run writes, at most once a day, packs untouched for 30
//! days are deleted, and so are the directories of other builds or
//! settings unused for 7 days.
//!
//! The cache directory (`.synthlint_cache` in the project root unless
//! `--cache-dir` says otherwise) gets a `.gitignore` of `*` and a
//! `CACHEDIR.TAG`; nothing is written anywhere else. Every cache error is a
//! miss: the cache can make a scan faster, never fail it.
//!
//! The scanned tree is untrusted, and the default cache directory is in it
//! (issue 17):
//! - No symbolic link is ever followed: not the cache directory itself or a
//!   directory of the root on the way to it, not a key, packs or results
//!   directory, not a pack, an entry or a stamp. Files are written through a
//!   temporary file and a rename, which replaces a link rather than
//!   writing where it points.
//! - A directory is used only when synthlint made it: it is new or empty
//!   (then marked), or holds the `CACHEDIR.TAG` synthlint writes. A cache
//!   directory that git tracks anything in came with the checkout and is
//!   not used at all.
//! - Every entry carries a checksum over its key and body, keyed with this
//!   build's identity (`BuildId`: version, format, and the binary's size,
//!   modification time, device and inode), which is never written down. A
//!   damaged entry, another build's entry, or one made by anyone who does
//!   not have this very binary file is a miss, never a result.
//! - A pack's index is not sealed, its entries are (each under its own
//!   key): an index that names other bytes for a key gives a miss.
//! - Eviction deletes only what carries names synthlint gives (key
//!   directories of 16 hex digits with a `used` stamp, packs of 16, shards
//!   of 2 and entries of 62 of earlier formats, results of 64, stamps, its
//!   temporary files), one file at a time; a directory is removed only once
//!   empty.
//!
//! On top of the facts sits the result cache: a whole scan's findings
//! (suppressed ones too) and notifications in one entry under
//! `<key>/results/`, named by a hash over the settings that can change a
//! result and every file's path and facts key (`result_key`). A warm run
//! on an unchanged tree still reads and hashes every file, but loads no
//! facts and runs neither the index nor the rules. The same result is
//! found under a second key (`facts_result_key`, a sealed pointer to the
//! entry and its line count, so the result is written once): each file's facts
//! digest in place of its facts key, so that after an edit that changes no
//! fact (a blank line appended, a comment reworded in place) only the
//! changed files are parsed and the stored result is the result (the early
//! cutoff). The unchanged files' digests come from the digest index
//! (`<key>/digests`: facts key → digest and line count, sealed like an
//! entry), not from their facts. Same rules as for facts: atomic writes,
//! any damage is a miss; only the few most recently used result entries
//! are kept (`MAX_RESULTS`).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use serde::{Deserialize, Serialize};

use crate::analysis::{FastMap, FastSet};
use crate::facts::FileFacts;
use crate::finding::{Finding, Notification};

/// Default cache directory, in the project root.
pub const DEFAULT_DIR: &str = ".synthlint_cache";
/// Bump when the entry encoding changes.
const FORMAT: &str = "synthlint-facts-v9";
const MAGIC: &[u8; 4] = b"SLF9";
/// Bump when the result entry encoding or the result keys change.
const RESULT_MAGIC: &[u8; 4] = b"SLR4";
/// Bump when a result pointer's encoding changes.
const POINTER_MAGIC: &[u8; 4] = b"SLQ1";
/// Bump when a pack's layout changes (its entries are facts entries).
const PACK_MAGIC: &[u8; 4] = b"SLK1";
/// The last bytes of a pack.
const PACK_TRAILER_MAGIC: &[u8; 4] = b"SLKI";
/// A pack's head: its magic and the day it was made.
const PACK_HEAD: u64 = 8;
/// A pack's trailer: the index's record count and offset, then the magic.
const PACK_TRAILER: u64 = 4 + 8 + 4;
/// One record of a pack's index: key, offset, length, day last used.
const PACK_RECORD: usize = 32 + 8 + 4 + 4;
/// The packs' directory in a key directory.
const PACKS: &str = "packs";
/// More packs than this are merged (all but the largest, or all when the
/// largest is older than `FULL_MERGE_AGE` days).
const MAX_PACKS: usize = 8;
const FULL_MERGE_AGE: u32 = 7;
/// Bump when the digest index's encoding changes.
const DIGESTS_MAGIC: &[u8; 4] = b"SLD1";
/// The digest index's name in a key directory.
const DIGESTS: &str = "digests";
/// The per-file parts (`crate::parts`): one sealed file in the key directory.
const PARTS_MAGIC: &[u8; 4] = b"SLP1";
const PARTS: &str = "parts";
/// Length of an entry's checksum, after the magic bytes.
const TAG_LEN: usize = 32;
/// Largest entry read (facts of a file at the largest `max-file-size`).
const MAX_ENTRY_SIZE: u64 = 1 << 30;
/// The marker of a cache directory synthlint made.
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
                            # This file is a cache directory tag created by synthlint.\n";
const GITIGNORE: &str = "# Created by synthlint.\n*\n";
/// Result entries are whole reports: keep only the most recently used few
/// (a branch switch and back still hits). A scan that ran the rules
/// stores its result under two keys (texts and facts).
const MAX_RESULTS: usize = 8;
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
    /// This build's identity: the key of every entry's checksum.
    build: BuildId,
    hits: AtomicUsize,
    misses: AtomicUsize,
    wrote: AtomicBool,
    /// The packs' indexes, read at the first look-up.
    packs: OnceLock<Packs>,
    /// This run's new facts entries, appended to one pack as they come.
    writer: Mutex<Writer>,
}

/// The packs of a key directory as a run found them: one open file each,
/// and where each entry is.
#[derive(Default)]
struct Packs {
    files: Vec<Pack>,
    entries: FastMap<EntryKey, Slot>,
}

struct Pack {
    file: fs::File,
    /// Whether this run has read from it (its mtime is touched once).
    read: AtomicBool,
}

/// Where an entry is: its pack, offset and length, and the day it was last
/// used as a pack's index has it.
#[derive(Clone, Copy)]
struct Slot {
    pack: u32,
    offset: u64,
    len: u32,
    day: u32,
}

/// The state of this run's pack.
enum Writer {
    NotStarted,
    Open(PackWriter),
    /// A write failed: this run stores no more facts.
    Failed,
}

/// Key of one file's entry.
pub type EntryKey = [u8; 32];

/// What the facts of one file are, whatever text they came from: SHA-256
/// of its facts entry's body less the line count (`encode_body`), i.e. of
/// the encoded facts and extraction notifications. Two texts with the same
/// facts digest alike (a blank line appended, a comment reworded in
/// place); the facts result key is made of these.
pub type FactsDigest = [u8; 32];

/// A file's facts digest and line count, as the digest index keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digested {
    pub digest: FactsDigest,
    pub lines: u32,
}

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
    key_over(b"texts", settings, files, notes)
}

/// The second key of a scan's result, over what the index and the rules
/// read (docs/performance.md, "early cutoff"): `files` holds every
/// analysed file's path and facts digest instead of its text's key, the
/// rest is as in [`result_key`]. A run whose changed files' facts are
/// those of the stored run's (a blank line appended, a comment reworded in
/// place) finds the result here. The two keys never collide: each hashes
/// its own label first.
pub fn facts_result_key(
    settings: &[u8],
    files: &[(&str, FactsDigest)],
    notes: &[Notification],
) -> Option<EntryKey> {
    key_over(b"facts", settings, files, notes)
}

fn key_over(
    label: &[u8],
    settings: &[u8],
    files: &[(&str, [u8; 32])],
    notes: &[Notification],
) -> Option<EntryKey> {
    let mut h = Sha256::new();
    h.update(RESULT_MAGIC);
    h.update((label.len() as u64).to_le_bytes());
    h.update(label);
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
    /// Open or create the cache in `cache_dir` for these settings. `root`
    /// is the scanned root: no directory from it down to `cache_dir` may be
    /// a symbolic link. Fails when the directory is not one synthlint made
    /// or git tracks files in it.
    pub fn open(cache_dir: &Path, root: &Path, passthrough: &[String]) -> io::Result<FactsCache> {
        let refuse = |why: &str| Err(io::Error::other(why.to_string()));
        // Directories between the root and the cache, when it is inside.
        if let Ok(rel) = cache_dir.strip_prefix(root) {
            let mut at = root.to_path_buf();
            for c in rel.components() {
                at.push(c);
                if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                    return refuse(
                        "a symbolic link on the way to it; synthlint does not follow it",
                    );
                }
            }
        }
        match fs::symlink_metadata(cache_dir) {
            Ok(m) if m.file_type().is_symlink() => {
                return refuse("it is a symbolic link; synthlint does not follow it");
            }
            Ok(m) if !m.is_dir() => return refuse("it is not a directory"),
            Ok(_) => {
                if !is_marked(cache_dir) {
                    if fs::read_dir(cache_dir)?.next().is_some() {
                        return refuse(
                            "it is not empty and synthlint did not make it (no CACHEDIR.TAG of synthlint's)",
                        );
                    }
                    mark(cache_dir)?;
                }
            }
            Err(_) => {
                fs::create_dir_all(cache_dir)?;
                mark(cache_dir)?;
            }
        }
        let canonical = cache_dir.canonicalize()?;
        if let Some(tracked) = crate::git_index::Tracked::for_dir(&canonical)
            && tracked.tracks_under(&canonical)
        {
            return refuse("git tracks files in it: it came with the checkout, and is not trusted");
        }
        let build = BuildId::current(passthrough);
        let dir = cache_dir.join(build.dir_name());
        real_dir(&dir)?;
        let cache = FactsCache {
            dir,
            build,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            wrote: AtomicBool::new(false),
            packs: OnceLock::new(),
            writer: Mutex::new(Writer::NotStarted),
        };
        if stamp_age(&cache.dir.join(USED)).is_none_or(|age| age > DAY) {
            let _ = write_atomic(&cache.dir.join(USED), b"");
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

    fn packs_dir(&self) -> PathBuf {
        self.dir.join(PACKS)
    }

    /// The cached facts for `key`, if any, with their digest.
    pub fn get(&self, key: &EntryKey) -> Option<(FileFacts, Vec<Notification>, FactsDigest)> {
        let found = self.read(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn read(&self, key: &EntryKey) -> Option<(FileFacts, Vec<Notification>, FactsDigest)> {
        let packs = self.packs.get_or_init(|| read_packs(&self.packs_dir()));
        let slot = packs.entries.get(key)?;
        let pack = &packs.files[slot.pack as usize];
        let mut bytes = vec![0; slot.len as usize];
        read_exact_at(&pack.file, &mut bytes, slot.offset).ok()?;
        let (body, digest) = self.build.verify(Kind::Facts, key, MAGIC, &bytes)?;
        let (facts, notes) = decode_body(body)?;
        // Keep packs in use from being pruned; at most one write a day.
        if !pack.read.swap(true, Ordering::Relaxed)
            && pack
                .file
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > DAY))
        {
            let _ = pack.file.set_modified(SystemTime::now());
        }
        Some((facts, notes, digest))
    }

    /// Store the facts of `key` and return their digest: the sealed entry
    /// is appended to this run's pack, which [`FactsCache::flush`] puts in
    /// place. A write error is ignored (a later run misses); `None` only
    /// when the facts cannot be encoded.
    pub fn put(
        &self,
        key: &EntryKey,
        facts: &mut FileFacts,
        notes: &[Notification],
    ) -> Option<FactsDigest> {
        let body = encode_body(facts, notes).ok()?;
        let (sealed, digest) = self.build.seal(Kind::Facts, key, MAGIC, &body);
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if let Writer::NotStarted = *writer {
            *writer = match PackWriter::create(&self.packs_dir()) {
                Ok(w) => Writer::Open(w),
                Err(_) => Writer::Failed,
            };
        }
        if let Writer::Open(w) = &mut *writer
            && w.append(key, &sealed, today()).is_err()
        {
            *writer = Writer::Failed;
        }
        Some(digest)
    }

    /// Put this run's pack in place (when it stored any facts), so that
    /// the next run finds them even if this one stops before `finish`.
    pub fn flush(&self) {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if let Writer::Open(w) = std::mem::replace(&mut *writer, Writer::NotStarted)
            && w.finish(&self.packs_dir()).is_ok()
        {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }

    /// The digest index: facts key → facts digest and line count of the
    /// files of the last scan that wrote it. Empty when missing or damaged.
    pub fn get_digests(&self) -> FastMap<EntryKey, Digested> {
        let mut map = FastMap::default();
        let Some((_, bytes)) = read_entry(&self.dir.join(DIGESTS)) else {
            return map;
        };
        let Some((body, _)) = self
            .build
            .verify(Kind::Digests, &[0; 32], DIGESTS_MAGIC, &bytes)
        else {
            return map;
        };
        if body.len() % DIGEST_RECORD != 0 {
            return map;
        }
        map.reserve(body.len() / DIGEST_RECORD);
        for r in body.chunks_exact(DIGEST_RECORD) {
            let key: EntryKey = r[..32].try_into().expect("32 bytes");
            let digest: FactsDigest = r[32..64].try_into().expect("32 bytes");
            let lines = u32::from_le_bytes(r[64..].try_into().expect("4 bytes"));
            map.insert(key, Digested { digest, lines });
        }
        map
    }

    /// Replace the digest index with `records` (sorted here). Errors are
    /// ignored: a later run loads those files' facts to digest them.
    pub fn put_digests(&self, records: &mut [(EntryKey, Digested)]) {
        records.sort_unstable_by_key(|r| r.0);
        let mut body = Vec::with_capacity(records.len() * DIGEST_RECORD);
        for (key, d) in records.iter() {
            body.extend_from_slice(key);
            body.extend_from_slice(&d.digest);
            body.extend_from_slice(&d.lines.to_le_bytes());
        }
        let (sealed, _) = self
            .build
            .seal(Kind::Digests, &[0; 32], DIGESTS_MAGIC, &body);
        if write_atomic(&self.dir.join(DIGESTS), &sealed).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }

    fn result_path(&self, key: &EntryKey) -> PathBuf {
        self.dir.join(RESULTS).join(hex(key))
    }

    /// The stored result for `key`, if any: its entry, or the entry a
    /// pointer stored under `key` names, with the pointer's line count.
    pub fn get_result(&self, key: &EntryKey) -> Option<ResultEntry> {
        let (f, bytes) = read_entry(&self.result_path(key))?;
        if !bytes.starts_with(POINTER_MAGIC) {
            return self.result_entry(key, f, &bytes);
        }
        let (body, _) = self
            .build
            .verify(Kind::Pointer, key, POINTER_MAGIC, &bytes)?;
        let (target, lines) = body.split_first_chunk::<32>()?;
        let lines = u64::from_le_bytes(lines.try_into().ok()?);
        let (target_file, target_bytes) = read_entry(&self.result_path(target))?;
        if target_bytes.starts_with(POINTER_MAGIC) {
            return None;
        }
        let entry = self.result_entry(target, target_file, &target_bytes)?;
        let _ = f.set_modified(SystemTime::now());
        Some(ResultEntry { lines, ..entry })
    }

    /// A result entry's `bytes`, read from `f` under `key`, if sealed and
    /// of this build.
    fn result_entry(&self, key: &EntryKey, f: fs::File, bytes: &[u8]) -> Option<ResultEntry> {
        let (body, _) = self.build.verify(Kind::Result, key, RESULT_MAGIC, bytes)?;
        let entry: ResultEntry = rmp_serde::from_slice(body).ok()?;
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
        let _ = f.set_modified(SystemTime::now());
        Some(entry)
    }

    /// Store a scan's result under `key` and keep only the `MAX_RESULTS`
    /// most recently used entries. Errors are ignored: a later run misses.
    pub fn put_result(&self, key: &EntryKey, entry: &ResultEntry) {
        self.put_results(&[key], entry);
    }

    /// `put_result` under each of `keys`: the entry under the first, a
    /// pointer to it (a few dozen bytes) under each other one.
    pub fn put_results(&self, keys: &[&EntryKey], entry: &ResultEntry) {
        let Some((first, others)) = keys.split_first() else {
            return;
        };
        let Ok(body) = rmp_serde::to_vec(entry) else {
            return;
        };
        if real_dir(&self.dir.join(RESULTS)).is_err() {
            return;
        }
        let (sealed, _) = self.build.seal(Kind::Result, first, RESULT_MAGIC, &body);
        if write_atomic(&self.result_path(first), &sealed).is_err() {
            return;
        }
        self.wrote.store(true, Ordering::Relaxed);
        for key in others {
            self.write_pointer(key, first, entry.lines);
        }
        keep_newest(&self.dir.join(RESULTS), MAX_RESULTS);
    }

    /// Store under `key` a pointer to the result stored under `target`,
    /// served with `lines` as its line count (a text's key pointing at the
    /// result of the same facts).
    pub fn put_pointer(&self, key: &EntryKey, target: &EntryKey, lines: u64) {
        if real_dir(&self.dir.join(RESULTS)).is_ok() {
            self.write_pointer(key, target, lines);
            keep_newest(&self.dir.join(RESULTS), MAX_RESULTS);
        }
    }

    fn write_pointer(&self, key: &EntryKey, target: &EntryKey, lines: u64) {
        let mut body = target.to_vec();
        body.extend_from_slice(&lines.to_le_bytes());
        let (sealed, _) = self.build.seal(Kind::Pointer, key, POINTER_MAGIC, &body);
        if write_atomic(&self.result_path(key), &sealed).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }

    /// The body of the per-file parts file (`crate::parts`), when it is
    /// there and sealed by this build.
    pub(crate) fn get_parts(&self) -> Option<Vec<u8>> {
        let (_, bytes) = read_entry(&self.dir.join(PARTS))?;
        let (body, _) = self
            .build
            .verify(Kind::Parts, &[0; 32], PARTS_MAGIC, &bytes)?;
        Some(body.to_vec())
    }

    /// Replace the per-file parts file with `body`, sealed like every
    /// entry. Errors are ignored: a later run computes the parts again.
    pub(crate) fn put_parts(&self, body: &[u8]) {
        let (sealed, _) = self.build.seal(Kind::Parts, &[0; 32], PARTS_MAGIC, body);
        if write_atomic(&self.dir.join(PARTS), &sealed).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// After a scan: put this run's pack in place; merge the packs when
    /// there are more than `MAX_PACKS` (`live`: the facts keys of this
    /// run's files, whose entries count as used today); when the run wrote
    /// anything, at most once a day, delete packs untouched for 30 days and
    /// other key directories unused for 7 days.
    pub fn finish(&self, live: &[EntryKey]) {
        self.flush();
        if !self.wrote.load(Ordering::Relaxed) {
            return;
        }
        merge_packs(&self.packs_dir(), live);
        let stamp = self.dir.join(PRUNED);
        if stamp_age(&stamp).is_some_and(|age| age < DAY) {
            return;
        }
        let _ = write_atomic(&stamp, b"");
        prune_entries(&self.dir, ENTRY_TTL);
        if let Some(cache_dir) = self.dir.parent() {
            prune_other_keys(cache_dir, &self.dir, OTHER_KEYS_TTL);
        }
    }
}

/// The body of a facts entry: the file's line count (4 bytes
/// little-endian), the entry's string table (its length as 4 bytes
/// little-endian, then postcard of the strings), then postcard of
/// `(FileFacts, notifications)`, every interned
/// string as its index in the table (`crate::interned`: a string is
/// interned once per entry when read back, not at every use) and the line
/// count left out. The line count is read only for `--stats`; kept out of
/// the rest, the facts digest (a hash of the rest) stays the same when a
/// blank line is appended.
pub(crate) fn encode_body(facts: &mut FileFacts, notes: &[Notification]) -> io::Result<Vec<u8>> {
    let lines = std::mem::take(&mut facts.line_count);
    let (inner, strings) =
        crate::interned::with_encode_table(|| postcard::to_allocvec(&(&*facts, notes)));
    facts.line_count = lines;
    let inner = inner.map_err(io::Error::other)?;
    let table = crate::interned::encode_table(&strings);
    let len = u32::try_from(table.len()).map_err(io::Error::other)?;
    let mut body = Vec::with_capacity(FACTS_HEAD + 4 + table.len() + inner.len());
    body.extend_from_slice(&lines.to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(&table);
    body.extend_from_slice(&inner);
    Ok(body)
}

pub(crate) fn decode_body(bytes: &[u8]) -> Option<(FileFacts, Vec<Notification>)> {
    let (lines, rest) = bytes.split_first_chunk::<FACTS_HEAD>()?;
    let (len, rest) = rest.split_first_chunk::<4>()?;
    let (table, inner) = rest.split_at_checked(u32::from_le_bytes(*len) as usize)?;
    let (mut facts, notes): (FileFacts, Vec<Notification>) =
        crate::interned::with_decode_table(table, || postcard::from_bytes(inner).ok())??;
    facts.line_count = u32::from_le_bytes(*lines);
    Some((facts, notes))
}

/// Bytes at the head of a facts entry's body that its digest leaves out
/// (the line count).
const FACTS_HEAD: usize = 4;
/// One record of the digest index: facts key, facts digest, line count.
const DIGEST_RECORD: usize = 32 + 32 + 4;

/// What an entry holds; part of its checksum, so that one kind can never
/// be read as the other.
#[derive(Clone, Copy)]
enum Kind {
    Facts = 1,
    Result = 2,
    Digests = 3,
    Pointer = 4,
    Parts = 5,
}

impl Kind {
    /// Bytes at the head of a body that the body's digest leaves out; the
    /// checksum covers them.
    fn head(self) -> usize {
        match self {
            Kind::Facts => FACTS_HEAD,
            Kind::Result | Kind::Digests | Kind::Pointer | Kind::Parts => 0,
        }
    }
}

/// This build of the binary, for these settings: the key directory's name
/// is derived from it, and it keys every entry's checksum. It is never
/// written anywhere, so whoever only has the cache directory (or commits
/// one) cannot make an entry this build accepts.
struct BuildId([u8; 32]);

impl BuildId {
    fn current(passthrough: &[String]) -> BuildId {
        let mut h = Sha256::new();
        h.update(FORMAT.as_bytes());
        h.update([0]);
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update([0]);
        // This build of the binary, on this machine: a rebuilt binary may
        // extract differently, and a copy elsewhere has another identity.
        if let Ok(meta) = std::env::current_exe().and_then(fs::metadata) {
            h.update(meta.len().to_le_bytes());
            if let Ok(t) = meta.modified()
                && let Ok(d) = t.duration_since(SystemTime::UNIX_EPOCH)
            {
                h.update(d.as_nanos().to_le_bytes());
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                h.update(meta.dev().to_le_bytes());
                h.update(meta.ino().to_le_bytes());
            }
        }
        for m in passthrough {
            h.update((m.len() as u64).to_le_bytes());
            h.update(m.as_bytes());
        }
        BuildId(h.finalize().into())
    }

    /// The key directory's name: 16 hex digits of a hash of the identity.
    fn dir_name(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"synthlint-cache-dir\0");
        h.update(self.0);
        let digest: [u8; 32] = h.finalize().into();
        hex(&digest)[..16].to_string()
    }

    /// The checksum of an entry: over the identity, the kind, the key, the
    /// body's head and a hash of the rest of it, its digest (fixed-length
    /// fields: nothing can be appended). `None` when the body is shorter
    /// than its head.
    fn tag(&self, kind: Kind, key: &EntryKey, body: &[u8]) -> Option<([u8; TAG_LEN], [u8; 32])> {
        let (head, rest) = body.split_at_checked(kind.head())?;
        let digest: [u8; 32] = Sha256::digest(rest).into();
        Some((self.tag_over(kind, key, head, &digest), digest))
    }

    /// The checksum of an entry whose body is `head` and then bytes whose
    /// digest is `digest`.
    fn tag_over(
        &self,
        kind: Kind,
        key: &EntryKey,
        head: &[u8],
        digest: &[u8; 32],
    ) -> [u8; TAG_LEN] {
        let mut h = Sha256::new();
        h.update(b"synthlint-cache-entry\0");
        h.update(self.0);
        h.update([kind as u8]);
        h.update(key);
        h.update(head);
        h.update(digest);
        h.finalize().into()
    }

    /// An entry (magic bytes, checksum, body) and the body's digest.
    fn seal(
        &self,
        kind: Kind,
        key: &EntryKey,
        magic: &[u8; 4],
        body: &[u8],
    ) -> (Vec<u8>, [u8; 32]) {
        let (tag, digest) = self
            .tag(kind, key, body)
            .expect("a body holds its own head");
        let mut out = Vec::with_capacity(4 + TAG_LEN + body.len());
        out.extend_from_slice(magic);
        out.extend_from_slice(&tag);
        out.extend_from_slice(body);
        (out, digest)
    }

    /// The body of an entry whose magic bytes and checksum are right, and
    /// its digest.
    fn verify<'b>(
        &self,
        kind: Kind,
        key: &EntryKey,
        magic: &[u8; 4],
        entry: &'b [u8],
    ) -> Option<(&'b [u8], [u8; 32])> {
        let rest = entry.strip_prefix(magic)?;
        let (tag, body) = rest.split_at_checked(TAG_LEN)?;
        let (expected, digest) = self.tag(kind, key, body)?;
        (tag == expected).then_some((body, digest))
    }
}

/// Whether `dir` holds the `CACHEDIR.TAG` synthlint writes.
fn is_marked(dir: &Path) -> bool {
    let tag = dir.join("CACHEDIR.TAG");
    fs::symlink_metadata(&tag).is_ok_and(|m| m.is_file() && m.len() < 4096)
        && fs::read(&tag).is_ok_and(|b| b == CACHEDIR_TAG.as_bytes())
}

/// Mark a directory synthlint made (or found empty) as its cache, kept out
/// of version control and backups.
fn mark(dir: &Path) -> io::Result<()> {
    write_atomic(&dir.join(".gitignore"), GITIGNORE.as_bytes())?;
    write_atomic(&dir.join("CACHEDIR.TAG"), CACHEDIR_TAG.as_bytes())
}

/// Make sure `dir` is a real directory (created if missing), never a link.
fn real_dir(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::other("not a directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(dir) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => real_dir(dir),
            other => other,
        },
        Err(e) => Err(e),
    }
}

/// An entry's file and bytes: a regular file (not a link), at most
/// `MAX_ENTRY_SIZE`.
fn read_entry(path: &Path) -> Option<(fs::File, Vec<u8>)> {
    if !fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let f = fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_ENTRY_SIZE {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&f).take(MAX_ENTRY_SIZE).read_to_end(&mut bytes).ok()?;
    Some((f, bytes))
}

/// A temporary file's name in `parent` for `path`'s new contents that no
/// other writer uses: `.<name>.<pid>.<seq>.tmp`.
fn temporary_path(parent: &Path, path: &Path) -> PathBuf {
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(16).collect())
        .unwrap_or_default();
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    parent.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Write `body` to `path` through a temporary file in the same directory
/// and a rename, so no reader ever sees half of it.
fn write_atomic(path: &Path, body: &[u8]) -> io::Result<()> {
    let parent = path.parent().expect("entries sit in a directory");
    let tmp = temporary_path(parent, path);
    let mut f = fs::File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let written = f.write_all(body).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Open a regular file for reading, never through a link: the file opened
/// must be the one `lstat` found (on Unix, the same device and inode).
fn open_regular(path: &Path) -> Option<fs::File> {
    let before = fs::symlink_metadata(path).ok()?;
    if !before.is_file() {
        return None;
    }
    let f = fs::File::open(path).ok()?;
    let opened = f.metadata().ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
            return None;
        }
    }
    opened.is_file().then_some(f)
}

#[cfg(unix)]
fn read_exact_at(f: &fs::File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(f: &fs::File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Days since the epoch: an entry's age in a pack's index.
fn today() -> u32 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as u32)
}

/// A pack of facts entries (written once, never changed; a merge writes a
/// new one): `PACK_MAGIC`, the day it was made (4 bytes little-endian),
/// the sealed entries one after another, the index (`PACK_RECORD` bytes
/// each: key, offset, length, day last used), and the trailer (record
/// count, index offset, `PACK_TRAILER_MAGIC`). The index is not sealed:
/// each entry is, under its own key, so an index that names the wrong
/// bytes for a key gives a miss.
struct PackIndex {
    file: fs::File,
    made: u32,
    records: Vec<(EntryKey, Slot)>,
}

/// A pack's file and index, when it is a regular file that holds one;
/// `Slot::pack` is left 0.
fn read_pack(path: &Path) -> Option<PackIndex> {
    let file = open_regular(path)?;
    let len = file.metadata().ok()?.len();
    let mut head = [0u8; PACK_HEAD as usize];
    read_exact_at(&file, &mut head, 0).ok()?;
    let (magic, made) = head.split_first_chunk::<4>()?;
    if magic != PACK_MAGIC {
        return None;
    }
    let made = u32::from_le_bytes(made.try_into().ok()?);
    let trailer_at = len.checked_sub(PACK_TRAILER)?;
    let mut trailer = [0u8; PACK_TRAILER as usize];
    read_exact_at(&file, &mut trailer, trailer_at).ok()?;
    let (count, rest) = trailer.split_first_chunk::<4>()?;
    let (index_at, magic) = rest.split_first_chunk::<8>()?;
    if magic != PACK_TRAILER_MAGIC {
        return None;
    }
    let count = u32::from_le_bytes(*count) as u64;
    let index_at = u64::from_le_bytes(*index_at);
    let index_len = count.checked_mul(PACK_RECORD as u64)?;
    // Read only as much as an entry may be: a forged (sparse) pack cannot
    // make a run allocate more.
    if index_len > MAX_ENTRY_SIZE
        || index_at < PACK_HEAD
        || index_at.checked_add(index_len)? != trailer_at
    {
        return None;
    }
    let mut index = vec![0u8; index_len as usize];
    read_exact_at(&file, &mut index, index_at).ok()?;
    let mut records = Vec::with_capacity(count as usize);
    for r in index.chunks_exact(PACK_RECORD) {
        let key: EntryKey = r[..32].try_into().ok()?;
        let offset = u64::from_le_bytes(r[32..40].try_into().ok()?);
        let len = u32::from_le_bytes(r[40..44].try_into().ok()?);
        let day = u32::from_le_bytes(r[44..48].try_into().ok()?);
        if offset < PACK_HEAD
            || offset.checked_add(len as u64)? > index_at
            || len as u64 > MAX_ENTRY_SIZE
        {
            return None;
        }
        records.push((
            key,
            Slot {
                pack: 0,
                offset,
                len,
                day,
            },
        ));
    }
    Some(PackIndex {
        file,
        made,
        records,
    })
}

/// The packs in `dir` synthlint named, in name order; a pack that is not
/// whole is left out. A key in two packs is found in the first.
fn read_packs(dir: &Path) -> Packs {
    let mut packs = Packs::default();
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return packs;
    }
    let mut listed = owned_files(dir, PACK_NAME_LEN);
    listed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (path, _) in listed {
        let Some(index) = read_pack(&path) else {
            continue;
        };
        let n = packs.files.len() as u32;
        packs.entries.reserve(index.records.len());
        for (key, slot) in index.records {
            packs.entries.entry(key).or_insert(Slot { pack: n, ..slot });
        }
        packs.files.push(Pack {
            file: index.file,
            read: AtomicBool::new(false),
        });
    }
    packs
}

/// A pack being written: a temporary file in the packs' directory, renamed
/// to a new pack's name once whole; removed when dropped before that.
struct PackWriter {
    tmp: PathBuf,
    out: io::BufWriter<fs::File>,
    at: u64,
    index: Vec<u8>,
    count: u32,
    done: bool,
}

impl PackWriter {
    fn create(dir: &Path) -> io::Result<PackWriter> {
        real_dir(dir)?;
        let tmp = temporary_path(dir, Path::new("pack"));
        let file = fs::File::options()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = PackWriter {
            tmp,
            out: io::BufWriter::with_capacity(1 << 20, file),
            at: 0,
            index: Vec::new(),
            count: 0,
            done: false,
        };
        w.out.write_all(PACK_MAGIC)?;
        w.out.write_all(&today().to_le_bytes())?;
        w.at = PACK_HEAD;
        Ok(w)
    }

    /// Append a sealed entry under `key`, last used on `day`.
    fn append(&mut self, key: &EntryKey, sealed: &[u8], day: u32) -> io::Result<()> {
        let len = u32::try_from(sealed.len()).map_err(io::Error::other)?;
        self.count = self.count.checked_add(1).ok_or(io::ErrorKind::Other)?;
        self.out.write_all(sealed)?;
        self.index.extend_from_slice(key);
        self.index.extend_from_slice(&self.at.to_le_bytes());
        self.index.extend_from_slice(&len.to_le_bytes());
        self.index.extend_from_slice(&day.to_le_bytes());
        self.at += len as u64;
        Ok(())
    }

    /// Write the index and trailer and rename the pack into `dir` under a
    /// new name. A pack with no entry is not kept.
    fn finish(mut self, dir: &Path) -> io::Result<()> {
        if self.count == 0 {
            return Err(io::Error::other("empty pack"));
        }
        self.out.write_all(&self.index)?;
        self.out.write_all(&self.count.to_le_bytes())?;
        self.out.write_all(&self.at.to_le_bytes())?;
        self.out.write_all(PACK_TRAILER_MAGIC)?;
        self.out.flush()?;
        let path = new_pack_path(dir);
        fs::rename(&self.tmp, path)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for PackWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// A name for a new pack that no pack in `dir` has: 16 hex digits of a
/// hash of this process, the time and a counter.
fn new_pack_path(dir: &Path) -> PathBuf {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    loop {
        let mut h = Sha256::new();
        h.update(std::process::id().to_le_bytes());
        h.update(SEQ.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        if let Ok(d) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
            h.update(d.as_nanos().to_le_bytes());
        }
        let digest: [u8; 32] = h.finalize().into();
        let path = dir.join(&hex(&digest)[..PACK_NAME_LEN]);
        if fs::symlink_metadata(&path).is_err() {
            return path;
        }
    }
}

/// When `dir` holds more than `MAX_PACKS` packs, merge them into one: all
/// but the largest, or all of them when the largest was made more than
/// `FULL_MERGE_AGE` days ago. An entry of `live` counts as used today; an
/// entry not used for 30 days is dropped. The merged pack is in place
/// before its sources are deleted, so a concurrent reader finds every
/// entry in one or the other (or misses, never a wrong entry).
fn merge_packs(dir: &Path, live: &[EntryKey]) {
    let mut listed: Vec<(PathBuf, u64)> = owned_files(dir, PACK_NAME_LEN)
        .into_iter()
        .filter_map(|(path, _)| Some((fs::symlink_metadata(&path).ok()?.len(), path)))
        .map(|(len, path)| (path, len))
        .collect();
    if listed.len() <= MAX_PACKS {
        return;
    }
    listed.sort_unstable_by_key(|p| std::cmp::Reverse(p.1));
    let today = today();
    let largest_is_recent =
        read_pack(&listed[0].0).is_some_and(|p| today.saturating_sub(p.made) <= FULL_MERGE_AGE);
    let sources = if largest_is_recent {
        &listed[1..]
    } else {
        &listed[..]
    };
    let live: FastSet<EntryKey> = live.iter().copied().collect();
    let ttl_days = (ENTRY_TTL.as_secs() / 86_400) as u32;
    let Ok(mut merged) = PackWriter::create(dir) else {
        return;
    };
    let mut seen = FastSet::default();
    for (path, _) in sources {
        // A pack that is not whole has nothing to keep.
        let Some(pack) = read_pack(path) else {
            continue;
        };
        for (key, slot) in pack.records {
            let day = if live.contains(&key) { today } else { slot.day };
            if today.saturating_sub(day) > ttl_days || !seen.insert(key) {
                continue;
            }
            let mut bytes = vec![0; slot.len as usize];
            if read_exact_at(&pack.file, &mut bytes, slot.offset).is_err()
                || merged.append(&key, &bytes, day).is_err()
            {
                return;
            }
        }
    }
    if merged.count > 0 && merged.finish(dir).is_err() {
        return;
    }
    for (path, _) in sources {
        let _ = fs::remove_file(path);
    }
}

/// Delete all but the `keep` most recently modified result entries in
/// `dir` (and temporary files older than a day: a writer that died).
fn keep_newest(dir: &Path, keep: usize) {
    let mut found: Vec<(SystemTime, PathBuf)> = owned_files(dir, RESULT_NAME_LEN)
        .into_iter()
        .filter_map(|(path, age)| Some((SystemTime::now().checked_sub(age?)?, path)))
        .collect();
    found.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, path) in found.into_iter().skip(keep) {
        let _ = fs::remove_file(path);
    }
    remove_stale_temporaries(dir, DAY);
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

/// Age of a stamp file (a regular file, not a link).
fn stamp_age(path: &Path) -> Option<Duration> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    meta.modified().ok()?.elapsed().ok()
}

/// Names synthlint gives: key directories (16), packs (16), shards and
/// facts entries of earlier formats (2, 62) and result entries (64) are
/// lowercase hex digits.
const KEY_NAME_LEN: usize = 16;
const PACK_NAME_LEN: usize = 16;
const SHARD_NAME_LEN: usize = 2;
const FACTS_NAME_LEN: usize = 62;
const RESULT_NAME_LEN: usize = 64;

fn is_hex_name(name: &std::ffi::OsStr, len: usize) -> bool {
    name.to_str().is_some_and(|n| {
        n.len() == len
            && n.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `write_atomic`'s temporary files: `.<name>.<pid>.<seq>.tmp`.
fn is_temporary(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with('.') && n.ends_with(".tmp") && n.len() <= 64)
}

/// Regular files in `dir` named as synthlint names entries of `len` hex
/// digits, with their age (`None` when unknown). Links and anything else
/// are left out.
fn owned_files(dir: &Path, len: usize) -> Vec<(PathBuf, Option<Duration>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| is_hex_name(&e.file_name(), len))
        .filter_map(|e| {
            let meta = e.metadata().ok()?; // of the entry itself: never follows a link
            meta.is_file().then(|| {
                (
                    e.path(),
                    meta.modified().ok().and_then(|t| t.elapsed().ok()),
                )
            })
        })
        .collect()
}

/// Sub-directories of `dir` named as synthlint names them (`len` hex digits),
/// links excluded.
fn owned_dirs(dir: &Path, len: usize) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| is_hex_name(&e.file_name(), len))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

fn remove_stale_temporaries(dir: &Path, ttl: Duration) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = is_temporary(&e.file_name())
            && e.metadata().is_ok_and(|m| {
                m.is_file()
                    && m.modified()
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > ttl)
            });
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Delete packs and facts entries of earlier formats (and leftover
/// temporary files) older than `ttl` from a key directory; shards left
/// empty go too.
fn prune_entries(dir: &Path, ttl: Duration) {
    let packs = dir.join(PACKS);
    if fs::symlink_metadata(&packs).is_ok_and(|m| m.is_dir()) {
        for (path, age) in owned_files(&packs, PACK_NAME_LEN) {
            if age.is_some_and(|a| a > ttl) {
                let _ = fs::remove_file(path);
            }
        }
        remove_stale_temporaries(&packs, ttl.min(DAY));
    }
    for shard in owned_dirs(dir, SHARD_NAME_LEN) {
        for (path, age) in owned_files(&shard, FACTS_NAME_LEN) {
            if age.is_some_and(|a| a > ttl) {
                let _ = fs::remove_file(path);
            }
        }
        remove_stale_temporaries(&shard, ttl.min(DAY));
        // Only once empty: anything synthlint did not write stays.
        let _ = fs::remove_dir(&shard);
    }
}

/// Delete other key directories than `keep` whose `used` stamp is older
/// than `ttl`: what synthlint wrote in them, then each directory once empty.
/// A directory without the stamp was not made by synthlint and is left alone.
fn prune_other_keys(cache_dir: &Path, keep: &Path, ttl: Duration) {
    for key_dir in owned_dirs(cache_dir, KEY_NAME_LEN) {
        if key_dir == keep || stamp_age(&key_dir.join(USED)).is_none_or(|age| age <= ttl) {
            continue;
        }
        prune_entries(&key_dir, Duration::ZERO);
        let _ = fs::remove_dir(key_dir.join(PACKS));
        let results = key_dir.join(RESULTS);
        if fs::symlink_metadata(&results).is_ok_and(|m| m.is_dir()) {
            for (path, _) in owned_files(&results, RESULT_NAME_LEN) {
                let _ = fs::remove_file(path);
            }
            remove_stale_temporaries(&results, Duration::ZERO);
            let _ = fs::remove_dir(&results);
        }
        remove_stale_temporaries(&key_dir, Duration::ZERO);
        for stamp in [PRUNED, USED, DIGESTS, PARTS] {
            let path = key_dir.join(stamp);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(path);
            }
        }
        let _ = fs::remove_dir(&key_dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(path: &str) -> FileFacts {
        crate::lang::python::extract(path, "x = 1\n", &[]).0
    }

    /// The same cache as a new run sees it (packs read afresh).
    fn reopen(cache: &FactsCache) -> FactsCache {
        let root = cache.dir.parent().unwrap();
        FactsCache::open(root, root, &[]).unwrap()
    }

    /// The packs in `cache`'s key directory, in name order.
    fn pack_paths(cache: &FactsCache) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = owned_files(&cache.packs_dir(), PACK_NAME_LEN)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        paths.sort();
        paths
    }

    /// The only pack in `cache`'s key directory.
    fn only_pack(cache: &FactsCache) -> PathBuf {
        let paths = pack_paths(cache);
        assert_eq!(paths.len(), 1, "{paths:?}");
        paths[0].clone()
    }

    /// Write a pack of `entries` as they are (sealed or not).
    fn write_pack(cache: &FactsCache, entries: &[(EntryKey, Vec<u8>)]) {
        let mut w = PackWriter::create(&cache.packs_dir()).unwrap();
        for (k, bytes) in entries {
            w.append(k, bytes, today()).unwrap();
        }
        w.finish(&cache.packs_dir()).unwrap();
    }

    #[test]
    fn round_trip_miss_and_corrupt_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c");
        let cache = FactsCache::open(&dir, tmp.path(), &["to".into()]).unwrap();
        assert!(dir.join(".gitignore").is_file() && dir.join("CACHEDIR.TAG").is_file());
        let k = FactsCache::key("a.py", "x = 1\n");
        assert_ne!(
            k,
            FactsCache::key("b.py", "x = 1\n"),
            "the path is part of the key"
        );
        assert_ne!(k, FactsCache::key("a.py", "x = 2\n"));
        assert!(cache.get(&k).is_none());
        cache.put(&k, &mut facts("a.py"), &[]);
        cache.flush();
        let cache = FactsCache::open(&dir, tmp.path(), &["to".into()]).unwrap();
        let (f, notes, _) = cache.get(&k).expect("hit");
        assert_eq!(f.path, "a.py");
        assert!(notes.is_empty());
        assert_eq!(cache.counts(), (1, 0));
        // A damaged pack is a miss, never an error.
        let pack = only_pack(&cache);
        let open = || FactsCache::open(&dir, tmp.path(), &["to".into()]).unwrap();
        fs::write(&pack, b"SLK1\xff\x00garbage").unwrap();
        assert!(open().get(&k).is_none());
        fs::write(&pack, b"").unwrap();
        assert!(open().get(&k).is_none());
        fs::remove_file(&pack).unwrap();
        // An entry of an older encoding, whatever it holds, is a miss.
        let cache = open();
        let body = encode_body(&mut facts("a.py"), &[]).unwrap();
        let (mut old, _) = cache.build.seal(Kind::Facts, &k, MAGIC, &body);
        old[..4].copy_from_slice(b"SLF2");
        write_pack(&cache, &[(k, old)]);
        assert!(open().get(&k).is_none());
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
                let (mut facts, notes) =
                    crate::lang::python::extract("f.py", &text, &["to".into()]);
                let (back, back_notes) =
                    decode_body(&encode_body(&mut facts, &notes).unwrap()).expect("decodes");
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
        let (mut facts, notes) = crate::lang::python::extract("v.py", src, &[]);
        let (back, _) = decode_body(&encode_body(&mut facts, &notes).unwrap()).expect("decodes");
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
            "a finding",
            Location {
                path: "a.py".into(),
                span: crate::source::Span::default(),
            },
        );
        f.properties.insert(
            "values",
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
    fn the_two_result_keys_never_meet() {
        let k = FactsCache::key("a.py", "x = 1\n");
        let files = [("a.py", k)];
        assert_ne!(
            result_key(b"s", &files, &[]),
            facts_result_key(b"s", &files, &[])
        );
        let d = [7u8; 32];
        let key = |files: &[(&str, FactsDigest)]| facts_result_key(b"s", files, &[]).unwrap();
        assert_ne!(key(&[("a.py", d)]), key(&[("b.py", d)]));
        assert_ne!(key(&[("a.py", d)]), key(&[("a.py", [8; 32])]));
        assert_ne!(
            key(&[("a.py", d)]),
            facts_result_key(b"t", &[("a.py", d)], &[]).unwrap()
        );
        assert_ne!(
            key(&[("a.py", d)]),
            facts_result_key(b"s", &[("a.py", d)], &[note("b.py")]).unwrap()
        );
    }

    /// The facts digest is the same for texts with the same facts (a
    /// blank line appended, a plain comment reworded in place once comments
    /// are dropped) and differs when a fact does; the line count is kept
    /// apart and read back.
    #[test]
    fn the_facts_digest_follows_the_facts_not_the_text() {
        let digest = |text: &str| {
            let (mut f, notes) = crate::lang::python::extract("a.py", text, &[]);
            f.comments.clear();
            let body = encode_body(&mut f, &notes).unwrap();
            let (back, _) = decode_body(&body).unwrap();
            assert_eq!(back.line_count, f.line_count);
            let d: FactsDigest = Sha256::digest(&body[FACTS_HEAD..]).into();
            d
        };
        let base = digest("x = f(1)  # one\n");
        assert_eq!(base, digest("x = f(1)  # one\n\n\n"));
        assert_eq!(base, digest("x = f(1)  # two\n"));
        assert_ne!(base, digest("x = f(2)  # one\n"));
        assert_ne!(base, digest("\nx = f(1)  # one\n"));
    }

    #[test]
    fn the_digest_index_round_trips_and_any_damage_empties_it() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        assert!(cache.get_digests().is_empty());
        let k = FactsCache::key("a.py", "x = 1\n");
        let digest = cache.put(&k, &mut facts("a.py"), &[]).unwrap();
        cache.flush();
        assert_eq!(
            reopen(&cache).get(&k).unwrap().2,
            digest,
            "read back, the same digest"
        );
        let rec = Digested { digest, lines: 1 };
        let other = (FactsCache::key("b.py", ""), Digested { digest, lines: 0 });
        cache.put_digests(&mut [(k, rec), other]);
        let map = cache.get_digests();
        assert_eq!((map.len(), map.get(&k)), (2, Some(&rec)));
        let path = cache.dir.join(DIGESTS);
        let good = fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            fs::write(&path, &bad).unwrap();
            assert!(cache.get_digests().is_empty(), "byte {i} changed");
        }
        for bad in [&good[..good.len() - 1], &good[..40], b""] {
            fs::write(&path, bad).unwrap();
            assert!(cache.get_digests().is_empty());
        }
        // Sealed by another build: ignored.
        let (_, body) = good.split_at(4 + TAG_LEN);
        let (forged, _) = BuildId([7; 32]).seal(Kind::Digests, &[0; 32], DIGESTS_MAGIC, body);
        fs::write(&path, forged).unwrap();
        assert!(cache.get_digests().is_empty());
    }

    #[test]
    fn result_entries_round_trip_and_damage_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
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
        // One result under two keys: each entry sealed for its own key.
        let k2 = facts_result_key(b"s", &[], &[]).unwrap();
        cache.put_results(&[&k, &k2], &e);
        for key in [&k, &k2] {
            let back = cache.get_result(key).expect("hit");
            assert_eq!(back.findings.len(), 1);
        }
        let mut swapped = fs::read(cache.result_path(&k2)).unwrap();
        swapped[4..4 + TAG_LEN].copy_from_slice(&fs::read(&path).unwrap()[4..4 + TAG_LEN]);
        fs::write(cache.result_path(&k2), swapped).unwrap();
        assert!(cache.get_result(&k2).is_none(), "another key's seal");
        // A rule code this build does not know makes the entry unreadable.
        cache.put_result(&k, &entry("XYZ999"));
        assert!(path.is_file());
        assert!(cache.get_result(&k).is_none());
    }

    /// One result under two keys is stored once: the second key holds a
    /// sealed pointer, which serves the entry with its own line count, and
    /// any damage to it, a pointer sealed for another key, a pointer to a
    /// missing entry or to another pointer is a miss.
    #[test]
    fn a_second_key_points_at_the_stored_result() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        let (k, k2) = (
            result_key(b"s", &[], &[]).unwrap(),
            facts_result_key(b"s", &[], &[]).unwrap(),
        );
        let e = entry("GEN001");
        cache.put_results(&[&k, &k2], &e);
        let full = fs::metadata(cache.result_path(&k)).unwrap().len();
        let pointer = fs::read(cache.result_path(&k2)).unwrap();
        assert_eq!(pointer.len(), 4 + TAG_LEN + 40);
        assert!(full > pointer.len() as u64);
        assert_eq!(cache.get_result(&k2).unwrap().lines, e.lines);
        // A text's key pointing at the result of the same facts.
        let k3 = result_key(b"t", &[], &[]).unwrap();
        cache.put_pointer(&k3, &k, 99);
        let back = cache.get_result(&k3).expect("hit");
        assert_eq!((back.lines, back.findings.len()), (99, 1));
        for i in 0..pointer.len() {
            let mut bad = pointer.clone();
            bad[i] ^= 0x01;
            fs::write(cache.result_path(&k2), &bad).unwrap();
            assert!(cache.get_result(&k2).is_none(), "byte {i} changed");
        }
        // Sealed for another key, or by another build.
        fs::write(
            cache.result_path(&k2),
            fs::read(cache.result_path(&k3)).unwrap(),
        )
        .unwrap();
        assert!(cache.get_result(&k2).is_none());
        let mut body = k.to_vec();
        body.extend_from_slice(&1u64.to_le_bytes());
        let forged = BuildId([7; 32])
            .seal(Kind::Pointer, &k2, POINTER_MAGIC, &body)
            .0;
        fs::write(cache.result_path(&k2), forged).unwrap();
        assert!(cache.get_result(&k2).is_none());
        // A pointer to a pointer.
        cache.put_pointer(&k2, &k3, 1);
        assert!(cache.get_result(&k2).is_none());
        // A pointer whose entry is gone.
        cache.put_pointer(&k2, &k, 1);
        assert!(cache.get_result(&k2).is_some());
        fs::remove_file(cache.result_path(&k)).unwrap();
        assert!(cache.get_result(&k2).is_none());
    }

    /// A pack cut short anywhere, or with bytes added, is a miss for all of
    /// its entries and an error for none; a forged pack (entries sealed by
    /// another build, an index naming another entry's bytes) gives no
    /// facts.
    #[test]
    fn a_truncated_or_forged_pack_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        let keys: Vec<EntryKey> = ["a.py", "b.py", "c.py"]
            .iter()
            .map(|p| FactsCache::key(p, "x = 1\n"))
            .collect();
        for (k, p) in keys.iter().zip(["a.py", "b.py", "c.py"]) {
            cache.put(k, &mut facts(p), &[]);
        }
        cache.flush();
        let pack = only_pack(&cache);
        let good = fs::read(&pack).unwrap();
        for len in (0..good.len()).step_by(7).chain([good.len() - 1]) {
            fs::write(&pack, &good[..len]).unwrap();
            let cache = reopen(&cache);
            assert!(keys.iter().all(|k| cache.get(k).is_none()), "{len} bytes");
        }
        let mut longer = good.clone();
        longer.push(0);
        fs::write(&pack, &longer).unwrap();
        assert!(reopen(&cache).get(&keys[0]).is_none());
        fs::write(&pack, &good).unwrap();
        assert!(keys.iter().all(|k| reopen(&cache).get(k).is_some()));
        // The index swapped: each key names another key's entry.
        let pack_index = read_pack(&pack).unwrap();
        let mut swapped = good.clone();
        let index_at = good.len() - PACK_TRAILER as usize - 3 * PACK_RECORD;
        for (i, (_, slot)) in pack_index.records.iter().enumerate() {
            let at = index_at + ((i + 1) % 3) * PACK_RECORD + 32;
            swapped[at..at + 8].copy_from_slice(&slot.offset.to_le_bytes());
            swapped[at + 8..at + 12].copy_from_slice(&slot.len.to_le_bytes());
        }
        fs::write(&pack, &swapped).unwrap();
        let forged = reopen(&cache);
        assert!(keys.iter().all(|k| forged.get(k).is_none()));
        // An entry sealed by another build, in a pack of the right shape.
        let body = encode_body(&mut facts("a.py"), &[]).unwrap();
        fs::remove_file(&pack).unwrap();
        let other = BuildId([9; 32]).seal(Kind::Facts, &keys[0], MAGIC, &body).0;
        write_pack(&cache, &[(keys[0], other)]);
        assert!(reopen(&cache).get(&keys[0]).is_none());
        // Files with other names in the packs' directory are not read or
        // deleted.
        let stray = cache.packs_dir().join("notes.txt");
        fs::write(&stray, &good).unwrap();
        assert!(reopen(&cache).get(&keys[1]).is_none());
        reopen(&cache).finish(&[]);
        assert!(stray.is_file());
    }

    /// Two processes (here: two caches on the same directory, each with its
    /// own pack, written from two threads at once) never spoil each
    /// other's entries, and a reader that opened the packs before a merge
    /// deleted them still reads its entries.
    #[test]
    fn concurrent_writers_each_keep_their_pack() {
        let tmp = tempfile::tempdir().unwrap();
        let first = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        let keys = |w: usize| -> Vec<(EntryKey, String)> {
            (0..40)
                .map(|i| {
                    let path = format!("w{w}_{i}.py");
                    (FactsCache::key(&path, "x = 1\n"), path)
                })
                .collect()
        };
        std::thread::scope(|s| {
            for w in 0..2 {
                let dir = tmp.path();
                s.spawn(move || {
                    let cache = FactsCache::open(dir, dir, &[]).unwrap();
                    for (k, p) in keys(w) {
                        cache.put(&k, &mut facts(&p), &[]);
                    }
                    cache.finish(&[]);
                });
            }
        });
        assert_eq!(pack_paths(&first).len(), 2);
        let reader = reopen(&first);
        for (k, _) in keys(0).iter().chain(&keys(1)) {
            assert!(reader.get(k).is_some());
        }
        // Enough packs to be merged, while `reader` has them open.
        for i in 0..MAX_PACKS {
            let k = FactsCache::key(&format!("more{i}.py"), "");
            first.put(&k, &mut facts("m.py"), &[]);
            first.flush();
        }
        first.finish(&[]);
        let merged = reopen(&first);
        assert!(pack_paths(&merged).len() <= 2);
        for (k, _) in keys(0).iter().chain(&keys(1)) {
            assert!(merged.get(k).is_some());
            assert!(reader.get(k).is_some(), "read from the packs it opened");
        }
    }

    /// More than `MAX_PACKS` packs are merged into one (the largest kept
    /// while it is recent); entries unused for 30 days go, unless this run
    /// uses them; a key in several merged packs is kept once.
    #[test]
    fn packs_are_merged_and_unused_entries_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        let key = |i: usize| FactsCache::key(&format!("f{i}.py"), "");
        let sealed = |k: &EntryKey| {
            let body = encode_body(&mut facts("f.py"), &[]).unwrap();
            cache.build.seal(Kind::Facts, k, MAGIC, &body).0
        };
        // The largest pack: ten entries.
        let big: Vec<(EntryKey, Vec<u8>)> = (0..10).map(|i| (key(i), sealed(&key(i)))).collect();
        write_pack(&cache, &big);
        // Small packs: an old entry, an old one this run uses, and one
        // duplicate of the big pack's.
        let long_ago = today() - 40;
        let small = |k: EntryKey, day: u32| {
            let mut w = PackWriter::create(&cache.packs_dir()).unwrap();
            w.append(&k, &sealed(&k), day).unwrap();
            w.finish(&cache.packs_dir()).unwrap();
        };
        small(key(100), long_ago);
        small(key(101), long_ago);
        small(key(0), today());
        for i in 0..MAX_PACKS - 3 {
            small(key(200 + i), today());
        }
        assert_eq!(pack_paths(&cache).len(), MAX_PACKS + 1);
        merge_packs(&cache.packs_dir(), &[key(101)]);
        let packs = pack_paths(&cache);
        assert_eq!(packs.len(), 2, "the largest and the merged one");
        let cache = reopen(&cache);
        assert!(cache.get(&key(100)).is_none(), "unused for 40 days");
        assert!(cache.get(&key(101)).is_some(), "used by this run");
        for i in (0..10).chain(200..200 + MAX_PACKS - 3) {
            assert!(cache.get(&key(i)).is_some(), "{i}");
        }
        let entries: usize = packs
            .iter()
            .map(|p| read_pack(p).unwrap().records.len())
            .sum();
        assert_eq!(entries, 10 + 1 + 1 + MAX_PACKS - 3);
    }

    #[test]
    fn only_the_most_recently_used_results_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
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
        let mut expected = vec![true; MAX_RESULTS + 2];
        expected[..2].fill(false);
        assert_eq!(stored, expected);
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
        let dir = |p: &[String]| BuildId::current(p).dir_name();
        assert_ne!(dir(&["to".into()]), dir(&["cuda".into()]));
        assert_eq!(dir(&["to".into()]), dir(&["to".into()]));
    }

    #[test]
    fn pruning_removes_only_old_entries_and_unused_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        let (old, new) = (FactsCache::key("old.py", ""), FactsCache::key("new.py", ""));
        // Two runs' packs, the first one unused for long.
        cache.put(&old, &mut facts("old.py"), &[]);
        cache.flush();
        let old_pack = only_pack(&cache);
        cache.put(&new, &mut facts("new.py"), &[]);
        cache.flush();
        let long_ago = SystemTime::now() - Duration::from_secs(40 * 24 * 3600);
        fs::File::options()
            .write(true)
            .open(&old_pack)
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
        // A stale key directory holding something synthlint did not write:
        // its own files go, the rest (and so the directory) stays.
        let mixed = tmp.path().join("00000000000000aa");
        fs::create_dir_all(mixed.join("ab")).unwrap();
        fs::write(mixed.join(USED), "").unwrap();
        fs::write(mixed.join("ab").join("c".repeat(62)), "").unwrap();
        fs::write(mixed.join("ab").join("important"), "data").unwrap();
        // And one without a `used` stamp: not provably synthlint's.
        let unstamped = tmp.path().join("00000000000000bb");
        fs::create_dir_all(&unstamped).unwrap();
        for f in [mixed.join(USED), mixed.join("ab").join("c".repeat(62))] {
            fs::File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        cache.finish(&[]);
        assert!(!old_pack.exists());
        let cache = reopen(&cache);
        assert!(cache.get(&old).is_none());
        assert!(cache.get(&new).is_some());
        assert!(!stale.exists());
        assert!(recent.exists() && other.exists());
        assert!(!mixed.join("ab").join("c".repeat(62)).exists());
        assert_eq!(
            fs::read(mixed.join("ab").join("important")).unwrap(),
            b"data"
        );
        assert!(unstamped.is_dir());
    }

    /// Issue 17, item 17: a changed bit is a miss, and so is an entry made
    /// under any other build identity or stored as the other kind.
    #[test]
    fn entries_are_checked_against_this_build() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = FactsCache::open(tmp.path(), tmp.path(), &[]).unwrap();
        let k = FactsCache::key("a.py", "x = 1\n");
        cache.put(&k, &mut facts("a.py"), &[]);
        cache.flush();
        let pack = only_pack(&cache);
        let good = fs::read(&pack).unwrap();
        // Every bit of the pack but the days (of the pack, of the entry:
        // what pruning reads) counts.
        let index_at = good.len() - PACK_TRAILER as usize - PACK_RECORD;
        let days = [4..8, index_at + 44..index_at + 48];
        for i in 0..good.len() {
            if days.iter().any(|d| d.contains(&i)) {
                continue;
            }
            for bit in [0x01u8, 0x80] {
                let mut bad = good.clone();
                bad[i] ^= bit;
                fs::write(&pack, &bad).unwrap();
                assert!(
                    reopen(&cache).read(&k).is_none(),
                    "byte {i} bit {bit:#x} changed"
                );
            }
        }
        // Sealed by another build: the right shape, the wrong checksum.
        let body = encode_body(&mut facts("a.py"), &[]).unwrap();
        let other = BuildId([7; 32]);
        fs::remove_file(&pack).unwrap();
        write_pack(&cache, &[(k, other.seal(Kind::Facts, &k, MAGIC, &body).0)]);
        assert!(reopen(&cache).read(&k).is_none());
        // Another key's entry listed under this key.
        let k2 = FactsCache::key("b.py", "x = 1\n");
        fs::remove_file(only_pack(&cache)).unwrap();
        write_pack(
            &cache,
            &[(k, cache.build.seal(Kind::Facts, &k2, MAGIC, &body).0)],
        );
        assert!(reopen(&cache).read(&k).is_none());
        fs::remove_file(only_pack(&cache)).unwrap();
        // A facts entry stored under a result's name is no result.
        let rk = result_key(b"s", &[], &[]).unwrap();
        fs::create_dir_all(cache.dir.join(RESULTS)).unwrap();
        fs::write(
            cache.result_path(&rk),
            cache.build.seal(Kind::Facts, &rk, RESULT_MAGIC, &body).0,
        )
        .unwrap();
        assert!(cache.get_result(&rk).is_none());
        fs::write(&pack, &good).unwrap();
        assert!(reopen(&cache).read(&k).is_some());
    }

    /// Issue 17, item 2: no link is followed, and a directory synthlint did
    /// not make is not used.
    #[cfg(unix)]
    #[test]
    fn links_and_foreign_directories_are_refused() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        let victim = tmp.path().join("victim");
        fs::create_dir_all(victim.join("0123456789abcdef")).unwrap();
        fs::create_dir_all(&root).unwrap();
        // The cache directory is a link.
        symlink(&victim, root.join(DEFAULT_DIR)).unwrap();
        assert!(FactsCache::open(&root.join(DEFAULT_DIR), &root, &[]).is_err());
        // A link on the way to it.
        fs::remove_file(root.join(DEFAULT_DIR)).unwrap();
        symlink(&victim, root.join("c")).unwrap();
        assert!(FactsCache::open(&root.join("c").join("cache"), &root, &[]).is_err());
        assert!(!victim.join("cache").exists());
        // Not empty and not marked: someone else's directory.
        assert!(FactsCache::open(&victim, &root, &[]).is_err());
        assert!(!victim.join("CACHEDIR.TAG").exists());
        // A packs directory that is a link is neither written through nor
        // read.
        let dir = root.join(DEFAULT_DIR);
        let cache = FactsCache::open(&dir, &root, &[]).unwrap();
        let k = FactsCache::key("a.py", "");
        symlink(&victim, cache.packs_dir()).unwrap();
        cache.put(&k, &mut facts("a.py"), &[]);
        cache.flush();
        assert_eq!(fs::read_dir(&victim).unwrap().count(), 1);
        fs::remove_file(cache.packs_dir()).unwrap();
        cache.put(&k, &mut facts("a.py"), &[]);
        cache.flush();
        let pack = only_pack(&cache);
        let moved = victim.join(pack.file_name().unwrap());
        fs::rename(&pack, &moved).unwrap();
        fs::remove_dir(cache.packs_dir()).unwrap();
        symlink(&victim, cache.packs_dir()).unwrap();
        assert!(reopen(&cache).get(&k).is_none());
        // A pack that is a link is not read.
        fs::remove_file(cache.packs_dir()).unwrap();
        fs::create_dir(cache.packs_dir()).unwrap();
        symlink(&moved, &pack).unwrap();
        assert!(reopen(&cache).get(&k).is_none());
        // A stamp that is a link is replaced, not written through.
        let target = tmp.path().join("bashrc");
        fs::write(&target, "keep").unwrap();
        fs::remove_file(cache.dir.join(USED)).unwrap();
        symlink(&target, cache.dir.join(USED)).unwrap();
        drop(cache);
        let reopened = FactsCache::open(&dir, &root, &[]).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert!(
            fs::symlink_metadata(reopened.dir.join(USED))
                .unwrap()
                .is_file()
        );
    }
}

//! The paths git tracks, read from the repository's index file (`.git/index`)
//! without running git: the binary starts no processes, and a repository's
//! git configuration can name programs (`core.fsmonitor`) that git would
//! run. Used for two things: files that git tracks are scanned even when an
//! ignore file lists them (a pull request must not hide code from the scan
//! by adding a `.gitignore` line), and a cache directory with tracked files
//! in it came with the checkout, so it is not trusted.
//!
//! The index is untrusted input like the rest of the tree: it is read only
//! when it is a regular file, up to `MAX_INDEX_SIZE`, and parsed with every
//! length checked; anything that does not parse means "no index".
//! Versions 2, 3 and 4 (path prefix compression) are read, with SHA-1 or
//! SHA-256 object ids. Entries of a sparse checkout that are not in the work
//! tree (`skip-worktree`), directory entries of a sparse index, submodules
//! and symbolic links are left out: only regular files.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest index read (a repository of a million files has a ~100 MB index).
const MAX_INDEX_SIZE: u64 = 256 << 20;
/// Largest `.git` file (`gitdir: …` of a worktree or submodule) read.
const MAX_GITFILE_SIZE: u64 = 4096;

/// The regular files git tracks in one work tree.
#[derive(Debug, Default)]
pub struct Tracked {
    /// The work tree (the directory that holds `.git`).
    pub root: PathBuf,
    /// Root-relative paths as stored (`/`-separated bytes), sorted, unique.
    paths: Vec<Vec<u8>>,
}

impl Tracked {
    /// The index of the work tree that contains `dir` (the nearest
    /// directory at or above it holding `.git`), if there is one that reads.
    pub fn for_dir(dir: &Path) -> Option<Tracked> {
        let root = dir.ancestors().find(|d| d.join(".git").exists())?;
        let index = git_dir(root)?.join("index");
        let bytes = read_bounded(&index, MAX_INDEX_SIZE)?;
        let mut paths = parse(&bytes)?;
        paths.sort_unstable();
        paths.dedup();
        Some(Tracked {
            root: root.to_path_buf(),
            paths,
        })
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Tracked files below `dir` (absolute, inside `root`), as absolute paths.
    pub fn files_under<'a>(&'a self, dir: &Path) -> impl Iterator<Item = PathBuf> + 'a {
        let prefix = dir
            .strip_prefix(&self.root)
            .ok()
            .map(path_bytes)
            .map(|mut p| {
                if !p.is_empty() {
                    p.push(b'/');
                }
                p
            });
        let range = match &prefix {
            Some(p) => {
                let start = self.paths.partition_point(|x| x.as_slice() < p.as_slice());
                let len = self.paths[start..]
                    .iter()
                    .take_while(|x| x.starts_with(p))
                    .count();
                start..start + len
            }
            None => 0..0,
        };
        self.paths[range]
            .iter()
            .map(|p| self.root.join(bytes_path(p)))
    }

    /// Whether git tracks anything at or below `path` (absolute).
    pub fn tracks_under(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        let mut rel = path_bytes(rel);
        if rel.is_empty() {
            return !self.paths.is_empty();
        }
        if self.paths.binary_search(&rel).is_ok() {
            return true;
        }
        rel.push(b'/');
        let at = self
            .paths
            .partition_point(|x| x.as_slice() < rel.as_slice());
        self.paths.get(at).is_some_and(|p| p.starts_with(&rel))
    }
}

/// The git directory of a work tree: `.git` itself, or where a `.git` file
/// (`gitdir: <path>`, worktrees and submodules) points.
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    let meta = fs::symlink_metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    if !meta.is_file() {
        return None;
    }
    let text = read_bounded(&dot_git, MAX_GITFILE_SIZE)?;
    let text = std::str::from_utf8(&text).ok()?;
    let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    Some(root.join(target))
}

/// A regular file's bytes, or `None` when it is something else or larger
/// than `max`.
fn read_bounded(path: &Path, max: u64) -> Option<Vec<u8>> {
    let f = fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(max + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= max).then_some(bytes)
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    for (i, c) in p.components().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(c.as_os_str().as_bytes());
    }
    out
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/").into_bytes()
}

#[cfg(unix)]
fn bytes_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

#[cfg(not(unix))]
fn bytes_path(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).replace('/', "\\"))
}

/// The regular files of an index. SHA-1 ids are tried first; when the
/// entries do not fit, SHA-256 ones.
pub fn parse(data: &[u8]) -> Option<Vec<Vec<u8>>> {
    parse_with(data, 20).or_else(|| parse_with(data, 32))
}

fn parse_with(data: &[u8], hash_len: usize) -> Option<Vec<Vec<u8>>> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
    };
    if data.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(8)? as usize;
    // Every entry takes at least 40 + hash + 2 bytes (+1 for the name).
    let fixed = 40 + hash_len + 2;
    if count > data.len() / (fixed + 1) {
        return None;
    }
    let mut paths = Vec::with_capacity(count);
    let mut previous: Vec<u8> = Vec::new();
    let mut at = 12;
    for _ in 0..count {
        let start = at;
        let mode = be32(start + 24)?;
        let flags = u16::from_be_bytes(
            data.get(start + 40 + hash_len..start + fixed)?
                .try_into()
                .ok()?,
        );
        at = start + fixed;
        let mut skip_worktree = false;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            let extended = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?);
            skip_worktree = extended & 0x4000 != 0;
            at += 2;
        }
        let name_len = (flags & 0x0FFF) as usize;
        let path = if version == 4 {
            // Bytes to drop from the previous path (git's offset varint),
            // then the rest, NUL-terminated.
            let mut byte = *data.get(at)?;
            at += 1;
            let mut strip = (byte & 0x7F) as usize;
            while byte & 0x80 != 0 {
                byte = *data.get(at)?;
                at += 1;
                strip = strip.checked_add(1)?.checked_mul(128)? | (byte & 0x7F) as usize;
            }
            let keep = previous.len().checked_sub(strip)?;
            let end = at + data.get(at..)?.iter().position(|&b| b == 0)?;
            let mut path = previous[..keep].to_vec();
            path.extend_from_slice(&data[at..end]);
            at = end + 1;
            path
        } else {
            let end = at + data.get(at..)?.iter().position(|&b| b == 0)?;
            let path = data[at..end].to_vec();
            // NUL padding to a multiple of 8 bytes from the entry's start.
            let len = end - start;
            at = start + (len + 8) / 8 * 8;
            if at > data.len() {
                return None;
            }
            path
        };
        if name_len < 0x0FFF && path.len() != name_len {
            return None;
        }
        let stage = (flags >> 12) & 0x3;
        // Regular files only (0o100644, 0o100755); stage 0 or a conflict's "ours".
        if mode >> 12 == 0o10 && !skip_worktree && stage <= 2 && valid_path(&path) {
            paths.push(path.clone());
        }
        previous = path;
    }
    Some(paths)
}

/// A path git itself would check out: relative, no empty, `.` or `..`
/// segments, no `.git` segment.
fn valid_path(p: &[u8]) -> bool {
    !p.is_empty()
        && p.split(|&b| b == b'/').all(|seg| {
            !seg.is_empty() && seg != b"." && seg != b".." && !seg.eq_ignore_ascii_case(b".git")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of `version` with regular files `paths` (SHA-1 ids).
    fn index(version: u32, paths: &[&str], hash_len: usize) -> Vec<u8> {
        let mut out = b"DIRC".to_vec();
        out.extend(version.to_be_bytes());
        out.extend((paths.len() as u32).to_be_bytes());
        let mut previous = "";
        for p in paths {
            let start = out.len();
            let mut fixed = vec![0u8; 40 + hash_len];
            fixed[24..28].copy_from_slice(&0o100644u32.to_be_bytes());
            out.extend(fixed);
            out.extend((p.len().min(0xFFF) as u16).to_be_bytes());
            if version == 4 {
                let common = previous
                    .bytes()
                    .zip(p.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                let strip = previous.len() - common;
                assert!(strip < 128);
                out.push(strip as u8);
                out.extend(&p.as_bytes()[common..]);
                out.push(0);
            } else {
                out.extend(p.as_bytes());
                let len = out.len() - start;
                out.extend(vec![0u8; (len + 8) / 8 * 8 - len]);
            }
            previous = p;
        }
        out.extend(vec![0u8; hash_len]);
        out
    }

    #[test]
    fn every_version_and_hash_reads() {
        let paths = ["a.py", "pkg/b.py", "pkg/sub/c.py", "z.txt"];
        for version in [2, 3, 4] {
            for hash in [20, 32] {
                let got = parse(&index(version, &paths, hash)).expect("parses");
                let got: Vec<&str> = got
                    .iter()
                    .map(|p| std::str::from_utf8(p).unwrap())
                    .collect();
                assert_eq!(got, paths, "v{version} hash {hash}");
            }
        }
    }

    #[test]
    fn damage_is_no_index_never_a_panic() {
        let good = index(2, &["a.py", "b/c.py"], 20);
        for len in 0..good.len() {
            let _ = parse(&good[..len]);
        }
        let mut bad = good.clone();
        bad[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&bad).is_none());
        assert!(parse(b"DIRC\0\0\0\x09\0\0\0\0").is_none());
        // Paths git would not check out are dropped.
        let odd = parse(&index(2, &["../x.py", ".git/config", "ok.py"], 20)).unwrap();
        assert_eq!(odd, vec![b"ok.py".to_vec()]);
    }

    #[test]
    fn lookups_below_a_directory() {
        let t = Tracked {
            root: PathBuf::from("/r"),
            paths: ["a.py", "cache-x/f", "cache/k/e", "cache0"]
                .iter()
                .map(|p| p.as_bytes().to_vec())
                .collect(),
        };
        assert!(t.tracks_under(Path::new("/r/cache")));
        assert!(t.tracks_under(Path::new("/r/cache/k")));
        assert!(!t.tracks_under(Path::new("/r/cach")));
        assert!(!t.tracks_under(Path::new("/r/other")));
        assert!(t.tracks_under(Path::new("/r/a.py")));
        let under: Vec<PathBuf> = t.files_under(Path::new("/r/cache")).collect();
        assert_eq!(under, vec![PathBuf::from("/r/cache/k/e")]);
        assert_eq!(t.files_under(Path::new("/r")).count(), 4);
        assert_eq!(t.files_under(Path::new("/elsewhere")).count(), 0);
    }
}

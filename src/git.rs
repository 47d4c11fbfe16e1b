//! Reading a git repository for `--diff-base` and for the commit named in
//! reports.
//!
//! The commit checked out is read from `.git` directly (no process). The
//! base tree of `--diff-base` is read by running `git` plumbing commands
//! that touch neither the index nor the work tree (`rev-parse`,
//! `merge-base`, `ls-tree`, `cat-file --batch`), hardened because the
//! repository may be untrusted: every inherited `GIT_*` variable is
//! dropped, replace refs and lazy fetches of partial clones are off, all
//! transports are forbidden (`protocol.allow=never`), `core.fsmonitor` and
//! hooks are off, no pager, no prompt, standard input closed, and a ref is
//! passed after `--end-of-options` so it cannot be an option. None of these
//! commands runs filters, hooks, textconv or an editor. Committed files
//! cannot change git's configuration; the repository's own `.git/config` is
//! the user's (see SECURITY.md).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `.git` directory of `root` (following a `gitdir:` file of a worktree
/// or submodule) and the common directory that holds refs.
fn git_dirs(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let dot = root.join(".git");
    let dir = if dot.is_dir() {
        dot
    } else {
        let text = std::fs::read_to_string(&dot).ok()?;
        let rel = text.strip_prefix("gitdir:")?.trim();
        let p = Path::new(rel);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        }
    };
    let common = match std::fs::read_to_string(dir.join("commondir")) {
        Ok(c) => {
            let p = Path::new(c.trim());
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            }
        }
        Err(_) => dir.clone(),
    };
    Some((dir, common))
}

fn is_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit `HEAD` points at in the repository whose work tree is `root`,
/// read from `.git` without running anything; `None` when unknown.
pub fn head_commit(root: &Path) -> Option<String> {
    let (dir, common) = git_dirs(root)?;
    let head = read_small(&dir.join("HEAD"))?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:").map(str::trim) else {
        return is_sha(head).then(|| head.to_owned());
    };
    if !reference.starts_with("refs/") || reference.contains("..") {
        return None;
    }
    for d in [&dir, &common] {
        if let Some(v) = read_small(&d.join(reference)) {
            let v = v.trim();
            return is_sha(v).then(|| v.to_owned());
        }
    }
    let packed = read_small(&common.join("packed-refs"))?;
    packed.lines().find_map(|line| {
        let (sha, name) = line.split_once(' ')?;
        (name == reference && is_sha(sha)).then(|| sha.to_owned())
    })
}

/// A small text file, or `None` (missing, not a file, over 1 MiB).
fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// A `git` command in `root`, hardened as the module documentation says.
fn git(root: &Path) -> Command {
    let mut c = Command::new("git");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("GIT_") {
            c.env_remove(k);
        }
    }
    c.current_dir(root)
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .args([
            "--no-pager",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "protocol.allow=never",
        ])
        .stdin(Stdio::null());
    c
}

/// Runs a git command and returns its standard output, or its message.
fn output(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = git(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        let first = msg.lines().next().unwrap_or("").trim();
        return Err(format!(
            "git {} failed{}",
            args.first().copied().unwrap_or(""),
            if first.is_empty() {
                String::new()
            } else {
                format!(": {first}")
            }
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The commit to compare with: the merge base of `reference` and `HEAD`, or
/// `reference` itself when they have none (a shallow clone), with a note.
pub fn diff_base_commit(root: &Path, reference: &str) -> Result<(String, Option<String>), String> {
    if reference.is_empty() || reference.starts_with('-') {
        return Err(format!("--diff-base `{reference}`: not a git ref"));
    }
    let spec = format!("{reference}^{{commit}}");
    let commit = output(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .map_err(|_| {
        format!("--diff-base {reference}: no such commit, branch or tag in this repository")
    })?;
    match output(root, &["merge-base", "--end-of-options", &commit, "HEAD"]) {
        Ok(base) if is_sha(&base) => Ok((base, None)),
        _ => Ok((
            commit.clone(),
            Some(format!(
                "no merge base of {reference} and HEAD (shallow clone?): comparing with {reference} itself"
            )),
        )),
    }
}

/// Whether a tree path is written out for the base scan: files a frontend
/// reads and the ignore files the walker reads.
fn wanted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, ".gitignore" | ".ignore" | crate::walk::IGNORE_FILE)
        || crate::walk::language_of(Path::new(name)).is_some()
}

/// A tree path that is safe to create under a fresh directory: relative,
/// no empty, `.` or `..` component, no `.git` component, no NUL or `\`.
fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\0', '\\'])
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.eq_ignore_ascii_case(".git"))
}

/// Writes the source files and ignore files of `commit`'s tree under
/// `dest` (regular files only; links and submodules are left out, as a
/// checkout's links could point anywhere). Files larger than `max_size` are
/// skipped, as the walk would skip them. Returns how many were written.
pub fn export_tree(root: &Path, commit: &str, dest: &Path, max_size: u64) -> Result<usize, String> {
    let listing = {
        let out = git(root)
            .args([
                "ls-tree",
                "-r",
                "-z",
                "--full-tree",
                "--end-of-options",
                commit,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err("git ls-tree failed".into());
        }
        out.stdout
    };
    let mut blobs: Vec<(String, String)> = Vec::new();
    for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (Some(mode), Some(kind), Some(sha)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if kind == "blob"
            && (mode == "100644" || mode == "100755")
            && wanted(path)
            && safe_path(path)
            && is_sha(sha)
        {
            blobs.push((sha.to_owned(), path.to_owned()));
        }
    }
    if blobs.is_empty() {
        return Ok(0);
    }
    let mut child = git(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let shas: Vec<String> = blobs.iter().map(|(s, _)| s.clone()).collect();
    // Feed the names from another thread so that neither pipe fills up.
    let feeder = std::thread::spawn(move || {
        for sha in shas {
            if writeln!(stdin, "{sha}").is_err() {
                break;
            }
        }
    });
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut written = 0;
    let mut header = String::new();
    for (sha, path) in &blobs {
        header.clear();
        if reader.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
            return Err("git cat-file ended early".into());
        }
        let mut fields = header.split_whitespace();
        let (Some(got), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("git cat-file: unexpected answer for {path}"));
        };
        let size: u64 = size
            .parse()
            .map_err(|_| "git cat-file: bad size".to_string())?;
        if got != sha || kind != "blob" {
            return Err(format!("git cat-file: unexpected object for {path}"));
        }
        let mut content = Vec::new();
        (&mut reader)
            .take(size + 1)
            .read_to_end(&mut content)
            .map_err(|e| e.to_string())?;
        content.pop(); // the newline after the contents
        if size > max_size {
            continue;
        }
        let target = dest.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, &content).map_err(|e| format!("{}: {e}", target.display()))?;
        written += 1;
    }
    drop(reader);
    let _ = feeder.join();
    let _ = child.wait();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_paths_are_checked() {
        assert!(safe_path("app/main.py"));
        for bad in [
            "",
            "../x.py",
            "a/../x.py",
            "/abs.py",
            "a//b.py",
            ".git/hooks/x.py",
            "a\\b.py",
            "./a.py",
        ] {
            assert!(!safe_path(bad), "{bad}");
        }
        assert!(wanted("a/b.py") && wanted(".gitignore") && wanted("x/.synthlintignore"));
        assert!(!wanted("docs/logo.png") && !wanted("Makefile"));
    }

    #[test]
    fn head_is_read_from_the_git_directory() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        let sha = "0123456789abcdef0123456789abcdef01234567";
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(head_commit(dir.path()), None);
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack\n{sha} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(head_commit(dir.path()).as_deref(), Some(sha));
        std::fs::write(git.join("refs/heads/main"), format!("{sha}\n")).unwrap();
        assert_eq!(head_commit(dir.path()).as_deref(), Some(sha));
        std::fs::write(git.join("HEAD"), "ref: refs/../../etc\n").unwrap();
        assert_eq!(head_commit(dir.path()), None);
    }
}

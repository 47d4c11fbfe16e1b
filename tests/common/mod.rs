//! Helpers shared by the integration tests that run the real binary.
#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generous: only there to turn a hang into a failure, never a timing check.
pub const DEADLINE: Duration = Duration::from_secs(300);

pub struct Run {
    pub code: Option<i32>,
    pub stderr: String,
}

pub fn run(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn synthlint");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    // Drain both pipes so a chatty child cannot block on a full pipe.
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("synthlint {args:?} did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = t_out.join();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Run {
        code: status.code(),
        stderr,
    }
}

pub fn files_in_stats(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|l| l.trim().split_once(" files, "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no file count in --stats output:\n{stderr}"))
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// The binary's whole output, run in `cwd` with colour left to its default.
pub fn output(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run synthlint")
}

/// `work(project, catalog)` on a pool of `threads` threads, with the project
/// at `dir` (its path and root) loaded on that pool.
pub fn on_project<R: Send>(
    dir: &Path,
    threads: usize,
    work: impl FnOnce(&synthlint::analysis::Project, &synthlint::catalog::Catalog) -> R + Send,
) -> R {
    let overrides = synthlint::config::Overrides {
        paths: vec![dir.to_path_buf()],
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let settings = synthlint::config::resolve(&overrides).expect("settings");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let (project, catalog, _) =
            synthlint::engine::load_project(&[dir.to_path_buf()], &settings).expect("project");
        work(&project, &catalog)
    })
}

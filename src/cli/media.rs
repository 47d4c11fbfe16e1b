//! `synthlint media PATH...`: check media files for the GB 45438 implicit
//! label. Exit 0 when every file carries a well-formed label in the right
//! carrier, 1 when a finding reaches `--fail-on`, 2 on usage or I/O errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;

use crate::config;
use crate::finding::{Finding, Level, Notification};
use crate::implicit_label::media::{self, MediaKind};
use crate::report;
use crate::rules::media::{Inspection, inspect};

/// Report formats of `synthlint media`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
}
use crate::walk;

#[derive(Args, Clone, Debug)]
pub struct MediaArgs {
    /// Media files, or directories to search for .png, .jpg/.jpeg, .webp,
    /// .mp3, .wav and .mp4/.m4a/.m4v/.mov files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Lowest level that makes the exit code 1.
    #[arg(long, value_parser = super::parse_level, default_value = "error")]
    pub fail_on: Level,
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Directory that output paths are relative to (default: the repository root).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

pub fn run(args: MediaArgs) -> ExitCode {
    for p in &args.paths {
        if !p.exists() {
            eprintln!("error: {}: no such file or directory", p.display());
            return ExitCode::from(2);
        }
    }
    if let Err(code) = super::output_or_exit(args.output.as_deref(), &args.paths, |p| {
        MediaKind::from_extension(p).is_some()
    }) {
        return code;
    }
    let root = match &args.root {
        Some(r) => match r.canonicalize() {
            Ok(r) if r.is_dir() => r,
            Ok(_) => {
                eprintln!("error: --root {}: not a directory", r.display());
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("error: --root {}: {e}", r.display());
                return ExitCode::from(2);
            }
        },
        None => config::default_root(&args.paths[0]),
    };

    let (candidates, mut notifications) = walk::media_files(&args.paths, &root, |p| {
        MediaKind::from_extension(p).is_some()
    });
    // A file named without a media extension is checked only when its
    // content is a supported format; anything else (a .json sidecar passed
    // by a shell glob) is skipped with a notification.
    let mut files = Vec::new();
    for c in candidates {
        if c.named
            && MediaKind::from_extension(&c.abs).is_none()
            && media::sniff_file(&c.abs).is_none()
        {
            notifications.push(Notification {
                level: Level::Warning,
                kind: "not-media".into(),
                message: "skipped: not a PNG, JPEG, WebP, MP3, WAV or MP4 file".into(),
                path: Some(c.rel),
                span: None,
            });
        } else {
            files.push(c);
        }
    }
    if files.is_empty() {
        for n in &notifications {
            eprintln!(
                "{}[{}]: {}: {}",
                n.level.as_str(),
                n.kind,
                n.path.as_deref().unwrap_or("-"),
                n.message
            );
        }
        eprintln!(
            "error: no media files to check (directories are searched for {})",
            extensions()
        );
        return ExitCode::from(2);
    }

    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return ExitCode::from(2);
        }
    };
    let mut inspections: Vec<Inspection> =
        pool.install(|| files.par_iter().map(|f| inspect(&f.abs, &f.rel)).collect());
    for i in &inspections {
        for note in &i.notes {
            notifications.push(Notification {
                level: Level::Note,
                kind: "media-extension-mismatch".into(),
                message: note.clone(),
                path: Some(i.path.clone()),
                span: None,
            });
        }
    }
    notifications.sort();
    // Messages quote what the files carry.
    notifications
        .iter_mut()
        .for_each(crate::report::redact::notification);
    for i in &mut inspections {
        i.findings
            .iter_mut()
            .for_each(crate::report::redact::finding);
    }

    let mut buf = Vec::new();
    let written = match args.format {
        Format::Text => report::media::write_text(&inspections, &notifications, &mut buf),
        Format::Json => report::media::write_json(&inspections, &notifications, &mut buf),
        Format::Sarif => {
            let findings: Vec<Finding> = inspections
                .iter()
                .flat_map(|i| i.findings.iter().cloned())
                .collect();
            report::sarif::write_media(&root, &findings, &notifications, &mut buf)
        }
        Format::Github => report::github::write_lines(
            inspections.iter().flat_map(|i| &i.findings),
            &notifications,
            &report::columns::Columns::new(&root),
            &mut buf,
        ),
    };
    if let Err(e) = written {
        eprintln!("error: writing report: {e}");
        return ExitCode::from(2);
    }
    let sink = match &args.output {
        Some(path) => super::output::Sink::File(path.clone()),
        None => super::output::Sink::Stdout,
    };
    if let Err(code) = super::output::deliver(&sink, &buf) {
        return code;
    }
    let fails = inspections
        .iter()
        .flat_map(|i| &i.findings)
        .any(|f| f.level >= args.fail_on);
    if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn extensions() -> String {
    MediaKind::ALL
        .iter()
        .flat_map(|k| k.extensions())
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

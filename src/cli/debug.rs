//! `synthlint debug facts FILE`.

use std::path::Path;
use std::process::ExitCode;

use crate::engine::{self, ReadOutcome};
use crate::walk::{self, SourcePath};

pub fn facts(file: &Path) -> ExitCode {
    let Some(language) = walk::language_of(file) else {
        eprintln!("error: {}: not a file synthlint parses", file.display());
        return ExitCode::from(2);
    };
    let rel = file.to_string_lossy().replace('\\', "/");
    let src = SourcePath {
        rel,
        abs: file.to_path_buf(),
        language,
    };
    match engine::read_source(&src, u64::MAX) {
        ReadOutcome::Skipped(n) => {
            eprintln!("error: {}: {}", file.display(), n.message);
            ExitCode::from(2)
        }
        ReadOutcome::Text(text) => {
            let catalog = match crate::catalog::Catalog::load(&Default::default()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {}", e.message);
                    return ExitCode::from(2);
                }
            };
            let (facts, notes) = crate::lang::extract(&src, &text, &catalog.passthrough_methods);
            for n in notes {
                eprintln!("{}: {}", n.kind, n.message);
            }
            match serde_json::to_string_pretty(&facts) {
                Ok(s) => {
                    println!("{s}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

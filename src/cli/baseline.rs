//! `synthlint baseline`: record the current findings so that `check
//! --baseline` reports only new ones.

use std::process::ExitCode;

use crate::baseline;
use crate::cli::BaselineArgs;
use crate::cli::check;
use crate::cli::output::{self, Sink};

pub fn run(args: BaselineArgs) -> ExitCode {
    match run_checked(args) {
        Ok(code) | Err(code) => code,
    }
}

fn run_checked(args: BaselineArgs) -> Result<ExitCode, ExitCode> {
    let paths = super::existing_paths(&args.scan.paths)?;
    let settings = check::settings(&args.scan, &paths, None, false)?;
    let sink = Sink::File(args.output.clone());
    output::guard_inputs(
        &[output::Output {
            format: crate::report::Format::Json,
            sink: sink.clone(),
        }],
        &paths,
    )?;
    let cache_dir = check::cache_dir(&args.scan, &settings);
    let (walked, nested) = check::governance(&args.scan, &paths, &paths, &settings, None, false)?;
    let result = check::scan_governed(&paths, &settings, &nested, cache_dir.as_deref(), walked)?;
    // Reasons written into an earlier baseline are kept.
    let previous = args
        .output
        .exists()
        .then(|| baseline::load(&args.output))
        .transpose()
        .map_err(|e| {
            eprintln!("error: {e} (move it away to start a new one)");
            ExitCode::from(2)
        })?;
    let file = baseline::build(&result, previous.as_ref());
    output::deliver(&sink, baseline::to_json(&file).as_bytes())?;
    eprintln!(
        "wrote {} to {}",
        crate::report::plural(file.entries.len(), "entry", "entries"),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

//! Command line: arguments → run → exit code. 0 clean, 1 findings at or
//! above `--fail-on`, 2 usage, config or I/O error.

mod baseline;
mod check;
mod debug;
pub mod explain;
mod inventory;
mod list_rules;
mod media;
pub mod output;
mod scope;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::finding::Level;

#[derive(Parser)]
#[command(
    name = "synthlint",
    version,
    about = "Find the code that AI regulations put duties on: generation endpoints, content labels, safety checkers."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan files and directories.
    Check(CheckArgs),
    /// Record the current findings in a baseline file, so that `check
    /// --baseline` reports only new ones.
    Baseline(BaselineArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// List every generation endpoint with its route, content, models and providers.
    Inventory(InventoryArgs),
    /// Check media files (PNG, JPEG, WebP, MP3, WAV, MP4) for the GB 45438 implicit label.
    Media(media::MediaArgs),
    /// Print a rule's documentation with the articles it implicates.
    Explain {
        /// Rule code, e.g. GEN001.
        code: String,
    },
    /// Inspect what the frontends extract.
    #[command(subcommand)]
    Debug(DebugCommand),
}

/// What selects and configures the files a scan reads (`check`, `baseline`).
#[derive(Args, Clone, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Use this config file instead of searching for synthlint.toml / pyproject.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Enable only these rule codes or category prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Disable these rule codes or category prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exclude paths matching these globs (repo-relative), on top of the defaults.
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Parsed facts kept in memory up to this size (default 512 MiB, also
    /// `facts-memory` in the config); past it every file's facts are kept
    /// compressed and decoded when read: far less memory, more CPU. `0`
    /// always compresses them.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub facts_memory: Option<u64>,
    /// Keep the cache (facts per file, recent results) in DIR (default:
    /// `.synthlint_cache` in the project root).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache: parse and check every file.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Ignore inline `synthlint: ignore` comments (for strict CI policies).
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Directory that output paths are relative to (default: the repository root).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

#[derive(Args, Clone, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Output format, optionally with a file: `--format sarif:out.sarif`.
    /// Repeat it to write several reports from one scan. Formats: text,
    /// concise, json, sarif, github, gitlab, junit, statistics, markdown, html.
    #[arg(
        long,
        visible_alias = "output-format",
        value_name = "FORMAT[:FILE]",
        value_parser = output::parse_output_spec
    )]
    pub format: Vec<output::OutputSpec>,
    /// Write the report (of the `--format` given without a file) to this file
    /// instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Print counts by rule and by article instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Lowest level that makes the exit code 1.
    #[arg(long, value_parser = parse_level)]
    pub fail_on: Option<Level>,
    /// Exit 2 when a source or configuration file could not be analysed (unreadable, binary,
    /// not decodable, over max-file-size, parser failure) or none was.
    #[arg(long)]
    pub strict: bool,
    /// Never colour the output (also when NO_COLOR is set or output is not a terminal).
    #[arg(long)]
    pub no_color: bool,
    /// Print time per phase and throughput on standard error.
    #[arg(long)]
    pub stats: bool,
    /// Leave suppressed (and baselined) findings out of the report (for GitHub upload).
    #[arg(long)]
    pub omit_suppressed: bool,
    /// Report only findings that are not in this baseline file (see `synthlint
    /// baseline`); also `baseline = "..."` in the config.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when the baseline has entries that match no finding any more.
    #[arg(long)]
    pub fail_on_stale_baseline: bool,
    /// Report only findings that are new relative to this git commit, branch
    /// or tag (its merge base with HEAD when there is one). Runs `git`.
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
    /// The paths are changed files (pre-commit): analyse the whole project
    /// and report the findings located in them or whose code flow or related
    /// locations pass through them.
    #[arg(long)]
    pub changed: bool,
    /// Add `# synthlint: ignore[CODE] REASON` comments for every active finding.
    #[arg(long, value_name = "REASON", conflicts_with = "fix")]
    pub add_suppressions: Option<String>,
    /// Remove unused suppressions (SYN002) from the source files.
    #[arg(long)]
    pub fix: bool,
    /// Print the settings that govern FILE (its nearest config) and exit.
    #[arg(long, value_name = "FILE")]
    pub show_settings: Option<PathBuf>,
    /// Print the files the scan would analyse and exit.
    #[arg(long)]
    pub show_files: bool,
}

#[derive(Args, Clone, Debug)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// The baseline file to write (reasons already in it are kept).
    #[arg(long, short, default_value = "synthlint-baseline.json")]
    pub output: PathBuf,
}

#[derive(Args, Clone, Debug)]
pub struct InventoryArgs {
    /// Files or directories to scan (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = InventoryFormat::Text)]
    pub format: InventoryFormat,
    /// Write the inventory to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Use this config file instead of searching for one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Exclude paths matching these globs (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Directory that output paths are relative to.
    #[arg(long)]
    pub root: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum InventoryFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum DebugCommand {
    /// Print the facts extracted from one file as JSON.
    Facts { file: PathBuf },
    /// Print the entry points found (routes, UI handlers, scripts, CLIs) as JSON.
    Entrypoints {
        /// Files or directories to scan (default: the current directory).
        paths: Vec<PathBuf>,
        /// Use this config file instead of searching for synthlint.toml / pyproject.toml.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Directory that paths and module names are relative to (default: the repository root).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Print the requests joined to the project's own services (routes, RPC
    /// servicers) as JSON: where each is sent from and which handler serves it.
    Hops {
        /// Files or directories to scan (default: the current directory).
        paths: Vec<PathBuf>,
        /// Use this config file instead of searching for synthlint.toml / pyproject.toml.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Directory that paths and module names are relative to (default: the repository root).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Print what the facts of the scanned files take on the heap, by field,
    /// and what the analyses after the index add (see docs/performance.md).
    Memory {
        /// Files or directories to scan (default: the current directory).
        paths: Vec<PathBuf>,
        /// Use this config file instead of searching for synthlint.toml / pyproject.toml.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Directory that paths and module names are relative to (default: the repository root).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Walk and parse only (no facts, no rules): the baseline for benchmarks.
    Parse {
        paths: Vec<PathBuf>,
        #[arg(long, short)]
        jobs: Option<usize>,
    },
}

/// The paths to scan (default `.`), or exit status 2 when one does not exist.
fn existing_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, std::process::ExitCode> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for p in &paths {
        if !p.exists() {
            eprintln!("error: {}: no such file or directory", p.display());
            return Err(std::process::ExitCode::from(2));
        }
    }
    Ok(paths)
}

/// Exit status 2 when `output` would overwrite a file the command reads: a
/// path named on the command line, or a file below a named directory that
/// `scanned` would pick by its name (`check -o app.py app.py`).
fn output_or_exit(
    output: Option<&std::path::Path>,
    paths: &[PathBuf],
    scanned: impl Fn(&std::path::Path) -> bool,
) -> Result<(), ExitCode> {
    let Some(out) = output.and_then(|o| o.canonicalize().ok()) else {
        return Ok(());
    };
    for p in paths {
        let Ok(p) = p.canonicalize() else { continue };
        if out == p || (p.is_dir() && out.starts_with(&p) && scanned(&out)) {
            eprintln!(
                "error: --output {}: that is a file this command scans; write the report elsewhere",
                crate::report::escape::line(&out.display().to_string())
            );
            return Err(ExitCode::from(2));
        }
    }
    Ok(())
}

/// Validated settings, or the configuration error rendered on standard error
/// and exit status 2.
fn settings_or_exit(
    overrides: &crate::config::Overrides,
    no_color: bool,
) -> Result<crate::config::Settings, std::process::ExitCode> {
    crate::config::resolve(overrides).map_err(|report| {
        let color = !no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::IsTerminal::is_terminal(&std::io::stderr());
        eprint!("{}", crate::config::error::render(&report, color));
        std::process::ExitCode::from(2)
    })
}

fn parse_size(s: &str) -> Result<u64, String> {
    crate::config::options::ByteSize::parse(s).map(|b| b.0)
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| format!("expected note, warning or error, got `{s}`"))
}

/// Debug builds only: panic here when `SYNTHLINT_DEBUG_PANIC` names this
/// place, so the tests can see what a bug looks like to the user.
#[doc(hidden)]
pub fn debug_panic(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("SYNTHLINT_DEBUG_PANIC").is_some_and(|p| p == place) {
        panic!("SYNTHLINT_DEBUG_PANIC={place}");
    }
    let _ = place;
}

/// Worker threads beyond this many per core only cost (thread start-up,
/// memory); `--jobs 16000` could not even start them.
const MAX_JOBS_PER_CORE: usize = 4;
/// And never more than this many.
const MAX_JOBS: usize = 256;

/// `--jobs` clamped to what the machine can use, with a warning when cut.
fn clamp_jobs(jobs: Option<usize>) -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = (cores * MAX_JOBS_PER_CORE).clamp(MAX_JOBS_PER_CORE, MAX_JOBS);
    match jobs {
        Some(n) if n > max => {
            eprintln!("warning: --jobs {n} is more than this machine can use; using {max}");
            Some(max)
        }
        other => other,
    }
}

pub fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match &mut cli.command {
        Command::Check(args) => args.scan.jobs = clamp_jobs(args.scan.jobs),
        Command::Baseline(args) => args.scan.jobs = clamp_jobs(args.scan.jobs),
        Command::Media(args) => args.jobs = clamp_jobs(args.jobs),
        Command::Debug(DebugCommand::Parse { jobs, .. }) => *jobs = clamp_jobs(*jobs),
        _ => {}
    }
    // A bug must not look like a clean run or a finding: any panic that
    // reaches here (worker threads' panics are passed on by rayon and the
    // walker) exits 2. The panic hook has printed where it happened.
    match std::panic::catch_unwind(move || run(cli)) {
        Ok(code) => code,
        Err(_) => {
            eprintln!("error: synthlint stopped on an internal error; please report it");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    debug_panic("main");
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Baseline(args) => baseline::run(args),
        Command::Rules(args) => list_rules::run(args),
        Command::Inventory(args) => inventory::run(args),
        Command::Media(args) => media::run(args),
        Command::Explain { code } => explain::run(&code),
        Command::Debug(DebugCommand::Facts { file }) => debug::facts(&file),
        Command::Debug(DebugCommand::Parse { paths, jobs }) => debug::parse(paths, jobs),
        Command::Debug(DebugCommand::Entrypoints {
            paths,
            config,
            root,
        }) => debug::entrypoints(paths, config, root),
        Command::Debug(DebugCommand::Hops {
            paths,
            config,
            root,
        }) => debug::hops(paths, config, root),
        Command::Debug(DebugCommand::Memory {
            paths,
            config,
            root,
        }) => debug::memory(paths, config, root),
    }
}

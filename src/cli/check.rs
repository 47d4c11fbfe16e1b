//! `synthlint check`.

use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::config::Overrides;
use crate::engine;
use crate::report::{self, Format, ReportOptions};

pub fn run(args: CheckArgs) -> ExitCode {
    let paths = match super::existing_paths(&args.paths) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = super::output_or_exit(args.output.as_deref(), &paths, |p| {
        crate::walk::language_of(p).is_some()
    }) {
        return code;
    }
    let overrides = Overrides {
        config: args.config.clone(),
        paths: paths.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        exclude: args.exclude.clone(),
        fail_on: args.fail_on,
        jobs: args.jobs,
        root: args.root.clone(),
        no_inline_suppressions: args.no_inline_suppressions,
    };
    let settings = match super::settings_or_exit(&overrides, args.no_color) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return ExitCode::from(2);
        }
    };
    let cache_dir = (!args.no_cache).then(|| {
        args.cache_dir
            .clone()
            .unwrap_or_else(|| settings.root.join(crate::cache::DEFAULT_DIR))
    });
    let result = match pool.install(|| engine::scan_cached(&paths, &settings, cache_dir.as_deref()))
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return ExitCode::from(2);
        }
    };
    let color = !args.no_color
        && std::env::var_os("NO_COLOR").is_none()
        && args.output.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let opts = ReportOptions {
        color,
        omit_suppressed: args.omit_suppressed,
    };
    let mut buf = Vec::new();
    let written = match args.format {
        Format::Text => report::text::write(&result, &opts, &mut buf),
        Format::Json => report::json::write(&result, &opts, &mut buf),
        Format::Sarif => report::sarif::write(&result, &opts, &mut buf),
        Format::Github => report::github::write(&result, &opts, &mut buf),
    };
    if let Err(e) = written {
        eprintln!("error: writing report: {e}");
        return ExitCode::from(2);
    }
    let io = match &args.output {
        Some(path) => std::fs::write(path, &buf).map_err(|e| (path.display().to_string(), e)),
        None => super::write_stdout(&buf).map_err(|e| ("standard output".to_string(), e)),
    };
    if let Err((what, e)) = io {
        eprintln!("error: writing {what}: {e}");
        return ExitCode::from(2);
    }
    if args.stats {
        print_stats(&result.stats);
    }
    if args.strict {
        let skipped = result
            .notifications
            .iter()
            .filter(|n| n.skipped_a_file())
            .count();
        if skipped > 0 || result.stats.files == 0 {
            eprintln!(
                "error: --strict: {skipped} Python file(s) could not be analysed, {} were",
                result.stats.files
            );
            return ExitCode::from(2);
        }
    }
    if result.fails(settings.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_stats(s: &engine::Stats) {
    let total = s.walk + s.parse + s.index + s.rules + s.filter;
    let secs = total.as_secs_f64().max(1e-9);
    eprintln!("synthlint stats:");
    for (name, d) in [
        ("walk", s.walk),
        ("parse+extract", s.parse),
        ("index", s.index),
        ("rules", s.rules),
        ("filter", s.filter),
    ] {
        eprintln!("  {name:<14} {:>9.1} ms", d.as_secs_f64() * 1000.0);
    }
    eprintln!("  {:<14} {:>9.1} ms", "total", secs * 1000.0);
    eprintln!(
        "  {} files, {} lines, {:.1} MB; {:.0} files/s, {:.1} MB/s",
        s.files,
        s.lines,
        s.bytes as f64 / 1e6,
        s.files as f64 / secs,
        s.bytes as f64 / 1e6 / secs
    );
    match s.result_cache {
        Some(true) => eprintln!("  result cache: hit (nothing parsed, indexed or checked)"),
        Some(false) => eprintln!("  result cache: miss"),
        None => {}
    }
    if s.cache_hits + s.cache_misses > 0 {
        eprintln!(
            "  facts cache: {} hits, {} parsed",
            s.cache_hits, s.cache_misses
        );
    }
}

//! `synthlint check`, and the scan that `synthlint baseline` shares.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::output::{self, Output, Sink};
use crate::cli::{CheckArgs, ScanArgs, scope};
use crate::config::hierarchy::Hierarchy;
use crate::config::{Overrides, Settings};
use crate::engine::{self, ScanResult};
use crate::finding::Level;
use crate::report::{self, Format, ReportOptions, RunInfo};
use crate::suppress::edit;
use crate::walk::Walked;

/// What the command line says about a scan of `paths`.
fn overrides(args: &ScanArgs, paths: &[PathBuf], fail_on: Option<Level>) -> Overrides {
    Overrides {
        config: args.config.clone(),
        paths: paths.to_vec(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        exclude: args.exclude.clone(),
        fail_on,
        jobs: args.jobs,
        facts_memory: args.facts_memory,
        root: args.root.clone(),
        no_inline_suppressions: args.no_inline_suppressions,
    }
}

/// Settings for a scan of `paths`, or the config error rendered and exit 2.
pub fn settings(
    args: &ScanArgs,
    paths: &[PathBuf],
    fail_on: Option<Level>,
    no_color: bool,
) -> Result<Settings, ExitCode> {
    super::settings_or_exit(&overrides(args, paths, fail_on), no_color)
}

/// The nested configs that govern the files of a scan (nearest config per
/// file), or the config error rendered and exit 2.
fn hierarchy(
    o: &Overrides,
    settings: &Settings,
    files: &[crate::walk::SourcePath],
    no_color: bool,
) -> Result<Hierarchy, ExitCode> {
    let h = Hierarchy::discover(o, settings, files).map_err(|e| {
        let color = !no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::IsTerminal::is_terminal(&std::io::stderr());
        eprint!(
            "{}",
            crate::config::error::render(&miette::Report::new(e), color)
        );
        ExitCode::from(2)
    })?;
    for p in &h.unused_catalogs {
        eprintln!(
            "warning: [catalog] in {} is not used: the catalogue is project-wide; extend it in the top-level config",
            p.display()
        );
    }
    Ok(h)
}

/// The cache directory the scan uses, if any.
pub fn cache_dir(args: &ScanArgs, settings: &Settings) -> Option<PathBuf> {
    (!args.no_cache).then(|| {
        args.cache_dir
            .clone()
            .unwrap_or_else(|| settings.root.join(crate::cache::DEFAULT_DIR))
    })
}

/// The thread pool of `--jobs`; exit 2 when it cannot start.
fn worker_pool(settings: &Settings) -> Result<rayon::ThreadPool, ExitCode> {
    crate::lang::worker_pool(settings.jobs.unwrap_or(0))
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start worker threads: {e}");
            ExitCode::from(2)
        })
}

/// Runs the scan on the settings' thread pool; exit 2 on failure.
pub fn scan(
    paths: &[PathBuf],
    settings: &Settings,
    cache_dir: Option<&Path>,
) -> Result<ScanResult, ExitCode> {
    scan_in(&worker_pool(settings)?, paths, settings, cache_dir, None)
}

/// [`scan`] on `pool`, with the walk of `paths` under `settings` if it is
/// done.
fn scan_in(
    pool: &rayon::ThreadPool,
    paths: &[PathBuf],
    settings: &Settings,
    cache_dir: Option<&Path>,
    walked: Option<Walked>,
) -> Result<ScanResult, ExitCode> {
    pool.install(|| engine::scan_walked(paths, settings, cache_dir, walked))
        .map_err(|e| {
            eprintln!("error: {}", e.message);
            ExitCode::from(2)
        })
}

/// [`scan`] with each file's nearest config applied; `walked` is
/// [`governance`]'s walk of `paths`.
pub fn scan_governed(
    paths: &[PathBuf],
    settings: &Settings,
    nested: &Hierarchy,
    cache_dir: Option<&Path>,
    walked: Walked,
) -> Result<ScanResult, ExitCode> {
    if nested.is_empty() {
        // The same walk as the scan's: the settings are the same.
        return scan_in(
            &worker_pool(settings)?,
            paths,
            settings,
            cache_dir,
            Some(walked),
        );
    }
    let mut r = scan(paths, &nested.scan_settings(settings), cache_dir)?;
    nested.apply(settings, &mut r);
    Ok(r)
}

/// The nested configs of a scan of `scan_paths` (see [`Hierarchy`]), and
/// the walk that found its files: a scan under `settings` (no nested
/// config) uses it instead of walking again.
pub fn governance(
    args: &ScanArgs,
    paths: &[PathBuf],
    scan_paths: &[PathBuf],
    settings: &Settings,
    fail_on: Option<Level>,
    no_color: bool,
) -> Result<(Walked, Hierarchy), ExitCode> {
    let o = overrides(args, paths, fail_on);
    let walked = crate::walk::walk(scan_paths, settings);
    let nested = hierarchy(&o, settings, &walked.files, no_color)?;
    Ok((walked, nested))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub fn run(args: CheckArgs) -> ExitCode {
    match run_checked(args) {
        Ok(code) | Err(code) => code,
    }
}

fn run_checked(args: CheckArgs) -> Result<ExitCode, ExitCode> {
    let outputs =
        output::plan(&args.format, args.output.as_deref(), args.statistics).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        })?;
    if let Some(reason) = &args.add_suppressions
        && (reason.trim().is_empty() || reason.contains(|c: char| c.is_control()))
    {
        eprintln!(
            "error: --add-suppressions needs a one-line reason, e.g. \"accepted risk, see TICKET-12\""
        );
        return Err(ExitCode::from(2));
    }
    let paths = super::existing_paths(&args.scan.paths)?;
    let settings = settings(&args.scan, &paths, args.fail_on, args.no_color)?;
    // `--changed`: the paths are what changed; the whole project is analysed.
    let scan_paths = if args.changed {
        vec![settings.root.clone()]
    } else {
        paths.clone()
    };
    output::guard_inputs(&outputs, &scan_paths)?;
    let started = now();
    let (walked, nested) = governance(
        &args.scan,
        &paths,
        &scan_paths,
        &settings,
        args.fail_on,
        args.no_color,
    )?;
    if let Some(file) = &args.show_settings {
        return show_settings(file, &settings, &nested);
    }
    if args.show_files {
        let mut text = String::new();
        for f in &walked.files {
            if !nested
                .settings_for(&settings, &f.rel)
                .exclude
                .is_match(&f.rel)
            {
                text += &f.rel;
                text.push('\n');
            }
        }
        output::print_or_exit(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let cache_dir = cache_dir(&args.scan, &settings);
    // Kept for the reports: they render on the threads `--jobs` allows
    // (outside a pool they would run on one).
    let pool = worker_pool(&settings)?;
    crate::memory::sample_peaks(args.stats);
    crate::analysis::door::count_reads(args.stats);
    let mut result = if nested.is_empty() {
        // The settings the governance walk ran under: its walk is the scan's.
        scan_in(
            &pool,
            &scan_paths,
            &settings,
            cache_dir.as_deref(),
            Some(walked),
        )?
    } else {
        let mut r = scan_in(
            &pool,
            &scan_paths,
            &nested.scan_settings(&settings),
            cache_dir.as_deref(),
            None,
        )?;
        nested.apply(&settings, &mut r);
        r
    };

    let mut stale = 0;
    let baseline = args.baseline.clone().or_else(|| settings.baseline.clone());
    if let Some(path) = &baseline {
        let file = crate::baseline::load(path).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        })?;
        stale = crate::baseline::apply(&file, &path.display().to_string(), &mut result);
    }
    if let Some(reference) = &args.diff_base {
        // The base is scanned with the rules the work tree ran.
        let scan_settings = if nested.is_empty() {
            settings.clone()
        } else {
            nested.scan_settings(&settings)
        };
        match scope::apply_diff_base(
            reference,
            &scan_settings,
            &scan_paths,
            cache_dir.as_deref(),
            &mut result,
        ) {
            Ok(Some(note)) => eprintln!("note: {note}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return Err(ExitCode::from(2));
            }
        }
    }
    if args.changed {
        scope::retain_touching(&mut result, &scope::relative_paths(&settings.root, &paths));
    }

    if args.fix {
        let done = edit::remove_unused(&result);
        report_edits(&done, "removed", "unused suppression");
        // What was removed is no longer reported.
        if done.skipped.is_empty() {
            result
                .findings
                .retain(|f| f.rule != "SYN002" || f.suppression.is_some());
        }
    }
    if let Some(reason) = &args.add_suppressions {
        let done = edit::add_suppressions(&result, reason.trim());
        report_edits(&done, "added", "suppression");
        if done.skipped.is_empty() {
            for f in result
                .findings
                .iter_mut()
                .filter(|f| f.suppression.is_none())
            {
                if crate::rules::meta_by_code(f.rule)
                    .is_some_and(|m| m.category != crate::rules::Category::Meta)
                {
                    f.suppression = Some(Box::new(crate::finding::Suppression::new(
                        crate::finding::SuppressionKind::Inline,
                        reason.trim().to_owned(),
                        None,
                    )));
                }
            }
        }
    }

    let run = run_info(&settings, &args, baseline.as_deref(), started);
    pool.install(|| {
        outputs
            .iter()
            .try_for_each(|o| emit(&result, o, &args, &run))
    })?;
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
                "error: --strict: {skipped} file(s) could not be analysed, {} were",
                result.stats.files
            );
            return Err(ExitCode::from(2));
        }
    }
    let stale_fails = args.fail_on_stale_baseline && stale > 0;
    let code = if result.fails(settings.fail_on) || stale_fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process exits next: freeing every finding one by one would cost
    // tens of milliseconds of one thread at the end of a large scan.
    std::mem::forget(result);
    Ok(code)
}

/// `--show-settings FILE`: the settings that govern FILE.
fn show_settings(file: &Path, base: &Settings, nested: &Hierarchy) -> Result<ExitCode, ExitCode> {
    let root = &base.root;
    let abs = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let rel = crate::walk::relative(root, &abs);
    let s = nested.settings_for(base, &rel);
    let config = s
        .config_file
        .as_deref()
        .map_or("(none: defaults)".to_string(), |c| {
            crate::walk::relative(root, c)
        });
    let mut text = format!("file: {rel}\nconfig: {config}\n");
    text += &format!("rules: {}\n", s.enabled_rules.join(", "));
    let levels: Vec<String> = s
        .level_overrides
        .iter()
        .map(|(c, l)| format!("{c}={}", l.as_str()))
        .collect();
    text += &format!("levels: {}\n", levels.join(", "));
    let ignores: Vec<String> = s
        .per_path_ignores
        .iter()
        .filter(|(g, _)| g.is_match(&rel))
        .map(|(g, codes)| format!("{} = {}", g.glob().glob(), codes.join(", ")))
        .collect();
    text += &format!(
        "per-path ignores matching this file: {}\n",
        ignores.join("; ")
    );
    text += &format!("excluded: {}\n", s.exclude.is_match(&rel));
    text += &format!(
        "require-suppression-reason: {}\ninline suppressions: {}\n",
        s.require_suppression_reason,
        if s.no_inline_suppressions {
            "ignored"
        } else {
            "honoured"
        }
    );
    // Project-wide, from the base config.
    text += &format!(
        "fail-on: {}\nmax-file-size: {}\nfacts-memory: {}\nbaseline: {}\n",
        base.fail_on.as_str(),
        base.max_file_size,
        base.facts_memory,
        base.baseline
            .as_deref()
            .map_or("(none)".into(), |b| crate::walk::relative(root, b)),
    );
    let c = &base.catalog;
    text += &format!(
        "catalog extensions: {} generation, {} safety switches, {} moderation, {} labels, {} passthrough methods\n",
        c.generation.len(),
        c.safety_switch.len(),
        c.moderation.len(),
        c.label.len(),
        c.passthrough_methods.len()
    );
    output::print_or_exit(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn report_edits(done: &edit::EditReport, verb: &str, what: &str) {
    eprintln!(
        "{verb} {} in {}",
        report::plural(done.changes, what, &format!("{what}s")),
        report::plural(done.files, "file", "files")
    );
    for s in &done.skipped {
        eprintln!("warning: left alone: {s}");
    }
}

/// Renders one output and delivers it.
fn emit(result: &ScanResult, o: &Output, args: &CheckArgs, run: &RunInfo) -> Result<(), ExitCode> {
    let color = o.format == Format::Text
        && o.sink == Sink::Stdout
        && !args.no_color
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let opts = ReportOptions {
        color,
        omit_suppressed: args.omit_suppressed,
        run: run.clone(),
    };
    let pieces = report::emitter(o.format)
        .render(result, &opts)
        .map_err(|e| {
            eprintln!("error: writing the {} report: {e}", o.format.name());
            ExitCode::from(2)
        })?;
    output::deliver_pieces(&o.sink, &pieces)
}

/// What reports say about the run: commit, configuration, settings.
fn run_info(
    settings: &Settings,
    args: &CheckArgs,
    baseline: Option<&Path>,
    started: u64,
) -> RunInfo {
    let root = &settings.root;
    let rel = |p: &Path| {
        let abs = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        crate::walk::relative(root, &abs)
    };
    let mut s: Vec<(String, String)> = vec![
        ("fail-on".into(), settings.fail_on.as_str().into()),
        ("rules".into(), settings.enabled_rules.join(", ")),
    ];
    let ignores: Vec<String> = settings
        .per_path_ignores
        .iter()
        .map(|(g, codes)| format!("{} = {}", g.glob().glob(), codes.join(", ")))
        .collect();
    if !ignores.is_empty() {
        s.push(("per-path-ignores".into(), ignores.join("; ")));
    }
    let levels: Vec<String> = settings
        .level_overrides
        .iter()
        .map(|(c, l)| format!("{c} = {}", l.as_str()))
        .collect();
    if !levels.is_empty() {
        s.push(("levels".into(), levels.join(", ")));
    }
    s.push((
        "max-file-size".into(),
        format!("{} bytes", settings.max_file_size),
    ));
    s.push((
        "inline suppressions".into(),
        if settings.no_inline_suppressions {
            "ignored".into()
        } else if settings.require_suppression_reason {
            "honoured, reason required".into()
        } else {
            "honoured".into()
        },
    ));
    if !args.scan.exclude.is_empty() {
        s.push(("--exclude".into(), args.scan.exclude.join(", ")));
    }
    if let Some(b) = baseline {
        s.push(("baseline".into(), rel(b)));
    }
    if let Some(d) = &args.diff_base {
        s.push(("diff base".into(), d.clone()));
    }
    if args.changed {
        s.push(("scope".into(), "findings touching the changed files".into()));
    }
    RunInfo {
        commit: crate::git::head_commit(root),
        config: settings.config_file.as_deref().map(rel),
        settings: s,
        started,
        finished: now(),
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
        if name == "parse+extract" && s.parse_work + s.extract_work > std::time::Duration::ZERO {
            // Summed over workers: with `--jobs 1` they add up to the phase
            // less reading the files.
            for (part, w) in [("parse", s.parse_work), ("extract", s.extract_work)] {
                eprintln!(
                    "    {part:<12} {:>9.1} ms (worker time)",
                    w.as_secs_f64() * 1000.0
                );
            }
        }
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
    use crate::finding::ResultCache;
    match s.result_cache {
        Some(ResultCache::Texts) => {
            eprintln!("  result cache: hit (nothing parsed, indexed or checked)")
        }
        Some(ResultCache::Facts) => eprintln!(
            "  result cache: hit on the same facts (changed files' facts read, nothing indexed or checked)"
        ),
        Some(ResultCache::Miss) => eprintln!("  result cache: miss"),
        None => {}
    }
    for (spec, t) in &s.taint {
        use crate::analysis::dataflow::{MAX_PARAMS, MAX_PASSES, MAX_STEPS};
        eprintln!(
            "  taint {spec}: {:.1} ms, {} scopes, {} passes, {} flows; cut at caps: {} passes (over {MAX_PASSES} per scope), {} parameters (past {MAX_PARAMS}), {} flows' steps (over {MAX_STEPS})",
            t.elapsed.as_secs_f64() * 1000.0,
            t.scopes,
            t.passes,
            t.flows,
            t.cut_passes,
            t.cut_params,
            t.cut_steps
        );
    }
    if s.plugins.sites > 0 {
        use crate::analysis::plugins::MAX_PLUGIN_TARGETS;
        let p = &s.plugins;
        eprintln!(
            "  plugin calls: {} sites, {} edges; cut at caps: {} sites (over {MAX_PLUGIN_TARGETS} targets)",
            p.sites, p.edges, p.cut_sites
        );
    }
    let i = &s.inferred;
    if i.queues + i.candidates > 0 {
        use crate::analysis::queues::{MAX_CONSUMERS, MAX_PRODUCERS};
        eprintln!(
            "  queue hand-offs: {} queues, {} edges; cut at caps: {} (over {MAX_PRODUCERS} producers or {MAX_CONSUMERS} workers a queue)",
            i.queues, i.queue_edges, i.queue_cut
        );
        eprintln!(
            "  inferred generation: {} candidate calls of the project's own models, {} kept (reached with media delivery)",
            i.candidates, i.sites
        );
    }
    if s.hops.joined + s.hops.cut_targets + s.hops.cut_forwards > 0 {
        use crate::analysis::hops::{MAX_FORWARDS, MAX_TARGETS};
        eprintln!(
            "  service hops: {} edges from requests to the project's own route handlers; cut at caps: {} routes (over {MAX_TARGETS} per request), {} helper call sites (over {MAX_FORWARDS} per helper)",
            s.hops.joined, s.hops.cut_targets, s.hops.cut_forwards
        );
    }
    if s.env.variables + s.env.unresolved + s.env.cut > 0 {
        use crate::analysis::env::{MAX_REF_DEPTH, MAX_SOURCES};
        let e = &s.env;
        eprintln!(
            "  environment settings: {} variables, {} values with references ({} left unset: set nowhere, a cycle, or nested deeper than {MAX_REF_DEPTH}); cut at caps: {} values (over {MAX_SOURCES} a variable)",
            e.variables, e.references, e.unresolved, e.cut
        );
    }
    if s.dispatch.sites + s.dispatch.cut > 0 {
        use crate::analysis::callgraph::MAX_IMPLS;
        let d = &s.dispatch;
        eprintln!(
            "  interface calls: {} sites, {} edges to implementations; cut at caps: {} implementations (over {MAX_IMPLS} per method)",
            d.sites, d.edges, d.cut
        );
    }
    {
        use crate::analysis::runtime::{MAX_DEPTH, MAX_FANOUT, MAX_STEPS};
        let r = &s.runtime;
        eprintln!(
            "  run-time values: {} of {} Python calls evaluated, {} callees with one candidate, {} with several; cut at caps: {} joins (over {MAX_FANOUT}), {} evaluations (deeper than {MAX_DEPTH}), {} callees (over {MAX_STEPS} steps)",
            r.evaluated, r.calls, r.resolved, r.joined, r.cut_fanout, r.cut_depth, r.cut_steps
        );
    }
    if s.cache_hits + s.cache_misses > 0 {
        eprintln!(
            "  facts cache: {} hits, {} parsed",
            s.cache_hits, s.cache_misses
        );
    }
    if s.stored_files > 0 {
        eprintln!(
            "  facts stored compressed (past facts-memory): {} of {} files",
            s.stored_files, s.files
        );
        eprintln!(
            "  stored facts: {:.1} MiB encoded and compressed, {} decodings",
            s.stored_bytes as f64 / (1 << 20) as f64,
            s.decodes
        );
    }
    if !s.reads.is_empty() {
        // The decodings only when files are stored (none otherwise).
        let decoded = if s.decodes > 0 {
            "; stored files decoded"
        } else {
            ""
        };
        eprintln!(
            "  facts read, by reader: loops over every file; random reads (distinct files){decoded}"
        );
    }
    for r in &s.reads {
        let decoded = if s.decodes > 0 {
            format!(" {:>9} decoded", r.decodes)
        } else {
            String::new()
        };
        eprintln!(
            "    {:<18} {:>4} loops {:>10} reads ({} files){decoded}",
            r.reader.name(),
            r.loops,
            r.reads,
            r.files,
        );
    }
    if let Some((reused, computed)) = s.parts {
        eprintln!("  per-file parts: {reused} reused, {computed} computed");
    }
    if let Some((reused, computed)) = s.evidence_parts {
        eprintln!("  per-file evidence parts: {reused} reused, {computed} computed");
    }
    if let Some((reused, computed)) = s.site_parts {
        eprintln!("  per-file site parts: {reused} reused, {computed} computed");
    }
    let mb = |b: u64| b as f64 / (1u64 << 20) as f64;
    for (phase, h) in &s.memory.after {
        eprintln!(
            "  heap after {:<14} {:>8.1} MiB allocated, {:>8.1} MiB resident",
            phase.name(),
            mb(h.allocated),
            mb(h.resident)
        );
    }
    if let Some((phase, h)) = s.memory.peak {
        eprintln!(
            "  heap peak (every 10 ms) {:>8.1} MiB allocated, {:>8.1} MiB resident, in {}",
            mb(h.allocated),
            mb(h.resident),
            phase.name()
        );
    }
}

//! `synthlint debug facts FILE`, `debug entrypoints PATH...`, `debug hops PATH...`, `debug parse PATH...`.

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
            let options = crate::lang::ExtractOptions {
                passthrough: &catalog.passthrough_methods,
                ui: crate::lang::UiFilter::All,
            };
            let (facts, notes) = crate::lang::frontend(language).extract(&src.rel, &text, &options);
            for n in notes {
                eprintln!("{}: {}", n.kind, n.message);
            }
            match serde_json::to_string_pretty(&facts) {
                Ok(s) => match super::output::print_or_exit(&(s + "\n")) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(code) => code,
                },
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// `synthlint debug parse PATH...`: the same walk and read as `check`, then a
/// tree-sitter parse and one visit of every node per file, nothing else.
pub fn parse(paths: Vec<std::path::PathBuf>, jobs: Option<usize>) -> ExitCode {
    use rayon::prelude::*;
    let paths = if paths.is_empty() {
        vec![".".into()]
    } else {
        paths
    };
    let overrides = crate::config::Overrides {
        paths: paths.clone(),
        jobs,
        ..Default::default()
    };
    let settings = match crate::config::resolve(&overrides) {
        Ok(s) => s,
        Err(report) => {
            eprintln!("{report:?}");
            return ExitCode::from(2);
        }
    };
    let pool = match crate::lang::worker_pool(jobs.unwrap_or(0)).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let start = std::time::Instant::now();
    let (files, _) = walk::collect(&paths, &settings);
    let (nodes, bytes) = pool.install(|| {
        files
            .par_iter()
            .map(|f| match engine::read_source(f, settings.max_file_size) {
                ReadOutcome::Text(t) => (
                    crate::lang::frontend(f.language).parse_only_at(&f.rel, &t),
                    t.len(),
                ),
                ReadOutcome::Skipped(_) => (0, 0),
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    let secs = start.elapsed().as_secs_f64();
    let line = format!(
        "{} files, {:.1} MB, {} nodes in {:.1} ms; {:.0} files/s, {:.1} MB/s\n",
        files.len(),
        bytes as f64 / 1e6,
        nodes,
        secs * 1000.0,
        files.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    match super::output::print_or_exit(&line) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// `synthlint debug entrypoints PATH...`: the project's entry points as JSON
/// (sorted, repo-relative); scan notifications go to standard error.
pub fn entrypoints(
    paths: Vec<std::path::PathBuf>,
    config: Option<std::path::PathBuf>,
    root: Option<std::path::PathBuf>,
) -> ExitCode {
    let (project, catalog) = match load(paths, config, root) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let found = crate::analysis::entrypoints::find(&project, &catalog);
    print_json(&found)
}

/// `synthlint debug hops PATH...`: each request joined to one of the
/// project's own services, in file and call order, as JSON.
pub fn hops(
    paths: Vec<std::path::PathBuf>,
    config: Option<std::path::PathBuf>,
    root: Option<std::path::PathBuf>,
) -> ExitCode {
    let (project, catalog) = match load(paths, config, root) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let an = crate::analysis::results::Analysis::run(&project, &catalog);
    let hops: Vec<serde_json::Value> = crate::analysis::hops::edges(&project, &an.graph)
        .into_iter()
        .map(|(site, _, entry)| {
            let file = project.file(site.file, crate::analysis::Reader::Report);
            let call = &file.calls[site.call];
            let e = &an.entry_points[entry];
            serde_json::json!({
                "path": file.path,
                "line": call.span.start_line,
                "callee": call.callee.as_str(),
                "to": crate::analysis::hops::describe_hop(e),
                "handler": e.handler,
            })
        })
        .collect();
    print_json(&hops)
}

/// `synthlint debug memory PATH...`: the heap the facts take, by field,
/// then what the index and the analyses add. Figures come from jemalloc;
/// elsewhere they read 0.
pub fn memory(
    paths: Vec<std::path::PathBuf>,
    config: Option<std::path::PathBuf>,
    root: Option<std::path::PathBuf>,
) -> ExitCode {
    use crate::memory::{facts_by_field, heap};
    let start = heap().unwrap_or_default();
    let (project, catalog) = match load(paths, config, root) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let loaded = heap().unwrap_or_default();
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    let title = format!("facts of {} files", project.file_count());
    println!("{title:<48} {:>10} {:>10}", "items", "MiB");
    let held: Vec<_> = project
        .each_file(crate::analysis::Reader::Report)
        .facts()
        .collect();
    let fields = facts_by_field(&held.iter().map(|f| &**f).collect::<Vec<_>>());
    for f in &fields {
        println!("{:<48} {:>10} {:>10.3}", f.field, f.items, mib(f.bytes));
    }
    let mut facts: u64 = fields
        .iter()
        .filter(|f| !f.field.starts_with(' '))
        .map(|f| f.bytes)
        .sum();
    println!(
        "{:<48} {:>10} {:>10.3}",
        "facts, all fields",
        "",
        mib(facts)
    );
    // Past `facts-memory` the project held the facts stored, not decoded
    // (the copies weighed above were decoded after `loaded`): what it
    // held of them is the stored bytes and the interned strings.
    let stored = project.stored_bytes();
    if stored > 0 {
        let interned = fields
            .iter()
            .find(|f| f.field.starts_with("interned"))
            .map_or(0, |f| f.bytes);
        facts = stored + interned;
        println!(
            "{:<48} {:>10} {:>10.3}",
            "facts held: stored (compressed) and interned",
            "",
            mib(facts)
        );
    }
    let held = loaded.allocated.saturating_sub(start.allocated);
    println!(
        "{:<48} {:>10} {:>10.3}",
        "index and the rest of the project (held - facts)",
        "",
        mib(held.saturating_sub(facts))
    );
    let index_parts = project.heap_parts();
    for f in &index_parts {
        println!(
            "{:<48} {:>10} {:>10.3}",
            format!("  {}", f.field),
            f.items,
            mib(f.bytes)
        );
    }
    let analysis = crate::analysis::results::Analysis::run(&project, &catalog);
    let after = heap().unwrap_or_default();
    println!(
        "{:<48} {:>10} {:>10.3}",
        "analysis (call graph, sites, entry points...)",
        "",
        mib(after.allocated.saturating_sub(loaded.allocated))
    );
    for f in analysis.heap_parts() {
        println!(
            "{:<48} {:>10} {:>10.3}",
            format!("  {}", f.field),
            f.items,
            mib(f.bytes)
        );
    }
    println!(
        "{:<48} {:>10.3} {:>10.3}",
        "heap now: allocated, resident (MiB)",
        mib(after.allocated),
        mib(after.resident)
    );
    let rules = crate::rules::all();
    let cx = crate::rules::Context {
        project: &project,
        catalog: &catalog,
        analysis: &analysis,
        shared: Default::default(),
        parts: None,
    };
    // Each taint spec is solved a second time and freed part by part
    // (with RAYON_NUM_THREADS=1 nothing else allocates meanwhile).
    analysis.dataflow.measure_parts();
    let findings = crate::rules::run(&rules, &cx);
    let ran = heap().unwrap_or_default();
    println!(
        "{:<48} {:>10} {:>10.3}",
        "after every rule (findings and what rules keep)",
        "",
        mib(ran.allocated.saturating_sub(after.allocated))
    );
    // The canonical names asked for by the analysis and the rules.
    let memo = project
        .heap_parts()
        .into_iter()
        .find(|f| f.field.starts_with("canonical"));
    if let Some(memo) = memo {
        println!(
            "{:<48} {:>10} {:>10.3}",
            format!("  {}", memo.field),
            memo.items,
            mib(memo.bytes)
        );
    }
    for f in crate::memory::findings_by_field(&findings) {
        println!("{:<48} {:>10} {:>10.3}", f.field, f.items, mib(f.bytes));
    }
    for m in analysis.dataflow.measured() {
        let c = m.counts;
        println!(
            "taint {}: {} scopes, {} states, {} defs in {} places, {} assignments",
            m.spec, c.scopes, c.states, c.defs, c.places, c.assigns
        );
        for (part, bytes) in &m.parts {
            println!(
                "{:<48} {:>10} {:>10.3}",
                format!("  {part}"),
                "",
                mib(*bytes)
            );
        }
    }
    drop(analysis);
    ExitCode::SUCCESS
}

fn print_json<T: serde::Serialize>(value: &T) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(s) => match super::output::print_or_exit(&(s + "\n")) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The project and catalogue of a debug command's paths; scan
/// notifications go to standard error.
fn load(
    paths: Vec<std::path::PathBuf>,
    config: Option<std::path::PathBuf>,
    root: Option<std::path::PathBuf>,
) -> Result<(crate::analysis::Project, crate::catalog::Catalog), ExitCode> {
    let paths = if paths.is_empty() {
        vec![".".into()]
    } else {
        paths
    };
    for p in &paths {
        if !p.exists() {
            eprintln!("error: {}: no such file or directory", p.display());
            return Err(ExitCode::from(2));
        }
    }
    let overrides = crate::config::Overrides {
        config,
        paths: paths.clone(),
        root,
        ..Default::default()
    };
    let settings = match crate::config::resolve(&overrides) {
        Ok(s) => s,
        Err(report) => {
            eprintln!("{report:?}");
            return Err(ExitCode::from(2));
        }
    };
    let (project, catalog, notes) = match engine::load_project(&paths, &settings) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return Err(ExitCode::from(2));
        }
    };
    for n in notes {
        eprintln!(
            "{}: {}: {}",
            n.kind,
            n.path.as_deref().unwrap_or("-"),
            n.message
        );
    }
    Ok((project, catalog))
}

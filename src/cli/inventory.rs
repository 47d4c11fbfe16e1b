//! `synthlint inventory`: the AI service inventory of a project.

use std::process::ExitCode;

use crate::analysis::results::Analysis;
use crate::catalog::Catalog;
use crate::cli::{InventoryArgs, InventoryFormat};
use crate::config::Overrides;
use crate::engine;
use crate::report::escape;
use crate::report::inventory::Inventory;

pub fn run(args: InventoryArgs) -> ExitCode {
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
        exclude: args.exclude.clone(),
        root: args.root.clone(),
        ..Default::default()
    };
    let settings = match super::settings_or_exit(&overrides, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let catalog = match Catalog::load(&settings.catalog) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return ExitCode::from(2);
        }
    };
    let (project, notifications, _) = engine::load(&paths, &settings, &catalog);
    for n in &notifications {
        eprintln!(
            "{}[{}]: {}: {}",
            n.level.as_str(),
            n.kind,
            escape::line(n.path.as_deref().unwrap_or("-")),
            escape::line(&n.message)
        );
    }
    let analysis = Analysis::run(&project, &catalog);
    let inventory = Inventory::build(&project, &analysis);
    let mut buf = Vec::new();
    let written = match args.format {
        InventoryFormat::Text => inventory.write_text(&mut buf),
        InventoryFormat::Json => inventory.write_json(&mut buf),
        InventoryFormat::Markdown => inventory.write_markdown(&mut buf),
    };
    if let Err(e) = written {
        eprintln!("error: writing inventory: {e}");
        return ExitCode::from(2);
    }
    let sink = match &args.output {
        Some(path) => super::output::Sink::File(path.clone()),
        None => super::output::Sink::Stdout,
    };
    if let Err(code) = super::output::deliver(&sink, &buf) {
        return code;
    }
    ExitCode::SUCCESS
}

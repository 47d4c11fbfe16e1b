//! `synthlint inventory`: the AI service inventory of a project.

use std::io::Write;
use std::process::ExitCode;

use crate::analysis::endpoints::Analysis;
use crate::catalog::Catalog;
use crate::cli::{InventoryArgs, InventoryFormat};
use crate::config::{self, Overrides};
use crate::engine;
use crate::report::inventory::Inventory;

pub fn run(args: InventoryArgs) -> ExitCode {
    let paths = if args.paths.is_empty() { vec![".".into()] } else { args.paths.clone() };
    for p in &paths {
        if !p.exists() {
            eprintln!("error: {}: no such file or directory", p.display());
            return ExitCode::from(2);
        }
    }
    let overrides = Overrides {
        config: args.config.clone(),
        paths: paths.clone(),
        exclude: args.exclude.clone(),
        root: args.root.clone(),
        ..Default::default()
    };
    let settings = match config::resolve(&overrides) {
        Ok(s) => s,
        Err(report) => {
            eprintln!("{report:?}");
            return ExitCode::from(2);
        }
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
        eprintln!("{}[{}]: {}: {}", n.level.as_str(), n.kind, n.path.as_deref().unwrap_or("-"), n.message);
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
    let io = match &args.output {
        Some(path) => std::fs::write(path, &buf),
        None => std::io::stdout().write_all(&buf),
    };
    if let Err(e) = io {
        eprintln!("error: writing inventory: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

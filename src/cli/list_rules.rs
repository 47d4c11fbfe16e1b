//! `synthlint rules`.

use std::process::ExitCode;

use crate::cli::{RulesArgs, RulesFormat};
use crate::rules;

pub fn run(args: RulesArgs) -> ExitCode {
    let all = rules::all();
    match args.format {
        RulesFormat::Json => {
            let metas: Vec<_> = all.iter().map(|r| r.meta()).collect();
            match serde_json::to_string_pretty(&metas) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        RulesFormat::Text => {
            for r in all {
                let m = r.meta();
                println!(
                    "{:<7} {:<32} {:<8} {}  [{}]",
                    m.code,
                    m.name,
                    m.default_level.as_str(),
                    m.summary,
                    m.articles.join(", ")
                );
            }
        }
    }
    ExitCode::SUCCESS
}

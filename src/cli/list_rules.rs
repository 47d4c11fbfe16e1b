//! `synthlint rules`.

use std::process::ExitCode;

use crate::cli::{RulesArgs, RulesFormat};
use crate::rules;

pub fn run(args: RulesArgs) -> ExitCode {
    let all = rules::catalogue();
    match args.format {
        RulesFormat::Json => match serde_json::to_string_pretty(&all) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        RulesFormat::Text => {
            for m in all {
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

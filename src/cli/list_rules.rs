//! `synthlint rules`.

use std::process::ExitCode;

use crate::cli::{RulesArgs, RulesFormat};
use crate::rules;

pub fn run(args: RulesArgs) -> ExitCode {
    let all = rules::catalogue();
    let text = match args.format {
        RulesFormat::Json => match serde_json::to_string_pretty(&all) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        RulesFormat::Text => all
            .iter()
            .map(|m| {
                format!(
                    "{:<7} {:<32} {:<8} {}  [{}]\n",
                    m.code,
                    m.name,
                    m.default_level.as_str(),
                    m.summary,
                    m.articles.join(", ")
                )
            })
            .collect(),
    };
    match super::output::print_or_exit(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

//! `synthlint explain CODE`.

use std::process::ExitCode;

use crate::regulations::Regulations;
use crate::rules;

pub fn run(code: &str) -> ExitCode {
    let Some(meta) = rules::meta_by_code(code) else {
        eprintln!("error: no rule with code `{code}` (see `synthlint rules`)");
        return ExitCode::from(2);
    };
    match super::output::print_or_exit(&render(meta)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// The rule's doc with a header and the titles of the articles it implicates.
pub fn render(m: &rules::RuleMeta) -> String {
    let regs = Regulations::get();
    let mut s = format!("# {} {}\n\n", m.code, m.name);
    s += &format!(
        "Category: {} · Default level: {} · Precision: {}\n\n{}\n\n",
        m.category.as_str(),
        m.default_level.as_str(),
        m.precision.as_str(),
        m.summary
    );
    s += m.doc.trim();
    s += "\n";
    if !m.articles.is_empty() {
        s += "\n## Articles\n\n";
        for id in m.articles {
            match (regs.article(id), regs.reference(id)) {
                (Some(a), Some(reference)) => {
                    s += &format!("- {id}: {reference}\n  {}\n  {}\n", a.summary, a.url)
                }
                _ => s += &format!("- {id}\n"),
            }
        }
    }
    s
}

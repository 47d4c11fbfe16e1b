//! `--format statistics` (`--statistics`): how many active findings each
//! rule and each article has, largest first, like ruff's `--statistics`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::finding::Level;
use crate::regulations::Regulations;
use crate::report::{Emitter, ReportOptions, text};
use crate::rules;

/// The `statistics` format.
pub struct Statistics;

/// (code or article id, count), largest first.
pub type Counted = Vec<(&'static str, usize)>;

/// Active findings per rule code, and per article id (a finding counts
/// once for each article its rule implicates).
pub fn counts(result: &ScanResult) -> (Counted, Counted) {
    let mut by_rule: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_article: BTreeMap<&'static str, usize> = BTreeMap::new();
    for f in result.active() {
        *by_rule.entry(f.rule).or_default() += 1;
        if let Some(m) = rules::meta_by_code(f.rule) {
            for a in m.articles {
                *by_article.entry(a).or_default() += 1;
            }
        }
    }
    let sorted = |m: BTreeMap<&'static str, usize>| {
        let mut v: Vec<_> = m.into_iter().collect();
        // Largest first; ties in code order (the map's), kept by a stable sort.
        v.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        v
    };
    (sorted(by_rule), sorted(by_article))
}

impl Emitter for Statistics {
    fn emit(
        &self,
        result: &ScanResult,
        _opts: &ReportOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let (by_rule, by_article) = counts(result);
        let regs = Regulations::get();
        if !by_rule.is_empty() {
            writeln!(out, "By rule:")?;
            for (code, n) in &by_rule {
                let (name, level) = rules::meta_by_code(code)
                    .map_or(("", Level::Warning), |m| (m.name, m.default_level));
                writeln!(out, "{n:>6}  {code:<7} {:<8} {name}", level.as_str())?;
            }
            writeln!(out)?;
            writeln!(out, "By article:")?;
            for (id, n) in &by_article {
                let title = regs.reference(id).unwrap_or_default();
                writeln!(out, "{n:>6}  {id:<16} {title}")?;
            }
            writeln!(out)?;
        }
        writeln!(out, "{}", text::summary(result))
    }
}

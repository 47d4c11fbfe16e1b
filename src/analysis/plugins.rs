//! Plugins loaded by name: `importlib.import_module("app.plugins." + name)`
//! gives a module the code only knows at run time, and the code then calls
//! it through a common interface (`plugin.process_frame(...)`). Every
//! project module whose name fits the loaded name and that defines the
//! called function is a call target. The loaded module travels through
//! local variables, `list.append`, `for` loops and the returns of project
//! functions (a loader function, a getter that returns a list of them);
//! propagation runs a bounded number of rounds, and a call site's targets
//! are capped (`--stats` counts the sites cut).

use std::collections::BTreeMap;

use ustr::Ustr;

use crate::analysis::index::{Symbol, dotted};
use crate::analysis::{FastMap, FastSet, Project, Reader};
use crate::facts::{BinOp, FileFacts, Part, Receiver, Shape, Value};

/// Targets one call site may get; past this the site is cut (counted).
pub const MAX_PLUGIN_TARGETS: usize = 16;
/// Run-time parts of a loaded name past which it is not followed (the
/// matcher backtracks over each).
const MAX_HOLES: usize = 3;
/// Rounds of propagation through variables and returns.
const ROUNDS: usize = 4;

/// A loaded module's name: literal pieces and run-time holes, in order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Piece {
    Lit(String),
    Hole,
}

pub(crate) type Pattern = Vec<Piece>;

/// What `--stats` says about plugin edges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginStats {
    /// Call sites given plugin targets, and the edges added.
    pub sites: usize,
    pub edges: usize,
    /// Sites whose targets were cut at [`MAX_PLUGIN_TARGETS`].
    pub cut_sites: usize,
}

/// (file, call index) of a call site, or (file, function index) of a target.
pub type At = (usize, usize);

/// The calls into loaded plugins, each with its targets.
pub struct PluginCalls {
    pub calls: Vec<(At, Vec<At>)>,
    pub stats: PluginStats,
}

/// (file, function qualname or `None` at module level, variable): interned
/// names, so that a lookup per call allocates nothing.
pub(crate) type Var = (usize, Option<Ustr>, Ustr);

/// Whether a call's resolved type (`importlib.import_module()`) is one of
/// the `loaders`.
fn is_loader(loaders: &[String], ty: &str) -> bool {
    ty.strip_suffix("()")
        .is_some_and(|t| loaders.iter().any(|l| l == t))
}

/// File `fi`'s variables given a module loaded by name (`m =
/// import_module("app.plugins." + name)`), with the name, in assignment
/// order: the per-file phase's part of [`calls`].
pub(crate) fn file_loaded(loaders: &[String], fi: usize, file: &FileFacts) -> Vec<(Var, Pattern)> {
    let mut out = Vec::new();
    if loaders.is_empty() {
        return out;
    }
    for a in &file.assignments {
        if a.target.contains('.')
            || !a
                .value_call
                .as_ref()
                .is_some_and(|t| is_loader(loaders, t.as_str()))
        {
            continue;
        }
        if let Some(p) = loaded_name(&a.value).filter(has_prefix) {
            out.push(((fi, a.scope, a.target), p));
        }
    }
    out
}

/// Finds the calls into plugins. `loaders` are the resolved names of the
/// functions that import a module by name (catalogue data); `loaded` is
/// what [`file_loaded`] found in every file, in file order. The rounds
/// that follow the loaded modules through returns, assignments and lists,
/// and the search for calls on them, run only when some file loads a
/// module by name (a handful of projects), and read only the files with a
/// variable that holds one until a function is found to return one.
pub(crate) fn calls(
    project: &Project,
    loaders: &[String],
    loaded: Vec<(Var, Pattern)>,
) -> PluginCalls {
    let mut out = PluginCalls {
        calls: Vec::new(),
        stats: PluginStats::default(),
    };
    if loaders.is_empty() {
        return out;
    }
    // Variables that hold a loaded module, and functions that return one.
    let mut vars: FastMap<Var, Vec<Pattern>> = FastMap::default();
    for (var, p) in loaded {
        let list = vars.entry(var).or_default();
        if !list.contains(&p) {
            list.push(p);
        }
    }
    if vars.is_empty() {
        return out;
    }
    let mut funcs: BTreeMap<(usize, usize), Vec<Pattern>> = BTreeMap::new();
    // Files with a variable that holds a loaded module. While no function
    // is known to return one, the other files have nothing to follow
    // (every step below starts from such a variable, or from a call of
    // such a function): they are not read.
    let mut var_files: FastSet<usize> = vars.keys().map(|&(fi, _, _)| fi).collect();
    let matters =
        |fi: usize, funcs: &BTreeMap<(usize, usize), Vec<Pattern>>, var_files: &FastSet<usize>| {
            !funcs.is_empty() || var_files.contains(&fi)
        };
    for _ in 0..ROUNDS {
        let mut changed = false;
        for fi in 0..project.file_count() {
            if !matters(fi, &funcs, &var_files) {
                continue;
            }
            let file = project.file(fi, Reader::Plugins);
            // `return plugin`: the function returns what the variable holds.
            for r in &file.returns {
                let (Some(scope), Value::Name { text, .. }) = (r.scope, &r.value) else {
                    continue;
                };
                let Some(ps) = vars.get(&(fi, Some(scope), *text)).cloned() else {
                    continue;
                };
                let Some(Symbol::Function(f, g)) =
                    project.index.symbol(&dotted(&file.module, &scope))
                else {
                    continue;
                };
                changed |= merge(funcs.entry((f, g)).or_default(), ps);
            }
            // `m = load(name)`, `for m in load_all(...)`: what the loader
            // returns (none yet: nothing to look up).
            for a in file.assignments.iter().filter(|_| !funcs.is_empty()) {
                let Some(ty) = a.value_call.as_ref().map(|t| t.as_str()) else {
                    continue;
                };
                if a.target.contains('.') {
                    continue;
                }
                let Some(head) = ty.strip_suffix("()").filter(|h| !h.contains(['(', '['])) else {
                    continue;
                };
                let Some(Symbol::Function(f, g)) = project.index.symbol(head) else {
                    continue;
                };
                let Some(ps) = funcs.get(&(f, g)).cloned() else {
                    continue;
                };
                changed |= merge(vars.entry((fi, a.scope, a.target)).or_default(), ps);
                var_files.insert(fi);
            }
            // `modules.append(m)`: the list holds what `m` holds.
            for call in &file.calls {
                if call.method() != "append" {
                    continue;
                }
                let (Receiver::Name(list), Some(Value::Name { text, .. })) =
                    (call.receiver, call.args.first().map(|a| &a.value))
                else {
                    continue;
                };
                let Some(ps) = vars.get(&(fi, call.scope, *text)).cloned() else {
                    continue;
                };
                changed |= merge(vars.entry((fi, call.scope, list)).or_default(), ps);
                var_files.insert(fi);
            }
        }
        if !changed {
            break;
        }
    }
    // Modules each pattern fits, computed once per pattern.
    let mut fits: BTreeMap<Pattern, Vec<usize>> = BTreeMap::new();
    for fi in 0..project.file_count() {
        if !matters(fi, &funcs, &var_files) {
            continue;
        }
        let file = project.file(fi, Reader::Plugins);
        for (ci, call) in file.calls.iter().enumerate() {
            let Some(r) = call.resolved.as_ref().map(|q| q.as_str()) else {
                continue;
            };
            let Some((head, method)) = r.rsplit_once("().") else {
                continue;
            };
            if method.contains(['.', '(', '[']) {
                continue;
            }
            // `load(name).f()`, or `m.f()` with `m` a variable holding a plugin.
            let from_func = match funcs.is_empty() {
                true => None,
                false => match project.index.symbol(head) {
                    Some(Symbol::Function(f, g)) => funcs.get(&(f, g)),
                    _ => None,
                },
            };
            let from_var = match call.receiver {
                Receiver::Name(v) if !v.contains('.') => vars.get(&(fi, call.scope, v)),
                _ => None,
            };
            let Some(patterns) = from_func.or(from_var) else {
                continue;
            };
            let mut targets = Vec::new();
            for p in patterns {
                let modules = fits.entry(p.clone()).or_insert_with(|| {
                    project
                        .modules
                        .iter()
                        .filter(|(m, _)| fits_module(p, m))
                        .map(|(_, &f)| f)
                        .collect()
                });
                for &mf in modules.iter() {
                    let module = project.module(mf);
                    if let Some(Symbol::Function(f, g)) =
                        project.index.symbol(&dotted(module, method))
                        && project.file(f, Reader::Plugins).functions[g]
                            .class
                            .is_none()
                        && !targets.contains(&(f, g))
                    {
                        targets.push((f, g));
                    }
                }
            }
            if targets.is_empty() {
                continue;
            }
            targets.sort_unstable();
            if targets.len() > MAX_PLUGIN_TARGETS {
                targets.truncate(MAX_PLUGIN_TARGETS);
                out.stats.cut_sites += 1;
            }
            out.stats.sites += 1;
            out.stats.edges += targets.len();
            out.calls.push(((fi, ci), targets));
        }
    }
    out
}

fn merge(into: &mut Vec<Pattern>, from: Vec<Pattern>) -> bool {
    let mut changed = false;
    for p in from {
        if !into.contains(&p) {
            into.push(p);
            changed = true;
        }
    }
    changed
}

/// The module name a loader call is given: `"pkg.mods." + name + ".core"`,
/// `f"pkg.mods.{name}"`, a plain literal.
fn loaded_name(value: &Value) -> Option<Pattern> {
    let Value::Expr(e) = value else {
        return None;
    };
    let Shape::Call(_, args) = &e.shape else {
        return None;
    };
    let mut out = Vec::new();
    pieces(args.first()?, &mut out, 0);
    Some(out)
}

fn pieces(shape: &Shape, out: &mut Pattern, depth: usize) {
    let hole = |out: &mut Pattern| {
        if out.last() != Some(&Piece::Hole) {
            out.push(Piece::Hole);
        }
    };
    match shape {
        Shape::Str(s) => out.push(Piece::Lit(s.to_string())),
        Shape::Binary(BinOp::Add, pair) if depth < 16 => {
            pieces(&pair.0, out, depth + 1);
            pieces(&pair.1, out, depth + 1);
        }
        Shape::Template(parts) => {
            for p in parts.iter() {
                match p {
                    Part::Lit(s) => out.push(Piece::Lit(s.to_string())),
                    Part::Hole { .. } => hole(out),
                }
            }
        }
        _ => hole(out),
    }
}

/// A pattern that names a package (`"app.plugins." + name`): one that
/// starts with a hole could be any module.
fn has_prefix(p: &Pattern) -> bool {
    let holes = p.iter().filter(|x| **x == Piece::Hole).count();
    holes <= MAX_HOLES && matches!(p.first(), Some(Piece::Lit(s)) if s.contains('.'))
}

/// Whether a module fits a pattern by its full name or a dotted suffix of
/// it (module names are root-relative; the code names them from its own
/// import root).
fn fits_module(p: &[Piece], module: &str) -> bool {
    matches(p, module)
        || module
            .match_indices('.')
            .any(|(i, _)| matches(p, &module[i + 1..]))
}

/// Whether a module name fits a pattern (holes match one or more characters).
fn matches(p: &[Piece], s: &str) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((Piece::Lit(l), rest)) => s.strip_prefix(l.as_str()).is_some_and(|t| matches(rest, t)),
        Some((Piece::Hole, rest)) => (1..=s.len())
            .filter(|&i| s.is_char_boundary(i))
            .any(|i| matches(rest, &s[i..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_fit_patterns_with_holes() {
        let p = vec![
            Piece::Lit("app.mods.".into()),
            Piece::Hole,
            Piece::Lit(".core".into()),
        ];
        assert!(matches(&p, "app.mods.swap.core"));
        assert!(!matches(&p, "app.mods..core"));
        assert!(!matches(&p, "app.other.swap.core"));
        assert!(fits_module(&p, "repo.app.mods.swap.core"));
        assert!(!fits_module(&p, "repo.xapp.mods.swap.core"));
        assert!(has_prefix(&p));
        let hole: Pattern = vec![Piece::Hole];
        assert!(!has_prefix(&hole));
    }

    /// With no function returning a loaded module, only the files with a
    /// variable holding one are read, and their calls still found.
    #[test]
    fn only_files_holding_a_loaded_module_are_read() {
        let loaders = vec!["importlib.import_module".to_string()];
        let files = [
            (
                "app/core.py",
                "import importlib\n\ndef run(name):\n    m = importlib.import_module(\"app.mods.\" + name)\n    m.apply(1)\n",
            ),
            ("app/mods/swap.py", "def apply(x):\n    return x\n"),
            ("app/other.py", "import os\nos.getcwd()\n"),
        ];
        crate::analysis::door::count_reads(true);
        let project = crate::analysis::python_project(&files);
        // The door counts from its project's start: the other tests' need not.
        crate::analysis::door::count_reads(false);
        let loaded: Vec<_> = (0..project.file_count())
            .flat_map(|fi| file_loaded(&loaders, fi, &project.file(fi, Reader::PerFile)))
            .collect();
        assert_eq!(loaded.len(), 1, "{loaded:?}");
        let found = calls(&project, &loaders, loaded);
        let core = project.file_index("app/core.py").unwrap();
        let swap = project.file_index("app/mods/swap.py").unwrap();
        assert_eq!(found.calls.len(), 1);
        assert_eq!(found.calls[0].0.0, core);
        assert_eq!(found.calls[0].1, [(swap, 0)]);
        let plugins = project
            .reads()
            .into_iter()
            .find(|r| r.reader == Reader::Plugins)
            .unwrap();
        // The holding file, once a round (one, then the one that sees no
        // change) and once for the calls, and the target's module once.
        assert_eq!((plugins.loops, plugins.files), (0, 2));
    }
}

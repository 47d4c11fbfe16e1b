//! Absolute imports resolved the way Python finds them, whatever directory
//! output paths are relative to (`--root`, the current directory).
//!
//! Module names come from root-relative paths, so `svc/api/m0.py` is
//! `svc.api.m0` when the repository is the root and `m0` under
//! `--root svc/api`; its `import m1` named the sibling `svc/api/m1.py` only
//! in the second case, and findings depended on where the scan was anchored
//! (issue 17). Python looks a top-level name up along `sys.path`; the
//! directories that play that part are inferred from the tree, per importing
//! file, in this order:
//!
//! 1. the importing file's own directory, as for a script run directly
//!    (`sys.path[0]`); when that directory is a regular package (it has an
//!    `__init__.py`) only for names no other root provides;
//! 2. the directory above its topmost regular package (where the package is
//!    imported from);
//! 3. every enclosing `src` directory (the `src/` layout).
//!
//! The scan root itself stays a root, and a name found there (or in the
//! importing file's script directory) is left as it is. Only names an
//! absolute `import` brings in are requalified (`m1` → `svc.api.m1`), in
//! every resolved name of the file that starts with them, before the index
//! is built; the name keeps meaning the same module, only spelled in full.

use crate::analysis::door::Facts;
use crate::analysis::{FastMap, FastSet};
use crate::facts::{Arg, FileFacts, QName, Returns, Value};
use crate::qname::head;
use ustr::Ustr;

/// What requalifying a file's absolute imports reads from the whole
/// project: the module names with every package above them (namespace
/// packages included), and the modules that are regular packages.
pub(super) struct Roots {
    known: FastSet<String>,
    regular: FastSet<String>,
}

impl Roots {
    /// From the module map (`modules`: module name → file index) and the
    /// files' paths; no file's facts are read.
    pub(super) fn new(files: &Facts, modules: &FastMap<String, usize>) -> Roots {
        let mut known: FastSet<String> = FastSet::default();
        for m in modules.keys() {
            for (dot, _) in m.match_indices('.') {
                known.insert(m[..dot].to_string());
            }
            known.insert(m.clone());
        }
        let regular = modules
            .iter()
            .filter(|&(_, &fi)| is_init(files.path(fi)))
            .map(|(m, _)| m.clone())
            .collect();
        Roots { known, regular }
    }

    /// One file's plan: each head of its absolute imports that only an
    /// inferred root provides → the module spelled in full, sorted by head.
    /// This is what the rewrite of that file ([`rewrite`]) read from the
    /// other files, which the per-file parts' indexed key holds
    /// (`crate::parts`).
    pub(super) fn plan(&self, file: &FileFacts) -> Vec<(Ustr, String)> {
        let roots = roots_of(file, &|module: &str| self.regular.contains(module));
        let mut plan: Vec<(Ustr, String)> = Vec::new();
        for import in file.imports.iter().filter(|i| i.level == 0) {
            let h = head(&import.target);
            if h.is_empty() || plan.iter().any(|(k, _)| k.as_str() == h) {
                continue;
            }
            for (root, first) in &roots {
                let qualified = format!("{root}.{h}");
                // A module importing its own name means the library it is
                // named after (`providers/email/sendgrid.py`: `from
                // sendgrid.helpers.mail import Mail`), never itself.
                if qualified == file.module.as_str() {
                    continue;
                }
                if self.known.contains(&qualified) && (*first || !self.known.contains(h)) {
                    plan.push((Ustr::from(h), qualified));
                    break;
                }
            }
        }
        plan.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        plan
    }
}

/// The inferred import roots of a file, as dotted module prefixes, in
/// search order; `true` marks a root that wins over the scan root.
fn roots_of(file: &FileFacts, regular_package: &impl Fn(&str) -> bool) -> Vec<(String, bool)> {
    let dir = if is_init(&file.path) {
        file.module.clone()
    } else {
        parent(&file.module).to_string()
    };
    let mut roots = Vec::new();
    if !dir.is_empty() {
        roots.push((dir.clone(), !regular_package(&dir)));
    }
    // Above the topmost regular package.
    let mut top = dir.as_str();
    while !top.is_empty() && regular_package(top) {
        top = parent(top);
    }
    if !top.is_empty() && top != dir {
        roots.push((top.to_string(), false));
    }
    // Enclosing `src` directories, innermost first.
    let mut at = dir.as_str();
    while !at.is_empty() {
        if at == "src" || at.ends_with(".src") {
            roots.push((at.to_string(), false));
        }
        at = parent(at);
    }
    roots.dedup();
    roots
}

fn is_init(path: &str) -> bool {
    path == "__init__.py"
        || path == "__init__.pyi"
        || path.ends_with("/__init__.py")
        || path.ends_with("/__init__.pyi")
}

fn parent(module: &str) -> &str {
    module.rfind('.').map_or("", |i| &module[..i])
}

/// `name` with its head spelled in full, if the plan (sorted by head)
/// requalifies that head.
fn requalified(name: &str, plan: &[(Ustr, String)]) -> Option<String> {
    let h = head(name);
    let at = plan.binary_search_by(|(k, _)| k.as_str().cmp(h)).ok()?;
    Some(format!("{}{}", plan[at].1, &name[h.len()..]))
}

fn requalify_target(name: &mut Ustr, plan: &[(Ustr, String)]) {
    if let Some(q) = requalified(name, plan) {
        *name = Ustr::from(&q);
    }
}

fn requalify(name: &mut QName, plan: &[(Ustr, String)]) {
    if let Some(q) = requalified(name.as_str(), plan) {
        *name = QName::from(q);
    }
}

fn requalify_opt(name: &mut Option<QName>, plan: &[(Ustr, String)]) {
    if let Some(n) = name {
        requalify(n, plan);
    }
}

/// Names resolved in a value, nested ones too (iteratively).
fn requalify_value(value: &mut Value, plan: &[(Ustr, String)]) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Name { resolved, .. } => requalify_opt(resolved, plan),
            Value::List(items) => stack.extend(items.iter_mut()),
            Value::Dict(pairs) => {
                for (k, v) in pairs.iter_mut() {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

fn requalify_args(args: &mut [Arg], plan: &[(Ustr, String)]) {
    for a in args {
        requalify_value(&mut a.value, plan);
    }
}

/// Every resolved name in the file whose head the plan requalifies.
pub(super) fn rewrite(file: &mut FileFacts, plan: &[(Ustr, String)]) {
    if plan.is_empty() {
        return;
    }
    for i in &mut file.imports {
        if i.level == 0 {
            requalify_target(&mut i.target, plan);
        }
    }
    for c in &mut file.calls {
        requalify_opt(&mut c.resolved, plan);
        requalify_args(&mut c.args, plan);
    }
    for f in &mut file.functions {
        for d in &mut f.decorators {
            requalify_opt(&mut d.resolved, plan);
            requalify_args(&mut d.args, plan);
        }
        requalify_opt(&mut f.return_annotation, plan);
        match &mut f.returns {
            Some(Returns::Value(t)) => requalify(t, plan),
            Some(Returns::Tuple(items)) => items.iter_mut().for_each(|t| requalify_opt(t, plan)),
            None => {}
        }
    }
    for c in &mut file.classes {
        c.bases.iter_mut().for_each(|b| requalify(b, plan));
        for d in &mut c.decorators {
            requalify_opt(&mut d.resolved, plan);
            requalify_args(&mut d.args, plan);
        }
    }
    for a in &mut file.assignments {
        requalify_opt(&mut a.value_call, plan);
        requalify_value(&mut a.value, plan);
    }
}

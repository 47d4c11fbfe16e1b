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
use rayon::prelude::*;
use ustr::Ustr;

/// Requalify the absolute imports of every file that name a module only
/// an inferred root provides. `modules`: module name → index into `files`.
/// Returns each file's plan (import head → module spelled in full, sorted):
/// what the rewrite of that file read from the other files, which the
/// per-file parts' indexed key holds (`crate::parts`).
/// A stored file is read decoded for its plan and keeps it (its facts are
/// rewritten when decoded, `door::Facts`); a kept one is rewritten now.
pub(super) fn qualify(
    files: &mut Facts,
    modules: &FastMap<String, usize>,
) -> Vec<Vec<(Ustr, String)>> {
    // Modules and every package above them (namespace packages included).
    let mut known: FastSet<String> = FastSet::default();
    for m in modules.keys() {
        for (dot, _) in m.match_indices('.') {
            known.insert(m[..dot].to_string());
        }
        known.insert(m.clone());
    }
    let regular_package = |module: &str| {
        modules
            .get(module)
            .is_some_and(|&fi| is_init(files.path(fi)))
    };
    // Per file on the thread pool: each plan reads only the module map.
    let plans: Vec<FastMap<Ustr, String>> = (0..files.len())
        .into_par_iter()
        .map(|fi| {
            let file = files.get(fi);
            let file = &*file;
            let roots = roots_of(file, &regular_package);
            let mut map: FastMap<Ustr, String> = FastMap::default();
            for import in file.imports.iter().filter(|i| i.level == 0) {
                let h = head(&import.target);
                if h.is_empty() || map.contains_key(&Ustr::from(h)) {
                    continue;
                }
                for (root, first) in &roots {
                    let qualified = format!("{root}.{h}");
                    // A module importing its own name means the library it
                    // is named after (`providers/email/sendgrid.py`: `from
                    // sendgrid.helpers.mail import Mail`), never itself.
                    if qualified == file.module.as_str() {
                        continue;
                    }
                    if known.contains(&qualified) && (*first || !known.contains(h)) {
                        map.insert(Ustr::from(h), qualified);
                        break;
                    }
                }
            }
            map
        })
        .collect();
    files
        .kept_mut()
        .for_each(|(fi, file)| rewrite(file, &plans[fi]));
    plans
        .into_par_iter()
        .map(|map| {
            let mut plan: Vec<(Ustr, String)> = map.into_iter().collect();
            plan.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            plan
        })
        .collect()
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

/// `name` with its head spelled in full, when `map` requalifies the head.
fn requalified(name: &str, map: &FastMap<Ustr, String>) -> Option<String> {
    let h = head(name);
    let q = map.get(&Ustr::from(h))?;
    Some(format!("{q}{}", &name[h.len()..]))
}

fn requalify_target(name: &mut Ustr, map: &FastMap<Ustr, String>) {
    if let Some(q) = requalified(name, map) {
        *name = Ustr::from(&q);
    }
}

fn requalify(name: &mut QName, map: &FastMap<Ustr, String>) {
    if let Some(q) = requalified(name.as_str(), map) {
        *name = QName::from(q);
    }
}

fn requalify_opt(name: &mut Option<QName>, map: &FastMap<Ustr, String>) {
    if let Some(n) = name {
        requalify(n, map);
    }
}

/// Names resolved in a value, nested ones too (iteratively).
fn requalify_value(value: &mut Value, map: &FastMap<Ustr, String>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Name { resolved, .. } => requalify_opt(resolved, map),
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

fn requalify_args(args: &mut [Arg], map: &FastMap<Ustr, String>) {
    for a in args {
        requalify_value(&mut a.value, map);
    }
}

/// Every resolved name in the file whose head `map` requalifies.
pub(super) fn rewrite(file: &mut FileFacts, map: &FastMap<Ustr, String>) {
    if map.is_empty() {
        return;
    }
    for i in &mut file.imports {
        if i.level == 0 {
            requalify_target(&mut i.target, map);
        }
    }
    for c in &mut file.calls {
        requalify_opt(&mut c.resolved, map);
        requalify_args(&mut c.args, map);
    }
    for f in &mut file.functions {
        for d in &mut f.decorators {
            requalify_opt(&mut d.resolved, map);
            requalify_args(&mut d.args, map);
        }
        requalify_opt(&mut f.return_annotation, map);
        match &mut f.returns {
            Some(Returns::Value(t)) => requalify(t, map),
            Some(Returns::Tuple(items)) => items.iter_mut().for_each(|t| requalify_opt(t, map)),
            None => {}
        }
    }
    for c in &mut file.classes {
        c.bases.iter_mut().for_each(|b| requalify(b, map));
        for d in &mut c.decorators {
            requalify_opt(&mut d.resolved, map);
            requalify_args(&mut d.args, map);
        }
    }
    for a in &mut file.assignments {
        requalify_opt(&mut a.value_call, map);
        requalify_value(&mut a.value, map);
    }
}

//! The crate and module layout of a Rust project, which no single file
//! knows: crate names from `Cargo.toml` and the module tree that `mod x;`
//! declarations build.
//!
//! Files are extracted one by one with module names taken from their path
//! (`module_name`). Once every file is extracted, `arrange` corrects them:
//!
//! - a crate whose manifest names it otherwise than its directory
//!   (`router/Cargo.toml` with `name = "text-generation-router"`, or a
//!   `[lib] name`) takes that name, dashes as underscores; every member of
//!   a workspace has its own manifest, so each is found the same way;
//! - from each crate root (`lib.rs`, `main.rs`, `src/bin/*.rs`, the
//!   manifest's `[lib] path`), `mod x;` leads to `x.rs` or `x/mod.rs` (under
//!   `<stem>/` for a file that is not a `mod.rs`), or to the file a
//!   `#[path = "..."]` names; the file takes the declared module name;
//! - a file declared under `#[cfg(test)]` (and every file below it) is
//!   test-only code (`FileFacts::test_only`).
//!
//! A renamed file's resolved names are renamed with it (its own module,
//! and for `super::` paths the modules above it). `#[path]` never leaves
//! the scan: only files the walk found can be reached.

use std::collections::{HashMap, VecDeque};

use syn::{Attribute, Expr, Lit, Meta};
use ustr::Ustr;

use super::module_name;
use super::values::SynList;
use crate::facts::{Arg, FileFacts, Language, QName, Returns, Submodule, Value};
use crate::source::Span;

/// Attributes that make an item test-only: `#[cfg(test)]` (also inside
/// `all(...)`), and test functions (`#[test]`, `#[tokio::test]`).
pub fn cfg_test(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        if path.segments.last_item().is_some_and(|s| s.ident == "test") {
            return true;
        }
        if !path.is_ident("cfg") {
            return false;
        }
        let Meta::List(l) = &a.meta else {
            return false;
        };
        let text: String = l
            .tokens
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        text == "test"
            || (text.starts_with("all(") && text.split([',', '(', ')']).any(|t| t == "test"))
    })
}

/// The fact of a `mod x;` declaration inside the inline modules `inline`.
pub fn submodule(m: &syn::ItemMod, inline: &[String], span: Span) -> Submodule {
    let path = m.attrs.iter().find_map(|a| match &a.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => Some(Ustr::from(&super::values::lit_str(s))),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    });
    Submodule {
        name: m.ident.to_string().as_str().into(),
        inline: inline.iter().map(|s| s.as_str().into()).collect(),
        path,
        test_only: cfg_test(&m.attrs),
        span,
    }
}

/// One crate: the directory of its manifest and its name.
struct Manifest {
    /// Repository-relative directory (`""` at the root).
    dir: String,
    /// The name `use` paths call it by (`[lib] name`, else `[package] name`).
    name: String,
    /// `[lib] path`, relative to the repository root.
    lib: Option<String>,
    /// `[[bin]] path`s, relative to the repository root.
    bins: Vec<String>,
}

/// Crate names, module tree and test-only files of the project's Rust code.
pub fn arrange(files: &mut [FileFacts]) {
    let manifests = manifests(files);
    let rust: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].language == Language::Rust)
        .collect();
    if rust.is_empty() {
        return;
    }
    // 1. Crate names from the manifests.
    for &i in &rust {
        let Some(m) = manifest_of(&manifests, &files[i].path) else {
            continue;
        };
        let (old, _) = module_name(&files[i].path);
        let from_dir = match m.dir.rsplit('/').next() {
            Some(last) if !m.dir.is_empty() => super::ident(last),
            _ => "crate".to_string(),
        };
        // A nested `src/` that is no crate of its own keeps its name.
        if old != from_dir || old == m.name {
            continue;
        }
        let file = &mut files[i];
        file.module = format!("{}{}", m.name, &file.module[old.len()..]);
        let (from, to) = (old.clone(), m.name.clone());
        rename_names(file, &|n| swap_prefix(n, &from, &to));
    }
    // 2. The module tree from every crate root.
    let by_path: HashMap<String, usize> =
        rust.iter().map(|&i| (files[i].path.clone(), i)).collect();
    let mut queue: VecDeque<(usize, String, bool, bool)> = VecDeque::new();
    let mut seen = vec![false; files.len()];
    for &i in &rust {
        if let Some(base) = root_base(&manifests, &files[i]) {
            seen[i] = true;
            queue.push_back((i, base, true, false));
        }
    }
    // (file, declared module, test-only).
    let mut declared: Vec<(usize, String, bool)> = Vec::new();
    while let Some((fi, base, mod_rs, test_only)) = queue.pop_front() {
        let dir = parent(&files[fi].path).to_string();
        let own_dir = if mod_rs {
            dir.clone()
        } else {
            join(&dir, stem(&files[fi].path))
        };
        for sub in &files[fi].submodules {
            let mut module = base.clone();
            let mut inner = own_dir.clone();
            for s in &sub.inline {
                module = format!("{module}.{s}");
                inner = join(&inner, s);
            }
            module = format!("{module}.{}", sub.name);
            let (candidates, child_mod_rs) = match &sub.path {
                // Relative to the file's directory (inside inline modules,
                // to their directory).
                Some(p) => {
                    let from = if sub.inline.is_empty() { &dir } else { &inner };
                    (normalize(&join(from, p)).into_iter().collect(), true)
                }
                None => (
                    vec![
                        join(&inner, &format!("{}.rs", sub.name)),
                        join(&inner, &format!("{}/mod.rs", sub.name)),
                    ],
                    false,
                ),
            };
            let Some((&ci, path)) = candidates
                .iter()
                .find_map(|c| by_path.get(c).map(|i| (i, c)))
            else {
                continue;
            };
            if seen[ci] {
                continue;
            }
            seen[ci] = true;
            let child_test = test_only || sub.test_only;
            let mod_rs = child_mod_rs || path.ends_with("/mod.rs") || path == "mod.rs";
            declared.push((ci, module.clone(), child_test));
            queue.push_back((ci, module, mod_rs, child_test));
        }
    }
    // 3. Declared names replace path names.
    for (fi, module, test_only) in declared {
        let file = &mut files[fi];
        file.test_only |= test_only;
        if file.module == module {
            continue;
        }
        let old = std::mem::replace(&mut file.module, module.clone());
        // The file's own module, then the modules above it (`super::`).
        let mut pairs: Vec<(String, String)> = Vec::new();
        let (mut o, mut n) = (old.as_str(), module.as_str());
        // Up to the crate, which keeps its name.
        while o != n && o.contains('.') && !n.is_empty() {
            pairs.push((o.to_string(), n.to_string()));
            o = parent_module(o);
            n = parent_module(n);
        }
        rename_names(file, &|name| {
            pairs.iter().find_map(|(o, n)| swap_prefix(name, o, n))
        });
    }
}

/// Whether [`arrange`] reads the file: Rust sources and the manifests.
pub fn arranges(path: &str, language: Language) -> bool {
    language == Language::Rust || (language == Language::Toml && is_manifest(path))
}

/// Whether `path` names a `Cargo.toml` ([`manifests`] reads only those).
fn is_manifest(path: &str) -> bool {
    path.strip_suffix("Cargo.toml")
        .is_some_and(|d| d.is_empty() || d.ends_with('/'))
}

/// Every `Cargo.toml` with a `[package]`, deepest directory first.
fn manifests(files: &[FileFacts]) -> Vec<Manifest> {
    let mut out = Vec::new();
    for f in files.iter().filter(|f| f.language == Language::Toml) {
        let dir = match f.path.strip_suffix("Cargo.toml") {
            Some("") => "",
            Some(d) => match d.strip_suffix('/') {
                Some(d) => d,
                None => continue,
            },
            None => continue,
        };
        let (mut package, mut lib, mut lib_path, mut bins) = (None, None, None, Vec::new());
        for e in &f.config {
            let keys: Vec<&str> = e.path.iter().map(|k| k.as_str()).collect();
            let Some(v) = e.value.as_str() else {
                continue;
            };
            match keys.as_slice() {
                ["package", "name"] => package = Some(v.to_string()),
                ["lib", "name"] => lib = Some(v.to_string()),
                ["lib", "path"] => lib_path = Some(join(dir, v)),
                ["bin", _, "path"] => bins.extend(normalize(&join(dir, v))),
                _ => {}
            }
        }
        let Some(name) = lib.or(package) else {
            continue;
        };
        out.push(Manifest {
            dir: dir.to_string(),
            name: super::ident(&name),
            lib: lib_path.and_then(|p| normalize(&p)),
            bins,
        });
    }
    out.sort_by_key(|m| std::cmp::Reverse(m.dir.len()));
    out
}

/// The manifest of the innermost crate directory holding `path`.
fn manifest_of<'m>(manifests: &'m [Manifest], path: &str) -> Option<&'m Manifest> {
    manifests.iter().find(|m| {
        m.dir.is_empty()
            || path
                .strip_prefix(m.dir.as_str())
                .is_some_and(|r| r.starts_with('/'))
    })
}

/// For a crate root, the module its `mod x;` children hang off (the
/// crate); `None` for other files.
fn root_base(manifests: &[Manifest], file: &FileFacts) -> Option<String> {
    let p = file.path.as_str();
    let name = p.rsplit('/').next().unwrap_or(p);
    let standard = matches!(name, "main.rs" | "lib.rs")
        || p.starts_with("src/bin/")
        || p.contains("/src/bin/");
    let declared = manifest_of(manifests, p)
        .is_some_and(|m| m.lib.as_deref() == Some(p) || m.bins.iter().any(|b| b == p));
    if !standard && !declared {
        return None;
    }
    Some(
        file.module
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string(),
    )
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn parent_module(module: &str) -> &str {
    module.rsplit_once('.').map_or("", |(d, _)| d)
}

fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".rs").unwrap_or(name)
}

fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_string()
    } else {
        format!("{dir}/{rest}")
    }
}

/// `a/./b/../c` → `a/c`; `None` when the path leaves the repository root
/// or is absolute.
fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

/// `name` with the module `from` at its head replaced by `to`; `None` when
/// `name` does not start with that module.
fn swap_prefix(name: &str, from: &str, to: &str) -> Option<String> {
    let rest = name.strip_prefix(from)?;
    (rest.is_empty() || rest.starts_with(['.', '(', '['])).then(|| format!("{to}{rest}"))
}

/// Apply `f` to every resolved name of a file.
fn rename_names(file: &mut FileFacts, f: &dyn Fn(&str) -> Option<String>) {
    let q = |n: &mut QName| {
        if let Some(r) = f(n.as_str()) {
            *n = QName::from(r);
        }
    };
    let qo = |n: &mut Option<QName>| {
        if let Some(x) = n {
            q(x);
        }
    };
    for i in &mut file.imports {
        if let Some(r) = f(i.target.as_str()) {
            i.target = Ustr::from(&r);
        }
    }
    for c in &mut file.calls {
        qo(&mut c.resolved);
        args(&mut c.args, f);
    }
    for func in &mut file.functions {
        for d in &mut func.decorators {
            qo(&mut d.resolved);
            args(&mut d.args, f);
        }
        qo(&mut func.return_annotation);
        qo(&mut func.owner);
        match &mut func.returns {
            Some(Returns::Value(t)) => q(t),
            Some(Returns::Tuple(items)) => items.iter_mut().for_each(qo),
            None => {}
        }
    }
    for c in &mut file.classes {
        c.bases.iter_mut().for_each(q);
        for d in &mut c.decorators {
            qo(&mut d.resolved);
            args(&mut d.args, f);
        }
        for field in &mut c.fields {
            qo(&mut field.type_);
        }
    }
    for a in &mut file.assignments {
        qo(&mut a.value_call);
        value(&mut a.value, f);
        if let Some(va) = &a.value_args {
            let mut v: Vec<Arg> = va.to_vec();
            args(&mut v, f);
            a.value_args = Some(v.into());
        }
    }
    for r in &mut file.returns {
        value(&mut r.value, f);
    }
    for s in &mut file.stores {
        value(&mut s.value, f);
    }
}

fn args(args: &mut [Arg], f: &dyn Fn(&str) -> Option<String>) {
    for a in args {
        value(&mut a.value, f);
    }
}

/// Names in a value, nested ones too (iteratively).
fn value(v: &mut Value, f: &dyn Fn(&str) -> Option<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Name {
                resolved: Some(r), ..
            } => {
                if let Some(n) = f(r.as_str()) {
                    *r = QName::from(n);
                }
            }
            Value::List(items) => stack.extend(items.iter_mut()),
            Value::Dict(pairs) => {
                for (k, x) in pairs.iter_mut() {
                    stack.push(k);
                    stack.push(x);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{ExtractOptions, Frontend};

    fn project(files: &[(&str, &str)]) -> Vec<FileFacts> {
        let options = ExtractOptions {
            passthrough: &[],
            ui: crate::lang::UiFilter::All,
        };
        let mut out: Vec<FileFacts> = files
            .iter()
            .map(|(path, text)| match path.ends_with(".toml") {
                true => crate::lang::config::TOML.extract(path, text, &options).0,
                false => super::super::extract(path, text).0,
            })
            .collect();
        arrange(&mut out);
        out
    }

    fn module<'f>(files: &'f [FileFacts], path: &str) -> &'f FileFacts {
        files.iter().find(|f| f.path == path).unwrap()
    }

    #[test]
    fn crates_and_the_module_tree() {
        let files = project(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            (
                "crates/eng/Cargo.toml",
                "[package]\nname = \"llm-engine\"\n",
            ),
            (
                "crates/eng/src/lib.rs",
                "pub mod images;\npub fn complete() {}\n",
            ),
            (
                "crates/eng/src/images.rs",
                "pub fn draw() { crate::complete(); }\n",
            ),
            (
                "crates/srv/Cargo.toml",
                "[package]\nname = \"srv\"\n[lib]\nname = \"server_lib\"\n",
            ),
            (
                "crates/srv/src/main.rs",
                "mod routes;\n#[path = \"http/h.rs\"]\nmod handlers;\n#[cfg(test)]\nmod testing;\n#[path = \"../../../../x.rs\"]\nmod outside;\n",
            ),
            ("crates/srv/src/routes.rs", "mod images;\n"),
            (
                "crates/srv/src/routes/images.rs",
                "fn f() { super::g(); }\n",
            ),
            (
                "crates/srv/src/http/h.rs",
                "pub fn chat() { super::routes::g(); self::chat(); }\n",
            ),
            ("crates/srv/src/testing.rs", "mod more;\n"),
            ("crates/srv/src/testing/more.rs", "fn f() {}\n"),
        ]);
        assert_eq!(module(&files, "crates/eng/src/lib.rs").module, "llm_engine");
        let images = module(&files, "crates/eng/src/images.rs");
        assert_eq!(images.module, "llm_engine.images");
        assert_eq!(
            images.calls[0].resolved.unwrap().as_str(),
            "llm_engine.complete"
        );
        // `[lib] name` names the crate.
        assert_eq!(
            module(&files, "crates/srv/src/main.rs").module,
            "server_lib.main"
        );
        assert_eq!(
            module(&files, "crates/srv/src/routes/images.rs").module,
            "server_lib.routes.images"
        );
        let h = module(&files, "crates/srv/src/http/h.rs");
        assert_eq!(h.module, "server_lib.handlers");
        let callees: Vec<String> = h
            .calls
            .iter()
            .map(|c| c.resolved.unwrap().to_string())
            .collect();
        assert_eq!(callees, ["server_lib.routes.g", "server_lib.handlers.chat"]);
        assert!(module(&files, "crates/srv/src/testing.rs").test_only);
        assert!(module(&files, "crates/srv/src/testing/more.rs").test_only);
        assert!(!h.test_only);
    }

    #[test]
    fn paths_stay_inside_the_root() {
        assert_eq!(normalize("src/a/../b.rs").as_deref(), Some("src/b.rs"));
        assert_eq!(normalize("src/./b.rs").as_deref(), Some("src/b.rs"));
        assert_eq!(normalize("../outside.rs"), None);
        assert_eq!(normalize("src/../../outside.rs"), None);
        assert_eq!(normalize("/etc/passwd"), None);
    }

    #[test]
    fn prefixes_swap_on_segment_boundaries() {
        assert_eq!(swap_prefix("a.b.f", "a.b", "x").as_deref(), Some("x.f"));
        assert_eq!(swap_prefix("a.b().f", "a.b", "x").as_deref(), Some("x().f"));
        assert_eq!(swap_prefix("a.bc.f", "a.b", "x"), None);
        assert_eq!(swap_prefix("a.b", "a.b", "x").as_deref(), Some("x"));
    }
}

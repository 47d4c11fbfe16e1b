//! The project index: all files' facts, sorted by path, with a module map,
//! and cross-module resolution of names bound at module level.
//! Later phases (call graph, reachability, taint) live here too.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::facts::{FileFacts, Returns};

/// Maps and sets that are only looked up, never iterated into output: a
/// fixed-seed fast hasher (SipHash showed up in profiles of the index).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::FixedState>;

pub mod callgraph;
pub mod endpoints;
pub mod entrypoints;
pub mod generation;
mod import_roots;

/// Cross-module rewrites stop after this many hops (import cycles).
const MAX_HOPS: usize = 8;

pub struct Project {
    /// Facts of every scanned file, sorted by path.
    pub files: Vec<FileFacts>,
    /// Dotted module name → index into `files`.
    pub modules: FastMap<String, usize>,
    /// Per file: module-level name → what it is bound to (the type of the
    /// last top-level assignment, else the import target).
    bindings: Vec<FastMap<String, String>>,
    /// Dotted suffixes of module names (two segments or more) → module, when
    /// unique: `storyteller.api` for `demo/storyteller/api.py`, whose package
    /// is imported from inside `demo/`. `None` marks an ambiguous suffix.
    suffixes: FastMap<String, Option<usize>>,
    /// First segments of module names and suffixes: a name whose first
    /// segment is not here goes through no project module, and most
    /// resolved names (`torch.cat`) are rejected with one lookup.
    heads: FastSet<String>,
}

impl Project {
    pub fn new(mut files: Vec<FileFacts>) -> Project {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let modules: FastMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        // Imports found along inferred sys.path roots, spelled in full.
        import_roots::qualify(&mut files, &modules);
        let bindings = files.par_iter().map(module_bindings).collect();
        let mut suffixes: FastMap<String, Option<usize>> = FastMap::default();
        for (i, f) in files.iter().enumerate() {
            for (dot, _) in f.module.match_indices('.') {
                let suffix = &f.module[dot + 1..];
                if suffix.contains('.') && !modules.contains_key(suffix) {
                    suffixes
                        .entry(suffix.to_string())
                        .and_modify(|e| *e = None)
                        .or_insert(Some(i));
                }
            }
        }
        let heads = modules
            .keys()
            .chain(suffixes.keys())
            .map(|m| head(m).to_string())
            .collect();
        let mut project = Project {
            files,
            modules,
            bindings,
            suffixes,
            heads,
        };
        project.resolve_across_modules();
        project
    }

    /// Rewrite resolved names that go through another project module:
    /// `app.llm.client.chat.completions.create`, where `app/llm.py` has
    /// `client = OpenAI()`, becomes `openai.OpenAI().chat.completions.create`.
    fn resolve_across_modules(&mut self) {
        // Rewrites only read the index: found per file in parallel, then applied.
        let rewrites: Vec<Vec<(usize, String)>> = self
            .files
            .par_iter()
            .map(|file| {
                file.calls
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, call)| Some((ci, self.canonical(call.resolved.as_deref()?)?)))
                    .collect()
            })
            .collect();
        for (file, rewrites) in self.files.iter_mut().zip(rewrites) {
            for (ci, new) in rewrites {
                let call = &mut file.calls[ci];
                call.imported = call.resolved.replace(new.into());
            }
        }
    }

    /// The name behind `path` when its head is a module-level binding or
    /// re-export of a project module; `None` when nothing changes.
    pub fn canonical(&self, path: &str) -> Option<String> {
        let mut current = self.step(path)?;
        for _ in 1..MAX_HOPS {
            let Some(next) = self.step(&current) else {
                break;
            };
            current = next;
        }
        Some(current)
    }

    fn step(&self, path: &str) -> Option<String> {
        // Every prefix tried below starts with the same first segment.
        if !self.heads.contains(head(path)) {
            return None;
        }
        // Longest module prefix, then the first name after it.
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if let Some(&fi) = self.modules.get(prefix) {
                let rest = path.get(end + 1..)?;
                let name_end = rest.find(['.', '(', '[']).unwrap_or(rest.len());
                let (name, tail) = rest.split_at(name_end);
                if let Some(head) = self.bindings[fi].get(name) {
                    return (head != prefix).then(|| format!("{head}{tail}"));
                }
                return returned(&self.files[fi], name, tail);
            }
            // A package imported from a sub-directory: spell the module in full.
            if let Some(Some(fi)) = self.suffixes.get(prefix) {
                return Some(format!("{}{}", self.files[*fi].module, &path[end..]));
            }
            end = prefix.rfind('.')?;
        }
    }
}

/// Module-level names of a file and what they are bound to.
fn module_bindings(file: &FileFacts) -> FastMap<String, String> {
    let mut map = FastMap::default();
    for i in &file.imports {
        map.insert(i.local.to_string(), i.target.to_string());
    }
    // Assignments come after imports, in source order: the last one wins.
    for a in file.assignments.iter().filter(|a| a.scope.is_none()) {
        if let Some(t) = &a.value_call {
            map.insert(a.target.to_string(), t.to_string());
        }
    }
    map
}

/// `name()…` or `Class().method()…` / `Class.method()…` where the function
/// has a known return type: the call replaced by that type. Tuple elements
/// (`load()[1]`) pick their element.
fn returned(file: &FileFacts, name: &str, tail: &str) -> Option<String> {
    let (qualname, after) = if let Some(after) = tail.strip_prefix("()") {
        match after.strip_prefix('.').and_then(|m| m.split_once("()")) {
            // `Class().method()…`: a method on an instance.
            Some((method, rest)) if !method.contains(['.', '(', '[']) && is_class(file, name) => {
                (format!("{name}.{method}"), rest)
            }
            _ => (name.to_string(), after),
        }
    } else {
        // `Class.method()…`: a static or class method.
        let (method, rest) = tail.strip_prefix('.')?.split_once("()")?;
        if method.contains(['.', '(', '[']) {
            return None;
        }
        (format!("{name}.{method}"), rest)
    };
    let function = file.functions.iter().find(|f| f.qualname == qualname)?;
    // What `return` statements give, else the annotation (`-> OpenAI`).
    let annotated = function
        .return_annotation
        .as_ref()
        .map(|t| Returns::Value(format!("{t}()").into()));
    let returns = function.returns.clone().or(annotated)?;
    match &returns {
        Returns::Value(t) => Some(format!("{t}{after}")),
        Returns::Tuple(items) => {
            let (index, rest) = after.strip_prefix('[')?.split_once(']')?;
            let t = items.get(index.parse::<usize>().ok()?)?.as_ref()?;
            Some(format!("{t}{rest}"))
        }
    }
}

/// The first segment of a dotted name (`a` of `a.b()`, all of `a()`).
pub(crate) fn head(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

fn is_class(file: &FileFacts, name: &str) -> bool {
    file.classes.iter().any(|c| c.qualname == name)
}

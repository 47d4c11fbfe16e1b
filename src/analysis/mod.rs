//! The project index: all files' facts, sorted by path, with a module map,
//! and cross-module resolution of names bound at module level.
//! Later phases (call graph, reachability, taint) live here too.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::facts::FileFacts;

/// Maps for the index's hot lookups: a fixed-seed fast hasher; they are
/// only looked up, never iterated into output.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

pub mod callgraph;
pub mod endpoints;
pub mod entrypoints;
pub mod generation;

/// Cross-module rewrites stop after this many hops (import cycles).
const MAX_HOPS: usize = 8;

pub struct Project {
    /// Facts of every scanned file, sorted by path.
    pub files: Vec<FileFacts>,
    /// Dotted module name → index into `files`.
    pub modules: BTreeMap<String, usize>,
    /// Per file: module-level names and what they stand for (the type of
    /// the last module-level assignment when known, else the first import),
    /// by name hash. Built once, so resolving through a big `__init__.py` is
    /// a binary search, not a scan of its imports per call; it holds indices,
    /// not copies of the names.
    bindings: Vec<Vec<(u64, Head)>>,
    /// `modules` for lookups by hash.
    module_index: Map<String, usize>,
    /// First segment of every module name: a path whose first segment is
    /// not here goes through no project module.
    roots: HashSet<String, foldhash::fast::FixedState>,
}

impl Project {
    pub fn new(mut files: Vec<FileFacts>) -> Project {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let modules: BTreeMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        let bindings = files.iter().map(module_bindings).collect();
        let module_index = modules.iter().map(|(m, &i)| (m.clone(), i)).collect();
        let roots = modules
            .keys()
            .map(|m| m.split('.').next().unwrap_or(m).to_string())
            .collect();
        let mut project = Project {
            files,
            modules,
            bindings,
            module_index,
            roots,
        };
        project.resolve_across_modules();
        project
    }

    /// Rewrite resolved names that go through another project module:
    /// `app.llm.client.chat.completions.create`, where `app/llm.py` has
    /// `client = OpenAI()`, becomes `openai.OpenAI().chat.completions.create`.
    fn resolve_across_modules(&mut self) {
        let this = &*self;
        let rewrites: Vec<(usize, usize, String)> = this
            .files
            .par_iter()
            .enumerate()
            .flat_map_iter(|(fi, file)| {
                file.calls.iter().enumerate().filter_map(move |(ci, call)| {
                    let new = this.canonical(call.resolved.as_deref()?)?;
                    Some((fi, ci, new))
                })
            })
            .collect();
        for (fi, ci, new) in rewrites {
            self.files[fi].calls[ci].resolved = Some(new);
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

    /// What module-level `name` of file `fi` stands for.
    fn binding(&self, fi: usize, name: &str) -> Option<&str> {
        let list = &self.bindings[fi];
        let h = name_hash(name);
        let start = list.partition_point(|e| e.0 < h);
        let file = &self.files[fi];
        for &(eh, head) in &list[start..] {
            if eh != h {
                break;
            }
            match head {
                Head::Assign(i) => {
                    let a = &file.assignments[i as usize];
                    if a.target == name {
                        return a.value_call.as_deref();
                    }
                }
                Head::Import(i) => {
                    let imp = &file.imports[i as usize];
                    if imp.local == name {
                        return Some(&imp.target);
                    }
                }
            }
        }
        None
    }

    fn step(&self, path: &str) -> Option<String> {
        let first = path.split('.').next().unwrap_or(path);
        if !self.roots.contains(first) {
            return None;
        }
        // Longest module prefix, then the first name after it.
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if let Some(&fi) = self.module_index.get(prefix) {
                let rest = path.get(end + 1..)?;
                let name_end = rest.find(['.', '(', '[']).unwrap_or(rest.len());
                let (name, tail) = rest.split_at(name_end);
                let head = self.binding(fi, name)?;
                return (head != prefix).then(|| format!("{head}{tail}"));
            }
            end = prefix.rfind('.')?;
        }
    }
}

/// Where a module-level name's meaning comes from.
#[derive(Debug, Clone, Copy)]
enum Head {
    /// Index of the last module-level assignment (its type is known).
    Assign(u32),
    /// Index of the first import that binds the name.
    Import(u32),
}

fn name_hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(name)
}

/// What each module-level name of `file` stands for: the type of the last
/// module-level assignment to it when that is known, otherwise the first
/// import that binds it. Sorted by name hash.
fn module_bindings(file: &FileFacts) -> Vec<(u64, Head)> {
    let mut last: Map<&str, usize> = Map::default();
    for (i, a) in file.assignments.iter().enumerate() {
        if a.scope.is_none() {
            last.insert(&a.target, i);
        }
    }
    let mut out = Vec::new();
    let mut bound: HashSet<&str, foldhash::fast::FixedState> = HashSet::default();
    for (name, i) in last {
        if file.assignments[i].value_call.is_some() {
            out.push((name_hash(name), Head::Assign(i as u32)));
            bound.insert(name);
        }
    }
    for (i, imp) in file.imports.iter().enumerate() {
        if bound.insert(&imp.local) {
            out.push((name_hash(&imp.local), Head::Import(i as u32)));
        }
    }
    out.sort_unstable_by_key(|e| e.0);
    out
}

//! The project index: all files' facts, sorted by path, with a module map,
//! and cross-module resolution of names bound at module level.
//! Later phases (call graph, reachability, taint) live here too.

use std::collections::BTreeMap;

use crate::facts::FileFacts;

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
}

impl Project {
    pub fn new(mut files: Vec<FileFacts>) -> Project {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let modules: BTreeMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        let mut project = Project { files, modules };
        project.resolve_across_modules();
        project
    }

    /// Rewrite resolved names that go through another project module:
    /// `app.llm.client.chat.completions.create`, where `app/llm.py` has
    /// `client = OpenAI()`, becomes `openai.OpenAI().chat.completions.create`.
    fn resolve_across_modules(&mut self) {
        let mut rewrites = Vec::new();
        for (fi, file) in self.files.iter().enumerate() {
            for (ci, call) in file.calls.iter().enumerate() {
                if let Some(r) = &call.resolved
                    && let Some(new) = self.canonical(r)
                {
                    rewrites.push((fi, ci, new));
                }
            }
        }
        for (fi, ci, new) in rewrites {
            self.files[fi].calls[ci].resolved = Some(new);
        }
    }

    /// The name behind `path` when its head is a module-level binding or
    /// re-export of a project module; `None` when nothing changes.
    pub fn canonical(&self, path: &str) -> Option<String> {
        let mut current = path.to_string();
        let mut changed = false;
        for _ in 0..MAX_HOPS {
            let Some(next) = self.step(&current) else {
                break;
            };
            current = next;
            changed = true;
        }
        changed.then_some(current)
    }

    fn step(&self, path: &str) -> Option<String> {
        // Longest module prefix, then the first name after it.
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if let Some(&fi) = self.modules.get(prefix) {
                let rest = path.get(end + 1..)?;
                let name_end = rest.find(['.', '(', '[']).unwrap_or(rest.len());
                let (name, tail) = rest.split_at(name_end);
                let file = &self.files[fi];
                let head = file
                    .assignments
                    .iter()
                    .rev()
                    .find(|a| a.scope.is_none() && a.target == name)
                    .and_then(|a| a.value_call.clone())
                    .or_else(|| {
                        file.imports
                            .iter()
                            .find(|i| i.local == name)
                            .map(|i| i.target.clone())
                    })?;
                return (head != prefix).then(|| format!("{head}{tail}"));
            }
            end = prefix.rfind('.')?;
        }
    }
}

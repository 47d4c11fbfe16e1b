//! The project index: all files' facts, sorted by path, with a module map.
//! Later phases (call graph, reachability, taint) live here too.

use std::collections::BTreeMap;

use crate::facts::FileFacts;

pub struct Project {
    /// Facts of every scanned file, sorted by path.
    pub files: Vec<FileFacts>,
    /// Dotted module name → index into `files`.
    pub modules: BTreeMap<String, usize>,
}

impl Project {
    pub fn new(mut files: Vec<FileFacts>) -> Project {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let modules = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        Project { files, modules }
    }
}

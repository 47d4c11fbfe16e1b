//! What the entry-point finder adds to the project's semantic index
//! (`analysis::index`): calls by where they end, strings by where they
//! start, which files other modules import, and the finder's view of
//! variables (`Key`). Every lookup is a map lookup, so the finder stays
//! linear in the number of facts.

use crate::analysis::door::Item;
pub use crate::analysis::index::dotted;
use crate::analysis::index::{FileBindings, SemanticIndex};
use crate::analysis::{FileRef, Project, Reader, head};
use crate::facts::{Arg, Assignment, Call, QName};
use std::sync::Arc;

pub use crate::analysis::index::Symbol;

/// Cross-module hops stop here (import cycles).
pub const MAX_HOPS: usize = 8;

/// What routes hang off: a router/app/blueprint variable, or a URL module
/// itself (Django `urls.py`, routes registered with no receiver).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Module(String),
    /// Module, enclosing function (`None` at module level), variable name.
    Var(String, Option<String>, String),
}

impl Key {
    pub fn module(&self) -> &str {
        match self {
            Key::Module(m) | Key::Var(m, _, _) => m,
        }
    }
}

/// What one file adds to the entry-point finder's index.
pub struct IndexParts {
    /// (end byte, start byte, call index), sorted.
    calls_by_end: Vec<(u32, u32, usize)>,
    /// (start byte, string index), sorted.
    strings_by_start: Vec<(u32, usize)>,
    /// Other files this one imports or calls into, sorted.
    imports: Vec<usize>,
}

/// The index's per-file tables, shared by the copies [`Index::at`] makes.
struct Tables {
    /// Per file: (end byte, start byte, call index), sorted.
    calls_by_end: Vec<Vec<(u32, u32, usize)>>,
    /// Per file: (start byte, string index), sorted.
    strings_by_start: Vec<Vec<(u32, usize)>>,
    /// Per file: another project module imports it or calls into it.
    imported: Vec<bool>,
}

pub struct Index<'a> {
    pub project: &'a Project,
    names: &'a SemanticIndex,
    /// `None` in [`Index::alone`] (no allocation a file).
    tables: Option<Arc<Tables>>,
    /// The file a per-file pass is working on, read from its loop rather
    /// than at random ([`Index::at`]).
    here: Option<(usize, FileRef<'a>)>,
}

impl<'a> Index<'a> {
    /// The index from what the per-file phase found in every file (in
    /// file order): each file's calls by end and strings by start, and the
    /// files it imports or calls into.
    pub fn new(project: &'a Project, files: Vec<IndexParts>) -> Index<'a> {
        let mut calls_by_end = Vec::with_capacity(files.len());
        let mut strings_by_start = Vec::with_capacity(files.len());
        let mut imported = vec![false; project.file_count()];
        for f in files {
            calls_by_end.push(f.calls_by_end);
            strings_by_start.push(f.strings_by_start);
            for target in f.imports {
                imported[target] = true;
            }
        }
        Index {
            project,
            names: &project.index,
            tables: Some(Arc::new(Tables {
                calls_by_end,
                strings_by_start,
                imported,
            })),
            here: None,
        }
    }

    fn tables(&self) -> &Tables {
        self.tables
            .as_deref()
            .expect("the finder's index has its tables")
    }

    /// The index without its per-file tables (the per-file phase's first
    /// pass, before they exist), seeing file `fi` as `file`: for the
    /// look-ups that read only the semantic index's names and bindings.
    pub fn alone(project: &'a Project, fi: usize, file: FileRef<'a>) -> Index<'a> {
        Index {
            project,
            names: &project.index,
            tables: None,
            here: Some((fi, file)),
        }
    }

    /// The index with no file of its own: every read of a file is a
    /// random read (tests: the serial loop's reads).
    pub fn at_random(&self) -> Index<'a> {
        Index {
            project: self.project,
            names: self.names,
            tables: self.tables.clone(),
            here: None,
        }
    }

    /// The index as seen from a per-file pass over file `fi`: its reads of
    /// `fi` take `file`, the pass's own, instead of a random read.
    pub fn at(&self, fi: usize, file: FileRef<'a>) -> Index<'a> {
        Index {
            project: self.project,
            names: self.names,
            tables: self.tables.clone(),
            here: Some((fi, file)),
        }
    }

    /// What file `fi` adds to the index (the per-file phase).
    pub fn file_parts(project: &'a Project, fi: usize, file: FileRef<'a>) -> IndexParts {
        let mut by_end: Vec<(u32, u32, usize)> = file
            .calls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.span.end_byte, c.span.start_byte, i))
            .collect();
        by_end.sort_unstable();
        let mut strings: Vec<(u32, usize)> = file
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span.start_byte, i))
            .collect();
        strings.sort_unstable();
        // Module look-ups need no per-file part of the index.
        let index = Index::alone(project, fi, file.clone());
        // `import a.b.c` records only `a`; calls spell the rest (`a.b.c.f()`).
        let mut imports = Vec::new();
        let names = file.imports.iter().map(|i| i.target.as_str()).chain(
            file.calls
                .iter()
                .filter_map(|c| c.resolved.as_ref().map(QName::as_str)),
        );
        for name in names.filter(|n| index.names.is_symbol_head(head(n))) {
            let target = match index.longest_module(name) {
                Some(m) => project.modules.get(m).copied(),
                None => index.rebase(name).and_then(|r| {
                    index
                        .longest_module(&r)
                        .and_then(|m| project.modules.get(m).copied())
                }),
            };
            if let Some(target) = target
                && target != fi
            {
                imports.push(target);
            }
        }
        imports.sort_unstable();
        imports.dedup();
        IndexParts {
            calls_by_end: by_end,
            strings_by_start: strings,
            imports,
        }
    }

    fn bindings(&self, fi: usize) -> &'a FileBindings {
        self.names.bindings(fi)
    }

    /// Whether another project module imports file `fi` (or calls into it).
    pub fn is_imported(&self, fi: usize) -> bool {
        self.tables().imported[fi]
    }

    /// File `fi`'s facts: the pass's own file, else a random read.
    #[inline]
    pub fn file(&self, fi: usize) -> FileRef<'a> {
        match &self.here {
            Some((h, file)) if *h == fi => file.clone(),
            _ => self.project.file(fi, Reader::EntryPoints),
        }
    }

    /// File `fi`'s module name (the summary: never a read of the facts).
    #[inline]
    pub fn module(&self, fi: usize) -> &'a str {
        self.project.module(fi)
    }

    /// The project function or class a resolved dotted name denotes,
    /// following re-exports and module-level aliases.
    pub fn symbol(&self, path: &str) -> Option<Symbol> {
        if !self.names.is_symbol_head(head(path)) {
            return None;
        }
        if let Some(s) = self.names.symbol(path) {
            return Some(s);
        }
        if let Some(c) = self.project.canonical_name(path)
            && let Some(s) = self.names.symbol(c.as_str())
        {
            return Some(s);
        }
        let r = self.rebase(path)?;
        self.names.symbol(&r).or_else(|| {
            self.project
                .canonical_name(&r)
                .and_then(|c| self.names.symbol(c.as_str()))
        })
    }

    /// A dotted name whose module part names a project module by its
    /// trailing segments only, rewritten to the full module name
    /// (`app.routers.chat.router` → `backend.app.routers.chat.router`).
    /// `None` when a module already matches or no unique one does.
    pub fn rebase(&self, path: &str) -> Option<String> {
        if !self.names.is_symbol_head(head(path)) || self.longest_module(path).is_some() {
            return None;
        }
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if let Some(found) = self.names.suffix(prefix) {
                let fi = found?;
                return Some(format!("{}{}", self.module(fi), &path[end..]));
            }
            // A byte search: `rfind('.')` sets up a char searcher per prefix.
            end = memchr::memrchr(b'.', prefix.as_bytes())?;
        }
    }

    /// A resolved name with calls of annotated project functions replaced by
    /// their return type: `api.models.create_app().include_router` with
    /// `def create_app() -> FastAPI` → `fastapi.FastAPI().include_router`.
    /// `None` when nothing changes.
    pub fn through_returns(&self, name: &str) -> Option<String> {
        // Most names have no call: the byte search below finds no `()` to
        // replace and nothing is looked up (a substring search for `()`
        // first cost more than that search). The name is interned only
        // once something replaced a call in it.
        let mut current: Option<QName> = None;
        'hops: for _ in 0..MAX_HOPS {
            // Each call in the name, leftmost first: `f` of `f().x`.
            let text = current.as_ref().map_or(name, |q| q.as_str());
            // Only an empty call `()` can be replaced: its `(` is found by
            // memchr rather than stepping through every `.` and `(`.
            let bytes = text.as_bytes();
            let mut from = 0;
            while let Some(k) = memchr::memchr(b'(', &bytes[from..]) {
                let i = from + k;
                from = i + 1;
                let (called, rest) = text.split_at(i);
                if rest.starts_with("()")
                    && let Some(Symbol::Function(f, g)) = self.symbol(called)
                    && let Some(ty) = &self.file(f).functions[g].return_annotation
                {
                    let next = ty.with_tail(rest);
                    current = Some(self.project.canonical_or_same(&next));
                    continue 'hops;
                }
            }
            break;
        }
        current.map(|c| c.to_string())
    }

    /// The methods defined in class `ci` of file `fi`.
    pub fn methods_of(&self, fi: usize, ci: usize) -> &[usize] {
        self.names
            .methods_of(fi, self.file(fi).classes[ci].qualname)
    }

    /// The enclosing function scope of a function (`None` for top-level
    /// functions and methods, whose decorators run at module or class level).
    pub fn scope_of_function(&self, fi: usize, qualname: &str) -> Option<&'a str> {
        let (parent, _) = qualname.rsplit_once('.')?;
        match self.names.symbol(&dotted(self.module(fi), parent)) {
            Some(Symbol::Function(_, i)) => Some(self.file(fi).functions[i].qualname.as_str()),
            _ => None,
        }
    }

    /// Absolute dotted names a name as written in file `fi` may stand for
    /// (`chat.router` with `from api.routes import chat` →
    /// `api.routes.chat.router`), innermost function scope first.
    pub fn global_paths(&self, fi: usize, scope: Option<&str>, text: &str) -> Vec<String> {
        let module = self.module(fi);
        let (head, rest) = match text.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (text, None),
        };
        let with_rest = |base: &str| match rest {
            Some(r) => format!("{base}.{r}"),
            None => base.to_string(),
        };
        // A function nested in an enclosing scope (`def main(): def on_click(): ...`).
        let mut s = scope;
        while let Some(q) = s {
            let path = dotted(module, &format!("{q}.{head}"));
            if self.names.symbol(&path).is_some() {
                return vec![with_rest(&path)];
            }
            s = q.rsplit_once('.').map(|(p, _)| p);
        }
        if self.bindings(fi).defines(head) {
            return vec![with_rest(&dotted(module, head))];
        }
        self.bindings(fi)
            .import_targets(head)
            .iter()
            .map(|t| with_rest(t))
            .collect()
    }

    /// The variables (or URL modules) a receiver or argument written as
    /// `text` in file `fi` refers to. Attributes after the variable are
    /// ignored (`app.router` is `app`); calls end the name.
    pub fn var_keys(&self, fi: usize, scope: Option<&str>, text: &str) -> Vec<Key> {
        let text = text.split(['(', '[']).next().unwrap_or("");
        let head = text.split('.').next().unwrap_or("");
        if head.is_empty() {
            return Vec::new();
        }
        let module = self.module(fi);
        let mut s = scope;
        while let Some(q) = s {
            if self.bindings(fi).last_local_assign(q, head).is_some() {
                return vec![Key::Var(
                    module.to_string(),
                    Some(q.to_string()),
                    head.to_string(),
                )];
            }
            s = q.rsplit_once('.').map(|(p, _)| p);
        }
        if self.bindings(fi).defines(head) {
            return vec![Key::Var(module.to_string(), None, head.to_string())];
        }
        let mut out = Vec::new();
        for path in self.global_paths(fi, None, text) {
            if let Some(k) = self.follow(&path)
                && !out.contains(&k)
            {
                out.push(k);
            }
        }
        out
    }

    /// The project variable or module an absolute dotted name leads to,
    /// through re-exports.
    pub fn follow(&self, path: &str) -> Option<Key> {
        let mut path = path.to_string();
        for _ in 0..MAX_HOPS {
            if let Some(r) = self.rebase(&path) {
                path = r;
            }
            let module = self.longest_module(&path)?;
            if module.len() == path.len() {
                return Some(Key::Module(module.to_string()));
            }
            let rest = &path[module.len() + 1..];
            let (name, tail) = match rest.split_once('.') {
                Some((n, t)) => (n, Some(t)),
                None => (rest, None),
            };
            let fi = self.project.modules[module];
            if self.bindings(fi).defines(name) {
                return Some(Key::Var(module.to_string(), None, name.to_string()));
            }
            let target = self.bindings(fi).import_targets(name).first()?;
            path = match tail {
                Some(t) => format!("{target}.{t}"),
                None => target.to_string(),
            };
        }
        None
    }

    fn longest_module<'p>(&self, path: &'p str) -> Option<&'p str> {
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if self.project.modules.contains_key(prefix) {
                return Some(prefix);
            }
            // A byte search: `rfind('.')` sets up a char searcher per prefix.
            end = memchr::memrchr(b'.', prefix.as_bytes())?;
        }
    }

    /// The call that spans exactly `[start, end)` (the callee of a call
    /// of a call: `router.post("/x")` in `router.post("/x")(f)`).
    pub fn call_spanning(&self, fi: usize, start: u32, end: u32) -> Option<Item<'a, Call>> {
        let list = &self.tables().calls_by_end[fi];
        let from = list.partition_point(|c| c.0 < end);
        list[from..]
            .iter()
            .take_while(|c| c.0 == end)
            .find(|c| c.1 == start)
            .map(|c| self.file(fi).call(c.2))
    }

    /// The literal string a module-level or local constant holds.
    pub fn constant(&self, key: &Key) -> Option<&'static str> {
        self.binding(key).and_then(|(_, a)| match a.value {
            crate::facts::Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The file and assignment that last bound a variable.
    pub fn binding(&self, key: &Key) -> Option<(usize, Item<'a, Assignment>)> {
        let Key::Var(module, scope, name) = key else {
            return None;
        };
        let fi = *self.project.modules.get(module)?;
        let i = match scope {
            Some(s) => self.bindings(fi).last_local_assign(s, name)?,
            None => self.bindings(fi).last_module_assign(name)?,
        };
        Some((fi, self.file(fi).assignment(i)))
    }

    /// The outermost call that an argument's value is (`view_func=V.as_view("v")`).
    pub fn call_at(&self, fi: usize, arg: &Arg) -> Option<Item<'a, Call>> {
        let list = &self.tables().calls_by_end[fi];
        let end = arg.span.end_byte;
        let from = list.partition_point(|c| c.0 < end);
        list[from..]
            .iter()
            .take_while(|c| c.0 == end)
            .find(|c| c.1 >= arg.span.start_byte)
            .map(|c| self.file(fi).call(c.2))
    }

    /// The span of a string literal with this value inside `[start, end)`,
    /// at or after `from` (to point at one tuple of a route list).
    pub fn string_in(
        &self,
        fi: usize,
        start: u32,
        end: u32,
        value: &str,
    ) -> Option<crate::source::Span> {
        let list = &self.tables().strings_by_start[fi];
        let from = list.partition_point(|s| s.0 < start);
        let file = self.file(fi);
        list[from..]
            .iter()
            .take_while(|s| s.0 < end)
            .map(|s| &file.strings[s.1])
            .find(|s| *s.value == *value && !s.interpolated)
            .map(|s| s.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::python_project as project;

    /// Calls of annotated project functions give way to their return type;
    /// names with no empty call, or calling what the project does not
    /// annotate, are left alone (`None`).
    #[test]
    fn through_returns_replaces_only_annotated_empty_calls() {
        let p = project(&[
            (
                "app/factory.py",
                "from fastapi import FastAPI\ndef create_app() -> FastAPI:\n    return FastAPI()\ndef plain():\n    return 1\n",
            ),
            ("svc/main.py", "print(1)\n"),
        ]);
        let ix = Index::alone(&p, 1, p.file(1, Reader::EntryPoints));
        assert_eq!(
            ix.through_returns("app.factory.create_app().include_router")
                .as_deref(),
            Some("fastapi.FastAPI().include_router")
        );
        for unchanged in [
            "app.factory.create_app",
            "app.factory.create_app(x).include_router",
            "app.factory.plain().x",
            "app.factory.missing().x",
            "",
        ] {
            assert_eq!(ix.through_returns(unchanged), None, "{unchanged}");
        }
    }

    /// A module named by its trailing segments is spelled in full; a name
    /// whose module matches already, or whose head is no project name, is
    /// left alone.
    #[test]
    fn rebase_spells_a_module_suffix_in_full() {
        let p = project(&[
            ("backend/app/routers/chat.py", "router = 1\n"),
            ("svc/main.py", "print(1)\n"),
        ]);
        let ix = Index::alone(&p, 1, p.file(1, Reader::EntryPoints));
        assert_eq!(
            ix.rebase("app.routers.chat.router").as_deref(),
            Some("backend.app.routers.chat.router")
        );
        assert_eq!(ix.rebase("backend.app.routers.chat.router"), None);
        assert_eq!(ix.rebase("fastapi.APIRouter"), None);
    }
}

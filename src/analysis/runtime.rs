//! Values known only at run time: models held in module globals that a
//! loader sets (`global model; model = load()`, `shared.model = load()` from
//! another module), in `app.state`, in `self.x` set from a project factory
//! or to library values of several types,
//! behind lazy getters (`return _m`), and functions picked from a registry
//! (`LOADERS[name](path)`), a `functools.partial` or a factory that returns
//! one of several project functions.
//!
//! After the frontends and the cross-module rewrite, calls whose callee is
//! still unknown or still goes through a project module are evaluated again
//! over the whole project's facts: a name is the join of every assignment
//! that can reach it (flow-insensitive), a call's result the join of what
//! the callee's `return`s give. The candidates (one, or several: a loader
//! dict, a global set by two loaders) are kept beside the facts in
//! [`Runtime::alternatives`], which generation sites and the call graph
//! read; `Call::resolved` stays the frontend's flow-sensitive answer.
//! `None` is never a candidate (the placeholder `model = None`).
//!
//! Bounds, counted for `--stats`: a join keeps at most [`MAX_FANOUT`]
//! candidates, evaluation nests at most [`MAX_DEPTH`] deep and takes at
//! most [`MAX_STEPS`] steps per callee, names longer than 400 bytes are
//! dropped, and a value under evaluation reads as unknown to itself (cycles).

use std::cell::{Cell, RefCell};

use crate::analysis::door::Item;
use crate::analysis::index::{Symbol, dotted};
use crate::analysis::{FastMap, FileRef, Project, Reader, head};
use ustr::Ustr;

use crate::facts::{FileFacts, Function, QName, Shape, Value};
use crate::finding::RuntimeStats;
use crate::qname;
use crate::source::Span;

/// Candidates kept per value; more are cut (and counted).
pub const MAX_FANOUT: usize = 8;
/// Nested evaluations (a global's loader's return's local ...) at most.
pub const MAX_DEPTH: usize = 48;
/// Evaluation steps per callee: joins of joins can grow names without
/// end (`x = x.strip()` in a loop of globals), so each callee has a budget.
pub const MAX_STEPS: usize = 2048;

/// What the pass found: callees with several candidates, and its counts.
#[derive(Debug, Default)]
pub struct Runtime {
    /// (file, call) → every candidate callee, sorted, when there are several.
    pub alternatives: FastMap<(u32, u32), Box<[QName]>>,
    pub stats: RuntimeStats,
}

impl Runtime {
    /// The candidate callees of call `ci` of file `fi` beyond `Call::resolved`.
    pub fn alternatives(&self, fi: usize, ci: usize) -> &[QName] {
        self.alternatives
            .get(&(fi as u32, ci as u32))
            .map_or(&[], |a| &a[..])
    }
}

type Vals = Vec<String>;

struct Eval<'p> {
    project: &'p Project,
    /// (module file, attribute) → assignments elsewhere that store onto
    /// that module object (`shared.model = ...` with `from m import shared`).
    stores: FastMap<(usize, Ustr), Vec<(usize, usize)>>,
    /// (file, class, attribute) → assignments to `self.<attribute>` in the
    /// class's methods (the receiver being the method's first parameter).
    self_attrs: FastMap<(usize, Ustr, Ustr), Vec<usize>>,
    /// `app.state.<x>` → assignments storing it, anywhere in the project.
    state: FastMap<Box<str>, Vec<(usize, usize)>>,
    /// Memoised paths and module globals; an entry under evaluation is empty.
    paths: RefCell<FastMap<String, Vals>>,
    globals: RefCell<FastMap<(usize, Ustr), Vals>>,
    /// Assignments, with whether their value went through a run-time source.
    assigned: RefCell<FastMap<(usize, usize), (Vals, bool)>>,
    /// Set when an evaluation reads a global, a store, `app.state`, a
    /// `self` attribute, a registry or a project function's returns: what
    /// the frontend's local view could not see.
    hit: Cell<bool>,
    cut_fanout: Cell<usize>,
    cut_depth: Cell<usize>,
    /// Steps taken for the current callee, and callees cut at MAX_STEPS.
    steps: Cell<usize>,
    cut_steps: Cell<usize>,
}

/// What the evaluation needs from one file, found in the analyses'
/// per-file phase (`analysis::perfile`) or, when the run-time values are
/// asked for without it, by [`resolve`]'s own pass: the stores its
/// assignments make, and the calls the evaluator must look at.
#[derive(Debug, Default)]
pub(crate) struct FileRuntime {
    /// (module file, attribute, assignment): stores onto a module object.
    stores: Vec<(usize, Ustr, usize)>,
    /// (class, attribute, assignment): stores onto `self.<attribute>`.
    self_attrs: Vec<(Ustr, Ustr, usize)>,
    /// (`app.state` attribute, assignment).
    state: Vec<(Box<str>, usize)>,
    /// The calls whose test ([`Eval::callee_if_new`]) may find candidates
    /// or touch the evaluator's memos and counts, in call order. The test
    /// of every other call reads only this file and the index, changes
    /// nothing, and answers `None` ([`needs_eval`]): skipping it leaves
    /// the evaluation, its order and its memos as they were.
    calls: Vec<u32>,
    /// How many calls the file has (Python files; 0 for the others).
    all_calls: usize,
}

impl FileRuntime {
    /// File `fi`'s part: its stores in assignment order, then its calls
    /// to evaluate (Python files only).
    pub(crate) fn of(project: &Project, fi: usize, file: &FileFacts) -> FileRuntime {
        let mut out = FileRuntime::default();
        let b = project.index.bindings(fi);
        for (ai, a) in file.assignments.iter().enumerate() {
            let target = a.target.as_str();
            if let Some(attr) = state_attr(target) {
                out.state.push((attr.into(), ai));
                continue;
            }
            let Some((alias, attr)) = target.split_once('.') else {
                continue;
            };
            if attr.contains('.') {
                continue;
            }
            if let Some(scope) = a.scope
                && let Some(f) = b.function(&scope)
                && let Some(class) = file.functions[f].class
                && file.functions[f].params.first().is_some_and(|p| p == alias)
            {
                out.self_attrs.push((class, Ustr::from(attr), ai));
                continue;
            }
            for t in b.import_targets(alias) {
                if let Some(&m) = project.modules.get(t.as_str()) {
                    out.stores.push((m, Ustr::from(attr), ai));
                }
            }
        }
        if file.language == crate::facts::Language::Python {
            let mut self_attrs: FastMap<(Ustr, Ustr), Vec<usize>> = FastMap::default();
            for &(class, attr, ai) in &out.self_attrs {
                self_attrs.entry((class, attr)).or_default().push(ai);
            }
            let local = Local {
                project,
                fi,
                file,
                self_attrs,
            };
            out.all_calls = file.calls.len();
            out.calls = (0..file.calls.len())
                .filter(|&ci| needs_eval(&local, ci))
                .map(|ci| ci as u32)
                .collect();
        }
        out
    }
}

/// Re-resolve what the frontends and the cross-module rewrite left unknown
/// or pointing into the project; see the module doc. Each file's part is
/// found here, on the pool; [`resolve_with`] takes them from the
/// analyses' per-file phase instead.
pub fn resolve(project: &Project) -> Runtime {
    use rayon::prelude::*;
    let parts: Vec<FileRuntime> = project
        .each_file(Reader::RuntimeValues)
        .par_iter()
        .map(|(fi, file)| FileRuntime::of(project, fi, &file))
        .collect();
    resolve_with(project, parts)
}

/// [`resolve`] with every file's part, in file order.
pub(crate) fn resolve_with(project: &Project, parts: Vec<FileRuntime>) -> Runtime {
    let eval = Eval::new(project, &parts);
    let mut found = Vec::new();
    for (fi, part) in parts.iter().enumerate() {
        for &ci in &part.calls {
            if let Some(vals) = eval.callee_if_new(fi, ci as usize) {
                found.push((fi, ci as usize, vals));
            }
        }
    }
    eval.finish(&parts, found)
}

/// The evaluation as it was before the per-file half: every call of every
/// Python file tested, in file and call order, with the check that each
/// call [`needs_eval`] leaves out answers `None` and leaves the memos and
/// counts as they were. For tests: its answer must be [`resolve`]'s.
#[doc(hidden)]
pub fn resolve_every_call(project: &Project) -> Runtime {
    let parts: Vec<FileRuntime> = (0..project.file_count())
        .map(|fi| FileRuntime::of(project, fi, &project.file(fi, Reader::RuntimeValues)))
        .collect();
    let eval = Eval::new(project, &parts);
    let mut found = Vec::new();
    for (fi, part) in parts.iter().enumerate() {
        let file = project.file(fi, Reader::RuntimeValues);
        if file.language != crate::facts::Language::Python {
            assert!(part.calls.is_empty(), "{}: calls kept", file.path);
            continue;
        }
        for ci in 0..file.calls.len() {
            let kept = part.calls.binary_search(&(ci as u32)).is_ok();
            let before = (!kept).then(|| eval.state());
            let vals = eval.callee_if_new(fi, ci);
            if let Some(before) = before {
                let call = &file.calls[ci];
                assert!(
                    vals.is_none() && before == eval.state(),
                    "{} call {ci} (`{}`) left out but it finds {vals:?} or changes the memos",
                    file.path,
                    call.callee
                );
            }
            if let Some(vals) = vals {
                found.push((fi, ci, vals));
            }
        }
    }
    eval.finish(&parts, found)
}

/// How many calls of the project the per-file half keeps for the
/// evaluation (for tests).
#[doc(hidden)]
pub fn calls_kept(project: &Project) -> usize {
    (0..project.file_count())
        .map(|fi| {
            FileRuntime::of(project, fi, &project.file(fi, Reader::RuntimeValues))
                .calls
                .len()
        })
        .sum()
}

/// One file seen on its own, for [`needs_eval`].
struct Local<'f> {
    project: &'f Project,
    fi: usize,
    file: &'f FileFacts,
    /// The file's stores onto `self.<attribute>`, by class and attribute.
    self_attrs: FastMap<(Ustr, Ustr), Vec<usize>>,
}

/// Whether [`Eval::callee_if_new`] must look at call `ci`: `false` only
/// where that test, followed step by step, reads nothing but this file
/// and the index, writes no memo, moves no count and answers `None`.
/// Each branch below mirrors one of the test's (and of `callee` and
/// `name` under it, at their first level); where it would go further
/// (a memo, a store, another file), the call is kept.
fn needs_eval(l: &Local<'_>, ci: usize) -> bool {
    let (project, fi, file) = (l.project, l.fi, l.file);
    let call = &file.calls[ci];
    let text = call.callee.as_str();
    if state_attr(text).is_some() {
        return true;
    }
    if let Some(r) = &call.resolved {
        if through_project(project, r.as_str()) {
            // `callee` → `path` of a name through the project: memos.
            return true;
        }
        // `self_attr_types`: more than one type evaluates the name.
        if let Some((class, attr)) = self_attr_key(project, fi, file, ci)
            && let Some(attr) = Ustr::from_existing(attr)
            && let Some(list) = l.self_attrs.get(&(class, attr))
            && distinct_types(file, list) > 1
        {
            return true;
        }
        return call
            .imported()
            .as_ref()
            .is_some_and(|i| through_project(project, i.as_str()));
    }
    // `callee` of an unresolved call.
    if let Some(base) = text.strip_suffix("[]")
        && !base.contains(['[', '(', ' '])
    {
        return true;
    }
    if text.contains(['[', '(', ' ']) {
        return false;
    }
    // `name` at its first level: what it would read next.
    let func = call.scope.and_then(|s| function_in(project, fi, file, &s));
    let scope = func.map(|f| f.qualname.as_str());
    let (base, rest) = text.split_at(text.find('.').unwrap_or(text.len()));
    if let Some(f) = func
        && let Some(class) = f.class
        && f.params.first().is_some_and(|p| p == base)
    {
        let Some(after) = rest.strip_prefix('.') else {
            return false;
        };
        let attr = &after[..after.find('.').unwrap_or(after.len())];
        // `self_attr` with no store of the attribute finds nothing.
        return !attr.is_empty()
            && Ustr::from_existing(attr).is_some_and(|a| l.self_attrs.contains_key(&(class, a)));
    }
    if !assignments_in(project, fi, file, scope, base).is_empty() {
        return true;
    }
    if func.is_some_and(|f| f.params.iter().any(|p| p == base)) {
        return false;
    }
    // `path` of a name outside the project (or too long) is the name
    // itself: no memo, and no `hit`, so the test answers `None`.
    let outside = |path: String| path.len() > 400 || !through_project(project, &path);
    let b = project.index.bindings(fi);
    if let Some(t) = b.import_targets(base).first() {
        return !outside(format!("{t}{rest}"));
    }
    if b.defines(base) {
        let module = if file.module.is_empty() {
            "__main__"
        } else {
            file.module.as_str()
        };
        return !outside(format!("{}{rest}", dotted(module, base)));
    }
    false
}

/// Whether a name still goes through a project module (a global, a
/// function's result) rather than naming something outside.
fn through_project(project: &Project, path: &str) -> bool {
    project.index.is_module_head(head(path)) || path.starts_with("__main__.")
}

/// Function `qualname` of file `fi` (whose facts are `file`), through the index.
fn function_in<'f>(
    project: &Project,
    fi: usize,
    file: &'f FileFacts,
    qualname: &str,
) -> Option<&'f Function> {
    let i = project.index.bindings(fi).function(qualname)?;
    Some(&file.functions[i])
}

/// The assignments that bind a plain name seen from `scope`: the
/// innermost function that assigns it, else module level; none when a
/// parameter of a function in between shadows it. With the scope each
/// was made in.
fn assignments_in<'f>(
    project: &'f Project,
    fi: usize,
    file: &FileFacts,
    scope: Option<&str>,
    name: &str,
) -> Vec<(usize, Option<&'f str>)> {
    let b = project.index.bindings(fi);
    let mut scope: Option<&'f str> = scope
        .and_then(|s| function_in(project, fi, file, s))
        .map(|f| f.qualname.as_str());
    while let Some(s) = scope {
        let list = b.assigns(Some(s), name);
        if !list.is_empty() {
            return list.iter().map(|&a| (a as usize, Some(s))).collect();
        }
        let Some(f) = function_in(project, fi, file, s) else {
            break;
        };
        if f.params.iter().any(|p| p == name) {
            return Vec::new();
        }
        // Class bodies do not enclose methods.
        scope = s
            .rsplit_once('.')
            .map(|(outer, _)| outer)
            .filter(|outer| function_in(project, fi, file, outer).is_some());
    }
    b.assigns(None, name)
        .iter()
        .map(|&a| (a as usize, None))
        .collect()
}

/// The class and `self` attribute call `ci`'s callee goes through
/// (`self.client.create` in a method of `C`: `C`, `client`).
fn self_attr_key<'f>(
    project: &Project,
    fi: usize,
    file: &'f FileFacts,
    ci: usize,
) -> Option<(Ustr, &'f str)> {
    let call = &file.calls[ci];
    let f = call
        .scope
        .and_then(|s| function_in(project, fi, file, &s))?;
    let (Some(class), Some(receiver)) = (f.class, f.params.first()) else {
        return None;
    };
    let mut parts = call.callee.as_str().split('.');
    if parts.next() != Some(receiver.as_str()) {
        return None;
    }
    let (Some(attr), Some(_)) = (parts.next(), parts.next()) else {
        return None;
    };
    Some((class, attr))
}

/// How many distinct constructor or factory types assignments `list` of
/// `file` give (`self.client = A()`, `= B()`: two).
fn distinct_types(file: &FileFacts, list: &[usize]) -> usize {
    let mut types: Vec<&str> = list
        .iter()
        .filter_map(|&ai| file.assignments[ai].value_call.as_ref().map(QName::as_str))
        .collect();
    types.sort_unstable();
    types.dedup();
    types.len()
}

impl<'p> Eval<'p> {
    /// The evaluator, with the stores every file's part found, joined in
    /// file order (each list in file, then assignment order).
    fn new(project: &'p Project, parts: &[FileRuntime]) -> Eval<'p> {
        let mut stores: FastMap<(usize, Ustr), Vec<(usize, usize)>> = FastMap::default();
        let mut state: FastMap<Box<str>, Vec<(usize, usize)>> = FastMap::default();
        let mut self_attrs: FastMap<(usize, Ustr, Ustr), Vec<usize>> = FastMap::default();
        for (fi, part) in parts.iter().enumerate() {
            for (attr, ai) in &part.state {
                state.entry(attr.clone()).or_default().push((fi, *ai));
            }
            for &(class, attr, ai) in &part.self_attrs {
                self_attrs.entry((fi, class, attr)).or_default().push(ai);
            }
            for &(m, attr, ai) in &part.stores {
                stores.entry((m, attr)).or_default().push((fi, ai));
            }
        }
        Eval {
            project,
            stores,
            self_attrs,
            state,
            paths: RefCell::default(),
            globals: RefCell::default(),
            assigned: RefCell::default(),
            hit: Cell::new(false),
            cut_fanout: Cell::new(0),
            cut_depth: Cell::new(0),
            steps: Cell::new(0),
            cut_steps: Cell::new(0),
        }
    }

    /// The answer from the candidates found, in file and call order.
    fn finish(self, parts: &[FileRuntime], found: Vec<(usize, usize, Vals)>) -> Runtime {
        let mut out = Runtime::default();
        out.stats.calls = parts.iter().map(|p| p.all_calls).sum();
        out.stats.evaluated = parts.iter().map(|p| p.calls.len()).sum();
        out.stats.cut_fanout = self.cut_fanout.get();
        out.stats.cut_depth = self.cut_depth.get();
        out.stats.cut_steps = self.cut_steps.get();
        for (fi, ci, vals) in found {
            if vals.len() == 1 {
                out.stats.resolved += 1;
            } else {
                out.stats.joined += 1;
            }
            let alts: Box<[QName]> = vals.iter().map(|v| QName::from(v.as_str())).collect();
            out.alternatives.insert((fi as u32, ci as u32), alts);
        }
        out
    }

    /// The memos and counts, for [`resolve_every_call`]'s check.
    #[allow(clippy::type_complexity)]
    fn state(
        &self,
    ) -> (
        FastMap<String, Vals>,
        FastMap<(usize, Ustr), Vals>,
        FastMap<(usize, usize), (Vals, bool)>,
        [usize; 3],
    ) {
        (
            self.paths.borrow().clone(),
            self.globals.borrow().clone(),
            self.assigned.borrow().clone(),
            [
                self.cut_fanout.get(),
                self.cut_depth.get(),
                self.cut_steps.get(),
            ],
        )
    }

    fn file(&self, fi: usize) -> FileRef<'p> {
        self.project.file(fi, Reader::RuntimeValues)
    }

    /// Function `qualname` of file `fi`, through the index.
    fn function(&self, fi: usize, qualname: &str) -> Option<Item<'p, Function>> {
        let i = self.project.index.bindings(fi).function(qualname)?;
        Some(self.file(fi).function(i))
    }

    /// The candidates for call `ci`'s callee when they say more than
    /// `Call::resolved` does.
    fn callee_if_new(&self, fi: usize, ci: usize) -> Option<Vals> {
        self.steps.set(0);
        let call = &self.file(fi).calls[ci];
        // `request.app.state.llm.generate`: what the app stored there.
        if state_attr(call.callee.as_str()).is_some() {
            let vals = self.name(fi, call.scope.as_deref(), call.callee.as_str(), 0);
            return (!vals.is_empty()).then_some(vals);
        }
        if let Some(r) = &call.resolved
            && !self.through_project(r.as_str())
        {
            // `self.client.create` where the class sets `self.client` to
            // values of several types: each of them (the frontend took one).
            if self.self_attr_types(fi, ci) > 1 {
                let vals: Vals = self
                    .name(fi, call.scope.as_deref(), call.callee.as_str(), 0)
                    .into_iter()
                    .filter(|v| v != r.as_str() && !self.through_project(v))
                    .collect();
                return (!vals.is_empty()).then_some(vals);
            }
            // The cross-module rewrite took one `return` of a project
            // function; the join of all of them may hold more.
            let imported = call.imported().as_ref()?;
            if !self.through_project(imported.as_str()) {
                return None;
            }
            let vals: Vals = self
                .path(imported.as_str(), 0)
                .into_iter()
                .filter(|v| v != r.as_str() && !self.through_project(v))
                .collect();
            return (!vals.is_empty()).then_some(vals);
        }
        self.hit.set(false);
        let vals = self.callee(fi, ci, 0);
        // A callee the frontend could not name and that reads only local
        // bindings: the frontend's flow-sensitive view stands.
        if call.resolved.is_none() && !self.hit.get() {
            return None;
        }
        let vals: Vals = vals
            .into_iter()
            .filter(|v| Some(v.as_str()) != call.resolved.as_ref().map(QName::as_str))
            .filter(|v| !self.through_project(v) || self.names_symbol(v))
            .collect();
        (!vals.is_empty()).then_some(vals)
    }

    /// How many distinct constructor or factory types the class of call
    /// `ci`'s method assigns to the `self` attribute the callee goes
    /// through (`self.client.create`: `self.client = A()`, `= B()`).
    fn self_attr_types(&self, fi: usize, ci: usize) -> usize {
        let file = self.file(fi);
        let Some((class, attr)) = self_attr_key(self.project, fi, &file, ci) else {
            return 0;
        };
        self.self_attrs
            .get(&(fi, class, Ustr::from(attr)))
            .map_or(0, |list| distinct_types(&file, list))
    }

    /// Whether a name still goes through a project module (a global, a
    /// function's result) rather than naming something outside.
    fn through_project(&self, path: &str) -> bool {
        through_project(self.project, path)
    }

    /// Whether the call graph can place the name: a project function or
    /// class, or a method of one (`pkg.Server().generate`).
    fn names_symbol(&self, path: &str) -> bool {
        let plain = path.replace("()", "");
        let plain = plain.as_str();
        self.project.index.symbol(plain).is_some()
            || plain
                .rsplit_once('.')
                .is_some_and(|(owner, _)| self.project.index.symbol(owner).is_some())
    }

    /// Join `more` into `into`, sorted and deduplicated, at most MAX_FANOUT.
    fn join(&self, into: &mut Vals, more: impl IntoIterator<Item = String>) {
        into.extend(more);
        into.sort();
        into.dedup();
        if into.len() > MAX_FANOUT {
            // The shortest names are kept: long ones are mostly chains of
            // method results, the short ones the objects themselves.
            into.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            into.truncate(MAX_FANOUT);
            into.sort();
            self.cut_fanout.set(self.cut_fanout.get() + 1);
        }
    }

    /// Keep a finished value; one cut short by the step budget is dropped
    /// (the next callee computes it again with its own budget).
    fn remember<K: std::hash::Hash + Eq, V: Clone>(
        &self,
        memo: &RefCell<FastMap<K, V>>,
        key: K,
        value: &V,
    ) {
        if self.steps.get() >= MAX_STEPS {
            memo.borrow_mut().remove(&key);
        } else {
            memo.borrow_mut().insert(key, value.clone());
        }
    }

    fn too_deep(&self, d: usize) -> bool {
        if d > MAX_DEPTH {
            self.cut_depth.set(self.cut_depth.get() + 1);
            return true;
        }
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps == MAX_STEPS {
            self.cut_steps.set(self.cut_steps.get() + 1);
        }
        steps >= MAX_STEPS
    }

    /// What the callee of call `ci` denotes.
    fn callee(&self, fi: usize, ci: usize, d: usize) -> Vals {
        let file = self.file(fi);
        let call = &file.calls[ci];
        if let Some(r) = &call.resolved {
            return self.path(r.as_str(), d + 1);
        }
        let scope = call.scope.as_deref();
        let text = call.callee.as_str();
        // A registry: `LOADERS[name](...)`.
        if let Some(base) = text.strip_suffix("[]")
            && !base.contains(['[', '(', ' '])
        {
            return self.registry(fi, scope, base, d + 1);
        }
        if text.contains(['[', '(', ' ']) {
            return Vals::new();
        }
        self.name(fi, scope, text, d + 1)
    }

    /// What calling call `ci` gives.
    fn call_result(&self, fi: usize, ci: usize, d: usize) -> Vals {
        let call = &self.file(fi).calls[ci];
        let scope = call.scope.as_deref();
        let resolved = call.resolved.as_ref().map(QName::as_str);
        // `functools.partial(f, ...)` is `f`, waiting for its call.
        if matches!(resolved, Some("functools.partial")) {
            return match call.args.first().map(|a| &a.value) {
                Some(Value::Name { text, .. }) => self.name(fi, scope, text, d + 1),
                _ => Vals::new(),
            };
        }
        let mut out = Vals::new();
        for c in self.callee(fi, ci, d + 1) {
            let called = self.path(&format!("{c}()"), d + 1);
            self.join(&mut out, called);
        }
        out
    }

    /// The entries of a dict or list of functions or classes bound to `base`.
    fn registry(&self, fi: usize, scope: Option<&str>, base: &str, d: usize) -> Vals {
        self.hit.set(true);
        let file = self.file(fi);
        let mut out = Vals::new();
        for (ai, a_scope) in self.assignments_of(fi, scope, base) {
            let entries: Vec<&Value> = match &file.assignments[ai].value {
                Value::Dict(pairs) => pairs.iter().map(|(_, v)| v).collect(),
                Value::List(items) => items.iter().collect(),
                _ => continue,
            };
            for e in entries {
                if let Value::Name { text, .. } = e {
                    let found = self.name(fi, a_scope, text, d + 1);
                    self.join(&mut out, found);
                }
            }
        }
        out
    }

    /// The assignments that bind a plain name seen from `scope`: the
    /// innermost function that assigns it, else module level; none when a
    /// parameter of a function in between shadows it. With the scope each
    /// was made in.
    fn assignments_of(
        &self,
        fi: usize,
        scope: Option<&str>,
        name: &str,
    ) -> Vec<(usize, Option<&'p str>)> {
        assignments_in(self.project, fi, &self.file(fi), scope, name)
    }

    /// What the name or attribute chain `text` denotes in `scope` of file `fi`.
    fn name(&self, fi: usize, scope: Option<&str>, text: &str, d: usize) -> Vals {
        if self.too_deep(d) {
            return Vals::new();
        }
        let file = self.file(fi);
        // `scope` borrowed from a fact lives as long as the project.
        let func = scope.and_then(|s| self.function(fi, s));
        let scope: Option<&'p str> = func.as_ref().map(|f| f.qualname.as_str());
        if let Some(attr) = state_attr(text) {
            let rest = &text[text.find(attr).map_or(text.len(), |i| i + attr.len())..];
            return self.stored(self.state.get(attr), rest, d);
        }
        let (base, rest) = text.split_at(text.find('.').unwrap_or(text.len()));
        // `self.x`: every store of `self.x` in the class's methods.
        if let Some(f) = &func
            && let Some(class) = f.class
            && f.params.first().is_some_and(|p| p == base)
        {
            // Bare `self` (the instance itself) denotes no stored attribute.
            let Some(after) = rest.strip_prefix('.') else {
                return Vals::new();
            };
            let (attr, tail) = after.split_at(after.find('.').unwrap_or(after.len()));
            if attr.is_empty() {
                return Vals::new();
            }
            return self.self_attr(fi, class.as_str(), attr, tail, d);
        }
        let assigns = self.assignments_of(fi, scope, base);
        if let Some((_, None)) = assigns.first() {
            return self.suffixed(self.global(fi, base, d + 1), rest, d);
        }
        if !assigns.is_empty() {
            let mut out = Vals::new();
            for (ai, _) in assigns {
                let found = self.assignment(fi, ai, d + 1);
                self.join(&mut out, found);
            }
            return self.suffixed(out, rest, d);
        }
        if func.is_some_and(|f| f.params.iter().any(|p| p == base)) {
            return Vals::new();
        }
        let b = self.project.index.bindings(fi);
        if let Some(t) = b.import_targets(base).first() {
            return self.path(&format!("{t}{rest}"), d + 1);
        }
        if b.defines(base) {
            let module = if file.module.is_empty() {
                "__main__"
            } else {
                file.module.as_str()
            };
            return self.path(&format!("{}{rest}", dotted(module, base)), d + 1);
        }
        Vals::new()
    }

    /// Each value with `rest` appended, then expanded again.
    fn suffixed(&self, vals: Vals, rest: &str, d: usize) -> Vals {
        if rest.is_empty() {
            return vals;
        }
        let mut out = Vals::new();
        for v in vals {
            // A project function's returned tuple is waiting for an element.
            if !rest.starts_with('[')
                && v.strip_suffix("()").is_some_and(|f| {
                    matches!(self.project.index.symbol(f), Some(Symbol::Function(..)))
                })
            {
                continue;
            }
            let found = self.path(&format!("{v}{rest}"), d + 1);
            self.join(&mut out, found);
        }
        out
    }

    fn stored(&self, stores: Option<&Vec<(usize, usize)>>, rest: &str, d: usize) -> Vals {
        self.hit.set(true);
        let mut out = Vals::new();
        for &(sf, sa) in stores.map_or(&[][..], Vec::as_slice) {
            let found = self.assignment(sf, sa, d + 1);
            self.join(&mut out, found);
        }
        self.suffixed(out, rest, d)
    }

    /// `self.attr…` inside class `class` of file `fi`.
    fn self_attr(&self, fi: usize, class: &str, attr: &str, tail: &str, d: usize) -> Vals {
        self.hit.set(true);
        let key = (fi, Ustr::from(class), Ustr::from(attr));
        let mut out = Vals::new();
        for &ai in self.self_attrs.get(&key).map_or(&[][..], Vec::as_slice) {
            let found = self.assignment(fi, ai, d + 1);
            self.join(&mut out, found);
        }
        if out.is_empty() {
            // A method: `self.generate_fn` where the class defines it.
            return Vals::new();
        }
        self.suffixed(out, tail, d)
    }

    /// Module global `name` of file `fi`: its module-level assignments; when
    /// these are only `None` placeholders, also what the module's functions
    /// assign to the name (a `global` statement's effect: a local of the same
    /// name over a `None` global is read nowhere else), and every store onto
    /// the module object from other modules.
    fn global(&self, fi: usize, name: &str, d: usize) -> Vals {
        self.hit.set(true);
        let file = self.file(fi);
        let key = Ustr::from(name);
        if let Some(known) = self.globals.borrow().get(&(fi, key)) {
            return known.clone();
        }
        self.globals.borrow_mut().insert((fi, key), Vals::new());
        let module_level = self.project.index.bindings(fi).assigns(None, name);
        let placeholder = module_level
            .iter()
            .all(|&a| file.assignments[a as usize].value == Value::None);
        let mut out = Vals::new();
        for &a in module_level {
            let found = self.assignment(fi, a as usize, d + 1);
            self.join(&mut out, found);
        }
        if placeholder {
            for (ai, a) in file.assignments.iter().enumerate() {
                if a.scope.is_some() && a.target == name {
                    let found = self.assignment(fi, ai, d + 1);
                    self.join(&mut out, found);
                }
            }
        }
        for &(sf, sa) in self.stores.get(&(fi, key)).map_or(&[][..], Vec::as_slice) {
            let found = self.assignment(sf, sa, d + 1);
            self.join(&mut out, found);
        }
        self.remember(&self.globals, (fi, key), &out);
        out
    }

    /// What assignment `ai` of file `fi` binds.
    fn assignment(&self, fi: usize, ai: usize, d: usize) -> Vals {
        if self.too_deep(d) {
            return Vals::new();
        }
        if let Some((known, hit)) = self.assigned.borrow().get(&(fi, ai)) {
            self.hit.set(self.hit.get() || *hit);
            return known.clone();
        }
        self.assigned
            .borrow_mut()
            .insert((fi, ai), (Vals::new(), false));
        let outer = self.hit.replace(false);
        let out = self.assignment_uncached(fi, ai, d);
        let hit = self.hit.get();
        self.remember(&self.assigned, (fi, ai), &(out.clone(), hit));
        self.hit.set(outer || hit);
        out
    }

    fn assignment_uncached(&self, fi: usize, ai: usize, d: usize) -> Vals {
        let file = self.file(fi);
        let a = &file.assignments[ai];
        // `x = x.to(device)`, `shared.model = shared.model.unload()`: an
        // update of the value adds no candidate (and would grow names).
        if updates_itself(a) {
            return Vals::new();
        }
        if let Some(t) = &a.value_call {
            return self.path(t.as_str(), d + 1);
        }
        let whole = self.value(fi, a.scope.as_deref(), &a.value, a.span, d + 1);
        match a.element {
            None => whole,
            Some(i) => self.suffixed(whole, &format!("[{i}]"), d),
        }
    }

    /// What a value denotes; `span` holds the expression and ends with it
    /// (a call ending there is the value).
    fn value(&self, fi: usize, scope: Option<&str>, v: &Value, span: Span, d: usize) -> Vals {
        match v {
            Value::Name { text, .. } => self.name(fi, scope, text, d + 1),
            Value::Expr(e) if !matches!(e.shape, Shape::Function) => {
                let file = self.file(fi);
                let outer = file
                    .calls_in(span.start_byte..span.end_byte)
                    .find(|&ci| file.calls[ci].span.end_byte == span.end_byte);
                match outer {
                    Some(ci) => self.call_result(fi, ci, d + 1),
                    None => Vals::new(),
                }
            }
            _ => Vals::new(),
        }
    }

    /// A name in normal form, expanded through project modules: globals,
    /// function results (`pkg.load()[0]`), class attributes set in methods.
    fn path(&self, path: &str, d: usize) -> Vals {
        if self.too_deep(d) || path.len() > 400 {
            return Vals::new();
        }
        if !self.through_project(path) {
            return vec![path.to_string()];
        }
        self.hit.set(true);
        if let Some(known) = self.paths.borrow().get(path) {
            return known.clone();
        }
        self.paths
            .borrow_mut()
            .insert(path.to_string(), Vals::new());
        // Our own join first; else the index's rewrite (imports, re-exports).
        let out = match self.path_uncached(path, d) {
            Some(vals) if !vals.is_empty() => vals,
            _ => match self.project.step(path) {
                Some(next) if next != path => self.path(&next, d + 1),
                _ => vec![path.to_string()],
            },
        };
        self.paths
            .borrow_mut()
            .insert(path.to_string(), out.clone());
        out
    }

    fn path_uncached(&self, path: &str, d: usize) -> Option<Vals> {
        let path = match path.strip_prefix("__main__.") {
            Some(rest) => rest.to_string(),
            None => path.to_string(),
        };
        // Longest module prefix, then the first name after it.
        let mut end = path.len();
        let (fi, name, tail) = loop {
            let prefix = &path[..end];
            if let Some(&fi) = self.project.modules.get(prefix) {
                let rest = path.get(end + 1..)?;
                let (name, tail) = rest.split_at(qname::head(rest).len());
                break (fi, name, tail);
            }
            end = prefix.rfind('.')?;
        };
        let file = self.file(fi);
        let sym = dotted(&file.module, name);
        match self.project.index.symbol(&sym) {
            Some(Symbol::Function(sf, f)) if sf == fi => {
                let after = tail.strip_prefix("()")?;
                let qualname = file.functions[f].qualname.as_str();
                let mut vals = self.returned(fi, qualname, after, d + 1);
                // A returned tuple stays the call until an element is taken.
                let tuple = file
                    .returns
                    .iter()
                    .any(|r| r.element.is_some() && r.scope.is_some_and(|s| s == qualname));
                if after.is_empty() && tuple {
                    self.join(&mut vals, [path.clone()]);
                }
                Some(vals)
            }
            Some(Symbol::Class(sf, c)) if sf == fi => {
                let class = file.classes[c].qualname.as_str();
                let after = tail.strip_prefix("().")?;
                let (member, rest) = after.split_at(qname::head(after).len());
                if let Some(method_rest) = rest.strip_prefix("()") {
                    let q = format!("{class}.{member}");
                    self.function(fi, &q)?;
                    return Some(self.returned(fi, &q, method_rest, d + 1));
                }
                let found = self.self_attr(fi, class, member, rest, d + 1);
                (!found.is_empty()).then_some(found)
            }
            _ => {
                let vals = self.global(fi, name, d + 1);
                Some(self.suffixed(vals, tail, d))
            }
        }
    }

    /// What function `qualname` of file `fi` returns, followed by `after`
    /// (`[1]` picks an element of a returned tuple).
    fn returned(&self, fi: usize, qualname: &str, after: &str, d: usize) -> Vals {
        let file = self.file(fi);
        let element = qname::element(after);
        let mut out = Vals::new();
        for r in file
            .returns
            .iter()
            .filter(|r| r.scope.is_some_and(|s| s == qualname))
        {
            let (vals, rest) = match (r.element, element) {
                (None, _) => (
                    self.value(fi, Some(qualname), &r.value, r.span, d + 1),
                    after,
                ),
                (Some(e), Some((i, rest))) if e as usize == i => (
                    self.value(fi, Some(qualname), &r.value, r.span, d + 1),
                    rest,
                ),
                _ => continue,
            };
            let found = self.suffixed(vals, rest, d);
            self.join(&mut out, found);
        }
        out
    }
}

/// Whether an assignment's value reads its own target.
fn updates_itself(a: &crate::facts::Assignment) -> bool {
    let target = a.target.as_str();
    let is_self = |r: &str| {
        r == target
            || r.strip_prefix(target)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    match &a.value {
        Value::Name { text, .. } => is_self(text),
        Value::Expr(e) => e.reads.iter().any(|r| is_self(r)),
        _ => false,
    }
}

/// `x` of a target or chain that goes through `app.state.x`.
fn state_attr(text: &str) -> Option<&str> {
    // Asked of every callee and target: one search with a searcher built
    // once (`str::find` sets one up on every call).
    static NEEDLE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("app.state."));
    let at = NEEDLE.find(text.as_bytes())?;
    if at > 0 && !text[..at].ends_with('.') {
        return None;
    }
    let rest = &text[at + "app.state.".len()..];
    let attr = &rest[..rest.find(['.', '(', '[']).unwrap_or(rest.len())];
    (!attr.is_empty()).then_some(attr)
}

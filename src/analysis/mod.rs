//! The project index: all files' facts, sorted by path, with a module map,
//! and cross-module resolution of names bound at module level.
//! Later phases (call graph, reachability, taint) live here too.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::facts::{FileFacts, QName, Returns};
use crate::qname;

/// Maps and sets that are only looked up, never iterated into output: a
/// fixed-seed fast hasher (SipHash showed up in profiles of the index).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::FixedState>;

thread_local! {
    /// On a thread [`map_indices`] started: the thread count of the pool
    /// it was started from; 0 elsewhere.
    static STARTED_FROM: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The scan's thread count, asked from any thread of the scan. On a plain
/// thread [`map_indices`] started (a `OnceLock` initialised there may
/// call it again), rayon would answer for its global pool and start that
/// pool: a thread per CPU, whatever `--jobs` says. Such a thread keeps the
/// count of the pool it came from instead; any other thread outside a pool
/// (unit tests) counts as one.
pub(crate) fn pool_threads() -> usize {
    if rayon::current_thread_index().is_some() {
        return rayon::current_num_threads();
    }
    STARTED_FROM.get().max(1)
}

/// `f(i)` for every `i` in `0..n`, in index order, on as many plain threads
/// as the scan's pool has: for per-file work done while a `OnceLock` is
/// being initialised (a taint spec's seeds). A rayon worker that waits on
/// nested rayon work runs other queued jobs meanwhile, and one of them may
/// wait on the very lock it is initialising (a deadlock); scoped threads run
/// nothing else. Items are handed out in small batches, so the result and
/// its order do not depend on the thread count.
pub(crate) fn map_indices<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    /// Items a thread takes at a time: files vary a lot in size.
    const BATCH: usize = 8;
    let pool = pool_threads();
    let threads = pool.min(n.div_ceil(BATCH));
    if threads <= 1 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<T>)> = std::thread::scope(|s| {
        let work = || {
            STARTED_FROM.set(pool);
            let mut done = Vec::new();
            loop {
                let start = next.fetch_add(BATCH, Ordering::Relaxed);
                if start >= n {
                    return done;
                }
                done.push((start, (start..(start + BATCH).min(n)).map(&f).collect()));
            }
        };
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in handles {
            all.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    parts.sort_unstable_by_key(|(start, _)| *start);
    parts.into_iter().flat_map(|(_, items)| items).collect()
}

/// The first `i` in `0..n` for which `f(i)` gives a value, with it: what
/// `(0..n).find_map` gives, on plain threads as [`map_indices`] (for a
/// search done while a `OnceLock` is being initialised). Batches are
/// handed out in index order and none is started past an index already
/// found, so every index below the answer is asked and the answer does not
/// depend on the thread count.
pub(crate) fn find_first_index<T: Send>(
    n: usize,
    f: impl Fn(usize) -> Option<T> + Sync,
) -> Option<(usize, T)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const BATCH: usize = 8;
    let pool = pool_threads();
    let threads = pool.min(n.div_ceil(BATCH));
    if threads <= 1 {
        return (0..n).find_map(|i| f(i).map(|v| (i, v)));
    }
    let next = AtomicUsize::new(0);
    let found = AtomicUsize::new(usize::MAX);
    std::thread::scope(|s| {
        let work = || {
            STARTED_FROM.set(pool);
            let mut best: Option<(usize, T)> = None;
            loop {
                let start = next.fetch_add(BATCH, Ordering::Relaxed);
                if start >= n || start >= found.load(Ordering::Acquire) {
                    return best;
                }
                for i in start..(start + BATCH).min(n) {
                    if i >= found.load(Ordering::Acquire) {
                        break;
                    }
                    if let Some(v) = f(i) {
                        found.fetch_min(i, Ordering::AcqRel);
                        if best.as_ref().is_none_or(|(b, _)| i < *b) {
                            best = Some((i, v));
                        }
                        break;
                    }
                }
            }
        };
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut best = work();
        for h in handles {
            let theirs = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            if let Some((i, v)) = theirs
                && best.as_ref().is_none_or(|(b, _)| i < *b)
            {
                best = Some((i, v));
            }
        }
        best
    })
}

pub(crate) mod bounded;
pub mod callgraph;
pub mod dataflow;
pub mod door;
pub mod entrypoints;
pub mod env;
pub mod frontend;
pub mod generation;
pub mod hops;
mod import_roots;
pub mod index;
pub mod inferred;
pub(crate) mod perfile;
pub mod plugins;
pub mod queues;
pub mod region;
pub mod results;
pub mod runtime;
pub mod templates;

pub use door::{FileRef, Reader};
use index::SemanticIndex;

/// Cross-module rewrites stop after this many hops (import cycles).
const MAX_HOPS: usize = 8;
/// Classes visited looking for a method along library bases.
const MAX_BASES: usize = 32;

pub struct Project {
    /// Facts of every scanned file, sorted by path: read through
    /// [`Project::file`] and [`Project::each_file`] (`door`), counted.
    files: door::Facts,
    /// Who read the facts, and how (`--stats`).
    door: door::Door,
    /// Dotted module name → index into `files`.
    pub modules: FastMap<String, usize>,
    /// Symbols, bindings, module suffixes: every name lookup.
    pub index: SemanticIndex,
    /// Callees known only at run time with several candidates, and counts:
    /// resolved on first use ([`Project::runtime`]).
    runtime: OnceLock<runtime::Runtime>,
    /// Environment variables the project's configuration sets, built on
    /// first use ([`Project::env`]).
    env: OnceLock<env::EnvMap>,
    /// `canonical_text` results, filled from the build's cross-module
    /// rewrites on (the facts these answers read do not change after that);
    /// most names are asked for many times.
    canonical_memo: Option<Memo>,
    /// This project among those the process builds: what each thread's
    /// [`RECENT_CANONICAL`] entries were found for.
    stamp: u64,
}

/// Projects built so far, for [`Project::stamp`] (0: no project).
static PROJECTS_BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One entry of a thread's [`RECENT_CANONICAL`]: `canonical` of the name
/// interned at `address` in project `project`.
#[derive(Clone, Copy, Default)]
struct RecentCanonical {
    project: u64,
    address: usize,
    canonical: Option<QName>,
}

/// Log₂ of the entries in each thread's [`RECENT_CANONICAL`] (4,096 of
/// 24 bytes each).
const RECENT_CANONICAL_BITS: u32 = 12;

thread_local! {
    /// Each thread's latest `Project::canonical` answers, in front of the
    /// shared memo, one entry per slot (a newer name in the same slot
    /// replaces the older): keyed by the interned name's address, a hit
    /// hashes no text and takes no lock, and the slots' fixed number bounds
    /// the memory whatever the scan's size. Answers come from the shared
    /// memo, so they are the same whichever thread asked first.
    static RECENT_CANONICAL: std::cell::RefCell<Vec<RecentCanonical>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// What `Project::build` changed in one file's facts, reading other files:
/// its import plan (`import_roots::qualify`) and the calls whose resolved
/// name went through another module (`resolve_across_modules`: call
/// index, new name). With the file's facts digest and module name, these
/// give its facts as the index holds them, except for what a frontend's
/// `arrange` changed (Rust: the parts leave those files out).
#[derive(Debug, Default, Clone)]
pub(crate) struct Applied {
    pub(crate) plan: Vec<(ustr::Ustr, String)>,
    pub(crate) rewrites: Vec<(usize, QName)>,
}

impl Applied {
    /// Change the facts of a file stored as extracted as the build changed
    /// the kept ones: the import plan, then the rewrites.
    fn redo(&self, facts: &mut FileFacts) {
        import_roots::rewrite(facts, &self.plan);
        Applied::rewrite_calls(facts, &self.rewrites);
    }

    /// Give calls their names through other modules (`(call index, new
    /// name)`), the name as imported kept beside it.
    fn rewrite_calls(file: &mut FileFacts, rewrites: &[(usize, QName)]) {
        for &(ci, new) in rewrites {
            let call = &mut file.calls[ci];
            let imported = call.resolved.replace(new);
            call.set_imported(imported);
        }
    }
}

/// A map shared by the threads, split in shards so they rarely wait on
/// one another's lock. Answers are kept interned: a hit copies a pointer
/// instead of allocating a `String`, and `canonical` interns nothing.
struct Memo {
    shards: Vec<std::sync::Mutex<FastMap<Box<str>, Option<QName>>>>,
}

impl Memo {
    const SHARDS: usize = 64;

    fn new() -> Memo {
        Memo {
            shards: (0..Self::SHARDS).map(|_| Default::default()).collect(),
        }
    }

    fn get_or(&self, key: &str, compute: impl FnOnce() -> Option<QName>) -> Option<QName> {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::default().hash_one(key);
        let shard = &self.shards[hash as usize % Self::SHARDS];
        if let Some(hit) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
            return *hit;
        }
        // Computed outside the lock: two threads may both compute a name
        // the first time; the results are equal.
        let value = compute();
        shard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.into(), value);
        value
    }
}

impl Project {
    pub fn new(files: Vec<FileFacts>) -> Project {
        Project::build(
            files
                .into_iter()
                .map(|f| door::Input::Kept(Box::new(f)))
                .collect(),
        )
    }

    /// The project from every file's facts as extraction handed them over,
    /// decoded or stored ([`door::Input`]): module names, import plans, the
    /// index and the cross-module rewrites, each made reading one file at a
    /// time, so stored files are decoded one at a time too.
    pub fn build(mut inputs: Vec<door::Input>) -> Project {
        inputs.sort_by(|a, b| a.path().cmp(b.path()));
        // Module names only the whole project knows (Rust crates and `mod
        // x;`), from the files the frontends' step reads (never stored).
        let mut arranged: Vec<FileFacts> = Vec::new();
        let inputs: Vec<Option<door::Input>> = inputs
            .into_iter()
            .map(|input| match input {
                door::Input::Kept(f) if crate::lang::arranged(&f.path, f.language) => {
                    arranged.push(*f);
                    None
                }
                other => Some(other),
            })
            .collect();
        crate::lang::arrange(&mut arranged);
        let mut files = door::Facts::of_inputs(inputs, arranged);
        crate::memory::mark(|| "build: slots".into());
        // Configuration documents have no module.
        let modules: FastMap<String, usize> = (0..files.len())
            .filter(|&i| crate::lang::frontend(files.language(i)).has_code())
            .map(|i| (files.module(i).to_string(), i))
            .collect();
        crate::memory::mark(|| "build: modules".into());
        // Imports found along inferred sys.path roots, spelled in full,
        // then what the index keeps of the file, in one read of each file.
        let roots = import_roots::Roots::new(&files, &modules);
        crate::memory::mark(|| "build: roots".into());
        let (plans, parts): (Vec<_>, Vec<_>) = files
            .map_each_mut(|fi, file| {
                let plan = roots.plan(file);
                import_roots::rewrite(file, &plan);
                (plan, index::FilePart::of(fi, file))
            })
            .into_iter()
            .unzip();
        crate::memory::mark(|| "build: plans and parts".into());
        drop(roots);
        files.set_plans(plans);
        crate::memory::mark(|| "build: plans set".into());
        let index = SemanticIndex::new(parts, &files, &modules);
        crate::memory::mark(|| "build: index".into());
        let door = door::Door::new(files.len());
        // `arrange`, then the plans with the index's parts, went over
        // every file.
        for _ in 0..2 {
            door.sweep(Reader::Index);
        }
        let mut project = Project {
            door,
            files,
            modules,
            index,
            runtime: OnceLock::new(),
            canonical_memo: None,
            env: OnceLock::new(),
            stamp: PROJECTS_BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
        };
        // The memo from here on: the rewrites change only calls' resolved
        // names, which `canonical_text` never reads, and the build asks about
        // every call's name, most of them many times.
        project.canonical_memo = Some(Memo::new());
        let rewrites = project.resolve_across_modules();
        crate::memory::mark(|| "build: rewrites found".into());
        project.files.set_rewrites(rewrites);
        crate::memory::mark(|| "build: rewrites set".into());
        project
    }

    /// After the build, past `facts-memory`: every file's facts stored, to
    /// be decoded when read (`door::Facts`). Returns how many are stored.
    pub fn store_every_file(&mut self) -> usize {
        self.files.store_every_file()
    }

    /// What the build changed in each file's facts, reading other files.
    pub(crate) fn applied(&self) -> &[Applied] {
        self.files.applied()
    }

    /// Callees known only at run time (`analysis::runtime`), resolved once,
    /// on first use: the entry-point finder needs none of it and runs on
    /// another thread meanwhile.
    pub fn runtime(&self) -> &runtime::Runtime {
        self.runtime.get_or_init(|| runtime::resolve(self))
    }

    /// [`Project::runtime`], from every file's part found by the analyses'
    /// per-file phase (`analysis::perfile`), in file order; the parts are
    /// not used if the values were already resolved.
    pub(crate) fn runtime_from(&self, parts: Vec<runtime::FileRuntime>) -> &runtime::Runtime {
        self.runtime
            .get_or_init(|| runtime::resolve_with(self, parts))
    }

    /// Environment variables set in `.env`, compose, Kubernetes, Helm and
    /// Dockerfiles (`analysis::env`), gathered once, on first use.
    pub fn env(&self) -> &env::EnvMap {
        self.env.get_or_init(|| env::EnvMap::build(self))
    }

    /// The environment map, if something has asked for it.
    pub fn env_if_built(&self) -> Option<&env::EnvMap> {
        self.env.get()
    }

    /// The heap of what the project holds beside the facts, by part (items,
    /// bytes), for `synthlint debug memory`: the module table, the index,
    /// what the build changed in each file, the `canonical_text` answers
    /// kept so far. Each part is copied and the copy weighed.
    pub fn heap_parts(&self) -> Vec<crate::memory::FieldBytes> {
        use crate::memory::{FieldBytes, heap_of};
        let mut out = vec![FieldBytes::copied(
            "modules (module name -> file)",
            self.modules.len(),
            &self.modules,
        )];
        out.extend(self.index.heap_parts());
        let applied = self.files.applied();
        out.push(FieldBytes {
            field: "import plans (per file)",
            items: applied.iter().map(|a| a.plan.len()).sum(),
            bytes: heap_of(|| applied.iter().map(|a| a.plan.clone()).collect()),
        });
        out.push(FieldBytes {
            field: "cross-module rewrites (per file)",
            items: applied.iter().map(|a| a.rewrites.len()).sum(),
            bytes: heap_of(|| applied.iter().map(|a| a.rewrites.clone()).collect()),
        });
        if let Some(memo) = &self.canonical_memo {
            let maps: Vec<_> = memo
                .shards
                .iter()
                .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).clone())
                .collect();
            out.push(FieldBytes {
                field: "canonical names kept (memo)",
                items: maps.iter().map(|m| m.len()).sum(),
                bytes: heap_of(|| maps.clone()),
            });
        }
        out
    }

    /// Rewrite resolved names that go through another project module:
    /// `app.llm.client.chat.completions.create`, where `app/llm.py` has
    /// `client = OpenAI()`, becomes `openai.OpenAI().chat.completions.create`.
    fn resolve_across_modules(&self) -> Vec<Vec<(usize, QName)>> {
        // Rewrites only read the index: found per file in parallel, then
        // applied (`door::Facts::set_rewrites`).
        self.each_file(Reader::Index)
            .par_iter()
            .map(|(_, file)| {
                file.calls
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, call)| Some((ci, self.canonical(call.resolved.as_ref()?)?)))
                    .collect()
            })
            .collect()
    }

    /// The name behind `name` when its head is a module-level binding or
    /// re-export of a project module; `None` when nothing changes.
    pub fn canonical(&self, name: &QName) -> Option<QName> {
        if self.canonical_memo.is_none() {
            return self.canonical_name(name.as_str());
        }
        let key = name.address();
        // Fibonacci hashing of the address: its low bits are alignment.
        let slot = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - RECENT_CANONICAL_BITS);
        let hit = RECENT_CANONICAL.with(|recent| {
            let recent = recent.borrow();
            let entry = recent.get(slot as usize)?;
            (entry.project == self.stamp && entry.address == key).then_some(entry.canonical)
        });
        if let Some(canonical) = hit {
            return canonical;
        }
        // Found with no slot borrowed: finding it may ask about other names.
        let canonical = self.canonical_name(name.as_str());
        RECENT_CANONICAL.with(|recent| {
            let mut recent = recent.borrow_mut();
            if recent.is_empty() {
                recent.resize(1 << RECENT_CANONICAL_BITS, RecentCanonical::default());
            }
            recent[slot as usize] = RecentCanonical {
                project: self.stamp,
                address: key,
                canonical,
            };
        });
        canonical
    }

    /// A method of a project class that the class does not define, as a
    /// method of each base outside the project (breadth-first, at most
    /// [`MAX_BASES`] classes): `app.cli.Cli.parse` of
    /// `#[derive(clap::Parser)] struct Cli` is `clap.Parser.parse`,
    /// `app.P().parse_args` of `class P(argparse.ArgumentParser)` is
    /// `argparse.ArgumentParser().parse_args`. Only the last segment is
    /// the method: one index look-up per name.
    pub fn via_library_bases(&self, name: &QName) -> Vec<String> {
        let text = name.as_str();
        let Some(dot) = text.rfind('.') else {
            return Vec::new();
        };
        let (owner, method) = (&text[..dot], &text[dot..]);
        let (class, call) = match owner.strip_suffix("()") {
            Some(c) => (c, "()"),
            None => (owner, ""),
        };
        if method.contains(['(', '[']) || !self.index.is_symbol_head(head(class)) {
            return Vec::new();
        }
        let class_of = |path: &str| match self.index.symbol(path) {
            Some(index::Symbol::Class(fi, ci)) => Some(self.file(fi, Reader::Names).class(ci)),
            _ => None,
        };
        if class_of(class).is_none() || self.index.symbol(text).is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut queue = std::collections::VecDeque::from([QName::new(class)]);
        let mut seen = 0;
        while let Some(c) = queue.pop_front() {
            seen += 1;
            if seen > MAX_BASES {
                break;
            }
            match class_of(c.as_str()) {
                // A project base defines it: the call graph follows that.
                Some(_) if seen > 1 && self.index.symbol(&format!("{c}{method}")).is_some() => {
                    return Vec::new();
                }
                Some(k) => queue.extend(k.bases.iter().map(|b| self.canonical_or_same(b))),
                None => out.push(format!("{c}{call}{method}")),
            }
        }
        out
    }

    /// `canonical`, or the name itself when nothing changes.
    pub fn canonical_or_same(&self, name: &QName) -> QName {
        self.canonical(name).unwrap_or(*name)
    }

    /// `canonical` of a name in normal form given as text.
    pub fn canonical_text(&self, path: &str) -> Option<String> {
        self.canonical_name(path).map(|q| q.as_str().to_string())
    }

    /// `canonical_text`, interned.
    pub(crate) fn canonical_name(&self, path: &str) -> Option<QName> {
        // The cheap test `step` starts with, before any hashing.
        if !self.index.is_module_head(head(path)) {
            return None;
        }
        let compute = || self.canonical_uncached(path).map(QName::from);
        match &self.canonical_memo {
            Some(memo) => memo.get_or(path, compute),
            None => compute(),
        }
    }

    fn canonical_uncached(&self, path: &str) -> Option<String> {
        let mut current = self.step(path)?;
        for _ in 1..MAX_HOPS {
            let Some(next) = self.step(&current) else {
                break;
            };
            current = next;
        }
        Some(current)
    }

    /// One rewrite of `canonical_text`.
    pub(crate) fn step(&self, path: &str) -> Option<String> {
        // Every prefix tried below starts with the same first segment.
        if !self.index.is_module_head(head(path)) {
            return None;
        }
        // Longest module prefix, then the first name after it.
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if let Some(&fi) = self.modules.get(prefix) {
                let rest = path.get(end + 1..)?;
                let (name, tail) = rest.split_at(qname::head(rest).len());
                let file = self.file(fi, Reader::Names);
                if let Some(head) = self.index.module_binding_type(&file, fi, name) {
                    return (head != prefix).then(|| [head, tail].concat());
                }
                if let Some(typed) = field(&file, name, tail) {
                    return Some(typed);
                }
                return returned(&file, name, tail);
            }
            // A package imported from a sub-directory: spell the module in full.
            if let Some(Some(fi)) = self.index.suffix(prefix) {
                return Some([self.module(fi), &path[end..]].concat());
            }
            // A byte search: `rfind('.')` set up a char searcher per prefix.
            end = memchr::memrchr(b'.', prefix.as_bytes())?;
        }
    }
}

/// `Class().field…` where the class declares the field's type (a Rust
/// struct field `client: Client`): the field replaced by that type.
fn field(file: &FileFacts, name: &str, tail: &str) -> Option<String> {
    let after = tail.strip_prefix("().")?;
    let end = after.find(['.', '(', '[']).unwrap_or(after.len());
    let (field, rest) = after.split_at(end);
    if rest.starts_with('(') {
        return None;
    }
    let class = file.classes.iter().find(|c| c.qualname == name)?;
    let ty = class.fields.iter().find(|f| f.name == field)?.type_?;
    Some([ty.as_str(), rest].concat())
}

/// `name()…` or `Class().method()…` / `Class.method()…` where the function
/// has a known return type: the call replaced by that type. Tuple elements
/// (`load()[1]`) pick their element. `tail` is what follows `name` in a
/// name in normal form.
fn returned(file: &FileFacts, name: &str, tail: &str) -> Option<String> {
    let (qualname, after) = if let Some(after) = tail.strip_prefix("()") {
        match qname::method_call(after) {
            // `Class().method()…`: a method on an instance.
            Some((method, rest)) if is_class(file, name) => ([name, ".", method].concat(), rest),
            _ => (name.to_string(), after),
        }
    } else {
        // `Class.method()…`: a static or class method.
        let (method, rest) = qname::method_call(tail)?;
        ([name, ".", method].concat(), rest)
    };
    let function = file.functions.iter().find(|f| f.qualname == qualname)?;
    // What `return` statements give, else the annotation (`-> OpenAI`),
    // called. Names are joined with `concat`: this runs for every distinct
    // name canonicalised, and `format!` costs several times as much.
    let Some(returns) = &function.returns else {
        let t = function.return_annotation.as_ref()?;
        return Some([t.as_str(), "()", after].concat());
    };
    match returns {
        Returns::Value(t) => Some([t.as_str(), after].concat()),
        Returns::Tuple(items) => {
            let (index, rest) = qname::element(after)?;
            let t = items.get(index)?.as_ref()?;
            Some([t.as_str(), rest].concat())
        }
    }
}

/// The first segment of a dotted name (`a` of `a.b()`, all of `a()`):
/// what the module-head filter keys on.
pub(crate) fn head(path: &str) -> &str {
    // One `memchr`: this runs for every name canonicalised.
    match memchr::memchr(b'.', path.as_bytes()) {
        Some(i) => &path[..i],
        None => path,
    }
}

fn is_class(file: &FileFacts, name: &str) -> bool {
    file.classes.iter().any(|c| c.qualname == name)
}

/// A project of Python files given as (path, text), for unit tests.
#[cfg(test)]
pub(crate) fn python_project(files: &[(&str, &str)]) -> Project {
    Project::new(
        files
            .iter()
            .map(|(path, text)| crate::lang::python::extract(path, text, &[]).0)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::{find_first_index, map_indices, pool_threads};

    /// The first index found is the sequential search's, for any thread
    /// count and wherever the hits lie (first batch, last item, none).
    #[test]
    fn find_first_index_is_the_sequential_search() {
        let cases: [&[usize]; 6] = [&[], &[0], &[99], &[7, 8, 9], &[40, 3, 77], &[16, 17, 63]];
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for hits in cases {
                let found =
                    pool.install(|| find_first_index(100, |i| hits.contains(&i).then(|| i * 10)));
                let expected = (0..100).find(|i| hits.contains(i)).map(|i| (i, i * 10));
                assert_eq!(found, expected, "{threads} threads, hits {hits:?}");
            }
        }
    }

    /// Threads `map_indices` starts answer with the pool's count, also in a
    /// nested call: asking rayon there would start its global pool.
    #[test]
    fn map_indices_threads_keep_the_pool_count() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let seen = pool.install(|| {
            map_indices(64, |_| {
                let inner = map_indices(16, |_| pool_threads());
                (pool_threads(), inner)
            })
        });
        for (outer, inner) in seen {
            assert_eq!(outer, 3);
            assert!(inner.iter().all(|&n| n == 3), "{inner:?}");
        }
        // A plain thread that no pool started counts as one.
        assert_eq!(std::thread::spawn(pool_threads).join().unwrap(), 1);
    }

    /// Two projects that bind the same name differently, asked in turn on
    /// one thread: each thread's recent answers are kept per project, and
    /// equal what the name's text gives without them.
    #[test]
    fn canonical_answers_are_kept_per_project() {
        use crate::facts::QName;
        let openai = super::python_project(&[(
            "app/llm.py",
            "from openai import OpenAI\nclient = OpenAI()\n",
        )]);
        let anthropic = super::python_project(&[(
            "app/llm.py",
            "import anthropic\nclient = anthropic.Anthropic()\n",
        )]);
        let name = QName::new("app.llm.client.messages.create");
        let unknown = QName::new("app.other.thing");
        for _ in 0..3 {
            for (project, expected) in [
                (&openai, "openai.OpenAI().messages.create"),
                (&anthropic, "anthropic.Anthropic().messages.create"),
            ] {
                let found = project.canonical(&name);
                assert_eq!(found.map(|q| q.as_str()), Some(expected));
                assert_eq!(found, project.canonical_name(name.as_str()));
                assert_eq!(project.canonical(&unknown), None);
            }
        }
    }
}

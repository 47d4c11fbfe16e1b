//! The project's one semantic index, built once with the `Project`: what
//! every project name denotes (functions and classes by dotted name, a
//! class's methods), what each module-level and local name is bound to
//! (assignments in source order, imports), and the module-name suffixes
//! and first segments that let most names skip all of it. The call graph,
//! the entry-point finder, generation sites, cross-module name rewriting
//! and the data flow all look names up here.

use rayon::prelude::*;
use ustr::Ustr;

use crate::analysis::door::Facts;
use crate::analysis::{FastMap, FastSet};
use crate::facts::{Assignment, FileFacts};

/// A function or class of the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Symbol {
    /// File index, index into its `functions`.
    Function(usize, usize),
    /// File index, index into its `classes`.
    Class(usize, usize),
}

/// The names one file binds. Keys are the interned names (8 bytes; lookups
/// by `&str` need no interning) and values item indices in 32 bits. Each
/// table is one sorted list searched by halves: a file binds a few dozen
/// names, and hash maps with a `Vec` per name took ~4.5 KB a file (~45 MB
/// of the index on 10k files).
#[derive(Debug, Default, Clone)]
pub struct FileBindings {
    /// Imported local name → import targets in order (an `if`/`else` may
    /// bind one name to two modules; both count).
    imports: Sorted<Key, Ustr>,
    /// Module-level name → its assignments, in source order.
    module_assigns: Sorted<Key, u32>,
    /// (function qualname, name) → its assignments in that function, in source order.
    local_assigns: LocalAssigns,
    /// Names of top-level functions and classes.
    top_defs: Sorted<Key, ()>,
    /// Qualname → the function of this file that `module.qualname` denotes
    /// in the symbol table (built from it, so the two always agree).
    functions: Sorted<Key, u32>,
}

/// One scope's assignments by name ([`FileBindings::scope_assigns`]).
#[derive(Debug, Clone, Copy)]
pub struct ScopeAssigns<'a>(Assigns<'a>);

#[derive(Debug, Clone, Copy)]
enum Assigns<'a> {
    /// A function's part of the local table: its names, sorted, and
    /// their assignments.
    Local(&'a [Key], &'a [u32]),
    Module(&'a Sorted<Key, u32>),
}

impl<'a> ScopeAssigns<'a> {
    /// The assignments to `name`, in source order: what
    /// [`FileBindings::assigns`] gives for this scope.
    pub fn get(&self, name: &str) -> &'a [u32] {
        match self.0 {
            Assigns::Local(names, values) => by_name(names, values, name),
            Assigns::Module(table) => table.get(name),
        }
    }
}

/// A key of the bindings' tables, ordered by length first: most
/// comparisons in a search are then settled without comparing the text
/// (the taint solver asks the imports for every name a file reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key(Ustr);

impl Key {
    fn order(a: &str, b: &str) -> std::cmp::Ordering {
        a.len()
            .cmp(&b.len())
            .then_with(|| a.as_bytes().cmp(b.as_bytes()))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        Key::order(self.0.as_str(), other.0.as_str())
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A multimap as two parallel lists sorted by key; the values of one key
/// keep the order they were added in (the sort is stable).
#[derive(Debug, Clone)]
struct Sorted<K, V> {
    keys: Box<[K]>,
    values: Box<[V]>,
}

impl<K, V> Default for Sorted<K, V> {
    fn default() -> Self {
        Sorted {
            keys: Box::default(),
            values: Box::default(),
        }
    }
}

impl<K: Ord + Copy, V> Sorted<K, V> {
    fn new(mut pairs: Vec<(K, V)>) -> Self {
        pairs.sort_by_key(|(k, _)| *k);
        let (keys, values): (Vec<K>, Vec<V>) = pairs.into_iter().unzip();
        Sorted {
            keys: keys.into_boxed_slice(),
            values: values.into_boxed_slice(),
        }
    }

    /// The values of the key that `cmp` finds equal (`cmp(k)` orders the
    /// stored key `k` against the one looked for).
    fn get_by(&self, cmp: impl Fn(&K) -> std::cmp::Ordering) -> &[V] {
        let lo = self.keys.partition_point(|k| cmp(k).is_lt());
        // A key has a value or a few: stepping over them beats a second search.
        let hi = lo
            + self.keys[lo..]
                .iter()
                .take_while(|k| cmp(k).is_eq())
                .count();
        &self.values[lo..hi]
    }
}

impl<V> Sorted<Key, V> {
    fn get(&self, key: &str) -> &[V] {
        self.get_by(|k| Key::order(k.0.as_str(), key))
    }
}

/// The values of `name` in a sorted list of names and its parallel list
/// of values.
fn by_name<'a>(names: &[Key], values: &'a [u32], name: &str) -> &'a [u32] {
    let lo = names.partition_point(|n| Key::order(n.0.as_str(), name).is_lt());
    let hi = lo
        + names[lo..]
            .iter()
            .take_while(|n| Key::order(n.0.as_str(), name).is_eq())
            .count();
    &values[lo..hi]
}

/// The assignments in functions, by (function qualname, name): the names
/// sorted by scope then name, each scope named once with where its names
/// start. A (scope, name) key in every entry took 40 bytes an assignment,
/// ~14 MB of the index on 10k files; a name and a value take 24.
#[derive(Debug, Default, Clone)]
struct LocalAssigns {
    /// Each scope and the index of its first name, in the names' order.
    scopes: Box<[(Key, u32)]>,
    names: Box<[Key]>,
    values: Box<[u32]>,
}

impl LocalAssigns {
    /// From ((scope, name), assignment) pairs in source order; the
    /// assignments of one (scope, name) keep that order.
    fn new(pairs: Vec<((Key, Key), u32)>) -> LocalAssigns {
        let sorted = Sorted::new(pairs);
        let mut scopes: Vec<(Key, u32)> = Vec::new();
        for (i, (scope, _)) in sorted.keys.iter().enumerate() {
            if scopes.last().is_none_or(|(last, _)| last != scope) {
                scopes.push((*scope, item(i)));
            }
        }
        LocalAssigns {
            scopes: scopes.into_boxed_slice(),
            names: sorted.keys.iter().map(|(_, n)| *n).collect(),
            values: sorted.values,
        }
    }

    /// The names of function `scope` and their assignments (both empty when
    /// it assigns nothing).
    fn scope(&self, scope: &str) -> (&[Key], &[u32]) {
        let i = self
            .scopes
            .partition_point(|(s, _)| Key::order(s.0.as_str(), scope).is_lt());
        match self.scopes.get(i) {
            Some(&(s, start)) if s.0.as_str() == scope => {
                let start = start as usize;
                let end = self
                    .scopes
                    .get(i + 1)
                    .map_or(self.names.len(), |e| e.1 as usize);
                (&self.names[start..end], &self.values[start..end])
            }
            _ => (&[], &[]),
        }
    }

    /// The assignments to `name` in function `scope`, in source order.
    fn get_pair(&self, scope: &str, name: &str) -> &[u32] {
        let (names, values) = self.scope(scope);
        by_name(names, values, name)
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

impl FileBindings {
    /// The last module-level assignment to `name`.
    pub fn last_module_assign(&self, name: &str) -> Option<usize> {
        self.module_assigns.get(name).last().map(|&a| a as usize)
    }

    /// The last assignment to `name` in function `scope`.
    pub fn last_local_assign(&self, scope: &str, name: &str) -> Option<usize> {
        self.local_assigns
            .get_pair(scope, name)
            .last()
            .map(|&a| a as usize)
    }

    /// The assignments to `name` in function `scope` (`None`: module
    /// level), in source order.
    pub fn assigns<'a>(&'a self, scope: Option<&'a str>, name: &'a str) -> &'a [u32] {
        match scope {
            Some(s) => self.local_assigns.get_pair(s, name),
            None => self.module_assigns.get(name),
        }
    }

    /// The assignments of one scope (`None`: module level), to look names
    /// up in without comparing the scope again: the data flow asks for
    /// every name a pass over a scope reads, and comparing long qualnames
    /// was most of each look-up.
    pub fn scope_assigns(&self, scope: Option<&str>) -> ScopeAssigns<'_> {
        match scope {
            Some(s) => {
                let (names, values) = self.local_assigns.scope(s);
                ScopeAssigns(Assigns::Local(names, values))
            }
            None => ScopeAssigns(Assigns::Module(&self.module_assigns)),
        }
    }

    /// Where an imported name comes from (every target, in order).
    pub fn import_targets(&self, name: &str) -> &[Ustr] {
        self.imports.get(name)
    }

    /// The function of this file that `module.qualname` denotes: what
    /// `SemanticIndex::symbol(&dotted(module, qualname))` gives when it is
    /// a function of this file, without building the dotted name.
    pub fn function(&self, qualname: &str) -> Option<usize> {
        self.functions.get(qualname).first().map(|&f| f as usize)
    }

    /// Whether `name` is defined at module level (a top-level function or
    /// class, or a module-level assignment).
    pub fn defines(&self, name: &str) -> bool {
        !self.top_defs.get(name).is_empty() || !self.module_assigns.get(name).is_empty()
    }
}

/// What the index keeps of one file, made from its facts alone.
pub(crate) struct FilePart {
    bindings: FileBindings,
    named: FileSymbols,
}

impl FilePart {
    /// File `fi`'s part, from its facts as the index sees them (the import
    /// plan applied).
    pub(crate) fn of(fi: usize, file: &FileFacts) -> FilePart {
        FilePart {
            bindings: file_bindings(file),
            named: FileSymbols::of(fi, file),
        }
    }
}

/// A [`Symbol`] in the symbol table: file and item index in 32 bits
/// each, the top bit of the item telling a class and the next one how the
/// entry's name is spelled ([`SymbolEntry`]); 8 bytes, not 24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed(u32, u32);

impl Packed {
    const CLASS: u32 = 1 << 31;
    /// The entry's text is its whole name, not the part after its file's
    /// module.
    const ALONE: u32 = 1 << 30;

    fn new(symbol: Symbol) -> Packed {
        let (fi, i, class) = match symbol {
            Symbol::Function(fi, i) => (fi, i, 0),
            Symbol::Class(fi, i) => (fi, i, Packed::CLASS),
        };
        let fi = u32::try_from(fi).expect("fewer than 2^32 files");
        let i = u32::try_from(i)
            .ok()
            .filter(|&i| i < Packed::ALONE)
            .expect("fewer than 2^30 functions or classes in a file");
        Packed(fi, i | class)
    }

    fn alone(self) -> Packed {
        Packed(self.0, self.1 | Packed::ALONE)
    }

    fn is_alone(self) -> bool {
        self.1 & Packed::ALONE != 0
    }

    fn file(self) -> usize {
        self.0 as usize
    }

    fn symbol(self) -> Symbol {
        let (fi, i) = (
            self.0 as usize,
            (self.1 & !(Packed::CLASS | Packed::ALONE)) as usize,
        );
        if self.1 & Packed::CLASS == 0 {
            Symbol::Function(fi, i)
        } else {
            Symbol::Class(fi, i)
        }
    }
}

/// One entry of the symbol table, its dotted name spelled from interned
/// text rather than copied (a boxed copy of every name took ~10 MiB of the
/// index on 10k files): `module.text` with its file's module, `text` alone
/// in the root package or when [`Packed::ALONE`] is set.
#[derive(Debug, Clone, Copy)]
struct SymbolEntry {
    text: Ustr,
    at: Packed,
}

impl SymbolEntry {
    /// The module that prefixes the name, if any (`modules`: each file's).
    fn module(self, modules: &[Ustr]) -> Option<&'static str> {
        let module = modules[self.at.file()].as_str();
        (!self.at.is_alone() && !module.is_empty()).then_some(module)
    }

    /// Whether the entry's dotted name is `path`, without spelling it.
    fn is(self, modules: &[Ustr], path: &str) -> bool {
        let text = self.text.as_str();
        match self.module(modules) {
            None => path == text,
            Some(module) => {
                path.len() == module.len() + 1 + text.len()
                    && path.as_bytes()[module.len()] == b'.'
                    && path.starts_with(module)
                    && path.ends_with(text)
            }
        }
    }

    /// The entry's dotted name, spelled into `buf`.
    fn spell(self, modules: &[Ustr], buf: &mut String) {
        buf.clear();
        if let Some(module) = self.module(modules) {
            buf.push_str(module);
            buf.push('.');
        }
        buf.push_str(&self.text);
    }
}

/// The symbol table's hash of a dotted name.
fn name_hash(path: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(path)
}

/// Each project function and class by dotted name: a hash table of
/// [`SymbolEntry`] (16 bytes each), looked up by the name's hash and
/// compared against the entry's spelling.
#[derive(Clone, Default)]
struct Symbols {
    table: hashbrown::HashTable<SymbolEntry>,
}

impl Symbols {
    fn with_capacity(n: usize) -> Symbols {
        Symbols {
            table: hashbrown::HashTable::with_capacity(n),
        }
    }

    /// Enter `entry`, whose name hashes to `hash`: in place of an entry of
    /// the same name when `replace` is set, else only when there is none
    /// (what `HashMap::insert` and `entry().or_insert` did with the names).
    /// `name` is a buffer to spell the entry's name in.
    fn enter(
        &mut self,
        modules: &[Ustr],
        (hash, entry): (u64, SymbolEntry),
        replace: bool,
        name: &mut String,
    ) {
        entry.spell(modules, name);
        match self.table.find_mut(hash, |e| e.is(modules, name)) {
            Some(old) if replace => *old = entry,
            Some(_) => {}
            None => {
                self.table.insert_unique(hash, entry, |e| {
                    let mut name = String::new();
                    e.spell(modules, &mut name);
                    name_hash(&name)
                });
            }
        }
    }

    fn get(&self, modules: &[Ustr], path: &str) -> Option<Packed> {
        self.table
            .find(name_hash(path), |e| e.is(modules, path))
            .map(|e| e.at)
    }

    fn len(&self) -> usize {
        self.table.len()
    }
}

/// `a.b` in a box of its exact length (the symbol table's keys: a
/// `format!` string holds up to twice its length).
fn joined(a: &str, b: &str) -> Box<str> {
    let mut s = String::with_capacity(a.len() + 1 + b.len());
    s.push_str(a);
    s.push('.');
    s.push_str(b);
    s.into_boxed_str()
}

/// One file's symbols, each with its dotted name's hash, in the order the
/// index enters them.
struct FileSymbols {
    /// `module.qualname` of each function.
    defined: Vec<(u64, SymbolEntry)>,
    /// Methods of types defined in another module (a Rust `impl` away from
    /// its struct) are also their type's: `owner.name` (the first wins).
    owned: Vec<(u64, SymbolEntry)>,
    /// `module.qualname` of each class.
    classes: Vec<(u64, SymbolEntry)>,
    /// (class qualname, function index) of each method, in file order.
    methods: Vec<(Ustr, usize)>,
    /// Each function's qualname (interned).
    qualnames: Vec<Ustr>,
}

impl FileSymbols {
    fn of(fi: usize, file: &FileFacts) -> FileSymbols {
        let functions = file.functions.iter().enumerate();
        // Hashed here, on the thread pool: the merge only compares.
        let under_module = |text: Ustr, symbol: Symbol| {
            let entry = SymbolEntry {
                text,
                at: Packed::new(symbol),
            };
            (name_hash(&dotted(&file.module, &text)), entry)
        };
        FileSymbols {
            defined: functions
                .clone()
                .map(|(i, f)| under_module(f.qualname, Symbol::Function(fi, i)))
                .collect(),
            owned: functions
                .filter_map(|(i, f)| {
                    let name = joined(f.owner?.as_str(), &f.name);
                    let entry = SymbolEntry {
                        text: Ustr::from(&name),
                        at: Packed::new(Symbol::Function(fi, i)).alone(),
                    };
                    Some((name_hash(&name), entry))
                })
                .collect(),
            classes: file
                .classes
                .iter()
                .enumerate()
                .map(|(i, c)| under_module(c.qualname, Symbol::Class(fi, i)))
                .collect(),
            methods: file
                .functions
                .iter()
                .enumerate()
                .filter_map(|(i, f)| Some((f.class?, i)))
                .collect(),
            qualnames: file.functions.iter().map(|f| f.qualname).collect(),
        }
    }
}

/// The dotted suffixes of module names that are no module themselves, each
/// spelled from the module name it was first found in: an entry is that
/// file and where the suffix starts in its module name, the top bit set
/// when several modules end so (8 bytes, not a boxed copy and 32).
#[derive(Clone, Default)]
struct Suffixes {
    table: hashbrown::HashTable<(u32, u32)>,
}

impl Suffixes {
    const SEVERAL: u32 = 1 << 31;

    fn new(file_modules: &[Ustr], modules: &FastMap<String, usize>) -> Suffixes {
        let mut table = hashbrown::HashTable::new();
        let rehash = |&e: &(u32, u32)| name_hash(Suffixes::text(file_modules, e));
        for (fi, module) in file_modules.iter().enumerate() {
            let module = module.as_str();
            for (dot, _) in module.match_indices('.') {
                let suffix = &module[dot + 1..];
                if !suffix.contains('.') || modules.contains_key(suffix) {
                    continue;
                }
                let hash = name_hash(suffix);
                match table.find_mut(hash, |&e| Suffixes::text(file_modules, e) == suffix) {
                    Some(e) => e.1 |= Suffixes::SEVERAL,
                    None => {
                        let start = u32::try_from(dot + 1)
                            .ok()
                            .filter(|&s| s < Suffixes::SEVERAL)
                            .expect("module names shorter than 2^31 bytes");
                        table.insert_unique(hash, (item(fi), start), rehash);
                    }
                }
            }
        }
        table.shrink_to_fit(rehash);
        Suffixes { table }
    }

    /// An entry's suffix.
    fn text(file_modules: &[Ustr], (fi, start): (u32, u32)) -> &'static str {
        &file_modules[fi as usize].as_str()[(start & !Suffixes::SEVERAL) as usize..]
    }

    /// The one module ending in `suffix` (`None`: several do), if any does.
    fn get(&self, file_modules: &[Ustr], suffix: &str) -> Option<Option<usize>> {
        let &(fi, start) = self.table.find(name_hash(suffix), |&e| {
            Suffixes::text(file_modules, e) == suffix
        })?;
        Some((start & Suffixes::SEVERAL == 0).then_some(fi as usize))
    }

    fn len(&self) -> usize {
        self.table.len()
    }
}

pub struct SemanticIndex {
    /// Each file's module name, interned: the symbol table's names are
    /// spelled with it.
    file_modules: Box<[Ustr]>,
    /// `module.qualname` (`qualname` alone in the root package) → symbol.
    symbols: Symbols,
    /// (file, class qualname) → indices of its methods.
    methods: FastMap<(usize, Ustr), Vec<usize>>,
    files: Vec<FileBindings>,
    /// Dotted suffixes of module names (two segments or more) that are no
    /// module themselves → the one module ending so, `None` when several
    /// do: `storyteller.api` for `demo/storyteller/api.py`, whose package
    /// is imported from inside `demo/`.
    suffixes: Suffixes,
    /// First segments of module names and suffixes: a name whose first
    /// segment is not here goes through no project module, and most
    /// resolved names (`torch.cat`) are turned away with one lookup.
    module_heads: FastSet<Box<str>>,
    /// The same, plus the top-level definitions of the root package (whose
    /// symbols are spelled without a module).
    symbol_heads: FastSet<Box<str>>,
}

impl SemanticIndex {
    /// From every file's part ([`FilePart::of`], made on the thread pool
    /// while the build reads each file once), merged in file order; the
    /// merge reads only the files' module names.
    pub(crate) fn new(
        parts: Vec<FilePart>,
        files: &Facts,
        modules: &FastMap<String, usize>,
    ) -> SemanticIndex {
        // Each file's dotted names were spelled on the thread pool; they
        // are entered in file order (a later definition of a name replaces
        // an earlier one, as before).
        let (bindings, named): (Vec<FileBindings>, Vec<FileSymbols>) =
            parts.into_iter().map(|p| (p.bindings, p.named)).unzip();
        // Sized once: its growing (rehashing) showed in profiles.
        let entries = named
            .iter()
            .map(|n| n.defined.len() + n.owned.len() + n.classes.len())
            .sum();
        let file_modules: Box<[Ustr]> = (0..files.len())
            .map(|fi| Ustr::from(files.module(fi)))
            .collect();
        let mut symbols = Symbols::with_capacity(entries);
        let mut name = String::new();
        let mut methods: FastMap<(usize, Ustr), Vec<usize>> = FastMap::default();
        let mut qualnames: Vec<Vec<Ustr>> = Vec::with_capacity(named.len());
        for (fi, named) in named.into_iter().enumerate() {
            for (class, i) in named.methods {
                methods.entry((fi, class)).or_default().push(i);
            }
            for entry in named.defined {
                symbols.enter(&file_modules, entry, true, &mut name);
            }
            for entry in named.owned {
                symbols.enter(&file_modules, entry, false, &mut name);
            }
            for entry in named.classes {
                symbols.enter(&file_modules, entry, true, &mut name);
            }
            qualnames.push(named.qualnames);
        }
        let mut bindings = bindings;
        let mut functions: Vec<Vec<(Key, u32)>> = vec![Vec::new(); files.len()];
        for entry in symbols.table.iter() {
            let Symbol::Function(fi, i) = entry.at.symbol() else {
                continue;
            };
            entry.spell(&file_modules, &mut name);
            let key = name.as_str();
            let module = files.module(fi);
            let qualname = if module.is_empty() {
                Some(key)
            } else {
                key.strip_prefix(module).and_then(|q| q.strip_prefix('.'))
            };
            if let Some(q) = qualname {
                // Mostly the function's own qualname, already interned.
                let own = qualnames[fi][i];
                let q = if own.as_str() == q {
                    own
                } else {
                    Ustr::from(q)
                };
                functions[fi].push((Key(q), item(i)));
            }
        }
        bindings
            .par_iter_mut()
            .zip(functions)
            .for_each(|(b, f)| b.functions = Sorted::new(f));
        let suffixes = Suffixes::new(&file_modules, modules);
        // Collected from one entry a module, the sets would keep room for
        // as many heads as modules (~1.5 MB on 10k files) for a few dozen.
        let mut module_heads: FastSet<Box<str>> = modules
            .keys()
            .map(String::as_str)
            .chain(
                suffixes
                    .table
                    .iter()
                    .map(|&e| Suffixes::text(&file_modules, e)),
            )
            .map(|m| super::head(m).into())
            .collect();
        module_heads.shrink_to_fit();
        let mut symbol_heads = module_heads.clone();
        for (fi, b) in bindings.iter().enumerate() {
            if files.module(fi).is_empty() {
                symbol_heads.extend(b.top_defs.keys.iter().map(|d| d.0.as_str().into()));
            }
        }
        symbol_heads.shrink_to_fit();
        SemanticIndex {
            file_modules,
            symbols,
            methods,
            files: bindings,
            suffixes,
            module_heads,
            symbol_heads,
        }
    }

    /// The heap each part of the index takes (items, bytes), for
    /// `synthlint debug memory`: each part is copied and the copy weighed.
    pub fn heap_parts(&self) -> Vec<crate::memory::FieldBytes> {
        use crate::memory::{FieldBytes, heap_of};
        use std::any::Any;
        let part = |field: &'static str, items: usize, bytes: u64| FieldBytes {
            field,
            items,
            bytes,
        };
        // Every file's table copied at once: copies freed one by one would
        // be weighed in the allocator's caches, not its figures.
        let bindings = |field: &'static str, table: fn(&FileBindings) -> (usize, Box<dyn Any>)| {
            let (mut items, mut boxes) = (0, 0);
            let bytes = heap_of(|| {
                self.files
                    .iter()
                    .map(|b| {
                        let (n, copy) = table(b);
                        items += n;
                        boxes += std::mem::size_of_val(&*copy) as u64;
                        copy
                    })
                    .collect()
            });
            // The boxes the copies travel in are no part of the index.
            part(field, items, bytes.saturating_sub(boxes))
        };
        fn weigh<K: Clone + 'static, V: Clone + 'static>(
            t: &Sorted<K, V>,
        ) -> (usize, Box<dyn Any>) {
            (t.keys.len(), Box::new(t.clone()))
        }
        vec![
            FieldBytes::copied(
                "index: files' module names (interned)",
                self.file_modules.len(),
                &self.file_modules,
            ),
            FieldBytes::copied(
                "index: symbols (dotted name -> symbol)",
                self.symbols.len(),
                &self.symbols,
            ),
            FieldBytes::copied(
                "index: methods ((file, class) -> methods)",
                self.methods.len(),
                &self.methods,
            ),
            part(
                "index: files' bindings (the list)",
                self.files.len(),
                (self.files.capacity() * std::mem::size_of::<FileBindings>()) as u64,
            ),
            bindings("  imports", |b| weigh(&b.imports)),
            bindings("  module assignments", |b| weigh(&b.module_assigns)),
            bindings("  local assignments", |b| {
                (b.local_assigns.len(), Box::new(b.local_assigns.clone()))
            }),
            bindings("  top-level definitions", |b| weigh(&b.top_defs)),
            bindings("  functions", |b| weigh(&b.functions)),
            FieldBytes::copied(
                "index: module suffixes",
                self.suffixes.len(),
                &self.suffixes,
            ),
            FieldBytes::copied(
                "index: module heads",
                self.module_heads.len(),
                &self.module_heads,
            ),
            FieldBytes::copied(
                "index: symbol heads",
                self.symbol_heads.len(),
                &self.symbol_heads,
            ),
        ]
    }

    /// The function or class a dotted name spells exactly.
    pub fn symbol(&self, path: &str) -> Option<Symbol> {
        self.symbols
            .get(&self.file_modules, path)
            .map(|p| p.symbol())
    }

    /// Every project class by the dotted name `symbol` answers for it:
    /// (name, file, index into its `classes`), in no particular order.
    pub fn class_symbols(&self) -> Vec<(String, usize, usize)> {
        let mut name = String::new();
        self.symbols
            .table
            .iter()
            .filter_map(|entry| {
                let Symbol::Class(fi, ci) = entry.at.symbol() else {
                    return None;
                };
                entry.spell(&self.file_modules, &mut name);
                Some((name.clone(), fi, ci))
            })
            .collect()
    }

    /// The methods defined in class `class` (a qualname) of file `fi`.
    pub fn methods_of(&self, fi: usize, class: Ustr) -> &[usize] {
        self.methods
            .get(&(fi, class))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// What file `fi` binds.
    pub fn bindings(&self, fi: usize) -> &FileBindings {
        &self.files[fi]
    }

    /// The one module a trailing part of a module name stands for.
    pub fn suffix(&self, prefix: &str) -> Option<Option<usize>> {
        self.suffixes.get(&self.file_modules, prefix)
    }

    /// Whether a name's first segment starts a module name or suffix.
    pub fn is_module_head(&self, head: &str) -> bool {
        self.module_heads.contains(head)
    }

    /// Whether a name's first segment can start a project symbol.
    pub fn is_symbol_head(&self, head: &str) -> bool {
        self.symbol_heads.contains(head)
    }

    /// What a module-level name of file `fi` is bound to, as a type: the
    /// type of its last assignment that has one, else its last import.
    pub fn module_binding_type<'f>(
        &self,
        file: &'f FileFacts,
        fi: usize,
        name: &str,
    ) -> Option<&'f str> {
        let typed = self.files[fi]
            .module_assigns
            .get(name)
            .iter()
            .rev()
            .find_map(|&a| file.assignments[a as usize].value_call.as_ref());
        match typed {
            Some(t) => Some(t.as_str()),
            None => file
                .imports
                .iter()
                .rev()
                .find(|i| i.local == name)
                .map(|i| i.target.as_str()),
        }
    }

    /// The assignment that binds `name` at byte `pos` of file `fi`, seen from
    /// function `scope` (`None` at module level): the last one before `pos`
    /// in that scope, else the last module-level one, else (for `self.x`)
    /// the last one anywhere in the file.
    pub fn binding_at<'f>(
        &self,
        file: &'f FileFacts,
        fi: usize,
        scope: Option<Ustr>,
        name: &str,
        pos: u32,
    ) -> Option<&'f Assignment> {
        let b = &self.files[fi];
        let in_scope = match scope {
            Some(s) => b.local_assigns.get_pair(s.as_str(), name),
            None => b.module_assigns.get(name),
        };
        let before = in_scope
            .iter()
            .rev()
            .map(|&a| &file.assignments[a as usize])
            .find(|a| a.span.end_byte <= pos);
        before
            .or_else(|| {
                b.module_assigns
                    .get(name)
                    .last()
                    .map(|&a| &file.assignments[a as usize])
            })
            .or_else(|| {
                name.starts_with("self.")
                    .then(|| file.assignments.iter().rev().find(|a| a.target == name))
                    .flatten()
            })
    }
}

/// An item's index in its file, in the bindings' 32 bits.
fn item(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 items in a file")
}

/// `module.name`, or `name` alone for the root package.
pub fn dotted(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_string()
    } else {
        joined(module, name).into_string()
    }
}

fn file_bindings(file: &FileFacts) -> FileBindings {
    let mut imports: Vec<(Key, Ustr)> = Vec::with_capacity(file.imports.len());
    for i in &file.imports {
        let pair = (Key(i.local), i.target);
        if !imports.contains(&pair) {
            imports.push(pair);
        }
    }
    let mut module_assigns = Vec::new();
    let mut local_assigns = Vec::new();
    for (i, a) in file.assignments.iter().enumerate() {
        match a.scope {
            None => module_assigns.push((Key(a.target), item(i))),
            Some(s) => local_assigns.push(((Key(s), Key(a.target)), item(i))),
        }
    }
    let mut top_defs: Vec<(Key, ())> = Vec::new();
    for f in file.functions.iter().filter(|f| !f.qualname.contains('.')) {
        top_defs.push((Key(f.name), ()));
    }
    for c in file.classes.iter().filter(|c| !c.qualname.contains('.')) {
        top_defs.push((Key(c.name), ()));
    }
    top_defs.sort_unstable();
    top_defs.dedup();
    FileBindings {
        imports: Sorted::new(imports),
        module_assigns: Sorted::new(module_assigns),
        local_assigns: LocalAssigns::new(local_assigns),
        top_defs: Sorted::new(top_defs),
        functions: Sorted::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key(Ustr::from(s))
    }

    /// A packed symbol gives back the symbol it was made from, functions
    /// and classes apart, at the largest indices it takes.
    #[test]
    fn packed_symbols_unpack_to_themselves() {
        let big = (1usize << 30) - 1;
        for s in [
            Symbol::Function(0, 0),
            Symbol::Class(0, 0),
            Symbol::Function(7, 3),
            Symbol::Class(7, 3),
            Symbol::Function(u32::MAX as usize, big),
            Symbol::Class(u32::MAX as usize, big),
        ] {
            assert_eq!(Packed::new(s).symbol(), s);
        }
        assert_ne!(
            Packed::new(Symbol::Function(1, 2)),
            Packed::new(Symbol::Class(1, 2))
        );
        for s in [Symbol::Function(9, big), Symbol::Class(9, big)] {
            let alone = Packed::new(s).alone();
            assert!(alone.is_alone() && !Packed::new(s).is_alone());
            assert_eq!(alone.symbol(), s);
        }
    }

    /// The symbol table finds what a map from the spelled names found,
    /// entered in the same order: a later entry of a name replaces an
    /// earlier one unless entered as "first wins", names of the root
    /// package and whole names spelled alone, and names that split into
    /// module and qualname at another dot.
    #[test]
    fn symbol_table_finds_what_a_map_of_names_finds() {
        let modules: Vec<Ustr> = ["app.llm", "", "app", "app.llm.x", "app.llm"]
            .iter()
            .map(|m| Ustr::from(m))
            .collect();
        // (file, text, spelled alone, replace)
        let entered = [
            (0, "Client.chat", false, true),
            (0, "run", false, true),
            (1, "run", false, true),
            (2, "llm.Client.chat", false, true),
            (3, "f", false, true),
            (2, "llm.x.f", false, false),
            (4, "run", false, true),
            (1, "Owner.m", true, false),
            (2, "Owner.m", true, false),
            (3, "app.llm.Client", true, true),
        ];
        let mut table = Symbols::with_capacity(2);
        let mut map: std::collections::HashMap<String, Packed> = Default::default();
        let mut buf = String::new();
        for (i, &(fi, text, alone, replace)) in entered.iter().enumerate() {
            let at = Packed::new(Symbol::Function(fi, i));
            let entry = SymbolEntry {
                text: Ustr::from(text),
                at: if alone { at.alone() } else { at },
            };
            entry.spell(&modules, &mut buf);
            let hash = name_hash(&buf);
            table.enter(&modules, (hash, entry), replace, &mut buf);
            entry.spell(&modules, &mut buf);
            if replace {
                map.insert(buf.clone(), entry.at);
            } else {
                map.entry(buf.clone()).or_insert(entry.at);
            }
        }
        assert_eq!(table.len(), map.len());
        for (name, at) in &map {
            assert_eq!(table.get(&modules, name), Some(*at), "{name}");
        }
        assert_eq!(
            table.get(&modules, "app.llm.run").map(|p| p.symbol()),
            Some(Symbol::Function(4, 6))
        );
        assert_eq!(
            table
                .get(&modules, "app.llm.Client.chat")
                .map(|p| p.symbol()),
            Some(Symbol::Function(2, 3))
        );
        for absent in [
            "app.llm",
            "app.llmrun",
            "app.llm.",
            "llm.run",
            "Owner",
            "app.llm.x.g",
            "",
        ] {
            assert_eq!(table.get(&modules, absent), None, "{absent}");
        }
    }

    /// A suffix of one module gives that module, one of several gives
    /// `None`, and module names and single segments are no suffixes.
    #[test]
    fn suffixes_name_the_one_module_ending_so() {
        let names = ["a.b.c", "x.b.c", "q.r.s", "r.s.t", "b.c"];
        let file_modules: Vec<Ustr> = names.iter().map(|m| Ustr::from(m)).collect();
        let modules: FastMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, m)| (m.to_string(), i))
            .collect();
        let suffixes = Suffixes::new(&file_modules, &modules);
        assert_eq!(suffixes.get(&file_modules, "r.s"), Some(Some(2)));
        assert_eq!(suffixes.get(&file_modules, "s.t"), Some(Some(3)));
        assert_eq!(suffixes.get(&file_modules, "b.c"), None);
        assert_eq!(suffixes.get(&file_modules, "c"), None);
        assert_eq!(suffixes.get(&file_modules, "q.r"), None);
        let several = Suffixes::new(&file_modules[..2], &FastMap::default());
        assert_eq!(several.get(&file_modules, "b.c"), Some(None));
        assert_eq!(several.len(), 1);
    }

    /// Dotted names are spelled as before and boxed to their length.
    #[test]
    fn dotted_names_are_exact() {
        assert_eq!(dotted("", "run"), "run");
        assert_eq!(dotted("app.llm", "Client.chat"), "app.llm.Client.chat");
        let d = dotted("a.b", "c");
        assert_eq!(d.capacity(), d.len());
        assert_eq!(&*joined("Owner", "m"), "Owner.m");
    }

    /// Keys ordered by length first find the same values as by text, and
    /// the values of one key keep the order they were added in.
    #[test]
    fn sorted_tables_find_every_key_in_order() {
        let names = ["np", "os", "torch", "a", "pipeline", "os", "np", "zz", "ab"];
        let pairs: Vec<(Key, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (Key(Ustr::from(n)), item(i)))
            .collect();
        let table = Sorted::new(pairs);
        assert_eq!(table.get("np"), &[0, 6]);
        assert_eq!(table.get("os"), &[1, 5]);
        assert_eq!(table.get("pipeline"), &[4]);
        assert_eq!(table.get("a"), &[3]);
        assert!(table.get("b").is_empty());
        assert!(table.get("").is_empty());
        assert!(table.get("torchvision").is_empty());
        let pairs = vec![
            ((key("f"), key("x")), 0),
            ((key("g.h"), key("x")), 1),
            ((key("f"), key("y")), 2),
            ((key("f"), key("x")), 3),
        ];
        let table = LocalAssigns::new(pairs);
        assert_eq!(table.get_pair("f", "x"), &[0, 3]);
        assert_eq!(table.get_pair("g.h", "x"), &[1]);
        assert!(table.get_pair("g", "x").is_empty());
    }

    /// One scope's view finds what the (scope, name) table finds, for
    /// every scope and name: scopes and names of the same length side by
    /// side, names bound twice, scopes and names bound nowhere.
    #[test]
    fn scope_views_find_what_the_pair_table_finds() {
        let scopes = ["f", "g", "ab", "f.h", "g.h", "Cls.run", "Cls.get"];
        let names = ["x", "y", "xs", "self.a", "z"];

        let mut pairs = Vec::new();
        for (k, s) in scopes.iter().enumerate() {
            for (j, n) in names.iter().enumerate() {
                if (k + j) % 3 == 0 {
                    continue;
                }
                pairs.push(((key(s), key(n)), item(pairs.len())));
                if j == 0 {
                    pairs.push(((key(s), key(n)), item(pairs.len())));
                }
            }
        }
        let naive = pairs.clone();
        let bindings = FileBindings {
            local_assigns: LocalAssigns::new(pairs),
            module_assigns: Sorted::new(vec![(key("x"), 100), (key("m"), 101), (key("x"), 102)]),
            ..FileBindings::default()
        };
        let mut found = 0;
        for s in scopes.iter().chain(&["h", "Cls.ru", "Cls.zzz", ""]) {
            let view = bindings.scope_assigns(Some(s));
            for n in names.iter().chain(&["w", "", "self"]) {
                assert_eq!(view.get(n), bindings.assigns(Some(s), n), "{s} {n}");
                let expected: Vec<u32> = naive
                    .iter()
                    .filter(|((k, m), _)| k.0.as_str() == *s && m.0.as_str() == *n)
                    .map(|(_, v)| *v)
                    .collect();
                assert_eq!(view.get(n), expected, "{s} {n}");
                found += view.get(n).len();
            }
        }
        assert!(found > 20);
        let module = bindings.scope_assigns(None);
        assert_eq!(module.get("x"), &[100, 102]);
        for n in ["x", "m", "y", ""] {
            assert_eq!(module.get(n), bindings.assigns(None, n), "{n}");
        }
    }
}

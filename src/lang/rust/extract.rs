//! One visit of a syn tree: imports (`use` trees), functions and methods
//! (with the type an `impl` block gives them), structs with their fields,
//! calls, method calls and macro calls with receiver chains, `let`
//! bindings, conditions, returns and string literals. Names are resolved
//! here, in this order: `let` bindings and typed parameters of the
//! enclosing function (`self` is the `impl` type), `Self`, `crate`/`self`/
//! `super`, `use` imports, the file's own items and modules, and paths of
//! two segments or more as written (an external crate). A field of a
//! struct of this file takes the field's type (`self.client` with
//! `client: Arc<Client>` is a `Client`).
//!
//! The visit recurses with the tree; the lexer pass bounded its depth
//! before syn parsed the file.

use std::cmp::Reverse;
use std::sync::Arc;

use proc_macro2::Span as PmSpan;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, FnArg, Item, Member, Meta, Pat, ReturnType, Signature, Type, UseTree};

use super::macros;
use super::values::{self, Chain, PASSTHROUGH, Seg, SynList};
use crate::facts::{
    Arg, Assignment, Call, ChannelUse, Class, Condition, Decorator, Field, FileFacts, Function,
    Import, QName, Receiver, Return, Returns, StringLit, Value,
};
use crate::source::{LineIndex, Span};

/// The file's name tables are looked up for every path segment the visit
/// resolves: foldhash, not SipHash (nothing iterates them).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

/// Attributes that say nothing about how code is reached.
const QUIET_ATTRIBUTES: &[&str] = &[
    "doc",
    "derive",
    "cfg",
    "cfg_attr",
    "allow",
    "warn",
    "deny",
    "expect",
    "forbid",
    "inline",
    "must_use",
    "serde",
    "non_exhaustive",
    "repr",
    "deprecated",
    "automatically_derived",
    "rustfmt",
    "clippy",
    "test",
];

/// What the file's items say before the visit: names that resolve
/// anywhere in the file.
#[derive(Default)]
struct Items {
    /// Local name → dotted target, from `use` trees (first binding wins).
    imports: HashMap<String, String>,
    /// Item name (functions, types, constants) → its dotted name.
    defs: HashMap<String, String>,
    /// Types defined in this file, by dotted name → qualname in the file.
    types: HashMap<String, String>,
    /// Struct dotted name → (field, resolved type as an instance).
    fields: HashMap<String, Vec<(String, Option<String>)>>,
    /// Struct dotted name → (field, first type argument) for fields that
    /// are a channel end (`tx: Sender<Job>`: the message type) or a
    /// collection (`clients: Vec<Client>`: the element type), see
    /// [`Visitor::message_type`].
    type_args: HashMap<String, Vec<(String, String)>>,
    /// Type dotted name → traits it implements here (resolved).
    traits: HashMap<String, Vec<String>>,
    /// `Enum.Variant` (dotted) → the type of a variant's one unnamed
    /// field, as an instance (`ProviderConfig::OpenAi(OpenAiProvider)`).
    variants: HashMap<String, String>,
    /// Method or function (dotted, `app.Engine.sender`) → the first type
    /// argument of what it returns (`-> Result<Sender<Job>, E>` → the message type).
    returned_args: HashMap<String, String>,
    /// Crates whose macros are in scope (`#[macro_use] extern crate rocket;`).
    macro_crates: Vec<String>,
    /// Top-level functions, constants and statics: values, which a path
    /// (`rocket::build`) never starts with.
    values: HashSet<String>,
    /// Type aliases (`type Shared = Arc<MistralRs>;`), keyed like `defs`
    /// → the type they stand for once wrappers are off (`mistralrs_core.MistralRs`).
    aliases: HashMap<String, String>,
    /// The same by the alias's dotted name (`gw.types.inner.Local`), for
    /// paths that reach one through an inline module.
    alias_paths: HashMap<String, String>,
    /// Aliases that stand for their own type parameter
    /// (`type Shared<T> = Arc<Mutex<T>>;`): a use names its argument.
    generic_aliases: HashSet<String>,
    /// Aliases, keyed like `aliases`, → the type they name as declared,
    /// wrappers kept (`type Extracted = State<Shared>;` → `axum.extract.State`).
    declared_aliases: HashMap<String, String>,
}

/// Rounds of alias resolution: an alias of an alias settles in one more.
const MAX_ALIAS_ROUNDS: usize = 8;

struct Frame {
    /// `None` for `fn main`, whose code is the binary's main block.
    qualname: Option<String>,
    /// `qualname` interned once, for the scope of every fact inside.
    scope: Option<ustr::Ustr>,
    /// Bindings in source order: name → type (resolved, an instance).
    locals: Vec<(String, Option<String>)>,
    /// Bindings that are a channel end or a collection: name → first type
    /// argument (message or element type).
    type_args: Vec<(String, String)>,
    returns: Option<Returns>,
}

#[derive(Clone)]
struct ImplCtx {
    /// The type's qualname in this file (`Server`, `api.Server`).
    qualname: String,
    /// The type, resolved (`gateway.state.Server`).
    resolved: Option<String>,
    /// Whether the type is defined in this file.
    local: bool,
    /// The trait of an `impl Trait for Type` block, resolved.
    trait_: Option<String>,
}

struct Pending {
    call: Call,
    /// The message type, when the call sends on or takes from a channel.
    channel: Option<String>,
    /// A struct literal ([`FileFacts::literals`]).
    literal: bool,
    key: (usize, usize),
    receiver_key: Option<(usize, usize)>,
}

struct Visitor<'a> {
    src: &'a str,
    index: &'a LineIndex<'a>,
    crate_name: String,
    /// The module the file's own paths start from (`crate` for a root file).
    base_module: String,
    /// The file's module (`gateway.main` for `src/main.rs`).
    file_module: String,
    items: Items,
    /// The file is a Cargo build script (`build.rs`).
    build_script: bool,
    /// Inline modules around the current item.
    mod_path: Vec<String>,
    impls: Vec<Option<ImplCtx>>,
    frames: Vec<Frame>,
    calls: Vec<Pending>,
    /// Closures given to an iterator adapter, by address, with the type of
    /// the elements they are called with.
    closure_items: Vec<(usize, String)>,
    facts: &'a mut FileFacts,
}

pub fn extract(
    file: &syn::File,
    src: &str,
    index: &LineIndex<'_>,
    crate_name: &str,
    facts: &mut FileFacts,
) {
    let file_module = facts.module.clone();
    // A crate root (`lib.rs`, `main.rs`, `src/bin/x.rs`): its paths start
    // at the crate, not at the file's module.
    let is_root = {
        let p = facts.path.as_str();
        let name = p.rsplit('/').next().unwrap_or(p);
        matches!(name, "main.rs" | "lib.rs") || p.starts_with("src/bin/") || p.contains("/src/bin/")
    };
    let base_module = if is_root {
        crate_name.to_string()
    } else {
        file_module.clone()
    };
    let mut v = Visitor {
        src,
        index,
        crate_name: crate_name.to_string(),
        base_module,
        file_module,
        items: Items::default(),
        build_script: facts.path == "build.rs" || facts.path.ends_with("/build.rs"),
        mod_path: Vec::new(),
        impls: Vec::new(),
        frames: Vec::new(),
        calls: Vec::new(),
        closure_items: Vec::new(),
        facts,
    };
    // `src` has the lines of the text `index` was made from (test bodies
    // are blanked in place).
    values::use_lines(src, index.line_starts());
    v.collect(&file.items);
    v.visit_file(file);
    v.finish();
}

impl<'a> Visitor<'a> {
    fn span(&self, first: PmSpan, last: PmSpan) -> Span {
        let a = self.start_byte(first).min(self.src.len());
        let b = self.end_byte(last).clamp(a, self.src.len());
        self.index.span(a, b)
    }

    fn start_byte(&self, s: PmSpan) -> usize {
        values::start_byte(s, self.src)
    }

    fn end_byte(&self, s: PmSpan) -> usize {
        values::end_byte(s, self.src)
    }

    fn expr_span(&self, e: &Expr) -> Span {
        self.span(values::expr_first(e), values::expr_last(e))
    }

    /// The function the visit is in, as the facts' scope.
    fn scope(&self) -> Option<ustr::Ustr> {
        self.frames.last().and_then(|f| f.scope)
    }

    /// The dotted module the current inline module stands for.
    fn current_module(&self) -> String {
        let mut m = self.base_module.clone();
        for s in &self.mod_path {
            m.push('.');
            m.push_str(s);
        }
        m
    }

    /// Dotted name of an item defined here (`module.name`, or
    /// `module.inline.name`); root-file items live in the file's module.
    fn item_path(&self, mod_path: &[String], name: &str) -> String {
        let mut m = self.file_module.clone();
        for s in mod_path {
            m.push('.');
            m.push_str(s);
        }
        m.push('.');
        m.push_str(name);
        m
    }

    fn qualname(&self, name: &str) -> String {
        let mut parts: Vec<&str> = self.mod_path.iter().map(String::as_str).collect();
        parts.push(name);
        parts.join(".")
    }

    // --- pass 1: items -----------------------------------------------------

    fn collect(&mut self, items: &[Item]) {
        // Inline modules are walked with an explicit stack.
        let mut stack: Vec<(Vec<String>, &[Item])> = vec![(Vec::new(), items)];
        let mut impls: Vec<(Vec<String>, &syn::ItemImpl)> = Vec::new();
        let mut structs: Vec<(String, &syn::ItemStruct)> = Vec::new();
        let mut enums: Vec<(String, &syn::ItemEnum)> = Vec::new();
        let mut aliases: Vec<(Vec<String>, String, &syn::ItemType)> = Vec::new();
        // `use` paths are made absolute once every module of the file is
        // known: `use engine::Engine;` may come before `mod engine;`.
        let mut uses: Vec<(Vec<String>, String, Vec<String>)> = Vec::new();
        while let Some((path, items)) = stack.pop() {
            for item in items {
                match item {
                    Item::Use(u) => {
                        let mut out = Vec::new();
                        use_tree(&u.tree, Vec::new(), &mut out, 0);
                        uses.extend(out.into_iter().map(|(l, t)| (path.clone(), l, t)));
                    }
                    Item::Fn(f) => self.value_def(&path, &f.sig.ident.to_string()),
                    Item::Const(c) => self.value_def(&path, &c.ident.to_string()),
                    Item::Static(s) => self.value_def(&path, &s.ident.to_string()),
                    Item::Struct(s) => {
                        let name = s.ident.to_string();
                        self.def(&path, &name, true);
                        structs.push((self.item_path(&path, &name), s));
                    }
                    Item::Enum(e) => {
                        let name = e.ident.to_string();
                        self.def(&path, &name, true);
                        enums.push((self.item_path(&path, &name), e));
                    }
                    Item::Trait(t) => self.def(&path, &t.ident.to_string(), true),
                    Item::Union(u) => self.def(&path, &u.ident.to_string(), true),
                    Item::Type(t) => {
                        let name = t.ident.to_string();
                        self.def(&path, &name, false);
                        aliases.push((path.clone(), name, t));
                    }
                    Item::Mod(m) => {
                        let name = m.ident.to_string();
                        if path.is_empty() {
                            let target = format!("{}.{name}", self.base_module);
                            self.items.defs.entry(name.clone()).or_insert(target);
                        }
                        match &m.content {
                            // Test-only code is not the product.
                            Some(_) if super::layout::cfg_test(&m.attrs) => {}
                            Some((_, inner)) => {
                                let mut p = path.clone();
                                p.push(name);
                                stack.push((p, inner));
                            }
                            None => {
                                let span = self.span(m.mod_token.span, m.ident.span());
                                let sub = super::layout::submodule(m, &path, span);
                                self.facts.submodules.push(sub);
                            }
                        }
                    }
                    Item::ExternCrate(c) => {
                        let name = c.ident.to_string();
                        if let Some((_, alias)) = &c.rename {
                            self.items.imports.insert(alias.to_string(), name.clone());
                        }
                        if c.attrs.iter().any(|a| a.path().is_ident("macro_use")) {
                            self.items.macro_crates.push(name);
                        }
                    }
                    Item::Impl(i) => impls.push((path.clone(), i)),
                    _ => {}
                }
            }
        }
        for (path, local, target) in uses {
            let target = self.absolute(&target, &path);
            self.items.imports.entry(local).or_insert(target);
        }
        self.resolve_aliases(aliases);
        for (dotted, s) in structs {
            let fields = match &s.fields {
                syn::Fields::Named(named) => named
                    .named
                    .items()
                    .filter_map(|f| {
                        let name = f.ident.as_ref()?.to_string();
                        Some((name, self.resolve_type(&f.ty)))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let messages: Vec<(String, String)> = match &s.fields {
                syn::Fields::Named(named) => named
                    .named
                    .items()
                    .filter_map(|f| {
                        Some((f.ident.as_ref()?.to_string(), self.message_type(&f.ty)?))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if !messages.is_empty() {
                self.items.type_args.insert(dotted.clone(), messages);
            }
            self.items.fields.insert(dotted, fields);
        }
        for (dotted, e) in enums {
            for v in e.variants.items() {
                if let syn::Fields::Unnamed(f) = &v.fields
                    && f.unnamed.len() == 1
                    && let Some(ty) = self.resolve_type(&f.unnamed[0].ty)
                {
                    self.items
                        .variants
                        .insert(format!("{dotted}.{}", v.ident), ty);
                }
            }
        }
        for (path, i) in impls {
            let Some(ty) = self.impl_type(&path, &i.self_ty) else {
                continue;
            };
            for item in &i.items {
                if let syn::ImplItem::Fn(f) = item
                    && let ReturnType::Type(_, t) = &f.sig.output
                    && let Some(arg) = self.message_type(t)
                {
                    self.items
                        .returned_args
                        .insert(format!("{ty}.{}", f.sig.ident), arg);
                }
            }
            let Some((trait_path, _)) = &i.trait_ else {
                continue;
            };
            let segs: Vec<String> = trait_path
                .segments
                .items()
                .map(|s| s.ident.to_string())
                .collect();
            if let Some(t) = self.resolve_path(&segs) {
                self.items.traits.entry(ty).or_default().push(t);
            }
        }
    }

    /// Each alias resolved where it is declared, in rounds, so that an
    /// alias of an alias (`type Extracted = State<Shared>;`) settles; at
    /// most [`MAX_ALIAS_ROUNDS`], which also ends a cycle.
    fn resolve_aliases(&mut self, aliases: Vec<(Vec<String>, String, &syn::ItemType)>) {
        let mut pending = Vec::new();
        let mut declared: Vec<(Vec<String>, String, Vec<String>)> = Vec::new();
        for (path, name, t) in aliases {
            let key = match path.is_empty() {
                true => name,
                false => format!("{}.{name}", path.join(".")),
            };
            let Some(segs) = values::type_path(&t.ty) else {
                continue;
            };
            if let [one] = segs.as_slice()
                && t.generics.type_params().any(|p| p.ident == one.as_str())
            {
                self.items.generic_aliases.insert(key);
                continue;
            }
            let dotted = self.item_path(&path, &key[key.rfind('.').map_or(0, |i| i + 1)..]);
            if let Some(outer) = outer_path(&t.ty) {
                declared.push((path.clone(), key.clone(), outer));
            }
            pending.push((path, key, dotted, segs));
        }
        for _ in 0..MAX_ALIAS_ROUNDS {
            let mut changed = false;
            for (path, key, dotted, segs) in &pending {
                let saved = std::mem::replace(&mut self.mod_path, path.clone());
                let target = self.resolve_path(segs);
                self.mod_path = saved;
                if let Some(t) = target
                    && self.items.aliases.get(key) != Some(&t)
                {
                    self.items.alias_paths.insert(dotted.clone(), t.clone());
                    self.items.aliases.insert(key.clone(), t);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // As declared: an alias of an alias takes the other's.
        for _ in 0..MAX_ALIAS_ROUNDS {
            let mut changed = false;
            for (path, key, outer) in &declared {
                let local = |n: &str| match path.is_empty() {
                    true => n.to_string(),
                    false => format!("{}.{n}", path.join(".")),
                };
                let target = match outer.as_slice() {
                    [one] if self.items.aliases.contains_key(&local(one)) => {
                        self.items.declared_aliases.get(&local(one)).cloned()
                    }
                    [one] if self.items.aliases.contains_key(one) => {
                        self.items.declared_aliases.get(one).cloned()
                    }
                    _ => {
                        let saved = std::mem::replace(&mut self.mod_path, path.clone());
                        let t = self.resolve_path(outer);
                        self.mod_path = saved;
                        t
                    }
                };
                if let Some(t) = target
                    && self.items.declared_aliases.get(key) != Some(&t)
                {
                    self.items.declared_aliases.insert(key.clone(), t);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn value_def(&mut self, path: &[String], name: &str) {
        if path.is_empty() {
            self.items.values.insert(name.to_string());
        }
        self.def(path, name, false);
    }

    fn def(&mut self, path: &[String], name: &str, is_type: bool) {
        let dotted = self.item_path(path, name);
        if is_type {
            let mut q: Vec<&str> = path.iter().map(String::as_str).collect();
            q.push(name);
            self.items.types.insert(dotted.clone(), q.join("."));
        }
        if path.is_empty() {
            self.items.defs.entry(name.to_string()).or_insert(dotted);
        } else {
            // Items of inline modules are found by their path in the file.
            let key = format!("{}.{name}", path.join("."));
            self.items.defs.entry(key).or_insert(dotted);
        }
    }

    /// A `use` path made absolute: `crate::x` → `<crate>.x`, `self::x`,
    /// `super::x` against the module the `use` sits in.
    fn absolute(&self, segs: &[String], mod_path: &[String]) -> String {
        let mut module: Vec<String> = {
            let mut m: Vec<String> = self.base_module.split('.').map(String::from).collect();
            m.extend(mod_path.iter().cloned());
            m
        };
        let mut rest = segs;
        match segs.first().map(String::as_str) {
            Some("crate") => {
                module = vec![self.crate_name.clone()];
                rest = &segs[1..];
            }
            Some("self") => rest = &segs[1..],
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    if module.len() > 1 {
                        module.pop();
                    }
                    rest = &rest[1..];
                }
            }
            Some(first) if self.items.defs.contains_key(first) && mod_path.is_empty() => {
                return std::iter::once(self.items.defs[first].clone())
                    .chain(segs[1..].iter().cloned())
                    .collect::<Vec<_>>()
                    .join(".");
            }
            _ => return segs.join("."),
        }
        module.extend(rest.iter().cloned());
        module.join(".")
    }

    // --- names -------------------------------------------------------------

    /// What the first segment of a name stands for; `more` when segments
    /// follow (then an unknown head is an external crate, kept as written).
    fn resolve_head(&self, head: &str, more: bool) -> Option<String> {
        self.resolve_head_sized(head, more, 0)
    }

    /// [`Visitor::resolve_head`] with room for `extra` more bytes (the
    /// segments a caller appends), so that the name is not grown again.
    fn resolve_head_sized(&self, head: &str, more: bool, extra: usize) -> Option<String> {
        let sized = |s: &str| {
            let mut out = String::with_capacity(s.len() + extra);
            out.push_str(s);
            out
        };
        if let Some(f) = self.frames.last()
            && let Some((_, t)) = f.locals.iter().rev().find(|(n, _)| n == head)
        {
            return t.as_deref().map(sized);
        }
        match head {
            "Self" => return self.impls.last()?.as_ref()?.resolved.as_deref().map(sized),
            "crate" => return Some(sized(&self.crate_name)),
            "self" => return Some(self.current_module()),
            "super" => {
                let m = self.current_module();
                return Some(m.rsplit_once('.').map_or(m.clone(), |(p, _)| p.to_string()));
            }
            _ => {}
        }
        if !self.mod_path.is_empty() {
            let key = format!("{}.{head}", self.mod_path.join("."));
            if let Some(d) = self.items.aliases.get(&key).or(self.items.defs.get(&key)) {
                return Some(sized(d));
            }
        }
        if let Some(t) = self.items.imports.get(head) {
            return Some(sized(t));
        }
        if let Some(a) = self.items.aliases.get(head) {
            return Some(sized(a));
        }
        if let Some(d) = self.items.defs.get(head)
            && !(more && self.items.values.contains(head))
        {
            return Some(sized(d));
        }
        more.then(|| sized(head))
    }

    /// A path (`Client::new`, `crate::llm::chat`) resolved.
    fn resolve_path(&self, segs: &[String]) -> Option<String> {
        self.resolve_path_sized(segs, 0)
    }

    /// [`Visitor::resolve_path`] with room for `extra` more bytes.
    fn resolve_path_sized(&self, segs: &[String], extra: usize) -> Option<String> {
        let (head, rest) = segs.split_first()?;
        let rest_len: usize = rest.iter().map(|s| s.len() + 1).sum();
        let mut out = self.resolve_head_sized(head, !rest.is_empty(), rest_len + extra)?;
        for s in rest {
            if s == "super" {
                if let Some((p, _)) = out.rsplit_once('.') {
                    out = p.to_string();
                }
                continue;
            }
            out.push('.');
            out.push_str(s);
        }
        if rest.is_empty() {
            return Some(out);
        }
        Some(match self.items.alias_paths.get(&out) {
            Some(alias) => {
                let mut sized = String::with_capacity(alias.len() + extra);
                sized.push_str(alias);
                sized
            }
            None => out,
        })
    }

    /// A macro's path: as a name, then through the crates whose macros are
    /// in scope.
    fn resolve_macro(&self, segs: &[String]) -> Option<String> {
        self.resolve_path(segs).or_else(|| {
            let c = self.items.macro_crates.first()?;
            (segs.len() == 1).then(|| format!("{c}.{}", segs[0]))
        })
    }

    /// A type as an instance (`Arc<Client>` → `reqwest.Client()`).
    fn resolve_type(&self, t: &Type) -> Option<String> {
        let segs = values::type_path(t)?;
        // `Shared<Model>` with `type Shared<T> = Arc<Mutex<T>>`: a `Model`.
        if let [one] = segs.as_slice()
            && self.items.generic_aliases.contains(one)
        {
            return self.resolve_type(values::type_argument(t)?);
        }
        let mut instance = self.resolve_path_sized(&segs, 2)?;
        instance.push_str("()");
        Some(instance)
    }

    /// The message type of a channel end (`Sender<Job>`, `Arc<Mutex<
    /// Receiver<Job>>>` → `app.jobs.Job`): the first type argument, when it
    /// resolves to a named type of a module or crate. Plain types
    /// (`String`, `Vec<u8>`, `Result<…>`) pair too many unrelated channels.
    fn message_type(&self, t: &Type) -> Option<String> {
        let arg = values::type_argument(t)?;
        let segs = values::type_path(arg)?;
        let name = self.resolve_path(&segs)?;
        name.contains('.').then_some(name)
    }

    /// The message type of the channel end a chain names: a binding of the
    /// function (`rx`), or a field of a struct of this file (`self.tx`,
    /// `self.rx.lock().await`); methods that hand back their receiver are
    /// looked through.
    fn chain_argument(&self, c: &Chain) -> Option<String> {
        let [head] = c.base.as_slice() else {
            return None;
        };
        let mut attrs: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < c.segs.len() {
            match (&c.segs[i], c.segs.get(i + 1)) {
                (Seg::Attr(a), Some(Seg::Call)) if PASSTHROUGH.contains(&a.as_str()) => i += 2,
                (Seg::Attr(_), Some(Seg::Call)) => return None,
                (Seg::Attr(a), _) => {
                    attrs.push(a);
                    i += 1;
                }
                _ => return None,
            }
        }
        let Some((last, path)) = attrs.split_last() else {
            let f = self.frames.last()?;
            return f
                .type_args
                .iter()
                .rev()
                .find(|(n, _)| n == head)
                .map(|(_, m)| m.clone());
        };
        let mut cur = self.resolve_head(head, true)?;
        for a in path {
            cur = self.attr(cur, a);
        }
        let ty = cur.strip_suffix("()")?;
        let fields = self.items.type_args.get(ty)?;
        fields
            .iter()
            .find(|(n, _)| n == last)
            .map(|(_, m)| m.clone())
    }

    /// The element type an iteration of `e` yields, when `e` iterates a
    /// binding or field whose declared type has one type argument of a
    /// named type (`self.clients.iter_mut()` with `clients: Vec<Client>`).
    fn element_of(&self, e: &Expr) -> Option<String> {
        let Expr::MethodCall(m) = e else {
            return None;
        };
        if !values::ident_in(&m.method, &["iter", "iter_mut", "into_iter", "drain"]) {
            return None;
        }
        self.chain_argument(&values::chain_parts(&m.receiver))
    }

    fn impl_type(&self, mod_path: &[String], t: &Type) -> Option<String> {
        let segs = values::type_path(t)?;
        if segs.len() == 1 {
            let own = self.item_path(mod_path, &segs[0]);
            if self.items.types.contains_key(&own) {
                return Some(own);
            }
        }
        self.resolve_path(&segs)
    }

    /// A chain resolved: the head, then fields (through struct field
    /// types), calls and subscripts; methods that hand back their receiver
    /// (`clone`, `lock`, `unwrap`) are dropped.
    fn resolve_chain(&self, c: &Chain) -> Option<String> {
        self.resolve_chain_sized(c, 0)
    }

    /// [`Visitor::resolve_chain`] with room for `extra` more bytes (a
    /// method name the caller appends).
    fn resolve_chain_sized(&self, c: &Chain, extra: usize) -> Option<String> {
        let (head, rest) = c.base.split_first()?;
        // What the segments may append (a field's type can take the place
        // of the name instead).
        let segs_len = c.segs_written_len() + extra;
        let mut cur = if rest.is_empty() || self.is_local(head) {
            let rest_len: usize = rest.iter().map(|s| s.len() + 1).sum();
            let more = !rest.is_empty() || !c.segs.is_empty();
            let mut cur = self.resolve_head_sized(head, more, rest_len + segs_len)?;
            for s in rest {
                cur = self.attr(cur, s);
            }
            cur
        } else {
            self.resolve_path_sized(&c.base, segs_len)?
        };
        let mut i = 0;
        while i < c.segs.len() {
            match &c.segs[i] {
                Seg::Attr(a) => {
                    let called = matches!(c.segs.get(i + 1), Some(Seg::Call));
                    if called && PASSTHROUGH.contains(&a.as_str()) {
                        i += 2;
                        continue;
                    }
                    if called {
                        cur.push('.');
                        cur.push_str(a);
                    } else {
                        cur = self.attr(cur, a);
                    }
                }
                Seg::Call => cur.push_str("()"),
                Seg::Index => cur.push_str("[]"),
            }
            i += 1;
        }
        Some(cur)
    }

    fn is_local(&self, name: &str) -> bool {
        name == "self"
            || self
                .frames
                .last()
                .is_some_and(|f| f.locals.iter().any(|(n, _)| n == name))
    }

    /// `cur.a`: a field of a struct of this file takes its declared type.
    fn attr(&self, mut cur: String, a: &str) -> String {
        if let Some(ty) = cur.strip_suffix("()")
            && let Some(fields) = self.items.fields.get(ty)
            && let Some((_, Some(t))) = fields.iter().find(|(n, _)| n == a)
        {
            return t.clone();
        }
        cur.push('.');
        cur.push_str(a);
        cur
    }

    /// A name as written in a value (`handlers.chat`, `state.model`).
    fn resolve_name(&self, text: &str) -> Option<String> {
        let mut parts = text.split('.').map(String::from);
        let head = parts.next()?;
        let rest: Vec<String> = parts.collect();
        if self.is_local(&head) {
            let c = Chain {
                base: vec![head],
                segs: rest.into_iter().map(Seg::Attr).collect(),
                text: String::new(),
            };
            return self.resolve_chain(&c);
        }
        let mut segs = vec![head];
        segs.extend(rest);
        self.resolve_path(&segs)
    }

    /// The value of an expression, names resolved.
    fn value(&self, e: &Expr) -> Value {
        let mut v = values::value(e, self.src);
        self.resolve_value(&mut v, 0);
        v
    }

    /// The value of an expression and its span: its first and last tokens
    /// are located once for both (the value's text is cut from the same
    /// bytes).
    fn located_value(&self, e: &Expr) -> (Value, Span) {
        let a = self.start_byte(values::expr_first(e));
        let b = self.end_byte(values::expr_last(e));
        let mut v = values::value_in(e, self.src, (a, b));
        self.resolve_value(&mut v, 0);
        let start = a.min(self.src.len());
        (v, self.index.span(start, b.clamp(start, self.src.len())))
    }

    /// An argument, its value and span located once.
    fn arg(&self, keyword: Option<&str>, e: &Expr) -> Arg {
        let (value, span) = self.located_value(e);
        Arg {
            keyword: keyword.map(Into::into),
            value,
            span,
        }
    }

    fn resolve_value(&self, v: &mut Value, depth: usize) {
        if depth > values::MAX_LITERAL_DEPTH {
            return;
        }
        match v {
            Value::Name { text, resolved } => {
                *resolved = self.resolve_name(text).map(|r| QName::new(&r));
            }
            Value::List(items) => items
                .iter_mut()
                .for_each(|i| self.resolve_value(i, depth + 1)),
            Value::Dict(pairs) => pairs
                .iter_mut()
                .for_each(|(_, x)| self.resolve_value(x, depth + 1)),
            _ => {}
        }
    }

    /// The type a value has when it is made by a call or is a typed name.
    fn value_type(&self, e: &Expr) -> Option<String> {
        // `match make() { Ok(v) => v, Err(e) => return … }`: what `make` makes.
        if let Expr::Match(m) = e
            && m.arms.iter().any(|a| unwraps_binding(&a.pat, &a.body))
        {
            return self.value_type(&m.expr);
        }
        let c = values::chain_parts(e);
        if !c.has_base() {
            return None;
        }
        self.resolve_chain(&c)
    }

    /// Arguments of the call that made a value (`Client::with_config(cfg)`).
    fn made_by_args(&self, e: &Expr) -> Option<Arc<[Arg]>> {
        let mut e = e;
        for _ in 0..values::MAX_LITERAL_DEPTH {
            e = match e {
                Expr::Try(t) => &t.expr,
                Expr::Await(a) => &a.base,
                Expr::Paren(p) => &p.expr,
                Expr::Call(c) if values::is_wrapper_call(&c.func) && c.args.len() == 1 => {
                    &c.args[0]
                }
                Expr::Call(c) => {
                    return Some(self.args_of(c.args.items()).into());
                }
                Expr::MethodCall(m) if values::ident_in(&m.method, PASSTHROUGH) => &m.receiver,
                Expr::MethodCall(m) => return Some(self.args_of(m.args.items()).into()),
                _ => return None,
            };
        }
        None
    }

    fn args_of<'e>(&self, exprs: impl Iterator<Item = &'e Expr>) -> Vec<Arg> {
        exprs.map(|a| self.arg(None, a)).collect()
    }

    // --- facts -------------------------------------------------------------

    fn decorators(&self, attrs: &[Attribute]) -> Vec<Decorator> {
        let mut out = Vec::new();
        for a in attrs {
            let path = a.path();
            let segs: Vec<String> = path.segments.items().map(|s| s.ident.to_string()).collect();
            if segs.len() == 1 && QUIET_ATTRIBUTES.contains(&segs[0].as_str()) {
                continue;
            }
            let close = a.bracket_token.span.close();
            let span = self.span(a.pound_token.spans[0], close);
            let open = self.end_byte(a.bracket_token.span.open());
            let text = self
                .src
                .get(open..self.start_byte(close))
                .map(values::shorten)
                .unwrap_or_default();
            let (args, called) = match &a.meta {
                Meta::List(l) => (
                    macros::token_args(l.tokens.clone())
                        .unwrap_or_default()
                        .into_iter()
                        .map(|m| self.arg(m.keyword.as_deref(), &m.expr))
                        .collect(),
                    true,
                ),
                _ => (Vec::new(), false),
            };
            let resolved = self.resolve_macro(&segs).map(|r| {
                let r = if called { format!("{r}()") } else { r };
                QName::new(&r)
            });
            out.push(Decorator {
                text: text.into(),
                resolved,
                args,
                span,
            });
        }
        out
    }

    /// Parameters: names, and the locals they bind with their types
    /// (`State(state): State<AppState>` binds `state` as an `AppState`).
    fn params(&self, sig: &Signature) -> (Vec<String>, Vec<(String, Option<String>)>) {
        let mut names = Vec::new();
        let mut locals = Vec::new();
        for input in sig.inputs.items() {
            match input {
                FnArg::Receiver(_) => {
                    names.push("self".to_string());
                    let ty = self
                        .impls
                        .last()
                        .and_then(|i| i.as_ref())
                        .and_then(|i| i.resolved.clone())
                        .map(|t| format!("{t}()"));
                    locals.push(("self".to_string(), ty));
                }
                FnArg::Typed(pt) => {
                    let ty = self
                        .generic_bound(&sig.generics, &pt.ty)
                        .or_else(|| self.resolve_type(&pt.ty));
                    if let Some(n) = pat_name(&pt.pat) {
                        names.push(n.clone());
                        locals.push((n, ty));
                    }
                }
            }
        }
        (names, locals)
    }

    /// The type as declared, references taken off but wrappers kept
    /// (`State<Arc<AppState>>` → `axum.extract.State`).
    fn declared_type(&self, t: &Type) -> Option<String> {
        let mut t = t;
        while let Type::Reference(r) = t {
            t = &r.elem;
        }
        let Type::Path(p) = t else {
            return None;
        };
        let segs = values::path_segments(p.qself.as_ref(), &p.path);
        // An alias of this file names what it was declared as.
        if let [one] = segs.as_slice() {
            let scoped =
                (!self.mod_path.is_empty()).then(|| format!("{}.{one}", self.mod_path.join(".")));
            let found = scoped
                .and_then(|k| self.items.declared_aliases.get(&k))
                .or_else(|| self.items.declared_aliases.get(one));
            if let Some(d) = found {
                return Some(d.clone());
            }
        }
        self.resolve_path(&segs)
    }

    /// A parameter whose type is a generic of the function (`p: &P` with
    /// `P: Provider`, or `where P: Provider`) has the type of its first
    /// trait bound, as an instance (`…Provider()`): calls on it go through
    /// the trait.
    fn generic_bound(&self, generics: &syn::Generics, ty: &Type) -> Option<String> {
        let segs = values::type_path(ty)?;
        let [name] = segs.as_slice() else {
            return None;
        };
        let param = generics.type_params().find(|p| p.ident == name.as_str())?;
        let from_where = generics.where_clause.iter().flat_map(|w| {
            w.predicates.items().filter_map(|p| match p {
                syn::WherePredicate::Type(t)
                    if values::type_path(&t.bounded_ty).as_deref()
                        == Some(std::slice::from_ref(name)) =>
                {
                    Some(&t.bounds)
                }
                _ => None,
            })
        });
        std::iter::once(&param.bounds)
            .chain(from_where)
            .find_map(|bounds| values::bound_path(bounds.items()))
            .and_then(|segs| self.resolve_path(&segs))
            .map(|r| format!("{r}()"))
    }

    fn function(
        &mut self,
        attrs: &'a [Attribute],
        sig: &'a Signature,
        body: Option<&'a syn::Block>,
    ) {
        let name = sig.ident.to_string();
        let impl_ctx = self.impls.last().cloned().flatten();
        let outer = self.frames.last().and_then(|f| f.qualname.clone());
        let in_fn = !self.frames.is_empty();
        // `fn main` of a binary: its code is the main block.
        // (A build script's `main` runs at build time: no entry point.)
        let is_main = name == "main"
            && !in_fn
            && impl_ctx.is_none()
            && self.mod_path.is_empty()
            && !self.build_script;
        let qualname = match (&impl_ctx, &outer) {
            (_, Some(o)) if in_fn => format!("{o}.{name}"),
            (Some(i), _) => format!("{}.{name}", i.qualname),
            _ => self.qualname(&name),
        };
        let first = sig
            .constness
            .as_ref()
            .map(|c| c.span)
            .or(sig.asyncness.as_ref().map(|a| a.span))
            .unwrap_or(sig.fn_token.span);
        let last = match body {
            Some(b) => b.brace_token.span.close(),
            None => sig.paren_token.span.close(),
        };
        let span = self.span(first, last);
        let (params, locals) = self.params(sig);
        let param_types = sig
            .inputs
            .items()
            .filter_map(|input| match input {
                FnArg::Receiver(_) => Some(None),
                FnArg::Typed(pt) => {
                    pat_name(&pt.pat)?;
                    Some(self.declared_type(&pt.ty).map(|t| QName::new(&t)))
                }
            })
            .collect();
        let messages = sig
            .inputs
            .items()
            .filter_map(|input| match input {
                FnArg::Typed(pt) => Some((pat_name(&pt.pat)?, self.message_type(&pt.ty)?)),
                FnArg::Receiver(_) => None,
            })
            .collect();
        if is_main {
            self.facts.main_guards.push(span);
        }
        self.frames.push(Frame {
            qualname: (!is_main).then(|| qualname.clone()),
            scope: (!is_main).then(|| qualname.as_str().into()),
            locals,
            type_args: messages,
            returns: None,
        });
        self.instrument(attrs, sig);
        if let Some(b) = body {
            self.visit_block(b);
            if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
                self.returned(tail, true);
            }
        }
        let frame = self.frames.pop().expect("pushed above");
        if is_main {
            return;
        }
        let decorators = self.decorators(attrs);
        let return_annotation = match &sig.output {
            ReturnType::Type(_, t) => values::type_path(t)
                .and_then(|segs| self.resolve_path(&segs))
                .map(|r| QName::new(&r)),
            ReturnType::Default => None,
        };
        let (class, owner) = match &impl_ctx {
            Some(i) if !in_fn && i.local => (Some(i.qualname.as_str().into()), None),
            Some(i) if !in_fn => (None, i.resolved.as_deref().map(QName::new)),
            _ => (None, None),
        };
        self.facts.functions.push(Function {
            name: name.as_str().into(),
            qualname: qualname.as_str().into(),
            class,
            decorators,
            params: params.iter().map(|p| p.as_str().into()).collect(),
            is_async: sig.asyncness.is_some(),
            return_annotation,
            name_span: self.span(first, sig.ident.span()),
            span,
            // The declared type, when it names one, is what callers get
            // (`-> Option<Arc<Model>>`), whatever the body's last value.
            returns: return_annotation
                .as_ref()
                .map(|t| Returns::Value(t.with_tail("()")))
                .or(frame.returns),
            owner,
            implements: impl_ctx
                .as_ref()
                .filter(|_| !in_fn)
                .and_then(|i| i.trait_.as_deref())
                .map(QName::new),
            param_types,
        });
    }

    /// A returned value: a `Return` fact, and the function's return type
    /// when the value has one.
    fn returned(&mut self, e: &Expr, tail: bool) {
        // A tail `if`/`match`/block is not one value.
        if tail
            && matches!(
                e,
                Expr::If(_)
                    | Expr::Match(_)
                    | Expr::Block(_)
                    | Expr::Loop(_)
                    | Expr::While(_)
                    | Expr::ForLoop(_)
                    | Expr::Unsafe(_)
            )
        {
            return;
        }
        let scope = self.scope();
        let mut e = e;
        // `Ok(x)`, `Some(x)` return `x`'s type.
        while let Expr::Call(c) = e {
            if values::is_wrapper_call(&c.func) && c.args.len() == 1 {
                e = &c.args[0];
            } else {
                break;
            }
        }
        let ty = match e {
            Expr::Tuple(t) if !t.elems.is_empty() => {
                for (i, x) in t.elems.items().enumerate() {
                    let (value, span) = self.located_value(x);
                    let r = Return {
                        value,
                        element: Some(i as u32),
                        scope,
                        span,
                    };
                    self.facts.returns.push(r);
                }
                let items: Vec<Option<QName>> = t
                    .elems
                    .items()
                    .map(|x| self.value_type(x).map(|r| QName::new(&r)))
                    .collect();
                items
                    .iter()
                    .any(Option::is_some)
                    .then_some(Returns::Tuple(items))
            }
            _ => {
                let (value, span) = self.located_value(e);
                let r = Return {
                    value,
                    element: None,
                    scope,
                    span,
                };
                self.facts.returns.push(r);
                self.value_type(e).map(|r| Returns::Value(QName::new(&r)))
            }
        };
        if let (Some(t), Some(f)) = (ty, self.frames.last_mut()) {
            f.returns = Some(t);
        }
    }

    fn bind(&mut self, name: &str, ty: Option<String>) {
        if let Some(f) = self.frames.last_mut() {
            f.locals.push((name.to_string(), ty));
        }
    }

    fn assignment(&mut self, target: &str, ty: Option<String>, init: Option<&Expr>, span: Span) {
        let value_call = ty.clone().map(|t| QName::new(&t));
        let (value, value_args) = match init {
            Some(e) => (self.value(e), self.made_by_args(e)),
            None => (Value::None, None),
        };
        self.facts.assignments.push(Assignment {
            target: target.into(),
            scope: self.scope(),
            value_call,
            value_args,
            value,
            element: None,
            span,
        });
    }

    /// A call fact (function, method or macro call).
    /// A call fact (function, method or macro call). `receiver` is what a
    /// method is called on, with the span of the call that made it;
    /// `spans` are the call's first token, the callee's last, the call's last.
    fn push_call(
        &mut self,
        callee: String,
        resolved: Option<String>,
        args: Box<[Arg]>,
        receiver: (Receiver, Option<(usize, usize)>),
        spans: [PmSpan; 3],
    ) {
        let [first, callee_last, last] = spans;
        let (receiver, receiver_key) = receiver;
        let span = self.span(first, last);
        let callee_end = self
            .end_byte(callee_last)
            .clamp(span.start_byte as usize, span.end_byte as usize);
        let key = (span.start_byte as usize, span.end_byte as usize);
        self.calls.push(Pending {
            call: Call {
                callee: callee.into(),
                resolved: resolved.map(|r| QName::new(&r)),
                args,
                scope: self.scope(),
                extra: None,
                receiver,
                span,
                callee_end: callee_end as u32,
            },
            key,
            receiver_key,
            channel: None,
            literal: false,
        });
    }

    /// What a method is called on: a call (by its span, linked once all
    /// calls are known), a name chain, or neither.
    fn receiver_of(&self, e: &Expr) -> (Receiver, Option<(usize, usize)>) {
        let mut e = e;
        loop {
            e = match e {
                Expr::Field(f) => &f.base,
                Expr::Index(i) => &i.expr,
                Expr::Await(a) => &a.base,
                Expr::Try(t) => &t.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Group(g) => &g.expr,
                Expr::Reference(r) => &r.expr,
                Expr::Call(_) | Expr::MethodCall(_) | Expr::Macro(_) | Expr::Struct(_) => {
                    let s = self.expr_span(e);
                    return (
                        Receiver::None,
                        Some((s.start_byte as usize, s.end_byte as usize)),
                    );
                }
                _ => break,
            };
        }
        // The leading name chain of the receiver, as written.
        let c = values::chain_parts(e);
        match c.base.is_empty() {
            true => (Receiver::None, None),
            false => {
                let mut text = c.base.join(".");
                for s in &c.segs {
                    match s {
                        Seg::Attr(a) => {
                            text.push('.');
                            text.push_str(a);
                        }
                        _ => break,
                    }
                }
                (Receiver::Name(text.into()), None)
            }
        }
    }

    /// The class fact of a struct or enum: the traits derived for it
    /// (`#[derive(Parser)]` implements `clap::Parser`) and implemented for
    /// it are its bases.
    fn type_fact(
        &mut self,
        name: String,
        dotted: &str,
        attrs: &[syn::Attribute],
        fields: Vec<Field>,
        name_span: Span,
        span: Span,
    ) {
        let mut bases: Vec<QName> = self.derives(attrs).iter().map(|t| QName::new(t)).collect();
        if let Some(ts) = self.items.traits.get(dotted) {
            bases.extend(ts.iter().map(|t| QName::new(t)));
        }
        self.facts.classes.push(Class {
            name: name.as_str().into(),
            qualname: self.qualname(&name).as_str().into(),
            bases,
            decorators: self.decorators(attrs),
            fields,
            name_span,
            span,
        });
    }

    /// `#[instrument]` records the function's arguments (those it does not
    /// skip) and its `fields(...)` on a span when the function runs: a call
    /// of the attribute, in the function's scope, with them as keyword
    /// arguments.
    fn instrument(&mut self, attrs: &[Attribute], sig: &Signature) {
        for a in attrs {
            let path = a.path();
            if path
                .segments
                .last_item()
                .is_none_or(|s| s.ident != "instrument")
            {
                continue;
            }
            let segs: Vec<String> = path.segments.items().map(|s| s.ident.to_string()).collect();
            let parsed = match &a.meta {
                Meta::List(l) => macros::instrument_args(l.tokens.clone()),
                _ => Some(macros::Instrument::default()),
            };
            let Some(parsed) = parsed else { continue };
            let mut args: Vec<Arg> = Vec::new();
            if !parsed.skip_all {
                for input in sig.inputs.items() {
                    let FnArg::Typed(pt) = input else { continue };
                    let Some(ident) = pat_ident(&pt.pat) else {
                        continue;
                    };
                    let name = ident.to_string();
                    if parsed.skip.contains(&name) {
                        continue;
                    }
                    let expr = Expr::Path(syn::ExprPath {
                        attrs: Vec::new(),
                        qself: None,
                        path: ident.clone().into(),
                    });
                    args.push(self.arg(Some(name.as_str()), &expr));
                }
            }
            for f in &parsed.fields {
                args.push(self.arg(f.keyword.as_deref(), &f.expr));
            }
            // Below `info` the attribute opens the span `debug_span!` or
            // `trace_span!` would: kept with traces, but no record of the
            // request.
            let resolved = match parsed.level.as_deref() {
                Some(level @ ("debug" | "trace")) => Some(format!("tracing.{level}_span")),
                _ => self.resolve_macro(&segs),
            };
            self.push_call(
                segs.join("."),
                resolved,
                args.into_boxed_slice(),
                (Receiver::None, None),
                [
                    a.pound_token.spans[0],
                    values::path_last(path),
                    a.bracket_token.span.close(),
                ],
            );
        }
    }

    /// The traits an item's `#[derive(...)]` attributes name, resolved
    /// (`Parser` with `use clap::Parser;` → `clap.Parser`).
    fn derives(&self, attrs: &[Attribute]) -> Vec<String> {
        let mut out = Vec::new();
        for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let _ = a.parse_nested_meta(|m| {
                let segs: Vec<String> = m
                    .path
                    .segments
                    .items()
                    .map(|s| s.ident.to_string())
                    .collect();
                if let Some(t) = self.resolve_path(&segs) {
                    out.push(t);
                }
                Ok(())
            });
        }
        out
    }

    fn macro_call(&mut self, mac: &'a syn::Macro) {
        let segs: Vec<String> = mac
            .path
            .segments
            .items()
            .map(|s| s.ident.to_string())
            .collect();
        let name = segs.last().cloned().unwrap_or_default();
        if matches!(name.as_str(), "macro_rules") {
            return;
        }
        let parsed = macros::args(mac);
        let template = macros::format_template(mac, self.src);
        macro_call_fact(self, mac, &segs, parsed.as_deref());
        let Some(parsed) = parsed else {
            // A braced body of statements: code the macro runs or wraps.
            if matches!(mac.delimiter, syn::MacroDelimiter::Brace(_))
                && let Ok(stmts) = mac.parse_body_with(syn::Block::parse_within)
            {
                visit_owned_stmts(self, &stmts);
            }
            return;
        };
        // The format string is one interpolated string; the rest is visited.
        let fmt_at = template.as_ref().and_then(|_| {
            parsed.iter().position(|a| {
                a.keyword.is_none()
                    && matches!(&a.expr, Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_)))
            })
        });
        for (i, a) in parsed.iter().enumerate() {
            if Some(i) == fmt_at
                && let Some(parts) = &template
            {
                let holes = parts
                    .iter()
                    .any(|p| matches!(p, crate::facts::Part::Hole { .. }));
                let value: String = parts
                    .iter()
                    .filter_map(|p| match p {
                        crate::facts::Part::Lit(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                let span = self.expr_span(&a.expr);
                self.facts.strings.push(StringLit {
                    bare: false,
                    value: value.into(),
                    interpolated: holes,
                    scope: self.scope(),
                    span,
                });
                continue;
            }
            // The parsed expressions live only here: visit them now.
            visit_owned_expr(self, &a.expr);
        }
    }

    fn finish(&mut self) {
        let mut calls = std::mem::take(&mut self.calls);
        calls.sort_by_key(|p| (p.key.0, Reverse(p.key.1)));
        let mut at: HashMap<(usize, usize), usize> = HashMap::default();
        for (i, p) in calls.iter().enumerate() {
            at.entry(p.key).or_insert(i);
        }
        self.facts.channels = calls
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                Some(ChannelUse {
                    call: i as u32,
                    message: p.channel.as_deref()?.into(),
                })
            })
            .collect();
        self.facts.literals = calls
            .iter()
            .enumerate()
            .filter(|(_, p)| p.literal)
            .map(|(i, _)| i as u32)
            .collect();
        self.facts.calls = calls
            .into_iter()
            .map(|mut p| {
                if let Some(k) = p.receiver_key
                    && let Some(&i) = at.get(&k)
                {
                    p.call.receiver = Receiver::Call(i as u32);
                }
                p.call
            })
            .collect();
        self.facts.strings.sort_by_key(|s| s.span.start_byte);
        self.facts.assignments.sort_by_key(|a| a.span.start_byte);
        self.facts.conditions.sort_by_key(|c| c.span.start_byte);
        self.facts.returns.sort_by_key(|r| r.span.start_byte);
        self.facts.imports.sort_by_key(|i| i.span.start_byte);
    }
}

/// Visit an expression parsed from a macro body (not part of the tree).
fn visit_owned_expr(v: &mut Visitor<'_>, e: &Expr) {
    Inner(v).visit_expr(e);
}

/// Visit the statements of a macro whose body is a block of code
/// (`async_stream::stream! { … }`): their calls, not their bindings.
fn visit_owned_stmts(v: &mut Visitor<'_>, stmts: &[syn::Stmt]) {
    let mut inner = Inner(v);
    for s in stmts {
        inner.visit_stmt(s);
    }
}

// The visitor's lifetime ties visited nodes to the file; a macro's
// arguments are parsed on the spot, so they are visited by a short
// visitor that shares the state.
struct Inner<'v, 'a>(&'v mut Visitor<'a>);
impl<'ast> Visit<'ast> for Inner<'_, '_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        call_fact(self.0, c);
        visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        method_call_fact(self.0, m);
        visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        struct_fact(self.0, s);
        visit::visit_expr_struct(self, s);
    }
    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        string_fact(self.0, s);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        nested_macro(self.0, m);
    }
}

/// A macro inside a macro's arguments: its call fact, and its own arguments.
fn nested_macro(v: &mut Visitor<'_>, mac: &syn::Macro) {
    let segs: Vec<String> = mac
        .path
        .segments
        .items()
        .map(|s| s.ident.to_string())
        .collect();
    let parsed = macros::args(mac);
    macro_call_fact(v, mac, &segs, parsed.as_deref());
    for a in parsed.iter().flat_map(|a| a.iter()) {
        visit_owned_expr(v, &a.expr);
    }
}

/// The call fact of a macro invocation named `segs`, with the arguments
/// parsed from its tokens (none when they do not parse as expressions).
fn macro_call_fact(
    v: &mut Visitor<'_>,
    mac: &syn::Macro,
    segs: &[String],
    parsed: Option<&[values::MacroArg]>,
) {
    let parsed = parsed.unwrap_or_default();
    // `info!("prompt {prompt}")` reads `prompt` through its format string.
    let captured = macros::captured_format(mac, parsed, v.src);
    let args: Box<[Arg]> = parsed
        .iter()
        .enumerate()
        .map(|(i, m)| match &captured {
            Some((at, value)) if *at == i => Arg {
                keyword: m.keyword.as_deref().map(Into::into),
                value: value.clone(),
                span: v.expr_span(&m.expr),
            },
            _ => v.arg(m.keyword.as_deref(), &m.expr),
        })
        .collect();
    let resolved = v.resolve_macro(segs);
    v.push_call(
        segs.join("."),
        resolved,
        args,
        (Receiver::None, None),
        [
            values::path_first(&mac.path),
            values::path_last(&mac.path),
            mac.delimiter.span().close(),
        ],
    );
}

fn call_fact(v: &mut Visitor<'_>, c: &syn::ExprCall) {
    let chain = values::chain(&c.func, v.src);
    let resolved = v.resolve_chain(&chain);
    let args = v.args_of(c.args.items()).into_boxed_slice();
    v.push_call(
        chain.render(),
        resolved,
        args,
        (Receiver::None, None),
        [
            values::expr_first(&c.func),
            values::expr_last(&c.func),
            c.paren_token.span.close(),
        ],
    );
}

/// A struct literal is what Python's `Conversation(user_id=u, text=t)` is:
/// a call to the type, its fields as keywords (`..base` as `**base`),
/// marked as a literal so that the value holds exactly its fields.
fn struct_fact(v: &mut Visitor<'_>, s: &syn::ExprStruct) {
    let chain = Chain {
        base: values::path_segments(s.qself.as_ref(), &s.path),
        segs: Vec::new(),
        text: String::new(),
    };
    if !chain.has_base() {
        return;
    }
    let resolved = v.resolve_chain(&chain);
    let mut args: Vec<Arg> = s
        .fields
        .items()
        .map(|f| match &f.member {
            Member::Named(i) => v.arg(Some(i.to_string().as_str()), &f.expr),
            Member::Unnamed(_) => v.arg(None, &f.expr),
        })
        .collect();
    if let Some(rest) = &s.rest {
        args.push(v.arg(Some("**"), rest));
    }
    v.push_call(
        chain.render(),
        resolved,
        args.into_boxed_slice(),
        (Receiver::None, None),
        [
            match &s.qself {
                Some(q) => q.lt_token.spans[0],
                None => values::path_first(&s.path),
            },
            values::path_last(&s.path),
            s.brace_token.span.close(),
        ],
    );
    if let Some(p) = v.calls.last_mut() {
        p.literal = true;
    }
}

fn method_call_fact(v: &mut Visitor<'_>, m: &syn::ExprMethodCall) {
    let chain = values::chain(&m.receiver, v.src);
    let method = m.method.to_string();
    let dotted = |mut head: String| {
        head.reserve(method.len() + 1);
        head.push('.');
        head.push_str(&method);
        head
    };
    let resolved = v.resolve_chain_sized(&chain, method.len() + 1).map(dotted);
    let callee = dotted(chain.render_with(method.len() + 1));
    let (receiver, key) = v.receiver_of(&m.receiver);
    let args = v.args_of(m.args.items()).into_boxed_slice();
    // A send or receive on a channel end of known message type.
    let sem = &super::SEMANTICS;
    let channel = (sem.enqueue.contains(&method.as_str())
        || sem.dequeue.contains(&method.as_str()))
    .then(|| v.chain_argument(&chain))
    .flatten();
    let callee_last = match &m.turbofish {
        Some(t) => t.gt_token.spans[0],
        None => m.method.span(),
    };
    v.push_call(
        callee,
        resolved,
        args,
        (receiver, key),
        [
            values::expr_first(&m.receiver),
            callee_last,
            m.paren_token.span.close(),
        ],
    );
    if let Some(p) = v.calls.last_mut() {
        p.channel = channel;
    }
}

fn string_fact(v: &mut Visitor<'_>, s: &syn::LitStr) {
    let span = v.span(s.span(), s.span());
    v.facts.strings.push(StringLit {
        bare: false,
        value: values::lit_str(s).into(),
        interpolated: false,
        scope: v.scope(),
        span,
    });
}

impl<'a> Visit<'a> for Visitor<'a> {
    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        let mut out = Vec::new();
        use_tree(&u.tree, Vec::new(), &mut out, 0);
        let span = self.span(u.use_token.span, u.semi_token.spans[0]);
        let mod_path = self.mod_path.clone();
        for (local, target) in out {
            let level = match target.first().map(String::as_str) {
                Some("super") => target.iter().take_while(|s| *s == "super").count() as u32,
                Some("self") => 1,
                _ => 0,
            };
            let target = self.absolute(&target, &mod_path);
            self.facts.imports.push(Import {
                local: local.as_str().into(),
                target: target.as_str().into(),
                level,
                span,
            });
        }
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        if m.content.is_some() && !super::layout::cfg_test(&m.attrs) {
            self.mod_path.push(m.ident.to_string());
            visit::visit_item_mod(self, m);
            self.mod_path.pop();
        }
    }

    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        if super::layout::cfg_test(&f.attrs) {
            return;
        }
        self.impls.push(None);
        self.function(&f.attrs, &f.sig, Some(&f.block));
        self.impls.pop();
    }

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        let resolved = self.impl_type(&self.mod_path.clone(), &i.self_ty);
        let ctx = values::type_path(&i.self_ty).and_then(|segs| {
            let name = segs.last()?.clone();
            let own = self.item_path(&self.mod_path, &name);
            let local = segs.len() == 1 && self.items.types.contains_key(&own);
            Some(ImplCtx {
                qualname: match local {
                    true => self.items.types[&own].clone(),
                    false => self.qualname(&name),
                },
                resolved: resolved.clone(),
                local,
                trait_: i.trait_.as_ref().and_then(|(p, _)| {
                    let segs: Vec<String> =
                        p.segments.items().map(|s| s.ident.to_string()).collect();
                    self.resolve_path(&segs)
                }),
            })
        });
        self.impls.push(ctx);
        for item in &i.items {
            match item {
                syn::ImplItem::Fn(f) => self.function(&f.attrs, &f.sig, Some(&f.block)),
                // `const DEFAULT: Self = Self { .. };` is a binding of the
                // type (`Config.DEFAULT`), like a module's `const`: its
                // calls are the constant's value, no code the module runs.
                syn::ImplItem::Const(c) if self.frames.is_empty() => {
                    let owner = self.impls.last().and_then(|x| x.as_ref());
                    let target = match owner {
                        Some(x) => format!("{}.{}", x.qualname, c.ident),
                        None => c.ident.to_string(),
                    };
                    let span = self.span(c.const_token.span, c.semi_token.spans[0]);
                    let ty = self
                        .value_type(&c.expr)
                        .filter(|t| t.ends_with(')'))
                        .or_else(|| self.resolve_type(&c.ty));
                    self.assignment(&target, ty, Some(&c.expr), span);
                    visit::visit_impl_item(self, item);
                }
                other => visit::visit_impl_item(self, other),
            }
        }
        self.impls.pop();
    }

    fn visit_item_trait(&mut self, t: &'a syn::ItemTrait) {
        let name = t.ident.to_string();
        let qualname = self.qualname(&name);
        let first = t.trait_token.span;
        let span = self.span(first, t.brace_token.span.close());
        self.facts.classes.push(Class {
            name: name.as_str().into(),
            qualname: qualname.as_str().into(),
            bases: Vec::new(),
            decorators: self.decorators(&t.attrs),
            fields: Vec::new(),
            name_span: self.span(first, t.ident.span()),
            span,
        });
        self.impls.push(Some(ImplCtx {
            qualname,
            resolved: Some(self.item_path(&self.mod_path, &name)),
            local: true,
            trait_: None,
        }));
        for item in &t.items {
            match item {
                syn::TraitItem::Fn(f) => self.function(&f.attrs, &f.sig, f.default.as_ref()),
                other => visit::visit_trait_item(self, other),
            }
        }
        self.impls.pop();
    }

    fn visit_item_struct(&mut self, s: &'a syn::ItemStruct) {
        let name = s.ident.to_string();
        let dotted = self.item_path(&self.mod_path, &name);
        let first = s.struct_token.span;
        let last = match (&s.semi_token, &s.fields) {
            (Some(t), _) => t.spans[0],
            (None, syn::Fields::Named(n)) => n.brace_token.span.close(),
            (None, syn::Fields::Unnamed(u)) => u.paren_token.span.close(),
            (None, syn::Fields::Unit) => s.ident.span(),
        };
        let mut fields = Vec::new();
        let rename_all = serde_rename_all(&s.attrs);
        if let syn::Fields::Named(named) = &s.fields {
            for f in named.named.items() {
                let Some(ident) = &f.ident else { continue };
                let colon_end = f
                    .colon_token
                    .as_ref()
                    .map_or(self.end_byte(ident.span()), |c| self.end_byte(c.spans[0]));
                let ty_end = self.end_byte(values::type_last(&f.ty));
                let type_text = self
                    .src
                    .get(colon_end..ty_end)
                    .map(|t| values::shorten(t.trim()))
                    .unwrap_or_default();
                fields.push(Field {
                    name: ident.to_string().as_str().into(),
                    rename: serde_rename(&f.attrs)
                        .or_else(|| {
                            let wire = rename_all
                                .as_deref()
                                .and_then(|r| recase(&ident.to_string(), r))?;
                            (*ident != wire).then_some(wire)
                        })
                        .map(|r| r.as_str().into()),
                    type_text: type_text.as_str().into(),
                    type_: self.resolve_type(&f.ty).map(|t| QName::new(&t)),
                    span: self.span(ident.span(), values::type_last(&f.ty)),
                });
            }
        }
        let name_span = self.span(first, s.ident.span());
        let span = self.span(first, last);
        self.type_fact(name, &dotted, &s.attrs, fields, name_span, span);
    }

    fn visit_item_enum(&mut self, e: &'a syn::ItemEnum) {
        let name = e.ident.to_string();
        let dotted = self.item_path(&self.mod_path, &name);
        let first = e.enum_token.span;
        let name_span = self.span(first, e.ident.span());
        let span = self.span(first, e.brace_token.span.close());
        self.type_fact(name, &dotted, &e.attrs, Vec::new(), name_span, span);
        visit::visit_item_enum(self, e);
    }

    fn visit_item_const(&mut self, c: &'a syn::ItemConst) {
        let span = self.span(c.const_token.span, c.semi_token.spans[0]);
        let ty = self
            .value_type(&c.expr)
            .filter(|t| t.ends_with(')'))
            .or_else(|| self.resolve_type(&c.ty));
        self.assignment(&c.ident.to_string(), ty, Some(&c.expr), span);
        visit::visit_expr(self, &c.expr);
    }

    /// A type alias of the module is a binding of its name to the type it
    /// stands for, so that other modules' uses (`use crate::types::Shared`)
    /// are rewritten to that type by the project index.
    fn visit_item_type(&mut self, t: &'a syn::ItemType) {
        if !self.frames.is_empty() || !self.mod_path.is_empty() {
            return;
        }
        let name = t.ident.to_string();
        let Some(target) = self.items.aliases.get(&name).cloned() else {
            return;
        };
        let span = self.span(t.type_token.span, t.semi_token.spans[0]);
        if let Some(d) = self.items.declared_aliases.get(&name) {
            self.facts
                .type_aliases
                .push((name.as_str().into(), QName::new(d)));
        }
        self.facts.assignments.push(Assignment {
            target: name.as_str().into(),
            scope: None,
            value_call: Some(QName::new(&target)),
            value_args: None,
            value: Value::Name {
                text: target.as_str().into(),
                resolved: Some(QName::new(&target)),
            },
            element: None,
            span,
        });
    }

    fn visit_item_static(&mut self, s: &'a syn::ItemStatic) {
        let span = self.span(s.static_token.span, s.semi_token.spans[0]);
        let ty = self.resolve_type(&s.ty);
        self.assignment(&s.ident.to_string(), ty, Some(&s.expr), span);
        visit::visit_expr(self, &s.expr);
    }

    fn visit_local(&mut self, l: &'a syn::Local) {
        // The initializer runs before the binding exists.
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let (name, annotated) = match &l.pat {
            Pat::Type(pt) => (pat_name(&pt.pat), self.resolve_type(&pt.ty)),
            p => (pat_name(p), None),
        };
        let Some(name) = name else {
            return;
        };
        let init = l.init.as_ref().map(|i| &*i.expr);
        // Asked for twice below; it reads no state the lines between change.
        let made_type = init.and_then(|e| self.value_type(e));
        let ty = annotated.or_else(|| made_type.clone());
        let message = match &l.pat {
            Pat::Type(pt) => self.message_type(&pt.ty),
            _ => None,
        }
        .or_else(|| self.chain_argument(&values::chain_parts(init?)))
        .or_else(|| {
            // Made by a method of this file that returns a channel end.
            let made = made_type?.replace("()", "");
            self.items.returned_args.get(&made).cloned()
        });
        if let (Some(m), Some(f)) = (message, self.frames.last_mut()) {
            f.type_args.push((name.clone(), m));
        }
        let span = self.span(l.let_token.span, l.semi_token.spans[0]);
        self.assignment(&name, ty.clone(), init, span);
        self.bind(&name, ty);
    }

    /// A `match` arm whose pattern takes the one field out of an enum
    /// variant of this file (`ProviderConfig::OpenAi(p) => p.infer(..)`)
    /// binds it with the field's type: enum dispatch reaches each variant's
    /// method.
    fn visit_arm(&mut self, arm: &'a syn::Arm) {
        let mut pat = &arm.pat;
        while let Pat::Reference(r) = pat {
            pat = &r.pat;
        }
        if let Pat::TupleStruct(t) = pat
            && t.elems.len() == 1
            && let Pat::Ident(i) = &t.elems[0]
            && i.subpat.is_none()
        {
            let segs: Vec<String> = t
                .path
                .segments
                .items()
                .map(|s| s.ident.to_string())
                .collect();
            let ty = self
                .resolve_path(&segs)
                .and_then(|v| self.items.variants.get(&v).cloned());
            if ty.is_some() {
                self.bind(&i.ident.to_string(), ty);
            }
        }
        visit::visit_arm(self, arm);
    }

    fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
        visit::visit_expr_assign(self, a);
        let Some(target) = values::name_chain(&a.left) else {
            return;
        };
        let ty = self.value_type(&a.right);
        let span = self.span(values::expr_first(&a.left), values::expr_last(&a.right));
        self.assignment(&target, ty.clone(), Some(&a.right), span);
        if !target.contains('.') {
            self.bind(&target, ty);
        }
    }

    fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
        call_fact(self, c);
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_struct(&mut self, s: &'a syn::ExprStruct) {
        struct_fact(self, s);
        visit::visit_expr_struct(self, s);
    }

    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        method_call_fact(self, m);
        // `xs.iter().map(|x| x.f())`: the closure's parameter is an element.
        if let Some(item) = self.element_of(&m.receiver) {
            for a in m.args.items() {
                if let Expr::Closure(c) = a {
                    self.closure_items
                        .push((c as *const syn::ExprClosure as usize, item.clone()));
                }
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_for_loop(&mut self, l: &'a syn::ExprForLoop) {
        for a in &l.attrs {
            self.visit_attribute(a);
        }
        self.visit_expr(&l.expr);
        // `for x in &xs` / `xs.iter_mut()`: `x` is an element of `xs`.
        let mark = self.frames.last().map_or(0, |f| f.locals.len());
        let item = self
            .element_of(&l.expr)
            .or_else(|| self.chain_argument(&values::chain_parts(&l.expr)));
        if let Some(n) = pat_name(&l.pat) {
            self.bind(&n, item.map(|t| format!("{t}()")));
        }
        self.visit_block(&l.body);
        if let Some(f) = self.frames.last_mut() {
            f.locals.truncate(mark);
        }
    }

    fn visit_macro(&mut self, m: &'a syn::Macro) {
        self.macro_call(m);
    }

    fn visit_item_macro(&mut self, m: &'a syn::ItemMacro) {
        // `macro_rules!` definitions and item macros (`lazy_static!`) hold
        // items, not arguments.
        let _ = m;
    }

    fn visit_lit_str(&mut self, s: &'a syn::LitStr) {
        string_fact(self, s);
    }

    fn visit_attribute(&mut self, _: &'a Attribute) {
        // Attributes are decorators (read with their item), not code.
    }

    fn visit_expr_if(&mut self, i: &'a syn::ExprIf) {
        let names = values::condition_names(&i.cond);
        let then = self.span(
            i.then_branch.brace_token.span.open(),
            i.then_branch.brace_token.span.close(),
        );
        let orelse = i.else_branch.as_ref().map(|(_, e)| self.expr_span(e));
        self.facts.conditions.push(Condition {
            names: names.iter().map(|n| n.as_str().into()).collect(),
            scope: self.scope(),
            span: self.expr_span(&i.cond),
            then,
            orelse,
        });
        visit::visit_expr_if(self, i);
    }

    fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.returned(e, false);
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        // Closure parameters shadow names of the function; their types are
        // unknown unless written.
        let mark = self.frames.last().map_or(0, |f| f.locals.len());
        let key = c as *const syn::ExprClosure as usize;
        let item = self
            .closure_items
            .iter()
            .rposition(|(k, _)| *k == key)
            .map(|i| self.closure_items.swap_remove(i).1);
        for p in c.inputs.items() {
            let (name, ty) = match p {
                Pat::Type(pt) => (pat_name(&pt.pat), self.resolve_type(&pt.ty)),
                p if c.inputs.len() == 1 => (pat_name(p), item.as_ref().map(|t| format!("{t}()"))),
                p => (pat_name(p), None),
            };
            if let Some(n) = name {
                self.bind(&n, ty);
            }
        }
        visit::visit_expr_closure(self, c);
        if let Some(f) = self.frames.last_mut() {
            f.locals.truncate(mark);
        }
    }
}

/// Whether a match arm hands back the one value its `Ok(v)`/`Some(v)`
/// pattern binds (`Ok(engine) => engine`, also as a block's last value).
fn unwraps_binding(pat: &Pat, body: &Expr) -> bool {
    let Pat::TupleStruct(ts) = pat else {
        return false;
    };
    let [inner] = ts.elems.items().collect::<Vec<_>>()[..] else {
        return false;
    };
    let Some(name) = pat_name(inner) else {
        return false;
    };
    let body = match body {
        Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => e,
            _ => return false,
        },
        e => e,
    };
    matches!(body, Expr::Path(p) if p.path.is_ident(&name))
}

/// The name a pattern binds when it binds one: `x`, `mut x`, `State(x)`,
/// `Json(req)`, `&x`.
/// The segments of a type's outer path, references taken off and
/// wrappers kept (`&State<Shared>` → `State`).
fn outer_path(t: &Type) -> Option<Vec<String>> {
    let mut t = t;
    while let Type::Reference(r) = t {
        t = &r.elem;
    }
    match t {
        Type::Path(p) => Some(values::path_segments(p.qself.as_ref(), &p.path)),
        _ => None,
    }
}

fn pat_name(p: &Pat) -> Option<String> {
    pat_ident(p).map(ToString::to_string)
}

/// The name a pattern binds, when it binds one (`Json(user)`, `&x`).
fn pat_ident(p: &Pat) -> Option<&syn::Ident> {
    let mut p = p;
    for _ in 0..values::MAX_LITERAL_DEPTH {
        p = match p {
            Pat::Ident(i) if i.subpat.is_none() => return Some(&i.ident),
            Pat::Type(t) => &t.pat,
            Pat::Reference(r) => &r.pat,
            Pat::Paren(x) => &x.pat,
            Pat::TupleStruct(t) if t.elems.len() == 1 => &t.elems[0],
            _ => return None,
        };
    }
    None
}

/// `#[serde(rename = "x")]` on a field.
fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    for a in attrs {
        if !a.path().is_ident("serde") {
            continue;
        }
        let Meta::List(l) = &a.meta else { continue };
        for m in macros::token_args(l.tokens.clone()).unwrap_or_default() {
            if m.keyword.as_deref() == Some("rename")
                && let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &m.expr
            {
                return Some(values::lit_str(s));
            }
        }
    }
    None
}

/// `#[serde(rename_all = "camelCase")]` on a struct.
fn serde_rename_all(attrs: &[Attribute]) -> Option<String> {
    for a in attrs {
        if !a.path().is_ident("serde") {
            continue;
        }
        let Meta::List(l) = &a.meta else { continue };
        for m in macros::token_args(l.tokens.clone()).unwrap_or_default() {
            if m.keyword.as_deref() == Some("rename_all")
                && let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &m.expr
            {
                return Some(values::lit_str(s));
            }
        }
    }
    None
}

/// A snake_case field name under a serde `rename_all` rule (`None` for an
/// unknown rule).
pub(super) fn recase(field: &str, rule: &str) -> Option<String> {
    let words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
    let capital = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    Some(match rule {
        "lowercase" => field.to_lowercase(),
        "UPPERCASE" => field.to_uppercase(),
        "snake_case" => field.to_string(),
        "SCREAMING_SNAKE_CASE" => field.to_uppercase(),
        "kebab-case" => words.join("-"),
        "SCREAMING-KEBAB-CASE" => words.join("-").to_uppercase(),
        "PascalCase" => words.iter().map(|w| capital(w)).collect(),
        "camelCase" => words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 0 { w.to_string() } else { capital(w) })
            .collect(),
        _ => return None,
    })
}

/// A `use` tree flattened to (local name, path as written).
fn use_tree(t: &UseTree, prefix: Vec<String>, out: &mut Vec<(String, Vec<String>)>, depth: usize) {
    if depth > 64 {
        return;
    }
    match t {
        UseTree::Path(p) => {
            let mut pre = prefix;
            pre.push(p.ident.to_string());
            use_tree(&p.tree, pre, out, depth + 1);
        }
        UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last() {
                    out.push((last.clone(), prefix));
                }
            } else {
                let mut target = prefix;
                target.push(name.clone());
                out.push((name, target));
            }
        }
        UseTree::Rename(r) => {
            let local = r.rename.to_string();
            let name = r.ident.to_string();
            let mut target = prefix;
            if name != "self" {
                target.push(name);
            }
            if local != "_" {
                out.push((local, target));
            }
        }
        UseTree::Glob(_) => out.push(("*".to_string(), prefix)),
        UseTree::Group(g) => {
            for item in &g.items {
                use_tree(item, prefix.clone(), out, depth + 1);
            }
        }
    }
}

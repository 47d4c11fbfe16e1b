//! UI components the project keeps somewhere: a dict or list it fills with
//! them (`shared.gradio["go"] = gr.Button()`, a registry filled through a
//! `register(name, component)` function), a module global assigned one
//! inside a function (`global BTN; BTN = gr.Button()`), a getter that
//! returns from such a store, a project subclass of a component class.
//! A listener call on one of these (`shared.gradio["go"].click(f)`) is a
//! listener call on a component, and the finder matches it as one. Stores
//! of anything else (a dict of strings, an object with its own `click`)
//! give nothing.

use std::collections::BTreeMap;

use super::index::{Index, Key, MAX_HOPS, Symbol};
use crate::analysis::{FastMap, Reader};
use crate::catalog::entrypoints::EntryPointCatalog;
use crate::facts::{Call, FileFacts, QName, Receiver, Shape, Value};
use crate::source::Span;
use ustr::Ustr;

/// Rounds of propagation: a registry filled through a function parameter
/// learns its type one round after the globals passed to that function.
const ROUNDS: usize = 4;

/// What says a variable holds components: owned, found in the per-file
/// phase's first pass ([`file_evidence`]).
pub enum Evidence {
    /// A value stored into it (`d[k] = v`, `d.append(v)`, `G = v`): a
    /// name or an expression (other values have no component type).
    Value {
        key: Key,
        fi: usize,
        scope: Option<Ustr>,
        value: Stored,
        span: Span,
    },
    /// An assignment of a value of this type (`G = gr.Button()` in a function).
    Typed { key: Key, fi: usize, ty: QName },
    /// `d[k] = p` where `p` is parameter `index` of function `func`:
    /// whatever its callers pass.
    Param {
        key: Key,
        func: (usize, usize),
        index: usize,
        name: Ustr,
    },
}

/// A stored value that may have a component type: what
/// [`Looker::value_type`] reads of it (a name; of an expression only its
/// span, kept beside it).
pub enum Stored {
    Name { text: Ustr, resolved: Option<QName> },
    Expr,
}

impl Stored {
    fn of(value: &Value) -> Option<Stored> {
        match value {
            Value::Name { text, resolved } => Some(Stored::Name {
                text: *text,
                resolved: *resolved,
            }),
            Value::Expr(_) => Some(Stored::Expr),
            _ => None,
        }
    }
}

impl Evidence {
    fn key(&self) -> &Key {
        match self {
            Evidence::Value { key, .. }
            | Evidence::Typed { key, .. }
            | Evidence::Param { key, .. } => key,
        }
    }
}

/// Project variables known to hold UI components, with one component type.
#[derive(Default)]
pub struct Components {
    held: BTreeMap<Key, String>,
}

impl Components {
    /// `evidence`: every file's [`file_evidence`], in file order.
    pub fn new(ix: &Index<'_>, cat: &EntryPointCatalog, evidence: &[Vec<Evidence>]) -> Components {
        let mut c = Components::default();
        if cat.data.component.is_empty() || evidence.iter().all(Vec::is_empty) {
            return c;
        }
        // Callers of functions whose parameter is stored: (file, call index) per function.
        let mut callers: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
        let evidence = || evidence.iter().flatten();
        let funcs: Vec<(usize, usize)> = evidence()
            .filter_map(|e| match e {
                Evidence::Param { func, .. } => Some(*func),
                _ => None,
            })
            .collect();
        if !funcs.is_empty() {
            // Names first: one set lookup per call instead of a scan of `funcs`.
            let names: std::collections::HashSet<&str> = funcs
                .iter()
                .map(|&(f, g)| ix.file(f).functions[g].name.as_str())
                .collect();
            for (fi, file) in ix.project.each_file(Reader::EntryPoints).iter() {
                for (ci, call) in file.calls.iter().enumerate() {
                    let Some(r) = call.resolved.as_ref().map(|q| q.as_str()) else {
                        continue;
                    };
                    let last = r.rsplit('.').next().unwrap_or(r);
                    if !names.contains(last) {
                        continue;
                    }
                    if let Some(Symbol::Function(f, g)) = ix.symbol(r)
                        && funcs.contains(&(f, g))
                    {
                        callers.entry((f, g)).or_default().push((fi, ci));
                    }
                }
            }
        }
        let looker = Looker { ix, cat };
        // The type one piece of evidence gives its key; for a parameter,
        // the first caller's argument that is a component (or every one's).
        let type_of = |c: &Components, e: &Evidence, all: bool| -> Vec<String> {
            match e {
                Evidence::Value {
                    fi,
                    scope,
                    value,
                    span,
                    ..
                } => match value {
                    Stored::Name { text, resolved } => {
                        let v = Value::Name {
                            text: *text,
                            resolved: *resolved,
                        };
                        looker.value_type(c, *fi, scope.as_deref(), &v, *span, 0)
                    }
                    Stored::Expr => looker.call_type(c, *fi, *span, 0),
                }
                .into_iter()
                .collect(),
                Evidence::Typed { fi, ty, .. } => looker
                    .name_type(c, *fi, ty.as_str(), 0)
                    .into_iter()
                    .collect(),
                Evidence::Param {
                    func, index, name, ..
                } => {
                    let mut out = Vec::new();
                    for &(fi, ci) in callers.get(func).into_iter().flatten() {
                        let call = &ix.file(fi).calls[ci];
                        let Some(arg) = param_arg(call, *index, name) else {
                            continue;
                        };
                        let scope = call.scope.as_deref();
                        if let Some(t) = looker.value_type(c, fi, scope, &arg.value, arg.span, 0) {
                            out.push(t);
                            if !all {
                                break;
                            }
                        }
                    }
                    out
                }
            }
        };
        for _ in 0..ROUNDS {
            let mut changed = false;
            for e in evidence() {
                let key = e.key();
                if c.held.contains_key(key) {
                    continue;
                }
                if let Some(ty) = type_of(&c, e, false).pop() {
                    c.held.insert(key.clone(), ty);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // A store of several kinds of component is shown as holding
        // components in general (`Component.click`, not the first kind seen).
        for e in evidence() {
            let key = e.key();
            let Some(held) = c.held.get(key) else {
                continue;
            };
            if let Some(ty) = type_of(&c, e, true).into_iter().find(|t| t != held) {
                let root = ty.split('.').next().unwrap_or_default();
                c.held.insert(key.clone(), format!("{root}.Component()"));
            }
        }
        c
    }

    /// The call's resolved name with its receiver replaced by the component
    /// type it holds (`modules.shared.gradio[].click().then` →
    /// `gradio.Button().click().then`), when the receiver is a store of
    /// components; `None` otherwise. `memo`: the component type of each
    /// project class already asked for, kept for one file's calls (a
    /// class's walk up its bases reads their files; a file calls methods
    /// of the same classes many times).
    pub fn rewrite(
        &self,
        ix: &Index<'_>,
        cat: &EntryPointCatalog,
        fi: usize,
        call: &Call,
        memo: &mut SubclassMemo,
    ) -> Option<String> {
        let looker = Looker { ix, cat };
        let scope = call.scope.as_deref();
        let key_of = |head: &str| {
            ix.follow(head)
                .or_else(|| ix.var_keys(fi, scope, head).into_iter().next())
        };
        match call.resolved.as_ref().map(|q| q.as_str()) {
            Some(r) => {
                // The receiver ends at the first subscript or call: `a.b[]…`, `f()…`, `C()…`.
                // Bytes: a search for either char decodes every char.
                let cut = memchr::memchr2(b'[', b'(', r.as_bytes()).filter(|&i| i > 0)?;
                let (head, rest) = r.split_at(cut);
                if let Some(after) = rest.strip_prefix("[]") {
                    if self.held.is_empty() || after.is_empty() {
                        return None;
                    }
                    let ty = self.held.get(&key_of(head)?)?;
                    return Some(format!("{ty}{after}"));
                }
                let after = rest.strip_prefix("()").filter(|a| !a.is_empty())?;
                let ty = match ix.symbol(head)? {
                    Symbol::Class(f, c) => memo
                        .entry((f, c))
                        .or_insert_with(|| looker.subclass_type(f, c))
                        .clone()?,
                    Symbol::Function(f, g) if !self.held.is_empty() => {
                        looker.returned_type(self, f, g, 0)?
                    }
                    Symbol::Function(..) => return None,
                };
                Some(format!("{ty}{after}"))
            }
            // A global the resolver could not type (`BTN.click` with `BTN`
            // assigned in another function).
            None => {
                if self.held.is_empty() {
                    return None;
                }
                let Receiver::Name(recv) = call.receiver else {
                    return None;
                };
                let rest = call.callee.strip_prefix(recv.as_str())?;
                let key = key_of(recv.as_str())?;
                Some(format!("{}{rest}", self.held.get(&key)?))
            }
        }
    }
}

/// The component type of project classes (file, class) already found
/// ([`Components::rewrite`]).
pub type SubclassMemo = FastMap<(usize, usize), Option<String>>;

struct Looker<'i, 'a> {
    ix: &'i Index<'a>,
    cat: &'i EntryPointCatalog,
}

impl Looker<'_, '_> {
    fn is_component(&self, fi: usize, name: &str) -> bool {
        self.cat
            .component
            .first(self.ix.project.language(fi), name)
            .is_some()
    }

    /// The component type of a stored value, if it is one.
    fn value_type(
        &self,
        c: &Components,
        fi: usize,
        scope: Option<&str>,
        value: &Value,
        span: Span,
        depth: usize,
    ) -> Option<String> {
        match value {
            Value::Name { text, resolved } => {
                if let Some(r) = resolved.as_ref().map(|q| q.as_str())
                    && let Some(t) = self.name_type(c, fi, r, depth)
                {
                    return Some(t);
                }
                let key = self.ix.var_keys(fi, scope, text).into_iter().next()?;
                if let Some(t) = c.held.get(&key) {
                    return Some(t.clone());
                }
                let (_, a) = self.ix.binding(&key)?;
                self.name_type(c, fi, a.value_call.as_ref()?.as_str(), depth + 1)
            }
            Value::Expr(_) => self.call_type(c, fi, span, depth),
            _ => None,
        }
    }

    /// The component type of an expression value at `span`: what the call
    /// that makes it returns.
    fn call_type(&self, c: &Components, fi: usize, span: Span, depth: usize) -> Option<String> {
        let call = self
            .ix
            .call_spanning(fi, span.start_byte, span.end_byte)
            .or_else(|| {
                // `await f()`, `(f())`: the call ends where the value does.
                let file = self.ix.file(fi);
                let i = file
                    .calls_in(span.bytes())
                    .find(|&i| file.calls[i].span.end_byte == span.end_byte)?;
                Some(file.call(i))
            })?;
        let r = call.resolved.as_ref()?.as_str();
        self.name_type(c, fi, &format!("{r}()"), depth)
    }

    /// The component type a resolved name stands for: a component instance
    /// itself, an instance of a project subclass of one, what a project
    /// getter returns from a store, or a store's element.
    fn name_type(&self, c: &Components, fi: usize, name: &str, depth: usize) -> Option<String> {
        if depth > MAX_HOPS {
            return None;
        }
        if self.is_component(fi, name) {
            return Some(name.to_string());
        }
        if let Some(head) = name.strip_suffix("()")
            && !head.contains(['(', '['])
        {
            return match self.ix.symbol(head)? {
                Symbol::Class(f, ci) => self.subclass_type(f, ci),
                Symbol::Function(f, g) => self.returned_type(c, f, g, depth + 1),
            };
        }
        if let Some((head, _)) = name.split_once("[]") {
            return c.held.get(&self.ix.follow(head)?).cloned();
        }
        c.held.get(&self.ix.follow(name)?).cloned()
    }

    /// A project class with a component class among its (transitive)
    /// bases stands for a component of its own name in that library.
    fn subclass_type(&self, fi: usize, ci: usize) -> Option<String> {
        let mut queue = vec![(fi, ci)];
        let mut seen = 0;
        while let Some((f, k)) = queue.pop() {
            seen += 1;
            if seen > 4 * MAX_HOPS {
                return None;
            }
            for base in &self.ix.file(f).classes[k].bases {
                if self.is_component(f, base.as_str()) {
                    let root = base.as_str().split('.').next().unwrap_or("");
                    let own = &self.ix.file(fi).classes[ci].name;
                    return Some(format!("{root}.{own}()"));
                }
                if let Some(Symbol::Class(bf, bc)) = self.ix.symbol(base.as_str()) {
                    queue.push((bf, bc));
                }
            }
        }
        None
    }

    /// What a project function returns, when that is a component: an
    /// element of a store (`return COMPONENTS[name]`) or a variable that
    /// holds components (a list it fills and returns).
    fn returned_type(&self, c: &Components, fi: usize, gi: usize, depth: usize) -> Option<String> {
        let file = self.ix.file(fi);
        let qual = file.functions[gi].qualname.as_str();
        file.returns
            .iter()
            .filter(|r| r.scope.as_deref() == Some(qual))
            .find_map(|r| match &r.value {
                Value::Expr(e) => match &e.shape {
                    Shape::Index(pair) => match &pair.0 {
                        Shape::Name(n) => self
                            .ix
                            .var_keys(fi, Some(qual), n)
                            .into_iter()
                            .next()
                            .and_then(|k| c.held.get(&k).cloned()),
                        _ => None,
                    },
                    _ => None,
                },
                v @ Value::Name { .. } => self.value_type(c, fi, Some(qual), v, r.span, depth),
                _ => None,
            })
    }
}

/// The argument a caller passes for parameter `index` named `name`.
fn param_arg<'c>(call: &'c Call, index: usize, name: &str) -> Option<&'c crate::facts::Arg> {
    if let Some(a) = call
        .args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(name))
    {
        return Some(a);
    }
    let mut n = 0;
    for a in call.args.iter() {
        match a.keyword.as_deref() {
            None => {
                if n == index {
                    return Some(a);
                }
                n += 1;
            }
            Some("*") => return None,
            Some(_) => {}
        }
    }
    None
}

/// The innermost function of file `fi` around byte `at`.
fn scope_at<'a>(ix: &Index<'a>, fi: usize, at: u32) -> Option<(usize, &'a str)> {
    ix.file(fi)
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.span.start_byte <= at && at < f.span.end_byte)
        .min_by_key(|(_, f)| f.span.end_byte - f.span.start_byte)
        .map(|(i, f)| (i, f.qualname.as_str()))
}

/// Every store, append and module-global assignment of file `fi` that
/// may put a component somewhere (the per-file phase's first pass: `ix`
/// sees the file, and its look-ups read only the names and bindings of
/// the semantic index). Nothing when the catalogue has no components.
pub fn file_evidence(
    ix: &Index<'_>,
    cat: &EntryPointCatalog,
    fi: usize,
    file: &FileFacts,
) -> Vec<Evidence> {
    let mut out = Vec::new();
    if cat.data.component.is_empty() {
        return out;
    }
    for s in &file.stores {
        let scoped = scope_at(ix, fi, s.span.start_byte);
        let scope = scoped.map(|(gi, _)| file.functions[gi].qualname);
        let Some(key) = ix
            .var_keys(fi, scope.as_deref(), &s.container)
            .into_iter()
            .next()
        else {
            continue;
        };
        // `d[k] = p` with `p` a parameter: what the callers pass.
        if let (Value::Name { text, .. }, Some((gi, _))) = (&s.value, scoped)
            && let Some(index) = file.functions[gi].params.iter().position(|p| p == text)
        {
            let method = file.functions[gi].qualname.contains('.');
            out.push(Evidence::Param {
                key: key.clone(),
                func: (fi, gi),
                // `self` is not passed by the caller.
                index: if method {
                    index.saturating_sub(1)
                } else {
                    index
                },
                name: *text,
            });
        }
        if let Some(value) = Stored::of(&s.value) {
            out.push(Evidence::Value {
                key,
                fi,
                scope,
                value,
                span: s.value_span,
            });
        }
    }
    for call in &file.calls {
        if call.method() != "append" {
            continue;
        }
        let (Receiver::Name(recv), Some(arg)) = (call.receiver, call.args.first()) else {
            continue;
        };
        let scope = call.scope;
        if let Some(value) = Stored::of(&arg.value)
            && let Some(key) = ix.var_keys(fi, scope.as_deref(), &recv).into_iter().next()
        {
            out.push(Evidence::Value {
                key,
                fi,
                scope,
                value,
                span: arg.span,
            });
        }
    }
    // A module global assigned inside a function (`global BTN`).
    for a in &file.assignments {
        let Some(ty) = a.value_call.as_ref().filter(|_| a.scope.is_some()) else {
            continue;
        };
        if a.target.contains('.') {
            continue;
        }
        let bindings = ix.project.index.bindings(fi);
        if bindings.last_module_assign(&a.target).is_none() {
            continue;
        }
        out.push(Evidence::Typed {
            key: Key::Var(file.module.clone(), None, a.target.to_string()),
            fi,
            ty: *ty,
        });
    }
    out
}

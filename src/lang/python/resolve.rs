//! Name resolution within one file: imports, variable types from
//! assignments and annotations, `self` attributes, and scopes.
//!
//! A resolved name is a dotted path where `()` marks "instance of":
//! `client = OpenAI()` makes `client.chat.completions.create` resolve to
//! `openai.OpenAI().chat.completions.create`. Cross-module resolution
//! (`from .models import client`) is the project index's job; here an
//! imported name resolves to its absolute import target.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use ustr::Ustr;

/// Maps keyed by names: a fixed-seed fast hasher (SipHash showed up in
/// profiles; these maps are only looked up, never iterated into output).
pub(super) type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

use super::extract::{self, Chain, RawAssign, RawCall, RawFacts, RawReceiver, Seg};
use crate::facts::{
    Arg, Assignment, Call, CallExtra, Class, Condition, FileFacts, Function, QName, Receiver,
    Return, Returns, Value,
};

/// Resolution of chains through bindings stops after this many hops (cycles).
const MAX_HOPS: usize = 8;

pub struct Resolved {
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub calls: Vec<Call>,
    pub assignments: Vec<Assignment>,
    pub conditions: Vec<Condition>,
    pub returned: Vec<Return>,
}

/// Where an item sits: innermost function, innermost class body.
#[derive(Clone, Default)]
struct Place {
    function: Option<usize>,
    class_body: Option<usize>,
}

struct Env<'a> {
    module: &'a str,
    passthrough: &'a [String],
    imports: Map<&'a str, &'a str>,
    /// Module-level names defined by `def`/`class`.
    top_defs: Map<&'a str, ()>,
    functions: &'a [Function],
    classes: &'a [Class],
    assigns: &'a [RawAssign],
    /// Each assignment's value when it is a string (what a read of the name
    /// inlines, `resolve_value`): the values themselves are moved into the
    /// assignment facts, not copied.
    constants: Vec<Option<Ustr>>,
    assign_place: Vec<Place>,
    /// (function index or None for module, name) → assignment indices in source order.
    locals: Map<(Option<usize>, &'a str), Vec<usize>>,
    /// (class index, attribute) → assignment indices (`self.x = ...`, class body `x = ...`).
    attrs: Map<(usize, &'a str), Vec<usize>>,
    /// Qualnames of the functions, split at their last dot (`C.m` →
    /// `C`, `m`): whether a class has a method is asked for each `self.x`
    /// chain, without building the qualname.
    fn_by_parent: Map<(&'a str, &'a str), ()>,
    /// Function qualname → index.
    fn_by_qualname: Map<&'a str, usize>,
    class_by_qualname: Map<&'a str, usize>,
    /// The enclosing function of each function, found once: scopes are
    /// climbed for every name read (`binding`, `is_parameter`).
    outer: Vec<Option<usize>>,
    /// `binding_type(i, 0)` per assignment once computed: a variable is
    /// typically read many times. (Deeper calls are not kept: their hop
    /// count can cut them short.)
    types: RefCell<Vec<Option<Option<Target>>>>,
}

/// The result of resolving a chain.
#[derive(Clone)]
struct Target {
    path: String,
    /// Arguments of the constructor/factory call that produced the receiver.
    receiver_args: Option<Arc<[Arg]>>,
}

pub fn resolve(
    facts: &FileFacts,
    raw: RawFacts,
    passthrough: &[String],
) -> (
    Resolved,
    Vec<crate::facts::StringLit>,
    Vec<crate::facts::Comment>,
    Vec<crate::source::Span>,
) {
    let RawFacts {
        imports: _,
        main_guards: _,
        stores: _,
        returns,
        mut conditions,
        mut returned,
        functions,
        classes,
        calls,
        mut assignments,
        strings,
        comments,
        errors,
    } = raw;
    let values: Vec<Value> = assignments
        .iter_mut()
        .map(|a| std::mem::replace(&mut a.value, Value::None))
        .collect();
    let constants = values
        .iter()
        .map(|v| match v {
            Value::Str(s) => Some(*s),
            _ => None,
        })
        .collect();
    let (fns, cls) = extract::definitions(functions, classes);
    let mut functions = Vec::with_capacity(fns.len());
    let mut decorator_chains = Vec::with_capacity(fns.len());
    let mut return_chains = Vec::with_capacity(fns.len());
    let mut param_type_chains = Vec::with_capacity(fns.len());
    for (f, d, r, p) in fns {
        functions.push(f);
        decorator_chains.push(d);
        return_chains.push(r);
        param_type_chains.push(p);
    }
    let mut classes = Vec::with_capacity(cls.len());
    let mut base_chains = Vec::with_capacity(cls.len());
    let mut class_decorator_chains = Vec::with_capacity(cls.len());
    let mut field_chains = Vec::with_capacity(cls.len());
    for (c, b, d, x) in cls {
        classes.push(c);
        base_chains.push(b);
        class_decorator_chains.push(d);
        field_chains.push(x);
    }

    let imports: Map<&str, &str> = facts
        .imports
        .iter()
        .map(|i| (i.local.as_str(), i.target.as_str()))
        .collect();
    let assign_place = places(&functions, &classes, assignments.iter().map(|a| a.start));
    let call_place = places(&functions, &classes, calls.iter().map(|c| c.start));

    let mut env = Env {
        module: &facts.module,
        passthrough,
        imports,
        top_defs: Map::default(),
        functions: &functions,
        classes: &classes,
        assigns: &assignments,
        constants,
        assign_place,
        locals: Map::default(),
        attrs: Map::default(),
        fn_by_parent: functions
            .iter()
            .filter_map(|f| Some((f.qualname.as_str().rsplit_once('.')?, ())))
            .collect(),
        fn_by_qualname: functions
            .iter()
            .enumerate()
            .map(|(i, f)| (f.qualname.as_str(), i))
            .collect(),
        class_by_qualname: classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.qualname.as_str(), i))
            .collect(),
        outer: Vec::new(),
        types: RefCell::new(vec![None; assignments.len()]),
    };
    env.outer = functions
        .iter()
        .map(|f| {
            let (outer, _) = f.qualname.rsplit_once('.')?;
            env.fn_by_qualname.get(outer).copied()
        })
        .collect();
    for f in functions.iter().filter(|f| !f.qualname.contains('.')) {
        env.top_defs.insert(f.name.as_str(), ());
    }
    for c in classes.iter().filter(|c| !c.qualname.contains('.')) {
        env.top_defs.insert(c.name.as_str(), ());
    }
    for (i, a) in assignments.iter().enumerate() {
        let place = env.assign_place[i].clone();
        if let Some((receiver, attr)) = a.target.split_once('.') {
            if let Some(class) = place
                .function
                .filter(|_| !attr.contains('.'))
                .and_then(|f| env.receiver_class(f, receiver))
            {
                env.attrs.entry((class, attr)).or_default().push(i);
            }
            continue;
        }
        match (place.function, place.class_body) {
            (None, Some(c)) => env.attrs.entry((c, a.target.as_str())).or_default().push(i),
            (f, _) => env
                .locals
                .entry((f, a.target.as_str()))
                .or_default()
                .push(i),
        }
    }

    let mut pairs = Vec::with_capacity(calls.len());
    for (mut call, place) in calls.into_iter().zip(call_place) {
        let receiver = std::mem::replace(&mut call.receiver, RawReceiver::None);
        pairs.push((env.call(call, &place), receiver));
    }
    // Source order, outer before inner: the walk meets a chained call
    // (`a().b()`) after its receiver's own calls, and `FileFacts::calls_in`
    // binary-searches by start.
    pairs.sort_by_key(|(c, _)| (c.span.start_byte, std::cmp::Reverse(c.span.end_byte)));
    let (mut out_calls, receivers): (Vec<Call>, Vec<RawReceiver>) = pairs.into_iter().unzip();
    link_receivers(&mut out_calls, receivers);
    let mut out_assigns = Vec::with_capacity(assignments.len());
    for ((i, a), mut value) in assignments.iter().enumerate().zip(values) {
        if a.annotation {
            continue;
        }
        let place = &env.assign_place[i];
        let (ty, value_args) = match env.binding_type(i, 0) {
            Some(t) => (Some(t.path), t.receiver_args),
            None => (None, None),
        };
        env.resolve_value(&mut value, place, a.start);
        out_assigns.push(Assignment {
            target: a.target.as_str().into(),
            scope: place.function.map(|f| functions[f].qualname),
            value_call: ty.map(Into::into),
            value_args,
            value,
            element: a.tuple_index.map(|i| i as u32),
            span: a.span,
        });
    }

    let mut functions_out = functions.clone();
    // Return types: the last `return` (in source order) whose type is known.
    let return_place = places(&functions, &classes, returns.iter().map(|r| r.start));
    for (r, place) in returns.iter().zip(&return_place).rev() {
        let Some(f) = place.function else { continue };
        if functions_out[f].returns.is_some() {
            continue;
        }
        let resolve = |c: &Chain| env.chain(c, place, r.start, 0).map(|t| t.path.into());
        functions_out[f].returns = match (&r.value, &r.tuple) {
            (Some(c), _) => resolve(c).map(Returns::Value),
            (None, Some(parts)) => {
                let types: Vec<Option<QName>> =
                    parts.iter().map(|p| p.as_ref().and_then(resolve)).collect();
                types
                    .iter()
                    .any(Option::is_some)
                    .then_some(Returns::Tuple(types))
            }
            _ => None,
        };
    }
    for (((f, chains), returns), params) in functions_out
        .iter_mut()
        .zip(&decorator_chains)
        .zip(&return_chains)
        .zip(&param_type_chains)
    {
        // Decorators and annotations are evaluated in the scope that encloses the function.
        let outer = f
            .qualname
            .rsplit_once('.')
            .and_then(|(q, _)| env.fn_by_qualname.get(q).copied());
        let place = Place {
            function: outer,
            class_body: None,
        };
        f.return_annotation = returns.as_ref().and_then(|c| {
            env.chain(c, &place, f.span.start_byte as usize, 0)
                .map(|t| t.path.into())
        });
        // Declared parameter types, as instances (`body: UserIn` is a
        // `app.models.UserIn()`); none when no parameter declares one.
        if params.iter().any(Option::is_some) {
            f.param_types = params
                .iter()
                .map(|c| {
                    let c = c.as_ref()?;
                    let t = env.chain(c, &place, f.span.start_byte as usize, 0)?;
                    Some(format!("{}()", t.path).into())
                })
                .collect();
        }
        for (d, chain) in f.decorators.iter_mut().zip(chains) {
            let pos = d.span.start_byte as usize;
            d.resolved = env.chain(chain, &place, pos, 0).map(|t| t.path.into());
            for a in &mut d.args {
                env.resolve_value(&mut a.value, &place, pos);
            }
        }
    }
    let mut classes_out = classes.clone();
    for (((c, chains), decorator_chains), fields) in classes_out
        .iter_mut()
        .zip(&base_chains)
        .zip(&class_decorator_chains)
        .zip(&field_chains)
    {
        // Like a function's, a class's decorators run in the enclosing scope.
        let place = Place {
            function: c
                .qualname
                .rsplit_once('.')
                .and_then(|(q, _)| env.fn_by_qualname.get(q).copied()),
            class_body: None,
        };
        for (d, chain) in c.decorators.iter_mut().zip(decorator_chains) {
            let pos = d.span.start_byte as usize;
            d.resolved = env.chain(chain, &place, pos, 0).map(|t| t.path.into());
            for a in &mut d.args {
                env.resolve_value(&mut a.value, &place, pos);
            }
        }
        // Field types are read in the module's scope, as instances.
        for (x, chain) in c.fields.iter_mut().zip(fields) {
            x.type_ = chain.as_ref().and_then(|ch| {
                let t = env.chain(ch, &Place::default(), x.span.start_byte as usize, 0)?;
                Some(format!("{}()", t.path).into())
            });
        }
        c.bases = chains
            .iter()
            .map(|ch| {
                env.chain(ch, &Place::default(), c.span.start_byte as usize, 0)
                    .map(|t| t.path)
                    .unwrap_or_else(|| ch.render())
                    .into()
            })
            .collect();
    }
    let mut strings = strings;
    let string_place = places(
        &functions,
        &classes,
        strings.iter().map(|s| s.span.start_byte as usize),
    );
    for (s, place) in strings.iter_mut().zip(string_place) {
        s.scope = place.function.map(|f| functions[f].qualname);
    }
    let scope_of = |starts: &mut dyn Iterator<Item = usize>| -> Vec<Option<Ustr>> {
        places(&functions, &classes, starts)
            .into_iter()
            .map(|p| p.function.map(|f| functions[f].qualname))
            .collect()
    };
    let scopes = scope_of(&mut conditions.iter().map(|c| c.span.start_byte as usize));
    for (c, scope) in conditions.iter_mut().zip(scopes) {
        c.scope = scope;
    }
    let scopes = scope_of(&mut returned.iter().map(|r| r.span.start_byte as usize));
    for (r, scope) in returned.iter_mut().zip(scopes) {
        r.scope = scope;
    }
    (
        Resolved {
            functions: functions_out,
            classes: classes_out,
            calls: out_calls,
            assignments: out_assigns,
            conditions,
            returned,
        },
        strings,
        comments,
        errors,
    )
}

/// Each call's receiver, with receiver calls turned into call indices (by
/// byte range: no two call nodes share one).
fn link_receivers(calls: &mut [Call], receivers: Vec<RawReceiver>) {
    let by_range: Map<(u32, u32), u32> = calls
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.span.start_byte, c.span.end_byte), i as u32))
        .collect();
    for (call, r) in calls.iter_mut().zip(receivers) {
        call.receiver = match r {
            RawReceiver::None => Receiver::None,
            RawReceiver::Name(n) => Receiver::Name(n.as_str().into()),
            RawReceiver::Call(start, end) => by_range
                .get(&(start, end))
                .map_or(Receiver::None, |&i| Receiver::Call(i)),
        };
    }
}

/// Innermost enclosing function and class body of each position, by one
/// sweep over definitions sorted by start (no per-item scan).
fn places(
    functions: &[Function],
    classes: &[Class],
    positions: impl Iterator<Item = usize>,
) -> Vec<Place> {
    #[derive(Clone, Copy)]
    enum D {
        F(usize),
        C(usize),
    }
    let mut defs: Vec<(u32, u32, D)> = functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.span.start_byte, f.span.end_byte, D::F(i)))
        .chain(
            classes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.span.start_byte, c.span.end_byte, D::C(i))),
        )
        .collect();
    defs.sort_by_key(|d| (d.0, std::cmp::Reverse(d.1)));
    let positions: Vec<usize> = positions.collect();
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut out = vec![Place::default(); positions.len()];
    let mut stack: Vec<(u32, u32, D)> = Vec::new();
    let mut next = 0;
    for i in order {
        let pos = positions[i] as u32;
        while next < defs.len() && defs[next].0 <= pos {
            while stack.last().is_some_and(|d| d.1 <= defs[next].0) {
                stack.pop();
            }
            stack.push(defs[next]);
            next += 1;
        }
        while stack.last().is_some_and(|d| d.1 <= pos) {
            stack.pop();
        }
        // The innermost definition decides: a class body inside a function
        // is not that function's local scope.
        let place = match stack.last().map(|d| d.2) {
            Some(D::F(f)) => Place {
                function: Some(f),
                class_body: None,
            },
            Some(D::C(c)) => Place {
                function: None,
                class_body: Some(c),
            },
            None => Place::default(),
        };
        out[i] = place;
    }
    out
}

impl<'a> Env<'a> {
    fn class_of_method(&self, f: usize) -> Option<usize> {
        let class = self.functions[f].class.as_deref()?;
        self.class_by_qualname.get(class).copied()
    }

    /// The class whose instance (or class object) `name` is inside method `f`:
    /// the first parameter of a method that is not a static method.
    fn receiver_class(&self, f: usize, name: &str) -> Option<usize> {
        let func = &self.functions[f];
        if func.params.first().map(Ustr::as_str) != Some(name) {
            return None;
        }
        if func.decorators.iter().any(|d| d.text == "staticmethod") {
            return None;
        }
        self.class_of_method(f)
    }

    /// Whether `name` is a parameter of `f` or of a function enclosing it.
    fn is_parameter(&self, f: usize, name: &str) -> bool {
        let mut scope = Some(f);
        while let Some(g) = scope {
            if self.functions[g].params.iter().any(|p| p == name) {
                return true;
            }
            scope = self.outer_function(g);
        }
        false
    }

    /// Enclosing function of function `f` (for closures).
    fn outer_function(&self, f: usize) -> Option<usize> {
        self.outer[f]
    }

    fn call(&self, call: RawCall, place: &Place) -> Call {
        let target = self.chain(&call.chain, place, call.start, 0);
        let mut args = call.args;
        for a in &mut args {
            self.resolve_value(&mut a.value, place, call.start);
        }
        let (resolved, receiver_args) = match target {
            Some(t) => (Some(t.path), t.receiver_args),
            None => (None, None),
        };
        Call {
            callee: call.chain.render().into(),
            resolved: resolved.map(Into::into),
            args: args.into(),
            scope: place.function.map(|f| self.functions[f].qualname),
            extra: CallExtra::new(None, receiver_args),
            receiver: Receiver::None,
            span: call.span,
            callee_end: call.callee_end,
        }
    }

    /// Fill `resolved` of names and inline same-file string constants.
    fn resolve_value(&self, value: &mut Value, place: &Place, pos: usize) {
        let Value::Name { text, resolved } = value else {
            return;
        };
        // Most names have no dot: resolved without building a chain.
        let target = match text.split_once('.') {
            None => {
                let bound = self.binding(text, place, pos);
                if let Some(s) = bound.and_then(|i| self.constants[i]) {
                    *value = Value::Str(s);
                    return;
                }
                // The binding found above, not looked up again.
                self.chain_parts_bound(text, bound, &[], place, 0)
            }
            Some((base, rest)) => {
                let segs: Vec<Seg> = rest.split('.').map(|p| Seg::Attr(p.to_string())).collect();
                self.chain_parts(base, &segs, place, pos, 0)
            }
        };
        *resolved = target.map(|t| t.path.into());
    }

    /// The assignment that binds `name` as seen from `place` at `pos`:
    /// local scope, then enclosing functions, then module level.
    fn binding(&self, name: &str, place: &Place, pos: usize) -> Option<usize> {
        let mut scope = place.function;
        loop {
            if let Some(list) = self.locals.get(&(scope, name)) {
                return Some(pick(list, self.assigns, pos));
            }
            match scope {
                // An unannotated parameter shadows outer bindings.
                Some(f) if self.functions[f].params.iter().any(|p| p == name) => return None,
                Some(f) => scope = self.outer_function(f),
                None => return None,
            }
        }
    }

    /// Type of the value bound by assignment `i`.
    fn binding_type(&self, i: usize, hops: usize) -> Option<Target> {
        if hops > 0 {
            return self.binding_type_uncached(i, hops);
        }
        if let Some(known) = &self.types.borrow()[i] {
            return known.clone();
        }
        let t = self.binding_type_uncached(i, 0);
        self.types.borrow_mut()[i] = Some(t.clone());
        t
    }

    fn binding_type_uncached(&self, i: usize, hops: usize) -> Option<Target> {
        let a = &self.assigns[i];
        let chain = a.value_chain.as_ref()?;
        let place = self.assign_place[i].clone();
        let t = self.chain(chain, &place, a.start, hops + 1)?;
        let mut path = t.path;
        if let Some(i) = a.tuple_index {
            // Element `i` of what the call returns; the project index looks it up.
            return Some(Target {
                path: format!("{path}[{i}]"),
                receiver_args: None,
            });
        }
        if a.annotation {
            path.push_str("()");
        }
        let receiver_args = match chain.segs.last() {
            // Skip trailing passthrough calls (`.to("cuda")`) to the constructor.
            Some(Seg::Call) => a
                .value_args
                .get(self.trailing_passthrough_calls(&chain.segs))
                .cloned(),
            _ => t.receiver_args,
        };
        Some(Target {
            path: self.strip_passthrough(path),
            receiver_args,
        })
    }

    /// How many `.m()` calls of passthrough methods end the chain.
    fn trailing_passthrough_calls(&self, segs: &[Seg]) -> usize {
        let mut n = 0;
        let mut rest = segs;
        while let [head @ .., Seg::Attr(m), Seg::Call] = rest {
            if !self.passthrough.iter().any(|p| p == m) {
                break;
            }
            n += 1;
            rest = head;
        }
        n
    }

    /// `x.to("cuda")` is still `x`: drop trailing calls of passthrough methods.
    fn strip_passthrough(&self, mut path: String) -> String {
        loop {
            let Some(stem) = path.strip_suffix("()") else {
                return path;
            };
            let Some((head, method)) = stem.rsplit_once('.') else {
                return path;
            };
            if head.ends_with(')') && self.passthrough.iter().any(|m| m == method) {
                path = head.to_string();
            } else {
                return path;
            }
        }
    }

    fn chain(&self, chain: &Chain, place: &Place, pos: usize, hops: usize) -> Option<Target> {
        self.chain_parts(chain.base.as_deref()?, &chain.segs, place, pos, hops)
    }

    /// `chain` of a chain given as its base name and segments.
    fn chain_parts(
        &self,
        base: &str,
        segs: &[Seg],
        place: &Place,
        pos: usize,
        hops: usize,
    ) -> Option<Target> {
        if hops > MAX_HOPS {
            return None;
        }
        let bound = self.binding(base, place, pos);
        self.chain_parts_bound(base, bound, segs, place, hops)
    }

    /// `chain_parts` with the binding of `base` (`binding(base, place, pos)`)
    /// already looked up.
    fn chain_parts_bound(
        &self,
        base: &str,
        bound: Option<usize>,
        segs: &[Seg],
        place: &Place,
        hops: usize,
    ) -> Option<Target> {
        if hops > MAX_HOPS {
            return None;
        }
        let mut segs = segs;
        let head: Target = if let Some(i) = bound {
            self.binding_type(i, hops)?
        } else if let Some(class) = place.function.and_then(|f| self.receiver_class(f, base)) {
            // Spelled only where it is used: most `self.x` chains find `x` assigned.
            // Pushed piece by piece: `format!` costs several times more.
            let class_path = |suffix: &[&str]| {
                let (module, qualname) = (self.module_prefix(), self.classes[class].qualname);
                let tail: usize = suffix.iter().map(|s| s.len()).sum();
                let mut path = String::with_capacity(module.len() + 1 + qualname.len() + tail);
                path.push_str(module);
                path.push('.');
                path.push_str(&qualname);
                suffix.iter().for_each(|s| path.push_str(s));
                path
            };
            match segs.first() {
                Some(Seg::Attr(attr)) => {
                    if let Some(list) = self.attrs.get(&(class, attr.as_str())) {
                        segs = &segs[1..];
                        // Every method's assignment counts: the last one with
                        // a type, so that `self.client = None` in `close()`
                        // does not erase `self.client = Client()`. (Several
                        // types: the run-time pass joins them.)
                        list.iter()
                            .rev()
                            .find_map(|&i| self.binding_type(i, hops))?
                    } else if self
                        .fn_by_parent
                        .contains_key(&(self.classes[class].qualname.as_str(), attr.as_str()))
                    {
                        segs = &segs[1..];
                        Target {
                            path: class_path(&[".", attr.as_str()]),
                            receiver_args: None,
                        }
                    } else {
                        Target {
                            path: class_path(&["()"]),
                            receiver_args: None,
                        }
                    }
                }
                _ => Target {
                    path: class_path(&["()"]),
                    receiver_args: None,
                },
            }
        } else if place.function.is_some_and(|f| self.is_parameter(f, base)) {
            // An unannotated parameter: its type is whatever the caller passes.
            return None;
        } else if let Some(target) = self.imports.get(base) {
            Target {
                path: target.to_string(),
                receiver_args: None,
            }
        } else if self.top_defs.contains_key(base) {
            Target {
                path: format!("{}.{base}", self.module_prefix()),
                receiver_args: None,
            }
        } else {
            return None;
        };
        let path = self.strip_passthrough(extract::render_segs(head.path, segs));
        Some(Target {
            path,
            receiver_args: head.receiver_args,
        })
    }

    fn module_prefix(&self) -> &str {
        if self.module.is_empty() {
            "__main__"
        } else {
            self.module
        }
    }
}

/// The last binding before `pos`, else the last one (flow-insensitive fallback
/// for functions that run after the module finished loading).
fn pick(list: &[usize], assigns: &[RawAssign], pos: usize) -> usize {
    list.iter()
        .rev()
        .copied()
        .find(|&i| assigns[i].start < pos)
        .unwrap_or(*list.last().expect("binding lists are never empty"))
}

//! Query matches → raw facts. Names are not resolved here; `resolve.rs` does
//! that once the whole file (all imports and assignments) is known.

use std::sync::Arc;

use tree_sitter::{Node, Query, QueryMatch};
use ustr::Ustr;

use super::Kind;
use super::resolve::Map;
use super::values::{self, FIELD, kind, node_text};
use crate::facts::{
    Arg, Class, Comment, Condition, Decorator, Function, Import, Return, Store, StringLit, Value,
};
use crate::source::{LineIndex, Span};

/// An expression as a chain: a base name followed by attribute accesses,
/// calls and subscripts (`client.chat.completions.create` or `OpenAI().models`).
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The leftmost name; `None` when the chain starts at a literal or other expression.
    pub base: Option<String>,
    pub segs: Vec<Seg>,
    /// Source text, whitespace-collapsed, for display when `base` is `None`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Attr(String),
    Call,
    Index,
}

impl Chain {
    /// Render with `base` replaced by `head`.
    pub fn render_with(&self, head: &str) -> String {
        let mut out = String::with_capacity(head.len() + segs_len(&self.segs));
        out.push_str(head);
        render_segs(out, &self.segs)
    }

    /// As written (whitespace-collapsed).
    pub fn render(&self) -> String {
        match &self.base {
            Some(b) => self.render_with(b),
            None => self.text.clone(),
        }
    }
}

/// The bytes `segs` add when rendered.
fn segs_len(segs: &[Seg]) -> usize {
    segs.iter()
        .map(|seg| match seg {
            Seg::Attr(a) => a.len() + 1,
            Seg::Call | Seg::Index => 2,
        })
        .sum()
}

/// `head` followed by `segs` as written (`.attr`, `()`, `[]`). Sized once:
/// growing the string by each segment cost a reallocation each (~0.06 G
/// on the 1k corpus, most chains are rendered).
pub fn render_segs(mut head: String, segs: &[Seg]) -> String {
    head.reserve_exact(segs_len(segs));
    for seg in segs {
        match seg {
            Seg::Attr(a) => {
                head.push('.');
                head.push_str(a);
            }
            Seg::Call => head.push_str("()"),
            Seg::Index => head.push_str("[]"),
        }
    }
    head
}

/// Longest chain read as names (attributes, calls, subscripts): a longer
/// one (`self.g().g()…`, `f()()()…`) is kept as short text only. Every call
/// of a chain has its own chain, so reading them whole cost time and memory
/// quadratic in the chain's length (issue 17: 4.8 KB of `.g()` took 39 s to
/// index, 32 KB of `()` 3.3 GB); real code chains far fewer.
pub const MAX_CHAIN_SEGMENTS: usize = 32;

/// Read a chain from an expression node, iteratively (chains can be long).
pub fn chain(node: Node<'_>, src: &str) -> Chain {
    chain_of_text(node, src, values::plain_chain_text(node, src))
}

/// `chain`, given what `plain_chain_text` says of the node.
fn chain_of_text(node: Node<'_>, src: &str, plain: Option<&str>) -> Chain {
    // Most chains are names only: their text says it (see `plain_chain_text`).
    if let Some(text) = plain {
        // `str::split` searches for the dot with `memchr`: slower on short names.
        let mut words = text.as_bytes().split(|b| *b == b'.').map(|w| {
            // The text is ASCII (checked), so every piece is a `str`.
            std::str::from_utf8(w).unwrap_or_default().to_string()
        });
        let base = words.next();
        let segs: Vec<Seg> = words.map(Seg::Attr).collect();
        if segs.len() > MAX_CHAIN_SEGMENTS {
            return chain_of_tree(node, src);
        }
        let fast = Chain {
            base,
            segs,
            text: String::new(),
        };
        debug_assert_eq!(fast, chain_of_tree(node, src));
        return fast;
    }
    chain_of_tree(node, src)
}

/// `chain`, stepping down the tree.
fn chain_of_tree(node: Node<'_>, src: &str) -> Chain {
    let mut segs = Vec::new();
    let mut n = node;
    let base = loop {
        if segs.len() > MAX_CHAIN_SEGMENTS {
            // Not `clear`: its capacity would stay with every call's fact.
            segs = Vec::new();
            break None;
        }
        match kind(n) {
            "identifier" => break Some(node_text(n, src).to_string()),
            "attribute" => {
                let (Some(obj), Some(attr)) = (
                    n.child_by_field_id(FIELD.object),
                    n.child_by_field_id(FIELD.attribute),
                ) else {
                    break None;
                };
                segs.push(Seg::Attr(node_text(attr, src).to_string()));
                n = obj;
            }
            "call" => {
                let Some(f) = n.child_by_field_id(FIELD.function) else {
                    break None;
                };
                segs.push(Seg::Call);
                n = f;
            }
            "subscript" => {
                let Some(v) = n.child_by_field_id(FIELD.value) else {
                    break None;
                };
                segs.push(Seg::Index);
                n = v;
            }
            "parenthesized_expression" | "await" => {
                let Some(inner) = n.named_child(0) else {
                    break None;
                };
                n = inner;
            }
            _ => break None,
        }
    };
    segs.reverse();
    let text = if base.is_some() {
        String::new()
    } else {
        values::short_text(node, src)
    };
    Chain { base, segs, text }
}

/// A call before name resolution.
pub struct RawCall {
    pub chain: Chain,
    pub receiver: RawReceiver,
    pub args: Vec<Arg>,
    pub span: Span,
    pub callee_end: u32,
    pub start: usize,
}

/// What a method is called on, before calls have their final indices.
pub enum RawReceiver {
    None,
    Name(String),
    /// The call that makes the receiver, by its byte range.
    Call(u32, u32),
}

/// The receiver of a callee `receiver.method`: the leading name chain, or
/// the call whose result the chain starts from. Iterative. `plain` is what
/// `plain_chain_text` says of the callee (read once for chain and receiver).
fn receiver(callee: Node<'_>, src: &str, plain: Option<&str>) -> RawReceiver {
    if kind(callee) != "attribute" {
        return RawReceiver::None;
    }
    // `a.b.c` as written: the receiver is the chain before its last name.
    if let Some(object) = plain.and_then(|text| {
        let dot = text.as_bytes().iter().rposition(|b| *b == b'.')?;
        Some(&text[..dot])
    }) {
        debug_assert!(matches!(receiver_of_tree(callee, src), RawReceiver::Name(n) if n == object));
        return RawReceiver::Name(object.to_string());
    }
    receiver_of_tree(callee, src)
}

/// `receiver` of an attribute callee, stepping down the tree.
fn receiver_of_tree(callee: Node<'_>, src: &str) -> RawReceiver {
    let mut n = callee.child_by_field_id(FIELD.object);
    while let Some(m) = n {
        n = match kind(m) {
            "identifier" => return RawReceiver::Name(node_text(m, src).to_string()),
            "call" => return RawReceiver::Call(m.start_byte() as u32, m.end_byte() as u32),
            "attribute" => match values::name_chain(m, src) {
                Some(chain) => return RawReceiver::Name(chain),
                None => m.child_by_field_id(FIELD.object),
            },
            "subscript" => m.child_by_field_id(FIELD.value),
            "parenthesized_expression" | "await" => m.named_child(0),
            _ => None,
        };
    }
    RawReceiver::None
}

/// An assignment before name resolution.
pub struct RawAssign {
    pub target: String,
    /// The right-hand side as a chain, when it is a name/attribute/call chain.
    pub value_chain: Option<Chain>,
    /// Arguments of each call along the right-hand chain, outermost first
    /// (`A.load(x).to(y)` → `[[y], [x]]`).
    pub value_args: Vec<Arc<[Arg]>>,
    pub value: Value,
    /// A parameter annotation (`client: OpenAI`): the type is an instance of the chain.
    pub annotation: bool,
    /// Element of a tuple unpacking (`tok, model = load()` → 0 and 1).
    pub tuple_index: Option<usize>,
    pub span: Span,
    pub start: usize,
}

/// A `return` statement: one value chain, or one per element of a returned tuple.
pub struct RawReturn {
    pub start: usize,
    pub value: Option<Chain>,
    pub tuple: Option<Vec<Option<Chain>>>,
}

/// A function definition before qualnames are known.
pub struct RawFunction {
    pub name: String,
    pub params: Vec<String>,
    pub is_async: bool,
    /// Decorator expression, its span, and the arguments when it is a call.
    pub decorators: Vec<(Chain, Span, Vec<Arg>)>,
    /// The return annotation, when it is a plain name or attribute chain.
    pub return_annotation: Option<Chain>,
    /// Each parameter's declared type (`body: UserIn`, `Optional[UserIn]`),
    /// by position, when it names one type.
    pub param_types: Vec<Option<Chain>>,
    pub name_span: Span,
    pub span: Span,
}

pub struct RawClass {
    pub name: String,
    pub bases: Vec<Chain>,
    pub decorators: Vec<(Chain, Span, Vec<Arg>)>,
    /// Annotated names of the class body (`phone: str`, `email: EmailStr =
    /// Field(...)`): the declared fields of a data model.
    pub fields: Vec<RawField>,
    pub name_span: Span,
    pub span: Span,
}

/// A declared field of a class body before its type is resolved.
pub struct RawField {
    pub name: String,
    /// The name data formats use (`Field(alias="tel")`), when given.
    pub alias: Option<String>,
    /// The annotation as written, whitespace-collapsed.
    pub type_text: String,
    /// The one type it names (`Optional[X]`, `Mapped[X]` → `X`), if any.
    pub type_chain: Option<Chain>,
    pub span: Span,
}

/// Fields read from one class body at most.
const MAX_CLASS_FIELDS: usize = 256;

pub struct Raw<'a> {
    src: &'a str,
    index: &'a LineIndex<'a>,
    module: &'a str,
    is_package: bool,
    pub imports: Vec<Import>,
    pub functions: Vec<RawFunction>,
    pub classes: Vec<RawClass>,
    pub calls: Vec<RawCall>,
    pub assignments: Vec<RawAssign>,
    pub strings: Vec<StringLit>,
    pub comments: Vec<Comment>,
    pub errors: Vec<Span>,
    pub main_guards: Vec<Span>,
    pub returns: Vec<RawReturn>,
    pub conditions: Vec<Condition>,
    pub returned: Vec<Return>,
    pub stores: Vec<Store>,
    /// Arguments already read for a right-hand side (`x = f(a)`), by the
    /// argument list's node id, for the call fact that follows.
    args_read: Map<usize, Vec<Arg>>,
    /// What expressions' walks found for the expressions inside them.
    memo: values::Memo,
}

/// Finished per-file facts, names still unresolved in calls/assignments.
pub struct RawFacts {
    pub imports: Vec<Import>,
    pub functions: Vec<RawFunction>,
    pub classes: Vec<RawClass>,
    pub calls: Vec<RawCall>,
    pub assignments: Vec<RawAssign>,
    pub strings: Vec<StringLit>,
    pub comments: Vec<Comment>,
    pub errors: Vec<Span>,
    pub main_guards: Vec<Span>,
    pub returns: Vec<RawReturn>,
    /// Scopes are filled in by `resolve.rs`.
    pub conditions: Vec<Condition>,
    pub returned: Vec<Return>,
    pub stores: Vec<Store>,
}

/// The capture `idx` of a match (indices are looked up once per query).
fn capture<'t>(m: &QueryMatch<'_, 't>, idx: Option<u32>) -> Option<Node<'t>> {
    let idx = idx?;
    m.captures().iter().find(|c| c.index == idx).map(|c| c.node)
}

/// Capture indices of the combined query, looked up once when it is compiled
/// rather than by name for every match.
pub struct Captures {
    roots: [Option<u32>; KIND_COUNT],
    function_name: Option<u32>,
    function_params: Option<u32>,
    class_name: Option<u32>,
    call_callee: Option<u32>,
    call_args: Option<u32>,
    assignment_target: Option<u32>,
    assignment_value: Option<u32>,
}

const KIND_COUNT: usize = 12;

fn root_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Import => "import",
        Kind::ImportFrom => "import_from",
        Kind::Function => "function",
        Kind::Class => "class",
        Kind::Call => "call",
        Kind::Assignment => "assignment",
        Kind::Str => "string",
        Kind::Comment => "comment",
        Kind::Error => "error",
        Kind::MainGuard => "main_guard",
        Kind::Return => "return",
        Kind::Condition => "condition",
    }
}

impl Captures {
    pub fn new(query: &Query) -> Captures {
        let idx = |name: &str| query.capture_index_for_name(name);
        let mut roots = [None; KIND_COUNT];
        for kind in [
            Kind::Import,
            Kind::ImportFrom,
            Kind::Function,
            Kind::Class,
            Kind::Call,
            Kind::Assignment,
            Kind::Str,
            Kind::Comment,
            Kind::Error,
            Kind::MainGuard,
            Kind::Return,
            Kind::Condition,
        ] {
            roots[kind as usize] = idx(root_name(kind));
        }
        Captures {
            roots,
            function_name: idx("function.name"),
            function_params: idx("function.params"),
            class_name: idx("class.name"),
            call_callee: idx("call.callee"),
            call_args: idx("call.args"),
            assignment_target: idx("assignment.target"),
            assignment_value: idx("assignment.value"),
        }
    }
}

impl<'a> Raw<'a> {
    pub fn new(src: &'a str, index: &'a LineIndex<'a>, module: &'a str, is_package: bool) -> Self {
        Raw {
            src,
            index,
            module,
            is_package,
            imports: Vec::new(),
            functions: Vec::new(),
            classes: Vec::new(),
            calls: Vec::new(),
            assignments: Vec::new(),
            strings: Vec::new(),
            comments: Vec::new(),
            errors: Vec::new(),
            main_guards: Vec::new(),
            returns: Vec::new(),
            conditions: Vec::new(),
            returned: Vec::new(),
            stores: Vec::new(),
            args_read: Map::default(),
            memo: values::Memo::default(),
        }
    }

    fn span(&self, n: Node<'_>) -> Span {
        values::node_span(n, self.index)
    }

    /// The file's text.
    pub fn src(&self) -> &'a str {
        self.src
    }

    /// One match of the combined query (the reference extraction; the
    /// cursor walk in `walk.rs` calls the same methods).
    pub fn add(&mut self, kind: Kind, m: &QueryMatch<'_, '_>, caps: &Captures) {
        let Some(root) = capture(m, caps.roots[kind as usize]) else {
            return;
        };
        match kind {
            Kind::Import => self.import(root),
            Kind::ImportFrom => self.import_from(root),
            Kind::Function => {
                if let (Some(name), Some(params)) = (
                    capture(m, caps.function_name),
                    capture(m, caps.function_params),
                ) {
                    let holder = root.parent();
                    self.function(root, name, params, holder);
                }
            }
            Kind::Class => {
                if let Some(name) = capture(m, caps.class_name) {
                    let holder = root.parent();
                    self.class(root, name, holder);
                }
            }
            Kind::Call => {
                if let (Some(callee), Some(args)) =
                    (capture(m, caps.call_callee), capture(m, caps.call_args))
                {
                    self.call(root, callee, args);
                }
            }
            Kind::Assignment => {
                if let (Some(target), Some(value)) = (
                    capture(m, caps.assignment_target),
                    capture(m, caps.assignment_value),
                ) {
                    self.assignment(root, target, value);
                }
            }
            Kind::Str => {
                let bare = root
                    .parent()
                    .is_some_and(|p| p.kind() == "expression_statement");
                self.string(root, bare);
            }
            Kind::Comment => self.comment(root),
            Kind::Error => self.error(root),
            Kind::MainGuard => self.main_guard(root),
            Kind::Return => self.return_statement(root),
            Kind::Condition => self.condition(root, root.parent(), None),
        }
    }

    pub fn call(&mut self, root: Node<'_>, callee: Node<'_>, args: Node<'_>) {
        let args = match self.args_read.remove(&args.id()) {
            Some(read) => read,
            None => values::arguments(args, self.src, self.index, &mut self.memo),
        };
        let plain = values::plain_chain_text(callee, self.src);
        self.calls.push(RawCall {
            chain: chain_of_text(callee, self.src, plain),
            receiver: receiver(callee, self.src, plain),
            args,
            span: self.span(root),
            callee_end: callee.end_byte() as u32,
            start: root.start_byte(),
        });
    }

    /// A string literal; `bare` when its parent is an expression statement
    /// (a docstring). The walk knows the parent from its ancestor stack:
    /// `Node::parent` searches down from the root, ~5,700 instructions a
    /// string on the synthetic corpus.
    pub fn string(&mut self, node: Node<'_>, bare: bool) {
        let (value, interpolated) = self.memo.string(node, self.src);
        self.strings.push(StringLit {
            value,
            interpolated,
            scope: None,
            bare,
            span: self.span(node),
        });
    }

    pub fn comment(&mut self, node: Node<'_>) {
        let text = node_text(node, self.src);
        let text = text.strip_prefix('#').unwrap_or(text).to_string();
        let line_start = self.src[..node.start_byte()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let own_line = self.src[line_start..node.start_byte()].trim().is_empty();
        self.comments.push(Comment {
            text,
            own_line,
            span: self.span(node),
            width: crate::source::width(self.src, node.start_byte(), node.end_byte()),
        });
    }

    pub fn error(&mut self, node: Node<'_>) {
        self.errors.push(self.span(node));
    }

    pub fn main_guard(&mut self, node: Node<'_>) {
        self.main_guards.push(self.span(node));
    }

    pub fn import(&mut self, node: Node<'_>) {
        let mut cursor = node.walk();
        for child in values::children_by_field(&node, FIELD.name, &mut cursor) {
            match kind(child) {
                // `import a.b.c` binds `a`; attribute access then spells the rest.
                "dotted_name" => {
                    let full = dotted(child, self.src);
                    let first = full.split('.').next().unwrap_or(&full).to_string();
                    self.imports.push(Import {
                        local: first.as_str().into(),
                        target: first.into(),
                        level: 0,
                        span: self.span(child),
                    });
                }
                "aliased_import" => {
                    if let (Some(name), Some(alias)) = (
                        child.child_by_field_id(FIELD.name),
                        child.child_by_field_id(FIELD.alias),
                    ) {
                        self.imports.push(Import {
                            local: node_text(alias, self.src).into(),
                            target: dotted(name, self.src).into(),
                            level: 0,
                            span: self.span(child),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    pub fn import_from(&mut self, node: Node<'_>) {
        let Some(module_node) = node.child_by_field_id(FIELD.module_name) else {
            return;
        };
        let (level, module) = if kind(module_node) == "relative_import" {
            let text = node_text(module_node, self.src);
            let level = text.chars().take_while(|c| *c == '.').count() as u32;
            (level, text.trim_start_matches('.').trim().to_string())
        } else {
            (0, dotted(module_node, self.src))
        };
        let base = if level == 0 {
            module
        } else {
            self.relative_base(level, &module)
        };
        let mut cursor = node.walk();
        let mut any = false;
        for child in values::children_by_field(&node, FIELD.name, &mut cursor) {
            any = true;
            let (name, alias) = match kind(child) {
                "dotted_name" => (dotted(child, self.src), None),
                "aliased_import" => match (
                    child.child_by_field_id(FIELD.name),
                    child.child_by_field_id(FIELD.alias),
                ) {
                    (Some(n), Some(a)) => (
                        dotted(n, self.src),
                        Some(node_text(a, self.src).to_string()),
                    ),
                    _ => continue,
                },
                _ => continue,
            };
            let local = alias.unwrap_or_else(|| name.clone());
            let target = join(&base, &name);
            self.imports.push(Import {
                local: local.into(),
                target: target.into(),
                level,
                span: self.span(child),
            });
        }
        if !any {
            // `from x import *`
            let mut c = node.walk();
            if node
                .children(&mut c)
                .any(|ch| kind(ch) == "wildcard_import")
            {
                self.imports.push(Import {
                    local: "*".into(),
                    target: base.into(),
                    level,
                    span: self.span(node),
                });
            }
        }
    }

    /// Absolute package for a relative import of `level` dots.
    fn relative_base(&self, level: u32, module: &str) -> String {
        let mut parts: Vec<&str> = if self.module.is_empty() {
            Vec::new()
        } else {
            self.module.split('.').collect()
        };
        // A module's package is its parent; a package's `__init__` is the package itself.
        let drop = if self.is_package { level - 1 } else { level };
        for _ in 0..drop {
            parts.pop();
        }
        join(&parts.join("."), module)
    }

    /// Decorators of a function or class definition: expression, span, and
    /// the arguments when the decorator is a call. `holder` is the
    /// definition's parent, which the walk has on its ancestor stack
    /// (`Node::parent` searches down from the root).
    fn decorators(&mut self, holder: Option<Node<'_>>) -> Vec<(Chain, Span, Vec<Arg>)> {
        let mut decorators = Vec::new();
        if let Some(parent) = holder.filter(|p| kind(*p) == "decorated_definition") {
            let mut c = parent.walk();
            for d in parent.children(&mut c).filter(|d| kind(*d) == "decorator") {
                if let Some(expr) = d.named_child(0) {
                    let args = match kind(expr) {
                        "call" => expr
                            .child_by_field_id(FIELD.arguments)
                            .map(|a| values::arguments(a, self.src, self.index, &mut self.memo))
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    decorators.push((chain(expr, self.src), self.span(d), args));
                }
            }
        }
        decorators
    }

    pub fn function(
        &mut self,
        node: Node<'_>,
        name: Node<'_>,
        params: Node<'_>,
        holder: Option<Node<'_>>,
    ) {
        let decorators = self.decorators(holder);
        let is_async = node.child(0).is_some_and(|c| kind(c) == "async");
        let mut names = Vec::new();
        let mut param_types = Vec::new();
        // By index: a cursor's step costs more than a few children's.
        for p in values::named_children(params) {
            let (pname, annotation) = match kind(p) {
                "identifier" => (Some(p), None),
                "typed_parameter" => (
                    p.named_child(0).filter(|n| kind(*n) == "identifier"),
                    p.child_by_field_id(FIELD.type_),
                ),
                "default_parameter" => (p.child_by_field_id(FIELD.name), None),
                "typed_default_parameter" => (
                    p.child_by_field_id(FIELD.name),
                    p.child_by_field_id(FIELD.type_),
                ),
                "list_splat_pattern" | "dictionary_splat_pattern" => (p.named_child(0), None),
                _ => (None, None),
            };
            let Some(pname) = pname else { continue };
            let pname_text = node_text(pname, self.src).to_string();
            param_types.push(
                annotation
                    .and_then(|t| one_type(t, self.src))
                    .map(|t| chain(t, self.src))
                    .filter(|c| c.base.is_some()),
            );
            if let Some(ty) = annotation.and_then(|t| t.named_child(0)) {
                let ty_chain = chain(ty, self.src);
                if ty_chain.base.is_some() {
                    self.assignments.push(RawAssign {
                        target: pname_text.clone(),
                        value_chain: Some(ty_chain),
                        value_args: Vec::new(),
                        value: Value::None,
                        annotation: true,
                        tuple_index: None,
                        span: self.span(p),
                        start: p.start_byte(),
                    });
                }
            }
            names.push(pname_text);
        }
        // `-> FastAPI` but not `-> Optional[X]` or `-> "X"`: only a plain
        // chain names one type. A `@contextmanager` function is used as
        // `with f() as x`, and `x` is what it yields: `-> Iterator[Client]`
        // names `Client`.
        let yields = decorators.iter().any(|(c, _, _)| {
            let last = match c.segs.last() {
                Some(Seg::Attr(a)) => Some(a.as_str()),
                None => c.base.as_deref(),
                _ => None,
            };
            matches!(last, Some("contextmanager" | "asynccontextmanager"))
        });
        let return_annotation = node
            .child_by_field_id(FIELD.return_type)
            .and_then(|t| {
                if kind(t) == "type" {
                    t.named_child(0)
                } else {
                    Some(t)
                }
            })
            .and_then(|t| {
                if yields {
                    yielded_type(t, self.src)
                } else {
                    Some(t)
                }
            })
            .filter(|t| matches!(kind(*t), "identifier" | "attribute"))
            .map(|t| chain(t, self.src))
            .filter(|c| c.base.is_some() && c.segs.iter().all(|s| matches!(s, Seg::Attr(_))));
        self.functions.push(RawFunction {
            name: node_text(name, self.src).to_string(),
            params: names,
            is_async,
            decorators,
            return_annotation,
            param_types,
            name_span: self.span(name),
            span: self.span(node),
        });
    }

    pub fn return_statement(&mut self, node: Node<'_>) {
        let Some(value) = node.named_child(0) else {
            return;
        };
        let (single, tuple) = if kind(value) == "expression_list" {
            let mut c = value.walk();
            let parts: Vec<Node<'_>> = value.named_children(&mut c).collect();
            for (i, part) in parts.iter().enumerate() {
                self.returned_value(*part, Some(i as u32));
            }
            let chains = parts
                .iter()
                .map(|n| Some(chain(*n, self.src)).filter(|c| c.base.is_some()))
                .collect();
            (None, Some(chains))
        } else {
            self.returned_value(value, None);
            (
                Some(chain(value, self.src)).filter(|c| c.base.is_some()),
                None,
            )
        };
        self.returns.push(RawReturn {
            start: node.start_byte(),
            value: single,
            tuple,
        });
    }

    /// What a `return` gives back (an element of a returned tuple has its position).
    fn returned_value(&mut self, node: Node<'_>, element: Option<u32>) {
        let value = values::value(node, self.src, &mut self.memo);
        self.returned.push(Return {
            value,
            element,
            scope: None,
            span: self.span(node),
        });
    }

    /// An `if` statement, an `elif` clause or a conditional expression: the
    /// names its test reads and the spans of its two branches. `parent` is
    /// the node's parent, which the walk has on its ancestor stack
    /// (`Node::parent` searches down from the root: ~6,000 instructions an
    /// `if` clause on the synthetic corpus); only an `if` clause uses it.
    /// `position` is where the walk is among the parent's named children
    /// (the index after `node`, and the count), when it steps by index: an
    /// `elif` clause's later siblings are read from there
    /// (`Node::next_named_sibling` searches down from the root as well).
    pub fn condition<'t>(
        &mut self,
        node: Node<'t>,
        parent: Option<Node<'t>>,
        position: Option<(u32, u32)>,
    ) {
        let (test, then, orelse) = match kind(node) {
            "if_statement" => {
                let (first, last) = alternatives(node);
                let orelse = match (first, last) {
                    (Some(a), Some(b)) => Some(self.index.span(a.start_byte(), b.end_byte())),
                    _ => None,
                };
                (
                    node.child_by_field_id(FIELD.condition),
                    node.child_by_field_id(FIELD.consequence),
                    orelse,
                )
            }
            "elif_clause" => {
                // The clauses after this one run when its test fails.
                let mut first = None;
                let mut last = None;
                let later = position.zip(parent);
                let mut index = later.map_or(0, |((after, _), _)| after);
                let mut following = |n: Node<'t>| match later {
                    Some(((_, count), parent)) => {
                        let next = (index < count).then(|| parent.named_child(index)).flatten();
                        index += 1;
                        debug_assert_eq!(
                            next.map(|x| x.id()),
                            n.next_named_sibling().map(|x| x.id())
                        );
                        next
                    }
                    None => n.next_named_sibling(),
                };
                let mut next = following(node);
                let mut steps = 0;
                while let Some(n) = next {
                    steps += 1;
                    if steps > MAX_CLAUSES {
                        break;
                    }
                    if matches!(kind(n), "elif_clause" | "else_clause") {
                        first = first.or(Some(n));
                        last = Some(n);
                    }
                    next = following(n);
                }
                let orelse = first
                    .zip(last)
                    .map(|(a, b)| self.index.span(a.start_byte(), b.end_byte()));
                (
                    node.child_by_field_id(FIELD.condition),
                    node.child_by_field_id(FIELD.consequence),
                    orelse,
                )
            }
            // `[x for x in xs if test]`: only the items that pass the test
            // make the comprehension's value, and nothing flows when it
            // fails, so the whole comprehension is its `then`.
            "if_clause" => {
                let mut c = node.walk();
                let test = node.named_children(&mut c).find(|n| kind(*n) != "comment");
                debug_assert_eq!(parent.map(|p| p.id()), node.parent().map(|p| p.id()));
                (test, parent, None)
            }
            // `a if test else b`: three expressions, no fields.
            _ => {
                let mut c = node.walk();
                let parts: Vec<Node<'_>> = node
                    .named_children(&mut c)
                    .filter(|n| kind(*n) != "comment")
                    .collect();
                match parts.as_slice() {
                    [a, test, b] => (Some(*test), Some(*a), Some(self.span(*b))),
                    _ => return,
                }
            }
        };
        let (Some(test), Some(then)) = (test, then) else {
            return;
        };
        self.conditions.push(Condition {
            names: condition_names(test, self.src),
            scope: None,
            span: self.span(test),
            then: self.span(then),
            orelse,
        });
    }

    pub fn class(&mut self, node: Node<'_>, name: Node<'_>, holder: Option<Node<'_>>) {
        let mut bases = Vec::new();
        if let Some(args) = node.child_by_field_id(FIELD.superclasses) {
            let mut c = args.walk();
            for b in args.named_children(&mut c) {
                if kind(b) != "keyword_argument" && kind(b) != "comment" {
                    bases.push(chain(b, self.src));
                }
            }
        }
        let decorators = self.decorators(holder);
        let fields = self.class_fields(node);
        self.classes.push(RawClass {
            name: node_text(name, self.src).to_string(),
            bases,
            decorators,
            fields,
            name_span: self.span(name),
            span: self.span(node),
        });
    }

    /// The annotated names a class body declares, in order: `phone: str`,
    /// `id_card: Optional[str] = None`, `email: EmailStr = Field(...)`,
    /// `name: Mapped[str] = mapped_column(...)`. Class variables without an
    /// annotation are plain assignments (`phone = Column(String)`).
    fn class_fields(&self, node: Node<'_>) -> Vec<RawField> {
        let mut out = Vec::new();
        let Some(body) = node.child_by_field_id(FIELD.body) else {
            return out;
        };
        let mut c = body.walk();
        for stmt in body.named_children(&mut c) {
            if out.len() >= MAX_CLASS_FIELDS {
                break;
            }
            if kind(stmt) != "expression_statement" {
                continue;
            }
            let Some(a) = stmt.named_child(0).filter(|a| kind(*a) == "assignment") else {
                continue;
            };
            let (Some(target), Some(ty)) = (
                a.child_by_field_id(FIELD.left)
                    .filter(|t| kind(*t) == "identifier"),
                a.child_by_field_id(FIELD.type_),
            ) else {
                continue;
            };
            let alias = a
                .child_by_field_id(FIELD.right)
                .and_then(|v| field_alias(v, self.src));
            let type_text = values::collapse_ws(node_text(ty, self.src));
            out.push(RawField {
                name: node_text(target, self.src).to_string(),
                alias,
                type_text: type_text.chars().take(128).collect(),
                type_chain: one_type(ty, self.src)
                    .map(|t| chain(t, self.src))
                    .filter(|c| c.base.is_some()),
                span: self.span(a),
            });
        }
        out
    }

    pub fn assignment(&mut self, root: Node<'_>, target: Node<'_>, value: Node<'_>) {
        // `a = b = f()`: the innermost right-hand side is the value.
        let mut value = value;
        let mut guard = 0;
        while kind(value) == "assignment" && guard < 64 {
            match value.child_by_field_id(FIELD.right) {
                Some(r) => value = r,
                None => break,
            }
            guard += 1;
        }
        let mut targets: Vec<(String, Option<usize>)> = match kind(target) {
            "identifier" | "attribute" => {
                vec![(values::collapse_ws(node_text(target, self.src)), None)]
            }
            // `a, b = f()`: each name gets one element of what `f` returns.
            "pattern_list" | "tuple_pattern" => {
                let mut c = target.walk();
                target
                    .named_children(&mut c)
                    .enumerate()
                    .filter(|(_, n)| matches!(kind(*n), "identifier" | "attribute"))
                    .map(|(i, n)| (values::collapse_ws(node_text(n, self.src)), Some(i)))
                    .collect()
            }
            // `d["k"] = v`: gives no name a type, but says what `d` holds.
            "subscript" => {
                let Some(container) = target
                    .child_by_field_id(FIELD.value)
                    .map(|c| chain(c, self.src))
                    .filter(|c| c.base.is_some())
                else {
                    return;
                };
                let key = match target
                    .child_by_field_id(FIELD.subscript)
                    .map(|k| values::value(k, self.src, &mut self.memo))
                {
                    Some(Value::Str(k)) if !k.is_empty() => Some(k),
                    _ => None,
                };
                self.stores.push(Store {
                    container: container.render().into(),
                    key,
                    value: values::value(value, self.src, &mut self.memo),
                    value_span: self.span(value),
                    span: self.span(root),
                });
                return;
            }
            _ => return,
        };
        let value_chain = matches!(
            kind(value),
            "identifier" | "attribute" | "call" | "await" | "parenthesized_expression"
        )
        .then(|| chain(value, self.src))
        .filter(|c| c.base.is_some());
        // The whole value first: its walk keeps what the arguments read.
        let value_node = values::value(value, self.src, &mut self.memo);
        let value_args = self.call_args_outermost_first(value);
        let span = self.span(root);
        let start = root.start_byte();
        let raw = |(target, tuple_index), value_chain, value_args, value| RawAssign {
            target,
            value_chain,
            value_args,
            value,
            annotation: false,
            tuple_index,
            span,
            start,
        };
        // Only `a, b = …` has several targets: the others get copies, the last the value.
        let Some(last) = targets.pop() else { return };
        for t in targets {
            let copy = raw(
                t,
                value_chain.clone(),
                value_args.clone(),
                value_node.clone(),
            );
            self.assignments.push(copy);
        }
        self.assignments
            .push(raw(last, value_chain, value_args, value_node));
    }

    /// Arguments of the calls along a chain, outermost first; iterative.
    /// Each list is kept for the call's own fact too (read once, copied).
    fn call_args_outermost_first(&mut self, node: Node<'_>) -> Vec<Arc<[Arg]>> {
        let mut out = Vec::new();
        let mut n = node;
        loop {
            let next = match kind(n) {
                "call" => {
                    if let Some(a) = n.child_by_field_id(FIELD.arguments) {
                        let args = values::arguments(a, self.src, self.index, &mut self.memo);
                        self.args_read.insert(a.id(), args.clone());
                        out.push(args.into());
                    }
                    n.child_by_field_id(FIELD.function)
                }
                "attribute" => n.child_by_field_id(FIELD.object),
                "subscript" => n.child_by_field_id(FIELD.value),
                "parenthesized_expression" | "await" => n.named_child(0),
                _ => None,
            };
            match next {
                Some(x) => n = x,
                None => return out,
            }
        }
    }

    pub fn finish(self) -> RawFacts {
        RawFacts {
            imports: self.imports,
            functions: self.functions,
            classes: self.classes,
            calls: self.calls,
            assignments: self.assignments,
            strings: self.strings,
            comments: self.comments,
            errors: self.errors,
            main_guards: self.main_guards,
            returns: self.returns,
            conditions: self.conditions,
            returned: self.returned,
            stores: self.stores,
        }
    }
}

/// The first and last `alternative` of an `if` statement (its `elif` and
/// `else` clauses). Without an ERROR or MISSING node inside, the grammar
/// puts every `elif` and `else` clause there and nothing else: they are
/// found by kind among the named children, read by index, instead of with
/// a cursor over all children and their fields.
fn alternatives<'t>(node: Node<'t>) -> (Option<Node<'t>>, Option<Node<'t>>) {
    let by_field = || {
        let mut c = node.walk();
        let all: Vec<Node<'t>> =
            values::children_by_field(&node, FIELD.alternative, &mut c).collect();
        (all.first().copied(), all.last().copied())
    };
    if node.has_error() {
        return by_field();
    }
    let (mut first, mut last) = (None, None);
    for n in values::named_children(node) {
        if matches!(kind(n), "elif_clause" | "else_clause") {
            first = first.or(Some(n));
            last = Some(n);
        }
    }
    debug_assert_eq!(
        (first.map(|n| n.id()), last.map(|n| n.id())),
        {
            let (a, b) = by_field();
            (a.map(|n| n.id()), b.map(|n| n.id()))
        },
        "{}",
        node.to_sexp()
    );
    (first, last)
}

/// `elif` clauses looked past when finding what runs after a failed test.
const MAX_CLAUSES: usize = 256;
/// Names kept per condition, and nodes looked at to find them.
const MAX_CONDITION_NAMES: usize = 16;
const MAX_CONDITION_NODES: usize = 256;
/// Longest name or string kept from a condition.
const MAX_CONDITION_NAME: usize = 128;

/// Names and attribute chains a test reads (`user.agreed_to_terms`, not its
/// parts), and identifier-like string literals (`"no_label"`). Iterative and
/// bounded: a test can be any expression.
fn condition_names(test: Node<'_>, src: &str) -> Vec<Ustr> {
    let mut names: Vec<Ustr> = Vec::new();
    let mut stack = vec![test];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > MAX_CONDITION_NODES || names.len() >= MAX_CONDITION_NAMES {
            break;
        }
        let name = match kind(n) {
            "identifier" | "attribute" => {
                let text = node_text(n, src);
                (text.len() <= MAX_CONDITION_NAME).then(|| values::collapse_ws_interned(text))
            }
            "string" => {
                let (value, interpolated) = values::string_value(n, src);
                let word = !interpolated
                    && value.len() <= MAX_CONDITION_NAME
                    && value.starts_with(|c: char| c.is_alphabetic() || c == '_')
                    && value
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
                word.then(|| Ustr::from(&value))
            }
            _ => {
                // Children in reverse, so names come out in source order.
                let from = stack.len();
                stack.extend(values::named_children(n));
                stack[from..].reverse();
                continue;
            }
        };
        if let Some(name) = name
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

fn dotted(node: Node<'_>, src: &str) -> String {
    let text = node_text(node, src);
    // Most module paths are written without white space: copied whole.
    if text.is_ascii()
        && !text
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b == b'\x0b')
    {
        return text.to_string();
    }
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn join(base: &str, name: &str) -> String {
    match (base.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => base.to_string(),
        _ => {
            // Sized once (`format!` grows its string as it writes).
            let mut out = String::with_capacity(base.len() + 1 + name.len());
            out.push_str(base);
            out.push('.');
            out.push_str(name);
            out
        }
    }
}

/// Functions with their decorator chains, return annotation and parameter
/// types still to resolve.
pub type FunctionsWithChains = Vec<(Function, Vec<Chain>, Option<Chain>, Vec<Option<Chain>>)>;

/// Classes with their base, decorator and field type chains still to resolve.
pub type ClassesWithChains = Vec<(Class, Vec<Chain>, Vec<Chain>, Vec<Option<Chain>>)>;

/// Build `Function`/`Class` facts with qualnames from their nesting.
pub fn definitions(
    functions: Vec<RawFunction>,
    classes: Vec<RawClass>,
) -> (FunctionsWithChains, ClassesWithChains) {
    enum Def {
        F(RawFunction),
        C(RawClass),
    }
    let mut defs: Vec<Def> = functions
        .into_iter()
        .map(Def::F)
        .chain(classes.into_iter().map(Def::C))
        .collect();
    let span_of = |d: &Def| match d {
        Def::F(f) => f.span,
        Def::C(c) => c.span,
    };
    defs.sort_by_key(|d| {
        let s = span_of(d);
        (s.start_byte, std::cmp::Reverse(s.end_byte))
    });
    // Stack of (end byte, qualname, is_class) of the definitions we are inside.
    let mut stack: Vec<(u32, String, bool)> = Vec::new();
    let mut fns = Vec::new();
    let mut cls = Vec::new();
    for d in defs {
        let span = span_of(&d);
        while stack
            .last()
            .is_some_and(|(end, _, _)| *end <= span.start_byte)
        {
            stack.pop();
        }
        let parent = stack.last().cloned();
        let name = match &d {
            Def::F(f) => f.name.clone(),
            Def::C(c) => c.name.clone(),
        };
        let qualname = match &parent {
            Some((_, q, _)) => format!("{q}.{name}"),
            None => name.clone(),
        };
        match d {
            Def::F(f) => {
                let class = parent.as_ref().filter(|p| p.2).map(|p| p.1.clone());
                let chains = f.decorators.iter().map(|(c, _, _)| c.clone()).collect();
                fns.push((
                    Function {
                        name: f.name.into(),
                        qualname: qualname.as_str().into(),
                        class: class.map(Into::into),
                        decorators: f
                            .decorators
                            .into_iter()
                            .map(|(c, span, args)| Decorator {
                                text: c.render().into(),
                                resolved: None,
                                args,
                                span,
                            })
                            .collect(),
                        params: f.params.into_iter().map(Into::into).collect(),
                        param_types: Vec::new(),
                        is_async: f.is_async,
                        return_annotation: None,
                        name_span: f.name_span,
                        span: f.span,
                        returns: None,
                        owner: None,
                        implements: None,
                    },
                    chains,
                    f.return_annotation,
                    f.param_types,
                ));
                stack.push((span.end_byte, qualname, false));
            }
            Def::C(c) => {
                let decorator_chains = c.decorators.iter().map(|(ch, _, _)| ch.clone()).collect();
                let mut field_chains = Vec::with_capacity(c.fields.len());
                let fields = c
                    .fields
                    .into_iter()
                    .map(|x| {
                        field_chains.push(x.type_chain);
                        crate::facts::Field {
                            name: x.name.into(),
                            rename: x.alias.map(Into::into),
                            type_text: x.type_text.into(),
                            type_: None,
                            span: x.span,
                        }
                    })
                    .collect();
                cls.push((
                    Class {
                        name: c.name.into(),
                        qualname: qualname.as_str().into(),
                        bases: Vec::new(),
                        decorators: c
                            .decorators
                            .into_iter()
                            .map(|(ch, span, args)| Decorator {
                                text: ch.render().into(),
                                resolved: None,
                                args,
                                span,
                            })
                            .collect(),
                        fields,
                        name_span: c.name_span,
                        span: c.span,
                    },
                    c.bases,
                    decorator_chains,
                    field_chains,
                ));
                stack.push((span.end_byte, qualname, true));
            }
        }
    }
    (fns, cls)
}

/// The first type argument of a generator, iterator or context-manager
/// annotation (`Iterator[Client]`, `AsyncGenerator[Client, None]`): what a
/// `@contextmanager` function hands to `with ... as`.
fn yielded_type<'t>(t: Node<'t>, src: &str) -> Option<Node<'t>> {
    const YIELDING: &[&str] = &[
        "Iterator",
        "Generator",
        "Iterable",
        "AsyncIterator",
        "AsyncGenerator",
        "AsyncIterable",
        "ContextManager",
        "AsyncContextManager",
        "AbstractContextManager",
        "AbstractAsyncContextManager",
    ];
    let (base, first) = match kind(t) {
        // `Iterator[Client]` in a type position: the name, then `[...]`.
        "generic_type" => (t.named_child(0)?, t.named_child(1)?.named_child(0)?),
        "subscript" => (
            t.child_by_field_id(FIELD.value)?,
            t.child_by_field_id(FIELD.subscript)?,
        ),
        _ => return None,
    };
    let last = match kind(base) {
        "identifier" => base,
        "attribute" => base.child_by_field_id(FIELD.attribute)?,
        _ => return None,
    };
    let first = if kind(first) == "type" {
        first.named_child(0)?
    } else {
        first
    };
    YIELDING.contains(&node_text(last, src)).then_some(first)
}

/// The one type an annotation names, wrappers that only say "maybe" or
/// "mapped" taken off: `UserIn`, `Optional[UserIn]`, `UserIn | None`,
/// `Annotated[UserIn, Body()]`, `Mapped[str]`. `List[UserIn]` and other
/// containers name none. Bounded: annotations nest.
fn one_type<'t>(t: Node<'t>, src: &str) -> Option<Node<'t>> {
    const WRAPPERS: &[&str] = &[
        "Optional",
        "Annotated",
        "Mapped",
        "Required",
        "NotRequired",
        "Final",
    ];
    let mut t = t;
    for _ in 0..8 {
        t = match kind(t) {
            "type" => t.named_child(0)?,
            "identifier" | "attribute" => return Some(t),
            "generic_type" | "subscript" => {
                let (base, first) = if kind(t) == "generic_type" {
                    (t.named_child(0)?, t.named_child(1)?.named_child(0)?)
                } else {
                    (
                        t.child_by_field_id(FIELD.value)?,
                        t.child_by_field_id(FIELD.subscript)?,
                    )
                };
                let last = match kind(base) {
                    "identifier" => base,
                    "attribute" => base.child_by_field_id(FIELD.attribute)?,
                    _ => return None,
                };
                if !WRAPPERS.contains(&node_text(last, src)) {
                    return None;
                }
                first
            }
            // `UserIn | None`: the side that is not `None`.
            "binary_operator" | "union_type" => {
                let mut c = t.walk();
                let sides: Vec<Node<'t>> = t
                    .named_children(&mut c)
                    .filter(|n| kind(*n) != "none" && node_text(*n, src) != "None")
                    .collect();
                match sides.as_slice() {
                    [one] => *one,
                    _ => return None,
                }
            }
            _ => return None,
        };
    }
    None
}

/// The wire name a field declaration gives (`Field(alias="tel")`).
fn field_alias(value: Node<'_>, src: &str) -> Option<String> {
    if kind(value) != "call" {
        return None;
    }
    let args = value.child_by_field_id(FIELD.arguments)?;
    let mut c = args.walk();
    for a in args.named_children(&mut c) {
        if kind(a) != "keyword_argument" {
            continue;
        }
        let name = a.child_by_field_id(FIELD.name).map(|n| node_text(n, src));
        if matches!(
            name,
            Some("alias" | "validation_alias" | "serialization_alias")
        ) && let Some(v) = a
            .child_by_field_id(FIELD.value)
            .filter(|v| kind(*v) == "string")
        {
            let (text, interpolated) = values::string_value(v, src);
            if !interpolated && !text.is_empty() {
                return Some(text);
            }
        }
    }
    None
}

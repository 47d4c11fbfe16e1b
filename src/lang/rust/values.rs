//! Expressions as the facts hold them: first and last tokens (spans
//! without turning a subtree back into tokens), name chains, literal
//! values, what an expression reads, and its shape. Everything here walks
//! chains iteratively and nested values to a fixed depth.

use proc_macro2::Span as PmSpan;
use syn::{Expr, Lit, Member, Path, PathArguments, Type, TypeParamBound, UnOp};

use crate::facts::{BinOp, Expr as FactExpr, Part, Shape, Value};

/// Literal values nest at most this deep (lists in dicts in lists ...).
pub const MAX_LITERAL_DEPTH: usize = 16;
/// Names kept per expression.
const MAX_READS: usize = 64;
/// Nodes looked at to find an expression's reads or a condition's names.
const MAX_READ_NODES: usize = 2048;
/// Longest display text of an expression.
const MAX_EXPR_TEXT: usize = 120;
/// Elements kept of a literal list or dict.
const MAX_ELEMENTS: usize = 256;

/// Methods that hand back the value they are called on, or a reference,
/// guard or clone of it: a chain through them keeps its type.
pub const PASSTHROUGH: &[&str] = &[
    "clone",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "lock",
    "read",
    "write",
    "unwrap",
    "expect",
    "unwrap_or_default",
    "to_owned",
    "deref",
    "deref_mut",
    "get_ref",
    "get_mut",
    "as_deref",
    "as_deref_mut",
    "into_inner",
    "blocking_lock",
    "try_lock",
    "unwrap_unchecked",
];

/// Calls that wrap a value without changing what it is (`Arc::new(x)`,
/// `Some(x)`): a chain through them is the chain of their argument. By
/// the path's last one or two segments.
const WRAPPER_CALLS: &[&[&str]] = &[
    &["Arc", "new"],
    &["Rc", "new"],
    &["Box", "new"],
    &["Box", "pin"],
    &["Mutex", "new"],
    &["RwLock", "new"],
    &["RefCell", "new"],
    &["Cell", "new"],
    &["Data", "new"],
    &["Arc", "clone"],
    &["Rc", "clone"],
    &["Some"],
    &["Ok"],
    &["Extension"],
    &["State"],
];

/// Generic types that only share, guard or wrap one value: a field or
/// parameter of `Arc<Client>` is a client.
pub const WRAPPER_TYPES: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Mutex",
    "RwLock",
    "RefCell",
    "Cell",
    "Cow",
    "Pin",
    "State",
    "Extension",
    "Data",
    "Json",
    "Form",
    "Query",
    "Option",
    // What a fallible call makes once `?` or `unwrap` took the error off.
    "Result",
    "Lazy",
    "LazyLock",
    "OnceLock",
    "OnceCell",
    "LazyCell",
    "ManuallyDrop",
    "Weak",
    "Result",
];

/// A syn list's items without syn's boxed iterator: `Punctuated::iter`,
/// `first` and `last` each allocate a `Box<dyn Iterator>` and call through
/// it at every step (half a million of them on mistral.rs's visit);
/// `pairs` and `get` do not.
pub trait SynList<T> {
    fn items<'a>(&'a self) -> impl DoubleEndedIterator<Item = &'a T> + ExactSizeIterator + Clone
    where
        T: 'a;
    fn first_item(&self) -> Option<&T>;
    fn last_item(&self) -> Option<&T>;
}

impl<T, P> SynList<T> for syn::punctuated::Punctuated<T, P> {
    fn items<'a>(&'a self) -> impl DoubleEndedIterator<Item = &'a T> + ExactSizeIterator + Clone
    where
        T: 'a,
    {
        self.pairs().map(syn::punctuated::Pair::into_value)
    }

    fn first_item(&self) -> Option<&T> {
        self.get(0)
    }

    fn last_item(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }
}

// --- spans -----------------------------------------------------------------

/// The first token of an expression.
pub fn expr_first(e: &Expr) -> PmSpan {
    let mut e = e;
    loop {
        e = match e {
            Expr::Array(x) => return x.bracket_token.span.open(),
            Expr::Assign(x) => &x.left,
            Expr::Async(x) => return x.async_token.span,
            Expr::Await(x) => &x.base,
            Expr::Binary(x) => &x.left,
            Expr::Block(x) => match &x.label {
                Some(l) => return l.name.apostrophe,
                None => return x.block.brace_token.span.open(),
            },
            Expr::Break(x) => return x.break_token.span,
            Expr::Call(x) => &x.func,
            Expr::Cast(x) => &x.expr,
            Expr::Closure(x) => {
                return match (&x.asyncness, &x.capture) {
                    (Some(a), _) => a.span,
                    (None, Some(m)) => m.span,
                    _ => x.inputs_begin.spans[0],
                };
            }
            Expr::Const(x) => return x.const_token.span,
            Expr::Continue(x) => return x.continue_token.span,
            Expr::Field(x) => &x.base,
            Expr::ForLoop(x) => match &x.label {
                Some(l) => return l.name.apostrophe,
                None => return x.for_token.span,
            },
            Expr::Group(x) => &x.expr,
            Expr::If(x) => return x.if_token.span,
            Expr::Index(x) => &x.expr,
            Expr::Infer(x) => return x.underscore_token.spans[0],
            Expr::Let(x) => return x.let_token.span,
            Expr::Lit(x) => return x.lit.span(),
            Expr::Loop(x) => match &x.label {
                Some(l) => return l.name.apostrophe,
                None => return x.loop_token.span,
            },
            Expr::Macro(x) => return path_first(&x.mac.path),
            Expr::Match(x) => return x.match_token.span,
            Expr::MethodCall(x) => &x.receiver,
            Expr::Paren(x) => return x.paren_token.span.open(),
            Expr::Path(x) => match &x.qself {
                Some(q) => return q.lt_token.spans[0],
                None => return path_first(&x.path),
            },
            Expr::Range(x) => match &x.start {
                Some(s) => s,
                None => return range_span(&x.limits),
            },
            Expr::RawAddr(x) => return x.and_token.spans[0],
            Expr::Reference(x) => return x.and_token.spans[0],
            Expr::Repeat(x) => return x.bracket_token.span.open(),
            Expr::Return(x) => return x.return_token.span,
            Expr::Struct(x) => match &x.qself {
                Some(q) => return q.lt_token.spans[0],
                None => return path_first(&x.path),
            },
            Expr::Try(x) => &x.expr,
            Expr::TryBlock(x) => return x.try_token.span,
            Expr::Tuple(x) => return x.paren_token.span.open(),
            Expr::Unary(x) => return unop_span(&x.op),
            Expr::Unsafe(x) => return x.unsafe_token.span,
            Expr::While(x) => match &x.label {
                Some(l) => return l.name.apostrophe,
                None => return x.while_token.span,
            },
            Expr::Yield(x) => return x.yield_token.span,
            _ => return PmSpan::call_site(),
        };
    }
}

/// The last token of an expression.
pub fn expr_last(e: &Expr) -> PmSpan {
    let mut e = e;
    loop {
        e = match e {
            Expr::Array(x) => return x.bracket_token.span.close(),
            Expr::Assign(x) => &x.right,
            Expr::Async(x) => return x.block.brace_token.span.close(),
            Expr::Await(x) => return x.await_token.span,
            Expr::Binary(x) => &x.right,
            Expr::Block(x) => return x.block.brace_token.span.close(),
            Expr::Break(x) => match &x.expr {
                Some(v) => v,
                None => match &x.label {
                    Some(l) => return l.ident.span(),
                    None => return x.break_token.span,
                },
            },
            Expr::Call(x) => return x.paren_token.span.close(),
            Expr::Cast(x) => return type_last(&x.ty),
            Expr::Closure(x) => &x.body,
            Expr::Const(x) => return x.block.brace_token.span.close(),
            Expr::Continue(x) => match &x.label {
                Some(l) => return l.ident.span(),
                None => return x.continue_token.span,
            },
            Expr::Field(x) => return member_span(&x.member),
            Expr::ForLoop(x) => return x.body.brace_token.span.close(),
            Expr::Group(x) => &x.expr,
            Expr::If(x) => match &x.else_branch {
                Some((_, e)) => e,
                None => return x.then_branch.brace_token.span.close(),
            },
            Expr::Index(x) => return x.bracket_token.span.close(),
            Expr::Infer(x) => return x.underscore_token.spans[0],
            Expr::Let(x) => &x.expr,
            Expr::Lit(x) => return x.lit.span(),
            Expr::Loop(x) => return x.body.brace_token.span.close(),
            Expr::Macro(x) => return x.mac.delimiter.span().close(),
            Expr::Match(x) => return x.brace_token.span.close(),
            Expr::MethodCall(x) => return x.paren_token.span.close(),
            Expr::Paren(x) => return x.paren_token.span.close(),
            Expr::Path(x) => return path_last(&x.path),
            Expr::Range(x) => match &x.end {
                Some(v) => v,
                None => return range_span(&x.limits),
            },
            Expr::RawAddr(x) => &x.expr,
            Expr::Reference(x) => &x.expr,
            Expr::Repeat(x) => return x.bracket_token.span.close(),
            Expr::Return(x) => match &x.expr {
                Some(v) => v,
                None => return x.return_token.span,
            },
            Expr::Struct(x) => return x.brace_token.span.close(),
            Expr::Try(x) => return x.question_token.spans[0],
            Expr::TryBlock(x) => return x.block.brace_token.span.close(),
            Expr::Tuple(x) => return x.paren_token.span.close(),
            Expr::Unary(x) => &x.expr,
            Expr::Unsafe(x) => return x.block.brace_token.span.close(),
            Expr::While(x) => return x.body.brace_token.span.close(),
            Expr::Yield(x) => match &x.expr {
                Some(v) => v,
                None => return x.yield_token.span,
            },
            _ => return PmSpan::call_site(),
        };
    }
}

fn range_span(l: &syn::RangeLimits) -> PmSpan {
    match l {
        syn::RangeLimits::HalfOpen(t) => t.spans[0],
        syn::RangeLimits::Closed(t) => t.spans[0],
    }
}

fn unop_span(op: &UnOp) -> PmSpan {
    match op {
        UnOp::Deref(t) => t.spans[0],
        UnOp::Not(t) => t.spans[0],
        UnOp::Neg(t) => t.spans[0],
        _ => PmSpan::call_site(),
    }
}

fn member_span(m: &Member) -> PmSpan {
    match m {
        Member::Named(i) => i.span(),
        Member::Unnamed(i) => i.span,
    }
}

pub fn path_first(p: &Path) -> PmSpan {
    match (&p.leading_colon, p.segments.first_item()) {
        (Some(c), _) => c.spans[0],
        (None, Some(s)) => s.ident.span(),
        _ => PmSpan::call_site(),
    }
}

pub fn path_last(p: &Path) -> PmSpan {
    match p.segments.last_item() {
        Some(s) => match &s.arguments {
            PathArguments::AngleBracketed(a) => a.gt_token.spans[0],
            PathArguments::Parenthesized(a) => match &a.output {
                syn::ReturnType::Type(_, t) => type_last(t),
                syn::ReturnType::Default => a.paren_token.span.close(),
            },
            PathArguments::None => s.ident.span(),
        },
        None => PmSpan::call_site(),
    }
}

/// The last token of a type (iterative).
pub fn type_last(t: &Type) -> PmSpan {
    let mut t = t;
    loop {
        t = match t {
            Type::Array(x) => return x.bracket_token.span.close(),
            Type::FnPtr(x) => match &x.output {
                syn::ReturnType::Type(_, t) => &**t,
                syn::ReturnType::Default => return x.paren_token.span.close(),
            },
            Type::Group(x) => &x.elem,
            Type::ImplTrait(x) => return bound_last(x.bounds.last_item()),
            Type::Infer(x) => return x.underscore_token.spans[0],
            Type::Macro(x) => return x.mac.delimiter.span().close(),
            Type::Never(x) => return x.bang_token.spans[0],
            Type::Paren(x) => return x.paren_token.span.close(),
            Type::Path(x) => return path_last(&x.path),
            Type::Ptr(x) => &x.elem,
            Type::Reference(x) => &x.elem,
            Type::Slice(x) => return x.bracket_token.span.close(),
            Type::TraitObject(x) => return bound_last(x.bounds.last_item()),
            Type::Tuple(x) => return x.paren_token.span.close(),
            _ => return PmSpan::call_site(),
        };
    }
}

fn bound_last(b: Option<&TypeParamBound>) -> PmSpan {
    match b {
        Some(TypeParamBound::Trait(t)) => path_last(&t.path),
        Some(TypeParamBound::Lifetime(l)) => l.ident.span(),
        _ => PmSpan::call_site(),
    }
}

/// Byte offset where a span of the file `src` starts, from proc-macro2's
/// line and column (a binary search over its line table) rather than its
/// `byte_range`, which keeps a map of every character offset asked for and
/// walks the text between them: that was most of the cost of locating
/// spans. The file's line starts are kept per thread while one file is
/// extracted on it ([`forget_lines`] after each).
pub fn start_byte(s: PmSpan, src: &str) -> usize {
    byte_at(s.start(), src)
}

/// Byte offset where a span of the file `src` ends (see [`start_byte`]).
/// Each end is asked for alone: a look-up costs about what a short
/// expression's value does.
pub fn end_byte(s: PmSpan, src: &str) -> usize {
    byte_at(s.end(), src)
}

fn byte_at(at: proc_macro2::LineColumn, src: &str) -> usize {
    LINES.with(|cell| {
        let mut lines = cell.borrow_mut();
        if lines.text != (src.as_ptr() as usize, src.len()) {
            *lines = Lines::new(src);
        }
        lines.byte(src, at)
    })
}

/// Take the line starts of `src` from the file's line index (the same
/// table: lines start after each `\n`) instead of searching the text again.
pub fn use_lines(src: &str, starts: &[usize]) {
    LINES.with(|cell| *cell.borrow_mut() = Lines::with_starts(src, starts.to_vec()));
}

/// Line starts of the file being extracted, and which lines are ASCII (a
/// column is then a byte offset from the line's start).
struct Lines {
    text: (usize, usize),
    starts: Vec<usize>,
    /// Whether each line is ASCII; empty when the whole file is.
    ascii_lines: Vec<bool>,
}

impl Lines {
    fn new(src: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines::with_starts(src, starts)
    }

    fn with_starts(src: &str, starts: Vec<usize>) -> Lines {
        // One non-ASCII character (a comment's `→`, a test's emoji) would
        // otherwise send every look-up in the file through a character walk
        // from its line's start.
        let ascii_lines = match src.is_ascii() {
            true => Vec::new(),
            false => (0..starts.len())
                .map(|l| {
                    let end = starts.get(l + 1).copied().unwrap_or(src.len());
                    src.as_bytes()[starts[l]..end].is_ascii()
                })
                .collect(),
        };
        Lines {
            text: (src.as_ptr() as usize, src.len()),
            starts,
            ascii_lines,
        }
    }

    fn byte(&self, src: &str, at: proc_macro2::LineColumn) -> usize {
        let line = at.line.wrapping_sub(1);
        let Some(&start) = self.starts.get(line) else {
            return src.len();
        };
        if self.ascii_lines.get(line).copied().unwrap_or(true) {
            return (start + at.column).min(src.len());
        }
        src[start..]
            .char_indices()
            .nth(at.column)
            .map_or(src.len(), |(i, _)| start + i)
    }
}

thread_local! {
    static LINES: std::cell::RefCell<Lines> = const {
        std::cell::RefCell::new(Lines { text: (0, 0), starts: Vec::new(), ascii_lines: Vec::new() })
    };
}

/// Forget the line table: the next file may be allocated where this one
/// was, with the same length, and must not inherit it.
pub fn forget_lines() {
    LINES.with(|cell| *cell.borrow_mut() = Lines::new(""));
}

/// The value of a string literal: what `LitStr::value` gives, without its
/// character-by-character copy when the literal is a plain `"..."` with no
/// escape or carriage return up to its closing quote (most are).
pub fn lit_str(s: &syn::LitStr) -> String {
    let repr = s.token().to_string();
    if let Some(body) = repr.strip_prefix('"')
        && let Some(end) = body.find(['"', '\\', '\r'])
        && body.as_bytes()[end] == b'"'
    {
        return body[..end].to_string();
    }
    s.value()
}

// --- names -----------------------------------------------------------------

/// An expression as a chain: a base path followed by fields, method names,
/// calls and subscripts (`client.chat().create`, `Client::new()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The leading path (`["Client", "new"]`, `["self"]`, `["x"]`);
    /// empty when the chain starts at a literal or another expression.
    pub base: Vec<String>,
    pub segs: Vec<Seg>,
    /// Display text when `base` is empty.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Attr(String),
    Call,
    Index,
}

impl Seg {
    /// Bytes [`render_segs`] writes for this segment (`.name`, `()`, `[]`).
    pub fn written_len(&self) -> usize {
        match self {
            Seg::Attr(a) => a.len() + 1,
            Seg::Call | Seg::Index => 2,
        }
    }
}

impl Chain {
    pub fn has_base(&self) -> bool {
        !self.base.is_empty()
    }

    /// Bytes the segments add after the base when rendered.
    pub fn segs_written_len(&self) -> usize {
        self.segs.iter().map(Seg::written_len).sum()
    }

    /// In normal form as written (`client.chat().create`).
    pub fn render(&self) -> String {
        self.render_with(0)
    }

    /// [`Chain::render`] with room for `extra` more bytes (a method name
    /// the caller appends), sized once.
    pub fn render_with(&self, extra: usize) -> String {
        if self.base.is_empty() {
            let mut out = String::with_capacity(self.text.len() + extra);
            out.push_str(&self.text);
            return out;
        }
        let segs = self.segs_written_len();
        let base: usize = self.base.iter().map(|b| b.len() + 1).sum();
        let mut head = String::with_capacity(base + segs + extra);
        for (i, b) in self.base.iter().enumerate() {
            if i > 0 {
                head.push('.');
            }
            head.push_str(b);
        }
        render_segs(head, &self.segs)
    }
}

/// `head` followed by `segs` in normal form (`.x`, `()`, `[]`).
pub fn render_segs(mut head: String, segs: &[Seg]) -> String {
    for s in segs {
        match s {
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

/// The segments of a path, generic arguments dropped; `<T as Trait>::f`
/// is `T::f`.
pub fn path_segments(qself: Option<&syn::QSelf>, p: &Path) -> Vec<String> {
    let mut out = Vec::with_capacity(p.segments.len());
    let skip = match qself {
        Some(q) => {
            match type_path(&q.ty) {
                Some(t) => out.extend(t),
                None => return Vec::new(),
            }
            q.position
        }
        None => 0,
    };
    out.extend(p.segments.items().skip(skip).map(|s| s.ident.to_string()));
    out
}

/// The path a type names once references, trait-object markers and the
/// wrappers that only share or guard a value are taken off
/// (`&Arc<State<AppState>>` → `AppState`, `Box<dyn Llm + Send>` → `Llm`).
/// `None` for tuples, slices, functions and the like. Iterative.
pub fn type_path(t: &Type) -> Option<Vec<String>> {
    let mut t = t;
    for _ in 0..MAX_LITERAL_DEPTH {
        t = match t {
            Type::Reference(r) => &r.elem,
            Type::Paren(p) => &p.elem,
            Type::Group(g) => &g.elem,
            Type::Ptr(p) => &p.elem,
            Type::TraitObject(o) => return bound_path(o.bounds.items()),
            Type::ImplTrait(o) => return bound_path(o.bounds.items()),
            Type::Path(p) => {
                let last = p.path.segments.last_item()?;
                if ident_in(&last.ident, WRAPPER_TYPES)
                    && let PathArguments::AngleBracketed(a) = &last.arguments
                    && let Some(inner) = a.args.items().find_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                {
                    inner
                } else {
                    let segs = path_segments(p.qself.as_ref(), &p.path);
                    return (!segs.is_empty()).then_some(segs);
                }
            }
            _ => return None,
        };
    }
    None
}

/// The first type argument of the type a value has once references and
/// sharing wrappers are taken off: the message type of a channel end
/// (`Arc<Mutex<Receiver<Request>>>` → `Request`). Iterative.
pub fn type_argument(t: &Type) -> Option<&Type> {
    let mut t = t;
    for _ in 0..MAX_LITERAL_DEPTH {
        t = match t {
            Type::Reference(r) => &r.elem,
            Type::Paren(p) => &p.elem,
            Type::Group(g) => &g.elem,
            Type::Path(p) => {
                let last = p.path.segments.last_item()?;
                let PathArguments::AngleBracketed(a) = &last.arguments else {
                    return None;
                };
                let inner = a.args.items().find_map(|g| match g {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })?;
                if !ident_in(&last.ident, WRAPPER_TYPES) {
                    return Some(inner);
                }
                inner
            }
            _ => return None,
        };
    }
    None
}

pub fn bound_path<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Vec<String>> {
    bounds.find_map(|b| match b {
        TypeParamBound::Trait(t) => {
            let segs = path_segments(None, &t.path);
            let skip = ["Send", "Sync", "Unpin", "Sized"];
            (!segs.is_empty() && !skip.contains(&segs.last()?.as_str())).then_some(segs)
        }
        _ => None,
    })
}

/// Whether a call of `func` only wraps its first argument (`Arc::new`, `Some`).
pub fn is_wrapper_call(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    // Most calls end in a name that ends no wrapper: the path is walked
    // only for a wrapper whose last name matches.
    let Some(last) = p.path.segments.last_item() else {
        return false;
    };
    WRAPPER_CALLS
        .iter()
        .any(|w| w.last().is_some_and(|n| last.ident == n) && path_ends_with(p, w))
}

/// Whether a path's last segments are `names` (compared in place: this
/// runs for every call a value or chain meets).
pub fn path_ends_with(p: &syn::ExprPath, names: &[&str]) -> bool {
    let segs = &p.path.segments;
    segs.len() >= names.len()
        && segs
            .items()
            .rev()
            .zip(names.iter().rev())
            .all(|(s, n)| s.ident == n)
}

/// Whether an identifier is one of `names`, without writing it out.
pub fn ident_in(ident: &proc_macro2::Ident, names: &[&str]) -> bool {
    names.iter().any(|n| ident == n)
}

/// Read a chain from an expression, iteratively. `.await`, `?`, `&`, `*`,
/// parentheses and wrapper calls (`Arc::new(x)`) are looked through.
pub fn chain(e: &Expr, src: &str) -> Chain {
    let (mut c, rest) = chain_from(e);
    if c.base.is_empty() {
        c.text = short_text(rest, src);
    }
    c
}

/// [`chain`] without the display text of a chain with no base (left
/// empty): for callers that look at its names only, which need not locate
/// the expression in the source.
pub fn chain_parts(e: &Expr) -> Chain {
    chain_from(e).0
}

/// The chain of `e`, and the expression its base was looked for in.
fn chain_from(e: &Expr) -> (Chain, &Expr) {
    let mut segs = Vec::new();
    let mut e = e;
    let base = loop {
        e = match e {
            Expr::Path(p) => break path_segments(p.qself.as_ref(), &p.path),
            Expr::Field(f) => {
                segs.push(Seg::Attr(match &f.member {
                    Member::Named(i) => i.to_string(),
                    Member::Unnamed(i) => i.index.to_string(),
                }));
                &f.base
            }
            Expr::MethodCall(m) => {
                segs.push(Seg::Call);
                segs.push(Seg::Attr(m.method.to_string()));
                &m.receiver
            }
            Expr::Call(c) if is_wrapper_call(&c.func) => match c.args.first_item() {
                Some(a) => a,
                None => break Vec::new(),
            },
            Expr::Call(c) => {
                segs.push(Seg::Call);
                &c.func
            }
            Expr::Macro(m) => {
                segs.push(Seg::Call);
                break path_segments(None, &m.mac.path);
            }
            Expr::Struct(s) => {
                segs.push(Seg::Call);
                break path_segments(s.qself.as_ref(), &s.path);
            }
            Expr::Index(i) => {
                segs.push(Seg::Index);
                &i.expr
            }
            Expr::Try(t) => &t.expr,
            Expr::Await(a) => &a.base,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => &u.expr,
            _ => break Vec::new(),
        };
    };
    segs.reverse();
    let text = String::new();
    (Chain { base, segs, text }, e)
}

/// A name or field chain as written (`req.user.id`, `config::MODEL` →
/// `config.MODEL`), when the expression is nothing else.
pub fn name_chain(e: &Expr) -> Option<String> {
    let mut out = String::new();
    name_chain_into(e, &mut out).then_some(out)
}

/// [`name_chain`] written into `out` (cleared first); false, with `out`
/// left empty, when the expression is no name chain. [`reads`] looks at
/// every node of a value with one buffer and copies out only new names.
fn name_chain_into(e: &Expr, out: &mut String) -> bool {
    use std::fmt::Write;
    out.clear();
    // One pass down to the path to find the fields, then written out in
    // source order.
    let mut fields: Vec<&Member> = Vec::new();
    let mut e = e;
    loop {
        e = match e {
            Expr::Field(f) => {
                fields.push(&f.member);
                &f.base
            }
            Expr::Path(p) if p.qself.is_none() => {
                // Sized for most chains, so that it is not grown per
                // segment (nothing is allocated for an expression that is
                // no chain).
                out.reserve(32);
                for (i, s) in p.path.segments.items().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    let _ = write!(out, "{}", s.ident);
                }
                for m in fields.iter().rev() {
                    out.push('.');
                    let _ = match m {
                        Member::Named(i) => write!(out, "{i}"),
                        Member::Unnamed(i) => write!(out, "{}", i.index),
                    };
                }
                return true;
            }
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            _ => return false,
        };
    }
}

// --- text ------------------------------------------------------------------

/// Whitespace-collapsed, shortened source text of an expression.
pub fn short_text(e: &Expr, src: &str) -> String {
    text_in(
        src,
        (start_byte(expr_first(e), src), end_byte(expr_last(e), src)),
    )
}

/// [`short_text`] of the expression whose first token starts at `a` and
/// last token ends at `b`.
pub fn text_in(src: &str, (a, b): (usize, usize)) -> String {
    match src.get(a..b) {
        Some(t) if a < b => shorten(t),
        _ => String::new(),
    }
}

/// Collapse white space (outside string literals) and cut at `MAX_EXPR_TEXT`.
pub fn shorten(text: &str) -> String {
    // Most expressions are short and on one line without spaces
    // (`self.client`, `req.model`): nothing to collapse or cut.
    let plain = |b: &u8| b.is_ascii() && !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    if text.len() <= MAX_EXPR_TEXT && text.as_bytes().iter().all(plain) {
        return text.to_string();
    }
    if text.is_ascii() {
        return shorten_ascii(text);
    }
    shorten_chars(text)
}

/// [`shorten`] a character at a time.
pub(super) fn shorten_chars(text: &str) -> String {
    shorten_units(text.chars(), text.len().min(MAX_EXPR_TEXT * 4) + 4)
}

/// [`shorten`] over ASCII text (a byte is a character there): the steps
/// of [`shorten_units`], with each run of bytes that is copied as it is
/// (up to white space or a quote, or a whole string literal) copied at
/// once.
pub(super) fn shorten_ascii(text: &str) -> String {
    let text = &text[..text.len().min(MAX_EXPR_TEXT * 4)];
    let bytes = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    let mut out = String::with_capacity(text.len().min(MAX_EXPR_TEXT) + 4);
    let mut last: Option<u8> = None;
    let mut space = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if blank(c) {
            space = true;
            i += 1;
            continue;
        }
        if space
            && last.is_some_and(|p| word(p) || p == b',' || p == b':')
            && (word(c) || c == b'"')
        {
            // Not counted against the cut until the next character is.
            out.push(' ');
        }
        space = false;
        let end = match c {
            b'"' => {
                let mut j = i + 1;
                let mut escaped = false;
                while j < bytes.len() {
                    let b = bytes[j];
                    j += 1;
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        break;
                    }
                }
                j
            }
            _ => bytes[i..]
                .iter()
                .position(|&b| blank(b) || b == b'"')
                .map_or(bytes.len(), |n| i + n),
        };
        let run = &text[i..end];
        if out.len() + run.len() > MAX_EXPR_TEXT {
            out.push_str(&run[..MAX_EXPR_TEXT.saturating_sub(out.len())]);
            out.push('…');
            return out;
        }
        out.push_str(run);
        last = Some(bytes[end - 1]);
        i = end;
    }
    out
}

/// The steps of [`shorten`] over any run of characters.
fn shorten_units(units: impl Iterator<Item = char>, capacity: usize) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(capacity);
    let mut last: Option<char> = None;
    let mut count = 0;
    let mut space = false;
    let mut quote = false;
    let mut escaped = false;
    for c in units.take(MAX_EXPR_TEXT * 4) {
        if quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quote = false;
            }
        } else if c.is_whitespace() {
            space = true;
            continue;
        } else {
            quote = c == '"';
            if space
                && last.is_some_and(|p| word(p) || p == ',' || p == ':')
                && (word(c) || c == '"')
            {
                out.push(' ');
                count += 1;
            }
            space = false;
        }
        out.push(c);
        last = Some(c);
        count += 1;
        if count > MAX_EXPR_TEXT {
            out.pop();
            out.push('…');
            return out;
        }
    }
    out
}

// --- values ----------------------------------------------------------------

/// What a macro's arguments became, kept with the expressions so that the
/// walker can still visit them.
pub struct MacroArg {
    pub keyword: Option<String>,
    pub expr: Expr,
}

/// A literal value, a name, an environment lookup, or an expression taken
/// apart (text, reads, shape). Nested literals stop at `MAX_LITERAL_DEPTH`.
pub fn value(e: &Expr, src: &str) -> Value {
    value_at(e, src, 0, None)
}

/// [`value`] of an expression already located: `range` is its first
/// token's start and last token's end in `src` (from [`start_byte`] and
/// [`end_byte`]), which its text is then cut from without asking again.
pub fn value_in(e: &Expr, src: &str, range: (usize, usize)) -> Value {
    value_at(e, src, 0, Some((e, range)))
}

/// `known`: an expression and its byte range, used when `e` is it.
fn value_at(e: &Expr, src: &str, depth: usize, known: Option<(&Expr, (usize, usize))>) -> Value {
    if depth > MAX_LITERAL_DEPTH {
        return expr_value(e, src, None);
    }
    let mut e = e;
    // Conversions that keep a literal what it is (`"x".to_string()`, `&x`).
    for _ in 0..MAX_LITERAL_DEPTH {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && ident_in(
                        &m.method,
                        &[
                            "to_string",
                            "to_owned",
                            "into",
                            "as_str",
                            "clone",
                            "as_ref",
                            "as_bytes",
                        ],
                    ) =>
            {
                &m.receiver
            }
            Expr::Call(c) if c.args.len() == 1 && is_conversion_call(&c.func) => &c.args[0],
            _ => break,
        };
    }
    if let Some(env) = env_lookup(e, src) {
        return env;
    }
    // The range given is the text of `e` only when no conversion was
    // looked through.
    let range = known.filter(|(k, _)| std::ptr::eq(*k, e)).map(|(_, r)| r);
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Value::Str(lit_str(s).into()),
            Lit::Int(i) => i
                .base10_parse::<i64>()
                .map(Value::Int)
                .unwrap_or_else(|_| expr_value(e, src, range)),
            Lit::Float(f) => f
                .base10_parse::<f64>()
                .map(Value::Float)
                .unwrap_or_else(|_| expr_value(e, src, range)),
            Lit::Bool(b) => Value::Bool(b.value),
            Lit::Char(c) => Value::Str(c.value().to_string().into()),
            _ => expr_value(e, src, range),
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            match value_at(&u.expr, src, depth + 1, None) {
                Value::Int(i) => Value::Int(-i),
                Value::Float(f) => Value::Float(-f),
                _ => expr_value(e, src, range),
            }
        }
        Expr::Path(p) if p.qself.is_none() && p.path.is_ident("None") => Value::None,
        Expr::Array(a) => Value::List(
            a.elems
                .items()
                .take(MAX_ELEMENTS)
                .map(|x| value_at(x, src, depth + 1, None))
                .collect(),
        ),
        Expr::Tuple(t) if !t.elems.is_empty() => Value::List(
            t.elems
                .items()
                .take(MAX_ELEMENTS)
                .map(|x| value_at(x, src, depth + 1, None))
                .collect(),
        ),
        Expr::Macro(m) => {
            macro_value(&m.mac, src, depth, range).unwrap_or_else(|| expr_value(e, src, range))
        }
        _ => match name_chain(e) {
            Some(text) => Value::Name {
                text: text.into(),
                resolved: None,
            },
            None => expr_value(e, src, range),
        },
    }
}

/// `String::from(x)`, `PathBuf::from(x)`, `Some(x)` and the like: the value is `x`.
fn is_conversion_call(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    let segs = &p.path.segments;
    let last = |i: usize| segs.len().checked_sub(i + 1).map(|at| &segs[at].ident);
    let (Some(name), before) = (last(0), last(1)) else {
        return false;
    };
    match before {
        None => name == "Some",
        Some(ty) => {
            (ident_in(ty, &["String", "PathBuf", "Cow", "Url", "Uri"])
                && ident_in(name, &["from", "from_static", "new"]))
                || (ty == "Box" && name == "new")
        }
    }
}

/// `std::env::var("X").unwrap_or("d".into())`, `env::var("X").unwrap_or_else(|_| "d".to_string())`,
/// `dotenvy::var("X")`: an environment lookup with its literal default.
fn env_lookup(e: &Expr, src: &str) -> Option<Value> {
    // The default's expression; read once the lookup is known to be one
    // (this runs for every value).
    let (lookup, default) = match e {
        Expr::MethodCall(m) => {
            let m_ = &m.method;
            let default = match m.args.first_item() {
                Some(d) if m_ == "unwrap_or" => Some(d),
                Some(Expr::Closure(c)) if m_ == "unwrap_or_else" => Some(&*c.body),
                _ if ident_in(m_, &["unwrap_or_default", "unwrap", "expect", "ok"]) => None,
                _ => return None,
            };
            (strip_try(&m.receiver), default)
        }
        _ => (strip_try(e), None),
    };
    let Expr::Call(c) = lookup else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    let is_env = path_ends_with(p, &["env", "var"])
        || (p.path.segments.len() == 2
            && (path_ends_with(p, &["dotenvy", "var"]) || path_ends_with(p, &["dotenv", "var"])))
        || path_ends_with(p, &["env", "var_os"]);
    if !is_env {
        return None;
    }
    let default = default.and_then(|d| value(d, src).as_str().map(Into::into));
    let name = value(c.args.first_item()?, src);
    Some(Value::Env {
        name: name.as_str()?.into(),
        default,
    })
}

fn strip_try(e: &Expr) -> &Expr {
    let mut e = e;
    loop {
        e = match e {
            Expr::Try(t) => &t.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            _ => return e,
        };
    }
}

/// `vec![...]` and `routes![...]` are lists; `json!({...})` a dict or list;
/// `format!(...)` an expression whose shape is a template; `warp::path!`
/// a literal path.
/// `range`: the macro's first and last token's bytes when known.
fn macro_value(
    mac: &syn::Macro,
    src: &str,
    depth: usize,
    range: Option<(usize, usize)>,
) -> Option<Value> {
    let name = mac.path.segments.last_item()?.ident.to_string();
    match name.as_str() {
        "vec" | "routes" | "catchers" | "hashset" | "btreeset" => {
            let args = super::macros::comma_exprs(mac)?;
            Some(Value::List(
                args.iter()
                    .take(MAX_ELEMENTS)
                    .map(|a| value_at(a, src, depth + 1, None))
                    .collect(),
            ))
        }
        "json" => super::macros::json_value(mac, src, depth),
        "path" => super::macros::warp_path(mac).map(|p| Value::Str(p.into())),
        _ => {
            let parts = super::macros::format_template(mac, src)?;
            let (a, b) = range.unwrap_or_else(|| {
                (
                    start_byte(path_first(&mac.path), src),
                    end_byte(mac.delimiter.span().close(), src),
                )
            });
            let text = shorten(src.get(a..b)?);
            if let [Part::Lit(s)] = &parts[..] {
                return Some(Value::Str(*s));
            }
            let reads = parts
                .iter()
                .flat_map(|p| match p {
                    Part::Hole { reads, .. } => reads.to_vec(),
                    Part::Lit(_) => Vec::new(),
                })
                .collect();
            Some(Value::Expr(Box::new(FactExpr {
                text: text.into(),
                reads,
                shape: Shape::Template(parts.iter().cloned().collect()),
            })))
        }
    }
}

/// Any other expression: its text, what it reads, its shape.
/// `range`: its first and last token's bytes when known.
fn expr_value(e: &Expr, src: &str, range: Option<(usize, usize)>) -> Value {
    let text = match (e, range) {
        (Expr::Closure(_), _) => "closure".to_string(),
        (_, Some(range)) => text_in(src, range),
        (_, None) => short_text(e, src),
    };
    Value::Expr(Box::new(FactExpr {
        text: text.into(),
        reads: reads(e).into_iter().map(Into::into).collect(),
        shape: shape(e, src, 0),
    }))
}

/// Names and field chains an expression reads, each once, in source order
/// (string literals do not count; `format!` holes do). Bounded.
pub fn reads(e: &Expr) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(4);
    let mut stack = Vec::with_capacity(16);
    stack.push(e);
    let mut seen = 0;
    // Every name chain is written here; a name read again is not copied.
    let mut name = String::with_capacity(32);
    while let Some(e) = stack.pop() {
        seen += 1;
        if seen > MAX_READ_NODES || out.len() >= MAX_READS {
            break;
        }
        if name_chain_into(e, &mut name) {
            if !out.contains(&name) && !name.is_empty() && name != "None" {
                out.push(name.clone());
            }
            continue;
        }
        // Children pushed last first, so they come out in source order
        // (straight onto the stack: this runs on every node looked at).
        match e {
            Expr::Binary(b) => stack.extend([&*b.right, &*b.left]),
            Expr::Unary(u) => stack.push(&u.expr),
            Expr::Reference(r) => stack.push(&r.expr),
            Expr::Paren(p) => stack.push(&p.expr),
            Expr::Group(g) => stack.push(&g.expr),
            Expr::Try(t) => stack.push(&t.expr),
            Expr::Await(a) => stack.push(&a.base),
            Expr::Cast(c) => stack.push(&c.expr),
            Expr::Field(f) => stack.push(&f.base),
            Expr::Index(i) => stack.extend([&*i.index, &*i.expr]),
            Expr::Call(c) => {
                stack.extend(c.args.items().rev());
                stack.push(&c.func);
            }
            Expr::MethodCall(m) => {
                stack.extend(m.args.items().rev());
                stack.push(&m.receiver);
            }
            Expr::Array(a) => stack.extend(a.elems.items().rev()),
            Expr::Tuple(t) => stack.extend(t.elems.items().rev()),
            Expr::Struct(s) => stack.extend(s.fields.items().rev().map(|f| &f.expr)),
            Expr::Range(r) => stack.extend(r.end.iter().chain(r.start.iter()).map(|b| &**b)),
            Expr::If(i) => stack.push(&i.cond),
            Expr::Let(l) => stack.push(&l.expr),
            // Macro arguments are parsed here, so they are not in the
            // tree: read them on their own (nesting is bounded by the lexer).
            Expr::Macro(m) => {
                for a in super::macros::args(&m.mac).iter().flat_map(|a| a.iter()) {
                    for n in reads(&a.expr) {
                        if !out.contains(&n) && out.len() < MAX_READS {
                            out.push(n);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The shape rules compute on. Depth-bounded.
fn shape(e: &Expr, src: &str, depth: usize) -> Shape {
    if depth > MAX_LITERAL_DEPTH {
        return Shape::Other;
    }
    let d = depth + 1;
    match e {
        Expr::Closure(_) => Shape::Function,
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i
                .base10_parse::<f64>()
                .map(Shape::Num)
                .unwrap_or(Shape::Other),
            Lit::Float(f) => f
                .base10_parse::<f64>()
                .map(Shape::Num)
                .unwrap_or(Shape::Other),
            Lit::Str(s) => Shape::Str(lit_str(s).into()),
            _ => Shape::Other,
        },
        Expr::Paren(p) => shape(&p.expr, src, d),
        Expr::Group(g) => shape(&g.expr, src, d),
        Expr::Reference(r) => shape(&r.expr, src, d),
        Expr::Cast(c) => shape(&c.expr, src, d),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            Shape::Neg(Box::new(shape(&u.expr, src, d)))
        }
        Expr::Binary(b) => {
            let op = match b.op {
                syn::BinOp::Add(_) => BinOp::Add,
                syn::BinOp::Sub(_) => BinOp::Sub,
                syn::BinOp::Mul(_) => BinOp::Mul,
                syn::BinOp::Div(_) => BinOp::Div,
                syn::BinOp::Rem(_) => BinOp::Mod,
                _ => return Shape::Other,
            };
            Shape::Binary(
                op,
                Box::new((shape(&b.left, src, d), shape(&b.right, src, d))),
            )
        }
        Expr::Index(i) => Shape::Index(Box::new((shape(&i.expr, src, d), shape(&i.index, src, d)))),
        Expr::Tuple(t) => Shape::Tuple(
            t.elems
                .items()
                .take(MAX_ELEMENTS)
                .map(|x| shape(x, src, d))
                .collect(),
        ),
        Expr::Call(c) => match name_chain(&c.func) {
            Some(n) => Shape::Call(
                n.into(),
                c.args
                    .items()
                    .take(MAX_ELEMENTS)
                    .map(|x| shape(x, src, d))
                    .collect(),
            ),
            None => Shape::Other,
        },
        Expr::Macro(m) => match super::macros::format_template(&m.mac, src) {
            Some(parts) => Shape::Template(parts.iter().cloned().collect()),
            None => Shape::Other,
        },
        _ => match name_chain(e) {
            Some(n) => Shape::Name(n.into()),
            None => Shape::Other,
        },
    }
}

/// Names and field chains a test reads, and identifier-like string
/// literals (`"no_label"`). Bounded.
pub fn condition_names(test: &Expr) -> Vec<String> {
    const MAX_NAMES: usize = 16;
    let mut names = reads(test);
    let mut stack = vec![test];
    let mut seen = 0;
    while let Some(e) = stack.pop() {
        seen += 1;
        if seen > MAX_READ_NODES {
            break;
        }
        match e {
            Expr::Lit(l) => {
                if let Lit::Str(s) = &l.lit {
                    let v = lit_str(s);
                    let word = v.len() <= 128
                        && v.starts_with(|c: char| c.is_alphabetic() || c == '_')
                        && v.chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
                    if word && !names.contains(&v) {
                        names.push(v);
                    }
                }
            }
            Expr::Binary(b) => stack.extend([&*b.left, &*b.right]),
            Expr::Unary(u) => stack.push(&u.expr),
            Expr::Paren(p) => stack.push(&p.expr),
            Expr::Reference(r) => stack.push(&r.expr),
            Expr::Call(c) => stack.extend(c.args.items()),
            Expr::MethodCall(m) => {
                stack.push(&m.receiver);
                stack.extend(m.args.items());
            }
            Expr::Let(l) => stack.push(&l.expr),
            // A field of what a call returns (`settings::current().share_data`)
            // is no name chain: name it as written, as Python's frontend does
            // (`settings.current().share_data`).
            Expr::Field(_) if name_chain(e).is_none() => {
                let c = chain_parts(e);
                let n = c.render();
                if c.has_base() && !names.contains(&n) {
                    names.push(n);
                }
            }
            _ => {}
        }
    }
    names.truncate(MAX_NAMES);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_written_length_is_what_rendering_appends() {
        let chain = Chain {
            base: vec!["client".into()],
            segs: vec![
                Seg::Attr("chat".into()),
                Seg::Call,
                Seg::Index,
                Seg::Attr("create".into()),
            ],
            text: String::new(),
        };
        let rendered = chain.render();
        assert_eq!(rendered, "client.chat()[].create");
        assert_eq!(chain.segs_written_len(), rendered.len() - "client".len());
    }
}

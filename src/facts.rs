//! `FileFacts`: everything the rules may know about one file. Frontends in
//! `src/lang/` produce them; nothing after extraction sees a syntax tree.
//! Facts are owned and serializable, so they can be cached and printed by
//! `synthlint debug facts`.

use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ustr::Ustr;

pub use crate::qname::QName;
use crate::source::Span;

/// The language a file is written in; each has one frontend (`lang::FRONTENDS`).
/// Catalogue entries name the language their patterns are for (default
/// `python`), so entries for several languages live side by side.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Python,
    Yaml,
    Toml,
    /// JSON, and JSON with comments where the file name says so.
    Json,
    /// INI files (`setup.cfg`, Python `logging.conf`).
    Ini,
    /// `.env` files.
    Dotenv,
    /// Terraform and other HCL.
    Hcl,
    Logrotate,
    /// Dockerfile `ENV` and `ARG` instructions.
    Dockerfile,
    Rust,
    /// Protocol Buffers definitions: package, services and rpc names.
    Proto,
    /// Markup and front-end text: HTML, Jinja/Django templates, Vue,
    /// Svelte, JS/TS string literals and JSX text, Markdown (user-facing
    /// strings only, `lang/markup/`).
    Markup,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Yaml => "yaml",
            Language::Toml => "toml",
            Language::Json => "json",
            Language::Ini => "ini",
            Language::Dotenv => "dotenv",
            Language::Hcl => "hcl",
            Language::Logrotate => "logrotate",
            Language::Dockerfile => "dockerfile",
            Language::Rust => "rust",
            Language::Proto => "proto",
            Language::Markup => "markup",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileFacts {
    /// Repo-relative path with `/` separators.
    pub path: String,
    pub language: Language,
    /// Dotted module name derived from the path (`pkg/sub/mod.py` → `pkg.sub.mod`).
    pub module: String,
    pub imports: Vec<Import>,
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub calls: Vec<Call>,
    pub assignments: Vec<Assignment>,
    pub strings: Vec<StringLit>,
    pub comments: Vec<Comment>,
    /// Regions tree-sitter could not parse; facts elsewhere in the file stand.
    pub syntax_errors: Vec<Span>,
    /// `if __name__ == "__main__":` blocks.
    pub main_guards: Vec<Span>,
    /// `if`/`elif` tests and conditional expressions, in source order.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// What `return` statements give back, in source order.
    #[serde(default)]
    pub returns: Vec<Return>,
    /// Keys and values of a configuration document (YAML, TOML, JSON, ...),
    /// in document order; empty for code. Configuration files have no
    /// module: they stay out of the module map and the call graph.
    #[serde(default)]
    pub config: Vec<ConfigEntry>,
    /// `container[key] = value` statements, in source order.
    #[serde(default)]
    pub stores: Vec<Store>,
    /// Modules declared to live in files of their own (Rust `mod x;`),
    /// for the project's module tree.
    #[serde(default)]
    pub submodules: Vec<Submodule>,
    /// Module-level type aliases (Rust `type Extracted = State<Shared>;`)
    /// with the type they name as declared, wrappers kept
    /// (`axum.extract.State`): a parameter typed by one from another module
    /// is read through it (`not_param_types`).
    #[serde(default)]
    pub type_aliases: Vec<(Ustr, QName)>,
    /// Code built only for tests (a Rust file declared under
    /// `#[cfg(test)]`): set when the project is indexed, never extracted.
    #[serde(default)]
    pub test_only: bool,
    /// Strings a user sees or follows: template and markup text, shown
    /// attributes, links, the names of elements (markup files only).
    #[serde(default)]
    pub ui_strings: Vec<UiString>,
    /// Calls that put on or take from a channel whose message type is known
    /// (Rust `tx.send(job)` with `tx: Sender<Job>`), in call order.
    #[serde(default)]
    pub channels: Vec<ChannelUse>,
    /// Calls that build a value from the fields they are given and do
    /// nothing else (a Rust struct literal `Conversation { user_id, text }`,
    /// a call to the type with the fields as keywords), in call order:
    /// the value holds exactly its arguments.
    #[serde(default)]
    pub literals: Vec<u32>,
    pub line_count: u32,
}

/// A send or receive on one end of a channel (`tx.send(job)`, `rx.recv()`),
/// with the message type that pairs the two ends: the sender and the
/// receiver are different objects, the message type is what they share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelUse {
    /// Index of the call in `FileFacts::calls`.
    pub call: u32,
    /// The message type, resolved (`router.queue.QueueCommand`).
    #[serde(with = "crate::interned")]
    pub message: Ustr,
}

/// A module whose body is in another file: Rust `mod x;`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submodule {
    #[serde(with = "crate::interned")]
    pub name: Ustr,
    /// Inline modules (`mod a { mod x; }`) around the declaration.
    #[serde(with = "crate::interned::vec")]
    pub inline: Vec<Ustr>,
    /// The file named by a `#[path = "..."]` attribute, as written.
    #[serde(with = "crate::interned::opt")]
    pub path: Option<Ustr>,
    /// Declared under `#[cfg(test)]`: only tests build it.
    pub test_only: bool,
    pub span: Span,
}

/// One user-facing string of a template, page or front-end file, as a
/// user would read it: markup tags dropped, template expressions and
/// interpolations each standing as `{{}}` (a value filled in at run time).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UiString {
    #[serde(with = "crate::interned")]
    pub text: Ustr,
    pub kind: UiKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UiKind {
    /// Text shown to the user: element text, JSX text, string literals
    /// that read as prose, `placeholder`/`title`/`alt`/`aria-label` values.
    Text,
    /// Where a link or form goes (`href`, `action`, a route-like literal).
    Link,
    /// What names an element: `id`, `class`, custom element and
    /// component tag names (`ChatBox`); structure, not text.
    Name,
    /// A module a script imports (`from "@chatscope/chat-ui-kit-react"`,
    /// `require("x")`): which packages draw the page.
    Import,
    /// The literal a script compares with, or sets as, a `role`
    /// (`role: "assistant"`, `msg.role === "user"`): a message list of
    /// role/content pairs.
    Role,
}

/// One key of a configuration document with a scalar value (tables and
/// lists are the paths of the keys below them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigEntry {
    /// Keys from the document's root, list items as `[n]`:
    /// `services`, `api`, `environment`, `LOG_LEVEL`.
    #[serde(with = "crate::interned::boxed")]
    pub path: Box<[Ustr]>,
    /// The value, typed (`Value::Str`, `Int`, `Float`, `Bool`, `None`).
    pub value: Value,
    pub key_span: Span,
    pub value_span: Span,
    /// Which document of a multi-document file (YAML `---`), from 0.
    pub document: u32,
}

impl ConfigEntry {
    /// The key path as one string, segments joined by `sep`.
    pub fn joined(&self, sep: &str) -> String {
        let parts: Vec<&str> = self.path.iter().map(|s| s.as_str()).collect();
        parts.join(sep)
    }

    /// The last key of the path.
    pub fn key(&self) -> &str {
        self.path.last().map_or("", |s| s.as_str())
    }
}

/// One imported binding: `import a.b as c` → local `c` bound to `a.b`;
/// `from .x import y` → local `y` bound to `<package>.x.y`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Import {
    /// The name this import binds in the module namespace (`*` for wildcard).
    #[serde(with = "crate::interned")]
    pub local: Ustr,
    /// Absolute dotted path the local name refers to.
    #[serde(with = "crate::interned")]
    pub target: Ustr,
    /// Relative level (number of leading dots), 0 for absolute imports.
    pub level: u32,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    #[serde(with = "crate::interned")]
    pub name: Ustr,
    /// Qualified within the module: `Class.method`, `outer.inner`.
    #[serde(with = "crate::interned")]
    pub qualname: Ustr,
    /// Qualname of the enclosing class when this is a method.
    #[serde(with = "crate::interned::opt")]
    pub class: Option<Ustr>,
    pub decorators: Vec<Decorator>,
    #[serde(with = "crate::interned::vec")]
    pub params: Vec<Ustr>,
    pub is_async: bool,
    /// The return annotation resolved like a callee (`-> FastAPI` →
    /// `fastapi.FastAPI`), when it is a plain name or attribute chain.
    #[serde(default)]
    pub return_annotation: Option<QName>,
    /// The `def` line up to the name, for anchoring findings.
    pub name_span: Span,
    /// The whole definition, decorators excluded.
    pub span: Span,
    /// Type of what the function returns, from its last `return` whose type is known.
    pub returns: Option<Returns>,
    /// For a method defined away from its type (a Rust `impl` block in
    /// another module), the type's own name: the method is also found as
    /// `owner.name`.
    #[serde(default)]
    pub owner: Option<QName>,
    /// For a method of an implementation of an interface (a Rust `impl
    /// Trait for Type` block), the interface, resolved: a call through the
    /// interface (`dyn Trait`, a `T: Trait` parameter) may run this method.
    #[serde(default)]
    pub implements: Option<QName>,
    /// Per parameter, the type as declared, resolved, wrappers kept
    /// (`State(s): State<AppState>` → `axum.extract.State`); empty when
    /// the frontend does not know them.
    #[serde(default)]
    pub param_types: Vec<Option<QName>>,
}

/// A function's return type: one value, or the elements of a returned tuple
/// (`return tokenizer, model`), each resolved like a variable type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Returns {
    Value(QName),
    Tuple(Vec<Option<QName>>),
}

/// A branch point: an `if` or `elif` test, or the test of `a if t else b`.
/// Rules ask which code runs only when a value is set (a label drawn only
/// when the request asks for it) without seeing the syntax tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Condition {
    /// What the test reads: names and attribute chains as written
    /// (`req.add_watermark`), and identifier-like string literals
    /// (`"no_label"` in `request.args.get("no_label")`). Capped in number.
    #[serde(with = "crate::interned::vec")]
    pub names: Vec<Ustr>,
    /// Qualname of the innermost enclosing function, `None` at module level.
    #[serde(with = "crate::interned::opt")]
    pub scope: Option<Ustr>,
    /// The test expression.
    pub span: Span,
    /// Code that runs when the test holds: the block, the ternary's first
    /// value, or for a comprehension's `if` filter the whole comprehension
    /// (which then holds the test: no other condition does).
    pub then: Span,
    /// Code that runs otherwise: the following `elif`/`else` clauses, or the
    /// ternary's last value. `None` when there is no `else` part.
    pub orelse: Option<Span>,
}

/// What a `return` statement gives back. A returned tuple (`return {...},
/// 200`) gives one `Return` per element, each with its position. Names in
/// the value are as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Return {
    pub value: Value,
    /// The element's position when the statement returns several values.
    pub element: Option<u32>,
    /// Qualname of the innermost enclosing function, `None` at module level.
    #[serde(with = "crate::interned::opt")]
    pub scope: Option<Ustr>,
    /// The returned expression (the element, for several values).
    pub span: Span,
}

/// `container[key] = value`: what a dict or list is filled with (a
/// registry of UI components, of handlers). Names are as written; the
/// enclosing function is found from spans by whoever needs it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Store {
    /// The subscripted expression as written: `shared.gradio` of `shared.gradio["x"] = v`.
    #[serde(with = "crate::interned")]
    pub container: Ustr,
    /// The key when it is a literal string (`"distinct_id"` of
    /// `payload["distinct_id"] = v`): it names what is stored.
    #[serde(default, with = "crate::interned::opt")]
    pub key: Option<Ustr>,
    pub value: Value,
    /// The stored expression (a call's span, to find the call fact).
    pub value_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decorator {
    /// Source text of the decorator expression without `@`.
    #[serde(with = "crate::interned")]
    pub text: Ustr,
    /// Resolved through imports and variable types (`@app.post("/x")` with
    /// `app = FastAPI()` → `fastapi.FastAPI().post()`).
    pub resolved: Option<QName>,
    /// Arguments when the decorator is a call (`"/x"` above).
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Class {
    #[serde(with = "crate::interned")]
    pub name: Ustr,
    #[serde(with = "crate::interned")]
    pub qualname: Ustr,
    /// Base class expressions, resolved through imports where possible
    /// (else as written).
    pub bases: Vec<QName>,
    /// Class decorators, resolved like function decorators.
    #[serde(default)]
    pub decorators: Vec<Decorator>,
    /// Declared fields with their types (Rust struct fields), in order.
    #[serde(default)]
    pub fields: Vec<Field>,
    pub name_span: Span,
    pub span: Span,
}

/// A declared field of a class or struct.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Field {
    #[serde(with = "crate::interned")]
    pub name: Ustr,
    /// The name data formats use (serde `rename`), when it differs.
    #[serde(with = "crate::interned::opt")]
    pub rename: Option<Ustr>,
    /// The declared type as written, generic arguments included (`Option<String>`).
    #[serde(with = "crate::interned")]
    pub type_text: Ustr,
    /// The type resolved like a callee, as an instance, with wrappers that
    /// only share or guard a value taken off (`Arc<Client>` → `…Client()`).
    pub type_: Option<QName>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    /// Callee as written, whitespace-normalised (`client.chat.completions.create`).
    #[serde(with = "crate::interned")]
    pub callee: Ustr,
    /// Callee resolved through imports and known variable types, e.g.
    /// `openai.OpenAI().chat.completions.create` (see [`QName`]).
    pub resolved: Option<QName>,
    pub args: Box<[Arg]>,
    /// Qualname of the innermost enclosing function, `None` at module level.
    #[serde(with = "crate::interned::opt")]
    pub scope: Option<Ustr>,
    /// What one call in eight has: read with [`Call::imported`] and
    /// [`Call::receiver_args`]. One optional box instead of the two fields
    /// saves 16 bytes on every call (facts hold millions).
    pub extra: Option<Box<CallExtra>>,
    /// What the method is called on, when the callee is `receiver.method`.
    pub receiver: Receiver,
    pub span: Span,
    /// Byte offset where the callee expression ends; it starts where the call does.
    pub callee_end: u32,
}

/// The rarely set parts of a [`Call`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallExtra {
    /// The name as imported, when the project index rewrote `resolved` by
    /// following it into project modules (a vendored or scanned copy of a
    /// library is still that library to the catalogue).
    pub imported: Option<QName>,
    /// When the receiver's type came from a constructor/factory call, the
    /// arguments of that call (e.g. the task of `transformers.pipeline(...)`),
    /// shared with the assignment that made the receiver.
    pub receiver_args: Option<Arc<[Arg]>>,
}

impl CallExtra {
    /// The box a call keeps: none when neither part is set.
    pub fn new(
        imported: Option<QName>,
        receiver_args: Option<Arc<[Arg]>>,
    ) -> Option<Box<CallExtra>> {
        (imported.is_some() || receiver_args.is_some()).then(|| {
            Box::new(CallExtra {
                imported,
                receiver_args,
            })
        })
    }
}

/// Builder chains longer than this are not followed (no real one is).
pub const MAX_BUILDER_CHAIN: usize = 32;

/// What a method is called on. Builder chains (`Req::new().model(x).send()`)
/// link each call to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Receiver {
    /// A plain function call (`f(x)`), or a method of something that is
    /// neither a name nor a call (`"sep".join(xs)`).
    None,
    /// A method of a name or attribute chain: `img` of `img.save()`, the
    /// leading chain `a.b` of `a.b[0].c.save()`.
    Name(#[serde(with = "crate::interned")] Ustr),
    /// A method of what another call of the same file returns: that call's
    /// index in `FileFacts::calls` (`pipe(p).images[0].save()`).
    Call(u32),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Arg {
    /// Keyword name; `None` for positional; `**` for dict unpacking, `*` for list unpacking.
    #[serde(with = "crate::interned::opt")]
    pub keyword: Option<Ustr>,
    pub value: Value,
    pub span: Span,
}

/// A literal value where the source has one, a name, or an expression the
/// frontend has taken apart ([`Expr`]). Serialized externally tagged
/// (`{"str": "x"}`, `"none"`), serde's default: the one enum form that
/// MessagePack with structs as arrays (the facts cache) reads back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    Str(#[serde(with = "crate::interned")] Ustr),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    /// A dict display with literal keys where possible.
    Dict(Box<[(Value, Value)]>),
    List(Box<[Value]>),
    /// A name or attribute chain (`settings.MODEL`), resolved through imports when possible.
    Name {
        #[serde(with = "crate::interned")]
        text: Ustr,
        resolved: Option<QName>,
    },
    /// A read of an environment variable with its literal default, if any
    /// (`os.environ.get("LLM_BASE_URL", "https://api.deepseek.com")`).
    Env {
        #[serde(with = "crate::interned")]
        name: Ustr,
        #[serde(with = "crate::interned::opt")]
        default: Option<Ustr>,
    },
    /// Any other expression.
    Expr(Box<Expr>),
}

/// An expression that is neither a literal nor a name, as the frontend took
/// it apart: what it reads and, where rules compute on it, its shape. The
/// calls inside it are the file's calls within the span of the argument or
/// assignment that holds it ([`FileFacts::calls_in`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    /// Shortened source text, for messages only: no rule takes it apart.
    #[serde(with = "crate::interned")]
    pub text: Ustr,
    /// Names and attribute chains it reads, as written, each once, in source
    /// order: `img.size[0] * k` reads `img.size` and `k`; `pipe(p).images`
    /// reads `pipe` and `p`. Interpolations of f-strings count; the insides
    /// of plain string literals do not.
    #[serde(with = "crate::interned::boxed")]
    pub reads: Box<[Ustr]>,
    pub shape: Shape,
}

/// The structure rules compute on: arithmetic over numbers and names, and
/// strings built from parts. Anything else is `Other`; a shape holding
/// `Other` somewhere is still useful (`"-i " + f(x)` keeps its literal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Other,
    /// A function value (a Python `lambda`, a Rust closure).
    Function,
    Num(f64),
    Str(#[serde(with = "crate::interned")] Ustr),
    /// A name or attribute chain as written (`img.size`).
    Name(#[serde(with = "crate::interned")] Ustr),
    Neg(Box<Shape>),
    Binary(BinOp, Box<(Shape, Shape)>),
    /// `value[index]`.
    Index(Box<(Shape, Shape)>),
    /// A call of a plain name or attribute chain, with its positional arguments.
    Call(#[serde(with = "crate::interned")] Ustr, Box<[Shape]>),
    Tuple(Box<[Shape]>),
    /// A string with interpolated parts (an f-string, a `format!`).
    Template(Box<[Part]>),
    /// A value with a fallback: `a or b` (`b` when `a` is empty or unset).
    Or(Box<(Shape, Shape)>),
    /// A method called on a value that is not a name (`(a or b).rstrip("/")`),
    /// with its name.
    Method(Box<Shape>, #[serde(with = "crate::interned")] Ustr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
}

/// A piece of a template string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// Literal text, escapes decoded.
    Lit(#[serde(with = "crate::interned")] Ustr),
    /// An interpolation: its source text with the braces, and what it reads.
    Hole {
        #[serde(with = "crate::interned")]
        text: Ustr,
        #[serde(with = "crate::interned::boxed")]
        reads: Box<[Ustr]>,
    },
}

impl FileFacts {
    /// A file with nothing found in it yet: what every frontend starts from.
    pub fn empty(path: &str, language: Language, module: String, line_count: usize) -> FileFacts {
        FileFacts {
            path: path.to_string(),
            language,
            module,
            imports: Vec::new(),
            functions: Vec::new(),
            classes: Vec::new(),
            calls: Vec::new(),
            assignments: Vec::new(),
            strings: Vec::new(),
            comments: Vec::new(),
            syntax_errors: Vec::new(),
            main_guards: Vec::new(),
            conditions: Vec::new(),
            returns: Vec::new(),
            config: Vec::new(),
            stores: Vec::new(),
            submodules: Vec::new(),
            type_aliases: Vec::new(),
            test_only: false,
            ui_strings: Vec::new(),
            channels: Vec::new(),
            literals: Vec::new(),
            line_count: line_count as u32,
        }
    }

    /// Give back what vectors built by pushing hold beyond their length
    /// (up to twice it): once, after extraction, since facts are kept for
    /// the whole scan. Cached facts are read back at their length.
    pub fn shrink(&mut self) {
        fn decorators(ds: &mut Vec<Decorator>) {
            ds.shrink_to_fit();
            ds.iter_mut().for_each(|d| d.args.shrink_to_fit());
        }
        self.imports.shrink_to_fit();
        self.functions.shrink_to_fit();
        for f in &mut self.functions {
            decorators(&mut f.decorators);
            f.params.shrink_to_fit();
            f.param_types.shrink_to_fit();
        }
        self.classes.shrink_to_fit();
        for c in &mut self.classes {
            c.bases.shrink_to_fit();
            decorators(&mut c.decorators);
            c.fields.shrink_to_fit();
        }
        self.calls.shrink_to_fit();
        self.assignments.shrink_to_fit();
        self.strings.shrink_to_fit();
        self.comments.shrink_to_fit();
        self.syntax_errors.shrink_to_fit();
        self.main_guards.shrink_to_fit();
        self.conditions.shrink_to_fit();
        for c in &mut self.conditions {
            c.names.shrink_to_fit();
        }
        self.returns.shrink_to_fit();
        self.config.shrink_to_fit();
        self.stores.shrink_to_fit();
        self.submodules.shrink_to_fit();
        self.type_aliases.shrink_to_fit();
        self.ui_strings.shrink_to_fit();
        self.channels.shrink_to_fit();
        self.literals.shrink_to_fit();
    }

    /// Whether a call only builds a value from its fields
    /// ([`FileFacts::literals`]).
    pub fn is_literal(&self, call: usize) -> bool {
        self.literals.binary_search(&(call as u32)).is_ok()
    }

    /// Indices of the calls inside a byte range (calls are in source
    /// order): the calls an argument, assignment or callee makes.
    pub fn calls_in(&self, bytes: Range<u32>) -> impl Iterator<Item = usize> + '_ {
        let (start, end) = (bytes.start, bytes.end);
        let first = self.calls.partition_point(|c| c.span.start_byte < start);
        self.calls[first..]
            .iter()
            .enumerate()
            .take_while(move |(_, c)| c.span.start_byte < end)
            .filter(move |(_, c)| c.span.end_byte <= end)
            .map(move |(i, _)| first + i)
    }
}

impl Call {
    /// The name as imported, when the project index rewrote `resolved`
    /// ([`CallExtra::imported`]).
    pub fn imported(&self) -> &Option<QName> {
        match &self.extra {
            Some(e) => &e.imported,
            None => &None,
        }
    }

    /// The arguments of the call that made the receiver
    /// ([`CallExtra::receiver_args`]).
    pub fn receiver_args(&self) -> Option<&[Arg]> {
        self.extra.as_ref()?.receiver_args.as_deref()
    }

    pub fn set_imported(&mut self, imported: Option<QName>) {
        let receiver_args = self.extra.take().and_then(|e| e.receiver_args);
        self.extra = CallExtra::new(imported, receiver_args);
    }

    pub fn set_receiver_args(&mut self, receiver_args: Option<Arc<[Arg]>>) {
        let imported = self.extra.take().and_then(|e| e.imported);
        self.extra = CallExtra::new(imported, receiver_args);
    }

    /// Bytes of the callee expression (`client.chat.completions.create`).
    pub fn callee_bytes(&self) -> Range<u32> {
        self.span.start_byte..self.callee_end
    }

    /// The positional arguments' values, in order.
    pub fn positional(&self) -> impl Iterator<Item = &Value> {
        self.args
            .iter()
            .filter(|a| a.keyword.is_none())
            .map(|a| &a.value)
    }

    /// The argument given by `keyword`, else the `position`-th positional
    /// one: the one way to find an argument.
    pub fn arg(&self, position: Option<usize>, keyword: Option<&str>) -> Option<&Arg> {
        find_arg(&self.args, position, keyword)
    }

    /// The last name of the callee (`save` of `img.save`, `f` of `f`).
    pub fn method(&self) -> &str {
        // A byte scan from the end: callees are short, and `rsplit` costs
        // several times more on them (asked for every call by many passes).
        let callee = self.callee.as_str();
        match callee.bytes().rposition(|b| b == b'.') {
            Some(dot) => &callee[dot + 1..],
            None => callee,
        }
    }

    /// This call, then the calls of its builder chain back to the first
    /// (`execute`, `bind`, `query` of `query(..).bind(x).execute(pool)`),
    /// at most [`MAX_BUILDER_CHAIN`]; `calls` are its file's.
    pub fn chain_back<'a>(&'a self, calls: &'a [Call]) -> impl Iterator<Item = &'a Call> {
        std::iter::successors(Some(self), |c| match c.receiver {
            Receiver::Call(i) => calls.get(i as usize),
            _ => None,
        })
        .take(MAX_BUILDER_CHAIN)
    }
}

/// `keyword` among `args`, else the `position`-th positional argument.
pub fn find_arg<'a>(
    args: &'a [Arg],
    position: Option<usize>,
    keyword: Option<&str>,
) -> Option<&'a Arg> {
    keyword
        .and_then(|k| args.iter().find(|a| a.keyword.as_deref() == Some(k)))
        .or_else(|| position.and_then(|p| args.iter().filter(|a| a.keyword.is_none()).nth(p)))
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An expression value with no reads and no shape (text only).
    pub fn text_only(text: &str) -> Value {
        Value::Expr(Box::new(Expr {
            text: text.into(),
            reads: Box::default(),
            shape: Shape::Other,
        }))
    }

    /// How the value reads in messages (`None`, `False`, `"off"`, the
    /// expression's text).
    pub fn display(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            // The text quoted, not the interned handle's own debug form.
            Value::Str(s) => format!("{:?}", s.as_str()),
            Value::Expr(e) => e.text.to_string(),
            Value::Name { text, .. } => text.to_string(),
            Value::Env { name, .. } => format!("${name}"),
            Value::Dict(_) => "{...}".into(),
            Value::List(_) => "[...]".into(),
        }
    }

    /// Whether the value is a function (a lambda or closure).
    pub fn is_function(&self) -> bool {
        matches!(self, Value::Expr(e) if e.shape == Shape::Function)
    }

    /// A literal string, or the literal default of an environment lookup:
    /// the value the program uses unless someone configures otherwise.
    pub fn as_str_or_default(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Env {
                default: Some(d), ..
            } => Some(d),
            _ => None,
        }
    }

    /// Names and attribute chains the value reads, in source order, with
    /// repeats (a list reading `x` twice gives `x` twice).
    pub fn reads(&self, out: &mut Vec<Ustr>) {
        match self {
            Value::Name { text, .. } => out.push(*text),
            Value::Expr(e) => out.extend(e.reads.iter().copied()),
            Value::List(items) => items.iter().for_each(|i| i.reads(out)),
            Value::Dict(pairs) => pairs.iter().for_each(|(_, v)| v.reads(out)),
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assignment {
    /// Target as written: `client`, `self.pipe`, `cls.model`.
    #[serde(with = "crate::interned")]
    pub target: Ustr,
    /// Qualname of the enclosing function, `None` at module level.
    #[serde(with = "crate::interned::opt")]
    pub scope: Option<Ustr>,
    /// Type of the target after this assignment: the resolved right-hand
    /// side (`openai.OpenAI()` for `client = OpenAI()`), when known.
    pub value_call: Option<QName>,
    /// Arguments of the constructor or factory call that produced the value
    /// (`Blueprint("x", __name__, url_prefix="/api")`), passthrough calls skipped.
    pub value_args: Option<Arc<[Arg]>>,
    /// Literal value of the right-hand side, when literal (used for `**kwargs` dicts).
    pub value: Value,
    /// The element taken when a tuple is unpacked (`model, tok = load()`: 0
    /// and 1); `value` is then the whole right-hand side.
    #[serde(default)]
    pub element: Option<u32>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StringLit {
    /// Owned, not interned: most literals (docstrings, messages) are read
    /// by a rule or two in their own file, and the interner never frees
    /// (50k corpus: 86 MiB of its 126 were literals, outside the heap the
    /// facts store bounds).
    pub value: Box<str>,
    /// True for f-strings: `value` then holds only the literal parts.
    pub interpolated: bool,
    /// Qualname of the innermost enclosing function, `None` at module level.
    #[serde(with = "crate::interned::opt")]
    pub scope: Option<Ustr>,
    /// A statement of its own (a docstring): documentation, never shown.
    #[serde(default)]
    pub bare: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comment {
    /// Comment text without the leading `#` or `//`.
    pub text: String,
    /// Nothing but white space stands before the comment on its line.
    pub own_line: bool,
    pub span: Span,
    /// Code points the span covers (`source::width`): with `text`, tells
    /// where the text starts inside the span (spans keep no columns).
    #[serde(default)]
    pub width: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts hold millions of spans, arguments and calls: their sizes are
    /// most of the scan's memory (docs/performance.md).
    #[test]
    fn spans_and_hot_facts_stay_small() {
        assert_eq!(std::mem::size_of::<Span>(), 16);
        assert!(std::mem::size_of::<Arg>() <= 48);
        assert!(std::mem::size_of::<Call>() <= 88);
        assert!(std::mem::size_of::<Assignment>() <= 88);
        // A literal owns its text (a `Box<str>`, not an interned handle).
        assert!(std::mem::size_of::<StringLit>() <= 48);
    }

    #[test]
    fn a_call_keeps_its_rare_parts_in_one_box_made_only_when_needed() {
        let mut call = Call {
            callee: "c.run".into(),
            resolved: Some(QName::new("app.c.run")),
            args: Box::default(),
            scope: None,
            extra: CallExtra::new(None, None),
            receiver: Receiver::None,
            span: Span::default(),
            callee_end: 0,
        };
        assert!(call.extra.is_none());
        assert_eq!(*call.imported(), None);
        assert!(call.receiver_args().is_none());
        let args: Arc<[Arg]> = Arc::from(vec![Arg {
            keyword: None,
            value: Value::Str("x".into()),
            span: Span::default(),
        }]);
        call.set_receiver_args(Some(args));
        call.set_imported(Some(QName::new("lib.run")));
        assert_eq!(
            call.imported().as_ref().map(|q| q.as_str()),
            Some("lib.run")
        );
        assert_eq!(call.receiver_args().map(|a| a.len()), Some(1));
        call.set_imported(None);
        assert_eq!(call.receiver_args().map(|a| a.len()), Some(1));
        call.set_receiver_args(None);
        assert!(call.extra.is_none(), "no box once both parts are unset");
    }

    #[test]
    fn shrink_keeps_every_fact_and_drops_spare_capacity() {
        let mut f = FileFacts::empty("a.py", Language::Python, "a".into(), 1);
        f.imports.reserve(64);
        f.conditions.push(Condition {
            names: Vec::with_capacity(32),
            scope: None,
            span: Span::default(),
            then: Span::default(),
            orelse: None,
        });
        f.conditions[0].names.push("x".into());
        f.shrink();
        assert_eq!(f.imports.capacity(), 0);
        assert_eq!(f.conditions.len(), 1);
        assert_eq!(f.conditions[0].names.len(), 1);
        assert_eq!(f.conditions[0].names.capacity(), 1);
    }

    #[test]
    fn strings_display_quoted_as_written_in_messages() {
        assert_eq!(Value::Str("on".into()).display(), "\"on\"");
        assert_eq!(Value::Str("a\"b".into()).display(), "\"a\\\"b\"");
        assert_eq!(Value::Bool(false).display(), "False");
    }
}

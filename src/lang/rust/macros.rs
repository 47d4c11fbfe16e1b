//! Macro arguments. syn keeps a macro's body as tokens; the ones whose
//! arguments matter to the rules are read here: format-like macros
//! (`format!`, `println!`, `write!`, `panic!`, `anyhow!`), logging
//! (`tracing::info!(user = %id, "...")` with fields and `%`/`?` sigils,
//! `log::warn!(target: "x", ...)`), `serde_json::json!`, `sqlx::query!`,
//! list macros (`vec!`, `routes!`) and `warp::path!`. Anything else is
//! tried as comma-separated expressions and otherwise skipped: an unknown
//! macro never fails the file.
//!
//! A macro's arguments and format template are asked for by several facts
//! (its call, the value and reads of the expression it is in, the shape of
//! that value), so each is parsed once per file and kept
//! ([`forget`] after each file).

use std::cell::RefCell;
use std::rc::Rc;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

use super::values::{self, MAX_LITERAL_DEPTH, MacroArg, SynList};
use crate::facts::{Part, Value};

/// Macros whose first string literal argument is a format string.
const FORMAT_MACROS: &[&str] = &[
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "format_args",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "event",
    "anyhow",
    "bail",
    "ensure",
    "todo",
    "unimplemented",
    "unreachable",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "log",
    "trace_span",
    "debug_span",
    "info_span",
    "warn_span",
    "error_span",
    "span",
    "expect",
];

/// Comma-separated expressions (`vec![a, b]`, `sqlx::query!("...", a)`).
pub fn comma_exprs(mac: &syn::Macro) -> Option<Vec<Expr>> {
    mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()
        .map(|p| p.into_iter().collect())
}

/// What was parsed of the macros of the file being extracted, by the line
/// and column of their closing delimiter: every macro of a file closes at
/// a place of its own, also one read from another macro's tokens (they
/// keep the file's spans).
/// Keyed by place only: foldhash, not SipHash.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

#[derive(Default)]
struct Parsed {
    args: HashMap<(usize, usize), Option<Rc<[MacroArg]>>>,
    templates: HashMap<(usize, usize), Option<Rc<[Part]>>>,
}

thread_local! {
    static PARSED: RefCell<Parsed> = RefCell::new(Parsed::default());
}

/// Forget the parsed macros: the next file's macros close at the same
/// lines and columns.
pub fn forget() {
    PARSED.with(|p| *p.borrow_mut() = Parsed::default());
}

fn key(mac: &syn::Macro) -> (usize, usize) {
    let at = mac.delimiter.span().close().start();
    (at.line, at.column)
}

/// The arguments of a macro call: expressions, `name = value` fields
/// (dotted names too), `target: value` keys, `%`/`?` sigils dropped.
/// `None` when the body is not such a list.
pub fn args(mac: &syn::Macro) -> Option<Rc<[MacroArg]>> {
    if matches!(mac.delimiter, syn::MacroDelimiter::Brace(_)) && is_item_macro(mac) {
        return None;
    }
    let key = key(mac);
    if let Some(known) = PARSED.with(|p| p.borrow().args.get(&key).cloned()) {
        return known;
    }
    let parsed: Option<Rc<[MacroArg]>> = mac.parse_body_with(parse_args).ok().map(Into::into);
    PARSED.with(|p| p.borrow_mut().args.insert(key, parsed.clone()));
    parsed
}

/// Macros that hold items or patterns, not expressions.
fn is_item_macro(mac: &syn::Macro) -> bool {
    mac.path.segments.last_item().is_some_and(|s| {
        let name = &s.ident;
        [
            "macro_rules",
            "lazy_static",
            "thread_local",
            "select",
            "join",
            "quote",
            "html",
        ]
        .iter()
        .any(|n| name == n)
    })
}

/// Arguments of an attribute (`#[post("/x", data = "<d>")]`): the same
/// forms as a macro's.
pub fn token_args(tokens: TokenStream) -> Option<Vec<MacroArg>> {
    parse_args.parse2(tokens).ok()
}

fn parse_args(input: ParseStream<'_>) -> syn::Result<Vec<MacroArg>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let keyword = field_name(input)?;
        // `%display` and `?debug` values of tracing fields.
        if input.peek(Token![%]) {
            input.parse::<Token![%]>()?;
        } else if input.peek(Token![?]) {
            input.parse::<Token![?]>()?;
        }
        let expr: Expr = input.parse()?;
        out.push(MacroArg { keyword, expr });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// What `#[tracing::instrument(...)]` puts on its span besides the
/// function's arguments: the arguments it skips (`skip(a, b)`, all with
/// `skip_all`) and its `fields(k = %v, ...)`.
#[derive(Default)]
pub struct Instrument {
    pub skip: Vec<String>,
    pub skip_all: bool,
    pub fields: Vec<MacroArg>,
    /// The span's level in lower case (`level = "debug"`, `level =
    /// Level::TRACE`); none given is `info`.
    pub level: Option<String>,
}

/// The arguments of an `instrument` attribute; `None` when they do not parse.
pub fn instrument_args(tokens: TokenStream) -> Option<Instrument> {
    let mut out = Instrument::default();
    for item in split_commas(tokens) {
        let (Some(TokenTree::Ident(key)), rest) = (item.first(), &item[1..]) else {
            continue;
        };
        let group = match rest {
            [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => Some(g.stream()),
            _ => None,
        };
        match (key.to_string().as_str(), group) {
            ("skip_all", _) => out.skip_all = true,
            ("skip", Some(g)) => out.skip.extend(
                g.into_iter()
                    .filter_map(|t| matches!(t, TokenTree::Ident(_)).then(|| t.to_string())),
            ),
            ("fields", Some(g)) => out.fields.extend(token_args(g)?),
            // `level = "debug"` or `level = Level::DEBUG`: the last token.
            ("level", None) => {
                out.level = rest
                    .last()
                    .map(|t| t.to_string().trim_matches('"').to_ascii_lowercase());
            }
            _ => {}
        }
    }
    Some(out)
}

/// `name =`, `a.b.c =` or `target:` before a value, consumed when there.
fn field_name(input: ParseStream<'_>) -> syn::Result<Option<String>> {
    let fork = input.fork();
    let mut parts = Vec::new();
    loop {
        if fork.peek(syn::Ident) || fork.peek(Token![type]) {
            let tt: TokenTree = fork.parse()?;
            parts.push(tt.to_string());
        } else if fork.peek(syn::LitStr) && parts.is_empty() {
            // `"user.id" = x` (tracing allows quoted field names).
            let s: syn::LitStr = fork.parse()?;
            parts.push(values::lit_str(&s));
        } else {
            return Ok(None);
        }
        if fork.peek(Token![.]) && !fork.peek(Token![..]) {
            fork.parse::<Token![.]>()?;
            continue;
        }
        break;
    }
    let key = parts.join(".");
    if fork.peek(Token![=]) && !fork.peek(Token![==]) && !fork.peek(Token![=>]) {
        fork.parse::<Token![=]>()?;
        syn::parse::discouraged::Speculative::advance_to(input, &fork);
        return Ok(Some(key));
    }
    if parts.len() == 1
        && matches!(key.as_str(), "target" | "parent" | "name")
        && fork.peek(Token![:])
        && !fork.peek(Token![::])
    {
        fork.parse::<Token![:]>()?;
        syn::parse::discouraged::Speculative::advance_to(input, &fork);
        return Ok(Some(key));
    }
    Ok(None)
}

/// The format string of a format-like macro as template parts, holes
/// matched with their arguments (`{}`, `{0}`, `{name}`, `{:?}`).
pub fn format_template(mac: &syn::Macro, src: &str) -> Option<Rc<[Part]>> {
    let is_format = mac
        .path
        .segments
        .last_item()
        .is_some_and(|s| FORMAT_MACROS.iter().any(|n| s.ident == n));
    if !is_format {
        return None;
    }
    let key = key(mac);
    if let Some(known) = PARSED.with(|p| p.borrow().templates.get(&key).cloned()) {
        return known;
    }
    let parts: Option<Rc<[Part]>> = template_parts(mac, src).map(Into::into);
    PARSED.with(|p| p.borrow_mut().templates.insert(key, parts.clone()));
    parts
}

fn template_parts(mac: &syn::Macro, src: &str) -> Option<Vec<Part>> {
    let args = args(mac)?;
    let at = args.iter().position(|a| {
        a.keyword.is_none() && matches!(&a.expr, Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_)))
    })?;
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(fmt),
        ..
    }) = &args[at].expr
    else {
        return None;
    };
    let positional: Vec<&Expr> = args[at + 1..]
        .iter()
        .filter(|a| a.keyword.is_none())
        .map(|a| &a.expr)
        .collect();
    let named = |n: &str| {
        args[at + 1..]
            .iter()
            .find(|a| a.keyword.as_deref() == Some(n))
            .map(|a| &a.expr)
    };
    let mut parts: Vec<Part> = Vec::new();
    let mut lit = String::new();
    let mut next = 0;
    let text = values::lit_str(fmt);
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut inner = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    inner.push(c);
                }
                let name = inner.split(':').next().unwrap_or("").trim();
                let arg = if name.is_empty() {
                    next += 1;
                    positional.get(next - 1).copied()
                } else if let Ok(i) = name.parse::<usize>() {
                    positional.get(i).copied()
                } else {
                    named(name)
                };
                let (hole, reads) = match arg {
                    Some(e) => (values::short_text(e, src), values::reads(e)),
                    // An implicit capture: `{model}` reads `model`.
                    None if !name.is_empty()
                        && name.chars().all(|c| c.is_alphanumeric() || c == '_') =>
                    {
                        (name.to_string(), vec![name.to_string()])
                    }
                    None => (name.to_string(), Vec::new()),
                };
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit).into()));
                }
                parts.push(Part::Hole {
                    text: format!("{{{hole}}}").into(),
                    reads: reads.into_iter().map(Into::into).collect(),
                });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(lit.into()));
    }
    Some(parts)
}

/// The format string argument of a format-like macro, as a template
/// value, when it captures names itself (`info!("prompt {prompt}")`): the
/// captures are what it reads, which no other argument shows. `None` for a
/// format string whose holes are all matched with arguments.
pub fn captured_format(mac: &syn::Macro, args: &[MacroArg], src: &str) -> Option<(usize, Value)> {
    let at = args.iter().position(|a| {
        a.keyword.is_none() && matches!(&a.expr, Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_)))
    })?;
    let parts = format_template(mac, src)?;
    let named: Vec<&str> = args.iter().filter_map(|a| a.keyword.as_deref()).collect();
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(fmt),
        ..
    }) = &args[at].expr
    else {
        return None;
    };
    let mut captures: Vec<ustr::Ustr> = Vec::new();
    for hole in values::lit_str(fmt).split('{').skip(1) {
        let name = hole.split(['}', ':']).next().unwrap_or("").trim();
        let ident = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if ident && !named.contains(&name) && !captures.iter().any(|c| c.as_str() == name) {
            captures.push(name.into());
        }
    }
    if captures.is_empty() {
        return None;
    }
    Some((
        at,
        Value::Expr(Box::new(crate::facts::Expr {
            text: values::short_text(&args[at].expr, src).into(),
            reads: captures.into(),
            shape: crate::facts::Shape::Template(parts.iter().cloned().collect()),
        })),
    ))
}

/// `json!({"model": m, "messages": [...]})` as a dict (or list, or value).
pub fn json_value(mac: &syn::Macro, src: &str, depth: usize) -> Option<Value> {
    json_tokens(mac.tokens.clone(), src, depth)
}

fn json_tokens(tokens: TokenStream, src: &str, depth: usize) -> Option<Value> {
    if depth > MAX_LITERAL_DEPTH {
        return None;
    }
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Brace => {
            let mut pairs = Vec::new();
            for entry in split_commas(g.stream()) {
                // `key: value`: the key is a literal or an expression in parentheses.
                let at = entry
                    .iter()
                    .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ':'))?;
                let key: TokenStream = entry[..at].iter().cloned().collect();
                let value: TokenStream = entry[at + 1..].iter().cloned().collect();
                let key = syn::parse2::<Expr>(key)
                    .ok()
                    .map(|k| values::value(&k, src))?;
                pairs.push((key, json_tokens(value, src, depth + 1)?));
            }
            Some(Value::Dict(pairs.into()))
        }
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Bracket => Some(Value::List(
            split_commas(g.stream())
                .into_iter()
                .map(|e| json_tokens(e.into_iter().collect(), src, depth + 1))
                .collect::<Option<Vec<_>>>()?
                .into(),
        )),
        [TokenTree::Ident(i)] if i == "null" => Some(Value::None),
        _ => {
            let ts: TokenStream = trees.into_iter().collect();
            syn::parse2::<Expr>(ts).ok().map(|e| values::value(&e, src))
        }
    }
}

/// Token trees split at top-level commas (empty pieces dropped).
fn split_commas(ts: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut out = vec![Vec::new()];
    for t in ts {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' => out.push(Vec::new()),
            _ => out.last_mut().expect("never empty").push(t),
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

/// `warp::path!("api" / "chat" / String)` → `/api/chat/{String}`.
pub fn warp_path(mac: &syn::Macro) -> Option<String> {
    let mut out = String::new();
    let parser = |input: ParseStream<'_>| -> syn::Result<()> {
        while !input.is_empty() {
            if input.peek(syn::LitStr) {
                let s: syn::LitStr = input.parse()?;
                out.push('/');
                out.push_str(&values::lit_str(&s));
            } else if input.peek(Token![/]) {
                input.parse::<Token![/]>()?;
            } else if input.peek(Token![..]) {
                input.parse::<Token![..]>()?;
            } else {
                let t: syn::Type = input.parse()?;
                let name = values::type_path(&t)
                    .and_then(|p| p.last().cloned())
                    .unwrap_or_else(|| "param".into());
                out.push_str(&format!("/{{{name}}}"));
            }
        }
        Ok(())
    };
    parser.parse2(mac.tokens.clone()).ok()?;
    Some(out)
}

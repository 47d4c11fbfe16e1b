//! Literal values and call arguments.

use std::sync::LazyLock;

use tree_sitter::{Node, TreeCursor};
use ustr::Ustr;

use super::resolve::Map;
use crate::facts::{Arg, BinOp, Expr, Part, Shape, Value};
use crate::source::{LineIndex, Span};

/// Field ids of tree-sitter-python, looked up once: `child_by_field_name`
/// finds the id by comparing names on every call.
pub struct Fields {
    pub alias: u16,
    pub alternative: u16,
    pub argument: u16,
    pub arguments: u16,
    pub attribute: u16,
    pub body: u16,
    pub condition: u16,
    pub consequence: u16,
    pub function: u16,
    pub key: u16,
    pub left: u16,
    pub module_name: u16,
    pub name: u16,
    pub object: u16,
    pub operator: u16,
    pub parameters: u16,
    pub return_type: u16,
    pub right: u16,
    pub subscript: u16,
    pub superclasses: u16,
    pub type_: u16,
    pub value: u16,
}

pub static FIELD: LazyLock<Fields> = LazyLock::new(|| {
    let lang = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
    let id = |name: &str| {
        lang.field_id_for_name(name)
            .unwrap_or_else(|| panic!("tree-sitter-python has no field `{name}`"))
            .get()
    };
    Fields {
        alias: id("alias"),
        alternative: id("alternative"),
        argument: id("argument"),
        arguments: id("arguments"),
        attribute: id("attribute"),
        body: id("body"),
        condition: id("condition"),
        consequence: id("consequence"),
        function: id("function"),
        key: id("key"),
        left: id("left"),
        module_name: id("module_name"),
        name: id("name"),
        object: id("object"),
        operator: id("operator"),
        parameters: id("parameters"),
        return_type: id("return_type"),
        right: id("right"),
        subscript: id("subscript"),
        superclasses: id("superclasses"),
        type_: id("type"),
        value: id("value"),
    }
});

/// The children of `n` in `field`, in order: `Node::children_by_field_name`
/// finds the field's id by comparing names on every call.
pub fn children_by_field<'c, 't>(
    n: &'c Node<'t>,
    field: u16,
    cursor: &'c mut TreeCursor<'t>,
) -> impl Iterator<Item = Node<'t>> + 'c {
    let id = std::num::NonZeroU16::new(field).expect("field ids are not zero");
    n.children_by_field_id(id, cursor)
}

/// Node kind names by kind id, copied once: `Node::kind` converts a C
/// string (length and UTF-8 check) on every call, and the extraction asks
/// for kinds hundreds of thousands of times.
static KIND_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let lang = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
    (0..lang.node_kind_count())
        .map(|id| {
            u16::try_from(id)
                .ok()
                .and_then(|id| lang.node_kind_for_id(id))
                .unwrap_or_default()
                .to_string()
        })
        .collect()
});

/// `n.kind()`, from the table (`ERROR` and other ids past it ask the node).
pub fn kind<'t>(n: Node<'t>) -> &'t str {
    match KIND_NAMES.get(usize::from(n.kind_id())) {
        Some(name) => name,
        None => n.kind(),
    }
}

/// Deeper literals than this become `Value::Expr` (no unbounded recursion);
/// deeper shapes become `Shape::Other`.
const MAX_LITERAL_DEPTH: usize = 16;
/// Most names kept as what one expression reads, and nodes looked at to find them.
const MAX_READS: usize = 64;
const MAX_READ_NODES: usize = 2048;
/// Longest expression text kept in facts.
const MAX_EXPR_TEXT: usize = 120;
/// Most elements kept from one dict or list display.
const MAX_ELEMENTS: usize = 256;

/// The span of a node. Its lines are the parser's rows (tree-sitter counts
/// `\n` as `LineIndex` does), which the node holds: no search of the
/// line table (`LineIndex::span`, two binary searches for a span over
/// several lines).
pub fn node_span(n: Node<'_>, index: &LineIndex<'_>) -> Span {
    let (start, end) = (n.start_byte(), n.end_byte());
    let span = Span {
        start_line: n.start_position().row as u32 + 1,
        start_byte: start as u32,
        end_line: n.end_position().row as u32 + 1,
        end_byte: end as u32,
    };
    debug_assert_eq!(span, index.span(start, end));
    span
}

pub fn node_text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    src.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

pub fn collapse_ws(s: &str) -> String {
    if is_collapsed(s) {
        return s.to_string();
    }
    collapse_ws_upto(s.chars(), usize::MAX).0
}

/// `collapse_ws`, interned: without the copy when there is nothing to collapse.
pub fn collapse_ws_interned(s: &str) -> Ustr {
    if is_collapsed(s) {
        return Ustr::from(s);
    }
    Ustr::from(collapse_ws_upto(s.chars(), usize::MAX).0.as_str())
}

/// Whether `collapse_ws` would give `s` back unchanged. Most texts (names,
/// short expressions) have no white space at all. (The ASCII characters
/// `char::is_whitespace` accepts, vertical tab included.)
fn is_collapsed(s: &str) -> bool {
    s.is_ascii() && !s.bytes().any(|b| matches!(b, b' ' | b'\t'..=b'\r'))
}

/// `collapse_ws` of `chars`, stopping once the output has `limit` characters;
/// also says whether it stopped there. The output only grows at its end, so
/// what it holds then is the start of the whole collapsed text. White space
/// inside string literals is kept as written (`"ffmpeg -y -i"` stays whole).
fn collapse_ws_upto(chars: impl Iterator<Item = char>, limit: usize) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    // The quote character of the string literal we are in, and whether the
    // previous character was a backslash inside it.
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in chars {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else if c.is_whitespace() {
            space = true;
            continue;
        } else {
            if c == '"' || c == '\'' {
                quote = Some(c);
            }
            if space && !out.is_empty() && needs_space(out.chars().last(), c) {
                out.push(' ');
                count += 1;
                if count >= limit {
                    return (out, true);
                }
            }
            space = false;
        }
        out.push(c);
        count += 1;
        if count >= limit {
            return (out, true);
        }
    }
    (out, false)
}

/// `collapse_ws_upto` of ASCII text, byte by byte (every character is
/// one byte; the ASCII white space `char::is_whitespace` accepts is
/// `\t`..=`\r` and the space).
fn collapse_ascii_upto(text: &[u8], limit: usize) -> (String, bool) {
    let mut out: Vec<u8> = Vec::with_capacity(text.len().min(limit + 1));
    let mut space = false;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for &c in text {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else if matches!(c, b' ' | b'\t'..=b'\r') {
            space = true;
            continue;
        } else {
            if c == b'"' || c == b'\'' {
                quote = Some(c);
            }
            if space
                && let Some(&prev) = out.last()
                && needs_space(Some(char::from(prev)), char::from(c))
            {
                out.push(b' ');
                if out.len() >= limit {
                    return (ascii_string(out), true);
                }
            }
            space = false;
        }
        out.push(c);
        if out.len() >= limit {
            return (ascii_string(out), true);
        }
    }
    (ascii_string(out), false)
}

fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_default()
}

/// Keep a space only between two word characters (`lambda x`), not around dots.
fn needs_space(prev: Option<char>, next: char) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    prev.is_some_and(|p| word(p) || p == ',' || p == ':')
        && (word(next) || next == '"' || next == '\'')
}

/// `short_text`, interned: most texts are taken as they are, without a copy.
fn short_text_interned(n: Node<'_>, src: &str) -> Ustr {
    let text = node_text(n, src);
    if text.len() <= MAX_EXPR_TEXT && is_collapsed(text) {
        return Ustr::from(text);
    }
    Ustr::from(short_text(n, src).as_str())
}

/// Whitespace-collapsed, truncated source text.
pub fn short_text(n: Node<'_>, src: &str) -> String {
    // Most expressions are short and have nothing to collapse.
    let text = node_text(n, src);
    if text.len() <= MAX_EXPR_TEXT && is_collapsed(text) {
        return text.to_string();
    }
    // The first `MAX_EXPR_TEXT * 4` characters, collapsed; more than
    // `MAX_EXPR_TEXT` of those are cut with an ellipsis. Collapsing stops at
    // one character past the limit rather than going through a long text.
    let head = &text.as_bytes()[..text.len().min(MAX_EXPR_TEXT * 4)];
    let (mut s, over) = if head.is_ascii() {
        let fast = collapse_ascii_upto(head, MAX_EXPR_TEXT + 1);
        debug_assert_eq!(
            fast,
            collapse_ws_upto(text.chars().take(MAX_EXPR_TEXT * 4), MAX_EXPR_TEXT + 1)
        );
        fast
    } else {
        collapse_ws_upto(text.chars().take(MAX_EXPR_TEXT * 4), MAX_EXPR_TEXT + 1)
    };
    if over {
        s.pop();
        s.push('…');
    }
    s
}

/// The value of a string node: literal parts (interpolations left out) and
/// whether it is an f-string.
pub fn string_value(n: Node<'_>, src: &str) -> (String, bool) {
    let fast = plain_string(node_text(n, src))
        .filter(|_| !n.has_error())
        .map(|(prefix, content)| content_value(prefix, content));
    debug_assert!(
        fast.is_none() || fast == Some(string_value_of_children(n, src)),
        "{:?}: {fast:?} {:?} {}",
        node_text(n, src),
        string_value_of_children(n, src),
        n.to_sexp()
    );
    match fast {
        Some(value) => value,
        None => string_value_of_children(n, src),
    }
}

/// A string literal with no `{` read from its text alone: its prefix
/// letters and what lies between its quotes (`rb'''...'''` → `rb`, `...`).
/// Such a string has no interpolation, so its children are the start, at
/// most one content and the end; asking tree-sitter for them costs more than
/// the string's bytes (most strings are short). `None` when the text has
/// another form (an interpolation, an escape, a missing closing quote):
/// then the children say.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    if text.contains('{') {
        return None;
    }
    let prefix = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = &text.as_bytes()[prefix..];
    let q = *rest.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let width = if rest.len() >= 6 && rest[1] == q && rest[2] == q {
        3
    } else {
        1
    };
    if rest.len() < 2 * width || rest[rest.len() - width..].iter().any(|&b| b != q) {
        return None;
    }
    let content = &rest[width..rest.len() - width];
    // Escapes go to the children: tree-sitter does not always make a
    // raw string's backslashes content (`r'\\'` has none).
    if content.contains(&b'\\') {
        return None;
    }
    let start = prefix + width;
    Some((&text[..prefix], &text[start..start + content.len()]))
}

/// `string_value` from a string's prefix and its content as written.
fn content_value(prefix: &str, content: &str) -> (String, bool) {
    let lower = prefix.to_ascii_lowercase();
    let interpolated = lower.contains('f');
    if lower.contains('r') {
        (content.to_string(), interpolated)
    } else {
        (unescape(content), interpolated)
    }
}

fn string_value_of_children(n: Node<'_>, src: &str) -> (String, bool) {
    let mut prefix = "";
    let mut out = String::new();
    let mut interpolated = false;
    for child in children(n, false) {
        match kind(child) {
            "string_start" => prefix = node_text(child, src),
            "string_content" => out.push_str(node_text(child, src)),
            "interpolation" => interpolated = true,
            _ => {}
        }
    }
    let lower = prefix.to_ascii_lowercase();
    let raw = lower.contains('r');
    if lower.contains('f') {
        interpolated = true;
    }
    if raw {
        (out, interpolated)
    } else {
        (unescape(&out), interpolated)
    }
}

/// Python escape sequences in a non-raw string.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(k @ ('x' | 'u' | 'U')) => {
                let n = match k {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n)
                    .filter_map(|_| chars.next_if(|h| h.is_ascii_hexdigit()))
                    .collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == n => out.push(ch),
                    _ => {
                        out.push('\\');
                        out.push(k);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Nodes with at most this many children are read by index. Each
/// `Node::child(i)` starts again at the first child, but one cursor step
/// costs several such steps, so indexing is cheaper for the handful of
/// children most expressions have; long lists and bodies use the cursor.
pub(super) const INDEXED_CHILDREN: usize = 12;

/// The named children of `n`, in order, by index or with a cursor.
pub(super) fn named_children(n: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    children(n, true)
}

/// The children of `n` (only the named ones if `named`), in order.
fn children(n: Node<'_>, named: bool) -> Children<'_> {
    let count = if named {
        n.named_child_count()
    } else {
        n.child_count() as usize
    };
    if count <= INDEXED_CHILDREN {
        Children::Indexed {
            node: n,
            next: 0,
            count: count as u32,
            named,
        }
    } else {
        Children::Cursor {
            cursor: n.walk(),
            entered: false,
            named,
        }
    }
}

/// An iterator over a node's children, by index or with a cursor of its own.
enum Children<'t> {
    Indexed {
        node: Node<'t>,
        next: u32,
        count: u32,
        named: bool,
    },
    Cursor {
        cursor: TreeCursor<'t>,
        entered: bool,
        named: bool,
    },
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        match self {
            Children::Indexed {
                node,
                next,
                count,
                named,
            } => {
                while *next < *count {
                    let i = *next;
                    *next += 1;
                    let child = if *named {
                        node.named_child(i)
                    } else {
                        node.child(i)
                    };
                    if child.is_some() {
                        return child;
                    }
                }
                None
            }
            Children::Cursor {
                cursor,
                entered,
                named,
            } => loop {
                let moved = if *entered {
                    cursor.goto_next_sibling()
                } else {
                    *entered = true;
                    cursor.goto_first_child()
                };
                if !moved {
                    return None;
                }
                let child = cursor.node();
                if !*named || child.is_named() {
                    return Some(child);
                }
            },
        }
    }
}

/// What `reads` and `shape` found in subtrees of one file's tree, by node
/// id. A call's arguments are taken apart for the call's own fact, and again
/// inside every expression that holds the call (`f(g(h(x)))`, `y = g(h(x))`,
/// an f-string's holes). The tree is walked outside in, so an outer walk
/// keeps what it found for the inner arguments and the inner fact takes it
/// instead of walking them again: each subtree is walked about once.
#[derive(Default)]
pub struct Memo {
    reads: Map<usize, Box<[Ustr]>>,
    shapes: Map<usize, Shape>,
    /// Strings read as values, for the string facts that follow.
    strings: Map<usize, (Ustr, bool)>,
    /// How often `shape_at` stopped at `MAX_LITERAL_DEPTH` so far: a shape
    /// found below the top is the subtree's own only if none stopped inside.
    shape_cuts: usize,
    /// Scratch space of `reads`: the names, and every name found.
    names: Vec<Ustr>,
    found: Vec<Ustr>,
}

impl Memo {
    /// `string_value` of a string node: taken from a value read earlier
    /// (most strings are arguments, interned as values) or read now, and
    /// then not interned (a docstring is read once).
    pub fn string(&mut self, n: Node<'_>, src: &str) -> (Box<str>, bool) {
        match self.strings.remove(&n.id()) {
            Some((s, interpolated)) => (s.as_str().into(), interpolated),
            None => {
                let (s, interpolated) = string_value(n, src);
                (s.into_boxed_str(), interpolated)
            }
        }
    }
}

/// Whether an argument becomes an expression fact of its own, whose reads
/// and shape an outer walk keeps: names and literals become plain values,
/// displays are taken apart item by item.
fn kept(n: Node<'_>, src: &str) -> bool {
    match kind(n) {
        "identifier" | "attribute" | "integer" | "float" | "true" | "false" | "none"
        | "comment" | "list" | "tuple" | "set" | "dictionary" => false,
        // Only an f-string is an expression (`f` before the quote).
        "string" => node_text(n, src)
            .bytes()
            .take_while(|b| !matches!(b, b'"' | b'\''))
            .any(|b| b == b'f' || b == b'F'),
        _ => true,
    }
}

pub fn value(n: Node<'_>, src: &str, memo: &mut Memo) -> Value {
    value_at(n, src, 0, memo)
}

/// An expression that is no literal and no name: its shortened text, what
/// it reads and its shape.
fn expr_text(n: Node<'_>, src: &str, memo: &mut Memo) -> Value {
    // A lambda shows as the word: its text says nothing a message needs.
    let text = if kind(n) == "lambda" {
        Ustr::from("lambda")
    } else {
        short_text_interned(n, src)
    };
    // Reads first: the walk keeps the holes' reads that the shape's
    // template parts ask for.
    let reads = reads(n, src, memo);
    Value::Expr(Box::new(Expr {
        text,
        reads,
        shape: shape(n, src, memo),
    }))
}

/// A name or an attribute chain of names (`a.b.c`), as written.
pub fn name_chain(n: Node<'_>, src: &str) -> Option<String> {
    if let Some(text) = plain_chain_text(n, src) {
        return Some(text.to_string());
    }
    is_name_chain_of_tree(n).then(|| collapse_ws(node_text(n, src)))
}

/// `name_chain`, interned.
fn name_chain_interned(n: Node<'_>, src: &str) -> Option<Ustr> {
    if let Some(text) = plain_chain_text(n, src) {
        return Some(Ustr::from(text));
    }
    is_name_chain_of_tree(n).then(|| collapse_ws_interned(node_text(n, src)))
}

/// Longest text `plain_chain_text` reads.
const MAX_PLAIN_CHAIN: usize = 512;

/// The text of an identifier or attribute node that is a chain of names
/// written without white space (`self.client.chat`), read from its bytes:
/// each `.name` of the chain is one attribute node, so the text says what
/// stepping down the `object` fields would (each step a field look-up
/// through the node's children). `None` for any other form (white space,
/// a comment, a call or subscript inside, non-ASCII, a word the grammar
/// treats apart, an error inside): then the tree says.
pub(super) fn plain_chain_text<'s>(n: Node<'_>, src: &'s str) -> Option<&'s str> {
    // An identifier is its own chain without a look-up; only attributes gain.
    if kind(n) != "attribute" {
        return None;
    }
    let text = node_text(n, src);
    if text.len() > MAX_PLAIN_CHAIN || n.has_error() {
        return None;
    }
    let b = text.as_bytes();
    // Where the current name starts; one pass over the bytes.
    let mut start = 0;
    for i in 0..=b.len() {
        let c = b.get(i).copied().unwrap_or(b'.');
        if c == b'.' {
            let word = &b[start..i];
            let first = *word.first()?;
            if !(first.is_ascii_alphabetic() || first == b'_') {
                return None;
            }
            // Only short words can be keywords (`as` … `continue`).
            if (2..=8).contains(&word.len()) && reserved(&text[start..i]) {
                return None;
            }
            start = i + 1;
        } else if !(c.is_ascii_alphanumeric() || c == b'_') {
            return None;
        }
    }
    debug_assert!(
        is_name_chain_of_tree(n) && collapse_ws(text) == text,
        "{text:?} {}",
        n.to_sexp()
    );
    Some(text)
}

fn is_name_chain_of_tree(n: Node<'_>) -> bool {
    let mut m = n;
    let mut steps = 0;
    loop {
        match kind(m) {
            "identifier" => return true,
            "attribute" if steps < MAX_READ_NODES => {
                let Some(object) = m.child_by_field_id(FIELD.object) else {
                    return false;
                };
                m = object;
                steps += 1;
            }
            _ => return false,
        }
    }
}

/// Names and attribute chains an expression reads, each once, in source
/// order. Attribute names are not reads of their own (`x.y` reads `x.y`,
/// `f().y` reads `f`), nor are keyword names, nor the insides of plain
/// string literals; f-string interpolations are. Iterative and bounded.
pub fn reads(n: Node<'_>, src: &str, memo: &mut Memo) -> Box<[Ustr]> {
    // Taken, not copied: each argument asks once (a second ask walks again).
    if let Some(kept) = memo.reads.remove(&n.id()) {
        return kept;
    }
    let mut names = std::mem::take(&mut memo.names);
    let fast = reads_from_text(n, src, &mut names);
    memo.names = names;
    if let Some(names) = fast {
        // A scratch memo: the tree walk keeps what it finds inside.
        debug_assert_eq!(
            names,
            reads_of_tree(n, src, &mut Memo::default()),
            "{:?}",
            node_text(n, src)
        );
        return names;
    }
    reads_of_tree(n, src, memo)
}

/// Longest expression text `reads_from_text` takes: a subtree has fewer
/// named nodes than twice its bytes, so the walk's node limit cannot cut it.
const MAX_READS_TEXT: usize = 512;

/// `reads` of a simple expression from its text alone: names and attribute
/// chains of names, calls, subscripts, strings and numbers, commas,
/// operators, and the words `and or not in is if else await`. Stepping onto
/// each node of the subtree costs more than reading its bytes (most
/// expressions are short). `None` for any other form (a comment, a colon,
/// a brace outside a plain string, a dot after a number, a keyword that
/// opens a comprehension or a lambda, white space inside a chain, non-ASCII
/// outside strings, more names than `reads` keeps): then the tree says.
/// `out` is scratch space, kept between calls: the names are copied out
/// once at their count (growing a `Vec` and shrinking it into a box cost
/// two reallocations a call).
fn reads_from_text(n: Node<'_>, src: &str, out: &mut Vec<Ustr>) -> Option<Box<[Ustr]>> {
    out.clear();
    let text = node_text(n, src);
    if text.len() > MAX_READS_TEXT || n.has_error() {
        return None;
    }
    let b = text.as_bytes();
    let name_end = |from: usize| {
        from + b[from..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count()
    };
    // Whether the last token ends a value: a `.name` after it is an
    // attribute of something that is not a name chain (`f().y`, `a[0].b`);
    // and whether that value is a chain of names (`a .b` is one chain).
    let mut after_value = false;
    let mut after_name = false;
    // `*` just before: tree-sitter reads `*a.b` as `(*a).b`.
    let mut after_star = false;
    // Brackets open around `i`: a keyword argument is inside a call's.
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'.') {
            after_name = false;
        }
        let star = after_star;
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            after_star = c == b'*';
        }
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' | b'[' | b',' => {
                if c != b',' {
                    depth += 1;
                }
                after_value = false;
                i += 1;
            }
            b')' | b']' => {
                depth = depth.checked_sub(1)?;
                after_value = true;
                i += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'=' | b'!' | b'&' | b'|' | b'^'
            | b'~' | b'@' => {
                after_value = false;
                i += 1;
            }
            // The attribute of a value that is not a name: not a read.
            b'.' => {
                let end = name_end(i + 1);
                if !after_value
                    || after_name
                    || end == i + 1
                    || !b[i + 1].is_ascii_alphabetic() && b[i + 1] != b'_'
                {
                    return None;
                }
                if reserved(&text[i + 1..end]) {
                    return None;
                }
                i = end;
            }
            b'\'' | b'"' => {
                i = string_end(b, i, false)?;
                after_value = true;
            }
            b'0'..=b'9' => {
                i = name_end(i);
                // A fraction (`0.5`, `1.5e`; the exponent's sign is an operator).
                if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i = name_end(i + 1);
                }
                if b.get(i) == Some(&b'.') {
                    return None;
                }
                after_value = true;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let end = name_end(i);
                let word = &text[i..end];
                if matches!(b.get(end), Some(b'\'' | b'"')) {
                    // A string's prefix (`rb'...'`); an f-string's braces hold reads.
                    if word.len() > 2 || !word.bytes().all(|p| b"rRbBuUfF".contains(&p)) {
                        return None;
                    }
                    i = string_end(b, end, word.bytes().any(|p| p == b'f' || p == b'F'))?;
                    after_value = true;
                    continue;
                }
                match word {
                    "None" | "True" | "False" => {
                        i = end;
                        after_value = true;
                        continue;
                    }
                    "and" | "or" | "not" | "in" | "is" | "if" | "else" | "await" => {
                        i = end;
                        after_value = false;
                        continue;
                    }
                    _ if reserved(word) => return None,
                    _ => {}
                }
                // A chain of names, `a.b.c`, written without white space.
                let mut j = end;
                while b.get(j) == Some(&b'.')
                    && b.get(j + 1)
                        .is_some_and(|x| x.is_ascii_alphabetic() || *x == b'_')
                {
                    let k = name_end(j + 1);
                    if reserved(&text[j + 1..k]) {
                        return None;
                    }
                    j = k;
                }
                if star && j > end {
                    return None;
                }
                // A keyword argument's name (`f(x=1)`, not `x == 1`) is no read.
                let mut k = j;
                while matches!(b.get(k), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    k += 1;
                }
                let keyword = j == end && b.get(k) == Some(&b'=') && b.get(k + 1) != Some(&b'=');
                if keyword && (depth == 0 || after_value) {
                    // Not an argument list's (an assignment, `a.b=`): the tree says.
                    return None;
                }
                if !keyword {
                    let name = Ustr::from(&text[i..j]);
                    if !out.contains(&name) {
                        if out.len() >= MAX_READS {
                            return None;
                        }
                        out.push(name);
                    }
                }
                i = j;
                after_value = true;
                after_name = true;
            }
            _ => return None,
        }
    }
    Some(Box::from(out.as_slice()))
}

/// Python's keywords and the words its grammar treats apart (`print`,
/// `exec`, `match`, `type`...): `reads_from_text` leaves them to the tree.
pub(super) fn reserved(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "as"
            | "assert"
            | "async"
            | "await"
            | "break"
            | "class"
            | "continue"
            | "def"
            | "del"
            | "elif"
            | "else"
            | "except"
            | "exec"
            | "finally"
            | "for"
            | "from"
            | "global"
            | "if"
            | "import"
            | "in"
            | "is"
            | "lambda"
            | "nonlocal"
            | "not"
            | "or"
            | "pass"
            | "print"
            | "raise"
            | "return"
            | "try"
            | "while"
            | "with"
            | "yield"
            | "match"
            | "case"
            | "type"
            | "None"
            | "True"
            | "False"
    )
}

/// The end of the string literal whose quote is at `at`; `None` when it is
/// not closed within `b`, or when it is an f-string with a brace.
fn string_end(b: &[u8], at: usize, fstring: bool) -> Option<usize> {
    let q = b[at];
    let triple = b.get(at + 1) == Some(&q) && b.get(at + 2) == Some(&q);
    let width = if triple { 3 } else { 1 };
    let mut i = at + width;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'{' if fstring => return None,
            c if c == q => {
                if !triple {
                    return Some(i + 1);
                }
                if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// `reads` by walking the subtree.
fn reads_of_tree(n: Node<'_>, src: &str, memo: &mut Memo) -> Box<[Ustr]> {
    enum Step<'t> {
        /// A node, and whether it is an argument or hole to keep reads for.
        Visit(Node<'t>, bool),
        /// The end of a kept subtree: its id and where its names start in `found`.
        Keep(usize, usize),
    }
    // Scratch space kept in the memo between calls (see `reads_from_text`).
    let mut out = std::mem::take(&mut memo.names);
    out.clear();
    // Every name found, repeats included: a kept subtree reads the distinct
    // names of its stretch. A subtree walked to its end here would also be
    // walked to its end alone (fewer nodes seen, fewer names found), so
    // what is kept is what `reads` of it gives.
    let mut found = std::mem::take(&mut memo.found);
    found.clear();
    let mut elements: Vec<Element> = Vec::new();
    let mut stack = Vec::with_capacity(16);
    stack.push(Step::Visit(n, false));
    let mut seen = 0;
    while let Some(step) = stack.pop() {
        let (m, keep) = match step {
            Step::Visit(m, keep) => (m, keep),
            Step::Keep(id, from) => {
                let mut names = distinct(&found[from..]).into_vec();
                element_fields(&mut names, &elements);
                memo.reads.insert(id, names.into());
                continue;
            }
        };
        if let Some(e) = comprehension_field(m, src) {
            elements.push(e);
        }
        seen += 1;
        if seen > MAX_READ_NODES || out.len() >= MAX_READS {
            break;
        }
        if keep && kept(m, src) {
            stack.push(Step::Keep(m.id(), found.len()));
        }
        let pushed = stack.len();
        match kind(m) {
            k @ ("identifier" | "attribute") => {
                let chain = if k == "identifier" {
                    Some(Ustr::from(node_text(m, src)))
                } else {
                    name_chain_interned(m, src)
                };
                match chain {
                    Some(name) => {
                        found.push(name);
                        if !out.contains(&name) {
                            out.push(name);
                        }
                    }
                    None => stack.extend(
                        m.child_by_field_id(FIELD.object)
                            .map(|o| Step::Visit(o, false)),
                    ),
                }
            }
            "keyword_argument" => stack.extend(
                m.child_by_field_id(FIELD.value)
                    .map(|v| Step::Visit(v, true)),
            ),
            // An interpolation starts with a `{`: most strings have none
            // and need not be taken apart.
            "string" if node_text(m, src).contains('{') => stack.extend(
                children(m, false)
                    .filter(|ch| kind(*ch) == "interpolation")
                    .map(|ch| Step::Visit(ch, true)),
            ),
            "string" | "comment" => {}
            // A comprehension's filter picks elements; what it tests is not
            // in them (`[r for r in rows if r.owner == email]`).
            "if_clause" => {}
            // Numbers and the like: no children to look at.
            _ if m.child_count() == 0 => {}
            k => {
                let arguments = k == "argument_list";
                stack.extend(children(m, true).map(|ch| Step::Visit(ch, arguments)));
            }
        }
        // Reversed, so that names come off the stack in source order.
        stack[pushed..].reverse();
    }
    element_fields(&mut out, &elements);
    let names = Box::from(out.as_slice());
    memo.names = out;
    memo.found = found;
    names
}

/// A comprehension that keeps one field of each element
/// (`[u.id for u in users]`): the loop name, the field read (`u.id`), and
/// the same field of the iterable (`users.id`).
struct Element {
    var: Ustr,
    field: Ustr,
    iterable: Ustr,
    as_field: Ustr,
}

/// The element field a comprehension's body is, when it is an attribute
/// chain of its only loop name over an iterable that is a name chain.
fn comprehension_field(n: Node<'_>, src: &str) -> Option<Element> {
    if !matches!(
        kind(n),
        "list_comprehension" | "set_comprehension" | "generator_expression"
    ) {
        return None;
    }
    let body = n.child_by_field_id(FIELD.body)?;
    let mut c = n.walk();
    let mut clauses = n
        .named_children(&mut c)
        .filter(|ch| kind(*ch) == "for_in_clause");
    let clause = clauses.next()?;
    if clauses.next().is_some() || kind(body) != "attribute" {
        return None;
    }
    let var = clause.child_by_field_id(FIELD.left)?;
    let iterable = clause.child_by_field_id(FIELD.right)?;
    if kind(var) != "identifier" {
        return None;
    }
    let var_text = node_text(var, src);
    let field = name_chain_interned(body, src)?;
    let rest = field.as_str().strip_prefix(var_text)?.strip_prefix('.')?;
    let iterable = name_chain_interned(iterable, src)?;
    Some(Element {
        var: Ustr::from(var_text),
        field,
        as_field: Ustr::from(&format!("{iterable}.{rest}")),
        iterable,
    })
}

/// Reads of a comprehension that keeps one field of each element become
/// that field of the iterable: `[u.id for u in users]` reads `users.id`,
/// not the whole of each `u` (nor `users`).
fn element_fields(names: &mut Vec<Ustr>, elements: &[Element]) {
    for e in elements {
        let Some(at) = names.iter().position(|n| *n == e.field) else {
            continue;
        };
        names[at] = e.as_field;
        names.retain(|n| *n != e.var && *n != e.iterable);
    }
}

/// The names, each once, in order.
fn distinct(names: &[Ustr]) -> Box<[Ustr]> {
    let mut out: Vec<Ustr> = Vec::with_capacity(names.len());
    for name in names {
        if !out.contains(name) {
            out.push(*name);
        }
    }
    out.into()
}

/// What rules compute on: numbers, names, arithmetic, subscripts, calls of
/// names, strings and their parts; anything else is `Other`.
fn shape(n: Node<'_>, src: &str, memo: &mut Memo) -> Shape {
    match memo.shapes.remove(&n.id()) {
        Some(kept) => kept,
        None => shape_at(n, src, 0, memo),
    }
}

fn sub_shape(m: Option<Node<'_>>, src: &str, depth: usize, memo: &mut Memo) -> Shape {
    m.map_or(Shape::Other, |m| shape_at(m, src, depth + 1, memo))
}

fn shape_at(n: Node<'_>, src: &str, depth: usize, memo: &mut Memo) -> Shape {
    if depth > MAX_LITERAL_DEPTH {
        memo.shape_cuts += 1;
        return Shape::Other;
    }
    match kind(n) {
        "integer" => parse_int(node_text(n, src)).map_or(Shape::Other, |i| Shape::Num(i as f64)),
        "float" => node_text(n, src)
            .replace('_', "")
            .parse()
            .map_or(Shape::Other, Shape::Num),
        "identifier" | "attribute" => match name_chain_interned(n, src) {
            Some(name) => Shape::Name(name),
            None => Shape::Other,
        },
        "string" => {
            let (s, interpolated) = string_value(n, src);
            if interpolated {
                Shape::Template(template_parts(n, src, memo).into())
            } else {
                Shape::Str(s.into())
            }
        }
        "concatenated_string" => {
            let parts: Vec<Node<'_>> = children(n, true).filter(|p| kind(*p) == "string").collect();
            if parts.iter().all(|p| !string_value(*p, src).1) {
                let all: String = parts.iter().map(|p| string_value(*p, src).0).collect();
                return Shape::Str(all.into());
            }
            let mut all = Vec::new();
            for p in parts {
                push_parts(&mut all, template_parts(p, src, memo));
            }
            Shape::Template(all.into())
        }
        "unary_operator" => {
            let op = n
                .child_by_field_id(FIELD.operator)
                .map(|o| node_text(o, src));
            match op {
                Some("-") => Shape::Neg(Box::new(sub_shape(
                    n.child_by_field_id(FIELD.argument),
                    src,
                    depth,
                    memo,
                ))),
                _ => Shape::Other,
            }
        }
        "binary_operator" => {
            let op = match n
                .child_by_field_id(FIELD.operator)
                .map(|o| node_text(o, src))
            {
                Some("+") => BinOp::Add,
                Some("-") => BinOp::Sub,
                Some("*") => BinOp::Mul,
                Some("/") => BinOp::Div,
                Some("//") => BinOp::FloorDiv,
                Some("%") => BinOp::Mod,
                _ => return Shape::Other,
            };
            let left = sub_shape(n.child_by_field_id(FIELD.left), src, depth, memo);
            let right = sub_shape(n.child_by_field_id(FIELD.right), src, depth, memo);
            Shape::Binary(op, Box::new((left, right)))
        }
        "parenthesized_expression" => sub_shape(n.named_child(0), src, depth, memo),
        "boolean_operator"
            if n.child_by_field_id(FIELD.operator)
                .is_some_and(|o| node_text(o, src) == "or") =>
        {
            let left = sub_shape(n.child_by_field_id(FIELD.left), src, depth, memo);
            let right = sub_shape(n.child_by_field_id(FIELD.right), src, depth, memo);
            Shape::Or(Box::new((left, right)))
        }
        "subscript" => {
            let mut c = n.walk();
            let indices: Vec<Node<'_>> = children_by_field(&n, FIELD.subscript, &mut c).collect();
            match indices.as_slice() {
                [index] => {
                    let value = sub_shape(n.child_by_field_id(FIELD.value), src, depth, memo);
                    let index = shape_at(*index, src, depth + 1, memo);
                    Shape::Index(Box::new((value, index)))
                }
                _ => Shape::Other,
            }
        }
        "call" => {
            // The callee looked up once (a field look-up steps through the children).
            let function = n.child_by_field_id(FIELD.function);
            if let Some(t) = function.and_then(|f| format_template(f, src)) {
                return t;
            }
            let name = function.and_then(|f| name_chain_interned(f, src));
            let Some(args) = n.child_by_field_id(FIELD.arguments) else {
                return Shape::Other;
            };
            let Some(name) = name.filter(|_| kind(args) == "argument_list") else {
                // `(a or b).rstrip("/")`: a method of a value that is not a name.
                let f = function;
                if let Some(f) = f.filter(|f| kind(*f) == "attribute")
                    && let Some(method) = f.child_by_field_id(FIELD.attribute)
                {
                    let object = sub_shape(f.child_by_field_id(FIELD.object), src, depth, memo);
                    if object != Shape::Other {
                        return Shape::Method(Box::new(object), node_text(method, src).into());
                    }
                }
                return Shape::Other;
            };
            let mut items = Vec::new();
            for a in children(args, true) {
                match kind(a) {
                    "comment" => {}
                    // `int(x=3)`, `f(*xs)`: not plain arithmetic.
                    "keyword_argument" | "list_splat" | "dictionary_splat" => {
                        return Shape::Other;
                    }
                    _ => {
                        let cuts = memo.shape_cuts;
                        let item = shape_at(a, src, depth + 1, memo);
                        // Not cut short, it is the argument's own shape:
                        // kept for the argument's fact.
                        if memo.shape_cuts == cuts && kept(a, src) {
                            memo.shapes.insert(a.id(), item.clone());
                        }
                        items.push(item);
                    }
                }
                if items.len() > MAX_ELEMENTS {
                    return Shape::Other;
                }
            }
            Shape::Call(name, items.into())
        }
        "lambda" => Shape::Function,
        _ => Shape::Other,
    }
}

/// `"http://{}:{}/x".format(...)`: a template whose holes are the
/// replacement fields (`{}`, `{0}`, `{host}`; `{{` and `}}` are braces).
/// What fills them is in the call's arguments, not in the shape.
fn format_template(f: Node<'_>, src: &str) -> Option<Shape> {
    // An attribute ends with its name: most callees are no `.format`.
    if kind(f) != "attribute"
        || !node_text(f, src).ends_with("format")
        || node_text(f.child_by_field_id(FIELD.attribute)?, src) != "format"
    {
        return None;
    }
    let object = f.child_by_field_id(FIELD.object)?;
    if kind(object) != "string" {
        return None;
    }
    let (text, interpolated) = string_value(object, src);
    if interpolated {
        return None;
    }
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut field = String::from("{");
                for c in chars.by_ref() {
                    field.push(c);
                    if c == '}' {
                        break;
                    }
                }
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit).as_str().into()));
                }
                parts.push(Part::Hole {
                    text: field.as_str().into(),
                    reads: Box::default(),
                });
            }
            _ => lit.push(c),
        }
        if parts.len() > MAX_ELEMENTS {
            return None;
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit.as_str().into()));
    }
    Some(Shape::Template(parts.into()))
}

/// The literal parts and interpolations of one string node.
fn template_parts(n: Node<'_>, src: &str, memo: &mut Memo) -> Vec<Part> {
    let raw = {
        children(n, false)
            .find(|ch| kind(*ch) == "string_start")
            .is_some_and(|s| node_text(s, src).to_ascii_lowercase().contains('r'))
    };
    let mut parts = Vec::new();
    for child in children(n, false) {
        match kind(child) {
            "string_content" => {
                let text = node_text(child, src);
                let text = if raw {
                    text.to_string()
                } else {
                    unescape(text)
                };
                push_parts(&mut parts, vec![Part::Lit(text.into())]);
            }
            "interpolation" => parts.push(Part::Hole {
                text: short_text_interned(child, src),
                reads: reads(child, src, memo),
            }),
            _ => {}
        }
        if parts.len() > MAX_ELEMENTS {
            break;
        }
    }
    parts
}

/// Append `more`, merging a literal into a literal before it.
fn push_parts(parts: &mut Vec<Part>, more: Vec<Part>) {
    for p in more {
        match (parts.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => *a = format!("{a}{b}").as_str().into(),
            (_, p) => parts.push(p),
        }
    }
}

fn value_at(n: Node<'_>, src: &str, depth: usize, memo: &mut Memo) -> Value {
    if depth > MAX_LITERAL_DEPTH {
        return expr_text(n, src, memo);
    }
    match kind(n) {
        "string" => {
            let (s, interpolated) = string_value(n, src);
            let s = Ustr::from(s.as_str());
            memo.strings.insert(n.id(), (s, interpolated));
            if interpolated {
                expr_text(n, src, memo)
            } else {
                Value::Str(s)
            }
        }
        "concatenated_string" => {
            let mut all = String::new();
            for part in children(n, true) {
                if kind(part) != "string" {
                    continue;
                }
                let (s, interpolated) = string_value(part, src);
                if interpolated {
                    return expr_text(n, src, memo);
                }
                all.push_str(&s);
            }
            Value::Str(all.into())
        }
        "integer" => parse_int(node_text(n, src))
            .map(Value::Int)
            .unwrap_or_else(|| expr_text(n, src, memo)),
        "float" => node_text(n, src)
            .replace('_', "")
            .parse()
            .map(Value::Float)
            .unwrap_or_else(|_| expr_text(n, src, memo)),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "none" => Value::None,
        "unary_operator" => {
            let operand = n.child_by_field_id(FIELD.argument);
            let op = n
                .child_by_field_id(FIELD.operator)
                .map(|o| node_text(o, src));
            match (op, operand.map(|o| value_at(o, src, depth + 1, memo))) {
                (Some("-"), Some(Value::Int(i))) => Value::Int(-i),
                (Some("-"), Some(Value::Float(f))) => Value::Float(-f),
                _ => expr_text(n, src, memo),
            }
        }
        "parenthesized_expression" => match n.named_child(0) {
            Some(inner) => value_at(inner, src, depth + 1, memo),
            None => expr_text(n, src, memo),
        },
        "dictionary" => {
            let mut pairs = Vec::new();
            for pair in children(n, true)
                .filter(|p| kind(*p) == "pair")
                .take(MAX_ELEMENTS)
            {
                if let (Some(k), Some(v)) = (
                    pair.child_by_field_id(FIELD.key),
                    pair.child_by_field_id(FIELD.value),
                ) {
                    pairs.push((
                        value_at(k, src, depth + 1, memo),
                        value_at(v, src, depth + 1, memo),
                    ));
                }
            }
            Value::Dict(pairs.into())
        }
        "list" | "tuple" | "set" => {
            let items = children(n, true)
                .filter(|e| kind(*e) != "comment")
                .take(MAX_ELEMENTS)
                .map(|e| value_at(e, src, depth + 1, memo))
                .collect();
            Value::List(items)
        }
        "identifier" | "attribute" => Value::Name {
            text: collapse_ws_interned(node_text(n, src)),
            resolved: None,
        },
        "call" => env_lookup(n, src, memo).unwrap_or_else(|| expr_text(n, src, memo)),
        _ => expr_text(n, src, memo),
    }
}

/// `os.environ.get("X", "default")`, `os.getenv("X")`, `os.environ["X"]`-style
/// reads of configuration: the variable and its literal default.
fn env_lookup(n: Node<'_>, src: &str, memo: &mut Memo) -> Option<Value> {
    let callee = node_text(n.child_by_field_id(FIELD.function)?, src);
    // Every name below ends so (most calls are not environment reads).
    let tail = callee.trim_end();
    if !tail.ends_with("get") && !tail.ends_with("getenv") {
        return None;
    }
    let callee = collapse_ws(callee);
    if !matches!(
        callee.as_str(),
        "os.environ.get" | "os.getenv" | "getenv" | "environ.get"
    ) {
        return None;
    }
    let args = n.child_by_field_id(FIELD.arguments)?;
    let mut positional =
        children(args, true).filter(|a| kind(*a) != "keyword_argument" && kind(*a) != "comment");
    let name = match value_at(positional.next()?, src, MAX_LITERAL_DEPTH, memo) {
        Value::Str(s) => s,
        _ => return None,
    };
    let default = positional
        .next()
        .and_then(|d| match value_at(d, src, MAX_LITERAL_DEPTH, memo) {
            Value::Str(s) => Some(s),
            _ => None,
        });
    Some(Value::Env { name, default })
}

fn parse_int(text: &str) -> Option<i64> {
    let t = text.replace('_', "").to_ascii_lowercase();
    if let Some(h) = t.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = t.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = t.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        t.parse().ok()
    }
}

/// Arguments of a call (`argument_list`, or a bare generator expression).
pub fn arguments(n: Node<'_>, src: &str, index: &LineIndex<'_>, memo: &mut Memo) -> Vec<Arg> {
    let span = |x: Node<'_>| node_span(x, index);
    if kind(n) != "argument_list" {
        return vec![Arg {
            keyword: None,
            value: expr_text(n, src, memo),
            span: span(n),
        }];
    }
    // Exact size: facts of every call stay in memory for the whole scan.
    let mut args = Vec::with_capacity(n.named_child_count().min(MAX_ELEMENTS));
    for a in children(n, true) {
        let (keyword, value) = match kind(a) {
            "comment" => continue,
            "keyword_argument" => {
                let (Some(name), Some(v)) = (
                    a.child_by_field_id(FIELD.name),
                    a.child_by_field_id(FIELD.value),
                ) else {
                    continue;
                };
                (Some(node_text(name, src).into()), value(v, src, memo))
            }
            "list_splat" => (
                Some("*".into()),
                a.named_child(0)
                    .map(|v| value(v, src, memo))
                    .unwrap_or(Value::None),
            ),
            "dictionary_splat" => (
                Some("**".into()),
                a.named_child(0)
                    .map(|v| value(v, src, memo))
                    .unwrap_or(Value::None),
            ),
            _ => (None, value(a, src, memo)),
        };
        args.push(Arg {
            keyword,
            value,
            span: span(a),
        });
        if args.len() >= MAX_ELEMENTS {
            break;
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::unescape;

    fn python_parser() -> tree_sitter::Parser {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        parser
    }

    #[test]
    fn collapse_ws_keeps_white_space_in_string_literals() {
        use super::collapse_ws;
        assert_eq!(
            collapse_ws("f\"ffmpeg -y  -i {src}\"  +  ' -map_metadata  -1'"),
            "f\"ffmpeg -y  -i {src}\"+' -map_metadata  -1'"
        );
        assert_eq!(collapse_ws("g( 'a \\' b' ,\n  x )"), "g('a \\' b', x)");
        assert_eq!(collapse_ws("a .  b"), "a.b");
    }

    #[test]
    fn collapse_ws_fast_path_agrees() {
        for s in [
            "a.b", "f(x)", "a  b", "a\x0bb", "a\x0cb", "x\u{a0}y", "a\tb", "", " ",
        ] {
            let slow = super::collapse_ws_upto(s.chars(), usize::MAX).0;
            assert_eq!(super::collapse_ws(s), slow, "{s:?}");
        }
    }

    /// `short_text` stops collapsing early; it must give what cutting the
    /// whole collapsed text gives.
    #[test]
    fn short_text_agrees_with_cutting_the_whole_text() {
        let mut parser = python_parser();
        let long = "x".repeat(130);
        let spaced = "a ".repeat(70);
        let wide = "生".repeat(200);
        for body in [
            "f(x)".to_string(),
            format!("f({long})"),
            // At and just past the limit, with nothing to collapse.
            format!("f({})", "x".repeat(117)),
            format!("f({})", "x".repeat(118)),
            format!("f({spaced})"),
            format!("f({wide}, {spaced})"),
            format!("f(  {}  )", "y ".repeat(59) + "zz"),
            format!("f(\n{}\n)", "b,\n".repeat(200)),
            format!("lambda q: {}", "q ".repeat(300)),
        ] {
            let tree = parser.parse(&body, None).unwrap();
            let expr = tree.root_node().child(0).unwrap().child(0).unwrap();
            let raw = super::node_text(expr, &body);
            let cut: String = raw.chars().take(super::MAX_EXPR_TEXT * 4).collect();
            let mut expected = super::collapse_ws(&cut);
            if expected.chars().count() > super::MAX_EXPR_TEXT {
                expected = expected
                    .chars()
                    .take(super::MAX_EXPR_TEXT)
                    .collect::<String>()
                    + "…";
            }
            assert_eq!(super::short_text(expr, &body), expected, "{body:?}");
        }
    }

    /// The kind table gives what `Node::kind` gives, for every node.
    #[test]
    fn kind_table_agrees_with_node_kind() {
        let mut parser = python_parser();
        let src = "import a.b as c\nfrom . import d\n@dec(1)\nasync def f(x: int = 2, *a, **k) -> T:\n    \"\"\"doc\"\"\"\n    y = f'{x!r:>3}' + b'\\x00' + r'\\d'\n    return [i async for i in g() if i], {1: 2}, {3}, (4,), -5.0e3, None, True, print\nclass C(B, metaclass=M):\n    match x:\n        case [1, *r] | {'k': v}: pass\nwith open(p) as (h, j): del h[0]\nif __name__ == '__main__': exec = lambda: (yield)\n) def\n";
        let tree = parser.parse(src, None).unwrap();
        let mut cursor = tree.walk();
        let mut seen = 0;
        loop {
            let n = cursor.node();
            assert_eq!(super::kind(n), n.kind());
            seen += 1;
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert!(seen > 100);
                    return;
                }
            }
        }
    }

    /// Strings read from their text give what their children give; the
    /// forms the text alone cannot say go to the children.
    #[test]
    fn plain_strings_agree_with_their_children() {
        let mut parser = python_parser();
        let src = r#"a = ('x', "y", '', "", '''t'q''', """""", r'\d', b'\x41', Rb"\n", u'\u751f',
'a\'b', "\\", 'line\
cont', f'{x}', f'plain', '{not}', """a""b""""", 'tail\\\'')
b = 'open
"#;
        let tree = parser.parse(src, None).unwrap();
        let mut cursor = tree.walk();
        let (mut strings, mut fast_ones) = (0, 0);
        loop {
            let n = cursor.node();
            if n.kind() == "string" {
                strings += 1;
                let text = super::node_text(n, src);
                let fast = super::plain_string(text).map(|(p, c)| super::content_value(p, c));
                if let Some(fast) = fast {
                    fast_ones += 1;
                    assert_eq!(fast, super::string_value_of_children(n, src), "{text:?}");
                }
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert!(strings >= 18 && fast_ones >= 8, "{strings} {fast_ones}");
                    return;
                }
            }
        }
    }

    /// Reads taken from the text give what the tree walk gives, on every
    /// node of expressions chosen to hit the text reading's corners; the
    /// forms it leaves to the tree are left.
    #[test]
    fn reads_from_text_agree_with_the_tree() {
        let mut parser = python_parser();
        let src = r#"x = json.loads(raw_chat)
y = a.b(c).d(e, k=v, **kw)[0].f + g(*args) - h.i .j
z = (a).b, "s".join(p), 'it''s' r"\d" b'x', f'plain', f'{hole}', '{not}'.format(q)
w = a . b + c.\
  d
v = 1.5e-3 * n + 0x1F - 1_000 + 2j + m[1:2] + (not p) and q or r if s else t
u = f(a == b, c != d, e <= f, g>=h, i=-1, j =2)
t = [x for x in y] + {k: v} + (lambda q: q) + None.x + True + obj.type + print(n) + 1 .real
s = await call(x) if x is not None else other[...]
q = [*signature.parameters.keys()]
r = dict(a=1,
         b=c.d,  # comment
         e=生)
"#;
        let tree = parser.parse(src, None).unwrap();
        let mut cursor = tree.walk();
        let (mut nodes, mut fast) = (0, 0);
        loop {
            let n = cursor.node();
            let part = n.kind().starts_with("string_") || n.kind() == "escape_sequence";
            if n.is_named()
                && !part
                && !matches!(n.kind(), "module" | "expression_statement" | "assignment")
            {
                nodes += 1;
                if let Some(names) = super::reads_from_text(n, src, &mut Vec::new()) {
                    fast += 1;
                    let tree_names = super::reads_of_tree(n, src, &mut super::Memo::default());
                    assert_eq!(
                        names,
                        tree_names,
                        "{:?} {}",
                        super::node_text(n, src),
                        n.to_sexp()
                    );
                }
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert!(fast >= 60 && fast < nodes, "{fast} of {nodes}");
                    return;
                }
            }
        }
    }

    /// Chains of names read from their text are the tree's.
    #[test]
    fn plain_chains_agree_with_the_tree() {
        let mut parser = python_parser();
        let src = "a.b.c\nself.x1._y\na .b\na.print\na.b(c).d\nx\n(a).b\na.\u{751f}\n";
        let tree = parser.parse(src, None).unwrap();
        let root = tree.root_node();
        let texts: Vec<Option<&str>> = (0..root.named_child_count())
            .map(|i| {
                let expr = root.named_child(i as u32).unwrap().named_child(0).unwrap();
                let text = super::plain_chain_text(expr, src);
                if text.is_some() {
                    assert_eq!(text.map(str::to_string), super::name_chain(expr, src));
                    assert!(super::is_name_chain_of_tree(expr));
                }
                text
            })
            .collect();
        assert_eq!(
            texts,
            [
                Some("a.b.c"),
                Some("self.x1._y"),
                None,
                None,
                None,
                None,
                None,
                None
            ]
        );
    }

    /// Spans from the parser's rows are the line table's, on every node:
    /// multi-line strings and calls, CRLF endings, a form feed, a line
    /// continuation, non-ASCII text and a node at the very end.
    #[test]
    fn node_spans_agree_with_the_line_table() {
        let mut parser = python_parser();
        let src = "a = '''x\n\ny'''\r\nf(\r\n  1,\x0c 2)\nb = \"\u{751f}\" + \\\n  c\n\n# end\nd";
        let index = crate::source::LineIndex::new(src);
        let tree = parser.parse(src, None).unwrap();
        let mut cursor = tree.walk();
        let (mut nodes, mut multi_line) = (0, 0);
        loop {
            let n = cursor.node();
            let span = super::node_span(n, &index);
            assert_eq!(span, index.span(n.start_byte(), n.end_byte()), "{n:?}");
            nodes += 1;
            multi_line += usize::from(span.end_line > span.start_line);
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert!(nodes > 30 && multi_line >= 4, "{nodes} {multi_line}");
                    return;
                }
            }
        }
    }

    /// What a bottom-up reading of values (one pass computing each node's
    /// reads as the walk leaves it) must give to keep reports identical:
    /// the caps of `reads` and the element fields of comprehensions.
    #[test]
    fn reads_caps_and_element_fields() {
        let mut parser = python_parser();
        let reads_of = |src: &str, parser: &mut tree_sitter::Parser| -> Vec<String> {
            let tree = parser.parse(src, None).unwrap();
            let expr = tree.root_node().child(0).unwrap().child(0).unwrap();
            let names = super::reads(expr, src, &mut super::Memo::default());
            names.iter().map(|n| n.to_string()).collect()
        };
        // More distinct names than `MAX_READS`: the first ones in source
        // order (the callee is one).
        let many: Vec<String> = (0..70).map(|i| format!("a{i}")).collect();
        let call = format!("f({})", many.join(", "));
        let mut first = vec!["f".to_string()];
        first.extend_from_slice(&many[..super::MAX_READS - 1]);
        assert_eq!(reads_of(&call, &mut parser), first);
        // A comprehension keeping one field of each element reads that
        // field of the iterable; its loop name and the iterable are dropped.
        assert_eq!(
            reads_of("[u.id for u in users if u.ok] + [k]", &mut parser),
            ["users.id", "k"]
        );
        assert_eq!(
            reads_of("{u.id for u in db.users}", &mut parser),
            ["db.users.id"]
        );
        // Not one field: the names as read.
        assert_eq!(
            reads_of("[u.id + 1 for u in users]", &mut parser),
            ["u.id", "u", "users"]
        );
    }

    /// An argument's reads kept by the walk over the expression that holds
    /// the call apply the element fields of comprehensions met before it in
    /// that walk, outside the argument: `g(u.id)` reads `g, users.id` when
    /// the call is an assignment's value, `g, u.id` when it is a statement. The
    /// reports depend on this today; a bottom-up pass has to keep it.
    #[test]
    fn kept_argument_reads_see_earlier_comprehensions() {
        let arg_reads = |src: &str| -> Vec<String> {
            let (facts, _) = super::super::extract("m.py", src, &[]);
            let call = facts
                .calls
                .iter()
                .find(|c| c.callee.as_str() == "f")
                .unwrap();
            match &call.args[1].value {
                crate::facts::Value::Expr(e) => e.reads.iter().map(|n| n.to_string()).collect(),
                other => panic!("{other:?}"),
            }
        };
        let assigned = arg_reads("x = f([u.id for u in users], g(u.id))\n");
        assert_eq!(assigned, ["g", "users.id"]);
        assert_eq!(
            arg_reads("f([u.id for u in users], g(u.id))\n"),
            ["g", "u.id"]
        );
    }

    #[test]
    fn unescapes_common_sequences() {
        assert_eq!(unescape(r"a\nb\x41\u751f"), "a\nbA生");
        assert_eq!(unescape(r"\q"), r"\q");
    }
}

//! Fact extraction in ONE walk over the tree: the fast path.
//!
//! The patterns in `queries/python/*.scm` stay the specification: this walk
//! finds exactly the nodes they match and hands them to the same `Raw`
//! methods the query path uses, in the same order (a match is taken when
//! the walk enters the node that completes it, as tree-sitter's query cursor
//! does). `extract_with_query` runs the query itself; tests and the fuzz
//! harness check that both give identical facts. Why: on 2 cores the
//! combined query cost ~0.4× a parse on its own, the walk ~0.15×
//! (docs/performance.md).
//!
//! Node kinds and fields are compared by id, looked up once. The walk is
//! iterative; its ancestor stack is as deep as the tree, which the parser
//! already holds in memory. It steps through a node's named children by
//! index where it can: a tree-cursor step costs several times more (see
//! `values::INDEXED_CHILDREN`). No pattern matches an anonymous node (a
//! keyword or punctuation; none has children in tree-sitter-python), so the
//! walk never steps onto one: `named_child(i)` passes over them inside
//! tree-sitter, and a node's anonymous children are about half of them.

use std::sync::LazyLock;

use tree_sitter::{Node, Tree, TreeCursor};

use super::extract::Raw;
use super::values::{FIELD, INDEXED_CHILDREN};

/// Kind ids of the nodes the patterns name (field ids are `values::FIELD`).
struct Ids {
    call: u16,
    assignment: u16,
    named_expression: u16,
    for_statement: u16,
    with_item: u16,
    as_pattern: u16,
    as_pattern_target: u16,
    function_definition: u16,
    parameters: u16,
    class_definition: u16,
    identifier: u16,
    if_statement: u16,
    elif_clause: u16,
    conditional_expression: u16,
    if_clause: u16,
    comparison_operator: u16,
    string: u16,
    attribute: u16,
    expression_statement: u16,
    comment: u16,
    import_statement: u16,
    import_from_statement: u16,
    return_statement: u16,
    parameters_or_arguments: [u16; 2],
    /// By kind id: the expression kinds whose subtree the walk passes over
    /// when its text is plain (`plain_text`); see `opaque`.
    plain_expression: Box<[bool]>,
}

/// Kinds of expressions (and parts of definitions and imports) that are
/// no pattern's root nor a parent whose children complete one, and that
/// hold no statement: below one, only a call, a string, a comment, a
/// keyword's construct, a walrus or an ERROR could match, and each of
/// those shows in the text (`plain_text`). Not `expression_statement`, a
/// block or any statement: an assignment (`x = 1`) sits in those.
const PLAIN_EXPRESSION_KINDS: &[&str] = &[
    "augmented_assignment",
    "binary_operator",
    "boolean_operator",
    "comparison_operator",
    "constrained_type",
    "decorator",
    "default_parameter",
    "dictionary",
    "dictionary_splat",
    "dictionary_splat_pattern",
    "expression_list",
    "generic_type",
    "keyword_argument",
    "list",
    "list_splat",
    "list_splat_pattern",
    "member_type",
    "not_operator",
    "pair",
    "pattern_list",
    "set",
    "slice",
    "splat_type",
    "subscript",
    "tuple_pattern",
    "type",
    "type_parameter",
    "typed_default_parameter",
    "typed_parameter",
    "unary_operator",
    "union_type",
];

static IDS: LazyLock<Ids> = LazyLock::new(|| {
    let lang = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
    let kind = |name: &str| {
        let id = lang.id_for_node_kind(name, true);
        assert_ne!(id, 0, "tree-sitter-python has no node kind `{name}`");
        id
    };
    Ids {
        call: kind("call"),
        assignment: kind("assignment"),
        named_expression: kind("named_expression"),
        for_statement: kind("for_statement"),
        with_item: kind("with_item"),
        as_pattern: kind("as_pattern"),
        as_pattern_target: kind("as_pattern_target"),
        function_definition: kind("function_definition"),
        parameters: kind("parameters"),
        class_definition: kind("class_definition"),
        identifier: kind("identifier"),
        if_statement: kind("if_statement"),
        elif_clause: kind("elif_clause"),
        conditional_expression: kind("conditional_expression"),
        if_clause: kind("if_clause"),
        comparison_operator: kind("comparison_operator"),
        string: kind("string"),
        attribute: kind("attribute"),
        expression_statement: kind("expression_statement"),
        comment: kind("comment"),
        import_statement: kind("import_statement"),
        import_from_statement: kind("import_from_statement"),
        return_statement: kind("return_statement"),
        parameters_or_arguments: [kind("parameters"), kind("argument_list")],
        // Every id of each kind: an alias (`pattern_list`, `list_splat_pattern`)
        // has ids of its own beside the one `id_for_node_kind` gives.
        plain_expression: (0..lang.node_kind_count())
            .map(|id| {
                u16::try_from(id).is_ok_and(|id| {
                    lang.node_kind_is_named(id)
                        && lang
                            .node_kind_for_id(id)
                            .is_some_and(|name| PLAIN_EXPRESSION_KINDS.contains(&name))
                })
            })
            .collect(),
    }
});

impl Ids {
    /// The field of a parent's children that a pattern looks at: one per
    /// parent kind, held by one child.
    fn field_that_matters(&self, parent: u16) -> Option<u16> {
        let field = if parent == self.call {
            FIELD.arguments
        } else if parent == self.assignment || parent == self.for_statement {
            FIELD.right
        } else if parent == self.named_expression {
            FIELD.value
        } else if parent == self.function_definition {
            FIELD.parameters
        } else if parent == self.class_definition {
            FIELD.name
        } else if parent == self.with_item {
            FIELD.value
        } else if parent == self.as_pattern {
            FIELD.alias
        } else if parent == self.if_statement {
            FIELD.condition
        } else {
            return None;
        };
        Some(field)
    }

    /// Whether the field that matters is its parent's last child (a call's
    /// arguments, a walrus's value, a `with` item's value, an `as` alias).
    fn field_is_last(&self, parent: u16) -> bool {
        parent == self.call
            || parent == self.named_expression
            || parent == self.with_item
            || parent == self.as_pattern
    }
}

/// tree-sitter's kind id of `ERROR` nodes (`ts_builtin_sym_error`).
const ERROR: u16 = u16::MAX;

/// What a query wildcard `(_)` matches: a named node that is not `ERROR`.
fn wildcard(n: Node<'_>) -> bool {
    n.is_named() && !n.is_error()
}

/// An ancestor of the current node and its field id in its own parent (0
/// when none, or when it is not the field a pattern looks at).
#[derive(Clone, Copy)]
struct Frame<'t> {
    node: Node<'t>,
    kind: u16,
    field: u16,
}

/// Where the walk is among one ancestor's children, and the field a
/// pattern looks at with the child that holds it.
struct Children<'t> {
    node: Node<'t>,
    holder: Holder,
    steps: Steps<'t>,
    /// Whether the ancestor's subtree has no ERROR or MISSING node: then
    /// each child sits where the grammar puts it, and the fields a pattern
    /// reads are known from the children's order (`first`, `Holder::Last`).
    clean: bool,
    /// The first named child that is no extra (a comment), once stepped
    /// onto, where a pattern looks at the ancestor's fields: in a clean
    /// subtree, the field the grammar puts first (a call's function, an
    /// assignment's or a `for`'s left, a definition's or a walrus's name).
    first: Option<Node<'t>>,
}

/// Which child holds the field a pattern looks at.
#[derive(Clone, Copy)]
enum Holder {
    None,
    /// The field and its child's id.
    Id(u16, usize),
    /// The field, held by the last named child (a call's arguments: no
    /// extra ends a node, tree-sitter moves trailing comments outwards).
    Last(u16),
}

enum Steps<'t> {
    /// The next index and the count.
    Indexed(u32, u32),
    /// For many children: a cursor of its own, and whether it has entered
    /// the children yet.
    Cursor(TreeCursor<'t>, bool),
}

impl<'t> Children<'t> {
    fn new(ids: &Ids, node: Node<'t>, kind: u16, count: u32) -> Children<'t> {
        let steps = if count as usize > INDEXED_CHILDREN {
            Steps::Cursor(node.walk(), false)
        } else {
            Steps::Indexed(0, count)
        };
        let Some(field) = ids.field_that_matters(kind) else {
            return Children {
                node,
                holder: Holder::None,
                steps,
                clean: false,
                first: None,
            };
        };
        let clean = !node.has_error();
        // One look-up by field instead of asking each child for its field,
        // none where the field is the last child.
        let holder = if clean && ids.field_is_last(kind) && matches!(steps, Steps::Indexed(..)) {
            Holder::Last(field)
        } else {
            node.child_by_field_id(field)
                .map_or(Holder::None, |c| Holder::Id(field, c.id()))
        };
        Children {
            node,
            holder,
            steps,
            clean,
            first: None,
        }
    }

    /// The next named child, and its field id if it is the one that
    /// matters (else 0).
    fn next(&mut self) -> Option<(Node<'t>, u16)> {
        let mut last = false;
        let child = match &mut self.steps {
            Steps::Indexed(next, count) => {
                if next >= count {
                    return None;
                }
                *next += 1;
                last = next == count;
                self.node.named_child(*next - 1)?
            }
            Steps::Cursor(cursor, entered) => loop {
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
                if child.is_named() {
                    break child;
                }
            },
        };
        let field = match self.holder {
            Holder::None => return Some((child, 0)),
            Holder::Id(field, holder) if holder == child.id() => field,
            Holder::Last(field) if last => {
                debug_assert_eq!(
                    self.node.child_by_field_id(field).map(|c| c.id()),
                    Some(child.id())
                );
                field
            }
            _ => 0,
        };
        if self.first.is_none() && !child.is_extra() {
            self.first = Some(child);
        }
        Some((child, field))
    }

    /// The index after the child last stepped onto, and the count, when
    /// the children are stepped through by index.
    fn position(&self) -> Option<(u32, u32)> {
        match self.steps {
            Steps::Indexed(next, count) => Some((next, count)),
            Steps::Cursor(..) => None,
        }
    }

    /// The child in `field`, which a pattern's root puts first: known from
    /// the order in a clean subtree, else looked up.
    fn first_field(&self, field: u16) -> Option<Node<'t>> {
        if !self.clean {
            return self.node.child_by_field_id(field);
        }
        debug_assert_eq!(
            self.first.map(|c| c.id()),
            self.node.child_by_field_id(field).map(|c| c.id()),
            "{}",
            self.node.to_sexp()
        );
        self.first
    }
}

/// Visit every node once, pre-order, and extract what the queries match.
pub fn extract(tree: &Tree, raw: &mut Raw<'_>) {
    let ids = &*IDS;
    let mut stack: Vec<Frame<'_>> = Vec::new();
    // Beside each ancestor in `stack`: where the walk is among its children.
    let mut positions: Vec<Children<'_>> = Vec::new();
    let (mut node, mut field) = (tree.root_node(), 0);
    loop {
        let kind = node.kind_id();
        visit(ids, raw, node, kind, field, &stack, positions.last());
        let count = if opaque(ids, node, kind, raw.src()) {
            0
        } else {
            node.named_child_count() as u32
        };
        if count > 0 {
            stack.push(Frame { node, kind, field });
            positions.push(Children::new(ids, node, kind, count));
        }
        // The next child of the innermost ancestor that has one left.
        loop {
            let Some(children) = positions.last_mut() else {
                return;
            };
            if let Some(next) = children.next() {
                (node, field) = next;
                break;
            }
            positions.pop();
            stack.pop();
        }
    }
}

/// Whether no pattern can match below `node`, seen from its text: a string
/// without interpolation (its parts are the quotes, the content and escape
/// sequences), a chain of names (`self.client.chat`: attributes and
/// identifiers), an import without a comment (names, dots, `as`, commas and
/// parentheses), or an argument list, parameter list or other expression
/// whose text is plain (`plain_text`). A call, subscript, literal, lambda,
/// parenthesized or assigning expression inside an attribute needs one of
/// `([{'"=` in its text, a comment `#`; a subtree with an ERROR or MISSING
/// node is walked. Stepping onto each of those children costs more than
/// reading the text.
fn opaque(ids: &Ids, node: Node<'_>, kind: u16, src: &str) -> bool {
    let text = || src.get(node.start_byte()..node.end_byte()).unwrap_or("");
    let plain = if kind == ids.string {
        !text().contains('{')
    } else if kind == ids.attribute {
        !text()
            .bytes()
            .any(|b| matches!(b, b'(' | b'[' | b'{' | b'\'' | b'"' | b'=' | b'#'))
    } else if ids.parameters_or_arguments.contains(&kind) {
        // Its own parentheses hold it: a call inside needs another.
        text()
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .is_some_and(plain_text)
    } else if kind == ids.import_statement || kind == ids.import_from_statement {
        !text().contains('#')
    } else if ids
        .plain_expression
        .get(usize::from(kind))
        .is_some_and(|plain| *plain)
    {
        plain_text(text())
    } else {
        return false;
    };
    plain && !node.has_error()
}

/// Longest text `plain_text` reads: nested expressions are each read
/// (`a[b[c[f()]]]` reads the text at every level), so the reading is bounded.
const MAX_PLAIN_TEXT: usize = 4096;

/// Whether an expression's text holds only names, numbers, operators,
/// brackets, braces, colons, commas, keyword arguments and splats
/// (`hidden_states[:, 0], dim=-1, **kw`): no pattern matches inside such an
/// expression. A call or a parenthesized expression needs a `(`, a string a
/// quote, a comment `#`, a walrus `:=`, a lambda, conditional expression or
/// comprehension a keyword; an assignment is a statement, which no kind
/// `opaque` reads this way holds; `opaque` also asks that no ERROR or
/// MISSING node is inside.
fn plain_text(text: &str) -> bool {
    if text.len() > MAX_PLAIN_TEXT {
        return false;
    }
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match PLAIN_BYTES[usize::from(b[i])] {
            PLAIN => i += 1,
            WORD => {
                let end = i + b[i..]
                    .iter()
                    .take_while(|x| x.is_ascii_alphanumeric() || **x == b'_')
                    .count();
                // Operator words and constants hold no pattern; other
                // keywords might. Only short words can be keywords.
                if (2..=8).contains(&(end - i))
                    && !matches!(
                        &text[i..end],
                        "and" | "or" | "not" | "in" | "is" | "None" | "True" | "False"
                    )
                    && super::values::reserved(&text[i..end])
                {
                    return false;
                }
                i = end;
            }
            // A colon, unless it starts a walrus.
            COLON if b.get(i + 1) != Some(&b'=') => i += 1,
            _ => return false,
        }
    }
    true
}

/// Classes of bytes for `plain_text`: any other byte (a quote, `(`, `#`,
/// a backslash, `;`, non-ASCII) ends the reading.
const PLAIN: u8 = 1;
const WORD: u8 = 2;
const COLON: u8 = 3;
static PLAIN_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() || b == b'_' {
            WORD
        } else if b == b':' {
            COLON
        } else if b.is_ascii_digit() {
            PLAIN
        } else {
            match b {
                b'.' | b',' | b' ' | b'\t' | b'\n' | b'\r' | b'=' | b'*' | b'+' | b'-' | b'/'
                | b'%' | b'@' | b'<' | b'>' | b'!' | b'&' | b'|' | b'^' | b'~' | b'[' | b']'
                | b'{' | b'}' => PLAIN,
                _ => 0,
            }
        };
        c += 1;
    }
    t
};

/// One named node (the walk visits no others).
fn visit<'t>(
    ids: &Ids,
    raw: &mut Raw<'_>,
    node: Node<'t>,
    kind: u16,
    field: u16,
    stack: &[Frame<'t>],
    siblings: Option<&Children<'t>>,
) {
    // Single-node patterns: strings, comments, ERROR, imports, returns, branch points.
    // `Node::is_error` asks tree-sitter again for the kind the walk has.
    let error = kind == ERROR;
    debug_assert_eq!(error, node.is_error());
    if error {
        raw.error(node);
    } else {
        if kind == ids.string {
            let bare = stack
                .last()
                .is_some_and(|p| p.kind == ids.expression_statement);
            raw.string(node, bare);
        } else if kind == ids.comment {
            raw.comment(node);
        } else if kind == ids.import_statement {
            raw.import(node);
        } else if kind == ids.import_from_statement {
            raw.import_from(node);
        } else if kind == ids.return_statement {
            raw.return_statement(node);
        } else if kind == ids.if_statement
            || kind == ids.elif_clause
            || kind == ids.conditional_expression
            || kind == ids.if_clause
        {
            raw.condition(
                node,
                stack.last().map(|p| p.node),
                siblings.and_then(Children::position),
            );
        }
    }
    let Some(parent) = stack.last() else { return };
    // The field a pattern's root puts first, known from the walk's steps.
    let first_field = |field: u16| match siblings {
        Some(siblings) => siblings.first_field(field),
        None => parent.node.child_by_field_id(field),
    };
    // Patterns over a parent and its fields complete at their last field.
    if parent.kind == ids.call && field == FIELD.arguments && !error {
        // (call function: (_) @call.callee arguments: (_) @call.args) @call
        if let Some(callee) = first_field(FIELD.function).filter(|c| wildcard(*c)) {
            raw.call(parent.node, callee, node);
        }
    } else if parent.kind == ids.assignment && field == FIELD.right && !error {
        // (assignment left: (_) @assignment.target right: (_) @assignment.value) @assignment
        if let Some(target) = first_field(FIELD.left).filter(|c| wildcard(*c)) {
            raw.assignment(parent.node, target, node);
        }
    } else if parent.kind == ids.for_statement && field == FIELD.right && !error {
        // (for_statement left: (_) @assignment.target right: (_) @assignment.value @assignment)
        if let Some(target) = first_field(FIELD.left).filter(|c| wildcard(*c)) {
            raw.assignment(node, target, node);
        }
    } else if parent.kind == ids.named_expression && field == FIELD.value && !error {
        // (named_expression name: (identifier) @assignment.target value: (_) @assignment.value) @assignment
        if let Some(target) = first_field(FIELD.name).filter(|c| c.kind_id() == ids.identifier) {
            raw.assignment(parent.node, target, node);
        }
    } else if parent.kind == ids.function_definition
        && field == FIELD.parameters
        && kind == ids.parameters
    {
        // (function_definition name: (identifier) parameters: (parameters)) @function
        if let Some(name) = first_field(FIELD.name).filter(|c| c.kind_id() == ids.identifier) {
            raw.function(parent.node, name, node, grandparent(stack));
        }
    } else if parent.kind == ids.class_definition && field == FIELD.name && kind == ids.identifier {
        // (class_definition name: (identifier) @class.name) @class
        raw.class(parent.node, node, grandparent(stack));
    } else if parent.kind == ids.as_pattern_target && !error {
        with_item(ids, raw, node, stack);
    } else if parent.kind == ids.comparison_operator && kind == ids.string {
        main_guard(ids, raw, node, stack);
    }
}

/// The parent of the innermost ancestor (a definition's holder).
fn grandparent<'t>(stack: &[Frame<'t>]) -> Option<Node<'t>> {
    stack.len().checked_sub(2).map(|i| stack[i].node)
}

/// `(with_item value: (as_pattern (_) @assignment.value alias:
/// (as_pattern_target (_) @assignment.target))) @assignment`, completed at the target.
fn with_item(ids: &Ids, raw: &mut Raw<'_>, target: Node<'_>, stack: &[Frame<'_>]) {
    let [.., item, pattern, alias] = stack else {
        return;
    };
    if alias.field != FIELD.alias
        || pattern.kind != ids.as_pattern
        || pattern.field != FIELD.value
        || item.kind != ids.with_item
    {
        return;
    }
    // Every wildcard child before the alias is a value the query can bind.
    let mut c = pattern.node.walk();
    if !c.goto_first_child() {
        return;
    }
    loop {
        let child = c.node();
        if child.id() == alias.node.id() {
            return;
        }
        if wildcard(child) {
            raw.assignment(item.node, target, child);
        }
        if !c.goto_next_sibling() {
            return;
        }
    }
}

/// `(if_statement condition: (comparison_operator (identifier) @main_guard.name
/// (string) @main_guard.value) (#eq? @main_guard.name "__name__")
/// (#match? @main_guard.value "__main__")) @main_guard`, completed at the string:
/// one match per `__name__` identifier before it.
fn main_guard(ids: &Ids, raw: &mut Raw<'_>, string: Node<'_>, stack: &[Frame<'_>]) {
    let [.., stmt, cmp] = stack else {
        return;
    };
    if cmp.field != FIELD.condition || stmt.kind != ids.if_statement {
        return;
    }
    let src = raw.src();
    let text = |n: Node<'_>| src.get(n.start_byte()..n.end_byte()).unwrap_or("");
    if !text(string).contains("__main__") {
        return;
    }
    let mut c = cmp.node.walk();
    if !c.goto_first_child() {
        return;
    }
    loop {
        let child = c.node();
        if child.id() == string.id() {
            return;
        }
        if child.kind_id() == ids.identifier && text(child) == "__name__" {
            raw.main_guard(stmt.node);
        }
        if !c.goto_next_sibling() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    /// Text the walk passes over holds no form a pattern matches; any such
    /// form (a call, a string, a comment, a conditional, a lambda or walrus,
    /// a comprehension) makes it walked.
    #[test]
    fn plain_texts_hold_no_pattern() {
        for plain in [
            "",
            "a, b=1, *c, **d",
            "e.f + 2, -g, h == i, not j, k and l or m is None",
            "\n    x,\n    y=z,\n",
            "[1], {k: v}, a[0], b[1:2, ::3], {*s}",
            "x: Optional[int] = None, *, y: Dict[str, Any]",
        ] {
            assert!(super::plain_text(plain), "{plain:?}");
        }
        for walked in [
            "f(x)",
            "'s'",
            "\"s\"",
            "a if b else c",
            "x  # note\n",
            "lambda: 1",
            "y := 2",
            "[i for i in j]",
            "await g",
            "print",
            "a, \\\n b",
            "\u{751f}",
        ] {
            assert!(!super::plain_text(walked), "{walked:?}");
        }
        assert!(!super::plain_text(&"a+".repeat(super::MAX_PLAIN_TEXT)));
    }

    /// Plain kinds whose text is plain only in stretches (which the walk
    /// steps through): strings, calls, comments, conditions, walruses,
    /// lambdas and comprehensions between plain arguments, elements, keys
    /// and subscripts; a continuation line; a tuple pattern in parentheses;
    /// non-ASCII names; a plain stretch longer than `MAX_PLAIN_TEXT` before
    /// a call; nested plain kinds. Any change that passes over the plain
    /// stretches (py24 measured one) has to keep this.
    #[test]
    fn mixed_plain_and_unplain_children_keep_the_query_facts() {
        let mut src = String::from(
            "f(a, b, 'c', d, e=g(h), i=j, *k, **l)\n\
x = m(n, o=1, p=[q, r, s('t')], u={v: w, 'y': z(1)}, a=b[c, d(e)])\n\
g(h, i  # note\n  , j, k if l else m, n := 1, lambda: o, [p for p in q], r)\n\
s = [1, 2, t(u), 3, 4, f'{v}', 5]\n\
w = {a: 1, b: c(d), e: 2, **f}\n\
x[1, y(z), 2] = a[b:c(d), ::e]\n\
for (a, b), c in d(e):\n    f(a, \\\n      b, c)\n\
def g(h, i=j(k), *, l: m = 'n', **o):\n    return p(h, q=r, s=t('u'))\n\
v = w(\u{e9}t\u{e9}, x=y(\u{e9}), z=1)\n\
a = b(c, d=e, f=g, h=i if j else k)\n\
l(m=n(o=p(q, 'r'), s=t), u=v)\n\
w(x, b\"y\", z)\n",
        );
        let many: Vec<String> = (0..900).map(|i| format!("a{i}")).collect();
        src.push_str(&format!("f({}, g(h), 'i')\n", many.join(", ")));
        src.push_str(&format!("j = [{}, k('l')]\n", many.join(" + ")));
        let walk = super::super::extract("m.py", &src, &[]);
        let query = super::super::extract_with_query("m.py", &src, &[]);
        assert_eq!(
            serde_json::to_string_pretty(&walk).unwrap(),
            serde_json::to_string_pretty(&query).unwrap()
        );
        assert!(walk.0.calls.len() >= 25, "{}", walk.0.calls.len());
        assert!(walk.0.conditions.len() >= 2, "{}", walk.0.conditions.len());
    }

    /// The walk passes over plain expressions, parameters and imports and
    /// still finds what the query finds in and around them.
    #[test]
    fn passing_over_plain_text_keeps_the_query_facts() {
        let src = "import os.path as p, json  # c\nfrom a.b import (c,\n    d as e)\nfrom . import f\n\
def g(self, x: Optional[int] = None, *a, y: Dict[str, Any] = {}, **k) -> List[int]:\n    \
z = x[0] + a[1:2] * {1: 2}[1] - -y\n    z += [q, r][s]\n    \
w = t[u(v)] + {k: 'v'} + [i for i in a if i] + (b := 3) + (c if d else e)\n    \
if __name__ == '__main__' and x.y == 1 or not z:\n        return x, y[1]\n    \
h(a, b=[1, {2: 3}], *c, **{d: e}, f=lambda: 1, g=x[1:-1])\n    \
for i, (j, k) in m.items():\n        pass\n\
@dec.x\n@dec(1)\nclass C(B, metaclass=M):\n    n: int = 1\n    o: List[str]\n";
        let pt = vec!["to".to_string()];
        let walk = super::super::extract("m.py", src, &pt);
        let query = super::super::extract_with_query("m.py", src, &pt);
        assert_eq!(
            serde_json::to_string_pretty(&walk).unwrap(),
            serde_json::to_string_pretty(&query).unwrap()
        );
        assert!(walk.0.calls.len() >= 4 && walk.0.assignments.len() >= 5);
    }

    /// Argument lists, which the call's fact reads before the walk steps
    /// into them (and an assignment's value before that): nested calls,
    /// strings, comments, lambdas and conditionals among the arguments,
    /// more arguments than are stepped by index, more than a call's fact
    /// keeps, a generator as the only argument, and an argument list with
    /// an error give the query's facts. A bottom-up values pass, or any
    /// sharing of the children between the readers and the walk, has to
    /// keep this.
    #[test]
    fn argument_lists_keep_the_query_facts() {
        let mut src = String::from(
            "f(g(1), 'a', h(x=i('b')),  # note\n  *j(k), **l(m), n=lambda: o(p))\n\
x = q(r(s), t=u(v if w else y('c')))\n\
z = a.b(c(d)).e(f(g))[0]\n\
print(h(i) for i in j(k))\n",
        );
        let many: Vec<String> = (0..20).map(|i| format!("g{i}('{i}')")).collect();
        src.push_str(&format!("\nf({})\n", many.join(", ")));
        let all: Vec<String> = (0..300).map(|i| format!("h{i}(\"{i}\")")).collect();
        src.push_str(&format!("f({})\n", all.join(", ")));
        src.push_str("m(n(o), 'p'\n");
        let walk = super::super::extract("m.py", &src, &[]);
        let query = super::super::extract_with_query("m.py", &src, &[]);
        assert_eq!(
            serde_json::to_string_pretty(&walk).unwrap(),
            serde_json::to_string_pretty(&query).unwrap()
        );
        assert!(walk.0.calls.len() > 340, "{}", walk.0.calls.len());
        assert!(walk.0.strings.len() > 320, "{}", walk.0.strings.len());
    }

    /// An `elif` clause's later clauses come from the walk's place among
    /// the `if` statement's children, an `if` statement's alternatives from
    /// its named children by kind: the same conditions as the query's, with
    /// comments between the clauses, nested and long chains of clauses, and
    /// an `if` with an error inside (which keeps the field look-up).
    #[test]
    fn conditions_from_the_walks_place_keep_the_query_facts() {
        let mut src = String::from(
            "if a:\n    x = 1\n# between\nelif b:\n    if c:\n        pass\n    else:\n        y = 2\n\
elif d:  # trailing\n    pass\nelse:\n    z = 3\nif e:\n    pass\nelif f:\n    pass\n",
        );
        // More clauses than the walk reads by index (a cursor then).
        src.push_str("if j:\n    pass\n");
        for k in 0..14 {
            src.push_str(&format!("elif k == {k}:\n    pass\n"));
        }
        src.push_str("else:\n    pass\nif g:\n    h(\nelif i:\n    pass\n");
        let walk = super::super::extract("m.py", &src, &[]);
        let query = super::super::extract_with_query("m.py", &src, &[]);
        assert_eq!(
            serde_json::to_string_pretty(&walk).unwrap(),
            serde_json::to_string_pretty(&query).unwrap()
        );
        let with_orelse = walk.0.conditions.iter().filter(|c| c.orelse.is_some());
        assert!(with_orelse.count() >= 18, "{}", walk.0.conditions.len());
    }
}

//! Fact extraction in ONE tree-cursor walk: the fast path.
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
//! already holds in memory.

use std::sync::LazyLock;

use tree_sitter::{Node, Tree};

use super::extract::Raw;
use super::values::FIELD;

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
    comparison_operator: u16,
    string: u16,
    comment: u16,
    import_statement: u16,
    import_from_statement: u16,
    return_statement: u16,
}

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
        comparison_operator: kind("comparison_operator"),
        string: kind("string"),
        comment: kind("comment"),
        import_statement: kind("import_statement"),
        import_from_statement: kind("import_from_statement"),
        return_statement: kind("return_statement"),
    }
});

impl Ids {
    /// Parents whose children's field names a pattern looks at.
    fn field_matters(&self, parent: u16) -> bool {
        parent == self.call
            || parent == self.assignment
            || parent == self.named_expression
            || parent == self.for_statement
            || parent == self.function_definition
            || parent == self.class_definition
            || parent == self.with_item
            || parent == self.as_pattern
            || parent == self.if_statement
    }
}

/// What a query wildcard `(_)` matches: a named node that is not `ERROR`.
fn wildcard(n: Node<'_>) -> bool {
    n.is_named() && !n.is_error()
}

/// An ancestor of the current node and its field id in its own parent (0
/// when none, or when no pattern cares).
#[derive(Clone, Copy)]
struct Frame<'t> {
    node: Node<'t>,
    kind: u16,
    field: u16,
}

/// Visit every node once, pre-order, and extract what the queries match.
pub fn extract(tree: &Tree, raw: &mut Raw<'_>) {
    let ids = &*IDS;
    let mut cursor = tree.walk();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    loop {
        let node = cursor.node();
        let kind = node.kind_id();
        let field = match stack.last() {
            Some(p) if ids.field_matters(p.kind) => cursor.field_id().map_or(0, |f| f.get()),
            _ => 0,
        };
        visit(ids, raw, node, kind, field, &stack);
        if cursor.goto_first_child() {
            stack.push(Frame { node, kind, field });
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            stack.pop();
        }
    }
}

fn visit(ids: &Ids, raw: &mut Raw<'_>, node: Node<'_>, kind: u16, field: u16, stack: &[Frame<'_>]) {
    // Single-node patterns: strings, comments, ERROR, imports, returns, branch points.
    if node.is_error() {
        raw.error(node);
    } else if node.is_named() {
        if kind == ids.string {
            raw.string(node);
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
        {
            raw.condition(node);
        }
    }
    let Some(parent) = stack.last() else { return };
    // Patterns over a parent and its fields complete at their last field.
    if parent.kind == ids.call && field == FIELD.arguments && wildcard(node) {
        // (call function: (_) @call.callee arguments: (_) @call.args) @call
        if let Some(callee) = parent
            .node
            .child_by_field_id(FIELD.function)
            .filter(|c| wildcard(*c))
        {
            raw.call(parent.node, callee, node);
        }
    } else if parent.kind == ids.assignment && field == FIELD.right && wildcard(node) {
        // (assignment left: (_) @assignment.target right: (_) @assignment.value) @assignment
        if let Some(target) = parent
            .node
            .child_by_field_id(FIELD.left)
            .filter(|c| wildcard(*c))
        {
            raw.assignment(parent.node, target, node);
        }
    } else if parent.kind == ids.for_statement && field == FIELD.right && wildcard(node) {
        // (for_statement left: (_) @assignment.target right: (_) @assignment.value @assignment)
        if let Some(target) = parent
            .node
            .child_by_field_id(FIELD.left)
            .filter(|c| wildcard(*c))
        {
            raw.assignment(node, target, node);
        }
    } else if parent.kind == ids.named_expression && field == FIELD.value && wildcard(node) {
        // (named_expression name: (identifier) @assignment.target value: (_) @assignment.value) @assignment
        if let Some(target) = parent
            .node
            .child_by_field_id(FIELD.name)
            .filter(|c| c.kind_id() == ids.identifier)
        {
            raw.assignment(parent.node, target, node);
        }
    } else if parent.kind == ids.function_definition
        && field == FIELD.parameters
        && kind == ids.parameters
    {
        // (function_definition name: (identifier) parameters: (parameters)) @function
        if let Some(name) = parent
            .node
            .child_by_field_id(FIELD.name)
            .filter(|c| c.kind_id() == ids.identifier)
        {
            raw.function(parent.node, name, node);
        }
    } else if parent.kind == ids.class_definition && field == FIELD.name && kind == ids.identifier {
        // (class_definition name: (identifier) @class.name) @class
        raw.class(parent.node, node);
    } else if parent.kind == ids.as_pattern_target && wildcard(node) {
        with_item(ids, raw, node, stack);
    } else if parent.kind == ids.comparison_operator && kind == ids.string {
        main_guard(ids, raw, node, stack);
    }
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

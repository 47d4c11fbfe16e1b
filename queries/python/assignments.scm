; Bindings whose right-hand side may give the target a type.
(assignment
  left: (_) @assignment.target
  right: (_) @assignment.value) @assignment
(with_item
  value: (as_pattern
    (_) @assignment.value
    alias: (as_pattern_target (_) @assignment.target))) @assignment
;; `if prompt := st.chat_input():` binds like an assignment.
(named_expression
  name: (identifier) @assignment.target
  value: (_) @assignment.value) @assignment
;; `for item in items:` binds each element, like an assignment from the
;; collection; the binding ends with the iterable, so the body sees it.
(for_statement
  left: (_) @assignment.target
  right: (_) @assignment.value @assignment)

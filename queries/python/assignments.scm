; Bindings whose right-hand side may give the target a type.
(assignment
  left: (_) @assignment.target
  right: (_) @assignment.value) @assignment
(with_item
  value: (as_pattern
    (_) @assignment.value
    alias: (as_pattern_target (_) @assignment.target))) @assignment

; Branch points: `if` statements, `elif` clauses, conditional expressions and
; the `if` filters of comprehensions.
; The test, the branches and the names the test reads are read in Rust.
(if_statement) @condition
(elif_clause) @condition
(conditional_expression) @condition
(if_clause) @condition

; Branch points: `if` statements, `elif` clauses and conditional expressions.
; The test, the branches and the names the test reads are read in Rust.
(if_statement) @condition
(elif_clause) @condition
(conditional_expression) @condition

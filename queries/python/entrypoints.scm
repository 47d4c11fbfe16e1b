; `if __name__ == "__main__":` blocks (script entry points).
(if_statement
  condition: (comparison_operator
    (identifier) @main_guard.name
    (string) @main_guard.value)
  (#eq? @main_guard.name "__name__")
  (#match? @main_guard.value "__main__")) @main_guard

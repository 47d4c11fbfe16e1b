; Function and class definitions (decorators are read from the parent node).
(function_definition
  name: (identifier) @function.name
  parameters: (parameters) @function.params) @function
(class_definition
  name: (identifier) @class.name) @class
; Return statements give functions a return type (`return Pipeline.from_pretrained(...)`).
(return_statement) @return

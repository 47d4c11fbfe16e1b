; Every call, with its callee expression and argument list.
(call
  function: (_) @call.callee
  arguments: (_) @call.args) @call

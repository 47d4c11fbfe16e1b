; Regions the parser could not make sense of.
(ERROR) @error

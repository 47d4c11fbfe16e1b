; Import statements; their names and aliases are read from the node's fields.
(import_statement) @import
(import_from_statement) @import_from

; String literals and comments.
(string) @string
(comment) @comment

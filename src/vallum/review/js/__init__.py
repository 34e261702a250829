"""JavaScript and TypeScript review: tree-sitter parsing, taint tracking and pattern checks."""

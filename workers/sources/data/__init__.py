"""Package data: the starter knowledge-base corpus (see README.md beside it)."""

"""The knowledge base: documents split into sentences in SQLite FTS5 with their vectors,
its writer, the ANN index, and Wikipedia dumps read into it."""

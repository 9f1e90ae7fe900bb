"""Reference sources a claim is checked against (the local knowledge base for now)."""

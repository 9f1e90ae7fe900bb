"""Package data: the check-worthiness classifier (see MODEL_CARD.md)."""

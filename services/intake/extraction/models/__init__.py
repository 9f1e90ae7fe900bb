"""Model files shipped with the intake (see each folder's MODEL_CARD.md)."""

"""Text normalisation shared by model training and serving, so both see the same input."""

from __future__ import annotations

import re

_PTB = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "-COLON-": ":",
    "``": '"',
    "''": '"',
}
_PTB_RE = re.compile("|".join(re.escape(k) for k in _PTB))
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]}]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_SPACE_AFTER = re.compile(r"([(\[{$])\s+")
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Undo PTB escapes and tokenizer spacing; collapse whitespace (idempotent)."""
    text = _PTB_RE.sub(lambda m: _PTB[m.group(0)], text)
    text = text.replace("\u00a0", " ").replace("\ufffd", " ")
    text = _WS.sub(" ", text).strip()
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    return text

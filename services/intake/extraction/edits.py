"""Replacements inside one sentence, collected from several rules and applied at once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Edits:
    """Replacements in article coordinates; the first rule to touch a stretch of text wins."""

    items: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, start: int, end: int, replacement: str) -> bool:
        """Replace ``text[start:end]`` unless an earlier edit overlaps it; whether it will."""
        if any(s < end and start < e for s, e, _ in self.items):
            return False
        self.items.append((start, end, replacement))
        return True

    def apply(self, text: str, start: int, end: int) -> str:
        """``text[start:end]`` with the edits made."""
        out: list[str] = []
        pos = start
        for s, e, rep in sorted(self.items):
            out.append(text[pos:s])
            out.append(rep)
            pos = e
        out.append(text[pos:end])
        return "".join(out)

"""Attributed statements: what a speaker is reported to have said, without the frame.

"Dmitry Peskov told CNN that the two presidents did not discuss the election" is checked
as what it is: a report of Peskov's words. The verdict says whether the reported content
("the two presidents did not discuss the election") is supported by the sources, not
whether he said it. :func:`reported_content` cuts the frame off: a lead-in of at most
:data:`MAX_FRAME_WORDS` words ending in a speech verb and "that" or a colon ("X said
that …", "X told reporters: …"), "According to X, …", or a trailing ", X said." A content
that does not read on its own ("he said that he …") is not cut out, and a statement
without a frame is checked whole. The verbs are data (``data/attribution.json``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "attribution.json"
MAX_FRAME_WORDS = 14
MIN_CONTENT_WORDS = 3
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


@cache
def _data() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads(_DATA.read_text(encoding="utf-8"))
    return data


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    data = _data()
    verbs = "|".join(
        re.escape(v).replace(r"\ ", r"\s+") for v in sorted(data["speech_verbs"], key=len)[::-1]
    )
    prefixes = "|".join(re.escape(p) for p in data["prefixes"])
    lead = re.compile(
        rf"^(?P<frame>(?:[^.!?:;]*?\s)?(?:{verbs})\b[^.!?:;]*?)(?:\s+that\b|:)\s*(?P<content>.+)$",
        re.IGNORECASE | re.DOTALL,
    )
    according = re.compile(
        rf"^(?:[^,]*?\s)?(?:{prefixes})\s+(?P<frame>[^,]+),\s*(?P<content>.+)$", re.IGNORECASE
    )
    trailing = re.compile(
        rf"^(?P<content>.+?),\s*(?P<frame>[^,:{_QUOTES}]{{1,80}}?\s(?:{verbs})\b[^,:{_QUOTES}]*)\.?$",
        re.IGNORECASE,
    )
    return lead, according, trailing


def reported_content(text: str) -> str | None:
    """The content of an attributed statement without its frame, or None without one."""
    text = " ".join(text.split())
    for pattern in _patterns():
        match = pattern.match(text)
        if match is None:
            continue
        if len(match.group("frame").split()) > MAX_FRAME_WORDS:
            continue
        content = match.group("content").strip().strip(_QUOTES).strip()
        words = content.split()
        if (
            len(words) < MIN_CONTENT_WORDS
            or words[0].lower().strip(_QUOTES) in _data()["dependent_starts"]
        ):
            continue
        content = content[0].upper() + content[1:]
        return content if content.endswith((".", "!", "?")) else content + "."
    return None

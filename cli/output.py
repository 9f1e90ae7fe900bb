"""How the CLI prints verdicts for people."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.store.streams import stream_id_ms

_COLOURS = {
    "supported": "\033[32m",
    "refuted": "\033[31m",
    "conflicting": "\033[35m",
    "not_enough_info": "\033[33m",
}
_RESET = "\033[0m"
_SENTENCE_WIDTH = 160
"""Evidence sentences longer than this are cut (at a word) with an ellipsis."""
_DETAIL_WIDTH = 80
"""A conflicting detail longer than this is cut the same way."""


NOT_STAND_ALONE = "not stand-alone: a reference is left as the article wrote it"
"""The mark of a claim whose checked text may not read on its own (an editor can correct it)."""


def claim_texts(
    checked: str, original: str | None, *, stand_alone: bool = True, editor: str | None = None
) -> list[str]:
    """What is shown under a claim's checked text (the text the verifier checks), one line
    each: the article's own sentence where it differs (``as written: …``); who corrected
    the checked text, or :data:`NOT_STAND_ALONE` when the extractor kept the article's words
    because it could not resolve a reference."""
    lines = []
    if original and _clean(original) != _clean(checked):
        lines.append(f"as written: {_clean(original)}")
    if editor:
        lines.append(f"checked text corrected by {_clean(editor)}")
    elif not stand_alone:
        lines.append(NOT_STAND_ALONE)
    return lines


def verdict_texts(verdict: Mapping[str, Any], *, indent: str = "    ") -> str:
    """:func:`claim_texts` of a verdict (or a claim answer: ``text`` for ``claim``), each
    line indented, each after a line break; empty when there is nothing to add."""
    edit = verdict.get("checked_text_edit") or {}
    lines = claim_texts(
        str(verdict.get("claim") or verdict.get("text") or ""),
        verdict.get("source_text"),
        stand_alone=verdict.get("stand_alone") is not False,
        editor=edit.get("editor"),
    )
    return "".join(f"\n{indent}{line}" for line in lines)


def format_verdict(verdict: dict[str, Any], *, colour: bool = False) -> str:
    """Label, confidence and claim on one line, and below it the article's own sentence
    where the checked claim differs (:func:`verdict_texts`); then the deciding evidence: its
    sentence (quoted) and, below it, its title and the link that lands on the sentence."""
    label = str(verdict["label"])
    shown = f"{_COLOURS.get(label, '')}{label}{_RESET}" if colour else label
    review = " needs-review" if verdict.get("needs_review") else ""
    claim = _clean(str(verdict["claim"]))
    line = f"[{shown} {float(verdict['confidence']):.2f}{review}] {claim}"
    line += verdict_texts(verdict)
    evidence = verdict.get("evidence") or []
    if evidence:
        top = evidence[0]
        line += f"\n    evidence ({_stance_and_score(top)}): "
        line += _evidence_body(top, indent=" " * 8, limit=_SENTENCE_WIDTH)
    return line + _reason_and_failures(verdict)


def _stance_and_score(item: dict[str, Any]) -> str:
    score = item.get("score")
    return str(item.get("stance") or "?") + (f", {float(score):.2f}" if score is not None else "")


def _evidence_body(item: dict[str, Any], *, indent: str, limit: int) -> str:
    """The evidence sentence, quoted and trimmed, then a line with its title and link
    (the sentence's ``link``, else the document's ``url``)."""
    title = _clean(str(item.get("title") or item.get("source") or ""))
    target = _clean(str(item.get("link") or item.get("url") or ""))
    where = " ".join(part for part in (title, f"<{target}>" if target else "") if part)
    sentence = _shorten(str(item.get("text") or ""), limit)
    if not sentence:
        return where
    return f"“{sentence}”" + (f"\n{indent}{where}" if where else "")


def _reason_and_failures(verdict: dict[str, Any]) -> str:
    """The verdict's reason, each detail the claim states one way and a source sentence
    another (``conflict (date): claim 4 March 2022 · source 4 January 2022``, the deciding
    one first) and the failed sources, one indented line each, if any."""
    lines = ""
    if verdict.get("reason"):
        lines += f"\n    reason: {_clean(str(verdict['reason']))}"
    for conflict in verdict.get("conflicts") or []:
        slot = _clean(str(conflict.get("slot") or "detail"))
        claim = _shorten(str(conflict.get("claim") or "?"), _DETAIL_WIDTH)
        source = _shorten(str(conflict.get("source") or "?"), _DETAIL_WIDTH)
        lines += f"\n    conflict ({slot}): claim {claim} · source {source}"
    failed = verdict.get("sources_failed") or []
    if failed:
        lines += "\n    sources failed: " + ", ".join(str(f["source"]) for f in failed)
    return lines


def format_completed(data: dict[str, Any]) -> str:
    counts = ", ".join(f"{k}={v}" for k, v in sorted(data["counts"].items()))
    return f"article {data['article_id']} completed: {data['claim_count']} claims ({counts})"


def _clock(stream_id: str | None) -> str:
    if not stream_id:
        return "--:--:--"
    return datetime.fromtimestamp(stream_id_ms(stream_id) / 1000).strftime("%H:%M:%S")


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _clean(text: str) -> str:
    """``text`` safe for a terminal, on one line: control characters (escape sequences
    from a source's text) and bidirectional overrides dropped, whitespace collapsed."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    )
    return " ".join(kept.split())


def _shorten(text: str, limit: int) -> str:
    """``text`` cleaned (see :func:`_clean`) and cut to at most ``limit`` characters,
    at a word boundary where one is near, with an ellipsis."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= limit // 2:  # not already at the end of a word
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def format_verdict_line(
    verdict: dict[str, Any],
    *,
    stream_id: str | None = None,
    colour: bool = False,
    verbose: bool = False,
) -> str:
    """``claimcheck watch``: one line per verdict (time it reached the stream, label,
    confidence, review flag, claim, article); ``verbose`` adds the article's own sentence
    where the checked claim differs (:func:`verdict_texts`) and every piece of evidence."""
    label = str(verdict.get("label", "?"))
    padded = f"{label:<15}"
    shown = f"{_COLOURS.get(label, '')}{padded}{_RESET}" if colour else padded
    review = "review" if verdict.get("needs_review") else "      "
    confidence = float(verdict.get("confidence") or 0.0)
    claim = _shorten(str(verdict.get("claim") or verdict.get("source_text") or ""), 100)
    if verdict.get("revision"):
        claim = f"(re-checked, was {verdict.get('previous_label') or '?'}) {claim}"
    line = (
        f"{_clock(stream_id)}  {shown} {confidence:.2f} {review}  {claim}"
        f"  [{verdict.get('article_id') or verdict.get('claim_id')}]"
    )
    if not verbose:
        return line
    line += verdict_texts(verdict)
    for rank, item in enumerate(verdict.get("evidence") or [], start=1):
        line += f"\n    {rank}. {_stance_and_score(item)}: "
        line += _evidence_body(item, indent=" " * 7, limit=_SENTENCE_WIDTH)
    return line + _reason_and_failures(verdict)


def format_completed_line(data: dict[str, Any], *, stream_id: str | None = None) -> str:
    return f"{_clock(stream_id)}  {format_completed(data)}"

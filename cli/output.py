"""How the CLI prints verdicts for people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

_COLOURS = {
    "supported": "\033[32m",
    "refuted": "\033[31m",
    "conflicting": "\033[35m",
    "not_enough_info": "\033[33m",
}
_RESET = "\033[0m"


def format_verdict(verdict: dict[str, Any], *, colour: bool = False) -> str:
    """One or two readable lines: label, confidence, claim, and the deciding evidence."""
    label = str(verdict["label"])
    shown = f"{_COLOURS.get(label, '')}{label}{_RESET}" if colour else label
    review = " needs-review" if verdict.get("needs_review") else ""
    line = f"[{shown} {float(verdict['confidence']):.2f}{review}] {verdict['claim']}"
    evidence = verdict.get("evidence") or []
    if evidence:
        top = evidence[0]
        where = f" <{top['url']}>" if top.get("url") else ""
        line += f"\n    evidence ({top['stance']}): {top['title']}{where}"
    return line + _reason_and_failures(verdict)


def _reason_and_failures(verdict: dict[str, Any]) -> str:
    """The verdict's reason and failed sources, one indented line each, if any."""
    lines = ""
    if verdict.get("reason"):
        lines += f"\n    reason: {verdict['reason']}"
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
    seconds = int(stream_id.split("-", 1)[0]) / 1000
    return datetime.fromtimestamp(seconds).strftime("%H:%M:%S")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_verdict_line(
    verdict: dict[str, Any],
    *,
    stream_id: str | None = None,
    colour: bool = False,
    verbose: bool = False,
) -> str:
    """``claimcheck watch``: one line per verdict (time it reached the stream, label,
    confidence, review flag, claim, article); ``verbose`` adds every piece of evidence."""
    label = str(verdict.get("label", "?"))
    padded = f"{label:<15}"
    shown = f"{_COLOURS.get(label, '')}{padded}{_RESET}" if colour else padded
    review = "review" if verdict.get("needs_review") else "      "
    confidence = float(verdict.get("confidence") or 0.0)
    claim = _shorten(str(verdict.get("claim") or verdict.get("source_text") or ""), 100)
    line = (
        f"{_clock(stream_id)}  {shown} {confidence:.2f} {review}  {claim}"
        f"  [{verdict.get('article_id') or verdict.get('claim_id')}]"
    )
    if not verbose:
        return line
    for rank, item in enumerate(verdict.get("evidence") or [], start=1):
        where = f" <{item['url']}>" if item.get("url") else ""
        score = f", {float(item['score']):.2f}" if item.get("score") is not None else ""
        line += f"\n    {rank}. {item.get('stance', '?')}{score}: {item.get('title', '')}{where}"
        if item.get("text"):
            line += f"\n       “{_shorten(str(item['text']), 200)}”"
    return line + _reason_and_failures(verdict)


def format_completed_line(data: dict[str, Any], *, stream_id: str | None = None) -> str:
    return f"{_clock(stream_id)}  {format_completed(data)}"

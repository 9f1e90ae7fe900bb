"""How the CLI prints verdicts for people."""

from __future__ import annotations

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
    if verdict.get("reason"):
        line += f"\n    reason: {verdict['reason']}"
    failed = verdict.get("sources_failed") or []
    if failed:
        line += "\n    sources failed: " + ", ".join(str(f["source"]) for f in failed)
    return line


def format_completed(data: dict[str, Any]) -> str:
    counts = ", ".join(f"{k}={v}" for k, v in sorted(data["counts"].items()))
    return f"article {data['article_id']} completed: {data['claim_count']} claims ({counts})"

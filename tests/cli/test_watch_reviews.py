"""``claimcheck watch`` shows editors' reviews (``verdict.reviewed`` entries)."""

from __future__ import annotations

import io
import json
from typing import Any

import redis

from cli.main import build_parser
from cli.watch import format_review_line, watch
from tests.conftest import SettingsFactory

REVIEWED: dict[str, Any] = {
    "claim_id": "clm_1",
    "article_id": "art_1",
    "label": "refuted",
    "model_label": "supported",
    "note": "The council's accounts say 55 million.",
    "reviewer": "Jane Editor",
    "reviewed_at": "2025-03-04T10:30:00Z",
    "newsroom": "daily-planet",
}


def test_a_line_per_review_between_verdicts(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    verdict = {"claim_id": "clm_1", "article_id": "art_1", "label": "supported", "claim": "C."}
    for type_, data in (
        ("verdict", verdict),
        ("verdict.reviewed", REVIEWED),
        ("verdict.reviewed", {**REVIEWED, "label": "supported", "note": None,
                              "supersedes": "2025-03-04T10:30:00Z"}),
    ):  # fmt: skip
        redis_client.xadd(settings.verdict_stream, {"type": type_, "data": json.dumps(data)})
    args = build_parser().parse_args(["watch", "--from-beginning", "--count", "3"])
    out = io.StringIO()
    assert watch(args, settings, out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert "refuted" in lines[1] and "reviewed by Jane Editor (was supported)" in lines[1]
    assert "55 million" in lines[1] and lines[1].endswith("[art_1]")
    assert "(confirmed), replaces an earlier review" in lines[2]
    assert "\033[" not in "".join(lines)


def test_what_a_reviewer_typed_cannot_drive_the_terminal() -> None:
    hostile = {**REVIEWED, "reviewer": "Eve\033[2J\u202e", "note": "a\nb\u0007c"}
    line = format_review_line(hostile, stream_id="1700000000000-0", colour=True)
    assert "\033[2J" not in line and "\u202e" not in line and "\u0007" not in line
    assert "reviewed by Eve[2J" in line and ": a bc" in line and "\n" not in line
    assert "\033[31mrefuted" in line  # our own colour stays


def test_a_recheck_is_a_verdict_line_saying_what_it_was(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    first = {"claim_id": "clm_1", "article_id": "art_1", "label": "supported", "claim": "C."}
    updated = {**first, "label": "refuted", "revision": 1, "previous_label": "supported"}
    for type_, data in (("verdict", first), ("verdict.updated", updated)):
        redis_client.xadd(settings.verdict_stream, {"type": type_, "data": json.dumps(data)})
    args = build_parser().parse_args(["watch", "--from-beginning", "--count", "2"])
    out = io.StringIO()
    assert watch(args, settings, out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "re-checked" not in lines[0]
    assert "refuted" in lines[1] and "(re-checked, was supported) C." in lines[1]


def test_a_review_line_shows_the_claim_text_even_for_an_older_entry_without_it(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    from shared.settings_configs import store_config
    from shared.store.claims import ClaimRecord, ClaimStore

    settings = settings_factory()
    stored = ClaimRecord(claim_id="clm_2", text="The bridge cost 50 million.", article_id="art_2")
    ClaimStore(redis_client, store_config(settings)).save([stored])
    for data in (
        {**REVIEWED, "claim": "The bridge cost \033[2J55 million.\nTwice."},
        {**REVIEWED, "claim_id": "clm_2", "article_id": "art_2"},  # older: no text
        {**REVIEWED, "claim_id": "clm_gone", "article_id": "art_3"},  # record expired
    ):
        redis_client.xadd(
            settings.verdict_stream, {"type": "verdict.reviewed", "data": json.dumps(data)}
        )
    args = build_parser().parse_args(["watch", "--from-beginning", "--count", "3"])
    out = io.StringIO()
    assert watch(args, settings, out=out) == 0
    first, second, third = out.getvalue().splitlines()
    assert first.endswith("55 million.  claim: The bridge cost [2J55 million. Twice.  [art_1]")
    assert second.endswith("  claim: The bridge cost 50 million.  [art_2]")
    assert "claim:" not in third and third.endswith("55 million.  [art_3]")

"""``claimcheck factchecks export``: a newsroom's rulings as ClaimReview, read back by import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from cli.factchecks import run_export
from cli.main import build_parser
from shared.publisher import VerdictPublisher
from shared.redis_client import make_redis
from shared.reviews import ReviewRecorder
from shared.schemas import DetailConflict, Label, ReviewSubmission
from shared.settings import Settings
from shared.store import ClaimRecord, ClaimStore
from tests.conftest import SettingsFactory
from tests.shared import factories
from workers.sources.factchecks.formats import read_factchecks


def _ruled(
    settings: Settings,
    claim_id: str,
    newsroom: str,
    label: Label,
    conflicts: list[DetailConflict] | None = None,
    note: str = "Checked by phone.",
) -> None:
    client = make_redis(settings)
    try:
        store = ClaimStore.from_settings(client, settings)
        record = ClaimRecord(
            claim_id=claim_id, text=f"Claim {claim_id} is true.", newsroom=newsroom
        )
        store.save([record])
        verdict = factories.verdict(record, "supported", 0.4)
        verdict = verdict.model_copy(update={"conflicts": conflicts or []})
        VerdictPublisher.from_settings(client, settings).publish(record.stamp(verdict))
        stored = store.get_claim(claim_id)
        assert stored is not None
        submission = ReviewSubmission(label=label, reviewer="J. Editor", note=note)
        ReviewRecorder.from_settings(client, settings).record(stored, submission)
    finally:
        client.close()


def _export(settings: Settings, *argv: str) -> int:
    args = build_parser().parse_args(["factchecks", "export", *argv])
    return run_export(args, settings)


def test_export_round_trips_through_import_and_stays_in_its_newsroom(
    settings_factory: SettingsFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = settings_factory()
    _ruled(settings, "clm_planet1", "daily-planet", "refuted")
    _ruled(settings, "clm_planet2", "daily-planet", "supported")
    _ruled(settings, "clm_star", "daily-star", "refuted")
    # the second claim's record expires: its ruling is exported from the index alone
    redis_client.delete(ClaimStore.from_settings(redis_client, settings).keys.claim("clm_planet2"))
    out = tmp_path / "rulings.json"
    assert _export(settings, "--newsroom", "daily-planet", "--output", str(out)) == 0
    documents = json.loads(out.read_text(encoding="utf-8"))
    assert [d["claimReviewed"] for d in documents] == [
        "Claim clm_planet1 is true.",
        "Claim clm_planet2 is true.",
    ]
    assert all(d["author"]["name"] == "daily-planet" for d in documents)
    back = list(read_factchecks(out))
    assert [(fc.claim, fc.label) for fc in back] == [
        ("Claim clm_planet1 is true.", "refuted"),
        ("Claim clm_planet2 is true.", "supported"),
    ]


def test_since_filters_and_a_bad_date_is_one_line(
    settings_factory: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.errors import InputError

    settings = settings_factory()
    _ruled(settings, "clm_old", "daily-planet", "refuted")
    assert _export(settings, "--newsroom", "daily-planet", "--since", "2999-01-01") == 0
    assert json.loads(capsys.readouterr().out) == []
    with pytest.raises(InputError, match="--since 'soon' is not an ISO 8601 date"):
        _export(settings, "--newsroom", "daily-planet", "--since", "soon")


def test_a_ruling_on_a_verdict_with_conflicts_says_what_the_source_says(
    settings_factory: SettingsFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = settings_factory()
    date = DetailConflict(
        slot="date",
        claim="4 March 2022",
        source="4 January 2022",
        doc_id="doc-1",
        sentence="It was signed on 4 January 2022.",
    )
    _ruled(settings, "clm_false", "daily-planet", "refuted", [date])
    _ruled(settings, "clm_true", "daily-planet", "supported", [date])
    _ruled(settings, "clm_gone", "daily-planet", "refuted", [date])
    # an expired record: the ruling alone has no verdict, so only the note
    redis_client.delete(ClaimStore.from_settings(redis_client, settings).keys.claim("clm_gone"))
    out = tmp_path / "rulings.json"
    assert _export(settings, "--newsroom", "daily-planet", "--output", str(out)) == 0
    bodies = {d["claimReviewed"]: d["reviewBody"] for d in json.loads(out.read_text("utf-8"))}
    assert bodies == {
        "Claim clm_false is true.": "Checked by phone. "
        "The source says 4 January 2022, not 4 March 2022.",
        "Claim clm_true is true.": "Checked by phone.",
        "Claim clm_gone is true.": "Checked by phone.",
    }
    assert [fc.label for fc in read_factchecks(out)] == ["refuted", "supported", "refuted"]


def test_an_unknown_newsroom_is_one_line_and_exit_2(
    settings_factory: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_factory()
    _ruled(settings, "clm_planet", "daily-planet", "refuted")
    assert _export(settings, "--newsroom", "no-such-desk") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert "unknown newsroom 'no-such-desk'" in line and "known: daily-planet" in line


def test_a_newsroom_with_a_key_and_no_rulings_exports_an_empty_array(
    settings_factory: SettingsFactory,
    redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from shared.keys_store import ApiKeyStore

    settings = settings_factory(api_keys={"bootstrap-desk": "b" * 40})
    ApiKeyStore(redis_client, settings.key_prefix).add("stored-desk")
    for newsroom in ("bootstrap-desk", "stored-desk", "-"):
        assert _export(settings, "--newsroom", newsroom) == 0, newsroom
        captured = capsys.readouterr()
        assert json.loads(captured.out) == [] and captured.err == ""


def test_the_export_is_escaped_for_pasting_into_an_html_page(
    settings_factory: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # the documents go into <script type="application/ld+json">: </script> in a note must
    # not end it; the escapes (\u003c, \u003e, \u0026) read back as the same strings
    settings = settings_factory()
    note = 'Council: 55m. </script><script>alert("x")</script> & <!-- more'
    _ruled(settings, "clm_xss", "daily-planet", "refuted", note=note)
    assert _export(settings, "--newsroom", "daily-planet") == 0
    out = capsys.readouterr().out
    assert not {"<", ">", "&"} & set(out), out
    [document] = json.loads(out)
    assert document["reviewBody"] == note

"""``claimcheck factchecks export``: a newsroom's rulings as ClaimReview, read back by import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from cli.factchecks import run_export
from cli.main import build_parser
from shared.newsroom.reviews import ReviewRecorder
from shared.schemas import DetailConflict, Label, ReviewSubmission
from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from tests.conftest import SettingsFactory
from tests.shared import factories
from tests.shared.newsroom.structured_data import from_html_page, google_problems
from workers.sources.factchecks.formats import read_factchecks

PLANET = {
    "name": "The Daily Planet",
    "url": "https://daily-planet.example",
    "review_url": "https://daily-planet.example/fact-checks/{claim_id}",
}
PUBLISHERS = {"daily-planet": PLANET, "daily-star": {**PLANET, "name": "The Daily Star"}}


def _ruled(
    settings: Settings,
    claim_id: str,
    newsroom: str,
    label: Label,
    conflicts: list[DetailConflict] | None = None,
    note: str = "Checked by phone.",
    url: str | None = None,
) -> None:
    client = make_redis(settings)
    try:
        store = ClaimStore(client, store_config(settings))
        record = ClaimRecord(
            claim_id=claim_id, text=f"Claim {claim_id} is true.", newsroom=newsroom
        )
        store.save([record])
        verdict = factories.verdict(record, "supported", 0.4)
        verdict = verdict.model_copy(update={"conflicts": conflicts or []})
        VerdictPublisher(client, publisher_config(settings)).publish(record.stamp(verdict))
        stored = store.get_claim(claim_id)
        assert stored is not None
        submission = ReviewSubmission(label=label, reviewer="J. Editor", note=note, url=url)
        ReviewRecorder(client, publisher_config(settings)).record(stored, submission)
    finally:
        client.close()


def _export(settings: Settings, *argv: str) -> int:
    args = build_parser().parse_args(["factchecks", "export", *argv])
    return run_export(args, settings)


def test_export_round_trips_through_import_and_stays_in_its_newsroom(
    settings_factory: SettingsFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = settings_factory(newsroom_publishers=PUBLISHERS)
    _ruled(settings, "clm_planet1", "daily-planet", "refuted")
    _ruled(settings, "clm_planet2", "daily-planet", "supported")
    _ruled(settings, "clm_star", "daily-star", "refuted")
    # the second claim's record expires: its ruling is exported from the index alone
    redis_client.delete(ClaimStore(redis_client, store_config(settings)).keys.claim("clm_planet2"))
    out = tmp_path / "rulings.json"
    assert _export(settings, "--newsroom", "daily-planet", "--output", str(out)) == 0
    documents = json.loads(out.read_text(encoding="utf-8"))
    assert [d["claimReviewed"] for d in documents] == [
        "Claim clm_planet1 is true.",
        "Claim clm_planet2 is true.",
    ]
    assert all(d["author"]["name"] == "The Daily Planet" for d in documents)
    assert [d["url"] for d in documents] == [
        "https://daily-planet.example/fact-checks/clm_planet1",
        "https://daily-planet.example/fact-checks/clm_planet2",  # from the ruling alone
    ]
    assert all(google_problems(d) == [] for d in documents)
    back = list(read_factchecks(out))
    assert [(fc.claim, fc.label) for fc in back] == [
        ("Claim clm_planet1 is true.", "refuted"),
        ("Claim clm_planet2 is true.", "supported"),
    ]


def test_since_filters_and_a_bad_date_is_one_line(
    settings_factory: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.errors import InputError

    settings = settings_factory(newsroom_publishers=PUBLISHERS)
    _ruled(settings, "clm_old", "daily-planet", "refuted")
    assert _export(settings, "--newsroom", "daily-planet", "--since", "2999-01-01") == 0
    assert json.loads(capsys.readouterr().out) == []
    with pytest.raises(InputError, match="--since 'soon' is not an ISO 8601 date"):
        _export(settings, "--newsroom", "daily-planet", "--since", "soon")


def test_a_ruling_on_a_verdict_with_conflicts_says_what_the_source_says(
    settings_factory: SettingsFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = settings_factory(newsroom_publishers=PUBLISHERS)
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
    redis_client.delete(ClaimStore(redis_client, store_config(settings)).keys.claim("clm_gone"))
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
    from shared.store.api_keys import ApiKeyStore

    publishers = {name: PLANET for name in ("bootstrap-desk", "stored-desk", "-")}
    settings = settings_factory(
        api_keys={"bootstrap-desk": "b" * 40}, newsroom_publishers=publishers
    )
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
    settings = settings_factory(newsroom_publishers=PUBLISHERS)
    note = 'Council: 55m. </script><script>alert("x")</script> & <!-- more'
    _ruled(settings, "clm_xss", "daily-planet", "refuted", note=note)
    assert _export(settings, "--newsroom", "daily-planet") == 0
    out = capsys.readouterr().out
    assert not {"<", ">", "&"} & set(out), out
    [document] = json.loads(out)
    assert document["reviewBody"] == note
    # in a page, a parser reads the array back: the same document
    assert from_html_page(out) == [document]


def test_without_a_publisher_the_export_is_refused_in_one_line(
    settings_factory: SettingsFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = settings_factory(newsroom_publishers={"daily-star": PLANET})
    _ruled(settings, "clm_planet", "daily-planet", "refuted", url="https://dp.example/fc/1")
    out = tmp_path / "rulings.json"
    assert _export(settings, "--newsroom", "daily-planet", "--output", str(out)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and not out.exists()
    (line,) = captured.err.splitlines()
    assert line.startswith("factchecks export: newsroom 'daily-planet' has no publisher")
    assert "CLAIMCHECK_NEWSROOM_PUBLISHERS" in line


def test_a_ruling_without_a_url_refuses_the_whole_export_without_a_template(
    settings_factory: SettingsFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    no_template = {k: v for k, v in PLANET.items() if k != "review_url"}
    settings = settings_factory(newsroom_publishers={"daily-planet": no_template})
    _ruled(settings, "clm_with_url", "daily-planet", "refuted", url="https://dp.example/fc/1")
    _ruled(settings, "clm_without", "daily-planet", "supported")
    out = tmp_path / "rulings.json"
    assert _export(settings, "--newsroom", "daily-planet", "--output", str(out)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and not out.exists()
    (line,) = captured.err.splitlines()
    assert "'clm_without'" in line and "1 of the 2 rulings" in line
    assert "review_url" in line and "CLAIMCHECK_NEWSROOM_PUBLISHERS" in line

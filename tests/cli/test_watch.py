"""``claimcheck watch`` against the real Redis: output formats and consumer groups."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from cli.main import build_parser
from cli.output import format_verdict_line
from cli.watch import watch
from shared.settings import Settings
from tests.cli.verdicts import LINK, cited, verdict_of
from tests.conftest import SettingsFactory

REPO_ROOT = Path(__file__).resolve().parents[2]

VERDICT: dict[str, Any] = verdict_of(
    cited(doc_id=None),
    {"source": "kb", "title": "Da Nang", "text": "A city.", "stance": "neutral"},
)


def _add(
    client: redis.Redis, settings: Settings, data: dict[str, Any], type_: str = "verdict"
) -> str:
    fields = {"type": type_, "data": json.dumps(data)}
    return str(client.xadd(settings.verdict_stream, fields))


def _watch(settings: Settings, *argv: str) -> list[str]:
    args = build_parser().parse_args(["watch", *argv])
    out = io.StringIO()
    assert watch(args, settings, out=out) == 0
    return out.getvalue().splitlines()


def test_one_line_per_verdict_and_evidence_with_verbose(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    _add(redis_client, settings, VERDICT)
    _add(
        redis_client,
        settings,
        {**VERDICT, "claim_id": "clm_2", "label": "refuted", "needs_review": True},
    )
    completed = {"article_id": "art_1", "claim_count": 2, "counts": {"supported": 1, "refuted": 1}}
    _add(redis_client, settings, completed, "article.completed")

    lines = _watch(settings, "--from-beginning", "--count", "3", "--group", "plain")
    assert len(lines) == 3
    assert "supported" in lines[0] and "0.81" in lines[0] and "Da Nang" in lines[0]
    assert "[art_1]" in lines[0] and "review" not in lines[0]
    assert "refuted" in lines[1] and "review" in lines[1]
    assert "article art_1 completed: 2 claims" in lines[2]
    assert "\033[" not in "".join(lines)  # no colour when not writing to a terminal

    verbose = _watch(settings, "--from-beginning", "--count", "1", "--group", "verbose", "-v")
    # every piece of evidence: stance, score, the sentence itself, its title and its link
    assert verbose == [
        lines[0],
        "    1. supports, 0.74: “The 2017 APEC summit took place in Da Nang.”",
        f"       APEC Vietnam 2017 <{LINK}>",
        "    2. neutral: “A city.”",
        "       Da Nang",
    ]


def test_verbose_prints_the_reason_and_each_conflict_the_deciding_one_first(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    conflicts = [
        {
            "slot": "date",
            "claim": "4 March 2022",
            "source": "4 January 2022",
            "doc_id": "ceasefire",
            "sentence": "The ceasefire was signed on 4 January 2022.",
        },
        {
            "slot": "quantity",
            "claim": "12",
            "source": "40\x1b[2J",
            "doc_id": "ceasefire",
            "sentence": "40 delegates signed.",
        },
    ]
    refuted = {
        **VERDICT,
        "label": "refuted",
        "evidence": [],
        "reason": "The source says 4 January 2022, not 4 March 2022.",
        "conflicts": conflicts,
    }
    _add(redis_client, settings, refuted)
    plain = _watch(settings, "--from-beginning", "--count", "1", "--group", "plain")
    verbose = _watch(settings, "--from-beginning", "--count", "1", "--group", "verbose", "-v")
    assert verbose == [
        plain[0],
        "    reason: The source says 4 January 2022, not 4 March 2022.",
        "    conflict (date): claim 4 March 2022 · source 4 January 2022",
        "    conflict (quantity): claim 12 · source 40[2J",
    ]


def test_verbose_shows_the_articles_words_and_who_corrected_the_checked_text(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    corrected = {
        **VERDICT,
        "evidence": [],
        "source_text": "It was held there that year.",
        "stand_alone": False,
        "revision": 1,
        "previous_label": "not_enough_info",
        "checked_text_edit": {"editor": "Jane Editor", "revision": 1},
    }
    _add(redis_client, settings, corrected, "verdict.updated")
    plain = _watch(settings, "--from-beginning", "--count", "1", "--group", "plain")
    assert "(re-checked, was not_enough_info) The APEC summit of 2017" in plain[0]
    verbose = _watch(settings, "--from-beginning", "--count", "1", "--group", "verbose", "-v")
    assert verbose == [
        plain[0],
        "    as written: It was held there that year.",
        "    checked text corrected by Jane Editor",
    ]


def test_colour_marks_the_label() -> None:
    line = format_verdict_line(VERDICT, stream_id="1700000000000-0", colour=True)
    assert "\033[32msupported" in line and "\n" not in line


def test_json_lines_and_the_article_filter(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    first = _add(redis_client, settings, VERDICT)
    _add(redis_client, settings, {**VERDICT, "article_id": "art_2", "claim_id": "clm_9"})
    third = _add(redis_client, settings, {**VERDICT, "claim_id": "clm_3"})
    lines = _watch(settings, "--from-beginning", "--json", "--count", "2", "--article", "art_1")
    rows = [json.loads(line) for line in lines]
    assert [(r["id"], r["type"], r["data"]["claim_id"]) for r in rows] == [
        (first, "verdict", "clm_1"),
        (third, "verdict", "clm_3"),
    ]


def test_one_group_shares_the_entries_and_distinct_groups_each_see_all(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    ids = [_add(redis_client, settings, {**VERDICT, "claim_id": f"clm_{i}"}) for i in range(6)]
    common = ["--from-beginning", "--json", "--count", "3", "--group", "desk"]
    one = _watch(settings, *common, "--consumer", "one")
    two = _watch(settings, *common, "--consumer", "two")
    shared = [json.loads(line)["id"] for line in one + two]
    assert sorted(shared) == ids  # each entry went to exactly one watcher of the group
    alone = _watch(settings, "--from-beginning", "--json", "--count", "6", "--group", "other")
    assert [json.loads(line)["id"] for line in alone] == ids


def test_a_new_group_without_from_beginning_sees_only_new_entries(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    _add(redis_client, settings, VERDICT)
    # create the group at "now", then add one entry and read it
    args = build_parser().parse_args(["watch", "--json", "--count", "1", "--group", "late"])
    from shared.store.streams import GroupReader

    GroupReader(redis_client, settings.verdict_stream, "late", "setup")
    new = _add(redis_client, settings, {**VERDICT, "claim_id": "clm_new"})
    out = io.StringIO()
    assert watch(args, settings, out=out) == 0
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [new]


def test_the_command_line_runs_watch(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    entry = _add(redis_client, settings, VERDICT)
    env = {
        "CLAIMCHECK_REDIS_URL": settings.redis_url,
        "CLAIMCHECK_VERDICT_STREAM": settings.verdict_stream,
        "CLAIMCHECK_KEY_PREFIX": settings.key_prefix,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "cli", "watch", "--from-beginning", "--json", "--count", "1"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == entry


def _add_later(client: redis.Redis, settings: Settings, data: dict[str, Any]) -> threading.Thread:
    """Add an entry half a second from now (after the watcher started)."""

    def add() -> None:
        time.sleep(0.5)
        _add(client, settings, data)

    thread = threading.Thread(target=add)
    thread.start()
    return thread


def test_a_plain_watch_shows_only_entries_added_after_it_starts(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    for i in range(5):
        _add(redis_client, settings, {**VERDICT, "claim_id": f"clm_old{i}"})
    first = _watch(settings, "--from-beginning", "--json", "--count", "3")
    assert [json.loads(line)["data"]["claim_id"] for line in first] == [
        "clm_old0",
        "clm_old1",
        "clm_old2",
    ]
    later = _add_later(redis_client, settings, {**VERDICT, "claim_id": "clm_new"})
    plain = _watch(settings, "--json", "--count", "1")
    later.join()
    assert [json.loads(line)["data"]["claim_id"] for line in plain] == ["clm_new"]
    # and a plain watch leaves no consumer group behind
    assert redis_client.xinfo_groups(settings.verdict_stream) == []


def test_a_named_group_resumes_and_says_so_when_asked_for_the_beginning(
    settings_factory: SettingsFactory,
    redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_factory()
    ids = [_add(redis_client, settings, {**VERDICT, "claim_id": f"clm_{i}"}) for i in range(3)]
    common = ["--from-beginning", "--json", "--count", "1", "--group", "desk"]
    assert [json.loads(line)["id"] for line in _watch(settings, *common)] == ids[:1]
    assert capsys.readouterr().err == ""  # a new group: from the beginning, nothing to say
    assert [json.loads(line)["id"] for line in _watch(settings, *common)] == ids[1:2]
    (line,) = capsys.readouterr().err.splitlines()
    assert "group 'desk' exists" in line and "resumes where it stopped" in line
    later = _add_later(redis_client, settings, {**VERDICT, "claim_id": "clm_new"})
    resumed = _watch(settings, "--json", "--count", "2", "--group", "desk")
    later.join()
    assert [json.loads(line)["data"]["claim_id"] for line in resumed] == ["clm_2", "clm_new"]


@pytest.mark.parametrize("group", [[], ["--group", "piped"]])
def test_a_closed_pipe_ends_watch_quietly(
    settings_factory: SettingsFactory, redis_client: redis.Redis, group: list[str]
) -> None:
    """``claimcheck watch --json | head -1``: status 0 and nothing on stderr."""
    settings = settings_factory()
    _add(redis_client, settings, VERDICT)
    env = {
        "CLAIMCHECK_REDIS_URL": settings.redis_url,
        "CLAIMCHECK_VERDICT_STREAM": settings.verdict_stream,
        "CLAIMCHECK_KEY_PREFIX": settings.key_prefix,
        "PATH": "/usr/bin:/bin",
    }
    argv = [sys.executable, "-m", "cli", "watch", "--from-beginning", "--json", *group]
    with subprocess.Popen(
        argv, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            assert json.loads(proc.stdout.readline())["data"]["claim_id"] == "clm_1"
            proc.stdout.close()  # the reader goes away, as `head -1` does
            for i in range(20):
                _add(redis_client, settings, {**VERDICT, "claim_id": f"clm_more{i}"})
            assert proc.wait(timeout=30) == 0
            assert proc.stderr.read().decode() == ""
        finally:
            if proc.poll() is None:
                proc.kill()

"""How the CLI prints verdicts: the deciding sentence, quoted, and the link that lands on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli.main import build_parser
from cli.output import format_verdict, format_verdict_line
from cli.submit import submit
from shared.settings import load_settings
from tests.cli.verdicts import LINK, SENTENCE, URL, cited, verdict_of
from tests.local_http import Reply, Request, ServerFactory


def test_the_deciding_sentence_is_quoted_with_its_title_and_link() -> None:
    assert format_verdict(verdict_of(cited(), cited(title="Other"))).splitlines() == [
        "[supported 0.81] The APEC summit of 2017 was held in Da Nang.",
        f"    evidence (supports, 0.74): “{SENTENCE}”",
        f"        APEC Vietnam 2017 <{LINK}>",
    ]


def test_without_a_sentence_link_the_document_url_is_shown() -> None:
    lines = format_verdict(verdict_of(cited(link=None))).splitlines()
    assert lines[1:] == [
        f"    evidence (supports, 0.74): “{SENTENCE}”",
        f"        APEC Vietnam 2017 <{URL}>",
    ]


def test_evidence_without_any_url_shows_its_title() -> None:
    lines = format_verdict(verdict_of(cited(link=None, url=None, score=None))).splitlines()
    assert lines[1:] == [f"    evidence (supports): “{SENTENCE}”", "        APEC Vietnam 2017"]


def test_no_evidence_one_line_and_the_reason() -> None:
    verdict = verdict_of(
        label="not_enough_info",
        needs_review=True,
        reason="a source failed",
        sources_failed=[{"source": "wikipedia", "reason": "timeout"}],
    )
    assert format_verdict(verdict).splitlines() == [
        "[not_enough_info 0.81 needs-review] The APEC summit of 2017 was held in Da Nang.",
        "    reason: a source failed",
        "    sources failed: wikipedia",
    ]


def test_a_long_sentence_is_cut_at_a_word_and_the_link_is_kept_whole() -> None:
    words = [f"word{i:03d}" for i in range(60)]  # 479 characters
    link = URL + "#:~:text=word000%20word001%20word002%20word003,word056%20word057%20word058"
    lines = format_verdict(verdict_of(cited(text=" ".join(words), link=link))).splitlines()
    quoted = lines[1].removeprefix("    evidence (supports, 0.74): ")
    assert quoted.startswith("“word000 word001 ") and quoted.endswith(" word019…”")
    assert len(quoted) <= 160 + 2
    assert lines[2] == f"        APEC Vietnam 2017 <{link}>"


def test_a_long_word_is_cut_where_it_must() -> None:
    lines = format_verdict(verdict_of(cited(text="x" * 500))).splitlines()
    assert lines[1] == "    evidence (supports, 0.74): “" + "x" * 159 + "…”"


def test_whitespace_and_terminal_control_characters_in_evidence_are_neutralised() -> None:
    item = cited(
        text="Red\n\n  text\x1b[31m with\ta bell\x07 and \u202eoverride.",
        title="A\x1b]0;pwned\x07 title",
    )
    lines = format_verdict(verdict_of(item)).splitlines()
    assert lines[1] == "    evidence (supports, 0.74): “Red text[31m with a bell and override.”"
    assert lines[2] == f"        A]0;pwned title <{LINK}>"
    assert "\x1b" not in "".join(lines) and "\x07" not in "".join(lines)


def test_colour_only_marks_the_label() -> None:
    text = format_verdict(verdict_of(cited(), label="refuted"), colour=True)
    assert text.startswith("[\033[31mrefuted\033[0m 0.81]")
    assert text.count("\033[") == 2


def test_watch_verbose_shows_every_item_with_stance_score_sentence_and_link() -> None:
    verdict = verdict_of(
        cited(),
        cited(stance="refutes", score=0.31, text="Lima hosted it.", title="APEC Peru"),
        cited(stance="neutral", score=0.05, link=None, url=None, title="Da Nang"),
        reason="judge disagreed",
    )
    lines = format_verdict_line(verdict, stream_id="1700000000000-0", verbose=True).splitlines()
    assert lines[0].endswith("The APEC summit of 2017 was held in Da Nang.  [art_1]")
    assert lines[1:] == [
        f"    1. supports, 0.74: “{SENTENCE}”",
        f"       APEC Vietnam 2017 <{LINK}>",
        "    2. refutes, 0.31: “Lima hosted it.”",
        f"       APEC Peru <{LINK}>",
        f"    3. neutral, 0.05: “{SENTENCE}”",
        "       Da Nang",
        "    reason: judge disagreed",
    ]
    assert format_verdict_line(verdict, stream_id="1700000000000-0") == lines[0]


WRITTEN = "It was held in Da\x1b[31m Nang that year."
EDIT = {"editor": "Jane Editor", "edited_at": "2026-12-01T09:30:00Z", "revision": 1}


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"source_text": WRITTEN}, ["    as written: It was held in Da[31m Nang that year."]),
        ({"source_text": "The APEC summit of 2017 was held in Da Nang.", "stand_alone": True}, []),
        (
            {"source_text": "The APEC summit of 2017 was held in Da Nang.", "stand_alone": False},
            ["    not stand-alone: a reference is left as the article wrote it"],
        ),
        (
            {"source_text": WRITTEN, "stand_alone": False, "checked_text_edit": EDIT},
            [
                "    as written: It was held in Da[31m Nang that year.",
                "    checked text corrected by Jane Editor",
            ],
        ),
    ],
)
def test_the_articles_words_and_the_checked_texts_marks_follow_the_claim(
    fields: dict[str, Any], shown: list[str]
) -> None:
    verdict = verdict_of(cited(), **fields)
    lines = format_verdict(verdict).splitlines()
    assert lines[0] == "[supported 0.81] The APEC summit of 2017 was held in Da Nang."
    assert lines[1 : 1 + len(shown)] == shown
    assert lines[1 + len(shown)].startswith("    evidence (supports, 0.74)")
    # watch: the one line alone; with -v the same lines, before the evidence
    line = format_verdict_line(verdict, stream_id="1700000000000-0")
    verbose = format_verdict_line(verdict, stream_id="1700000000000-0", verbose=True)
    assert verbose.splitlines()[: 1 + len(shown)] == [line, *shown]
    assert verbose.splitlines()[1 + len(shown)].startswith("    1. supports, 0.74")


CONFLICTS = [
    {
        "slot": "name",
        "claim": "Da Nang",
        "source": "Lima",
        "doc_id": "apec-2016",
        "sentence": "The 2016 APEC summit took place in Lima.",
    },
    {
        "slot": "date",
        "claim": "2017",
        "source": "2016\x1b]0;pwned\x07 " + "very " * 30 + "long",
        "doc_id": "apec-2016",
        "sentence": "The 2016 APEC summit took place in Lima.",
    },
]


def test_each_conflict_follows_the_reason_on_its_own_line() -> None:
    verdict = verdict_of(
        cited(stance="refutes", text="The 2016 APEC summit took place in Lima."),
        label="refuted",
        reason="The source says Lima, not Da\x1b[31m Nang.",
        conflicts=CONFLICTS,
        sources_failed=[{"source": "wikipedia", "reason": "timeout"}],
    )
    lines = format_verdict(verdict).splitlines()
    assert lines[3:5] == [
        "    reason: The source says Lima, not Da[31m Nang.",
        "    conflict (name): claim Da Nang · source Lima",
    ]
    assert lines[5].startswith("    conflict (date): claim 2017 · source 2016]0;pwned very very ")
    assert lines[5].endswith("…") and len(lines[5]) < 120
    assert lines[6:] == ["    sources failed: wikipedia"]
    assert "\x1b" not in "".join(lines) and "\x07" not in "".join(lines)
    # the one-line watch shows none of it; -v shows it after the evidence
    line = format_verdict_line(verdict, stream_id="1700000000000-0")
    assert "\n" not in line
    verbose = format_verdict_line(verdict, stream_id="1700000000000-0", verbose=True)
    assert verbose.splitlines()[3:] == lines[3:]


def _submit_wait(server: ServerFactory, verdict: dict[str, Any], tmp_path: Path) -> None:
    """``claimcheck submit --wait`` against a stand-in intake that has ``verdict`` ready."""
    claim = {"claim_id": "clm_1", "verdict": verdict}

    def intake(request: Request) -> Reply:
        if request.method == "POST" and request.path == "/v1/articles":
            return Reply(status=202, json_body={"article_id": "art_1", "claims": [claim]})
        if request.path == "/v1/articles/art_1":
            body = {
                "article_id": "art_1",
                "completed": True,
                "claims": [claim],
                "counts": {"supported": 1},
            }
            return Reply(json_body=body)
        return Reply(status=404)

    http = server(intake)
    article = tmp_path / "article.txt"
    article.write_text("The APEC summit of 2017 was held in Da Nang.", encoding="utf-8")
    args = build_parser().parse_args(
        ["submit", str(article), "--wait", "--api-url", http.url, "--timeout", "30"]
    )
    assert submit(args, load_settings(auth_enabled=False)) == 0


def test_submit_wait_prints_the_deciding_sentence_and_its_link(
    http_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _submit_wait(http_server, verdict_of(cited()), tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        "article art_1: 1 claims queued",
        "[supported 0.81] The APEC summit of 2017 was held in Da Nang.",
        f"    evidence (supports, 0.74): “{SENTENCE}”",
        f"        APEC Vietnam 2017 <{LINK}>",
        "article art_1 completed: 1 claims (supported=1)",
    ]


def test_submit_wait_prints_the_articles_words_beside_the_checked_claim(
    http_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = verdict_of(source_text=WRITTEN, stand_alone=False)
    _submit_wait(http_server, verdict, tmp_path)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "[supported 0.81] The APEC summit of 2017 was held in Da Nang.",
        "    as written: It was held in Da[31m Nang that year.",
        "    not stand-alone: a reference is left as the article wrote it",
        "article art_1 completed: 1 claims (supported=1)",
    ]


def test_submit_wait_prints_the_reason_and_each_conflict(
    http_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = verdict_of(
        label="refuted", reason="The source says Lima, not Da Nang.", conflicts=CONFLICTS[:1]
    )
    _submit_wait(http_server, verdict, tmp_path)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "[refuted 0.81] The APEC summit of 2017 was held in Da Nang.",
        "    reason: The source says Lima, not Da Nang.",
        "    conflict (name): claim Da Nang · source Lima",
        "article art_1 completed: 1 claims (supported=1)",
    ]

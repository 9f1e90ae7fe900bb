"""``claimcheck factchecks import`` and ``claimcheck match`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import build_parser, main
from cli.match import match_file
from tests.workers.sources.factchecks.conftest import ARCHIVE_ROWS, DATA_DIR, write_jsonl
from workers.sources.factchecks.formats import FactCheck
from workers.sources.factchecks.matching import Match

CLAIM_REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://fullfact.org/health/sharks",
    "claimReviewed": "Sharks never get cancer.",
    "datePublished": "2021-03-04",
    "author": {"@type": "Organization", "name": "Full Fact"},
    "reviewRating": {"@type": "Rating", "alternateName": "Incorrect"},
}

QUERIES: list[dict[str, object]] = [
    {"id": 1, "text": "Wind turbines give people cancer with their noise"},
    {"id": "two", "text": "Sharks are immune to cancer, scientists say"},
    {"id": 3, "text": "Paris is going to take down the Eiffel Tower next year"},
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # var/ (caches, reports) lands here
    monkeypatch.setenv("CLAIMCHECK_ONNX_THREADS", "1")
    monkeypatch.setenv("CLAIMCHECK_FACTCHECK_ARCHIVE_PATH", str(tmp_path / "fc.sqlite3"))
    return tmp_path


def test_import_then_match_round_trip(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = write_jsonl(workdir / "rows.jsonl", ARCHIVE_ROWS)
    review = workdir / "review.json"
    review.write_text(json.dumps(CLAIM_REVIEW, indent=2))
    assert main(["factchecks", "import", str(rows), str(review)]) == 0
    out = capsys.readouterr().out
    assert "8 fact-checks read, 8 new or changed, 8 embedded" in out
    assert "1 fact-checks read, 1 new or changed, 1 embedded" in out
    assert "now holds 9 fact-checks" in out
    assert main(["factchecks", "import", str(rows)]) == 0  # idempotent
    assert "8 fact-checks read, 0 new or changed, 0 embedded" in capsys.readouterr().out

    queries = write_jsonl(workdir / "in.jsonl", QUERIES)
    output = workdir / "out" / "matches.jsonl"
    assert main(["match", "--input", str(queries), "--output", str(output), "--top", "2"]) == 0
    got = [json.loads(line) for line in output.read_text().splitlines()]
    assert [g["id"] for g in got] == [1, "two", 3]
    assert [g["matches"][0]["id"] for g in got] == [
        "pf:windmills",
        "https://fullfact.org/health/sharks#claim-" + got[1]["matches"][0]["id"].split("-")[-1],
        "afp:eiffel",
    ]
    # --top 2, less the matches scored 0: only the sharks claim has a second one above 0
    assert [len(g["matches"]) for g in got] == [1, 2, 1]
    assert all(m["score"] > 0 for g in got for m in g["matches"])
    assert all(set(m) == {"id", "score"} for g in got for m in g["matches"])
    scores = [[m["score"] for m in g["matches"]] for g in got]
    assert all(row == sorted(row, reverse=True) for row in scores)  # best first
    assert "3 claims matched" in capsys.readouterr().err


def test_match_against_a_fact_check_file_builds_a_cached_archive(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = write_jsonl(workdir / "archive.jsonl", ARCHIVE_ROWS)
    queries = write_jsonl(workdir / "in.jsonl", QUERIES[:1])
    output = workdir / "out.jsonl"
    args = ["match", "--archive", str(rows), "--input", str(queries), "--output", str(output)]
    assert main(args) == 0
    (row,) = [json.loads(line) for line in output.read_text().splitlines()]
    assert row["matches"][0]["id"] == "pf:windmills"
    # --top defaults to 5; the other four of those five scored 0 and are left out
    assert [m["id"] for m in row["matches"]] == ["pf:windmills"]
    caches = list((workdir / "var" / "match-cache").glob("*.sqlite3"))
    assert len(caches) == 1
    assert main(args) == 0  # the cache is reused
    assert list((workdir / "var" / "match-cache").glob("*.sqlite3")) == caches


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"text": "no id"}', "'id' must be"),
        ('{"id": 1, "text": ""}', "'text' must be a non-empty string"),
    ],
)
def test_bad_query_row_names_the_line_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    rows = write_jsonl(workdir / "archive.jsonl", ARCHIVE_ROWS)
    queries = workdir / "in.jsonl"
    queries.write_text(json.dumps(QUERIES[0]) + "\n" + line + "\n")
    output = workdir / "out.jsonl"
    args = ["match", "--archive", str(rows), "--input", str(queries), "--output", str(output)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{queries}:2: " in err and message in err
    assert not output.exists()


def test_import_of_a_malformed_file_is_a_clear_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = workdir / "bad.json"
    bad.write_text(json.dumps({"claims": [{"text": "x", "claimReview": [{"reviewDate": 5}]}]}))
    assert main(["factchecks", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "claims[0].claimReview[0]: 'reviewDate' must be an ISO 8601 date string" in err


def test_match_without_an_archive_is_a_clear_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = write_jsonl(workdir / "in.jsonl", QUERIES)
    args = ["match", "--input", str(queries), "--output", str(workdir / "o.jsonl")]
    assert main(args) == 1
    assert "no fact-check archive at" in capsys.readouterr().err
    assert main([*args, "--top", "0"]) == 1
    assert "--top must be at least 1" in capsys.readouterr().err


class _StubMatcher:
    """Answers every query with the same scored fact-checks, best first."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores
        self.tops: list[int] = []

    def match_many(self, queries: list[str], top: int) -> list[list[Match]]:
        self.tops.append(top)
        found = [
            Match(factcheck=FactCheck(id=f"fc{i}", claim="c"), score=score, cosine=score, bm25=0.0)
            for i, score in enumerate(self.scores)
        ]
        return [found[:top] for _ in queries]


def test_matches_scored_zero_are_left_out_and_top_caps_the_rest(workdir: Path) -> None:
    queries = write_jsonl(workdir / "in.jsonl", QUERIES[:2])
    output = workdir / "out.jsonl"
    matcher = _StubMatcher([0.9, 0.4, 0.0, 0.0])
    for top, expected in ((1, ["fc0"]), (2, ["fc0", "fc1"]), (4, ["fc0", "fc1"])):
        match_file(queries, output, matcher, top=top, progress=False)
        rows = [json.loads(line) for line in output.read_text().splitlines()]
        assert [[m["id"] for m in r["matches"]] for r in rows] == [expected, expected]
    assert matcher.tops == [1, 2, 4]
    assert build_parser().parse_args(["match", "--input", "a", "--output", "b"]).top == 5


def test_liar_archive_ratings_all_map() -> None:
    """Every rating in the real LIAR archive maps to a label (skipped without the data)."""
    liar = DATA_DIR / "factchecks" / "liar.jsonl"
    if not liar.is_file():
        pytest.skip(f"{liar} is absent (../shared/data is not part of the repository)")
    from workers.sources.factchecks.formats import read_factchecks

    labels: dict[str, set[str | None]] = {}
    count = 0
    for fc in read_factchecks(liar, publisher="PolitiFact"):
        labels.setdefault(fc.rating or "", set()).add(fc.label)
        count += 1
    assert count == 12836
    assert labels == {
        "true": {"supported"},
        "mostly-true": {"supported"},
        "half-true": {"conflicting"},
        "barely-true": {"refuted"},
        "false": {"refuted"},
        "pants-fire": {"refuted"},
    }


def test_many_rows_stream_in_batches_and_keep_their_order(workdir: Path) -> None:
    rows = write_jsonl(workdir / "archive.jsonl", ARCHIVE_ROWS)
    texts = [str(q["text"]) for q in QUERIES]
    queries = [{"id": i, "text": texts[i % 3]} for i in range(70)]  # 3 batches
    src = write_jsonl(workdir / "in.jsonl", queries)
    out = workdir / "out.jsonl"
    args = ["match", "--archive", str(rows), "--input", str(src), "--output", str(out)]
    assert main([*args, "--top", "1"]) == 0
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["id"] for g in got] == list(range(70))
    assert [g["matches"][0]["id"] for g in got[:3]] == [g["matches"][0]["id"] for g in got[3:6]]
    assert {g["matches"][0]["score"] for g in got[::3]} == {got[0]["matches"][0]["score"]}

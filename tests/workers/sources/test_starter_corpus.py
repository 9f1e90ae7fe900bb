from __future__ import annotations

import json

import pytest

from workers.sources.knowledge_base.index import KnowledgeBase, starter_corpus_path


def test_starter_corpus_is_well_formed() -> None:
    rows = [json.loads(line) for line in starter_corpus_path().read_text("utf-8").splitlines()]
    assert 40 <= len(rows) <= 60
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert set(row) == {"id", "title", "text", "url"}
        assert row["url"].startswith("https://en.wikipedia.org/wiki/")
        assert 40 <= len(row["text"]) <= 1000
    assert (starter_corpus_path().parent / "README.md").is_file()


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("UN security Council resolution 2254", "unsc-resolution-2254"),
        ("the press Secretary of the Kremlin Dmitry Peskov told CNN", "dmitry-peskov"),
        (
            "The presidents of the United States and Russia held a brief meeting in da Nang",
            "trump-putin-da-nang-encounter",
        ),
        (
            "The presidents agreed that the conflict in Syria has no military solution.",
            "trump-putin-joint-statement-syria",
        ),
        ("the APEC summit in da Nang", "apec-2017-da-nang"),
        ("on Board the presidential plane Air Force One", "air-force-one"),
        (
            "channels of communication between the military of two countries until the "
            "final defeat of ISIS",
            "joint-statement-isis-deconfliction",
        ),
        (
            "US intelligence assessment of Russian interference in the 2016 election",
            "ica-january-2017",
        ),
        ("sanctions on North Korea", "north-korea-sanctions"),
        ("the Geneva process on Syria", "geneva-process"),
    ],
)
def test_retrieval_picks_the_right_entry(
    starter_kb: KnowledgeBase, claim: str, expected: str
) -> None:
    hits = starter_kb.search(claim, 3)
    assert expected in [h.doc_id for h in hits], [h.doc_id for h in hits]


def test_unrelated_entries_do_not_crowd_out_seed_topics(starter_kb: KnowledgeBase) -> None:
    unrelated = {"mount-everest", "photosynthesis", "fifa-world-cup-2018", "geneva-city"}
    hits = starter_kb.search("UN Security Council resolution 2254 Geneva process Syria", 5)
    assert not unrelated & {h.doc_id for h in hits}

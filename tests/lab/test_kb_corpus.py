"""The benchmark's knowledge-base builder (``lab.kb_corpus``) on a tiny fake data folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lab.kb_corpus import (
    build_documents,
    dev_claims,
    document_streams,
    ensure_bench_kb,
    write_jsonl,
)
from shared.settings import load_settings

STARTER = [
    {"id": "starter-1", "title": "Starter", "text": "The starter corpus has a document."},
]
VITAMINC = [
    {
        "id": "vitaminc-real:a_1",
        "claim": "Westlife sold 20 million records .",
        "evidence": ["Westlife sold 23 million records in the UK ."],
        "label": "supported",
        "page": "Westlife",
    },
    {
        "id": "vitaminc-real:a_2",
        "claim": "Westlife sold 30 million records .",
        # the same evidence again (contrastive rows): in the knowledge base once
        "evidence": ["Westlife  sold 23 million records in the UK ."],
        "label": "refuted",
        "page": "Westlife",
    },
    {
        "id": "vitaminc-real:b_1",
        "claim": "The song charted in 1999 .",
        "evidence": [
            "The song -LRB- a ballad -RRB- charted in 1999 .",
            "It reached number one .",
            "It was certified gold .",
            "A video was filmed in Dublin .",
        ],
        "label": "supported",
        "page": "Swear_It_Again_-LRB-song-RRB-",
    },
]
SCIFACT = [
    {
        "id": "scifact:0",
        "claim": "Stem cells are tracked with nanoparticles.",
        "evidence": ["Nanoparticles label stem cells.", "Quantum dots track them in vivo."],
        "label": "supported",
        "doc_ids": [42],
        "titles": ["Nanotechnologies for stem cells."],
    },
]
COVID = [
    {
        "id": "covid-fact:1",
        "claim": "Masks reduce exposure.",
        "evidence": ["Face masks reduce viral exposure on a population level."],
        "label": "supported",
        "claim_source": "https://www.example.org/masks",
    },
]
LIAR = [
    {
        "id": "liar:1",
        "claim": "Says the budget doubled in four years.",
        "rating": "false",
        "speaker": "jane-doe",
        "subject": "budget,taxes",
    },
    {"id": "liar:2", "claim": "Unemployment fell to 4 percent last year.", "rating": "true"},
]
SNOPES = [
    {"id": "ct20-snopes:vclaim-0", "claim": "Sharks never get cancer.", "title": "Shark myth?"},
]
CT24 = [
    {"id": "ct24-en:1", "text": "We created two million jobs last year.", "checkworthy": True},
    {"id": "ct24-en:2", "text": "Thank you.", "checkworthy": False},  # too short
    {"id": "ct24-en:3", "text": "The deficit has been cut in half.", "checkworthy": True},
]
CT19 = [
    {
        "id": "ct19:d1:1",
        "text": "We created two million jobs last year.",  # the same text as ct24-en:1
        "checkworthy": True,
        "context": "SMITH",
        "debate": "20160209_msnbc_dem",
    },
    {
        "id": "ct19:d1:2",
        "text": "Crime went down in every big city.",
        "checkworthy": True,
        "context": "JONES",
        "debate": "20160209_msnbc_dem",
    },
]
DEV_VITAMINC = [
    {"id": "v:1", "claim": "Westlife made under 23.5 million sales .", "evidence": ["Dev only ."]},
    {"id": "v:2", "claim": "Westlife made under 23.5 million sales .", "evidence": ["Dev only ."]},
    {"id": "v:3", "claim": "The song reached number two .", "evidence": ["Dev only ."]},
]
DEV_COVID = [{"id": "c:1", "claim": "Masks reduce exposure at home.", "evidence": ["Dev only."]}]
DEV_OTHER = [{"id": "h:1", "claim": "Vitamin D prevents flu.", "evidence": ["Dev only."]}]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    _write(root / "verification" / "vitaminc-real.train.jsonl", VITAMINC)
    _write(root / "verification" / "scifact.train.jsonl", SCIFACT)
    _write(root / "verification" / "covid-fact.train.jsonl", COVID)
    _write(root / "verification" / "vitaminc-real.dev.jsonl", DEV_VITAMINC)
    _write(root / "verification" / "covid-fact.dev.jsonl", DEV_COVID)
    _write(root / "verification" / "healthver.dev.jsonl", DEV_OTHER)
    _write(root / "verification" / "healthver.test.jsonl", DEV_OTHER)
    _write(root / "factchecks" / "liar.jsonl", LIAR)
    _write(root / "claim-matching" / "ct20-snopes.archive.jsonl", SNOPES)
    _write(root / "checkworthiness" / "ct24-en.train.jsonl", CT24)
    _write(root / "checkworthiness" / "ct19.train.jsonl", CT19)
    _write(tmp_path / "starter.jsonl", STARTER)
    return root


def _all(data_dir: Path) -> list[dict[str, str]]:
    """Every document the fake folder gives (asking for more raises, naming the count)."""
    with pytest.raises(ValueError, match=r"has only (\d+) distinct documents") as err:
        build_documents(data_dir, 10_000, starter=data_dir.parent / "starter.jsonl")
    available = int(str(err.value).split("only ")[1].split()[0])
    return build_documents(data_dir, available, starter=data_dir.parent / "starter.jsonl")


def test_count_is_respected_and_a_prefix_of_larger_bases(data_dir: Path) -> None:
    starter = data_dir.parent / "starter.jsonl"
    everything = _all(data_dir)
    for n in (1, 3, 7, len(everything)):
        docs = build_documents(data_dir, n, starter=starter)
        assert len(docs) == n
        assert docs == everything[:n]
    with pytest.raises(ValueError, match="at least one"):
        build_documents(data_dir, 0, starter=starter)


def test_output_is_deterministic(data_dir: Path, tmp_path: Path) -> None:
    starter = data_dir.parent / "starter.jsonl"
    first = write_jsonl(build_documents(data_dir, 9, starter=starter), tmp_path / "a.jsonl")
    second = write_jsonl(build_documents(data_dir, 9, starter=starter), tmp_path / "b.jsonl")
    assert first == second
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert len(rows) == 9
    assert all(set(r) >= {"id", "title", "text"} and r["title"] and r["text"] for r in rows)


def test_documents_come_from_train_files_and_archives_only(data_dir: Path) -> None:
    docs = _all(data_dir)
    texts = " ".join(d["text"] for d in docs)
    assert "Dev only" not in texts  # nothing from a dev or test file
    assert len({d["id"] for d in docs}) == len(docs)
    assert len({" ".join(d["text"].split()).lower() for d in docs}) == len(docs)
    assert texts.count("Westlife sold 23 million records") == 1
    assert texts.count("We created two million jobs") == 1
    assert "Thank you." not in texts
    by_id = {d["id"]: d for d in docs}
    assert by_id["starter-1"]["text"] == STARTER[0]["text"]
    assert docs[0]["id"] == "starter-1"  # the starter corpus comes first
    assert by_id["liar:1"]["title"] == "Statement by Jane Doe (budget, taxes)"
    assert by_id["ct20-snopes:vclaim-0"]["title"] == "Shark myth?"
    assert by_id["ct19:d1:2"]["title"] == "Debate 20160209 msnbc dem: JONES"
    song = [d for d in docs if d["id"].startswith("vitaminc-real:Swear_It_Again")]
    assert {d["title"] for d in song} == {"Swear It Again (song)"}
    assert " ".join(d["text"] for d in song) == " ".join(VITAMINC[2]["evidence"])
    assert all(1 <= sum(e in d["text"] for e in VITAMINC[2]["evidence"]) <= 3 for d in song)
    scifact = [d for d in docs if d["id"].startswith("scifact:")]
    assert {d["title"] for d in scifact} == {"Nanotechnologies for stem cells."}
    covid = next(d for d in docs if d["id"].startswith("covid-fact:"))
    assert covid["title"] == "covid-fact evidence from example.org"
    kinds = [d["id"].split(":")[0] for d in docs]
    assert (kinds.count("liar"), kinds.count("ct24-en"), kinds.count("ct19")) == (2, 2, 1)


def test_sources_are_interleaved(data_dir: Path) -> None:
    docs = build_documents(data_dir, len(document_streams(data_dir, None)) + 1, starter=None)
    kinds = [d["id"].split(":")[0] for d in docs]
    assert kinds[:6] == ["vitaminc-real", "covid-fact", "scifact", "liar", "ct20-snopes", "ct24-en"]


def test_dev_claims_are_distinct_and_from_dev_files(data_dir: Path) -> None:
    claims = dev_claims(data_dir, 4)
    assert claims == [
        "Westlife made under 23.5 million sales .",
        "Masks reduce exposure at home.",
        "The song reached number two .",
        "Vitamin D prevents flu.",  # the other dev files once the preferred ones run out
    ]
    assert dev_claims(data_dir, 2) == claims[:2]
    with pytest.raises(ValueError, match="only 4 distinct dev claims"):
        dev_claims(data_dir, 5)


def test_ensure_bench_kb_imports_once_then_reuses(data_dir: Path, tmp_path: Path) -> None:
    from workers.sources.knowledge_base.index import KnowledgeBase

    # lexical: no embedding model, so the import is quick (the real run embeds sentences)
    settings = load_settings(
        stance_scorer="lexical", sources=["knowledge_base"], auth_enabled=False
    )
    cache = tmp_path / "cache"
    lines: list[str] = []
    starter = data_dir.parent / "starter.jsonl"
    first = ensure_bench_kb(
        settings, data_dir, 6, cache_dir=cache, starter=starter, echo=lines.append
    )
    assert first.import_seconds is not None
    assert first.path.parent == cache
    assert first.path.name.startswith("kb-6-") and first.path.suffix == ".sqlite3"
    assert first.documents == 6 and first.sentences >= 6
    assert "imported 6 documents" in lines[-1] and "sentences/s" in lines[-1]
    assert sorted(p.name for p in cache.iterdir()) == [first.path.name]  # no partial, no JSONL
    with KnowledgeBase(first.path) as kb:
        assert kb.get("starter-1") is not None

    again = ensure_bench_kb(
        settings, data_dir, 6, cache_dir=cache, starter=starter, echo=lines.append
    )
    assert again.path == first.path and again.import_seconds is None
    assert "(cached)" in lines[-1]
    other = ensure_bench_kb(
        settings, data_dir, 5, cache_dir=cache, starter=starter, echo=lines.append
    )
    assert other.path != first.path and other.documents == 5

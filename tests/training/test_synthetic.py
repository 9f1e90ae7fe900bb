"""Stance v3 synthetic pairs (training/synthetic*.py) and the bundle's pair table
(training/pair_table.py): pure Python / numpy, no torch, no data folder."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from training.content_words import content_words
from training.pair_table import PairTable, pair_lengths
from training.synthetic import make_synthetic
from training.synthetic_claims import coarser_claims, nei_partner
from training.synthetic_docs import Doc, docs_from_rows, eligible, fever_passages, text_key
from training.synthetic_knowledge import Knowledge
from training.synthetic_swaps import (
    name_runs,
    swap_date,
    swap_name,
    swap_number,
    swap_scale,
    swap_unit,
    swap_year,
    toggle_negation,
)

ROOT = Path(__file__).resolve().parents[2]
KN = Knowledge.load()


def _rng() -> random.Random:
    return random.Random(0)


def _one_word_changed(a: str, b: str) -> tuple[str, str]:
    wa, wb = a.split(), b.split()
    assert len(wa) == len(wb), (a, b)
    diff = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    assert len(diff) == 1, (a, b)
    return diff[0]


def test_year_is_shifted_unless_a_comparison_or_a_name_holds_it() -> None:
    s = "The bridge over the river was opened in 1932 by the mayor."
    old, new = _one_word_changed(s, swap_year(s, KN, _rng()) or "")
    assert old == "1932" and new.isdigit() and 1 <= abs(int(new) - 1932) <= 12
    before = "The tower in the old town was built before 1900 by masons."
    assert swap_year(before, KN, _rng()) is None
    assert swap_year("The company released Windows 1995 for every customer.", KN, _rng()) is None


def test_date_changes_the_day_or_the_month() -> None:
    s = "The singer was born on 12 March 1950 in Leeds, England."
    old, new = _one_word_changed(s, swap_date(s, KN, _rng()) or "")
    assert (old, new.isdigit()) in (("12", True), ("March", False))
    assert swap_date("Theresa May 5 was the first guest on the show.", KN, _rng()) is None


def test_number_changes_clearly_and_keeps_its_format() -> None:
    s = "The stadium in the city centre holds 45,000 people on match days."
    old, new = _one_word_changed(s, swap_number(s, KN, _rng()) or "")
    value = int(new.replace(",", ""))
    assert old == "45,000" and "," in new and abs(value - 45000) >= 4500
    assert swap_number("The stadium now holds more than 45,000 people.", KN, _rng()) is None
    assert swap_number("He played for the team in the 2015 16 season.", KN, _rng()) is None
    pct = swap_number("The film has an approval rating of 88% from critics.", KN, _rng())
    assert pct is None or int(pct.split("of ")[1].split("%")[0]) <= 100


def test_scale_and_unit_swaps_come_from_the_knowledge_file() -> None:
    s = "The film grossed $62 million worldwide in its first year."
    _, new = _one_word_changed(s, swap_scale(s, KN, _rng()) or "")
    assert new in KN.scale["million"]
    t = "The tower is 300 metres tall and was finished in spring."
    _, unit = _one_word_changed(t, swap_unit(t, KN, _rng()) or "")
    assert unit in KN.unit_swaps["metres"]
    conversion = "The tower is 300 metres (980 ft) tall and was finished in spring."
    assert swap_unit(conversion, KN, _rng()) is None
    assert swap_unit("The tower is over 300 metres tall and very old.", KN, _rng()) is None


def test_negation_is_inserted_after_an_auxiliary_or_removed() -> None:
    assert (
        toggle_negation("Jason Bourne is a 2016 film directed by Paul Greengrass.", KN, _rng())
        == "Jason Bourne is not a 2016 film directed by Paul Greengrass."
    )
    assert (
        toggle_negation("The album was not released in the United States.", KN, _rng())
        == "The album was released in the United States."
    )
    assert (
        toggle_negation("The band didn't tour in Europe that year.", KN, _rng())
        == "The band did tour in Europe that year."
    )
    assert toggle_negation("She is not only a singer but also an actress.", KN, _rng()) is None
    assert toggle_negation("He has two children with his first wife.", KN, _rng()) is None


def test_names_swap_for_a_name_of_the_same_document() -> None:
    s = "The film was directed by Neil Jordan and stars Gemma Arterton."
    runs = [text for _s, _e, text in name_runs(s, KN)]
    assert runs == ["Neil Jordan", "Gemma Arterton"]
    out = swap_name(s, KN, _rng(), ["Saoirse Ronan", "Ireland"])
    assert out is not None and "Saoirse Ronan" in out
    assert swap_name(s, KN, _rng(), ["Ireland"]) is None  # no two-word name in the pool
    assert name_runs("RESULTS Subjects were assigned to Group A.", KN)[0][2] != "Subjects"


def test_coarser_claims_drop_details_only() -> None:
    s = "Apollo 11 landed on the Moon on 20 July 1969, after a four-day flight."
    kinds = dict(coarser_claims(s, KN))
    assert kinds["date"] == "Apollo 11 landed on the Moon in 1969, after a four-day flight."
    assert kinds["clause"] == "Apollo 11 landed on the Moon on 20 July 1969."
    p = "Robert Jones (born 1884) was the sixth Governor of the state."
    no_paren = "Robert Jones was the sixth Governor of the state."
    assert dict(coarser_claims(p, KN))["paren"] == no_paren


def test_nei_partner_shares_the_topic_but_is_no_revision() -> None:
    sents = (
        "Westlife sold 13 million albums in the United Kingdom by 2019.",
        "Westlife sold 14 million albums in the United Kingdom by 2019.",
        "Westlife were formed in Sligo in 1998 by five singers.",
        "The weather in Sligo is mild and wet all year.",
    )
    words = [content_words(s) for s in sents]
    partner = nei_partner(0, sents, words, ("c1", "c1", "c2", "c3"), _rng())
    assert partner == sents[2]  # the revision (same case, near-identical) is never taken


def test_fever_passages_and_documents() -> None:
    raw = (
        "Byron Howard . He is best known as the co-director of Bolt ( 2008 ) . Zootopia . "
        "The film was directed by Byron Howard and Rich Moore ."
    )
    assert fever_passages(raw) == [
        ("Byron Howard", "He is best known as the co-director of Bolt (2008)."),
        ("Zootopia", "The film was directed by Byron Howard and Rich Moore."),
    ]
    rows = [
        {"id": "a", "page": "Westlife", "case_id": "1", "evidence": ["One.", "Two."]},
        {"id": "b", "page": "Westlife", "case_id": "2", "evidence": ["Two.", "Three."]},
    ]
    (doc,) = docs_from_rows(rows, "vitaminc-real")
    assert doc.sentences == ("One.", "Two.", "Three.") and doc.cases == ("1", "1", "2")
    assert not eligible("Too short.") and eligible("The bridge was opened in 1932 by the mayor.")


def _docs() -> list[Doc]:
    page = (
        "The Quiet is a 2005 American drama film directed by Jamie Babbit in Los Angeles.",
        "The film stars Camilla Belle and Elisha Cuthbert as two teenage girls.",
        "It was released on 25 August 2006 and grossed $381,000 in the United States.",
        "Jamie Babbit was born in 1970 in Shaker Heights, Ohio, and studied in New York.",
        "Camilla Belle is an American actress who was born in Los Angeles in 1986.",
    )
    return [Doc("page:the quiet", "toy", page, ("",) * len(page))]


def test_make_synthetic_is_deterministic_and_respects_the_block_list() -> None:
    docs = _docs()
    pairs, report = make_synthetic(docs, 40, seed=13, kn=KN)
    again, _ = make_synthetic(docs, 40, seed=13, kn=KN)
    assert pairs == again and report["total"] == len(pairs) > 5
    assert {p.label for p in pairs} == {"supported", "refuted", "not_enough_info"}
    for p in pairs:
        if p.label == "refuted":
            assert p.claim != p.evidence and p.evidence in docs[0].sentences
    blocked = {text_key(docs[0].sentences[0]), text_key(pairs[0].claim)}
    kept, rep = make_synthetic(docs, 40, seed=13, blocked=blocked, kn=KN)
    assert all(text_key(p.claim) not in blocked for p in kept)
    assert all(p.evidence != docs[0].sentences[0] or p.label == "not_enough_info" for p in kept)
    assert rep["sentences"]["blocked_sentence"] == 1


@pytest.mark.parametrize("max_len", [128, 16])
def test_pair_lengths_follow_longest_first(max_len: int) -> None:
    la = np.array([3, 200, 10, 70, 62, 63, 63, 125, 0, 300])
    lb = np.array([4, 10, 200, 80, 63, 62, 63, 125, 130, 300])
    ka, kb = pair_lengths(la, lb, max_len)
    m = max_len - 3
    fits = la + lb <= m
    assert np.all(np.where(fits, (ka == la) & (kb == lb), ka + kb <= m))
    assert np.all(ka <= la) and np.all(kb <= lb)
    if max_len == 128:
        assert (ka[0], kb[0]) == (3, 4)  # fits: nothing cut
        assert (ka[1], kb[1]) == (115, 10) and (ka[2], kb[2]) == (10, 115)
        assert (ka[3], kb[3]) == (62, 63) and (ka[6], kb[6]) == (62, 63)  # tie: b gets +1


def test_pair_table_matches_the_tokenizer_and_survives_a_save(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    path = ROOT / "workers/models/stance/tokenizer.json"
    single = tokenizers.Tokenizer.from_file(str(path))
    single.no_truncation()
    single.no_padding()
    pair = tokenizers.Tokenizer.from_file(str(path))
    pair.no_padding()
    pair.enable_truncation(max_length=32, strategy="longest_first")
    rng = random.Random(1)
    vocab = ["the", "film", "was", "released", "in", "1969", "Paris", "x"]
    vocab.append("antidisestablishmentarianism")  # many word pieces
    texts = [" ".join(rng.choices(vocab, k=rng.choice([1, 5, 14, 15, 16, 40]))) for _ in range(40)]
    idx = [(rng.randrange(40), rng.randrange(40)) for _ in range(300)]
    a, b = np.array([i for i, _ in idx]), np.array([j for _, j in idx])
    table = PairTable.from_tokens(
        [e.ids for e in single.encode_batch(texts, add_special_tokens=False)],
        (a, b, np.zeros(len(a)), np.zeros(len(a))),
        ["toy"],
        cls_id=single.token_to_id("[CLS]"),
        sep_id=single.token_to_id("[SEP]"),
        max_len=32,
    )
    table.save(tmp_path / "t.npz")
    ts = PairTable.load(tmp_path / "t.npz").materialize()
    for k, e in enumerate(pair.encode_batch([(texts[i], texts[j]) for i, j in idx])):
        assert ts.ids[ts.offsets[k] : ts.offsets[k + 1]].tolist() == e.ids
        assert ts.len_a[k] == sum(1 for t in e.type_ids if t == 0)

"""Stance v2 data levers (training/stance_levers.py): pure Python, no torch, no spaCy."""

from __future__ import annotations

import random
from typing import Any

import pytest

from training.same_document import scifact_same_doc, vitaminc_same_page
from training.stance_levers import (
    Entity,
    class_weights,
    contrastive_refutes,
)


def _row(claim: str, evidence: str, label: str = "supported", **extra: Any) -> dict[str, Any]:
    return {"_claim": claim, "_evidence": evidence, "evidence": [evidence], "label": label, **extra}


def test_a_year_the_evidence_states_is_swapped_for_another_year_of_the_dataset() -> None:
    rows = [
        _row("The club has played in the league since 2020.", "It has played there since 2020."),
        _row("The stadium opened in 2011.", "The stadium was opened in 2011."),
        _row("Its founder died in 2017.", "The founder died in 2017 in Rome."),
    ]
    made, stats = contrastive_refutes(rows, 1.0, random.Random(0))

    assert stats["made"] == len(made) == 3
    first = next(m for m in made if m.claim.startswith("The club"))
    assert first.kind == "year" and first.original == "2020"
    assert first.replacement in {"2011", "2017"}
    assert first.claim == f"The club has played in the league since {first.replacement}."
    assert first.evidence == rows[0]["_evidence"]
    # deterministic for a given seed
    again, _ = contrastive_refutes(rows, 1.0, random.Random(0))
    assert [m.claim for m in again] == [m.claim for m in made]


def test_qualified_negated_named_or_unstated_numbers_are_never_swapped() -> None:
    rows = [
        _row("It sold more than 500 copies.", "It sold 500 copies."),  # comparison
        _row("It was not released in 1999.", "It came out in 2001, not 1999."),  # negation
        _row("Windows 10 came out in a year.", "Windows 10 is an OS."),  # part of a name
        _row("It sold 700 copies.", "It sold many copies."),  # the evidence has no 700
        _row("The ranking ended before August 2006.", "From January 2000 to July 2006."),
        _row("Other rows give 40 and 2003 and 9000.", "40 2003 9000", label="refuted"),
    ]
    made, stats = contrastive_refutes(rows, 1.0, random.Random(0))
    assert made == []
    assert stats["eligible_values"] == stats["eligible_entities"] == 0


def test_replacement_differs_from_every_number_of_the_evidence() -> None:
    rows = [
        _row("The team scored 30 points.", "The team scored 30 points, then 60 in the final."),
        _row("A pool value.", "Other numbers: 60 and 45.", label="refuted"),
    ]
    made, _ = contrastive_refutes(rows, 1.0, random.Random(3))
    assert [m.replacement for m in made] == ["45"]  # 60 is in the evidence, 30 is the value


def test_entities_come_from_the_entity_function_and_are_swapped_within_their_label() -> None:
    rows = [
        _row("Adidas is headquartered in Germany.", "Adidas AG is headquartered in Germany."),
        _row("The band toured in France.", "The band toured France in 1990.", label="refuted"),
        _row("The singer was born in France.", "She was born in Lyon.", label="refuted"),
        _row("Smith moved to Spain.", "Smith moved to Spain in 2001.", label="refuted"),
        _row("Jones moved to Spain.", "Jones moved to Spain.", label="refuted"),
    ]

    def ents(texts: list[str]) -> list[list[Entity]]:
        out: list[list[Entity]] = []
        for t in texts:
            found: list[Entity] = []
            for name, label in (("Germany", "GPE"), ("France", "GPE"), ("Adidas", "ORG")):
                i = t.find(name)
                if i >= 0:
                    found.append((i, i + len(name), label, name))
            out.append(found)
        return out

    # entity pools only come from supported claims: add two more so France/Spain qualify
    rows += [
        _row("The car was built in France.", "Built in France."),
        _row("The film was shot in France.", "Shot in France."),
    ]
    made, stats = contrastive_refutes(rows, 1.0, random.Random(0), ents)
    adidas = next(m for m in made if m.claim.startswith("Adidas"))
    assert adidas.kind == "entity"
    assert adidas.claim == "Adidas is headquartered in France."  # the subject stays
    assert stats.get("entity", 0) >= 1


def test_scifact_same_doc_uses_non_rationale_sentences_of_the_gold_abstract() -> None:
    row = {
        "_claim": "Drug X halves mortality in sepsis.",
        "label": "supported",
        "evidence": [
            "Sepsis is a leading cause of death in intensive care.",
            "Drug X cut mortality from 40% to 20%.",
            "Mortality outcomes of drug X trials were pooled here.",
            "Funding came from a public grant.",
        ],
        "rationale_idx": [1],
    }
    nei = {**row, "label": "not_enough_info", "rationale_idx": []}
    pairs, stats = scifact_same_doc([row, nei], 2, random.Random(0))
    assert stats == {"claims": 1, "pairs": 2}
    sents = [s for _c, s in pairs]
    assert "Drug X cut mortality from 40% to 20%." not in sents
    assert sents[0] == "Mortality outcomes of drug X trials were pooled here."  # most overlap


def test_vitaminc_same_page_skips_own_case_and_revisions_of_its_evidence() -> None:
    def r(claim: str, sent: str, case: str, page: str = "Film") -> dict[str, Any]:
        return {**_row(claim, sent), "page": page, "case_id": case}

    rows = [
        r("The film grossed $10 million.", "The film grossed $10 million in its first week.", "a"),
        r("The film grossed $12 million.", "The film grossed $12 million in its first week.", "b"),
        r("The film stars Tom Hanks.", "The cast is led by Tom Hanks as the father.", "c"),
        r("Some other claim about music.", "The film was scored by Hans Zimmer.", "d"),
        r("Same case claim.", "A sentence of case a about the film's budget.", "a"),
        r("Elsewhere.", "A sentence about the film on another page.", "e", page="Other"),
    ]
    pairs, stats = vitaminc_same_page(rows, 1.0, random.Random(0))
    by_claim = dict(pairs)
    first = by_claim["The film grossed $10 million."]
    # not its own sentence, not the revision from case b, not case a, not another page
    assert first in {
        "The cast is led by Tom Hanks as the father.",
        "The film was scored by Hans Zimmer.",
    }
    assert stats["pairs"] == len(pairs)
    assert all(s != "A sentence about the film on another page." for _c, s in pairs)


def test_class_weights_average_one_over_the_examples() -> None:
    counts = [600, 300, 100]
    for mode in ("balanced", "sqrt"):
        w = class_weights(counts, mode)
        assert w is not None
        mean = sum(a * b for a, b in zip(w, counts, strict=True)) / sum(counts)
        assert mean == pytest.approx(1.0, abs=1e-3)
        assert w[0] < w[1] < w[2]
    assert class_weights(counts, "none") is None
    with pytest.raises(ValueError):
        class_weights(counts, "inverse")


def test_sample_can_keep_every_lever_pair_and_fill_with_original_ones() -> None:
    import numpy as np

    from training.task import sample_indices
    from training.tokens import TokenSet

    n = 100
    groups = np.array([0] * 80 + [1] * 15 + [2] * 5, dtype=np.int32)
    ts = TokenSet(
        ids=np.zeros(n, dtype=np.uint16),
        offsets=np.arange(n + 1, dtype=np.int64),
        len_a=np.ones(n, dtype=np.int32),
        labels=np.zeros(n, dtype=np.int64),
        group=groups,
        group_names=["vitaminc-real", "vitaminc-real/contrastive", "scifact/same_doc"],
    )
    plain = sample_indices(ts, 30, 13)
    assert len(plain) == 30 and list(plain) == sorted(plain)
    kept = sample_indices(ts, 30, 13, keep_levers=True)
    assert len(kept) == 30
    assert set(range(80, 100)) <= set(kept.tolist())  # all 20 lever rows
    assert list(sample_indices(ts, 30, 13, keep_levers=True)) == list(kept)  # deterministic
    assert len(sample_indices(ts, 10, 13, keep_levers=True)) == 10

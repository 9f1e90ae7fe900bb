"""Wikitext to prose: what is kept, what is dropped, and pages whose markup is broken."""

from __future__ import annotations

import re

import pytest

from workers.sources.knowledge_base.wikitext import (
    MalformedPage,
    Section,
    article_sections,
    default_rules,
    is_disambiguation,
    parse,
)


def _sections(text: str) -> list[Section]:
    return article_sections(parse(text), default_rules())


def test_links_keep_their_labels_and_files_categories_and_languages_go() -> None:
    (lead,) = _sections(
        "[[War: A History|The book]] and [[Star Wars: Episode IV]] and [[Paris#History]] "
        "and [[:Category:Cities|a category]] are read.[[fr:Paris]][[Image:X.png|thumb|cap]]"
        "[[Category:Books]] [http://example.org an example] [http://example.org] http://x.org"
    )
    assert lead.text == (
        "The book and Star Wars: Episode IV and Paris and a category are read. an example"
    )


def test_formatting_entities_nowiki_and_switches() -> None:
    (lead,) = _sections(
        "__NOTOC__'''Bold''' and ''italic'' &amp; <small>small</small><br/>text "
        "<nowiki>{{not a template}}</nowiki> <math>x^2</math> (; {{IPA|x}}) end."
    )
    assert lead.text == "Bold and italic & small text {{not a template}} end."


def test_a_dropped_section_takes_its_subsections_and_anchors_stay_unique() -> None:
    sections = _sections(
        "Lead sentence here.\n== Notes ==\nA note.\n=== More notes ===\nMore.\n"
        "== Life ==\nEarly years.\n== Life ==\nLater years.\n=== Notes ===\nDropped with it."
    )
    assert [(s.path, s.anchor, s.text) for s in sections] == [
        ((), "", "Lead sentence here."),
        (("Life",), "Life", "Early years."),
        (("Life",), "Life_2", "Later years."),
    ]


def test_disambiguation_by_template_name_in_any_spelling_or_switch() -> None:
    rules = default_rules()
    for text in ("{{disambiguation}}", "{{Dab|geo}}", "{{ Set_index_article }}", "__DISAMBIG__"):
        assert is_disambiguation(parse(f"'''X''' may be:\n* [[A]]\n{text}"), rules), text
    assert not is_disambiguation(parse("'''X''' is a letter.{{Infobox letter}}"), rules)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Fine text.\n{{Infobox | a = b\nThen text.",
            "unpaired '{{' in 'Fine text. {{Infobox | a = b Then text.'",
        ),
        (
            "Long text before it, " * 4 + "[[Broken link",
            "in 'fore it, Long text before it, [[Broken link'",
        ),
        ("{|\n| a", "unpaired '{|'"),
        ("A [[[[as]] (topic)|[[as]]]] b", "unpaired '[['"),
    ],
)
def test_unpaired_markup_makes_the_page_malformed_and_says_where(text: str, message: str) -> None:
    with pytest.raises(MalformedPage, match=re.escape(message)):
        _sections(text)

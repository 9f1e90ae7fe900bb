from __future__ import annotations

from services.intake.extraction.segmentation import inside_quote, paragraphs, quote_depths, segments


def test_paragraphs_keep_offsets() -> None:
    text = "  First line\nsecond line\n\n \n\nThird\r\n\n\nFourth  "
    paras = paragraphs(text)
    assert [p.text for p in paras] == ["First line\nsecond line", "Third", "Fourth"]
    for p in paras:
        assert text[p.start : p.end] == p.text


def test_segments_split_headlines_lists_and_scripts() -> None:
    text = (
        "Trump and Putin meet in Da Nang\n"
        "Трамп и Путин встретились\n"
        "The two presidents met on Saturday and\n"
        "discussed Syria.\n"
        "1. First point of the statement\n"
        "* Second point"
    )
    (para,) = paragraphs(text)
    segs = segments(text, para)
    assert [s.text for s in segs] == [
        "Trump and Putin meet in Da Nang",
        "Трамп и Путин встретились",
        "The two presidents met on Saturday and\ndiscussed Syria.",
        "First point of the statement",
        "Second point",
    ]
    for s in segs:
        assert text[s.start : s.end] == s.text


def test_quote_depths_nest_and_run_to_the_end() -> None:
    para = "\u201cOne \u201ctwo\u201d one\u201d out \u201copen"
    depths = quote_depths(para)
    assert depths[para.index("One")] == 1
    assert depths[para.index("two")] == 2
    assert depths[para.index("out")] == 0
    assert depths[para.index("open")] == 1
    assert inside_quote(para, depths, 0, 5)
    assert not inside_quote(para, depths, para.index("out"), len(para))

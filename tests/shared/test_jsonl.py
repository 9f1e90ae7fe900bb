from __future__ import annotations

import io

import pytest

from shared.errors import InputError
from shared.jsonl import iter_objects, required_text, row_id


def test_rows_with_line_numbers_and_blank_lines_skipped() -> None:
    rows = list(iter_objects(io.StringIO('{"id": 1}\n\n{"id": "b"}\n'), where="in.jsonl"))
    assert rows == [("in.jsonl:1", {"id": 1}), ("in.jsonl:3", {"id": "b"})]


@pytest.mark.parametrize(
    ("text", "message"),
    [("{oops\n", "in.jsonl:1: not valid JSON"), ("[1, 2]\n", "in.jsonl:1: expected a JSON object")],
)
def test_bad_lines_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        list(iter_objects(io.StringIO(text), where="in.jsonl"))


def test_id_and_text_checks() -> None:
    assert row_id({"id": 7}, where="f:1") == 7
    for bad in ({"id": True}, {"id": ""}, {}, {"id": 1.5}):
        with pytest.raises(InputError, match="f:1: 'id'"):
            row_id(bad, where="f:1")
    assert required_text({"text": "x"}, "text", where="f:2") == "x"
    with pytest.raises(InputError, match="f:2: 'claim' must be a non-empty string") as info:
        required_text({"claim": "  "}, "claim", where="f:2")
    assert info.value.field == "claim"

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.errors import InputError
from shared.jsonl import (
    TextRow,
    batches,
    iter_objects,
    jsonl_job,
    read_text_rows,
    required_text,
    row_id,
)


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


def test_text_rows_and_their_errors() -> None:
    lines = io.StringIO('{"id": 1, "text": "a"}\n\n{"id": "b", "text": "c", "x": 2}\n')
    assert list(read_text_rows(lines, where="in.jsonl")) == [TextRow(1, "a"), TextRow("b", "c")]
    with pytest.raises(InputError, match=r"in\.jsonl:2: 'text'"):
        list(read_text_rows(io.StringIO('{"id": 1, "text": "a"}\n{"id": 2}\n'), where="in.jsonl"))


def test_batches_are_full_but_the_last_and_lazy() -> None:
    assert list(batches(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batches([], 3)) == []
    consumed: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(10):
            consumed.append(n)
            yield n

    assert next(batches(numbers(), 3)) == [0, 1, 2]
    assert consumed == [0, 1, 2]


def test_jsonl_job_publishes_output_only_on_success(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1}\n{"id": 2}\n')
    out = tmp_path / "sub" / "out.jsonl"
    with jsonl_job(source, out, progress=False, unit="row", desc="t") as job:
        for _, data in iter_objects(job.source, where="in"):
            job.write({"id": data["id"], "ok": True})
            assert not out.exists()  # nothing visible while the job runs
    assert out.read_text().splitlines() == ['{"id": 1, "ok": true}', '{"id": 2, "ok": true}']

    broken = tmp_path / "broken.jsonl"
    with (
        pytest.raises(RuntimeError),
        jsonl_job(source, broken, progress=False, unit="r", desc="t") as job,
    ):
        job.write({"id": 1})
        raise RuntimeError("stop")
    assert not broken.exists()
    assert list(tmp_path.glob(".*.partial")) == []


def test_jsonl_job_unreadable_input_is_an_input_error(tmp_path: Path) -> None:
    with (
        pytest.raises(InputError, match="cannot read"),
        jsonl_job(
            tmp_path / "missing.jsonl", tmp_path / "o.jsonl", progress=False, unit="r", desc="t"
        ),
    ):
        pass


def test_sigterm_during_a_job_leaves_no_partial_file(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text('{"id": 1, "text": "a"}\n', encoding="utf-8")
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from shared.jsonl import jsonl_job\n"
        "with jsonl_job(Path(sys.argv[1]), Path(sys.argv[2]), progress=False, unit='r',"
        " desc='t') as job:\n"
        "    job.write({'id': 1})\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(30)\n"
    )
    argv = [sys.executable, "-c", script, str(source), str(out)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
            assert (tmp_path / ".out.jsonl.partial").exists()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 128 + signal.SIGTERM
        finally:
            if proc.poll() is None:
                proc.kill()
    time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_json_nesting_and_surrogate_checks() -> None:
    from shared.jsonl import lone_surrogate, too_deep

    assert not too_deep('{"a": [[["x"]]]}', limit=4)  # an object and three arrays
    assert too_deep('{"a": [[[["x"]]]]}', limit=4)
    assert not too_deep('{"a": "[[[[[[[[", "b": "{{{{\\"{{"}', limit=4)  # brackets in strings
    assert lone_surrogate({"text": "ok", "meta": {"tags": ["x", "bad\ud800"]}}) == "meta.tags[1]"
    assert lone_surrogate({"text": "fine \U0001f600"}) is None

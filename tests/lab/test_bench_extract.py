"""``claimcheck-lab bench-extract`` and the article it generates, on a small article."""

from __future__ import annotations

import json
import os

import pytest

from lab.bench_extract import bench_article
from lab.main import main


def test_bench_article_has_the_asked_size() -> None:
    text = bench_article(1200)
    assert 1200 <= len(text.split()) < 1600
    paragraphs = text.split("\n\n")
    assert len(set(paragraphs)) == len(paragraphs)  # nothing repeats exactly


def test_bench_reports_speed(capsys: pytest.CaptureFixture[str]) -> None:
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    assert main(["bench-extract", "--words", "300", "--repeat", "1"]) == 0
    if cores is not None:
        assert os.sched_getaffinity(0) == cores  # the test process is not left pinned
    report = json.loads(capsys.readouterr().out)
    assert report["sentences"] > 0 and report["sentences_per_s"] > 0
    assert report["words"] >= 300 and report["onnx_threads"] == 1

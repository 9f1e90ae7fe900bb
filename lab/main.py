"""``claimcheck-lab``: measuring the service, each command declared in its own module.

Verdict quality (``eval``, ``eval-open``), the decision's fit (``calibrate``),
check-worthiness (``checkworthiness``, ``eval-checkworthiness``), claim matching
(``eval-matching``), the claim extractor on labelled articles (``eval-articles``), speed
(``bench``, ``bench-extract``, ``bench-fairness``, ``bench-sse``, ``bench-sources``,
``bench-delivery``) and
endurance (``soak``). Like ``claimcheck``, building the parser
loads no model: each handler imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cli.commands import Register, build_program, run
from lab import (
    articles_eval,
    bench,
    bench_delivery,
    bench_extract,
    bench_fairness,
    bench_kb,
    bench_sources,
    bench_sse,
    calibrate,
    checkworthiness,
    eval_matching,
    evaluate,
    newsroom_eval,
    soak,
)

COMMANDS: tuple[Register, ...] = (
    evaluate.register,
    newsroom_eval.register,
    calibrate.register,
    checkworthiness.register,
    eval_matching.register,
    articles_eval.register,
    bench.register,
    bench_extract.register,
    bench_kb.register,
    bench_fairness.register,
    bench_sse.register,
    bench_sources.register,
    bench_delivery.register,
    soak.register,
)


def build_parser() -> argparse.ArgumentParser:
    return build_program(
        "claimcheck-lab", "Measurements of claimcheck: quality, calibration, speed.", COMMANDS
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser(), argv)

"""``claimcheck-lab``: its commands parse, each is described, and none is an operator's."""

from __future__ import annotations

import pytest

from cli.main import build_parser as build_operator_parser
from lab.main import build_parser
from tests.cli.parsers import subcommands, undescribed

LAB_COMMANDS = {
    "eval",
    "eval-open",
    "eval-newsroom",
    "calibrate",
    "checkworthiness",
    "eval-checkworthiness",
    "eval-matching",
    "eval-articles",
    "bench",
    "bench-extract",
    "bench-kb",
    "bench-fairness",
    "bench-sse",
    "bench-sources",
    "bench-delivery",
    "soak",
}


def test_every_documented_command_parses() -> None:
    parser = build_parser()
    for argv in (
        ["eval", "--split", "dev"],
        ["eval-open", "--split", "eval", "--limit", "50", "--files", "a.test.jsonl"],
        ["eval-open", "--no-compare", "--cache-dir", "c"],
        ["calibrate", "--limit", "10", "--given-only"],
        ["bench", "--claims", "10"],
        ["bench-extract", "--words", "500"],
        ["bench-sse", "--clients", "5"],
        ["bench-sources", "--claims", "2"],
        ["checkworthiness", "--input", "a", "--output", "b"],
        ["eval-checkworthiness", "--data-dir", "d"],
        ["eval-matching", "--fit"],
        ["eval-articles", "--json", "--summary", "examples/articles"],
        ["soak", "--seconds", "60", "--rate", "5", "--scorer", "lexical"],
    ):
        assert parser.parse_args(argv).handler is not None


def test_the_lab_has_its_commands_and_none_of_the_operators() -> None:
    assert subcommands(build_parser()) == LAB_COMMANDS
    assert not LAB_COMMANDS & subcommands(build_operator_parser())


def test_every_command_and_option_has_a_description() -> None:
    assert undescribed(build_parser()) == []


def test_soak_defaults_come_from_its_options_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOAK_SECONDS", "5")
    monkeypatch.setenv("SOAK_RATE", "1")
    monkeypatch.setenv("SOAK_SCORER", "onnx")
    args = build_parser().parse_args(["soak"])
    assert (args.seconds, args.rate, args.scorer, args.workers) == (600.0, 50.0, "lexical", 2)


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"claimcheck-lab {version('claimcheck')}\n"

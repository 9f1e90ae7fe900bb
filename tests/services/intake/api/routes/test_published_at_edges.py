"""Publication dates at the calendar's edges: the article is accepted, its relative dates
that fall outside the calendar are left as written (a 500 before)."""

from __future__ import annotations

import pytest

from tests.services.intake.conftest import IntakeFactory


@pytest.mark.parametrize(
    ("text", "published_at"),
    [
        ("The mayor said today that taxes rose 5 percent in Springfield.", "9999-12-31T00:00:00Z"),
        ("The mayor said on Saturday that taxes rose 5 percent in Springfield.", "0001-01-01"),
        ("Taxes in Springfield rose 5 percent last month, the mayor said.", "0001-01-15"),
    ],
)
def test_edge_dates_are_accepted(
    intake_factory: IntakeFactory, text: str, published_at: str
) -> None:
    intake = intake_factory()
    answer = intake.api.post("/v1/articles", json={"text": text, "published_at": published_at})
    assert answer.status_code == 202, answer.text
    assert answer.json()["claims"]

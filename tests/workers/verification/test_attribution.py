from __future__ import annotations

import pytest

from workers.verification.attribution import reported_content


@pytest.mark.parametrize(
    ("statement", "content"),
    [
        (
            "Dmitry Peskov told CNN that the two presidents did not discuss the election.",
            "The two presidents did not discuss the election.",
        ),
        ("According to the WHO, masks reduce transmission", "Masks reduce transmission."),
        (
            "Unemployment fell to 3.5% in September, the Labor Department said.",
            "Unemployment fell to 3.5% in September.",
        ),
        (
            'Trump told reporters: "Putin did not meddle in the election."',
            "Putin did not meddle in the election.",
        ),
    ],
)
def test_the_frame_is_cut_off(statement: str, content: str) -> None:
    assert reported_content(statement) == content


@pytest.mark.parametrize(
    "statement",
    [
        "Jane Doe has been mayor of Springfield since 2020.",  # no frame
        "Donald Trump stressed that is not going to challenge Putin.",  # no subject left
        "Every time he sees me, he says: \u201cWe didn\u2019t do it\u201d.",  # leans on the frame
        "Peskov said that it was fine.",  # too short to read on its own
    ],
)
def test_statements_that_do_not_split_are_checked_whole(statement: str) -> None:
    assert reported_content(statement) is None

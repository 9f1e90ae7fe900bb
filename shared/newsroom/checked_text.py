"""An editor's correction of a claim's checked text.

The extractor rewrites each claim of an article so that it reads on its own (the claim's
``text``, the text the verifier checks); ``source_text`` stays the article's own sentence.
An editor can correct the checked text (``PATCH /v1/claims/{claim_id}``): the claim's
``text`` becomes the editor's, the record keeps who corrected it, when, and the text the
extractor wrote (:class:`CheckedTextEdit`), the claim's ``revision`` goes up and its job is
queued again, so the worker checks the new text and publishes a ``verdict.updated`` entry
with that revision (or the claim's first verdict, if it had none yet).

One Lua script (``shared/newsroom/lua/edit_checked_text.lua``, run by
:mod:`shared.newsroom.checked_text_edits`) does it atomically. A correction to
the text the claim already has changes nothing (no new revision): a request sent twice
re-checks once. The claim's hash gains four fields: ``edited_by``, ``edited_at`` (ISO
8601), ``edit_revision`` and ``extracted_text``.

Re-exported models: :mod:`shared.schemas` uses :class:`EditedClaim` for every answer that
carries a claim, and for the verdict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.text.invisible import NAME_PATTERN, VISIBLE_PATTERN, checked_name, has_visible

MAX_CHECKED_TEXT_CHARS: Final = 5000
"""The longest checked text an editor can set (an evidence sentence's limit)."""
MAX_EDITOR_CHARS: Final = 200
"""The longest editor's name (a reviewer's limit)."""
_VISIBLE_TEXT: dict[str, Any] = {"minLength": 1, "pattern": VISIBLE_PATTERN}
NAME_SCHEMA: dict[str, Any] = {"minLength": 1, "pattern": NAME_PATTERN}
"""A person's name (an editor's, a reviewer's) in the OpenAPI document: what
:func:`shared.text.invisible.checked_name` enforces."""


def _not_blank(value: str) -> str:
    if not has_visible(value):
        raise ValueError("must contain visible text (not only whitespace or zero-width characters)")
    return value


class CheckedTextSubmission(BaseModel):
    """``PATCH /v1/claims/{claim_id}`` body: an editor's checked text for the claim."""

    model_config = ConfigDict(extra="forbid", strict=True)

    checked_text: str = Field(
        max_length=MAX_CHECKED_TEXT_CHARS,
        json_schema_extra=_VISIBLE_TEXT,
        description="The text the verifier is to check instead of the one it checked.",
    )
    editor: str = Field(
        max_length=MAX_EDITOR_CHARS,
        json_schema_extra=NAME_SCHEMA,
        description="Who corrected it (kept with the claim).",
    )

    _checked_text_not_blank = field_validator("checked_text")(_not_blank)
    _editor_is_a_name = field_validator("editor")(checked_name)


class CheckedTextEdit(BaseModel):
    """The last correction of a claim's checked text: the claim's ``text`` is the editor's."""

    editor: str
    edited_at: datetime
    revision: int = Field(
        ge=1,
        description="The claim's revision this correction queued: the verdict that checked "
        "the editor's text carries it.",
    )
    extracted_text: str = Field(
        description="The checked text before any editor's correction: the extractor's "
        "stand-alone rewrite (a lone claim: its text as submitted)."
    )


class EditedClaim(BaseModel):
    """The field of a claim (record, answer, verdict) that says an editor wrote its text."""

    checked_text_edit: CheckedTextEdit | None = Field(
        default=None,
        description="Set when an editor corrected the checked text (PATCH /v1/claims/{id}): "
        "who, when, and the text the extractor had written; the claim's text is the editor's.",
    )


def edit_mapping(edit: CheckedTextEdit | None) -> dict[str, str]:
    """The hash fields of a claim's correction (none without one)."""
    if edit is None:
        return {}
    return {
        "edited_by": edit.editor,
        "edited_at": edit.edited_at.isoformat(),
        "edit_revision": str(edit.revision),
        "extracted_text": edit.extracted_text,
    }


def edit_from_hash(data: dict[str, str]) -> CheckedTextEdit | None:
    """:func:`edit_mapping` read back; None for a claim no editor corrected."""
    if "edited_by" not in data:
        return None
    return CheckedTextEdit(
        editor=data["edited_by"],
        edited_at=datetime.fromisoformat(data["edited_at"]),
        revision=int(data["edit_revision"]),
        extracted_text=data["extracted_text"],
    )


def claim_reviewed_text(text: str, source_text: str | None, edit: CheckedTextEdit | None) -> str:
    """The words a published ruling is about: the editor's checked text where an editor set
    one, else the article's own sentence (a lone claim: its text)."""
    return text if edit is not None else source_text or text

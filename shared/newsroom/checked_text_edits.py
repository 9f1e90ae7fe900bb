"""Editors' checked texts in the store: one atomic script (``edit_checked_text.lua``) keeps
the extractor's text once, sets the editor's, records who and when, raises the claim's
revision and sets it back to queued (the models are in :mod:`shared.newsroom.checked_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

import redis

from shared.errors import ClaimNotFoundError
from shared.newsroom.checked_text import CheckedTextSubmission
from shared.store.client import store_errors
from shared.store.keys import Keys
from shared.store.lua import ARG, KEY, Script, ScriptCall


@dataclass(frozen=True, kw_only=True)
class EditCall(ScriptCall):
    """``edit_checked_text.lua``: an editor's text becomes the claim's."""

    SCRIPT: ClassVar[tuple[str, str]] = ("shared.newsroom.lua", "edit_checked_text.lua")
    claim: Annotated[str, KEY]
    checked_text: Annotated[str, ARG]
    editor: Annotated[str, ARG]
    edited_at: Annotated[str, ARG]
    """ISO 8601."""


@dataclass(frozen=True)
class EditOutcome:
    """What setting a checked text did."""

    changed: bool
    """False when the claim already had this text: nothing was written."""
    revision: int
    """The claim's revision now."""


class CheckedTextEditor:
    """Sets editors' checked texts (see :mod:`shared.newsroom.checked_text_edits`)."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._keys = Keys(key_prefix)
        self._script = Script(client, EditCall)

    def edit(
        self, claim_id: str, submission: CheckedTextSubmission, *, now: datetime | None = None
    ) -> EditOutcome:
        """Make ``submission.checked_text`` the claim's text and raise its revision, unless it
        already is its text. Raises :class:`~shared.errors.ClaimNotFoundError` for an
        unknown claim; the caller queues the claim's job when the outcome is ``changed``."""
        call = EditCall(
            claim=self._keys.claim(claim_id),
            checked_text=submission.checked_text,
            editor=submission.editor,
            edited_at=(now or datetime.now(UTC)).isoformat(),
        )
        with store_errors("store the checked text"):
            reply: list[Any] = self._script(call)
        code = int(reply[0])
        if code < 0:
            raise ClaimNotFoundError(f"claim {claim_id} is not in the store")
        return EditOutcome(changed=code == 1, revision=int(reply[1]))

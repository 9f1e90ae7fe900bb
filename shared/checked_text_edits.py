"""Editors' checked texts in the store: one atomic script (``edit_checked_text.lua``) keeps
the extractor's text once, sets the editor's, records who and when, raises the claim's
revision and sets it back to queued (the models are in :mod:`shared.checked_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from shared.checked_text import CheckedTextSubmission
from shared.errors import ClaimNotFoundError, StoreUnavailableError
from shared.keys import Keys
from shared.lua import read_script


@dataclass(frozen=True)
class EditOutcome:
    """What setting a checked text did."""

    changed: bool
    """False when the claim already had this text: nothing was written."""
    revision: int
    """The claim's revision now."""


class CheckedTextEditor:
    """Sets editors' checked texts (see :mod:`shared.checked_text_edits`)."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._keys = Keys(key_prefix)
        self._script = client.register_script(read_script("shared.lua", "edit_checked_text.lua"))

    def edit(
        self, claim_id: str, submission: CheckedTextSubmission, *, now: datetime | None = None
    ) -> EditOutcome:
        """Make ``submission.checked_text`` the claim's text and raise its revision, unless it
        already is its text. Raises :class:`~shared.errors.ClaimNotFoundError` for an
        unknown claim; the caller queues the claim's job when the outcome is ``changed``."""
        edited_at = (now or datetime.now(UTC)).isoformat()
        args = [submission.checked_text, submission.editor, edited_at]
        try:
            reply: list[Any] = self._script(keys=[self._keys.claim(claim_id)], args=args)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not store the checked text: {exc}") from exc
        code = int(reply[0])
        if code < 0:
            raise ClaimNotFoundError(f"claim {claim_id} is not in the store")
        return EditOutcome(changed=code == 1, revision=int(reply[1]))

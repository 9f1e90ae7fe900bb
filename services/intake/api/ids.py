"""Identifiers of articles and claims."""

from __future__ import annotations

import re
import uuid

ARTICLE_PREFIX = "art_"
CLAIM_PREFIX = "clm_"
_ID = re.compile(r"^(art|clm)_[0-9a-f]{32}$")


def new_article_id() -> str:
    return f"{ARTICLE_PREFIX}{uuid.uuid4().hex}"


def new_claim_id() -> str:
    return f"{CLAIM_PREFIX}{uuid.uuid4().hex}"


def is_article_id(value: str) -> bool:
    return value.startswith(ARTICLE_PREFIX) and _ID.match(value) is not None


def is_claim_id(value: str) -> bool:
    return value.startswith(CLAIM_PREFIX) and _ID.match(value) is not None

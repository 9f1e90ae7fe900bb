"""ClaimReview as search engines read it: from an HTML page, as JSON-LD, against Google's
fact-check requirements.

* :func:`from_html_page` pastes the JSON text into a ``<script type="application/ld+json">``
  of a page and reads it back with ``extruct`` (an HTML parser, then its JSON-LD reader).
* :func:`expand` expands a document with ``pyld`` against :data:`SCHEMA_ORG_CONTEXT`, a
  local context of the schema.org terms a ClaimReview uses (no network: any other context
  URL is refused). Expansion drops a property that is no schema.org term, so
  :func:`unknown_terms` tells a misspelt property from a real one.
* :func:`google_problems` is our reading of Google Search Central's "Fact check
  (ClaimReview) structured data": what it requires (``claimReviewed``, ``reviewRating``
  with ``alternateName``, ``url``) and recommends (``author`` with a name,
  ``datePublished``, ``itemReviewed`` as a ``Claim``, a numeric rating on a scale whose
  bounds hold it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

import extruct  # type: ignore[import-untyped]
from pyld import jsonld  # type: ignore[import-untyped]

SCHEMA: Final = "https://schema.org/"
_TYPES: Final = ("ClaimReview", "Claim", "Rating", "Organization", "Person", "CreativeWork")
_PROPERTIES: Final = (
    "claimReviewed", "reviewRating", "itemReviewed", "author", "datePublished",
    "reviewBody", "ratingValue", "bestRating", "worstRating", "alternateName", "name",
    "appearance", "firstAppearance",
)  # fmt: skip
SCHEMA_ORG_CONTEXT: Final[dict[str, Any]] = {
    "@context": {
        "schema": SCHEMA,
        **{name: f"schema:{name}" for name in (*_TYPES, *_PROPERTIES)},
        "url": {"@id": "schema:url", "@type": "@id"},
    }
}
"""The schema.org terms of a ClaimReview, and nothing else (``url`` holds an IRI)."""
_CONTEXT_URLS: Final = frozenset({"https://schema.org", "https://schema.org/"})


def _local_loader(url: str, options: Any = None) -> dict[str, Any]:
    if url not in _CONTEXT_URLS:
        raise AssertionError(f"the JSON-LD asked for a context at {url!r}")
    return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_ORG_CONTEXT}


def from_html_page(json_text: str) -> list[dict[str, Any]]:
    """The JSON-LD documents a parser finds in a page holding ``json_text`` in a script,
    between markup a ``</script>`` in the text would break."""
    page = (
        "<!doctype html><html><head><title>Fact-check</title>"
        f'<script type="application/ld+json">{json_text}</script>'
        "</head><body><p>The article.</p><script>var shown = 1;</script></body></html>"
    )
    found: list[dict[str, Any]] = extruct.extract(page, syntaxes=["json-ld"])["json-ld"]
    return found


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    """``document`` in expanded JSON-LD form (full IRIs), with the local context; a type
    that is no term stays as written (no base IRI to resolve it against)."""
    options = {"documentLoader": _local_loader, "base": None}
    expanded: list[dict[str, Any]] = jsonld.expand(document, options)
    return expanded


def _keys(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_keys(item) for item in node))
    if not isinstance(node, dict):
        return set()
    own = {key for key in node if not key.startswith("@")}
    return own.union(*(_keys(value) for value in node.values()))


def unknown_terms(document: dict[str, Any]) -> set[str]:
    """The properties of ``document`` (at any depth) that expansion dropped or did not make
    schema.org IRIs, and the types that are no schema.org type."""
    expanded = expand(document)
    kept = {key.removeprefix(SCHEMA) for key in _keys(expanded) if key.startswith(SCHEMA)}
    lost = _keys(document) - kept
    types = {t for t in _types(expanded) if not t.startswith(SCHEMA)}
    return lost | types


def _types(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for item in node for t in _types(item)]
    if not isinstance(node, dict):
        return []
    own = [str(t) for t in node.get("@type", [])]
    return own + [t for key, value in node.items() if key != "@type" for t in _types(value)]


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _web_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _date(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rating_problems(rating: Any) -> list[str]:
    if not isinstance(rating, dict) or rating.get("@type") != "Rating":
        return ["reviewRating: required, a Rating"]
    problems = [] if _text(rating.get("alternateName")) else ["reviewRating.alternateName"]
    given: list[Any] = [rating.get(k) for k in ("worstRating", "ratingValue", "bestRating")]
    if all(value is None for value in given):
        return problems  # the numeric rating is optional
    if not all(_number(value) for value in given):
        return [*problems, "reviewRating: a numeric rating needs worst, value and best"]
    worst, value, best = (float(v) for v in given)
    if not worst < best or not worst <= value <= best:
        problems.append(f"reviewRating: {value} is off the scale {worst}..{best}")
    return problems


def _party_problems(where: str, party: Any) -> list[str]:
    if not isinstance(party, dict) or party.get("@type") not in {"Organization", "Person"}:
        return [f"{where}: an Organization or Person"]
    return [] if _text(party.get("name")) else [f"{where}.name"]


def _claim_problems(claim: Any) -> list[str]:
    if not isinstance(claim, dict) or claim.get("@type") != "Claim":
        return ["itemReviewed: recommended, a Claim"]
    problems = []
    if "author" in claim:
        problems += _party_problems("itemReviewed.author", claim["author"])
    if "datePublished" in claim and not _date(claim["datePublished"]):
        problems.append("itemReviewed.datePublished")
    for key in ("appearance", "firstAppearance"):
        where = claim.get(key)
        if where is not None and not _web_url(
            where.get("url") if isinstance(where, dict) else where
        ):
            problems.append(f"itemReviewed.{key}")
    return problems


def google_problems(document: Any) -> list[str]:
    """What Google's fact-check documentation would flag in ``document``: each required or
    recommended property that is missing or malformed, by name; [] for none."""
    if not isinstance(document, dict) or document.get("@type") != "ClaimReview":
        return ["@type: ClaimReview"]
    problems = []
    if document.get("@context") not in {"https://schema.org", "http://schema.org"}:
        problems.append("@context: https://schema.org")
    if not _text(document.get("claimReviewed")):
        problems.append("claimReviewed: required")
    if not _web_url(document.get("url")):
        problems.append("url: required, the fact-check's page")
    problems += _rating_problems(document.get("reviewRating"))
    author = document.get("author")
    problems += _party_problems("author", author)
    if isinstance(author, dict) and not _web_url(author.get("url")):
        problems.append("author.url")
    if not _date(document.get("datePublished")):
        problems.append("datePublished")
    problems += _claim_problems(document.get("itemReviewed"))
    return problems

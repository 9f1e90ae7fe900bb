"""Reading fact-checks from the three shapes they come in, into one :class:`FactCheck`.

1. schema.org **ClaimReview** JSON-LD: a single object, an array of objects, or a document
   with an ``@graph`` (other node types in it are skipped; ``{"@id": ...}`` references to
   the author are resolved within the document).
2. The JSON that **Google Fact Check Tools** ``claims:search`` answers:
   ``{"claims": [{"text", "claimant", "claimDate", "claimReview": [{"publisher": {"name",
   "site"}, "url", "title", "reviewDate", "textualRating", "languageCode"}]}],
   "nextPageToken"}``; each review of a claim becomes one fact-check.
3. Our **JSONL** rows ``{"id", "claim", "rating"?, "url"?, "publisher"?, "date"?,
   "title"?, "label"?, "speaker"?|"claimant"?}`` (the form of ``factchecks/liar.jsonl`` and
   ``claim-matching/*.archive.jsonl``).

A file is read as one JSON document when it starts with ``[`` or when its first line is
not a complete JSON value (pretty-printed JSON); otherwise line by line, each line being
any of the shapes above. Anything malformed raises :class:`shared.errors.InputError`
naming the file, the line (JSONL) or the JSON path, and what is wrong.

Fact-checks without an id of their own (JSON-LD, Google) are identified by their review
URL (else the ``@id`` of the node) plus a hash of the claim, else by a hash of publisher,
claim and date, so importing the same file again updates rather than duplicates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from shared.errors import InputError
from shared.jsonl import MAX_DEPTH, lone_surrogate, open_jsonl, too_deep
from workers.sources.factchecks.ratings import (
    RATING_TABLE,
    Label,
    normalise_rating,
    to_float,
)

_LABELS: frozenset[str] = frozenset(RATING_TABLE)
_UNDECODABLE = re.compile("[\udc80-\udcff]")
"""Bytes that were not UTF-8, as :func:`shared.jsonl.open_jsonl` escapes them."""


@dataclass(frozen=True)
class FactCheck:
    """One published fact-check of one claim."""

    id: str
    claim: str
    rating: str | None = None
    """The publisher's rating, verbatim ("Pants on Fire", "4", ...)."""
    label: Label | None = None
    """The rating normalised to a verdict label; None when it does not map to one."""
    url: str | None = None
    publisher: str | None = None
    published: str | None = None
    """Date of the review, ISO 8601 (``YYYY-MM-DD``)."""
    title: str | None = None
    claimant: str | None = None
    language: str | None = None


# --- files ---------------------------------------------------------------------------------


def read_factchecks(path: Path, *, publisher: str | None = None) -> Iterator[FactCheck]:
    """Every fact-check in ``path``, in file order. ``publisher`` fills in missing ones."""
    handle = open_jsonl(path)
    with handle:
        first = _first_content_line(handle)
        if first is None:
            return
        handle.seek(0)
        if first.lstrip().startswith("[") or not _is_json(first):
            document = _load(handle.read(), path)
            for fc in parse_document(document, where=str(path)):
                yield _with_publisher(fc, publisher)
            return
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            document = _load(line, path, lineno)
            for fc in parse_document(document, where=f"{path}:{lineno}"):
                yield _with_publisher(fc, publisher)


def _load(text: str, path: Path, lineno: int | None = None) -> Any:
    """One JSON document (the whole file, or line ``lineno`` of it), refused naming its
    line when it is not UTF-8, not JSON, nested too deeply or holds a lone surrogate."""

    def here(offset_line: int = 1) -> str:
        return f"{path}:{lineno if lineno is not None else offset_line}"

    bad_bytes = _UNDECODABLE.search(text)
    if bad_bytes:
        raise InputError(f"{here(text.count(chr(10), 0, bad_bytes.start()) + 1)}: not UTF-8 text")
    if too_deep(text):
        raise InputError(f"{here()}: nested deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{here(exc.lineno)}: not valid JSON ({exc.msg})") from None
    bad = lone_surrogate(document)
    if bad:
        raise InputError(f"{here()}: '{bad}' holds a lone surrogate (not valid Unicode)")
    return document


def _first_content_line(handle: Any) -> str | None:
    for line in handle:
        if line.strip():
            return str(line)
    return None


def _is_json(line: str) -> bool:
    if too_deep(line):
        return True  # refused, naming its line, by the line-by-line reader
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _with_publisher(fc: FactCheck, publisher: str | None) -> FactCheck:
    if publisher and not fc.publisher:
        return FactCheck(**{**fc.__dict__, "publisher": publisher})
    return fc


# --- documents -----------------------------------------------------------------------------


def parse_document(document: Any, *, where: str) -> Iterator[FactCheck]:
    """The fact-checks in one parsed JSON value of any supported shape."""
    if isinstance(document, list):
        for i, item in enumerate(document):
            here = f"{where}: [{i}]"
            if not isinstance(item, dict):
                raise InputError(f"{here}: expected a JSON object, got {_kind(item)}")
            if _is_other_node(item):
                continue  # a JSON-LD node of another type (WebPage, Organization, ...)
            yield from parse_document(item, where=here)
        return
    if not isinstance(document, dict):
        raise InputError(f"{where}: expected a JSON object or array, got {_kind(document)}")
    if "claims" in document:
        yield from parse_google(document, where=where)
    elif "@graph" in document:
        yield from parse_graph(document, where=where)
    elif is_claim_review(document):
        yield parse_claim_review(document, where=where, nodes={})
    elif "claim" in document or "id" in document:
        yield parse_row(document, where=where)
    else:
        raise InputError(
            f"{where}: not a ClaimReview, a Google Fact Check Tools response or a "
            "fact-check row {id, claim, ...}"
        )


def parse_row(row: Mapping[str, Any], *, where: str) -> FactCheck:
    """One of our JSONL rows."""
    raw_id = row.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise InputError(f"{where}: 'id' must be a non-empty string or an integer", field="id")
    claim = _text(row, "claim", where, required=True)
    rating = _rating_text(row.get("rating"), f"{where}: 'rating'")
    label = row.get("label")
    if label is not None and label not in _LABELS:
        raise InputError(
            f"{where}: 'label' must be one of {', '.join(sorted(_LABELS))}", field="label"
        )
    return FactCheck(
        id=raw_id.strip(),
        claim=claim,  # type: ignore[arg-type]
        rating=rating,
        label=label or normalise_rating(rating),
        url=_text(row, "url", where),
        publisher=_text(row, "publisher", where),
        published=_date(row.get("date", row.get("published")), f"{where}: 'date'"),
        title=_text(row, "title", where),
        claimant=_text(row, "claimant", where) or _text(row, "speaker", where),
        language=_text(row, "language", where),
    )


def parse_google(page: Mapping[str, Any], *, where: str) -> Iterator[FactCheck]:
    """A ``claims:search`` answer: one fact-check per review of each claim."""
    claims = page.get("claims")
    if not isinstance(claims, list):
        raise InputError(f"{where}: 'claims' must be an array")
    for i, claim in enumerate(claims):
        here = f"{where}: claims[{i}]"
        if not isinstance(claim, dict):
            raise InputError(f"{here}: expected a JSON object, got {_kind(claim)}")
        text = _text(claim, "text", here, required=True)
        claimant = _text(claim, "claimant", here)
        reviews = claim.get("claimReview", [])
        if not isinstance(reviews, list):
            raise InputError(f"{here}: 'claimReview' must be an array")
        for j, review in enumerate(reviews):
            at = f"{here}.claimReview[{j}]"
            if not isinstance(review, dict):
                raise InputError(f"{at}: expected a JSON object, got {_kind(review)}")
            publisher = review.get("publisher") or {}
            if not isinstance(publisher, dict):
                raise InputError(f"{at}: 'publisher' must be an object {{name, site}}")
            name = _text(publisher, "name", f"{at}.publisher") or _text(
                publisher, "site", f"{at}.publisher"
            )
            rating = _text(review, "textualRating", at)
            url = _text(review, "url", at)
            published = _date(review.get("reviewDate"), f"{at}: 'reviewDate'")
            yield FactCheck(
                id=_make_id(url, None, name, text, published),  # type: ignore[arg-type]
                claim=text,  # type: ignore[arg-type]
                rating=rating,
                label=normalise_rating(rating),
                url=url,
                publisher=name,
                published=published,
                title=_text(review, "title", at),
                claimant=claimant,
                language=_text(review, "languageCode", at),
            )


def is_claim_review(node: Mapping[str, Any]) -> bool:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and t.rsplit("/", 1)[-1] == "ClaimReview" for t in names) or (
        types is None and "claimReviewed" in node
    )


def _is_other_node(node: Mapping[str, Any]) -> bool:
    return "@type" in node and not is_claim_review(node) and "@graph" not in node


def parse_graph(document: Mapping[str, Any], *, where: str) -> Iterator[FactCheck]:
    """The ClaimReview nodes of an ``@graph`` (references between nodes resolved)."""
    graph = document.get("@graph")
    if not isinstance(graph, list):
        raise InputError(f"{where}: '@graph' must be an array")
    nodes = {
        str(n["@id"]): n for n in graph if isinstance(n, dict) and isinstance(n.get("@id"), str)
    }
    for i, node in enumerate(graph):
        here = f"{where}: @graph[{i}]"
        if not isinstance(node, dict):
            raise InputError(f"{here}: expected a JSON object, got {_kind(node)}")
        if is_claim_review(node):
            yield parse_claim_review(node, where=here, nodes=nodes)


def parse_claim_review(
    node: Mapping[str, Any], *, where: str, nodes: Mapping[str, Mapping[str, Any]]
) -> FactCheck:
    """One schema.org ClaimReview."""
    item = _resolve(node.get("itemReviewed"), nodes)
    claim = _text(node, "claimReviewed", where)
    if claim is None and isinstance(item, dict):
        claim = _text(item, "name", f"{where}.itemReviewed") or _text(
            item, "text", f"{where}.itemReviewed"
        )
    if claim is None:
        raise InputError(f"{where}: a ClaimReview needs 'claimReviewed' (the claim text)")
    rating_node = _resolve(node.get("reviewRating"), nodes)
    if isinstance(rating_node, list):
        rating_node = rating_node[0] if rating_node else None
    rating: str | None = None
    value = worst = best = None
    if rating_node is not None:
        if not isinstance(rating_node, dict):
            raise InputError(f"{where}: 'reviewRating' must be a Rating object")
        rating = _rating_text(rating_node.get("alternateName"), f"{where}.reviewRating")
        if rating is None:
            rating = _text(rating_node, "name", f"{where}.reviewRating")
        value = to_float(rating_node.get("ratingValue"))
        worst = to_float(rating_node.get("worstRating"))
        best = to_float(rating_node.get("bestRating"))
        if rating is None and value is not None:
            rating = _number_text(rating_node)
        if rating is None and _given(rating_node.get("ratingValue")):
            raise InputError(
                f"{where}.reviewRating: 'ratingValue' {rating_node.get('ratingValue')!r} is not "
                "a number and the rating has no name: the record has no usable rating"
            )
    published = _date(node.get("datePublished"), f"{where}: 'datePublished'")
    url = _text(node, "url", where)
    publisher = _name_of(_resolve(node.get("author"), nodes), f"{where}.author") or _name_of(
        _resolve(node.get("publisher"), nodes), f"{where}.publisher"
    )
    claimant = None
    if isinstance(item, dict):
        claimant = _name_of(_resolve(item.get("author"), nodes), f"{where}.itemReviewed.author")
    node_id = node.get("@id") if isinstance(node.get("@id"), str) else None
    language = node.get("inLanguage")
    return FactCheck(
        id=_make_id(url, node_id, publisher, claim, published),
        claim=claim,
        rating=rating,
        label=normalise_rating(rating, value, worst, best),
        url=url,
        publisher=publisher,
        published=published,
        title=_text(node, "name", where) or _text(node, "headline", where),
        claimant=claimant,
        language=language if isinstance(language, str) and language.strip() else None,
    )


# --- field helpers ---------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"{where}: '{key}' must be a non-empty string", field=key)
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: '{key}' must be a string, got {_kind(value)}", field=key)
    return " ".join(value.split())


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _rating_text(value: Any, where: str) -> str | None:
    """A rating given as text or as a bare number ("rating": 3)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"{where}: a rating must be a string, got {_kind(value)}", field="rating")


def _number_text(rating: Mapping[str, Any]) -> str:
    value, best = rating.get("ratingValue"), rating.get("bestRating")
    return f"{value}/{best}" if best is not None else str(value)


def _date(value: Any, where: str) -> str | None:
    """An ISO 8601 date or date-time as ``YYYY-MM-DD``; None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where} must be an ISO 8601 date string, got {_kind(value)}")
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise InputError(f"{where} is not an ISO 8601 date: {text!r}") from None


def _resolve(value: Any, nodes: Mapping[str, Mapping[str, Any]]) -> Any:
    """Follow a ``{"@id": ...}`` reference to the node it names, if the document has it."""
    if isinstance(value, dict) and set(value) == {"@id"} and isinstance(value["@id"], str):
        return nodes.get(value["@id"], value)
    return value


def _name_of(value: Any, where: str) -> str | None:
    """The name of a Person/Organization (or the first of a list), or a plain string."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, dict):
        return _text(value, "name", where) or _text(value, "url", where)
    raise InputError(f"{where}: expected an object with a 'name', got {_kind(value)}")


def _make_id(
    url: str | None,
    node_id: str | None,
    publisher: str | None,
    claim: str,
    published: str | None,
) -> str:
    """The review's URL (or node id) plus a hash of the claim: one article may review
    several claims, each its own fact-check; without either, a hash of everything."""
    claim_key = " ".join(claim.casefold().split())
    base = url or node_id
    if base:
        return f"{base}#claim-{_digest(claim_key)[:10]}"
    return "factcheck:" + _digest("\x1f".join([publisher or "", claim_key, published or ""]))[:20]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()

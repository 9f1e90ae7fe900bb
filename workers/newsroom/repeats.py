"""Claims checked once: a repeat of a claim the newsroom already had decided is not
checked again.

Before a claim is verified, :meth:`Repeats.decide` looks, within the claim's newsroom only:

1. for an editor's ruling that matches it (:mod:`workers.newsroom.ruling_matches`): the ruling
decides;
2. in the reuse index (:mod:`shared.newsroom.reuse`) for a claim of the same normalised text
   checked within ``CLAIMCHECK_REUSE_TTL_S`` against the same sources: its verdict is
   repeated for the new claim, with ``reused_from`` naming it (if that claim has since been
   reviewed, its review decides instead).

"The same sources" is :class:`SourceVersions`' fingerprint: the verifier's version, its
sources by name, and the import version of the local ones (the knowledge base's
``kb_meta`` version and the fact-check archive's ``meta`` version), so an import that
changed either defeats reuse. Remote sources (Wikipedia, a fact-check search API) have no
version to compare: for them, ``CLAIMCHECK_REUSE_TTL_S`` alone bounds how old a reused
verdict can be.

After a verdict the worker checked itself is published, :meth:`Repeats.remember` indexes it,
unless it is incomplete (a failed check, a source that failed) or was itself not checked.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis

from shared.newsroom.identity import normalise_claim
from shared.newsroom.reuse import ReuseConfig, ReuseEntry, ReuseIndex
from shared.newsroom.rulings import Ruling, RulingIndex
from shared.schemas import Verdict
from shared.store.claims import ClaimRecord, ClaimStore, StoreConfig
from workers.newsroom.ruling_matches import (
    RULING_VERSION,
    RulingMatch,
    RulingMatcher,
    ruling_verdict,
)
from workers.sources.base import Embedder
from workers.sources.factchecks import SOURCE_NAME as FACTCHECKS
from workers.sources.knowledge_base.index import SOURCE_NAME as KNOWLEDGE_BASE

log = logging.getLogger(__name__)

_VERSION_QUERIES = {
    KNOWLEDGE_BASE: "SELECT value FROM kb_meta WHERE key = 'version'",
    FACTCHECKS: "SELECT value FROM meta WHERE key = 'version'",
}


def file_version(path: Path, query: str) -> int | None:
    """A local source's import version, read without writing; None when unreadable."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            row = conn.execute(query).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("cannot read the version of %s: %s", path, exc)
        return None
    return None if row is None else int(row[0])


@dataclass(frozen=True)
class RepeatsConfig:
    """What a worker's repeats need, built by the worker's root: where the records and the
    indexes live, how long a check may be reused, and the files of the local sources."""

    store: StoreConfig
    """The claim records (and the key prefix of the rulings and reuse indexes)."""
    reuse_ttl_s: int
    """``CLAIMCHECK_REUSE_TTL_S``: how long a check may be reused (0: never)."""
    kb_path: Path
    factcheck_archive_path: Path


@dataclass(frozen=True)
class SourceVersions:
    """What a verdict was checked against, as one comparable string."""

    verifier_version: str
    source_names: tuple[str, ...]
    paths: dict[str, Path]
    """The files of the local sources among ``source_names``."""

    @classmethod
    def of(
        cls, config: RepeatsConfig, verifier_version: str, source_names: tuple[str, ...]
    ) -> SourceVersions:
        paths = {KNOWLEDGE_BASE: config.kb_path, FACTCHECKS: config.factcheck_archive_path}
        local = {name: path for name, path in paths.items() if name in source_names}
        return cls(verifier_version, source_names, local)

    def fingerprint(self) -> str:
        versions = {
            name: file_version(path, _VERSION_QUERIES[name]) for name, path in self.paths.items()
        }
        payload = {
            "verifier": self.verifier_version,
            "sources": list(self.source_names),
            "versions": versions,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Decision:
    """What :meth:`Repeats.decide` found for a claim."""

    sources: str
    """The sources' fingerprint when the claim was looked up (to index its check)."""
    verdict: Verdict | None = None
    """The claim's verdict without a check; None: check it."""


class Repeats:
    """Decides repeats and indexes checked verdicts (see the module docstring)."""

    def __init__(
        self,
        rulings: RulingMatcher,
        reuse: ReuseIndex,
        store: ClaimStore,
        sources: SourceVersions,
    ) -> None:
        self.rulings = rulings
        self.reuse = reuse
        self.store = store
        self.sources = sources

    @classmethod
    def build(
        cls,
        config: RepeatsConfig,
        client: redis.Redis,
        *,
        verifier_version: str,
        source_names: tuple[str, ...],
        embedder: Embedder | None = None,
    ) -> Repeats:
        """The repeats of a worker whose verifier has this version and these sources."""
        prefix = config.store.key_prefix
        return cls(
            RulingMatcher(RulingIndex(client, prefix), embedder),
            ReuseIndex(client, ReuseConfig(key_prefix=prefix, ttl_s=config.reuse_ttl_s)),
            ClaimStore(client, config.store),
            SourceVersions.of(config, verifier_version, source_names),
        )

    def decide(self, claim: ClaimRecord) -> Decision:
        sources = self.sources.fingerprint()
        match = self.rulings.find(claim.newsroom, claim.text)
        if match is not None:
            return Decision(sources, ruling_verdict(claim, match))
        earlier = self._earlier_check(claim, sources)
        if earlier is None:
            return Decision(sources)
        if earlier.review is not None:
            return Decision(sources, ruling_verdict(claim, _as_ruling(earlier)))
        return Decision(sources, reused_verdict(claim, earlier))

    def remember(self, claim: ClaimRecord, verdict: Verdict, sources: str) -> None:
        """Index a published verdict the worker checked, for later claims to reuse."""
        incomplete = verdict.failed or bool(verdict.sources_failed)
        not_checked = verdict.reused_from is not None or verdict.verifier_version == RULING_VERSION
        if incomplete or not_checked:
            return
        entry = ReuseEntry(claim_id=claim.claim_id, sources=sources)
        self.reuse.remember(claim.newsroom, claim.text, entry)

    def _earlier_check(self, claim: ClaimRecord, sources: str) -> ClaimRecord | None:
        """The fresh, still stored check of the same text in the newsroom, if any."""
        entry = self.reuse.lookup(claim.newsroom, claim.text)
        if entry is None or entry.claim_id == claim.claim_id or entry.sources != sources:
            return None
        earlier = self.store.get_claim(entry.claim_id)
        same = (
            earlier is not None
            and earlier.verdict is not None
            and earlier.newsroom == claim.newsroom
            and normalise_claim(earlier.text) == normalise_claim(claim.text)
        )
        return earlier if same else None


def reused_verdict(claim: ClaimRecord, earlier: ClaimRecord) -> Verdict:
    """``earlier``'s verdict as ``claim``'s: same label, confidence and evidence."""
    assert earlier.verdict is not None
    verdict = earlier.verdict.model_copy(
        update={
            "claim_id": claim.claim_id,
            "article_id": claim.article_id,
            "claim": claim.text,
            "checked_at": datetime.now(UTC),
            "reused_from": earlier.claim_id,
        }
    )
    return claim.stamp(verdict)


def _as_ruling(earlier: ClaimRecord) -> RulingMatch:
    """An earlier claim's review as the ruling on its text."""
    assert earlier.review is not None
    return RulingMatch(Ruling.from_review(earlier, earlier.review), 1.0, exact=True)

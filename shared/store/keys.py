"""Redis key names, in one place: every key claimcheck reads or writes is built here.

A module that needs a key asks :class:`Keys` for it rather than formatting the prefix
itself, so the whole layout under ``CLAIMCHECK_KEY_PREFIX`` can be read on this one page
(``tests/test_architecture.py`` fails on a key built by hand anywhere else). Each method
says what its key holds and the key's Redis type.

Names given by settings rather than by the prefix (``CLAIMCHECK_VERDICT_STREAM``,
``CLAIMCHECK_QUEUE_NAME``) are not built here, except for stacks that put those under
their prefix too (:meth:`Keys.stack_env`: the demo and the lab's benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass

NO_NEWSROOM = "-"
"""The namespace of claims without a newsroom (authentication off). Newsroom names start
with a letter or digit, so no newsroom is called this."""

KOMBU_BINDINGS = "_kombu.binding*"
"""``SCAN MATCH`` pattern of the routing sets Celery's Redis transport (kombu) keeps per
exchange, outside any prefix of ours."""


def newsroom_namespace(newsroom: str | None) -> str:
    """The name a newsroom's keys and files go under (:data:`NO_NEWSROOM` for none)."""
    return newsroom or NO_NEWSROOM


@dataclass(frozen=True)
class Keys:
    """Builds every Redis key claimcheck uses from one prefix."""

    prefix: str

    # --- claims and articles (shared.store.claims, shared.store.publisher)
    # ----------------------------

    def claim(self, claim_id: str) -> str:
        """Hash: a claim's record (text, details, status, verdict; :mod:`shared.store.claims`)."""
        return f"{self.prefix}:claim:{claim_id}"

    def article(self, article_id: str) -> str:
        """Hash: an article's record (claim count, newsroom, completion)."""
        return f"{self.prefix}:article:{article_id}"

    def article_done(self, article_id: str) -> str:
        """Set: the article's claims that have a verdict (complete when all do)."""
        return f"{self.prefix}:article:{article_id}:done"

    def article_counts(self, article_id: str) -> str:
        """Hash: label -> how many of the article's verdicts have it."""
        return f"{self.prefix}:article:{article_id}:counts"

    def review_queue(self, newsroom: str | None) -> str:
        """Sorted set: a newsroom's verdicts waiting for a review (auth off: ``-``)."""
        return f"{self.prefix}:review_queue:{newsroom_namespace(newsroom)}"

    # --- re-checks of changed documents (shared.newsroom.rechecks) --------------------------------

    def cites(self, doc_id: str) -> str:
        """Set: the claims whose published verdict cites stored document ``doc_id``."""
        return f"{self.prefix}:cites:{doc_id}"

    def recheck(self, claim_id: str, doc_id: str, change: str) -> str:
        """String (``1``, with a TTL): marks that one change of a document (``change``: the
        id the change was given when it was recorded) re-queued a claim, so that it is
        done once."""
        return f"{self.prefix}:recheck:{claim_id}:{doc_id}:{change}"

    def recheck_pending(self) -> str:
        """Sorted set: documents whose change still has citing claims to re-check,
        oldest first (:mod:`shared.newsroom.rechecks`)."""
        return f"{self.prefix}:recheck_pending"

    def recheck_changes(self) -> str:
        """Hash: each pending document's latest change id."""
        return f"{self.prefix}:recheck_changes"

    def recheck_order(self) -> str:
        """String (a counter): orders :meth:`recheck_pending`."""
        return f"{self.prefix}:recheck_order"

    def requeue_lock(self) -> str:
        """String (a token, with a TTL): held by the process that runs this interval's
        re-queue sweep (:mod:`shared.requeue`), so that one intake sweeps at a time."""
        return f"{self.prefix}:requeue:lock"

    # --- rulings and reuse (shared.newsroom.rulings, shared.newsroom.reuse) --------------

    def rulings(self, newsroom: str | None) -> str:
        """Hash: a newsroom's rulings, field :func:`shared.newsroom.identity.claim_key` of the
        ruled text, value a JSON :class:`shared.newsroom.rulings.Ruling`."""
        return f"{self.prefix}:rulings:{newsroom_namespace(newsroom)}"

    def rulings_by_details(self, newsroom: str | None) -> str:
        """Hash: a newsroom's rulings by their details: field
        :func:`shared.newsroom.identity.details_signature`, value a JSON list of the
        :func:`shared.newsroom.identity.claim_key` s ruled with those details. Finding the rulings a
        claim could match reads one field, however many rulings the newsroom has."""
        return f"{self.prefix}:rulings_by_details:{newsroom_namespace(newsroom)}"

    def reuse(self, newsroom: str | None, text_key: str) -> str:
        """String (JSON :class:`shared.newsroom.reuse.ReuseEntry`, with a TTL): the newsroom's last
        check of the claim text whose :func:`shared.newsroom.identity.claim_key` is ``text_key``."""
        return f"{self.prefix}:reuse:{newsroom_namespace(newsroom)}:{text_key}"

    # --- the intake (API keys, idempotency, rate limits) ---------------------------------

    def api_keys(self) -> str:
        """Hash: stored API key id -> JSON ``{"digest", "newsroom", "created_at"}`` (the
        list and revocation; :mod:`shared.store.api_keys`)."""
        return f"{self.prefix}:apikeys"

    def api_key(self, digest: str) -> str:
        """Hash ``key_id``, ``newsroom``, ``created_at``: the lookup of a presented key by
        the hex SHA-256 ``digest`` of it."""
        return f"{self.prefix}:apikey:{digest}"

    def idempotency(self, scope: str, key: str) -> str:
        """String (JSON, with a TTL): the answer kept for one ``Idempotency-Key`` of a
        scope (a newsroom and route), or the marker of a request still running."""
        return f"{self.prefix}:idem:{scope}:{key}"

    def rate_limit(self, kind: str, subject: str, window: int) -> str:
        """String (a counter, with a TTL): how much of limit ``kind`` (``requests``,
        ``claims``, ``chars``, ``auth_failures``) ``subject`` (a newsroom or an address)
        used in one-minute window number ``window``."""
        return f"{self.prefix}:rl:{kind}:{subject}:{window}"

    # --- the workers' reference sources (workers.sources.resilience) ---------------------

    def source_cache(self, source: str, digest: str) -> str:
        """String (JSON list of passages, with a TTL): a source's answer to one search,
        ``digest`` naming the normalised claim and the limit."""
        return f"{self.prefix}:source-cache:{source}:{digest}"

    # --- webhooks (shared.store.webhooks) -------------------------------------------------

    def webhooks(self) -> str:
        """Hash: ``endpoint_id`` -> JSON endpoint (with its signing secret)."""
        return f"{self.prefix}:webhooks"

    def webhook_retries(self) -> str:
        """Sorted set: ``"{entry_id}|{endpoint_id}"`` scored by when the next attempt is
        due."""
        return f"{self.prefix}:webhooks:retry"

    def webhook_attempts(self) -> str:
        """Hash: the same members as :meth:`webhook_retries` -> JSON attempt (the body, how
        many attempts, when the first was)."""
        return f"{self.prefix}:webhooks:attempt"

    def webhook_sent(self, entry_id: str) -> str:
        """Set (with a TTL): the endpoints that took stream entry ``entry_id``."""
        return f"{self.prefix}:webhooks:sent:{entry_id}"

    def webhook_dead_letters(self) -> str:
        """List: JSON dead letters, newest first, capped."""
        return f"{self.prefix}:webhooks:dead"

    # --- stacks in a namespace of their own (the demo, the lab) --------------------------

    def verdict_stream(self) -> str:
        """Stream: the verdicts of a stack that keeps its stream under this prefix (a
        deployment names its own: ``CLAIMCHECK_VERDICT_STREAM``)."""
        return f"{self.prefix}:verdicts"

    def verify_queue(self) -> str:
        """List (Celery's Redis transport): the jobs of a stack that keeps its queue under
        this prefix (a deployment names its own: ``CLAIMCHECK_QUEUE_NAME``)."""
        return f"{self.prefix}.verify"

    def stack_env(self) -> dict[str, str]:
        """The ``CLAIMCHECK_*`` variables that put a whole stack (intake and workers)
        under this prefix: its keys, its verdict stream and its queue."""
        return {
            "CLAIMCHECK_KEY_PREFIX": self.prefix,
            "CLAIMCHECK_VERDICT_STREAM": self.verdict_stream(),
            "CLAIMCHECK_QUEUE_NAME": self.verify_queue(),
        }

    def under_prefix(self) -> str:
        """``SCAN MATCH`` pattern of every key under the prefix (``<prefix>:*``; not the
        queue of :meth:`verify_queue`)."""
        return f"{self.prefix}:*"

    def named_after_prefix(self) -> str:
        """``SCAN MATCH`` pattern of every key whose name starts with the prefix: the keys
        under it, the queue of :meth:`verify_queue` and the transport's lists named after
        that queue."""
        return f"{self.prefix}*"

    def kombu_bindings(self) -> str:
        """``SCAN MATCH`` pattern of kombu's routing sets (:data:`KOMBU_BINDINGS`) whose
        name holds the prefix."""
        return f"{KOMBU_BINDINGS}{self.prefix}*"

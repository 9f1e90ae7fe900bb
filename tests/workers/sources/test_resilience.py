"""ResilientSource: retries with backoff, the circuit breaker, the concurrency limit, the cache.

The breaker on its own is tested in ``tests/workers/resilience/test_breaker.py``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
import redis
from prometheus_client import REGISTRY
from redis.backoff import NoBackoff
from redis.retry import Retry

from cli.processes import free_port
from shared.errors import PermanentSourceError, TransientSourceError
from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.workers.resilience.clock import Clock
from workers.components import source_policy
from workers.resilience.breaker import CircuitOpenError
from workers.sources.base import Passage
from workers.sources.resilience import ResilientSource, SourcePolicy

PASSAGE = Passage(
    "api", "d1", "Title", "https://example.org/d1", "Some text.", 0.5, publisher="P", rating="R"
)


class Scripted:
    """A source that plays a script: an exception to raise or passages to return, per call."""

    name = "api"

    def __init__(self, *script: Exception | list[Passage]) -> None:
        self.script = list(script)
        self.calls = 0
        self.timeouts: list[float] = []
        self.closed = False

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        self.calls += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        return step[:limit]

    def close(self) -> None:
        self.closed = True


class Timed(Scripted):
    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        assert timeout_s is not None
        self.timeouts.append(timeout_s)
        return super().search(claim, limit)


def busy(retry_after: float | None = None) -> TransientSourceError:
    return TransientSourceError("api", "answered 503", retry_after=retry_after)


def wrap(source: Scripted, clock: Clock, **policy: float | int) -> ResilientSource:
    values: dict[str, float | int] = {"timeout_s": 5.0, "backoff_base_s": 0.2}
    values.update(policy)
    return ResilientSource(
        source,
        SourcePolicy(**values),  # type: ignore[arg-type]
        rng=random.Random(7),
        sleep=clock.sleep,
        clock=clock,
    )


# --- retries ---------------------------------------------------------------------------


def test_transient_errors_are_retried_with_growing_jittered_delays() -> None:
    clock = Clock()
    source = Scripted(busy(), busy(), [PASSAGE])
    wrapped = wrap(source, clock, retries=2, backoff_base_s=0.2, backoff_max_s=10)
    assert wrapped.search("claim", 5) == [PASSAGE]
    assert source.calls == 3
    first, second = clock.slept
    assert 0 <= first <= 0.2 and 0 <= second <= 0.4


def test_retries_stop_after_the_configured_number() -> None:
    clock = Clock()
    source = Scripted(busy())
    with pytest.raises(TransientSourceError):
        wrap(source, clock, retries=2).search("claim", 5)
    assert source.calls == 3


def test_permanent_errors_are_not_retried() -> None:
    clock = Clock()
    source = Scripted(PermanentSourceError("api", "answered 400"))
    with pytest.raises(PermanentSourceError):
        wrap(source, clock, retries=3).search("claim", 5)
    assert source.calls == 1 and clock.slept == []


def test_retry_after_is_a_floor_of_the_delay() -> None:
    clock = Clock()
    source = Scripted(busy(retry_after=1.5), [PASSAGE])
    assert wrap(source, clock, backoff_base_s=0.01).search("claim", 5) == [PASSAGE]
    assert clock.slept == [1.5]


def test_retry_after_beyond_the_budget_gives_up_without_waiting() -> None:
    clock = Clock()
    source = Scripted(busy(retry_after=60), [PASSAGE])
    with pytest.raises(TransientSourceError) as caught:
        wrap(source, clock, timeout_s=5).search("claim", 5)
    assert clock.slept == [] and source.calls == 1
    assert caught.value.retry_after == 60


def test_timed_sources_get_the_time_left_in_the_budget() -> None:
    clock = Clock()
    source = Timed(busy(retry_after=1.0), [PASSAGE])
    wrap(source, clock, timeout_s=3).search("claim", 5)
    assert source.timeouts == [3.0, 2.0]


def test_backoff_never_exceeds_its_cap() -> None:
    clock = Clock()
    source = Scripted(busy())
    with pytest.raises(TransientSourceError):
        wrap(source, clock, retries=6, backoff_base_s=1, backoff_max_s=1.5, timeout_s=100).search(
            "claim", 5
        )
    assert len(clock.slept) == 6 and max(clock.slept) <= 1.5


# --- circuit breaker ---------------------------------------------------------------------


def test_circuit_opens_then_half_opens_and_recovers() -> None:
    clock = Clock()
    source = Scripted(busy(), busy(), busy(), [PASSAGE])
    wrapped = wrap(source, clock, retries=0, circuit_failures=3, circuit_reset_s=30)
    for _ in range(3):
        with pytest.raises(TransientSourceError):
            wrapped.search("claim", 5)
    assert wrapped.breaker.state == "open" and source.calls == 3

    refused_before = REGISTRY.get_sample_value(
        "claimcheck_source_errors_total", {"source": wrapped.name, "kind": "circuit_open"}
    )
    with pytest.raises(CircuitOpenError, match="circuit open") as caught:
        wrapped.search("claim", 5)
    assert source.calls == 3  # failed fast, the source was not called
    assert caught.value.retry_after == pytest.approx(30)
    refused = REGISTRY.get_sample_value(
        "claimcheck_source_errors_total", {"source": wrapped.name, "kind": "circuit_open"}
    )
    assert refused == (refused_before or 0.0) + 1  # counted in the metrics too

    clock.now += 30
    assert wrapped.breaker.state == "half_open"
    assert wrapped.search("claim", 5) == [PASSAGE]  # the trial call succeeds
    assert wrapped.breaker.state == "closed" and source.calls == 4
    assert wrapped.search("claim", 5) == [PASSAGE]


def test_failed_trial_opens_the_circuit_again() -> None:
    clock = Clock()
    source = Scripted(busy())
    wrapped = wrap(source, clock, retries=0, circuit_failures=2, circuit_reset_s=10)
    for _ in range(2):
        with pytest.raises(TransientSourceError):
            wrapped.search("claim", 5)
    clock.now += 10
    with pytest.raises(TransientSourceError, match="503"):
        wrapped.search("claim", 5)  # the trial, which fails
    assert wrapped.breaker.state == "open"
    clock.now += 9
    with pytest.raises(CircuitOpenError):
        wrapped.search("claim", 5)
    assert source.calls == 3


def test_a_success_resets_the_failure_count() -> None:
    clock = Clock()
    source = Scripted(busy(), busy(), [PASSAGE], busy(), busy(), [PASSAGE])
    wrapped = wrap(source, clock, retries=0, circuit_failures=3)
    outcomes = []
    for _ in range(6):
        try:
            outcomes.append(len(wrapped.search("claim", 5)))
        except TransientSourceError:
            outcomes.append(-1)
    assert outcomes == [-1, -1, 1, -1, -1, 1]
    assert wrapped.breaker.state == "closed"


def test_permanent_errors_do_not_open_the_circuit() -> None:
    clock = Clock()
    source = Scripted(PermanentSourceError("api", "answered 400"))
    wrapped = wrap(source, clock, circuit_failures=2)
    for _ in range(4):
        with pytest.raises(PermanentSourceError):
            wrapped.search("claim", 5)
    assert wrapped.breaker.state == "closed"


# --- concurrency limit ---------------------------------------------------------------------


class Blocking:
    name = "slow"

    def __init__(self) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def close(self) -> None:
        """Holds nothing."""

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.release()
        self.release.wait(5)
        with self.lock:
            self.running -= 1
        return []


def test_concurrency_limit_holds_searches_and_times_out() -> None:
    source = Blocking()
    wrapped = ResilientSource(source, SourcePolicy(timeout_s=0.3, concurrency=2))
    errors: list[Exception] = []

    def run() -> None:
        try:
            wrapped.search("claim", 5)
        except TransientSourceError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    assert source.entered.acquire(timeout=5) and source.entered.acquire(timeout=5)
    threads_done: Callable[[], bool] = lambda: len(errors) == 1  # noqa: E731
    for _ in range(100):
        if threads_done():
            break
        threading.Event().wait(0.02)
    source.release.set()
    for thread in threads:
        thread.join(5)
    assert source.most == 2
    assert len(errors) == 1 and "searches already running" in str(errors[0])


# --- cache -------------------------------------------------------------------------------


def _cached(settings: Settings, client: redis.Redis, source: Scripted) -> ResilientSource:
    policy = SourcePolicy(timeout_s=2, cache_ttl_s=60, cache_prefix=settings.key_prefix)
    return ResilientSource(source, policy, redis_client=client)


def test_answers_are_cached_in_redis_with_a_ttl(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    source = Scripted([PASSAGE])
    wrapped = _cached(settings, redis_client, source)
    assert wrapped.search("The  Claim ", 5) == [PASSAGE]
    assert wrapped.search("the claim", 5) == [PASSAGE]  # normalised: same entry
    assert source.calls == 1
    (key,) = redis_client.keys(f"{settings.key_prefix}:source-cache:api:*")
    assert 0 < redis_client.ttl(key) <= 60
    assert wrapped.search("another claim", 5) == [PASSAGE]
    assert source.calls == 2


def test_failures_are_not_cached(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    source = Scripted(PermanentSourceError("api", "answered 400"), [PASSAGE])
    wrapped = _cached(settings, redis_client, source)
    with pytest.raises(PermanentSourceError):
        wrapped.search("claim", 5)
    assert wrapped.search("claim", 5) == [PASSAGE]
    assert redis_client.keys(f"{settings.key_prefix}:source-cache:*")


def test_a_broken_cache_entry_is_ignored(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    source = Scripted([PASSAGE])
    wrapped = _cached(settings, redis_client, source)
    wrapped.search("claim", 5)
    (key,) = redis_client.keys(f"{settings.key_prefix}:source-cache:*")
    redis_client.set(key, '[{"nonsense": 1}]')
    assert wrapped.search("claim", 5) == [PASSAGE] and source.calls == 2


def test_redis_down_only_skips_the_cache(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    dead = redis.Redis(
        port=free_port(),
        socket_connect_timeout=0.2,
        socket_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    source = Scripted([PASSAGE])
    try:
        assert _cached(settings, dead, source).search("claim", 5) == [PASSAGE]
    finally:
        dead.close()


def test_policy_from_settings(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(
        wikipedia_timeout_s=2.5, source_timeout_s=7, source_cache_ttl_s=99, circuit_failures=9
    )
    wiki = source_policy(settings, "wikipedia")
    assert wiki.timeout_s == 2.5 and wiki.cache_ttl_s == 99 and wiki.circuit_failures == 9
    assert wiki.cache_prefix == settings.key_prefix
    kb = source_policy(settings, "knowledge_base")
    assert kb.timeout_s == 7 and kb.cache_ttl_s == 0  # local: never cached


def test_per_source_overrides_win(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(
        source_retries=2,
        source_overrides={"wikipedia": {"retries": 0, "cache_ttl_s": 86400, "timeout_s": 1.5}},
    )
    wiki = source_policy(settings, "wikipedia")
    assert (wiki.retries, wiki.cache_ttl_s, wiki.timeout_s) == (0, 86400, 1.5)
    assert isinstance(wiki.retries, int)
    assert source_policy(settings, "google_factcheck").retries == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"wikipedia": {"retry": 1}}, "unknown key"),
        ({"wikipedia": {"timeout_s": 0}}, "must be positive"),
        ({"wikipedia": {"retries": -1}}, "negative"),
    ],
)
def test_bad_overrides_stop_start_up(
    settings_factory: SettingsFactory, overrides: dict[str, dict[str, float]], message: str
) -> None:
    from shared.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=message):
        settings_factory(source_overrides=overrides)


def test_wrapper_closes_the_source_it_wraps() -> None:
    source = Scripted([PASSAGE])
    wrapped = wrap(source, Clock())
    assert wrapped.name == "api" and wrapped.source is source
    wrapped.close()
    assert source.closed

"""Receivers that trickle, hang or answer without end hold their own deliveries only.

Every POST has one deadline (``timeout_s``) for all of it, reads a few KiB of the answer at
most, and a newsroom's failing endpoint never delays another newsroom's deliveries.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.local_http import Reply, Request, ServerFactory, always
from tests.services.delivery.conftest import Clock, Hooks, wait_for
from tests.services.delivery.raw_http import RawFactory, endless_body, silent, trickle_head

pytestmark = pytest.mark.timeout(60)


def test_a_receiver_trickling_its_headers_is_cut_off_at_the_deadline(
    hooks: Hooks, raw_server: RawFactory
) -> None:
    # a header byte every 0.2 s: no single read waits as long as the 1 s timeout
    server = raw_server(trickle_head(pause_s=0.2, for_s=15.0))
    hooks.register(server.url + "/hook")
    hooks.publish()
    deliverer = hooks.deliverer(timeout_s=1.0)
    started = time.monotonic()
    deliverer.run_once()
    took = time.monotonic() - started
    assert took < 5.0, f"the attempt lasted {took:.1f} s with a 1 s deadline"
    (attempt,) = hooks.retries()
    assert "within 1 s" in (attempt.last_error or "")


def test_a_200_whose_body_trickles_is_delivered_within_the_deadline(hooks: Hooks) -> None:
    # 10 pieces, 0.6 s apart: 6 s for the whole body
    server, _ = hooks.receiver(always(Reply(200, body=b"x" * 100, trickle_s=0.6)))
    hooks.publish()
    deliverer = hooks.deliverer(timeout_s=1.0)
    started = time.monotonic()
    deliverer.run_once()
    took = time.monotonic() - started
    assert len(server.requests) == 1 and took < 4.0, f"took {took:.1f} s"
    assert hooks.store.pending_retries() == 0 and hooks.pending() == 0  # delivered


def test_a_huge_answer_is_not_read(hooks: Hooks, raw_server: RawFactory) -> None:
    size = 256 * 2**20
    server = raw_server(endless_body(size))
    hooks.register(server.url + "/hook")
    entry = hooks.publish()
    hooks.deliverer(timeout_s=10.0).run_once()
    assert len(hooks.store.already_sent(entry)) == 1  # the 200 counts
    wait_for(lambda: len(server.open_s) == 1, 10, "the receiver saw the connection close")
    # what the socket buffers took before the deliverer closed; the body is 256 MiB
    assert server.body_bytes < 64 * 2**20, server.body_bytes


def test_an_endpoint_that_never_answers_delays_no_other_newsroom(
    hooks: Hooks, raw_server: RawFactory, http_server: ServerFactory
) -> None:
    hanging = raw_server(silent)
    hooks.register(hanging.url + "/hook", newsroom="weekly")
    arrived: dict[str, float] = {}
    lock = threading.Lock()

    def healthy(request: Request) -> Reply:
        with lock:
            arrived[request.headers["webhook-id"]] = time.time()
        return Reply(200)

    hooks.receiver(healthy, newsroom="daily")
    deliverer = hooks.deliverer(timeout_s=3.0)
    ours = []
    with hooks.running(deliverer):
        for i in range(5):
            hooks.publish("weekly", f"clm_w{i}")
            ours.append(hooks.publish("daily", f"clm_d{i}"))
        wait_for(lambda: len(arrived) == 5, 30, "the healthy newsroom's 5 entries")
    waits = [arrived[f"msg_{e}"] - hooks.published[e] for e in ours]
    # the hanging endpoint costs 3 s an attempt; the other newsroom waits for none of them
    assert max(waits) < 2.0, [round(w, 2) for w in waits]


def test_a_failing_endpoint_cools_until_its_retry_is_due(
    hooks: Hooks, raw_server: RawFactory
) -> None:
    hanging = raw_server(silent)
    hooks.register(hanging.url + "/hook")
    for i in range(4):
        hooks.publish("daily", f"clm_{i}")
    clock = Clock()
    deliverer = hooks.deliverer(clock, timeout_s=1.0)
    started = time.monotonic()
    deliverer.run_once()
    assert time.monotonic() - started < 4.0
    assert hanging.accepted == 1  # one attempt timed out; the 3 others wait for its retry
    retries = hooks.retries()
    assert len(retries) == 4 and hooks.pending() == 0
    assert sorted(r.attempts for r in retries) == [0, 0, 0, 1]
    assert sum("not attempted" in (r.last_error or "") for r in retries) == 3
    clock.now += 20.0  # all due: the first probes the endpoint, fails, the rest wait again
    deliverer.run_once()
    assert hanging.accepted == 2 and len(hooks.retries()) == 4

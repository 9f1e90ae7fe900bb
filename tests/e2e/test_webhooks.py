"""Webhook deliverers killed mid-batch: nothing lost, nothing sent to another newsroom.

Real ``claimcheck webhooks deliver`` processes read the verdict stream; two newsrooms'
receivers are real HTTP servers (one answers 500 now and then). Deliverers are SIGKILLed
and restarted while entries flow. Every entry must reach its own newsroom's receiver, no
entry any other receiver, and a repeat must carry the same ``Webhook-Id`` and body.
"""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Iterator

import pytest

from cli.processes import python_module, wait_until
from shared.store.webhooks import WebhookStore
from shared.webhook_signature import verify
from tests.e2e.conftest import StackFactory
from tests.local_http import Reply, Request, ServerFactory, http_server_factory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

NEWSROOMS = ("daily", "weekly")
ENTRIES = 240


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


def test_killed_deliverers_lose_nothing_and_never_cross_tenants(
    stack_factory: StackFactory, http_server: ServerFactory
) -> None:
    stack = stack_factory(
        webhook_lease_s=1.0, webhook_retry_base_s=0.2, webhook_retry_max_s=1.0,
        webhook_timeout_s=2.0, webhook_batch=10,
        webhook_allow_private=True,  # the receivers are on 127.0.0.1
    )  # fmt: skip
    rng = random.Random(7)
    flaky = threading.Lock()

    def receiver(request: Request) -> Reply:
        with flaky:
            fail = rng.random() < 0.15
        return Reply(500 if fail else 200, delay_s=0.005)

    servers = {n: http_server(receiver) for n in NEWSROOMS}
    store = WebhookStore(stack.redis, stack.settings.key_prefix)
    secrets = {n: store.add(n, servers[n].url + "/hook", None).secret for n in NEWSROOMS}
    time.sleep(0.01)

    names = ["deliverer-a", "deliverer-b"]
    for name in names:
        stack.group.start(
            name, python_module("cli", "webhooks", "deliver", "--consumer", name), stack.env
        )

    expected: dict[str, str] = {}  # Webhook-Id -> newsroom
    kills = 0
    for i in range(ENTRIES):
        newsroom = NEWSROOMS[i % 2]
        data = {"claim_id": f"clm_{i}", "label": "supported", "newsroom": newsroom}
        entry = stack.redis.xadd(
            stack.settings.verdict_stream, {"type": "verdict", "data": json.dumps(data)}
        )
        expected[f"msg_{entry}"] = newsroom
        if i % 40 == 20:  # mid-batch: kill one deliverer, start it again
            victim = names[kills % 2]
            stack.kill(victim, signal.SIGKILL)
            kills += 1
            stack.group.start(
                victim, python_module("cli", "webhooks", "deliver", "--consumer", victim), stack.env
            )
        time.sleep(0.01)

    def delivered() -> dict[str, set[str]]:
        got: dict[str, set[str]] = defaultdict(set)
        for newsroom, server in servers.items():
            for r in list(server.requests):
                got[r.headers["webhook-id"]].add(newsroom)
        return got

    def all_in() -> bool:
        return set(delivered()) >= set(expected)

    wait_until(all_in, timeout=150, what=f"{ENTRIES} entries delivered", group=stack.group)
    assert kills == ENTRIES // 40

    # 0 lost, 0 cross-tenant; every request signed with its own newsroom's secret
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for newsroom, server in servers.items():
        for r in list(server.requests):
            msg = r.headers["webhook-id"]
            assert expected[msg] == newsroom, f"{msg} of {expected[msg]} went to {newsroom}"
            event = verify(secrets[newsroom], r.headers, r.body)
            assert event["data"]["newsroom"] == newsroom
            bodies[msg].add(r.body)
    assert set(bodies) == set(expected)
    # a repeat (a retry after a 500, or after a kill) is the same message: same id, same body
    assert all(len(b) == 1 for b in bodies.values())
    assert store.dead_letters() == []

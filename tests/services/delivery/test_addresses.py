"""At delivery, after DNS: only public addresses, and the POST goes to the checked one.

A refused address is a permanent failure: dead-lettered with the reason, nothing sent.
"""

from __future__ import annotations

import pytest

from tests.local_http import Reply, always
from tests.services.delivery.conftest import Hooks

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1"])
def test_an_internal_target_is_dead_lettered_with_the_reason(hooks: Hooks, host: str) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    endpoint = hooks.register(f"http://{host}:{server.port}/hook")
    entry = hooks.publish()
    hooks.deliverer(allow_private=False).run_once()
    assert server.requests == []  # the endpoint the receiver registered first: refused too
    letters = {d.endpoint_id: d for d in hooks.store.dead_letters()}
    letter = letters[endpoint.endpoint_id]
    assert letter.entry_id == entry and letter.attempts == 1
    assert letter.last_error.startswith("refused address: ")
    assert "loopback address" in letter.last_error
    assert hooks.store.pending_retries() == 0 and hooks.pending() == 0


def test_allow_private_lets_local_targets_through(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    hooks.register(f"http://localhost:{server.port}/hook")
    hooks.publish()
    hooks.deliverer(allow_private=True).run_once()
    assert len(server.requests) == 2 and hooks.store.dead_letters() == []


def test_every_address_the_name_resolves_to_must_be_public(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    seen: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        seen.append(host)
        return ["93.184.216.34", "127.0.0.1"]

    endpoint = hooks.register(f"http://hooks.test:{server.port}/hook")
    hooks.publish()
    hooks.deliverer(allow_private=False, resolve=resolve).run_once()
    assert "hooks.test" in seen
    (letter,) = [d for d in hooks.store.dead_letters() if d.endpoint_id == endpoint.endpoint_id]
    assert "hooks.test resolves to 127.0.0.1, a loopback address" in letter.last_error


def test_the_post_goes_to_the_address_resolved_with_the_urls_host(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    hooks.store.remove(hooks.store.endpoints()[0].endpoint_id)
    hooks.register(f"http://hooks.test:{server.port}/hook")
    hooks.publish()
    hooks.deliverer(allow_private=True, resolve=lambda host, port: ["127.0.0.1"]).run_once()
    (request,) = server.requests
    assert request.headers["host"] == f"hooks.test:{server.port}"

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from services.intake.api import server, shutdown
from services.intake.api.app import create_app
from services.intake.api.context import IntakeContext
from services.intake.api.headers import MAX_HEADER_BYTES, H11HeadLimitProtocol
from services.intake.extraction import ClaimExtractor
from shared.settings_configs import broker_config
from shared.store.client import make_redis
from shared.tasks import CeleryEnqueuer
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import ApiClient, Intake


def test_passed_in_clients_are_used_and_left_open(
    settings_factory: SettingsFactory, extractor: ClaimExtractor
) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    enqueuer = CeleryEnqueuer(broker_config(settings))
    app = create_app(settings, redis_client=client, enqueuer=enqueuer, extractor=extractor)
    try:
        with ApiClient(app) as api:
            context: IntakeContext = app.state.intake
            assert context.redis is client and context.enqueuer is enqueuer
            assert context.extractor is extractor
            assert api.get("/readyz").status_code == 200
        # the caller's clients still work after shutdown
        assert client.ping() is True
        assert enqueuer.ping() is True
    finally:
        enqueuer.close()
        client.close()


def test_clients_made_at_startup_are_closed_at_shutdown(
    settings_factory: SettingsFactory, extractor: ClaimExtractor
) -> None:
    settings = settings_factory()
    app = create_app(settings, extractor=extractor)
    with ApiClient(app) as api:
        context: IntakeContext = app.state.intake
        assert isinstance(context.enqueuer, CeleryEnqueuer)
        assert api.post("/v1/claims", json={"text": "Water boils at 100 C."}).status_code == 202
        connections = list(context.redis.connection_pool._available_connections)
        assert connections and all(c._sock is not None for c in connections)
    assert all(c._sock is None for c in connections)


def test_openapi_documents_bodies_and_errors(intake: Intake) -> None:
    spec = intake.api.get("/openapi.json").json()
    post = spec["paths"]["/v1/articles"]["post"]
    body_schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema["required"] == ["text"]
    assert body_schema["additionalProperties"] is False
    assert "202" in post["responses"] and "422" in post["responses"]
    assert post["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "ArticleStatus" in spec["components"]["schemas"]


def test_run_server_serves_the_app_on_the_configured_address(
    settings_factory: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[uvicorn.Config] = []

    def run(self: uvicorn.Server, sockets: Any = None) -> None:
        calls.append(self.config)

    monkeypatch.setattr(server._Server, "run", run)
    settings = settings_factory(host="127.0.0.2", port=8123, log_level="WARNING")
    server.run_server(settings)
    [config] = calls
    assert config.app.state.settings is settings  # type: ignore[union-attr]
    assert (config.host, config.port, config.log_level) == ("127.0.0.2", 8123, "warning")
    assert config.timeout_graceful_shutdown == shutdown.grace_period_s(settings.request_timeout_s)
    assert config.timeout_graceful_shutdown >= server.GRACEFUL_SHUTDOWN_S
    assert config.timeout_graceful_shutdown > settings.request_timeout_s
    assert config.http is H11HeadLimitProtocol  # h11, answering an overlong head with JSON 431
    assert config.h11_max_incomplete_event_size == MAX_HEADER_BYTES

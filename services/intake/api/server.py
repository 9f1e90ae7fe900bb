"""Running the intake under uvicorn (``claimcheck serve``)."""

from __future__ import annotations

from types import FrameType

import uvicorn
from fastapi import FastAPI

from services.intake.api.app import create_app
from services.intake.api.components import shutdown_grace_s
from services.intake.api.headers import MAX_HEADER_BYTES, H11HeadLimitProtocol
from services.intake.api.shutdown import GRACEFUL_SHUTDOWN_S
from shared.logging import configure_logging
from shared.settings import Settings

__all__ = ["GRACEFUL_SHUTDOWN_S", "run_server", "server_config"]


def server_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    """How ``claimcheck serve`` runs ``app``."""
    return uvicorn.Config(
        app,
        log_config=None,  # uvicorn's loggers propagate to claimcheck's root handler
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
        # h11, because it stops reading an overlong request head (httptools reads heads of
        # any size), answering JSON 431 where uvicorn would say 400; the app measures the
        # heads that got through (HeaderLimitMiddleware)
        http=H11HeadLimitProtocol,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        # past the request deadline: running requests end with their own answer; event
        # streams end within a second; whatever still runs then is cancelled
        timeout_graceful_shutdown=shutdown_grace_s(settings),
    )


def run_server(settings: Settings) -> None:
    """Serve the intake on ``settings.host``:``settings.port`` until interrupted."""
    configure_logging(settings)
    _Server(server_config(create_app(settings), settings)).run()


class _Server(uvicorn.Server):
    """uvicorn, starting the app's drain (new requests refused with a JSON 503) and telling
    open ``/v1/stream`` responses to end when asked to stop: they never end by themselves,
    and a graceful shutdown waits for every running request."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        state = getattr(self.config.app, "state", None)
        drain = getattr(state, "drain", None)
        if drain is not None:
            drain.begin()
        streams = getattr(state, "streams", None)
        if streams is not None:
            streams.closing = True
        super().handle_exit(sig, frame)

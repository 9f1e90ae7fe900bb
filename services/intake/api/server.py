"""Running the intake under uvicorn (``claimcheck serve``)."""

from __future__ import annotations

from types import FrameType

import uvicorn

from services.intake.api.app import create_app
from shared.logging import configure_logging
from shared.settings import Settings

GRACEFUL_SHUTDOWN_S = 5
"""On SIGTERM, requests still running after this long (event streams) are cancelled."""


def run_server(settings: Settings) -> None:
    """Serve the intake on ``settings.host``:``settings.port`` until interrupted."""
    configure_logging(settings)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        log_config=None,  # uvicorn's loggers propagate to claimcheck's root handler
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
        # requests still running then are cancelled (event streams end within a second)
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    _Server(config).run()


class _Server(uvicorn.Server):
    """uvicorn, telling open ``/v1/stream`` responses to end when asked to stop: they never
    end by themselves, and a graceful shutdown waits for every running request."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        streams = getattr(getattr(self.config.app, "state", None), "streams", None)
        if streams is not None:
            streams.closing = True
        super().handle_exit(sig, frame)

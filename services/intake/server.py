"""Running the intake under uvicorn (``claimcheck serve``)."""

from __future__ import annotations

import logging

import uvicorn

from services.intake.app import create_app
from shared.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def run_server(settings: Settings) -> None:
    """Serve the intake on ``settings.host``:``settings.port`` until interrupted."""
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
    )

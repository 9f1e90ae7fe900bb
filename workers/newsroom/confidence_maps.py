"""A newsroom's own confidence maps, fitted on its editors' rulings, applied to its verdicts.

``claimcheck-lab calibrate --from-reviews --newsroom N --output DIR/N.json`` fits per-label
maps from how often the newsroom's editors kept a verdict said with a given confidence.
With ``CLAIMCHECK_REVIEW_CALIBRATION_DIR=DIR`` the worker applies ``DIR/<newsroom>.json``
(``-.json`` for claims without a newsroom) to every verdict the verifier reaches for that
newsroom: the confidence becomes the share of such verdicts the editors kept, and a verdict
whose mapped confidence is below :data:`PUBLISH_PRECISION` goes to review. The maps can
only make publishing more careful: a verdict the decision sent to review stays there (the
policy's :func:`~workers.verification.publish_policy.newsroom_mapped` decides it; this
module finds and reads the maps). Verdicts decided by a ruling or reused are the editors'
own and are left alone.

A map file is read once per process and read again when it changes on disk.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from shared.schemas import Verdict
from shared.store.keys import newsroom_namespace
from workers.verification.calibration import VerdictCalibration
from workers.verification.publish_policy import newsroom_mapped

log = logging.getLogger(__name__)

PUBLISH_PRECISION = 0.90
"""A verdict goes out without review only if editors kept at least this share of such."""


class NewsroomCalibration:
    """The maps in one folder, one file per newsroom."""

    def __init__(self, directory: Path, *, precision: float = PUBLISH_PRECISION) -> None:
        self.directory = directory
        self.precision = precision
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, VerdictCalibration | None]] = {}

    def map_for(self, newsroom: str | None) -> VerdictCalibration | None:
        path = self.directory / f"{newsroom_namespace(newsroom)}.json"
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        name = path.name
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            try:
                loaded: VerdictCalibration | None = VerdictCalibration.load(path)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring the confidence map %s: %s", path, exc)
                loaded = None
            self._cache[name] = (mtime, loaded)
            return loaded

    def apply(self, verdict: Verdict, newsroom: str | None) -> Verdict:
        """``verdict`` with the newsroom's map applied (unchanged without one)."""
        return newsroom_mapped(verdict, self.map_for(newsroom), self.precision)

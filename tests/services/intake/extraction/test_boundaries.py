"""The extraction wing stands on its own: no HTTP framework, no Redis, no workers."""

from __future__ import annotations

import subprocess
import sys

WING = (
    "services.intake.extraction",
    "services.intake.extraction.extractor",
    "services.intake.extraction.checkworthiness",
    "services.intake.extraction.resolver",
)


def test_the_wing_imports_no_fastapi_starlette_redis_or_workers() -> None:
    code = (
        f"import sys\nfor name in {WING!r}:\n    __import__(name)\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules}"
        " & {'fastapi', 'starlette', 'redis', 'celery', 'workers'})\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

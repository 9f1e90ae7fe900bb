"""The measurement bench (``claimcheck-lab``): evaluation, calibration, benchmarks, soak.

Outside the operator's code path: nothing under ``cli/``, ``services/`` or ``workers/``
imports it. It drives the service through its public seams and reuses the operator CLI's
helpers (:mod:`cli.processes`, :mod:`cli.demo`, :mod:`cli.commands`).
"""

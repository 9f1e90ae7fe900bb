"""The intake's service side: the HTTP API and the hand-off of claims to the workers.

:func:`services.intake.api.app.create_app` builds the FastAPI app (routes, auth, rate
limits, idempotency, body and time limits, metrics); :mod:`~services.intake.api.server`
runs it under uvicorn. :mod:`~services.intake.api.submissions` accepts an article or a
claim (extract, store, queue: :mod:`shared.tasks` sends the jobs by task name), and
:mod:`~services.intake.api.sweeper` runs the re-queue sweep (:mod:`shared.requeue`) for
claims whose job never arrived. The language rules live in the extraction wing; nothing
here imports ``workers``.
"""

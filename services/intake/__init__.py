"""The intake HTTP service: accepts articles and claims, extracts claims, queues checks.

Build the app with :func:`services.intake.api.app.create_app`; run it with
:func:`services.intake.api.server.run_server`. Nothing here imports ``workers``.
"""

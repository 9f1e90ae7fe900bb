"""The intake's Lua scripts, read by :func:`shared.store.lua.read_script`.

``rate_limit_take.lua`` belongs to :mod:`services.intake.api.ratelimit`;
``idempotency_complete.lua`` and ``idempotency_release.lua`` to
:mod:`services.intake.api.idempotency`.
"""

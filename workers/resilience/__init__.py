"""The one resilience policy of the workers: backoff, retries within a time budget, breakers.

* :mod:`~shared.backoff`: exponential backoff with full jitter, with a
  ``Retry-After`` hint as a floor;
* :mod:`~workers.resilience.retrier`: a call retried on chosen errors, within an optional
  time budget for the whole call (the reference sources, the LLM judge);
* :mod:`~workers.resilience.breaker`: a per-process circuit breaker (the sources, the judge);
* :mod:`~workers.resilience.task_retry`: when a failed task is retried by Celery.

Which errors are worth retrying follows :mod:`shared.errors`: only a
:class:`~shared.errors.TransientError` may pass if tried again.
"""

"""Verification: plain functions, no Celery. The worker task and ``verify-batch`` both call them."""

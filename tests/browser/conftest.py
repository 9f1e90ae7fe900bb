"""The browser tests reuse the end-to-end stack (real intake and worker processes)."""

from __future__ import annotations

from tests.e2e.conftest import stack_factory

__all__ = ["stack_factory"]

"""Store queries for the worker lease: one worker per store."""

from __future__ import annotations

from domainwatch_tui.core.store.base import StoreBase


class LeaseQueries(StoreBase):
    """SQL for the worker lease: one worker per store."""

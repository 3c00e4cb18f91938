"""Store queries for check history: recording a check, what was known before, what is due."""

from __future__ import annotations

from domainwatch_tui.core.store.base import StoreBase


class CheckQueries(StoreBase):
    """SQL for check history: recording a check, what was known before, what is due."""

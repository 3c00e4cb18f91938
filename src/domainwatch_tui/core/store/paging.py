"""Store queries for what the dashboard reads: keyset pages, counts, search."""

from __future__ import annotations

from domainwatch_tui.core.store.base import StoreBase


class PagingQueries(StoreBase):
    """SQL for what the dashboard reads: keyset pages, counts, search."""

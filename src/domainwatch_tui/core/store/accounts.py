"""Store queries for accounts and addresses: import upserts, per-domain counts, summary and show."""

from __future__ import annotations

from domainwatch_tui.core.store.base import StoreBase


class AccountQueries(StoreBase):
    """SQL for accounts and addresses: import upserts, per-domain counts, summary and show."""

"""Store queries for the review queue: proposals, decisions (append-only), overrides, risk."""

from __future__ import annotations

from domainwatch_tui.core.store.base import StoreBase


class ReviewQueries(StoreBase):
    """SQL for the review queue: proposals, decisions (append-only), overrides, risk."""

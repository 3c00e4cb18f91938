"""The store: the one owner of SQL. `Store` gathers the query groups of each area."""

from __future__ import annotations

from domainwatch_tui.core.store.accounts import AccountQueries
from domainwatch_tui.core.store.base import StoreBase, StoreError
from domainwatch_tui.core.store.checks import CheckQueries
from domainwatch_tui.core.store.lease import LeaseQueries
from domainwatch_tui.core.store.outbox import OutboxQueries
from domainwatch_tui.core.store.paging import PagingQueries
from domainwatch_tui.core.store.review import ReviewQueries
from domainwatch_tui.core.store.schema import SCHEMA_VERSION


class Store(AccountQueries, CheckQueries, ReviewQueries, LeaseQueries, PagingQueries, OutboxQueries):
    """A domainwatch store (SQLite, WAL). Open one per thread or process."""


__all__ = ["SCHEMA_VERSION", "Store", "StoreBase", "StoreError"]

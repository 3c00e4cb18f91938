"""The store opens with WAL and 0600, migrates, and keeps the audit trail append-only."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from domainwatch_tui.core.store import SCHEMA_VERSION, Store
from domainwatch_tui.core.store.base import StoreBase


def test_new_store_is_private_wal_and_current(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version() == SCHEMA_VERSION
    assert store.integrity_check() == "ok"


def test_older_store_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = StoreBase(path, migrate=False)
    old.migrate(target=1)
    old.execute("INSERT INTO accounts(account_id, username) VALUES ('a1', 'alice')")
    old.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.execute("SELECT username FROM accounts").fetchone()[0] == "alice"
    assert store.execute("SELECT count(*) FROM worker_lease").fetchone()[0] == 0


@pytest.mark.parametrize("statement", [
    "UPDATE decisions SET reason = 'rewritten'",
    "DELETE FROM decisions",
])
def test_decisions_are_append_only(tmp_path, statement):
    store = Store(tmp_path / "s.db")
    store.execute(
        "INSERT INTO decisions(at, operator, action, domain, phase, reason) "
        "VALUES ('2026-01-01T00:00:00Z', 'op', 'confirm', 'x.com', 'redemption', 'why')"
    )
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.execute(statement)
    assert store.execute("SELECT reason FROM decisions").fetchone()[0] == "why"


def test_store_from_the_future_is_refused(tmp_path):
    path = tmp_path / "s.db"
    Store(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    from domainwatch_tui.core.store import StoreError
    with pytest.raises(StoreError, match="newer domainwatch"):
        Store(path)

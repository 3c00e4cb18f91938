"""Opening a store: the file (0600), WAL, busy timeout, migrations, transactions.

Every other store module builds on `StoreBase`; nothing outside `core.store` writes SQL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from domainwatch_tui.core.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """The store cannot be opened or used (with a message for the operator)."""


def _create_private(path: Path) -> None:
    """Create an empty file readable by its owner only, unless it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class StoreBase:
    """A connection to one store file; `path=":memory:"` for a throw-away store.

    One `Store` object per thread: readers open their own (WAL lets them read while the
    single writer writes).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, migrate: bool = True):
        self.path = str(path)
        self.read_only = read_only
        memory = self.path == ":memory:"
        if not memory:
            p = Path(self.path)
            if read_only and not p.exists():
                raise StoreError(f"no store at {p}")
            if not read_only:
                _create_private(p)
        try:
            if read_only and not memory:
                uri = Path(self.path).resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None,
                                       check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            else:
                conn = sqlite3.connect(self.path, isolation_level=None,
                                       check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._depth = 0
        if migrate and not read_only:
            self.migrate()
        elif self.schema_version() > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} was made by a newer domainwatch (schema "
                f"{self.schema_version()}, this version knows {SCHEMA_VERSION})"
            )

    # -- schema -----------------------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, target: int = SCHEMA_VERSION) -> int:
        """Run the migrations this store has not had yet, each in its own transaction."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} was made by a newer domainwatch (schema {current}, "
                f"this version knows {SCHEMA_VERSION})"
            )
        for version in range(current + 1, target + 1):
            script = MIGRATIONS[version - 1]
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                for statement in _statements(script):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {version}")
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"migration {version} failed on {self.path}: {exc}") from exc
        return self.schema_version()

    # -- transactions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE); nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            else:
                self._depth = 0
                self.conn.execute("COMMIT")

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their BEGIN ... END body)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out

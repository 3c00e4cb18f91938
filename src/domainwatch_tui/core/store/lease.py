"""Store queries for the worker: the lease (one worker per store) and the queue of due domains.

The lease is one row (`worker_lease.id = 1`): who holds it (`host:pid:random`), since when,
and the last heartbeat. Taking it is one `BEGIN IMMEDIATE` transaction, so two workers
starting together cannot both win. Whether a holder is dead is decided by the caller (a
heartbeat older than the timeout, or a pid that no longer exists on this host).

Due domains are those whose `next_check_at` has passed (or was never set), exempt ones
excepted, highest risk first and then the longest overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from domainwatch_tui.core.store.base import StoreBase
from domainwatch_tui.core.timefmt import from_iso, to_iso


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    """The worker lease as stored: its holder and when it was taken and last renewed."""

    holder: str
    pid: int | None
    host: str | None
    acquired_at: datetime
    heartbeat_at: datetime


#: What `next_due_at` returns when a domain was never scheduled (it is due at once).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_DUE_WHERE = "phase != 'exempt' AND (next_check_at IS NULL OR next_check_at <= ?)"


class LeaseQueries(StoreBase):
    """SQL for the worker lease and the due queue."""

    # -- the lease ------------------------------------------------------------------------------
    def lease_holder(self) -> LeaseInfo | None:
        """The current lease, whoever holds it (None when nobody does)."""
        row = self.conn.execute(
            "SELECT holder, pid, host, acquired_at, heartbeat_at FROM worker_lease WHERE id = 1"
        ).fetchone()
        return _lease(row) if row else None

    def acquire_lease(
        self,
        holder: str,
        *,
        pid: int,
        host: str,
        now: datetime,
        is_dead: Callable[[LeaseInfo], bool],
    ) -> LeaseInfo:
        """Take the lease if it is free, ours already, or its holder is dead; return the lease.

        The returned `holder` equals `holder` when we hold it now; otherwise it names the live
        holder and nothing was changed.
        """
        stamp = to_iso(now)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT holder, pid, host, acquired_at, heartbeat_at FROM worker_lease WHERE id = 1"
            ).fetchone()
            current = _lease(row) if row else None
            if current is not None and current.holder == holder:
                conn.execute("UPDATE worker_lease SET heartbeat_at = ? WHERE id = 1", (stamp,))
                return LeaseInfo(holder, current.pid, current.host, current.acquired_at, now)
            if current is not None and not is_dead(current):
                return current
            conn.execute(
                "INSERT INTO worker_lease (id, holder, pid, host, acquired_at, heartbeat_at) "
                "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, "
                "pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at, "
                "heartbeat_at = excluded.heartbeat_at",
                (holder, pid, host, stamp, stamp),
            )
        return LeaseInfo(holder, pid, host, from_iso(stamp) or now, from_iso(stamp) or now)

    def renew_lease(self, holder: str, *, now: datetime) -> bool:
        """Record a heartbeat; False when the lease is no longer ours (it was taken over)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE worker_lease SET heartbeat_at = ? WHERE id = 1 AND holder = ?",
                (to_iso(now), holder),
            )
            return cur.rowcount == 1

    def release_lease(self, holder: str) -> bool:
        """Give the lease up (only if it is ours); True when it was."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM worker_lease WHERE id = 1 AND holder = ?", (holder,))
            return cur.rowcount == 1

    # -- the due queue --------------------------------------------------------------------------
    def due_by_risk(self, now: datetime, limit: int) -> list[str]:
        """Up to `limit` domains due at `now`: highest risk first, then the longest overdue."""
        rows = self.conn.execute(
            f"SELECT name FROM domains WHERE {_DUE_WHERE} "
            "ORDER BY risk DESC, next_check_at IS NOT NULL, next_check_at, name LIMIT ?",
            (to_iso(now), int(limit)),
        ).fetchall()
        return [r[0] for r in rows]

    def count_due(self, now: datetime) -> int:
        """How many domains are due at `now` (exempt ones never are)."""
        return int(self.conn.execute(
            f"SELECT count(*) FROM domains WHERE {_DUE_WHERE}", (to_iso(now),)
        ).fetchone()[0])

    def next_due_at(self) -> datetime | None:
        """When the next domain falls due (the past when one already is); None if none ever will."""
        row = self.conn.execute(
            "SELECT count(*) FILTER (WHERE next_check_at IS NULL), min(next_check_at) "
            "FROM domains WHERE phase != 'exempt'"
        ).fetchone()
        if row[0]:
            return EPOCH
        return from_iso(row[1])

    def postpone_check(self, domain: str, until: datetime) -> None:
        """Move a domain's next check to `until` (when recording its check failed)."""
        with self.transaction() as conn:
            conn.execute("UPDATE domains SET next_check_at = ? WHERE name = ?", (to_iso(until), domain))


def _lease(row: tuple) -> LeaseInfo:
    acquired = from_iso(row[3])
    beat = from_iso(row[4])
    assert acquired is not None and beat is not None
    return LeaseInfo(holder=row[0], pid=row[1], host=row[2], acquired_at=acquired, heartbeat_at=beat)

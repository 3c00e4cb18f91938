"""Store queries for the webhook outbox: notifications written in the transaction that caused them.

An event (a domain entering an unverify phase, an operator decision) is inserted in the same
transaction as its cause, so it exists exactly when the cause does. A separate sender
(`core.webhooks.WebhookSender`) delivers due rows and marks each delivered or failed; a failed
row is retried later with backoff and never deleted, so nothing is lost. `outbox_status()` is
what the dashboard and `domainwatch webhooks status` show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domainwatch_tui.core.store.base import StoreBase
from domainwatch_tui.core.timefmt import to_iso


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification waiting to be delivered."""

    id: int
    created_at: str
    event: str
    payload: str  # the exact JSON body that is signed and sent
    attempts: int
    next_attempt_at: str


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """What the dashboard shows: how many are waiting, how many have failed, the last error."""

    undelivered: int
    failing: int  # undelivered rows that have failed at least once
    delivered: int
    last_error: str | None
    last_error_at: str | None
    oldest_undelivered_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"undelivered": self.undelivered, "failing": self.failing, "delivered": self.delivered,
                "last_error": self.last_error, "last_error_at": self.last_error_at,
                "oldest_undelivered_at": self.oldest_undelivered_at}


class OutboxQueries(StoreBase):
    """SQL for the webhook outbox."""

    def enqueue_event(self, event: str, payload: dict[str, Any], *, now: datetime) -> int:
        """Add one notification (joins the caller's transaction); returns its id."""
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        at = to_iso(now)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO outbox (created_at, event, payload, attempts, next_attempt_at) "
                "VALUES (?, ?, ?, 0, ?)", (at, event, body, at))
            return int(cur.lastrowid or 0)

    def enqueue_decision_event(self, decision_id: int) -> int | None:
        """Enqueue the `decision` notification of a recorded decision (in its transaction).

        Called by `insert_decision`, so every decision (operator, auto-confirm, lapse) notifies.
        """
        row = self.conn.execute("SELECT * FROM decisions WHERE id = ?", (int(decision_id),)).fetchone()
        if row is None:
            return None
        try:
            emails = [e.get("address") for e in json.loads(row["emails"] or "[]") if isinstance(e, dict)]
        except ValueError:
            emails = []
        payload = {"event": "decision", "at": row["at"], "decision_id": int(row["id"]),
                   "domain": row["domain"], "action": row["action"], "operator": row["operator"],
                   "phase": row["phase"], "reason": row["reason"], "until": row["until"],
                   "emails": emails, "check_id": row["check_id"]}
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO outbox (created_at, event, payload, attempts, next_attempt_at) "
                               "VALUES (?, 'decision', ?, 0, ?)", (row["at"], body, row["at"]))
            return int(cur.lastrowid or 0)

    def due_events(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Undelivered notifications in order (oldest first), up to the first one not yet due.

        Delivery is in order: while the oldest waits for its retry, the ones after it wait too.
        """
        rows = self.conn.execute(
            "SELECT id, created_at, event, payload, attempts, next_attempt_at FROM outbox "
            "WHERE delivered_at IS NULL ORDER BY id LIMIT ?", (int(limit),)).fetchall()
        due: list[OutboxItem] = []
        at = to_iso(now) or ""
        for r in rows:
            if r["next_attempt_at"] > at:
                break
            due.append(OutboxItem(r["id"], r["created_at"], r["event"], r["payload"], r["attempts"],
                                  r["next_attempt_at"]))
        return due

    def mark_delivered(self, item_id: int, *, now: datetime) -> None:
        at = to_iso(now)
        with self.transaction() as conn:
            conn.execute("UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_attempt_at = ? "
                         "WHERE id = ? AND delivered_at IS NULL", (at, at, int(item_id)))

    def mark_failed(self, item_id: int, error: str, *, now: datetime, next_attempt_at: datetime) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?, "
                         "next_attempt_at = ? WHERE id = ? AND delivered_at IS NULL",
                         (error[:500], to_iso(now), to_iso(next_attempt_at), int(item_id)))

    def outbox_status(self) -> OutboxStatus:
        """Counts and the most recent delivery error (for the dashboard and the CLI)."""
        row = self.conn.execute(
            "SELECT sum(delivered_at IS NULL) AS undelivered, "
            "sum(delivered_at IS NULL AND attempts > 0) AS failing, "
            "sum(delivered_at IS NOT NULL) AS delivered, "
            "min(CASE WHEN delivered_at IS NULL THEN created_at END) AS oldest FROM outbox").fetchone()
        last = self.conn.execute(
            "SELECT last_error, last_attempt_at FROM outbox WHERE last_error IS NOT NULL "
            "AND delivered_at IS NULL ORDER BY last_attempt_at DESC, id DESC LIMIT 1").fetchone()
        return OutboxStatus(
            undelivered=int(row["undelivered"] or 0), failing=int(row["failing"] or 0),
            delivered=int(row["delivered"] or 0),
            last_error=last["last_error"] if last else None,
            last_error_at=last["last_attempt_at"] if last else None,
            oldest_undelivered_at=row["oldest"])

    def outbox_items(self, *, undelivered_only: bool = True, limit: int = 50) -> list[dict[str, Any]]:
        """Recent outbox rows (newest first), for `webhooks status --json` and the dashboard."""
        where = "WHERE delivered_at IS NULL" if undelivered_only else ""
        rows = self.conn.execute(
            f"SELECT id, created_at, event, attempts, next_attempt_at, delivered_at, last_error "
            f"FROM outbox {where} ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [dict(r) for r in rows]

"""Store queries for the review queue: proposals, decisions (append-only), overrides, risk.

The `decisions` table is the audit trail: rows are only ever inserted (triggers refuse UPDATE
and DELETE). What follows from decisions (overrides, `emails.verified`, `proposals.status`,
`domains.decision_state`) is derived state kept here and changed in the decision's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from domainwatch_tui.core.store.risk import RiskQueries

#: A proposal with its address and account (what proposal_record() reads).
PROPOSAL_SELECT = """
SELECT p.id, p.domain, p.email_id, p.kind, p.phase, p.check_id, p.reasons, p.status,
       p.created_at, p.closed_at, p.closed_by, p.closed_reason,
       e.address AS address, e.account_id AS account_id, a.username AS username
FROM proposals p
LEFT JOIN emails e ON e.id = p.email_id
LEFT JOIN accounts a ON a.account_id = e.account_id
"""

_EMAIL_SELECT = """
SELECT e.id, e.account_id, e.address, e.domain, e.verified, e.verified_at, e.unverified_at,
       e.unverified_by, e.unverified_reason, a.username AS username
FROM emails e LEFT JOIN accounts a ON a.account_id = e.account_id
"""

_DECISION_STATE = """
UPDATE domains SET decision_state = (
    CASE
    WHEN EXISTS (SELECT 1 FROM proposals p WHERE p.domain = domains.name AND p.status = 'pending'
                 AND p.kind = 'unverify') THEN 'pending'
    WHEN EXISTS (SELECT 1 FROM proposals p WHERE p.domain = domains.name AND p.status = 'pending'
                 AND p.kind = 'reverify') THEN 're-verify proposed'
    WHEN EXISTS (SELECT 1 FROM overrides o WHERE o.domain = domains.name) THEN (
        SELECT CASE WHEN o.until IS NULL THEN 'overridden'
                    WHEN o.until LIKE '%T00:00:00Z' THEN 'overridden until ' || substr(o.until, 1, 10)
                    ELSE 'overridden until ' || o.until END
        FROM overrides o WHERE o.domain = domains.name)
    WHEN EXISTS (SELECT 1 FROM emails e WHERE e.domain = domains.name AND e.verified = 0
                 AND e.unverified_by IS NOT NULL) THEN 'confirmed'
    ELSE NULL END)
WHERE name IN (SELECT value FROM json_each(?))
"""
_DECISION_STATE_ONE = _DECISION_STATE.replace("WHERE name IN (SELECT value FROM json_each(?))",
                                              "WHERE name = ?")


def _ids(values: Iterable[int]) -> str:
    return json.dumps([int(v) for v in values])


class ReviewQueries(RiskQueries):  # RiskQueries: store/risk.py
    """SQL for the review queue: proposals, decisions (append-only), overrides, risk."""

    # -- addresses ------------------------------------------------------------------------------
    def review_emails(self, domain: str, *, verified: bool | None = None) -> list[sqlite3.Row]:
        """The addresses on `domain` (all, or only verified / unverified ones), by id."""
        where = "" if verified is None else f" AND e.verified = {1 if verified else 0}"
        return self.conn.execute(f"{_EMAIL_SELECT} WHERE e.domain = ?{where} ORDER BY e.id",
                                 (domain,)).fetchall()

    def emails_unverified_by_confirm(self, domain: str) -> list[sqlite3.Row]:
        """Addresses on `domain` that a confirm decision un-verified and nothing re-verified since."""
        return self.conn.execute(
            f"""{_EMAIL_SELECT} JOIN decisions d ON d.id = e.unverified_by
            WHERE e.domain = ? AND e.verified = 0 AND d.action = 'confirm' ORDER BY e.id""",
            (domain,),
        ).fetchall()

    def unverify_emails(self, email_ids: Sequence[int], *, at: str, decision_id: int, reason: str) -> int:
        cur = self.conn.execute(
            """UPDATE emails SET verified = 0, unverified_at = ?, unverified_by = ?, unverified_reason = ?
               WHERE id IN (SELECT value FROM json_each(?)) AND verified = 1""",
            (at, decision_id, reason, _ids(email_ids)),
        )
        return cur.rowcount

    def reverify_emails(self, email_ids: Sequence[int]) -> int:
        cur = self.conn.execute(
            """UPDATE emails SET verified = 1, unverified_at = NULL, unverified_by = NULL,
                                 unverified_reason = NULL
               WHERE id IN (SELECT value FROM json_each(?)) AND verified = 0""",
            (_ids(email_ids),),
        )
        return cur.rowcount

    def recount_verified(self, domain: str) -> None:
        """Keep `domains.verified` (verified addresses) in step after a decision."""
        self.conn.execute(
            "UPDATE domains SET verified = (SELECT total(verified = 1) FROM emails WHERE domain = ?) "
            "WHERE name = ?", (domain, domain))

    # -- proposals ------------------------------------------------------------------------------
    def verified_without_pending(self, domain: str) -> list[sqlite3.Row]:
        """Verified addresses on `domain` with no pending un-verify proposal."""
        return self.conn.execute(
            f"""{_EMAIL_SELECT} WHERE e.domain = ? AND e.verified = 1 AND NOT EXISTS (
                SELECT 1 FROM proposals p WHERE p.email_id = e.id AND p.kind = 'unverify'
                AND p.status = 'pending') ORDER BY e.id""",
            (domain,),
        ).fetchall()

    def reverify_candidates(self, domain: str) -> list[sqlite3.Row]:
        """Addresses a confirm un-verified, with no pending re-verify proposal and none dismissed
        since (a withdrawn one, closed because the domain lapsed again, may be proposed anew)."""
        return self.conn.execute(
            f"""SELECT q.*, d.check_id AS confirm_check_id, d.at AS confirm_at FROM ({_EMAIL_SELECT}) q
            JOIN decisions d ON d.id = q.unverified_by
            WHERE q.domain = ? AND q.verified = 0 AND d.action = 'confirm' AND NOT EXISTS (
                SELECT 1 FROM proposals p WHERE p.email_id = q.id AND p.kind = 'reverify'
                AND (p.status = 'pending' OR (p.status = 'dismissed' AND p.closed_by >= q.unverified_by)))
            ORDER BY q.id""",
            (domain,),
        ).fetchall()

    def insert_proposals(self, domain: str, email_ids: Sequence[int], *, kind: str, phase: str,
                         check_id: int | None, reasons: Sequence[str], at: str) -> list[int]:
        ids = []
        reasons_json = json.dumps(list(reasons), ensure_ascii=False)
        for email_id in email_ids:
            cur = self.conn.execute(
                "INSERT INTO proposals(domain, email_id, kind, phase, check_id, reasons, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                (domain, email_id, kind, phase, check_id, reasons_json, at),
            )
            ids.append(int(cur.lastrowid or 0))
        return ids

    def open_proposals(self, domain: str, kind: str | None = None) -> list[sqlite3.Row]:
        where = "" if kind is None else " AND p.kind = ?"
        args: tuple = (domain,) if kind is None else (domain, kind)
        return self.conn.execute(f"{PROPOSAL_SELECT} WHERE p.domain = ? AND p.status = 'pending'{where} "
                                 "ORDER BY p.id", args).fetchall()

    def update_pending_evidence(self, domain: str, *, phase: str, check_id: int | None,
                                reasons: Sequence[str]) -> int:
        """Pending un-verify proposals follow the domain to a new unverify phase (newest evidence)."""
        cur = self.conn.execute(
            "UPDATE proposals SET phase = ?, check_id = ?, reasons = ? WHERE domain = ? AND "
            "status = 'pending' AND kind = 'unverify' AND phase IS NOT ?",
            (phase, check_id, json.dumps(list(reasons), ensure_ascii=False), domain, phase),
        )
        return cur.rowcount

    def close_proposals(self, ids: Sequence[int], *, status: str, at: str, decision_id: int | None,
                        reason: str) -> int:
        cur = self.conn.execute(
            "UPDATE proposals SET status = ?, closed_at = ?, closed_by = ?, closed_reason = ? "
            "WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending'",
            (status, at, decision_id, reason, _ids(ids)),
        )
        return cur.rowcount

    def pending_count(self, domain: str | None = None) -> int:
        """Pending proposals (one per address), in the store or on one domain."""
        if domain is None:
            row = self.conn.execute("SELECT count(*) FROM proposals WHERE status = 'pending'").fetchone()
        else:
            row = self.conn.execute("SELECT count(*) FROM proposals WHERE status = 'pending' AND domain = ?",
                                    (domain,)).fetchone()
        return int(row[0])

    def pending_domains_count(self) -> int:
        """Domains waiting for a person (at least one pending proposal)."""
        return int(self.conn.execute(
            "SELECT count(DISTINCT domain) FROM proposals WHERE status = 'pending'").fetchone()[0])

    def proposals_for_domain(self, domain: str, *, newest_first: bool = True) -> list[sqlite3.Row]:
        """Every proposal on `domain` (with address, account id and username)."""
        order = "DESC" if newest_first else "ASC"
        return self.conn.execute(f"{PROPOSAL_SELECT} WHERE p.domain = ? ORDER BY p.id {order}",
                                 (domain,)).fetchall()

    def iter_proposals(self, since: str | None = None) -> Iterator[sqlite3.Row]:
        """Every proposal (created or closed at or after `since`), oldest first, streamed."""
        if since is None:
            cur = self.conn.execute(f"{PROPOSAL_SELECT} ORDER BY p.id")
        else:
            cur = self.conn.execute(f"{PROPOSAL_SELECT} WHERE p.created_at >= ? OR p.closed_at >= ? "
                                    "ORDER BY p.id", (since, since))
        yield from cur

    # -- checks (read only: the evidence behind proposals) -------------------------------------
    def last_registration_before(self, domain: str, check_id: int) -> sqlite3.Row | None:
        """The newest earlier check of `domain` that saw a registration date or handle."""
        return self.conn.execute(
            "SELECT id, registered_at, handle FROM checks WHERE domain = ? AND id < ? AND error IS NULL AND "
            "(registered_at IS NOT NULL OR handle IS NOT NULL) ORDER BY id DESC LIMIT 1",
            (domain, check_id),
        ).fetchone()

    def phase_seen_since(self, domain: str, phase: str, *, after_check_id: int | None, at: str) -> bool:
        """Whether a check of `domain` after the given check (or time) found it in `phase`."""
        row = self.conn.execute(
            "SELECT 1 FROM checks WHERE domain = ? AND phase = ? AND "
            "(CASE WHEN ? IS NULL THEN checked_at >= ? ELSE id > ? END) LIMIT 1",
            (domain, phase, after_check_id, at, after_check_id),
        ).fetchone()
        return row is not None

    def latest_check_id(self, domain: str) -> int | None:
        row = self.conn.execute("SELECT max(id) FROM checks WHERE domain = ?", (domain,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    # -- decisions (append-only) ------------------------------------------------------------------
    def insert_decision(self, *, at: str, operator: str, action: str, domain: str, phase: str,
                        check_id: int | None, reason: str, until: str | None,
                        emails: Sequence[dict], proposal_ids: Sequence[int]) -> int:
        cur = self.conn.execute(
            "INSERT INTO decisions(at, operator, action, domain, phase, check_id, reason, until, emails, "
            "proposal_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, operator, action, domain, phase, check_id, reason, until,
             json.dumps(list(emails), ensure_ascii=False), _ids(proposal_ids)),
        )
        decision_id = int(cur.lastrowid or 0)
        self.enqueue_decision_event(decision_id)  # type: ignore[attr-defined]  # OutboxQueries
        return decision_id

    def decision_row(self, decision_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM decisions WHERE id = ?", (decision_id,)).fetchone()

    def decisions_for_domain(self, domain: str, *, newest_first: bool = True) -> list[sqlite3.Row]:
        """Every decision on `domain` (the audit trail of one domain)."""
        order = "DESC" if newest_first else "ASC"
        return self.conn.execute(f"SELECT * FROM decisions WHERE domain = ? ORDER BY id {order}",
                                 (domain,)).fetchall()

    def decisions(self, *, operator: str | None = None, action: str | None = None,
                  domain: str | None = None, since: str | None = None, until: str | None = None,
                  limit: int | None = None, newest_first: bool = True) -> list[sqlite3.Row]:
        """The audit log, filtered (`since` inclusive, `until` exclusive, ISO text)."""
        return list(self._decision_cursor(operator=operator, action=action, domain=domain, since=since,
                                          until=until, limit=limit, newest_first=newest_first))

    def iter_decisions(self, since: str | None = None) -> Iterator[sqlite3.Row]:
        """Every decision at or after `since`, oldest first, streamed."""
        yield from self._decision_cursor(since=since, newest_first=False)

    def _decision_cursor(self, *, operator: str | None = None, action: str | None = None,
                         domain: str | None = None, since: str | None = None, until: str | None = None,
                         limit: int | None = None, newest_first: bool = True) -> sqlite3.Cursor:
        clauses, args = [], []
        for column, value, op in (("operator", operator, "="), ("action", action, "="),
                                  ("domain", domain, "="), ("at", since, ">="), ("at", until, "<")):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        order = " ORDER BY id DESC" if newest_first else " ORDER BY id"
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        return self.conn.execute(f"SELECT * FROM decisions{where}{order}{tail}", args)

    # -- overrides --------------------------------------------------------------------------------
    def override_for(self, domain: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM overrides WHERE domain = ?", (domain,)).fetchone()

    def set_override(self, domain: str, *, decision_id: int, phase: str, until: str | None, at: str) -> None:
        self.conn.execute(
            "INSERT INTO overrides(domain, decision_id, phase, until, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(domain) DO UPDATE SET decision_id = excluded.decision_id, phase = excluded.phase, "
            "until = excluded.until, created_at = excluded.created_at",
            (domain, decision_id, phase, until, at),
        )

    def delete_override(self, domain: str) -> bool:
        return self.conn.execute("DELETE FROM overrides WHERE domain = ?", (domain,)).rowcount > 0

    def expired_overrides(self, at: str) -> list[str]:
        """Domains whose override has an `until` at or before `at`."""
        return [r[0] for r in self.conn.execute(
            "SELECT domain FROM overrides WHERE until IS NOT NULL AND until <= ? ORDER BY domain", (at,))]

    # -- derived state ------------------------------------------------------------------------------
    def refresh_decision_state(self, domains: Iterable[str]) -> None:
        """Recompute `domains.decision_state` ('pending', 're-verify proposed', 'overridden until
        DATE', 'confirmed' or NULL) of `domains`."""
        names = list(domains)
        if len(names) == 1:  # the common case (after each check): a plain key look-up
            self.conn.execute(_DECISION_STATE_ONE, (names[0],))
        else:
            self.conn.execute(_DECISION_STATE, (json.dumps(names),))

    def domain_phase_row(self, domain: str) -> sqlite3.Row | None:
        """What a decision needs of a domain: phase, last check, registration."""
        return self.conn.execute(
            "SELECT name, phase, last_check_id, registered_at, handle, reasons FROM domains WHERE name = ?",
            (domain,)).fetchone()

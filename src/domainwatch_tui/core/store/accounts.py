"""Store queries for accounts and addresses: import upserts, per-domain counts, summary and show.

Import writes are upserts keyed by `accounts.account_id` and `emails(account_id, address)`;
an upsert that would change nothing writes nothing, so importing the same file twice leaves
the store as it was. An address that domainwatch un-verified is not re-verified by an import
whose `verified_at` is not newer than the un-verification (a stale export cannot undo it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from domainwatch_tui.core.store.base import StoreBase
from domainwatch_tui.core.timefmt import to_iso

#: (account_id, username, has_2fa, packages, downloads, updated_at)
AccountRow = tuple[str, str, int | None, int | None, int | None, str]
#: (account_id, address, domain, verified, verified_at, is_primary, imported_at)
EmailRow = tuple[str, str, str, int, str | None, int | None, str]
#: (name, unicode, phase, phase_since, first_seen_at, next_check_at)
DomainRow = tuple[str, str | None, str, str | None, str, str | None]

_ACCOUNT_UPSERT = """
INSERT INTO accounts(account_id, username, has_2fa, packages, downloads, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(account_id) DO UPDATE SET
    username = excluded.username,
    has_2fa = coalesce(excluded.has_2fa, accounts.has_2fa),
    packages = coalesce(excluded.packages, accounts.packages),
    downloads = coalesce(excluded.downloads, accounts.downloads),
    updated_at = excluded.updated_at
WHERE accounts.username IS NOT excluded.username
   OR (excluded.has_2fa IS NOT NULL AND excluded.has_2fa IS NOT accounts.has_2fa)
   OR (excluded.packages IS NOT NULL AND excluded.packages IS NOT accounts.packages)
   OR (excluded.downloads IS NOT NULL AND excluded.downloads IS NOT accounts.downloads)
"""

# `keep`: domainwatch un-verified the address and the export does not show a newer verification.
_KEEP = ("(emails.unverified_at IS NOT NULL AND excluded.verified = 1 AND "
         "(excluded.verified_at IS NULL OR excluded.verified_at <= emails.unverified_at))")

_EMAIL_UPSERT = f"""
INSERT INTO emails(account_id, address, domain, verified, verified_at, is_primary, imported_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(account_id, address) DO UPDATE SET
    verified = CASE WHEN {_KEEP} THEN emails.verified ELSE excluded.verified END,
    unverified_at = CASE WHEN excluded.verified = 1 AND NOT {_KEEP} THEN NULL
                         ELSE emails.unverified_at END,
    unverified_by = CASE WHEN excluded.verified = 1 AND NOT {_KEEP} THEN NULL
                         ELSE emails.unverified_by END,
    verified_at = excluded.verified_at,
    is_primary = excluded.is_primary,
    domain = excluded.domain
WHERE emails.verified IS NOT (CASE WHEN {_KEEP} THEN emails.verified ELSE excluded.verified END)
   OR emails.verified_at IS NOT excluded.verified_at
   OR emails.is_primary IS NOT excluded.is_primary
   OR emails.domain IS NOT excluded.domain
"""

_DOMAIN_INSERT = """
INSERT INTO domains(name, unicode, phase, phase_since, first_seen_at, next_check_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(name) DO NOTHING
"""

_RECOUNT = """
UPDATE domains SET accounts = agg.a, emails = agg.e, verified = agg.v
FROM (
    SELECT domain, count(DISTINCT account_id) AS a, count(*) AS e, total(verified = 1) AS v
    FROM emails WHERE domain IN (SELECT name FROM temp.touched_domains) GROUP BY domain
) AS agg
WHERE domains.name = agg.domain
  AND (domains.accounts IS NOT agg.a OR domains.emails IS NOT agg.e OR domains.verified IS NOT agg.v)
"""


_RECOUNT_ALL = """
UPDATE domains SET accounts = agg.a, emails = agg.e, verified = agg.v
FROM (
    SELECT domain, count(DISTINCT account_id) AS a, count(*) AS e, total(verified = 1) AS v
    FROM emails GROUP BY domain
) AS agg
WHERE domains.name = agg.domain
  AND (domains.accounts IS NOT agg.a OR domains.emails IS NOT agg.e OR domains.verified IS NOT agg.v)
"""


class AccountQueries(StoreBase):
    """SQL for accounts and addresses: import upserts, per-domain counts, summary and show."""

    # -- domains ------------------------------------------------------------------------------
    def domain_row(self, name: str) -> sqlite3.Row | None:
        """The `domains` row of a registrable A-label domain, or None."""
        return self.conn.execute("SELECT * FROM domains WHERE name = ?", (name,)).fetchone()

    def add_domain(self, name: str, unicode: str | None, *, now: datetime, exempt: bool = False) -> bool:
        """Insert the domain when missing (phase `unchecked`, due now; or `exempt`, never due).

        Returns True when it was added.
        """
        at = to_iso(now)
        row = (name, unicode or name, "exempt" if exempt else "unchecked", at, at,
               None if exempt else at)
        with self.transaction() as conn:
            cur = conn.execute(_DOMAIN_INSERT, row)
            return cur.rowcount > 0

    # -- import ---------------------------------------------------------------------------------
    def import_counts(self) -> tuple[int, int, int]:
        """(accounts, emails, domains) in the store."""
        c = self.conn
        return (
            int(c.execute("SELECT count(*) FROM accounts").fetchone()[0]),
            int(c.execute("SELECT count(*) FROM emails").fetchone()[0]),
            int(c.execute("SELECT count(*) FROM domains").fetchone()[0]),
        )

    def write_import_batch(self, accounts: Sequence[AccountRow], emails: Sequence[EmailRow],
                           domains: Sequence[DomainRow]) -> int:
        """One committed batch of import upserts; returns how many rows it changed."""
        with self.transaction() as conn:
            changed = 0
            if domains:
                changed += conn.executemany(_DOMAIN_INSERT, domains).rowcount
            if accounts:
                changed += conn.executemany(_ACCOUNT_UPSERT, accounts).rowcount
            if emails:
                changed += conn.executemany(_EMAIL_UPSERT, emails).rowcount
            return changed

    def set_import_pragmas(self, *, bulk: bool) -> None:
        """While importing: a bigger page cache (64 MB) and rarer WAL checkpoints (the WAL may
        grow to about 400 MB; `checkpoint` folds it back at the end)."""
        self.conn.execute(f"PRAGMA cache_size = {-65536 if bulk else -2000}")
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {100_000 if bulk else 1000}")

    def checkpoint(self) -> None:
        """Fold the WAL back into the database file and truncate it (best effort: readers may
        hold it, in which case SQLite finishes later)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def refresh_domains(self, names: Iterable[str], *, now: datetime,
                        is_exempt: Callable[[str], bool]) -> int:
        """Recount accounts, emails and verified addresses of `names`, and put the domains of
        exempt providers in phase `exempt` (and back to `unchecked` when no longer exempt).

        Returns how many domains changed phase.
        """
        at = to_iso(now)
        with self.transaction() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched_domains (name TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.touched_domains")
            conn.executemany("INSERT OR IGNORE INTO temp.touched_domains(name) VALUES (?)",
                             ((n,) for n in names))
            touched = int(conn.execute("SELECT count(*) FROM temp.touched_domains").fetchone()[0])
            total = int(conn.execute("SELECT count(*) FROM domains").fetchone()[0])
            # most domains touched (a first import): one pass over the covering index is faster
            conn.execute(_RECOUNT_ALL if touched * 2 > total else _RECOUNT)
            rows = conn.execute(
                "SELECT d.name, d.phase FROM domains d JOIN temp.touched_domains t ON t.name = d.name"
            ).fetchall()
            to_exempt = [r["name"] for r in rows if r["phase"] != "exempt" and is_exempt(r["name"])]
            to_unexempt = [r["name"] for r in rows if r["phase"] == "exempt" and not is_exempt(r["name"])]
            for names_, old, new, due in ((to_exempt, None, "exempt", None),
                                          (to_unexempt, "exempt", "unchecked", at)):
                for name in names_:
                    before = old or conn.execute(
                        "SELECT phase FROM domains WHERE name = ?", (name,)).fetchone()[0]
                    conn.execute(
                        "UPDATE domains SET phase = ?, phase_since = ?, next_check_at = ? WHERE name = ?",
                        (new, at, due, name))
                    conn.execute(
                        "INSERT INTO phase_changes(domain, at, from_phase, to_phase) VALUES (?, ?, ?, ?)",
                        (name, at, before, new))
            conn.execute("DELETE FROM temp.touched_domains")
            return len(to_exempt) + len(to_unexempt)

    # -- summary --------------------------------------------------------------------------------
    def phase_counts(self) -> dict[str, int]:
        """Domains by phase (only phases that occur)."""
        return {r[0]: int(r[1]) for r in
                self.conn.execute("SELECT phase, count(*) FROM domains GROUP BY phase")}

    def pending_proposals(self) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM proposals WHERE status = 'pending'").fetchone()[0])

    # -- show -----------------------------------------------------------------------------------
    def domain_accounts(self, name: str, limit: int | None = None) -> list[sqlite3.Row]:
        """The addresses on a domain with their accounts, riskiest and most downloaded first."""
        sql = (
            "SELECT e.id AS email_id, e.account_id, e.address, e.verified, e.verified_at, e.is_primary, "
            "e.unverified_at, a.username, a.has_2fa, a.packages, a.downloads, a.risk "
            "FROM emails e LEFT JOIN accounts a ON a.account_id = e.account_id "
            "WHERE e.domain = ? "
            "ORDER BY a.risk DESC, a.downloads DESC NULLS LAST, a.username, e.address"
        )
        params: tuple = (name,)
        if limit:
            sql += " LIMIT ?"
            params = (name, limit)
        return self.conn.execute(sql, params).fetchall()

    def other_verified_addresses(self, account_ids: Iterable[str], domain: str) -> dict[str, list[str]]:
        """account_id -> its verified addresses on domains other than `domain`."""
        ids = list(dict.fromkeys(account_ids))
        out: dict[str, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT account_id, address FROM emails WHERE account_id IN ({marks}) "
                "AND verified = 1 AND domain != ? ORDER BY account_id, address", (*chunk, domain)
            ):
                out.setdefault(r[0], []).append(r[1])
        return out

    def domain_proposals(self, name: str) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM proposals WHERE domain = ? ORDER BY id", (name,)).fetchall()

    def domain_decisions(self, name: str) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM decisions WHERE domain = ? ORDER BY id", (name,)).fetchall()

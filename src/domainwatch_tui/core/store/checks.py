"""Store queries for check history: what was known before, recording a check, what is due.

`record_check` writes one `checks` row (raw answer zlib-compressed), updates the domain's
phase and evidence and records a phase change, all on the caller's transaction (see
`core.checking.record_observation`, which opens it). When a check produced no trustworthy
answer (`evidence_known=False`), the domain's last known evidence (dates, statuses, registrar,
handle, nameservers) is kept: an error never wipes what was known. `check_context` reads
what the check path needs before classifying (prior, error streak, stored expiry) in one go.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domainwatch_tui.core.model import Phase, Prior
from domainwatch_tui.core.store.base import StoreBase
from domainwatch_tui.core.timefmt import from_iso, to_iso

#: Domain columns that hold evidence: replaced by a trustworthy answer, kept on an error.
EVIDENCE_COLUMNS = ("statuses", "registered_at", "expires_at", "last_changed_at", "registrar",
                    "registrar_iana_id", "handle", "nameservers", "signals", "release_at")


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """Everything one check writes (times as datetimes, lists as Python lists)."""

    domain: str
    checked_at: datetime
    backend: str
    server: str | None
    http_status: int | None
    duration_ms: float | None
    error: str | None
    previous_phase: str
    phase: str
    reasons: list[str]
    statuses: list[str]
    registered_at: datetime | None
    expires_at: datetime | None
    last_changed_at: datetime | None
    handle: str | None
    registrar: str | None
    registrar_iana_id: str | None
    nameservers: list[str]
    signals: list[dict[str, str]]
    release_at: datetime | None
    raw: bytes | None
    next_check_at: datetime | None
    error_streak: int
    evidence_known: bool  # False: keep the domain's last known evidence


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _iso(value: datetime | None) -> str | None:
    """`timefmt.to_iso`, the same text, about twice as fast (it runs six times per check)."""
    if value is None:
        return None
    tz = value.tzinfo
    if tz is not None and tz is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:  # strftime does not pad the year: leave the odd cases to to_iso
        return to_iso(value)
    text = value.isoformat(timespec="seconds")
    return (text if tz is None else text[:-6]) + "Z"


def _dumps(value: Any) -> str:
    return _encode(value)


def _domain_update_sql(evidence_known: bool, changed: bool) -> str:
    """The UPDATE of a domain after a check (four shapes: evidence kept or not, phase changed)."""
    columns = ["phase", "reasons", "checked_at", "next_check_at", "backend", "error", "error_streak",
               "last_check_id"]
    if evidence_known:
        columns += list(EVIDENCE_COLUMNS)
    if changed:
        columns.append("phase_since")
    return f"UPDATE domains SET {', '.join(f'{k} = :{k}' for k in columns)} WHERE name = :name"


_DOMAIN_UPDATE = {(known, changed): _domain_update_sql(known, changed)
                  for known in (False, True) for changed in (False, True)}
_PRIOR_COLUMNS = ("SELECT phase, registered_at, handle, registrar_iana_id, registrar, first_seen_at, "
                  "error_streak, expires_at FROM domains WHERE name = ?")


class CheckQueries(StoreBase):
    """SQL for check history: recording a check, what was known before, what is due."""

    # -- before a check -------------------------------------------------------------------------
    def prior(self, domain: str) -> Prior:
        """What was known about `domain` (a registrable A-label) before this check.

        When the domain row holds no registration date or handle (it was `available`), those of
        the latest trustworthy answer that had them are used, so a re-registration is seen.
        """
        return self._prior(domain, self.conn.execute(_PRIOR_COLUMNS, (domain,)).fetchone())

    def _prior(self, domain: str, row: sqlite3.Row | None) -> Prior:
        verified = tuple(
            from_iso(r[0]) for r in self.conn.execute(
                "SELECT verified_at FROM emails WHERE domain = ? AND verified = 1 "
                "AND verified_at IS NOT NULL", (domain,)))
        if row is None:
            return Prior(verified_at=verified)
        registered, handle, iana_id = row["registered_at"], row["handle"], row["registrar_iana_id"]
        if registered is None and handle is None:
            old = self.conn.execute(
                "SELECT registered_at, handle, registrar_iana_id FROM checks WHERE domain = ? "
                "AND error IS NULL AND (registered_at IS NOT NULL OR handle IS NOT NULL) "
                "ORDER BY id DESC LIMIT 1", (domain,)).fetchone()
            if old is not None:
                registered, handle, iana_id = old[0], old[1], iana_id or old[2]
        try:
            phase = Phase(row["phase"])
        except ValueError:
            phase = Phase.UNKNOWN
        return Prior(phase=phase, registered_at=from_iso(registered), handle=handle,
                     registrar_iana_id=iana_id, registrar=row["registrar"],
                     first_seen_at=from_iso(row["first_seen_at"]), verified_at=verified)

    def check_state(self, domain: str) -> tuple[int, str | None, str | None]:
        """(error_streak, expires_at, last trustworthy phase) of a domain, for the check path."""
        row = self.conn.execute("SELECT error_streak, expires_at FROM domains WHERE name = ?",
                                (domain,)).fetchone()
        good = self.last_good_phase(domain)
        if row is None:
            return 0, None, good
        return int(row[0] or 0), row[1], good

    def check_context(self, domain: str) -> tuple[Prior, int, str | None]:
        """`prior(domain)` with the error streak and stored expiry of `check_state`, read together
        (the last trustworthy phase, needed only after an error, is `last_good_phase`)."""
        row = self.conn.execute(_PRIOR_COLUMNS, (domain,)).fetchone()
        prior = self._prior(domain, row)
        if row is None:
            return prior, 0, None
        return prior, int(row["error_streak"] or 0), row["expires_at"]

    def last_good_phase(self, domain: str) -> str | None:
        """The phase of the domain's latest check that had a trustworthy answer, or None."""
        good = self.conn.execute(
            "SELECT phase FROM checks WHERE domain = ? AND error IS NULL AND phase != 'unknown' "
            "ORDER BY id DESC LIMIT 1", (domain,)).fetchone()
        return good[0] if good else None

    # -- recording ------------------------------------------------------------------------------
    def record_check(self, rec: CheckRecord) -> int:
        """Write the check, update the domain, record a phase change; returns the check id.

        Call inside `transaction()`; the domain row is created when missing.
        """
        c = self.conn
        at = _iso(rec.checked_at)
        c.execute("INSERT INTO domains(name, unicode, first_seen_at, phase_since) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(name) DO NOTHING", (rec.domain, rec.domain, at, at))
        raw = zlib.compress(rec.raw, 6) if rec.raw else None
        reasons, statuses = _dumps(rec.reasons), _dumps(rec.statuses)
        registered, expires = _iso(rec.registered_at), _iso(rec.expires_at)
        cur = c.execute(
            "INSERT INTO checks(domain, checked_at, backend, server, http_status, duration_ms, error, "
            "previous_phase, phase, reasons, statuses, registered_at, expires_at, handle, registrar, "
            "registrar_iana_id, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rec.domain, at, rec.backend, rec.server, rec.http_status, rec.duration_ms, rec.error,
             rec.previous_phase, rec.phase, reasons, statuses, registered, expires, rec.handle,
             rec.registrar, rec.registrar_iana_id, raw))
        check_id = int(cur.lastrowid or 0)
        values: dict[str, Any] = {
            "name": rec.domain, "phase": rec.phase, "reasons": reasons, "checked_at": at,
            "next_check_at": _iso(rec.next_check_at), "backend": rec.backend, "error": rec.error,
            "error_streak": rec.error_streak, "last_check_id": check_id,
        }
        if rec.evidence_known:
            values.update({
                "statuses": statuses, "registered_at": registered, "expires_at": expires,
                "last_changed_at": _iso(rec.last_changed_at), "registrar": rec.registrar,
                "registrar_iana_id": rec.registrar_iana_id, "handle": rec.handle,
                "nameservers": _dumps(rec.nameservers), "signals": _dumps(rec.signals),
                "release_at": _iso(rec.release_at),
            })
        changed = rec.phase != rec.previous_phase
        if changed:
            values["phase_since"] = at
        c.execute(_DOMAIN_UPDATE[(rec.evidence_known, changed)], values)
        if changed:
            c.execute("INSERT INTO phase_changes(domain, at, from_phase, to_phase, check_id) "
                      "VALUES (?, ?, ?, ?, ?)", (rec.domain, at, rec.previous_phase, rec.phase, check_id))
        return check_id

    # -- what to check --------------------------------------------------------------------------
    def due_domains(self, now: datetime, limit: int | None = None) -> list[str]:
        """Domains whose next check is due at `now` (never exempt ones), the most overdue first."""
        sql = ("SELECT name FROM domains WHERE phase != 'exempt' AND next_check_at IS NOT NULL "
               "AND next_check_at <= ? ORDER BY next_check_at, name")
        params: tuple = (to_iso(now),)
        if limit is not None:
            sql += " LIMIT ?"
            params = (to_iso(now), limit)
        return [r[0] for r in self.conn.execute(sql, params)]

    def checkable_domains(self) -> list[str]:
        """Every domain that is not exempt, by name."""
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM domains WHERE phase != 'exempt' ORDER BY name")]

    def domain_rows(self, names: Iterable[str]) -> list[sqlite3.Row]:
        """The `domains` rows of `names`, in the order given (missing names skipped)."""
        out = []
        for name in names:
            row = self.conn.execute("SELECT * FROM domains WHERE name = ?", (name,)).fetchone()
            if row is not None:
                out.append(row)
        return out

    # -- history --------------------------------------------------------------------------------
    def checks_for(self, domain: str, limit: int = 50) -> list[sqlite3.Row]:
        """The latest checks of a domain, newest first (without the raw answer)."""
        return self.conn.execute(
            "SELECT id, domain, checked_at, backend, server, http_status, duration_ms, error, "
            "previous_phase, phase, reasons, statuses, registered_at, expires_at, handle, registrar, "
            "registrar_iana_id FROM checks WHERE domain = ? ORDER BY id DESC LIMIT ?",
            (domain, limit)).fetchall()

    def check_raw(self, check_id: int) -> bytes | None:
        """The raw answer of a check, decompressed (None when none was kept)."""
        row = self.conn.execute("SELECT raw FROM checks WHERE id = ?", (check_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return zlib.decompress(row[0])

    def phase_changes_for(self, domain: str) -> list[sqlite3.Row]:
        """Every phase change of a domain, oldest first."""
        return self.conn.execute(
            "SELECT at, from_phase, to_phase, check_id FROM phase_changes WHERE domain = ? ORDER BY id",
            (domain,)).fetchall()

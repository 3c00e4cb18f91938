"""Helpers for the review-queue tests: a seeded store and checks fed through record_observation."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domainwatch_tui.core.checking import record_observation
from domainwatch_tui.core.model import CheckOutcome, Evidence, Observation, PolicySettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import to_iso

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REGISTERED = datetime(2012, 5, 1, tzinfo=UTC)
VERIFIED_AT = "2024-01-10T00:00:00Z"


@dataclass(frozen=True)
class Addr:
    """One imported address."""

    account_id: str
    address: str
    verified: bool = True
    has_2fa: bool | None = None
    packages: int | None = None
    downloads: int | None = None
    verified_at: str | None = VERIFIED_AT


def new_store(tmp_path: Path, name: str = "s.db") -> Store:
    return Store(tmp_path / name)


def seed(store: Store, addrs: list[Addr], *, now: datetime = NOW) -> None:
    """Import `addrs` with the importer's store API, then score risk as an import does."""
    at = to_iso(now) or ""
    accounts = {a.account_id: (a.account_id, f"user-{a.account_id}", None if a.has_2fa is None else
                               int(a.has_2fa), a.packages, a.downloads, at) for a in addrs}
    domains = {a.address.split("@")[1] for a in addrs}
    store.write_import_batch(
        list(accounts.values()),
        [(a.account_id, a.address, a.address.split("@")[1], int(a.verified), a.verified_at, None, at)
         for a in addrs],
        [(d, d, "unchecked", at, at, at) for d in sorted(domains)],
    )
    store.refresh_domains(domains, now=now, is_exempt=lambda d: d == "gmail.com")
    store.refresh_risk()


def evidence(domain: str, kind: str, *, now: datetime = NOW, registered_at: datetime = REGISTERED,
             handle: str = "H-1") -> Evidence:
    """Evidence that the lifecycle rules classify as `kind`."""
    if kind == "available":
        return Evidence(domain=domain, http_status=404, not_found=True)
    if kind == "error":
        return Evidence(domain=domain, error="timed out after 10 s")
    statuses = {"active": ("active",), "expiring": ("active",), "redemption": ("redemption period",),
                "pending_delete": ("pending delete",), "grace": ("auto renew period",)}[kind]
    expires = {"active": now + timedelta(days=300), "expiring": now + timedelta(days=10)}.get(
        kind, now - timedelta(days=40))
    return Evidence(domain=domain, http_status=200, statuses=statuses, registered_at=registered_at,
                    expires_at=expires, handle=handle, registrar="Example Registrar")


def observe(store: Store, domain: str, kind: str, *, now: datetime = NOW,
            settings: PolicySettings | None = None, **kw: object) -> CheckOutcome:
    """One check of `domain` through the real check path (classify, store, policy)."""
    obs = Observation(evidence=evidence(domain, kind, now=now, **kw), checked_at=now, duration_ms=12.0)
    return record_observation(store, obs, now=now, policy=settings or PolicySettings())


def rows(store: Store, sql: str, *args: object) -> list[sqlite3.Row]:
    return store.execute(sql, args).fetchall()


def verified(store: Store, domain: str) -> dict[str, int]:
    return {r["address"]: r["verified"] for r in rows(store, "SELECT address, verified FROM emails "
                                                      "WHERE domain = ? ORDER BY address", domain)}


def proposals(store: Store, domain: str, status: str | None = None) -> list[sqlite3.Row]:
    if status is None:
        return rows(store, "SELECT * FROM proposals WHERE domain = ? ORDER BY id", domain)
    return rows(store, "SELECT * FROM proposals WHERE domain = ? AND status = ? ORDER BY id", domain, status)


def state(store: Store, domain: str) -> str | None:
    return store.execute("SELECT decision_state FROM domains WHERE name = ?", (domain,)).fetchone()[0]

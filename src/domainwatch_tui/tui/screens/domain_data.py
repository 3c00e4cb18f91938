"""What the domain screen shows, read in one go from the store (in a thread)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from domainwatch_tui.core.model import RdapEvent
from domainwatch_tui.core.rdap.parse import parse_rdap_domain
from domainwatch_tui.core.risk import DomainRisk, domain_breakdown
from domainwatch_tui.core.store import Store

#: Most accounts listed on a domain screen (a big provider can have hundreds of thousands).
ACCOUNTS_SHOWN = 500
#: A risk breakdown is computed for domains with at most this many accounts.
BREAKDOWN_MAX = 5_000


@dataclass
class DomainData:
    """One domain with its evidence, history, accounts, proposals and decisions."""

    row: dict[str, Any]
    checks: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    events: tuple[RdapEvent, ...] = ()
    remarks: tuple[str, ...] = ()
    accounts: list[dict[str, Any]] = field(default_factory=list)
    other_verified: dict[str, list[str]] = field(default_factory=dict)
    proposals: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    risk: DomainRisk | None = None


def json_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    try:
        out = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return out if isinstance(out, list) else []


def _dicts(rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


def load_domain(store: Store, name: str) -> DomainData | None:
    """Everything the domain screen shows about `name` (None when the store does not know it)."""
    row = store.domain_row(name)
    if row is None:
        return None
    data = DomainData(row=dict(row))
    data.checks = _dicts(store.checks_for(name, limit=50))
    data.changes = _dicts(store.phase_changes_for(name))
    latest = data.checks[0] if data.checks else None
    if latest is not None and latest.get("backend") == "rdap" and latest.get("http_status"):
        raw = store.check_raw(int(latest["id"]))
        if raw:
            evidence = parse_rdap_domain(name, int(latest["http_status"]), raw, server=latest.get("server"))
            data.events = tuple(sorted(evidence.events, key=lambda e: (e.date is None, e.date)))
            data.remarks = evidence.remarks
    data.accounts = _dicts(store.domain_accounts(name, limit=ACCOUNTS_SHOWN))
    data.other_verified = store.other_verified_addresses([a["account_id"] for a in data.accounts], name)
    data.proposals = _dicts(store.proposals_for_domain(name))
    data.decisions = _dicts(store.decisions_for_domain(name))
    if int(data.row.get("accounts") or 0) <= BREAKDOWN_MAX:
        data.risk = domain_breakdown(store, name)
    return data


def what_changed(newer: dict[str, Any], older: dict[str, Any] | None) -> list[str]:
    """The differences between two checks of a domain, in words ("phase redemption → available")."""
    if older is None:
        return ["first check"]
    out: list[str] = []
    if newer.get("phase") != older.get("phase"):
        out.append(f"phase {older.get('phase')} → {newer.get('phase')}")
    new_s, old_s = set(json_list(newer.get("statuses"))), set(json_list(older.get("statuses")))
    if new_s - old_s:
        out.append("+" + ", +".join(sorted(map(str, new_s - old_s))))
    if old_s - new_s:
        out.append("-" + ", -".join(sorted(map(str, old_s - new_s))))
    for key, label in (("expires_at", "expiry"), ("registered_at", "registered"),
                       ("registrar", "registrar"), ("handle", "handle")):
        a, b = older.get(key), newer.get(key)
        if a != b and (a or b):
            out.append(f"{label} {str(a or '—')[:10]} → {str(b or '—')[:10]}")
    if newer.get("error") and not older.get("error"):
        out.append("error")
    return out or ["no change"]

"""A seeded store and a fake checker for the dashboard tests (deterministic: a frozen clock).

The store is filled through the real paths: the importer's store API, `record_observation`
(classification, check history, proposals) and `decide` (the audit trail).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domainwatch_tui.core.checking import record_observation
from domainwatch_tui.core.decisions import decide
from domainwatch_tui.core.model import Evidence, Observation, PolicySettings, RdapEvent, Signal
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import fixed_clock, to_iso

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CLOCK = fixed_clock(NOW)
NO_JITTER = ScheduleSettings(jitter=0.0)  # next check times must not vary between runs
VERIFIED_AT = "2024-01-10T00:00:00Z"
HOSTILE_USER = "[@click=app.quit]x[/]"
HOSTILE_REGISTRAR = "[bold red]Evil[/] Registrar\x1b[31m\x07"

# (account_id, username, address, has_2fa, packages, downloads)
ACCOUNTS: list[tuple[str, str, str, int | None, int, int]] = [
    ("a01", "alice", "alice@oldshop.com", 0, 12, 250_000),
    ("a02", "bob", "bob@oldshop.com", 1, 2, 1_200),
    ("a03", HOSTILE_USER, "mallory@oldshop.com", 0, 1, 10),
    ("a04", "carol", "carol@resurrected.dev", 0, 30, 5_000_000),
    ("a05", "dave", "dave@dropped.io", 0, 3, 40_000),
    ("a06", "erin", "erin@lapsing.org", 1, 5, 9_000),
    ("a07", "frank", "frank@late.net", 0, 1, 100),
    ("a08", "grace", "grace@soon.co", 1, 0, 0),
    ("a09", "heidi", "heidi@healthy.com", 0, 4, 800),
    ("a10", "ivan", "ivan@broken.xyz", 0, 2, 50),
    ("a11", "judy", "judy@fresh.dev", 0, 1, 5),
    ("a12", "mike", "mike@gmail.com", 0, 7, 70_000),
    ("a01", "alice", "alice.backup@healthy.com", 0, 12, 250_000),
]

RDAP_EVENTS = (
    RdapEvent("registration", datetime(2012, 5, 1, tzinfo=UTC)),
    RdapEvent("expiration", NOW - timedelta(days=40)),
    RdapEvent("last changed", NOW - timedelta(days=35)),
)


#: Further evidence on oldshop.com (DNS and the registrar's RDAP), with markup in outside text.
SIGNALS = (
    Signal("dns", "parked-nameservers",
           "nameservers ns1.[b]expired[/b].example are the expiry nameservers of Example Registrar"),
    Signal("registrar-rdap", "expiry-disagreement",
           "the registrar's RDAP says it expired on 2026-05-22; the registry says 2027-05-22"),
)


def fake_evidence(domain: str, kind: str, *, registrar: str = "Example Registrar, Inc.",
              registered_at: datetime = datetime(2012, 5, 1, tzinfo=UTC),
              signals: tuple[Signal, ...] = ()) -> Evidence:
    if kind == "available":
        return Evidence(domain=domain, http_status=404, not_found=True)
    if kind == "error":
        return Evidence(domain=domain, error="timed out after 10 s")
    statuses = {"active": ("active",), "expiring": ("active",), "redemption": ("redemption period",),
                "pending_delete": ("pending delete",), "grace": ("auto renew period",)}[kind]
    expires = {"active": NOW + timedelta(days=300), "expiring": NOW + timedelta(days=10)}.get(
        kind, NOW - timedelta(days=40))
    return Evidence(domain=domain, http_status=200, statuses=statuses, registered_at=registered_at,
                    expires_at=expires, handle=f"H-{domain}", registrar=registrar, registrar_iana_id="9999",
                    nameservers=("ns1.example.net", "ns2.example.net"), signals=signals)


def _raw(domain: str, ev: Evidence) -> bytes:
    """An RDAP answer matching `ev` (kept as the check's raw answer: the event timeline)."""
    events = [{"eventAction": e.action, "eventDate": to_iso(e.date)} for e in RDAP_EVENTS]
    return json.dumps({
        "objectClassName": "domain", "ldhName": domain, "handle": ev.handle, "status": list(ev.statuses),
        "events": events, "rdapConformance": ["rdap_level_0"],
        "remarks": [{"description": ["Registrant data withheld [@click=app.quit]"]}],
    }).encode()


def observe(store: Store, domain: str, kind: str, *, at: datetime = NOW, raw: bool = False, **kw) -> None:
    ev = fake_evidence(domain, kind, **kw)
    obs = Observation(evidence=ev, checked_at=at, duration_ms=12.0, raw=_raw(domain, ev) if raw else None)
    record_observation(store, obs, now=at, policy=PolicySettings(), schedule=NO_JITTER)


def seed_store(path: Path) -> Path:
    """A small store covering every phase, a pending review, one decision and hostile text."""
    store = Store(path)
    at = to_iso(NOW - timedelta(days=30)) or ""
    accounts = {a[0]: (a[0], a[1], a[3], a[4], a[5], at) for a in ACCOUNTS}
    domains = sorted({a[2].split("@")[1] for a in ACCOUNTS})
    store.write_import_batch(
        list(accounts.values()),
        [(a[0], a[2], a[2].split("@")[1], 1, VERIFIED_AT, None, at) for a in ACCOUNTS],
        [(d, d, "unchecked", at, at, at) for d in domains],
    )
    store.refresh_domains(domains, now=NOW, is_exempt=lambda d: d == "gmail.com")
    week_ago = NOW - timedelta(days=7)
    observe(store, "oldshop.com", "active", at=week_ago - timedelta(days=20))
    observe(store, "oldshop.com", "grace", at=week_ago, registrar=HOSTILE_REGISTRAR)
    observe(store, "oldshop.com", "redemption", at=NOW - timedelta(hours=2), registrar=HOSTILE_REGISTRAR,
            raw=True, signals=SIGNALS)
    observe(store, "resurrected.dev", "active", at=NOW - timedelta(hours=5),
            registered_at=NOW - timedelta(days=20))
    observe(store, "dropped.io", "available", at=NOW - timedelta(hours=3))
    observe(store, "lapsing.org", "pending_delete", at=NOW - timedelta(hours=1))
    observe(store, "late.net", "grace", at=NOW - timedelta(days=1))
    observe(store, "soon.co", "expiring", at=NOW - timedelta(days=2))
    observe(store, "healthy.com", "active", at=NOW - timedelta(days=3))
    observe(store, "broken.xyz", "error", at=NOW - timedelta(minutes=30))
    store.refresh_risk()
    decide(store, "dropped.io", "confirm", operator="alice-sec", reason="domain is available to anyone",
           now=NOW - timedelta(hours=2, minutes=30))
    store.refresh_risk()
    store.close()
    return path


class FakeChecker:
    """A checker that answers from a table of domain -> kind (no network)."""

    backend = "rdap"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def fetch(self, domain: str) -> Observation:
        self.asked.append(domain)
        ev = fake_evidence(domain, self.answers.get(domain, "active"))
        return Observation(evidence=ev, checked_at=NOW, duration_ms=5.0)

    async def aclose(self) -> None:
        return None

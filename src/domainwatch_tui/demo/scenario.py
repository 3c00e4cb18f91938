"""The demo's simulator scenario: a phase (and often a timeline) for every demo domain.

`build_scenario(data, start, seed)` gives each custom domain of the generated accounts a role:
most are healthy, some sit in each lapse phase from the start, a few answer with faults, and a
"wave" of domains moves along the lifecycle while the demo runs (timeline steps at simulated
times after `start`), so that groups and the review queue change on screen. The featured
domains tell fixed stories (see `STORIES`), e.g. tidewater-analytics.io goes redemption ->
pending delete -> available -> re-registered within 7 simulated days (70 s at speed 1).

Domains on TLDs without an RDAP service (.jp, .se, ...) are left out of the scenario and out
of its bootstrap: they end `unknown`, as they would against the real registries.

The lifecycle is compressed (days instead of the ICANN 30 + 5) so that a drop fits in a
couple of minutes; each step carries its own dates, so what the registry says stays coherent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domainwatch_tui.core.timefmt import to_iso
from domainwatch_tui.demo.accounts import SERVED_TLDS, DemoData, DemoDomain

DAY = timedelta(days=1)

#: The registrar name of the attacker's registration: markup that must never be interpreted.
MARKUP_REGISTRAR = "[@click=app.quit]Evil[/] Registrar [b]"
DROP_CATCHER = "NameDrop Catcher 77, LLC"
#: Registrars of ordinary domains (name, IANA id) and how common they are; drop-catchers for
#: the re-registrations.
REGISTRARS: tuple[tuple[str, str, int], ...] = (
    ("GoDaddy.com, LLC", "146", 30), ("Namecheap, Inc.", "1068", 20), ("Tucows Domains Inc.", "69", 8),
    ("Cloudflare, Inc.", "1910", 8), ("Gandi SAS", "81", 5), ("OVH sas", "433", 5), ("IONOS SE", "83", 5),
    ("Porkbun LLC", "1861", 6), ("Squarespace Domains II LLC", "895", 5), ("Key-Systems GmbH", "269", 3),
    ("Hostinger Operations, UAB", "1636", 3), ("Dynadot Inc", "472", 2),
)
CATCHERS: tuple[tuple[str, str], ...] = ((DROP_CATCHER, "3777"), ("SnapBack Domains, Inc.", "3801"),
                                         ("Pool Drop Services LLC", "3802"))

#: domainwatch phase each simulator phase ends in (when answered without a fault).
EXPECTED: dict[str, str] = {
    "active": "active", "expiring": "expiring", "grace": "grace", "auto_renew": "grace",
    "expired_hold": "grace", "hold": "active", "redemption": "redemption",
    "pending_delete": "pending_delete", "available": "available", "reserved": "unknown",
    "re_registered": "re_registered", "no_expiry": "active", "inactive": "active",
}

#: Static roles of ordinary domains and their weights (the rest of the mix is "wave" and faults).
STATIC_ROLES: tuple[tuple[str, int], ...] = (
    ("active", 800), ("expiring", 25), ("grace", 10), ("auto_renew", 6), ("expired_hold", 4),
    ("hold", 4), ("inactive", 5), ("no_expiry", 5), ("redemption", 7), ("pending_delete", 2),
    ("available", 2), ("re_registered", 4), ("reserved", 2), ("fault", 5), ("wave", 20),
)
FAULTS: tuple[dict[str, Any], ...] = (
    {"fault": "500"}, {"fault": "malformed_json"}, {"fault": "wrong_ldh"}, {"fault": "not_json"},
    {"fault": "503", "fault_count": 1},
)
#: Roles that need a verified address on the domain to show what they mean.
NEEDS_VERIFIED = {"re_registered", "redemption", "pending_delete", "available", "wave"}
_SERVED = {t for t, _ in SERVED_TLDS}


@dataclass
class DemoScenario:
    """The scenario document plus what the demo and its tests need to know about it."""

    doc: dict[str, Any]
    roles: dict[str, str] = field(default_factory=dict)  # A-label -> role
    unserved: list[str] = field(default_factory=list)  # A-labels on TLDs with no RDAP service

    def expected_initial(self, alabel: str) -> str:
        """The domainwatch phase a first check at `start` should give `alabel`."""
        if alabel in self.unserved:
            return "unknown"
        body = self.doc["domains"][alabel]
        if "fault" in body and "fault_count" not in body:
            return "unknown"
        return EXPECTED[body.get("phase", "active")]


def _step(at: datetime, phase: str, **facts: Any) -> dict[str, Any]:
    """A timeline step; a re-registration gets its own dates (not the lapsed registration's)."""
    if phase == "re_registered":
        facts = {"registered": at, "expires": at + 365 * DAY, **facts}
    out = {"at": to_iso(at), "phase": phase}
    out.update({k: to_iso(v) if isinstance(v, datetime) else v for k, v in facts.items()})
    return out


def _story(story: str, start: datetime) -> dict[str, Any]:
    """The featured domains' fixed stories."""
    s = start
    if story == "drop":
        expiry = s - 38 * DAY
        return {"phase": "redemption", "expires": to_iso(expiry), "registrar": "Gandi SAS", "iana_id": "81",
                "timeline": [_step(s + 2 * DAY, "pending_delete", expires=expiry),
                             _step(s + 5 * DAY, "available"),
                             _step(s + 7 * DAY, "re_registered", registrar=DROP_CATCHER, iana_id="3777")]}
    if story == "slow-drop":
        expiry = s + 1.5 * DAY
        return {"phase": "expiring", "expires": to_iso(expiry), "registrar": "Tucows Domains Inc.",
                "iana_id": "69",
                "timeline": [_step(expiry, "grace", expires=expiry),
                             _step(s + 4 * DAY, "redemption", expires=expiry),
                             _step(s + 8 * DAY, "pending_delete", expires=expiry),
                             _step(s + 10 * DAY, "available"),
                             _step(s + 12 * DAY, "re_registered", registrar=DROP_CATCHER, iana_id="3777")]}
    if story == "restored":
        expiry = s - 10 * DAY
        return {"phase": "grace", "expires": to_iso(expiry), "registrar": "Hostnet B.V.", "iana_id": "1178",
                "timeline": [_step(s + 1 * DAY, "redemption", expires=expiry),
                             _step(s + 5 * DAY, "active", expires=expiry + 365 * DAY)]}
    if story == "markup":
        return {"phase": "re_registered", "registered": to_iso(s - 18 * DAY), "registrar": MARKUP_REGISTRAR,
                "iana_id": "6666", "nameservers": ["ns1.parkingcrew.net", "ns2.parkingcrew.net"]}
    if story == "idn":
        return {"phase": "pending_delete", "registrar": "DENIC eG member", "timeline": [
            _step(s + 3 * DAY, "available")]}
    if story == "available":
        return {"phase": "available"}
    raise ValueError(f"unknown story {story!r}")


def _wave(rng: random.Random, start: datetime) -> dict[str, Any]:
    """A domain that moves while the demo runs: a lapse (maybe a re-registration) or a renewal."""
    s = start
    path = rng.choices(("lapse", "renewed", "restored", "renewed-early"), (6, 2, 2, 2))[0]
    if path == "lapse":
        expiry = s + rng.uniform(0.5, 9) * DAY
        grace_end = expiry + rng.uniform(1, 3) * DAY
        redemption_end = grace_end + rng.uniform(2, 4) * DAY
        released = redemption_end + rng.uniform(1, 2) * DAY
        steps = [_step(expiry, "grace", expires=expiry), _step(grace_end, "redemption", expires=expiry),
                 _step(redemption_end, "pending_delete", expires=expiry), _step(released, "available")]
        if rng.random() < 0.5:
            steps.append(_step(released + rng.uniform(0.5, 3) * DAY, "re_registered"))
        return {"phase": "expiring", "expires": to_iso(expiry), "timeline": steps}
    if path == "renewed":
        expiry = s - rng.uniform(1, 20) * DAY
        return {"phase": "grace", "expires": to_iso(expiry),
                "timeline": [_step(s + rng.uniform(1, 12) * DAY, "active", expires=expiry + 365 * DAY)]}
    if path == "restored":
        expiry = s - rng.uniform(35, 45) * DAY
        return {"phase": "redemption", "expires": to_iso(expiry),
                "timeline": [_step(s + rng.uniform(1, 12) * DAY, "active", expires=expiry + 365 * DAY)]}
    expiry = s + rng.uniform(3, 14) * DAY
    return {"phase": "expiring", "expires": to_iso(expiry),
            "timeline": [_step(expiry - rng.uniform(0.5, 2) * DAY, "active", expires=expiry + 365 * DAY)]}


def _static(role: str, rng: random.Random, start: datetime, d: DemoDomain) -> dict[str, Any]:
    if role == "fault":
        return {"phase": "active", **rng.choice(FAULTS)}
    body: dict[str, Any] = {"phase": role}
    if role == "re_registered":
        # registered again after the earliest verification, before the demo started
        assert d.earliest_verified is not None
        earliest = max(d.earliest_verified + DAY, start - 30 * DAY)
        body["registered"] = to_iso(earliest + (start - earliest) * rng.uniform(0.2, 0.9))
    return body


def build_scenario(data: DemoData, *, start: datetime, seed: int) -> DemoScenario:
    """The simulator scenario of `data`'s domains, anchored at `start` (deterministic for `seed`)."""
    rng = random.Random(seed * 7919 + 17)
    out = DemoScenario(doc={
        "description": "domainwatch demo: generated accounts' domains, timelines in simulated time",
        "default": "available", "anchor": to_iso(start), "latency_ms": 0, "domains": {},
    })
    roles, weights = [r for r, _ in STATIC_ROLES], [w for _, w in STATIC_ROLES]
    styles = ("z", "z", "z", "z", "fraction", "offset", "offset_nocolon", "naive")
    for alabel in sorted(data.domains):
        d = data.domains[alabel]
        if d.tld not in _SERVED:
            out.unserved.append(alabel)
            out.roles[alabel] = "unserved"
            continue
        if d.featured is not None:
            role, body = d.featured, _story(d.featured, start)
        else:
            role = rng.choices(roles, weights)[0]
            if d.org or (role in NEEDS_VERIFIED and d.earliest_verified is None):
                role = "active"  # organisations stay healthy; lapse roles need a verified address
            body = _wave(rng, start) if role == "wave" else _static(role, rng, start, d)
        if "registrar" not in body:
            name, iana, _ = rng.choices(REGISTRARS, [w for _, _, w in REGISTRARS])[0]
            body.update(registrar=name, iana_id=iana)
        for step in body.get("timeline", []):
            if step["phase"] == "re_registered" and "registrar" not in step:
                step["registrar"], step["iana_id"] = rng.choice(CATCHERS)
        if role == "re_registered":
            body["registrar"], body["iana_id"] = rng.choice(CATCHERS)
        style = rng.choice(styles)
        if style != "z":
            body["date_style"] = style
        out.doc["domains"][alabel] = body
        out.roles[alabel] = role
    return out

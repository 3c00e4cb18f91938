"""RFC 9083-shaped RDAP domain answers for the simulator, one per lifecycle phase.

`phase_facts` turns a phase name plus a reference time into the registry's facts (statuses,
dates, handle); `domain_object` renders facts as the JSON a gTLD registry would send
(objectClassName, ldhName, handle, status, events, a registrar entity with its IANA id in
publicIds, nameservers, notices, links, rdapConformance). Dates can be written in the styles
real registries use, so the parser is exercised over the wire.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

DAY = timedelta(days=1)
YEAR = timedelta(days=365)

#: Phase names a scenario may give a domain (plus "raw" responses and faults).
PHASES = ("active", "expiring", "grace", "auto_renew", "expired_hold", "hold", "redemption",
          "pending_delete", "available", "reserved", "re_registered", "no_expiry", "inactive")

DATE_STYLES = ("z", "fraction", "offset", "offset_nocolon", "naive")

CONFORMANCE = ["rdap_level_0", "icann_rdap_response_profile_1",
               "icann_rdap_technical_implementation_guide_1"]


@dataclass
class Facts:
    """What the simulated registry knows about one domain at one moment."""

    statuses: list[str]
    registered: datetime | None
    expires: datetime | None
    last_changed: datetime | None
    handle: str
    registrar: str = "Example Registrar, Inc."
    iana_id: str = "9999"
    nameservers: list[str] = field(default_factory=lambda: ["ns1.example-dns.net", "ns2.example-dns.net"])
    registrar_expires: datetime | None = None


def stable_handle(domain: str, generation: int = 1) -> str:
    """A registry-style handle that stays the same for a domain (and changes per generation)."""
    digest = hashlib.sha1(f"{domain}/{generation}".encode()).hexdigest()[:10].upper()
    return f"{int(digest, 16) % 10**10}_DOMAIN_{domain.rsplit('.', 1)[-1].upper()}-SIM"


def phase_facts(phase: str, domain: str, *, anchor: datetime, step_at: datetime) -> Facts:
    """The facts of `phase`: the first registration is 3 years before `anchor` (stable over
    time); expiry-related dates are relative to `step_at`, when the domain entered the phase."""
    registered = anchor - 3 * YEAR
    handle = stable_handle(domain)
    t = step_at
    table: dict[str, tuple[list[str], datetime | None]] = {
        "active": (["active", "client transfer prohibited"], t + 200 * DAY),
        "expiring": (["active", "client transfer prohibited"], t + 12 * DAY),
        "grace": (["active"], t - 5 * DAY),
        "auto_renew": (["active", "auto renew period"], t + YEAR - 10 * DAY),
        "expired_hold": (["client hold", "client transfer prohibited"], t - 20 * DAY),
        "hold": (["client hold"], t + 120 * DAY),
        "redemption": (["redemption period", "pending delete"], t - 40 * DAY),
        "pending_delete": (["pending delete"], t - 75 * DAY),
        "no_expiry": (["active"], None),
        "inactive": (["inactive"], t + 200 * DAY),
    }
    if phase == "re_registered":
        return Facts(statuses=["active", "client transfer prohibited"], registered=t,
                     expires=t + YEAR, last_changed=t, handle=stable_handle(domain, 2),
                     registrar="Another Registrar, LLC", iana_id="8888",
                     nameservers=["ns1.parking-sim.example", "ns2.parking-sim.example"])
    if phase not in table:
        raise ValueError(f"unknown phase {phase!r} (phases: {', '.join(PHASES)})")
    statuses, expires = table[phase]
    return Facts(statuses=list(statuses), registered=registered, expires=expires,
                 last_changed=min(t, anchor) if phase in ("active", "no_expiry") else t, handle=handle)


def format_date(value: datetime, style: str = "z") -> str:
    """A date as registries write it: 'z', 'fraction', 'offset' (+03:00), 'offset_nocolon', 'naive'."""
    if style == "fraction":
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if style == "offset":
        shifted = value + timedelta(hours=3)
        return shifted.strftime("%Y-%m-%dT%H:%M:%S") + "+03:00"
    if style == "offset_nocolon":
        return value.strftime("%Y-%m-%dT%H:%M:%S") + "+0000"
    if style == "naive":
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def domain_object(domain: str, facts: Facts, *, base_url: str, now: datetime,
                  date_style: str = "z") -> dict[str, Any]:
    """The RDAP domain object for `facts` (RFC 9083 section 5.3, ICANN gTLD profile shape)."""
    def ev(action: str, when: datetime | None) -> list[dict[str, str]]:
        return [] if when is None else [{"eventAction": action, "eventDate": format_date(when, date_style)}]

    tld = domain.rsplit(".", 1)[-1]
    self_url = f"{base_url}domain/{domain}"
    ldh = domain.upper() if tld in ("com", "net") else domain
    events = (ev("registration", facts.registered) + ev("expiration", facts.expires)
              + ev("registrar expiration", facts.registrar_expires)
              + ev("last changed", facts.last_changed) + ev("last update of RDAP database", now))
    return {
        "objectClassName": "domain",
        "handle": facts.handle,
        "ldhName": ldh,
        "links": [{"value": self_url, "rel": "self", "href": self_url, "type": "application/rdap+json"}],
        "status": list(facts.statuses),
        "entities": [{
            "objectClassName": "entity",
            "handle": facts.iana_id,
            "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": facts.iana_id}],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", facts.registrar]]],
            "entities": [{
                "objectClassName": "entity",
                "roles": ["abuse"],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", ""],
                                         ["email", {}, "text", "abuse@registrar.example"]]],
            }],
        }],
        "events": events,
        "secureDNS": {"delegationSigned": False},
        "nameservers": [{"objectClassName": "nameserver", "ldhName": ns.upper()}
                        for ns in facts.nameservers],
        "rdapConformance": CONFORMANCE,
        "notices": [
            {"title": "Terms of Use",
             "description": ["Simulated registry data from the domainwatch RDAP simulator."],
             "links": [{"value": self_url, "rel": "terms-of-service",
                        "href": "https://rdap-sim.invalid/terms", "type": "text/html"}]},
            {"title": "Status Codes",
             "description": ["For more information on domain status codes, please visit "
                             "https://icann.org/epp"]},
        ],
    }


def not_found_object(domain: str, *, reserved: bool = False) -> dict[str, Any]:
    """The error body of a 404 (RFC 9083 section 6); `reserved` says the name is blocked."""
    description = (["The domain name is reserved by the registry and cannot be registered."]
                   if reserved else [f"The domain {domain} was not found."])
    return {"errorCode": 404, "title": "Not Found", "description": description,
            "rdapConformance": ["rdap_level_0"]}

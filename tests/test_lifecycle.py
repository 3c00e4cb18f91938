"""The lifecycle rules, table-driven: evidence + now + prior -> phase, reasons, release estimate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from domainwatch_tui.core.lifecycle import classify
from domainwatch_tui.core.model import Evidence, Phase, Prior
from domainwatch_tui.core.rdap.parse import parse_rdap_domain

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


def days(n: float) -> datetime:
    """NOW shifted by n days (negative: in the past)."""
    return NOW + timedelta(days=n)


def ev(**fields: object) -> Evidence:
    return Evidence(domain="example.com", http_status=200, **fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    evidence: Evidence
    phase: Phase
    reasons: tuple[str, ...] = ()  # each must appear in some reason
    prior: Prior = field(default_factory=Prior)
    release: datetime | None = None
    expiring_days: int = 30


CASES = {
    # Untrustworthy evidence is unknown, never available.
    "unsupported-tld": Case(
        Evidence(domain="example.xyz", unsupported=True), Phase.UNKNOWN, ("no RDAP service for .xyz",)
    ),
    "error": Case(
        ev(error="RDAP answer refused: not JSON (text/html)"), Phase.UNKNOWN, ("not JSON (text/html)",)
    ),
    "error-beats-statuses": Case(
        ev(error="the RDAP server answered HTTP 500", statuses=("redemption period",)),
        Phase.UNKNOWN,
        ("HTTP 500",),
    ),
    "reserved-404": Case(
        Evidence(domain="nic.com", http_status=404, reserved=True), Phase.UNKNOWN, ("reserved or blocked",)
    ),
    "not-found": Case(
        Evidence(domain="gone.com", http_status=404, not_found=True),
        Phase.AVAILABLE,
        ("404", "not registered"),
    ),
    # Re-registration.
    "registered-after-verification": Case(
        ev(registered_at=days(-10), expires_at=days(355)),
        Phase.RE_REGISTERED,
        ("registered 2026-08-22", "verified on 2024-01-01"),
        prior=Prior(verified_at=(datetime(2024, 1, 1, tzinfo=UTC), None)),
    ),
    "registered-after-previous-registration": Case(
        ev(registered_at=days(-10), expires_at=days(355)),
        Phase.RE_REGISTERED,
        ("registration date changed from 2001-01-01 to 2026-08-22",),
        prior=Prior(registered_at=datetime(2001, 1, 1, tzinfo=UTC)),
    ),
    "registered-after-first-seen": Case(
        ev(registered_at=days(-10), expires_at=days(355)),
        Phase.RE_REGISTERED,
        ("first saw the domain on 2026-01-01",),
        prior=Prior(first_seen_at=datetime(2026, 1, 1, tzinfo=UTC)),
    ),
    "handle-changed": Case(
        ev(registered_at=datetime(2001, 1, 1, tzinfo=UTC), expires_at=days(355), handle="NEW-VRSN"),
        Phase.RE_REGISTERED,
        ("registry handle changed from 'OLD-VRSN' to 'NEW-VRSN'",),
        prior=Prior(handle="OLD-VRSN", registered_at=datetime(2001, 1, 1, tzinfo=UTC)),
    ),
    "re-registered-beats-redemption": Case(
        ev(registered_at=days(-10), statuses=("redemption period",)),
        Phase.RE_REGISTERED,
        ("verified on",),
        prior=Prior(verified_at=(days(-400),)),
    ),
    "verified-after-registration-is-fine": Case(
        ev(registered_at=days(-1000), expires_at=days(200)),
        Phase.ACTIVE,
        ("registered until 2027-03-20",),
        prior=Prior(verified_at=(days(-10),), first_seen_at=days(-20), registered_at=days(-1000)),
    ),
    "same-registration-within-tolerance": Case(
        ev(registered_at=datetime(2001, 1, 1, 3, tzinfo=UTC), expires_at=days(200)),
        Phase.ACTIVE,
        prior=Prior(registered_at=datetime(2001, 1, 1, tzinfo=UTC)),
    ),
    "same-handle-other-case": Case(
        ev(expires_at=days(200), handle="abc-vrsn"), Phase.ACTIVE, prior=Prior(handle="ABC-VRSN")
    ),
    # Statuses.
    "redemption-from-last-changed": Case(
        ev(statuses=("redemption period",), expires_at=days(-31), last_changed_at=days(-5)),
        Phase.REDEMPTION,
        (
            "RDAP status 'redemption period'; expired 2026-08-01",
            "estimated release 2026-10-01",
            "last change",
        ),
        release=days(30),
    ),
    "redemption-from-expiry": Case(
        ev(statuses=("redemption period",), expires_at=days(-50)),
        Phase.REDEMPTION,
        ("redemption period", "45 days of grace following the expiry on 2026-07-13", "estimated release"),
        release=days(-5 + 35),
    ),
    "redemption-expiry-auto-renewed-ahead": Case(
        ev(statuses=("redemption period", "pending delete"), expires_at=days(300)),
        Phase.REDEMPTION,
        ("redemption period", "auto-renewed", "counted from now"),
        release=days(35),
    ),
    "redemption-recent-expiry": Case(
        ev(statuses=("redemption period",), expires_at=days(-20)),
        Phase.REDEMPTION,
        ("expired 2026-08-12", "too recent", "counted from now"),
        release=days(35),
    ),
    "redemption-estimate-passed": Case(
        ev(statuses=("redemption period",), last_changed_at=days(-60)),
        Phase.REDEMPTION,
        ("released any time now",),
        release=NOW,
    ),
    "redemption-beats-pending-delete": Case(
        ev(statuses=("pending delete", "redemption period")),
        Phase.REDEMPTION,
        ("counted from now",),
        release=days(35),
    ),
    "pending-delete-from-last-changed": Case(
        ev(statuses=("pending delete",), expires_at=days(-80), last_changed_at=days(-2)),
        Phase.PENDING_DELETE,
        ("RDAP status 'pending delete'", "estimated release 2026-09-04", "expired 2026-06-13"),
        release=days(3),
    ),
    "pending-delete-from-now": Case(
        ev(statuses=("pending delete",)),
        Phase.PENDING_DELETE,
        ("5 days from now", "estimated"),
        release=days(5),
    ),
    "auto-renew-with-future-expiry": Case(
        ev(statuses=("auto renew period",), expires_at=days(360)),
        Phase.GRACE,
        ("auto renew period", "does not prove anyone paid"),
    ),
    "hold-after-expiry": Case(
        ev(statuses=("client hold",), expires_at=days(-3)),
        Phase.GRACE,
        ("RDAP status 'client hold' after the expiry date 2026-08-29",),
    ),
    "server-hold-after-registrar-expiry": Case(
        ev(statuses=("server hold",), expires_at=days(300), registrar_expires_at=days(-3)),
        Phase.GRACE,
        ("server hold", "2026-08-29"),
    ),
    "hold-alone": Case(
        ev(statuses=("client hold",), expires_at=days(200)),
        Phase.ACTIVE,
        ("RDAP status 'client hold'", "registered until"),
    ),
    "hold-without-expiry": Case(
        ev(statuses=("server hold",)), Phase.ACTIVE, ("server hold", "the registry publishes no expiry")
    ),
    "hold-and-expiring": Case(
        ev(statuses=("client hold",), expires_at=days(10)),
        Phase.EXPIRING,
        ("client hold", "expires 2026-09-11"),
    ),
    # Expiry.
    "expired": Case(
        ev(statuses=("ok",), expires_at=days(-3)), Phase.GRACE, ("expired 2026-08-29, 3 days ago",)
    ),
    "expired-registrar-expiration-only": Case(
        ev(registrar_expires_at=days(-3)), Phase.GRACE, ("expired 2026-08-29", "registrar's expiration")
    ),
    "registry-expiry-wins-over-registrar": Case(
        ev(expires_at=days(100), registrar_expires_at=days(-3)),
        Phase.ACTIVE,
        ("registered until 2026-12-10", "registrar's own expiry date 2026-08-29 has passed"),
    ),
    "expiring": Case(ev(expires_at=days(12)), Phase.EXPIRING, ("expires 2026-09-13, in 12 days",)),
    "expiring-at-window-edge": Case(ev(expires_at=days(30)), Phase.EXPIRING, ("in 30 days",)),
    "just-outside-window": Case(ev(expires_at=days(31)), Phase.ACTIVE, ("registered until 2026-10-02",)),
    "custom-window": Case(ev(expires_at=days(50)), Phase.EXPIRING, ("in 50 days",), expiring_days=60),
    "expiring-registrar-expiration": Case(
        ev(registrar_expires_at=days(5)), Phase.EXPIRING, ("expires 2026-09-06", "registrar's expiration")
    ),
    "no-expiry-at-all": Case(ev(statuses=("active",)), Phase.ACTIVE, ("the registry publishes no expiry",)),
    "active": Case(
        ev(statuses=("ok",), expires_at=days(200)), Phase.ACTIVE, ("registered until 2027-03-20",)
    ),
    # Reasons that change no phase.
    "inactive-is-a-reason": Case(
        ev(statuses=("inactive",), expires_at=days(200)), Phase.ACTIVE, ("'inactive'", "no nameservers")
    ),
    "inactive-and-expired": Case(
        ev(statuses=("inactive",), expires_at=days(-2)), Phase.GRACE, ("expired", "no nameservers")
    ),
    "registrar-changed": Case(
        ev(expires_at=days(200), registrar="New Registrar", registrar_iana_id="1000"),
        Phase.ACTIVE,
        ("registrar changed from Old Registrar (IANA id 292) to New Registrar (IANA id 1000)",),
        prior=Prior(registrar_iana_id="292", registrar="Old Registrar"),
    ),
    "registrar-changed-while-expiring": Case(
        ev(expires_at=days(3), registrar_iana_id="1000"),
        Phase.EXPIRING,
        ("registrar changed from IANA id 292 to IANA id 1000",),
        prior=Prior(registrar_iana_id="292"),
    ),
    "pending-restore-is-a-reason": Case(
        ev(statuses=("pending restore",), expires_at=days(-20)), Phase.GRACE, ("asked to restore",)
    ),
    "was-available-now-registered": Case(
        ev(expires_at=days(200)),
        Phase.ACTIVE,
        ("available at the previous check",),
        prior=Prior(phase=Phase.AVAILABLE),
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_rules(case: Case) -> None:
    result = classify(case.evidence, NOW, case.prior, expiring_days=case.expiring_days)
    assert result.phase is case.phase, result.reasons
    assert result.reasons, "every verdict carries a reason"
    text = " | ".join(result.reasons)
    for expected in case.reasons:
        assert expected in text, f"{expected!r} not in {text!r}"
    assert result.release_at == case.release


def test_no_registrar_change_reason_when_ids_match_or_are_unknown() -> None:
    for prior_id, now_id in (("292", "292"), (None, "292"), ("292", None)):
        result = classify(
            ev(expires_at=days(200), registrar_iana_id=now_id), NOW, Prior(registrar_iana_id=prior_id)
        )
        assert not any("registrar changed" in r for r in result.reasons)


def test_fastly_evidence_goes_to_the_fastly_rules() -> None:
    evidence = Evidence(domain="example.com", backend="fastly", backend_statuses=("inactive",))
    assert classify(evidence, NOW, Prior()).phase is Phase.AVAILABLE  # Fastly: "available to register"
    assert classify(Evidence(domain="example.com", backend="whois"), NOW, Prior()).phase is Phase.UNKNOWN


def test_naive_now_is_taken_as_utc() -> None:
    result = classify(ev(expires_at=days(-1)), NOW.replace(tzinfo=None), Prior())
    assert result.phase is Phase.GRACE


def test_naive_evidence_dates_are_taken_as_utc() -> None:
    naive = ev(
        statuses=("client hold",),
        expires_at=days(-1).replace(tzinfo=None),
        registered_at=datetime(2001, 1, 1),
    )
    result = classify(naive, NOW, Prior(verified_at=(datetime(2002, 1, 1, tzinfo=UTC),)))
    assert result.phase is Phase.GRACE


def test_classify_is_pure() -> None:
    evidence = ev(statuses=("redemption period",), expires_at=days(-31))
    assert classify(evidence, NOW, Prior()) == classify(evidence, NOW, Prior())


COM_REDEMPTION = {
    "objectClassName": "domain",
    "handle": "123_DOMAIN_COM-VRSN",
    "ldhName": "LAPSED.COM",
    "status": ["redemptionPeriod", "pendingDelete"],
    "events": [
        {"eventAction": "registration", "eventDate": "2010-04-01T10:00:00Z"},
        {"eventAction": "expiration", "eventDate": "2026-07-01T10:00:00Z"},
        {"eventAction": "last changed", "eventDate": "2026-08-15T10:00:00.000+0000"},
    ],
    "entities": [
        {
            "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": "146"}],
            "vcardArray": ["vcard", [["fn", {}, "text", "GoDaddy.com, LLC"]]],
        }
    ],
}


def test_end_to_end_from_an_rdap_body() -> None:
    evidence = parse_rdap_domain("lapsed.com", 200, json.dumps(COM_REDEMPTION).encode())
    prior = Prior(
        phase=Phase.GRACE,
        registered_at=datetime(2010, 4, 1, 10, tzinfo=UTC),
        handle="123_DOMAIN_COM-VRSN",
        registrar_iana_id="146",
        verified_at=(datetime(2019, 5, 5, tzinfo=UTC),),
    )
    result = classify(evidence, NOW, prior)
    assert result.phase is Phase.REDEMPTION
    assert result.reasons[0] == "RDAP status 'redemption period'; expired 2026-07-01"
    assert result.release_at == datetime(2026, 9, 19, 10, tzinfo=UTC)


def test_end_to_end_no_expiry_registry() -> None:
    body = {"objectClassName": "domain", "ldhName": "eksempel.no", "status": ["active"], "events": []}
    evidence = parse_rdap_domain("eksempel.no", 200, json.dumps(body).encode())
    result = classify(evidence, NOW, Prior())
    assert result.phase is Phase.ACTIVE
    assert result.reasons == ("the registry publishes no expiry",)


@pytest.mark.parametrize("status", [404, 429, 500])
def test_end_to_end_status_codes(status: int) -> None:
    result = classify(parse_rdap_domain("gone.com", status, b""), NOW, Prior())
    assert result.phase is (Phase.AVAILABLE if status == 404 else Phase.UNKNOWN)
    if status != 404:
        assert f"HTTP {status}" in result.reasons[0]

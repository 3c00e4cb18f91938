"""The lifecycle rules: parsed evidence + now + what was known before -> a phase with its reasons.

Pure: no I/O, no clock (`now` is passed in). The rules, in order of precedence:

1. an error, an unsupported TLD or a reserved name -> `unknown` (never `available`);
2. RDAP 404 -> `available`;
3. `re_registered`: the registration date is later than an address's `verified_at`, than the
   date the domain was first seen, or (by more than a day) than the registration date seen before;
   or the registry handle changed;
4. status `redemption period` -> `redemption`; `pending delete` without it -> `pending_delete`;
5. `auto renew period` -> `grace`, whatever the expiry says (.com/.org auto-renew at expiry);
6. a hold (`client hold`, `server hold`) once an expiry date has passed -> `grace`; a hold alone
   changes no phase and is given as a reason;
7. the expiry (registry `expiration`, else `registrar expiration`) in the past -> `grace`, within
   `expiring_days` -> `expiring`, otherwise or without any expiry -> `active`.

`inactive` (no nameservers) and a registrar change (IANA id) are reasons, never phases. Release
estimates follow the ICANN gTLD timeline: redemption 30 days, then pending delete 5 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domainwatch_tui.core.model import Classification, Evidence, Phase, Prior
from domainwatch_tui.core.timefmt import ensure_utc

REDEMPTION_DAYS = 30
PENDING_DELETE_DAYS = 5
#: The longest grace (auto-renew) before a gTLD registrar must delete or renew.
MAX_GRACE_DAYS = 45
#: A registration date may wobble (time zone, precision) without meaning a new registration.
REGISTRATION_TOLERANCE = timedelta(days=1)

HOLDS = ("client hold", "server hold")


def _day(value: datetime) -> str:
    return ensure_utc(value).date().isoformat()


def _ago(delta: timedelta) -> str:
    days = abs(delta).days
    if days == 0:
        return "less than a day"
    return "1 day" if days == 1 else f"{days} days"


def classify(evidence: Evidence, now: datetime, prior: Prior, *, expiring_days: int = 30) -> Classification:
    """The phase of `evidence.domain` at `now`, with the reasons and an estimated release date."""
    now = ensure_utc(now)
    if evidence.backend == "fastly":  # Fastly's tokens mean other things than RDAP statuses
        from domainwatch_tui.core.fastly_rules import classify_fastly

        return classify_fastly(evidence, now, prior)
    if evidence.backend != "rdap":
        return Classification(Phase.UNKNOWN, (f"no lifecycle rules for the backend {evidence.backend!r}",))
    refused = _refused(evidence)
    if refused is not None:
        return refused
    notes = _notes(evidence, prior)

    renewed = _re_registration(evidence, prior)
    if renewed:
        return Classification(Phase.RE_REGISTERED, tuple(renewed + notes))

    statuses = set(evidence.statuses)
    expiry, expiry_kind = _expiry(evidence)
    expired_text = f"; expired {_day(expiry)}" if expiry and expiry <= now else ""

    if "redemption period" in statuses:
        release, how = _redemption_release(evidence, now, expiry)
        reasons = [f"RDAP status 'redemption period'{expired_text}", how]
        return Classification(Phase.REDEMPTION, tuple(reasons + notes), release)

    if "pending delete" in statuses:
        release, how = _pending_delete_release(evidence, now)
        reasons = [f"RDAP status 'pending delete'{expired_text}; it can no longer be restored", how]
        return Classification(Phase.PENDING_DELETE, tuple(reasons + notes), release)

    if "auto renew period" in statuses:
        shown = f"; the expiry date {_day(expiry)} does not prove anyone paid" if expiry else ""
        reason = (
            "RDAP status 'auto renew period': the registry renewed it automatically at expiry and the "
            f"registrar may still delete it{shown}"
        )
        return Classification(Phase.GRACE, (reason, *notes))

    holds = [h for h in HOLDS if h in statuses]
    known = [ensure_utc(d) for d in (evidence.expires_at, evidence.registrar_expires_at) if d is not None]
    passed = [d for d in known if d <= now]
    if holds and passed:
        reason = f"RDAP status '{holds[0]}' after the expiry date {_day(min(passed))}"
        return Classification(Phase.GRACE, (reason, *notes))
    if holds:
        notes.insert(0, f"RDAP status '{holds[0]}': the domain is on hold and does not resolve")

    return _by_expiry(evidence, now, expiry, expiry_kind, expiring_days, notes)


def _refused(evidence: Evidence) -> Classification | None:
    """`unknown` for evidence that cannot be trusted: an unsupported TLD, an error, a reserved name."""
    if evidence.unsupported:
        tld = evidence.domain.rstrip(".").rsplit(".", 1)[-1]
        # the checker's own words first when it has some (e.g. a bootstrap URL refused as insecure)
        why = next((r for r in evidence.remarks if r), f"no RDAP service for .{tld}")
        reasons = [f"{why}; the domain cannot be checked, so it is not called available"]
        if evidence.error:
            reasons.append(evidence.error)
        return Classification(Phase.UNKNOWN, tuple(reasons))
    if evidence.error:
        return Classification(Phase.UNKNOWN, (evidence.error,))
    if evidence.reserved:
        reason = (
            "the registry answered 404 but says the name is reserved or blocked: "
            "it cannot simply be registered; check by hand"
        )
        return Classification(Phase.UNKNOWN, (reason,))
    if evidence.not_found:
        reason = "the registry answered 404: the domain is not registered and anyone can register it now"
        return Classification(Phase.AVAILABLE, (reason,))
    return None


def _re_registration(evidence: Evidence, prior: Prior) -> list[str]:
    """Why the domain changed hands since it was verified or last seen; empty when it did not."""
    reasons: list[str] = []
    registered = evidence.registered_at
    if registered is not None:
        registered = ensure_utc(registered)
        earlier = sorted(
            ensure_utc(v) for v in prior.verified_at if v is not None and ensure_utc(v) < registered
        )
        if earlier:
            reasons.append(
                f"registered {_day(registered)}, after an address on it was verified on {_day(earlier[-1])}"
                + (f" ({len(earlier)} addresses verified before that)" if len(earlier) > 1 else "")
            )
        if (
            prior.registered_at is not None
            and registered > ensure_utc(prior.registered_at) + REGISTRATION_TOLERANCE
        ):
            reasons.append(
                f"registration date changed from {_day(prior.registered_at)} to {_day(registered)}: "
                "it was registered again"
            )
        if prior.first_seen_at is not None and registered > ensure_utc(prior.first_seen_at) and not earlier:
            reasons.append(
                f"registered {_day(registered)}, after domainwatch first saw the domain on "
                f"{_day(prior.first_seen_at)}"
            )
    if (
        evidence.handle
        and prior.handle
        and evidence.handle.strip().casefold() != prior.handle.strip().casefold()
    ):
        reasons.append(
            f"registry handle changed from '{prior.handle}' to '{evidence.handle}': a new registration"
        )
    return reasons


def _notes(evidence: Evidence, prior: Prior) -> list[str]:
    """Reasons that change no phase: registrar change, inactive, restore requested, odd dates."""
    notes: list[str] = []
    statuses = set(evidence.statuses)
    if (
        evidence.registrar_iana_id
        and prior.registrar_iana_id
        and evidence.registrar_iana_id.strip() != prior.registrar_iana_id.strip()
    ):
        before = _registrar_name(prior.registrar, prior.registrar_iana_id)
        after = _registrar_name(evidence.registrar, evidence.registrar_iana_id)
        notes.append(f"registrar changed from {before} to {after} since the last check")
    if "inactive" in statuses:
        notes.append("RDAP status 'inactive': the domain has no nameservers, so it receives no mail")
    if "pending restore" in statuses:
        notes.append("RDAP status 'pending restore': the registrar asked to restore it from redemption")
    if prior.phase is Phase.AVAILABLE:
        notes.append("it was available at the previous check and is registered now")
    if (
        evidence.registered_at is not None
        and prior.registered_at is not None
        and ensure_utc(evidence.registered_at) < ensure_utc(prior.registered_at) - REGISTRATION_TOLERANCE
    ):
        notes.append(
            f"the registration date went back from {_day(prior.registered_at)} to "
            f"{_day(evidence.registered_at)}; check the registry's record"
        )
    return notes


def _registrar_name(name: str | None, iana_id: str) -> str:
    return f"{name} (IANA id {iana_id})" if name else f"IANA id {iana_id}"


def _expiry(evidence: Evidence) -> tuple[datetime | None, str]:
    """The expiry that counts: the registry's `expiration`, else the registrar's."""
    if evidence.expires_at is not None:
        return ensure_utc(evidence.expires_at), "registry"
    if evidence.registrar_expires_at is not None:
        return ensure_utc(evidence.registrar_expires_at), "registrar"
    return None, ""


def _by_expiry(
    evidence: Evidence,
    now: datetime,
    expiry: datetime | None,
    kind: str,
    expiring_days: int,
    notes: list[str],
) -> Classification:
    if expiry is None:
        return Classification(Phase.ACTIVE, ("the registry publishes no expiry", *notes))
    source = "" if kind == "registry" else " (the registrar's expiration; the registry gives none)"
    if expiry <= now:
        reason = f"expired {_day(expiry)}, {_ago(now - expiry)} ago{source}; in grace, not yet deleted"
        return Classification(Phase.GRACE, (reason, *notes))
    registrar_passed = evidence.registrar_expires_at
    if kind == "registry" and registrar_passed is not None and ensure_utc(registrar_passed) <= now:
        notes.append(
            f"the registrar's own expiry date {_day(registrar_passed)} has passed, although the registry "
            f"says {_day(expiry)}"
        )
    if expiry - now <= timedelta(days=expiring_days):
        reason = f"expires {_day(expiry)}, in {_ago(expiry - now)}{source}"
        return Classification(Phase.EXPIRING, (reason, *notes))
    return Classification(Phase.ACTIVE, (f"registered until {_day(expiry)}{source}", *notes))


def _redemption_release(evidence: Evidence, now: datetime, expiry: datetime | None) -> tuple[datetime, str]:
    """Redemption start + 30 days + 5 days pending delete, and a sentence saying how it was derived."""
    tail = f"then {REDEMPTION_DAYS} days of redemption and {PENDING_DELETE_DAYS} days of pending delete"
    changed = evidence.last_changed_at
    if changed is not None and ensure_utc(changed) <= now:
        start = ensure_utc(changed)
        basis = f"redemption taken to start at the last change on {_day(start)}, {tail}"
    elif expiry is not None and expiry + timedelta(days=MAX_GRACE_DAYS) <= now:
        start = expiry + timedelta(days=MAX_GRACE_DAYS)
        basis = (
            f"redemption taken to start at the latest after {MAX_GRACE_DAYS} days of grace following the "
            f"expiry on {_day(expiry)} (no last-changed date), {tail}"
        )
    elif expiry is not None:
        start = now
        basis = (
            f"no last-changed date and the expiry {_day(expiry)} is too recent or in the future "
            f"(auto-renewed?), so counted from now, {tail}"
        )
    else:
        start = now
        basis = f"no date to start from, so counted from now, {tail}"
    return _release_sentence(start + timedelta(days=REDEMPTION_DAYS + PENDING_DELETE_DAYS), now, basis)


def _pending_delete_release(evidence: Evidence, now: datetime) -> tuple[datetime, str]:
    """(Last change or now) + 5 days, and a sentence saying how it was derived."""
    changed = evidence.last_changed_at
    if changed is not None and ensure_utc(changed) <= now:
        start = ensure_utc(changed)
        basis = f"{PENDING_DELETE_DAYS} days after the last change on {_day(start)}"
    else:
        start = now
        basis = f"{PENDING_DELETE_DAYS} days from now; no last-changed date"
    return _release_sentence(start + timedelta(days=PENDING_DELETE_DAYS), now, basis)


def _release_sentence(release: datetime, now: datetime, basis: str) -> tuple[datetime, str]:
    if release < now:
        return now, (
            f"estimated release was {_day(release)} ({basis}); that date has passed, so it may be "
            "released any time now"
        )
    return release, f"estimated release {_day(release)} ({basis})"

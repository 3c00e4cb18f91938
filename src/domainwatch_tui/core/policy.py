"""Policy: what a check means for the review queue (proposals, lapses, renewals, auto-confirm).

`apply_check` is called by `checking.record_observation` inside the check's transaction, after
the check row and the domain's new phase are stored. For the domain of the check it:

1. lapses an override when the domain reached a more severe phase than the overridden one,
   when its `until` passed, or when the same owner renewed the domain (one `lapse` row each in
   the audit trail, operator `domainwatch-auto`);
2. in an unverify phase (and not overridden), gives every verified address without one a
   pending `unverify` proposal carrying the check id, phase and reasons; pending proposals
   follow the domain to a new unverify phase (their evidence is updated, never duplicated);
3. active or expiring again with the same registration (date and handle) as before: closes
   the pending proposals as "resolved by renewal" and proposes `reverify` for the addresses a
   confirm un-verified (never when the domain was re_registered since, nor for an address
   verified before the current registration);
4. in a phase of `auto_confirm_phases`, confirms the pending proposals as `domainwatch-auto`;
5. refreshes the domain's `decision_state`, and its risk when the phase changed.

`unknown`, `unchecked` and `exempt` never propose anything, whatever the config says.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from domainwatch_tui.core.decisions import SYSTEM_OPERATOR, execute, preview_decision, refresh_domain
from domainwatch_tui.core.lifecycle import REGISTRATION_TOLERANCE
from domainwatch_tui.core.model import NEVER_PROPOSE, CheckOutcome, Evidence, Phase, PolicySettings
from domainwatch_tui.core.timefmt import ensure_utc, from_iso, to_iso
from domainwatch_tui.core.webhooks import enqueue_phase_entry

if TYPE_CHECKING:
    import sqlite3

    from domainwatch_tui.core.store import Store

#: Registered and healthy: where a domain is "safe again".
HEALTHY: frozenset[Phase] = frozenset({Phase.ACTIVE, Phase.EXPIRING})

RESOLVED_BY_RENEWAL = "resolved by renewal"


def proposal_phases(settings: PolicySettings) -> frozenset[Phase]:
    """The phases that propose un-verification: `unverify_phases` minus NEVER_PROPOSE."""
    return frozenset(settings.unverify_phases) - NEVER_PROPOSE


def auto_confirm_phases(settings: PolicySettings) -> frozenset[Phase]:
    """Auto-confirm applies to proposals only, so only to phases that propose."""
    return frozenset(settings.auto_confirm_phases) & proposal_phases(settings)


def apply_check(store: Store, outcome: CheckOutcome, *, now: datetime, settings: PolicySettings) -> None:
    """Open, close or restore proposals after a check (inside the caller's transaction)."""
    domain = outcome.domain
    phase = outcome.phase
    at = to_iso(now) or ""
    reasons = list(outcome.classification.reasons)
    evidence = outcome.observation.evidence
    with store.transaction():
        if store.domain_phase_row(domain) is None:
            return
        renewed = phase in HEALTHY and _same_owner(store, domain, evidence, outcome.check_id)
        override = store.override_for(domain)
        lapse_why = _lapse_reason(override, phase, now, renewed) if override is not None else None
        if override is not None and lapse_why is not None:
            store.delete_override(domain)
        overridden = override is not None and lapse_why is None

        new_ids: list[int] = []
        if phase in proposal_phases(settings) and not overridden:
            new_ids = _propose_unverify(store, domain, phase, outcome.check_id, reasons, at)
        if phase in HEALTHY:
            if renewed:
                _resolve_by_renewal(store, domain, phase, at)
                _propose_reverify(store, domain, phase, outcome.check_id, evidence, at)
        elif phase not in NEVER_PROPOSE:
            _withdraw_reverify(store, domain, phase, at)

        if override is not None and lapse_why is not None:
            _record_lapse(store, domain, phase, outcome.check_id, override, lapse_why, new_ids, at)
        if phase in auto_confirm_phases(settings) and not overridden:
            _auto_confirm(store, domain, phase, settings, now)
        enqueue_phase_entry(store, outcome, now=now, unverify_phases=settings.unverify_phases)
        # risk depends on the phase (and on verified addresses, which only decisions change)
        refresh_domain(store, domain, settings.risk, risk=outcome.changed, expand=False)


def lapse_expired_overrides(store: Store, *, now: datetime, settings: PolicySettings) -> list[str]:
    """End the overrides whose `until` has passed (the worker calls this now and then); the
    proposals come back at once for domains still in an unverify phase. Returns the domains."""
    at = to_iso(now) or ""
    done = []
    for domain in store.expired_overrides(at):
        with store.transaction():
            override = store.override_for(domain)
            row = store.domain_phase_row(domain)
            if override is None or row is None:
                continue
            phase = Phase(row["phase"])
            store.delete_override(domain)
            check_id = row["last_check_id"]
            if check_id is None:
                check_id = store.latest_check_id(domain)
            new_ids: list[int] = []
            if phase in proposal_phases(settings):
                new_ids = _propose_unverify(store, domain, phase, check_id, _reasons(row), at)
            _record_lapse(store, domain, phase, check_id, override,
                          f"override expired on {override['until']}", new_ids, at)
            if phase in auto_confirm_phases(settings):
                _auto_confirm(store, domain, phase, settings, now)
            refresh_domain(store, domain, settings.risk, risk=False)
            done.append(domain)
    return done


def _reasons(row: sqlite3.Row) -> list[str]:
    try:
        value = json.loads(row["reasons"] or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _same_owner(store: Store, domain: str, evidence: Evidence, check_id: int) -> bool:
    """Whether the registration seen now is the one seen before (date and handle, where known).

    With nothing earlier to compare, the lifecycle's verdict (not re_registered) stands."""
    last = store.last_registration_before(domain, check_id)
    if last is None:
        return True
    before = from_iso(last["registered_at"])
    if before is not None and evidence.registered_at is not None and \
            abs(ensure_utc(evidence.registered_at) - before) > REGISTRATION_TOLERANCE:
        return False
    return not (last["handle"] and evidence.handle
                and str(last["handle"]).casefold() != evidence.handle.casefold())


def _lapse_reason(override: sqlite3.Row, phase: Phase, now: datetime, renewed: bool) -> str | None:
    """Why the override ends now, or None when it still holds."""
    overridden = Phase(override["phase"])
    if phase.severity < overridden.severity and phase not in NEVER_PROPOSE:
        return (f"domain reached {phase.value}, more severe than the overridden {overridden.value}: "
                "the proposals come back")
    until = from_iso(override["until"])
    if until is not None and now >= until:
        return f"override expired on {override['until']}"
    if renewed:
        return "domain renewed by the same owner: the override is no longer needed"
    return None


def _propose_unverify(store: Store, domain: str, phase: Phase, check_id: int | None,
                      reasons: list[str], at: str) -> list[int]:
    store.update_pending_evidence(domain, phase=phase.value, check_id=check_id, reasons=reasons)
    rows = store.verified_without_pending(domain)
    return store.insert_proposals(domain, [int(r["id"]) for r in rows], kind="unverify", phase=phase.value,
                                  check_id=check_id, reasons=reasons, at=at)


def _resolve_by_renewal(store: Store, domain: str, phase: Phase, at: str) -> None:
    pending = store.open_proposals(domain, "unverify")
    if pending:
        store.close_proposals([int(p["id"]) for p in pending], status="resolved", at=at, decision_id=None,
                              reason=f"{RESOLVED_BY_RENEWAL}: {domain} is {phase.value} again with the "
                                     "same registration")


def _propose_reverify(store: Store, domain: str, phase: Phase, check_id: int, evidence: Evidence,
                      at: str) -> None:
    registered = to_iso(evidence.registered_at)
    ids = []
    for row in store.reverify_candidates(domain):
        if registered and row["verified_at"] and registered > row["verified_at"]:
            continue  # registered after the address was verified: not the owner who verified it
        if store.phase_seen_since(domain, Phase.RE_REGISTERED.value, after_check_id=None,
                                  at=row["verified_at"] or ""):
            continue  # it changed hands at some point after the address was verified
        ids.append(int(row["id"]))
    if ids:
        store.insert_proposals(domain, ids, kind="reverify", phase=phase.value, check_id=check_id,
                               reasons=[f"{domain} renewed by the same owner (registration "
                                        f"{registered or 'unchanged'}): re-verify the addresses a "
                                        "confirm un-verified?"], at=at)


def _withdraw_reverify(store: Store, domain: str, phase: Phase, at: str) -> None:
    pending = store.open_proposals(domain, "reverify")
    if pending:
        store.close_proposals([int(p["id"]) for p in pending], status="withdrawn", at=at, decision_id=None,
                              reason=f"withdrawn: {domain} is {phase.value} again")


def _record_lapse(store: Store, domain: str, phase: Phase, check_id: int | None, override: sqlite3.Row,
                  why: str, new_ids: list[int], at: str) -> None:
    affected = [{"email_id": int(r["id"]), "account_id": r["account_id"], "address": r["address"]}
                for r in store.review_emails(domain, verified=True)]
    store.insert_decision(at=at, operator=SYSTEM_OPERATOR, action="lapse", domain=domain, phase=phase.value,
                          check_id=check_id, reason=f"override #{override['decision_id']} lapsed: {why}",
                          until=override["until"], emails=affected, proposal_ids=new_ids)


def _auto_confirm(store: Store, domain: str, phase: Phase, settings: PolicySettings, now: datetime) -> None:
    if not store.open_proposals(domain, "unverify"):
        return
    plan = preview_decision(store, domain, "confirm", settings=settings)
    if plan.blocked or not plan.changes:
        return
    execute(store, plan, operator=SYSTEM_OPERATOR,
            reason=f"automatic: {phase.value} is in policy.auto_confirm_phases", until=None, now=now,
            weights=settings.risk)

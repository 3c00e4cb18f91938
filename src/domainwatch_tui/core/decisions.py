"""Operator decisions on one domain: confirm, override, revert; what they change; their records.

A decision acts on all the addresses of one domain at once and is one append-only row in
`decisions` (who, when, what, the phase and the check that were the evidence, why, until, the
addresses, the proposals it closed). Its consequences (emails.verified, the overrides table,
proposals.status, domains.decision_state and risk) change in the same transaction.

- confirm: the pending un-verify proposals' addresses become unverified. With no pending
  proposal, a domain in an unverify phase (an override ended early) has its verified addresses
  un-verified; pending re-verify proposals are dismissed (the addresses stay unverified).
  Anything else needs `force` (never for an exempt provider).
- override: the addresses stay verified and the pending proposals close; the override lapses
  when the domain reaches a more severe phase, when `until` passes, or on renewal.
- revert: re-verify the addresses a confirm un-verified; refused for a re_registered domain
  unless `force`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domainwatch_tui.core.model import NEVER_PROPOSE, Phase, PolicySettings, RiskWeights
from domainwatch_tui.core.timefmt import ensure_utc, to_iso

if TYPE_CHECKING:
    from domainwatch_tui.core.store import Store

ACTIONS = ("confirm", "override", "revert")
#: The operator recorded on what domainwatch does by itself (auto-confirm, lapses).
SYSTEM_OPERATOR = "domainwatch-auto"


class PolicyError(Exception):
    """A decision that cannot be made; `exit_code` is 1 (refused / nothing to do) or 2 (usage)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """One address a decision touches: its state before and after."""

    email_id: int
    account_id: str
    username: str | None
    address: str
    before: str  # "verified" | "unverified"
    after: str


@dataclass(frozen=True, slots=True)
class DecisionPreview:
    """What a decision would do, before it is made (the confirmation modal shows it).

    `blocked` is the reason it would be refused (with `exit_code`), else None.
    """

    domain: str
    action: str
    phase: Phase
    check_id: int | None
    changes: tuple[PlannedChange, ...]
    proposal_ids: tuple[int, ...]
    notes: tuple[str, ...] = ()
    blocked: str | None = None
    exit_code: int = 0
    #: how the proposals close ("confirmed", "overridden", "dismissed", "accepted")
    proposal_status: str = ""
    override_phase: Phase | None = None

    @property
    def addresses(self) -> list[str]:
        return [c.address for c in self.changes]


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """A recorded decision: how many addresses it covered and the audit rows written."""

    domain: str
    action: str
    emails: int
    decision_ids: list[int] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The contract's `decide --json` object."""
        return {"domain": self.domain, "action": self.action, "emails": self.emails,
                "decision_ids": list(self.decision_ids)}


def _change(row: sqlite3.Row, after: str) -> PlannedChange:
    return PlannedChange(email_id=int(row["id"]), account_id=row["account_id"], username=row["username"],
                         address=row["address"], before="verified" if row["verified"] else "unverified",
                         after=after)


def preview_decision(store: Store, domain: str, action: str, *, force: bool = False,
                     settings: PolicySettings | None = None) -> DecisionPreview:
    """Which addresses `action` would change on `domain`, and how; raises PolicyError for an
    unknown domain or action (nothing is written)."""
    if action not in ACTIONS:
        raise PolicyError(f"unknown action {action!r} (one of: {', '.join(ACTIONS)})", 2)
    row = store.domain_phase_row(domain)
    if row is None:
        raise PolicyError(f"unknown domain {domain!r}: it is not in the store (import or check it first)", 1)
    s = settings or PolicySettings()
    phase = Phase(row["phase"])
    check_id = row["last_check_id"] if row["last_check_id"] is not None else store.latest_check_id(domain)
    base: dict[str, Any] = {"domain": domain, "action": action, "phase": phase, "check_id": check_id}
    unverify_phase = phase in s.unverify_phases and phase not in NEVER_PROPOSE
    pending = store.open_proposals(domain, "unverify")
    verified = store.review_emails(domain, verified=True)
    by_id = {int(r["id"]): r for r in verified}

    def blocked(message: str) -> DecisionPreview:
        return DecisionPreview(**base, changes=(), proposal_ids=(), blocked=message, exit_code=1)

    if action == "confirm":
        if pending:
            rows = verified if unverify_phase else _proposed(pending, by_id)
            return DecisionPreview(**base, changes=tuple(_change(r, "unverified") for r in rows),
                                   proposal_ids=tuple(int(p["id"]) for p in pending),
                                   proposal_status="confirmed",
                                   notes=_override_note(store, domain, "ends the override"))
        reverify = store.open_proposals(domain, "reverify")
        if reverify:
            rows = [r for r in store.review_emails(domain, verified=False)
                    if int(r["id"]) in {int(p["email_id"]) for p in reverify}]
            return DecisionPreview(**base, changes=tuple(_change(r, "unverified") for r in rows),
                                   proposal_ids=tuple(int(p["id"]) for p in reverify),
                                   proposal_status="dismissed",
                                   notes=("the re-verify proposals are dismissed; the addresses stay "
                                          "unverified",))
        if not verified:
            return blocked(f"nothing to decide on {domain}: no pending proposal and no verified address")
        if phase == Phase.EXEMPT:
            return blocked(f"{domain} is an exempt mailbox provider: its addresses are never un-verified")
        if not unverify_phase and not force:
            return blocked(f"nothing to decide on {domain}: no pending proposal and its phase "
                           f"({phase.value}) is not an unverify phase; --force un-verifies its "
                           f"{len(verified)} verified address(es) anyway")
        return DecisionPreview(**base, changes=tuple(_change(r, "unverified") for r in verified),
                               proposal_ids=(), proposal_status="confirmed",
                               notes=_override_note(store, domain, "ends the override"))
    if action == "override":
        if pending:
            rows = verified if unverify_phase else _proposed(pending, by_id)
            worst = min((Phase(p["phase"]) for p in pending), key=lambda p: p.severity)
            return DecisionPreview(**base, changes=tuple(_change(r, "verified") for r in rows),
                                   proposal_ids=tuple(int(p["id"]) for p in pending),
                                   proposal_status="overridden",
                                   override_phase=phase if unverify_phase else worst)
        if unverify_phase and verified:
            return DecisionPreview(**base, changes=tuple(_change(r, "verified") for r in verified),
                                   proposal_ids=(), proposal_status="overridden", override_phase=phase,
                                   notes=_override_note(store, domain, "replaces the override"))
        return blocked(f"nothing to override on {domain}: no pending proposal (phase {phase.value})")
    # revert
    rows = store.emails_unverified_by_confirm(domain)
    if not rows:
        return blocked(f"nothing to revert on {domain}: no address on it was un-verified by a confirm")
    if phase == Phase.RE_REGISTERED and not force:
        return blocked(f"{domain} is re_registered: it changed hands after the addresses were verified; "
                       "revert refused (--force re-verifies them anyway)")
    reverify = [p for p in store.open_proposals(domain, "reverify")
                if int(p["email_id"]) in {int(r["id"]) for r in rows}]
    notes: tuple[str, ...] = ()
    if unverify_phase:
        notes = (f"{domain} is still {phase.value}: the next check proposes un-verifying these addresses "
                 "again (override to keep them verified)",)
    return DecisionPreview(**base, changes=tuple(_change(r, "verified") for r in rows),
                           proposal_ids=tuple(int(p["id"]) for p in reverify), proposal_status="accepted",
                           notes=notes)


def _proposed(pending: list[sqlite3.Row], by_id: dict[int, sqlite3.Row]) -> list[sqlite3.Row]:
    """The still-verified addresses of pending proposals."""
    return [by_id[int(p["email_id"])] for p in pending if int(p["email_id"]) in by_id]


def _override_note(store: Store, domain: str, what: str) -> tuple[str, ...]:
    o = store.override_for(domain)
    return (f"{what} of {o['created_at']} (decision #{o['decision_id']})",) if o is not None else ()


def decide(store: Store, domain: str, action: str, *, operator: str, reason: str,
           until: datetime | None = None, force: bool = False, now: datetime,
           settings: PolicySettings | None = None) -> DecisionResult:
    """Record an operator's decision on `domain` and apply it, in one transaction.

    Raises PolicyError: exit code 2 for an empty reason or operator, a bad `until`, an unknown
    action; 1 for an unknown domain, a refused revert, nothing to decide.
    """
    if action not in ACTIONS:
        raise PolicyError(f"unknown action {action!r} (one of: {', '.join(ACTIONS)})", 2)
    if not reason or not reason.strip():
        raise PolicyError("a reason is required (--reason TEXT): it goes on the audit trail", 2)
    if not operator or not operator.strip():
        raise PolicyError("no operator: pass --operator or set DOMAINWATCH_OPERATOR", 2)
    if until is not None:
        if action != "override":
            raise PolicyError("--until applies to --override only", 2)
        if ensure_utc(until) <= ensure_utc(now):
            raise PolicyError(f"--until {to_iso(until)} is not in the future", 2)
    s = settings or PolicySettings()
    with store.transaction():
        plan = preview_decision(store, domain, action, force=force, settings=s)
        if plan.blocked:
            raise PolicyError(plan.blocked, plan.exit_code)
        decision_id = execute(store, plan, operator=operator.strip(), reason=reason.strip(), until=until,
                              now=now, weights=s.risk)
    return DecisionResult(domain=domain, action=action, emails=len(plan.changes), decision_ids=[decision_id],
                          addresses=plan.addresses)


def execute(store: Store, plan: DecisionPreview, *, operator: str, reason: str, until: datetime | None,
            now: datetime, weights: RiskWeights) -> int:
    """Write the decision row and its consequences (inside the caller's transaction)."""
    at = to_iso(now)
    affected = [{"email_id": c.email_id, "account_id": c.account_id, "address": c.address}
                for c in plan.changes]
    decision_id = store.insert_decision(
        at=at, operator=operator, action=plan.action, domain=plan.domain, phase=plan.phase.value,
        check_id=plan.check_id, reason=reason, until=to_iso(until), emails=affected,
        proposal_ids=plan.proposal_ids)
    ids = [c.email_id for c in plan.changes]
    if plan.action == "confirm":
        evidence = f"check #{plan.check_id}" if plan.check_id is not None else "no check"
        store.unverify_emails(ids, at=at, decision_id=decision_id,
                              reason=f"{plan.domain} {plan.phase.value} ({evidence}): {reason}")
        store.delete_override(plan.domain)
    elif plan.action == "override":
        store.set_override(plan.domain, decision_id=decision_id,
                           phase=(plan.override_phase or plan.phase).value, until=to_iso(until), at=at)
    else:
        store.reverify_emails(ids)
    store.close_proposals(plan.proposal_ids, status=plan.proposal_status, at=at, decision_id=decision_id,
                          reason=f"{plan.action} by {operator}: {reason}")
    refresh_domain(store, plan.domain, weights)
    return decision_id


def refresh_domain(store: Store, domain: str, weights: RiskWeights, *, risk: bool = True,
                   expand: bool = True) -> None:
    """Derived state after proposals or decisions changed: counts, decision_state, risk
    (`expand=False` when only the phase changed: see Store.refresh_risk)."""
    store.recount_verified(domain)
    store.refresh_decision_state([domain])
    if risk:
        store.refresh_risk([domain], weights=weights, expand=expand)


# -- records: one shape for show --json, export and the dashboard ---------------------------------
def decision_record(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """A `decisions` row as the JSON record of `export decisions` and `show --json`."""
    affected = json.loads(row["emails"] or "[]")
    return {
        "id": row["id"], "at": row["at"], "operator": row["operator"], "action": row["action"],
        "domain": row["domain"], "phase": row["phase"], "check_id": row["check_id"],
        "reason": row["reason"], "until": row["until"], "emails": len(affected),
        "addresses": [a["address"] for a in affected], "affected": affected,
        "proposal_ids": json.loads(row["proposal_ids"] or "[]"),
    }


def proposal_record(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """A proposal (joined with its address, see PROPOSAL_SELECT) as the JSON record of
    `export proposals` and `show --json`."""
    return {
        "id": row["id"], "kind": row["kind"], "status": row["status"], "domain": row["domain"],
        "email_id": row["email_id"], "address": row["address"], "account_id": row["account_id"],
        "username": row["username"], "phase": row["phase"], "check_id": row["check_id"],
        "reasons": json.loads(row["reasons"] or "[]"), "created_at": row["created_at"],
        "closed_at": row["closed_at"], "decision_id": row["closed_by"], "closed_reason": row["closed_reason"],
    }


DECISION_FIELDS = ("id", "at", "operator", "action", "domain", "phase", "check_id", "reason", "until",
                   "emails", "addresses", "affected", "proposal_ids")
PROPOSAL_FIELDS = ("id", "kind", "status", "domain", "email_id", "address", "account_id", "username", "phase",
                   "check_id", "reasons", "created_at", "closed_at", "decision_id", "closed_reason")

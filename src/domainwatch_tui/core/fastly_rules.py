"""Lifecycle rules for the Fastly Domain Research status backend (pure: no I/O, `now` passed in).

Fastly's Status endpoint (the API PyPI uses) answers with space-separated tokens in increasing
order of precedence, e.g. `"undelegated inactive"` or `"active zone"`, and no dates. The RDAP rules
cannot read them (RDAP's `inactive` means "no nameservers", Fastly's means "available to
register"), so `lifecycle.classify` hands Fastly evidence to `classify_fastly` here.

The mapping, in order of precedence:

| tokens | phase | note |
|---|---|---|
| an error, a timeout, `unknown`, no tokens | unknown | never a proposal |
| `reserved`, `disallowed`, `invalid`, `dpml`, `pending` | unknown | not registrable by anyone |
| `deleting` | pending_delete | best-effort |
| `expiring` | grace (redemption when it was in redemption before) | best-effort |
| `inactive` | available | "available to register" per Fastly |
| `active`, `parked`, `marketed`, `priced`, `transferable` | active | see below |
| `undelegated` alone | unknown | absent from DNS says nothing about expiry |

A registered answer after a check that found the domain available or pending delete is
re_registered (a new registration: nothing else can follow those phases).
Fastly publishes no expiry date, so `expiring` (within the policy window) cannot be derived here.
"""

from __future__ import annotations

from datetime import datetime

from domainwatch_tui.core.model import Classification, Evidence, Phase, Prior

#: Tokens meaning the name is not registrable by anyone (not "available").
NOT_REGISTRABLE = ("reserved", "disallowed", "invalid", "dpml", "pending")
#: Tokens meaning the name is registered to someone.
REGISTERED = ("active", "parked", "marketed", "priced", "transferable")

BEST_EFFORT = "best-effort: Fastly does not publish the registry's status or dates"


def fastly_tokens(status: object) -> tuple[str, ...]:
    """The tokens of a Fastly `status` value, lower case, order and first occurrence kept."""
    if not isinstance(status, str):
        return ()
    seen: dict[str, None] = {}
    for token in status.lower().split():
        token = "".join(ch for ch in token if ch.isalnum() or ch in "-_")[:32]
        if token:
            seen.setdefault(token, None)
    return tuple(seen)


def _quoted(tokens: tuple[str, ...]) -> str:
    return "'" + " ".join(tokens) + "'"


def classify_fastly(evidence: Evidence, now: datetime, prior: Prior) -> Classification:
    """The phase of a domain from Fastly's status tokens (`evidence.backend_statuses`)."""
    del now  # Fastly gives no dates; kept for the same shape as `lifecycle.classify`
    tokens = tuple(t.lower() for t in evidence.backend_statuses)
    said = f"Fastly status {_quoted(tokens)}"
    if evidence.unsupported:
        return Classification(Phase.UNKNOWN, ("the Fastly backend cannot check this domain",))
    if evidence.error:
        return Classification(Phase.UNKNOWN, (f"Fastly: {evidence.error}",))
    if not tokens:
        return Classification(Phase.UNKNOWN, ("Fastly answered without a status",))
    if "unknown" in tokens:
        return Classification(
            Phase.UNKNOWN, (f"{said}: Fastly could not get an authoritative answer from the registry",)
        )
    blocked = [t for t in NOT_REGISTRABLE if t in tokens]
    if blocked:
        return Classification(
            Phase.UNKNOWN, (f"{said}: the name is {blocked[0]}, not registrable; not treated as available",)
        )
    if "deleting" in tokens:
        return Classification(
            Phase.PENDING_DELETE, (f"{said}: being deleted, taken as pending delete ({BEST_EFFORT})",)
        )
    if "expiring" in tokens:
        if prior.phase == Phase.REDEMPTION:
            return Classification(
                Phase.REDEMPTION,
                (f"{said}: expired; still taken as redemption, as at the last check ({BEST_EFFORT})",),
            )
        return Classification(
            Phase.GRACE,
            (f"{said}: expired, in grace or redemption; taken as grace, the less certain of the two "
             f"({BEST_EFFORT})",),
        )
    if "inactive" in tokens:
        return Classification(Phase.AVAILABLE, (f"{said}: not registered, available to register now",))
    if any(t in tokens for t in REGISTERED):
        return _registered(tokens, said, prior)
    if "undelegated" in tokens:
        return Classification(
            Phase.UNKNOWN,
            (f"{said}: absent from DNS, which alone says neither registered nor expired",),
        )
    return Classification(Phase.UNKNOWN, (f"{said}: no token this tool knows how to read",))


def _registered(tokens: tuple[str, ...], said: str, prior: Prior) -> Classification:
    extra: list[str] = []
    if "marketed" in tokens or "priced" in tokens or "transferable" in tokens:
        extra.append("offered for sale on the aftermarket")
    if "parked" in tokens:
        extra.append("parked")
    if "undelegated" in tokens:
        extra.append("not delegated in DNS")
    detail = f" ({', '.join(extra)})" if extra else ""
    if prior.phase in (Phase.AVAILABLE, Phase.PENDING_DELETE):
        return Classification(
            Phase.RE_REGISTERED,
            (f"{said}: registered again{detail} after the last check found it "
             f"{prior.phase.label.lower()}: a new registration ({BEST_EFFORT})",),
        )
    if prior.phase == Phase.RE_REGISTERED:
        return Classification(
            Phase.RE_REGISTERED, (f"{said}: still registered{detail}, to the owner who re-registered it",)
        )
    return Classification(
        Phase.ACTIVE,
        (f"{said}: registered{detail}; Fastly gives no expiry date, so 'expiring' cannot be seen",),
    )

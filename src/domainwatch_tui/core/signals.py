"""How further evidence (DNS, registrar RDAP, RDAP-listed nameservers) combines with the phase.

The phase comes from the registry's answer (RDAP, or Fastly) alone. A signal never moves a
domain into an unverify phase and never starts a proposal; it adds a sentence to the reasons,
so the operator sees it beside the registry's verdict:

- parked nameservers (or a registrar expiry date in the past) with grace / redemption /
  pending delete: *corroborates* the registry (the .com auto-renew case: the registry says
  `auto renew period` and shows next year's date; the registrar parked the domain on its expiry
  nameservers, or its own RDAP shows the real, past date: nobody paid).
- the same signals with active / expiring: *contradicts* the registry; shown as a warning to look
  closer, the phase stays.
- NXDOMAIN for a registered domain, no MX, a null MX: shown as facts about mail delivery.
- lookup failures are kept as signals (visible in `show`) but add no reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domainwatch_tui.core.model import Classification, Evidence, Phase, Signal

LAPSING = frozenset({Phase.GRACE, Phase.REDEMPTION, Phase.PENDING_DELETE})
REGISTERED_OK = frozenset({Phase.ACTIVE, Phase.EXPIRING})
#: Signal kinds that say "the registrar let it lapse".
LAPSE_KINDS = frozenset({"parked-nameservers", "expiry-disagreement"})
#: Kinds shown only as signals, never as reasons.
QUIET_KINDS = frozenset({"lookup-failed", "expiry-agreement", "no-expiry"})
SIGNAL_KEYS = ("source", "kind", "detail")


def signal_to_dict(signal: Signal) -> dict[str, str]:
    """The JSON shape of a signal (in `domains.signals` and `show --json`)."""
    return {"source": signal.source, "kind": signal.kind, "detail": signal.detail}


def signals_from_json(items: Iterable[Any]) -> tuple[Signal, ...]:
    """Signals back from their JSON shape; malformed items are skipped."""
    out: list[Signal] = []
    for item in items:
        if isinstance(item, Mapping) and all(isinstance(item.get(k), str) for k in SIGNAL_KEYS):
            out.append(Signal(item["source"], item["kind"], item["detail"]))
    return tuple(out)


def signal_reasons(phase: Phase, evidence: Evidence) -> tuple[str, ...]:
    """The sentences the signals add to a classification's reasons (phase unchanged)."""
    lines: list[str] = []
    for signal in evidence.signals:
        if signal.kind in QUIET_KINDS:
            continue
        said = f"{signal.source}: {signal.detail}"
        if signal.kind in LAPSE_KINDS and phase in LAPSING:
            auto = " (the auto-renewal was not paid for)" if "auto renew period" in evidence.statuses else ""
            lines.append(f"confirmed by {said}{auto}")
        elif signal.kind in LAPSE_KINDS and phase in REGISTERED_OK:
            lines.append(f"warning, contradicts the registry: {said}; the phase stays {phase.value} "
                         "until the registry says otherwise")
        elif signal.kind == "nxdomain" and phase in (Phase.AVAILABLE, Phase.PENDING_DELETE):
            lines.append(f"consistent: {said}")
        else:
            lines.append(said)
    return tuple(dict.fromkeys(lines))


def with_signal_reasons(result: Classification, evidence: Evidence) -> Classification:
    """`result` with the signals' sentences appended; the phase and release date unchanged."""
    extra = signal_reasons(result.phase, evidence)
    if not extra:
        return result
    return Classification(result.phase, (*result.reasons, *extra), result.release_at)

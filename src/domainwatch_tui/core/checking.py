"""Turning a fetched observation into a stored, classified check (the glue of the check path).

`Checker` is what every backend (RDAP, Fastly, a test fake) offers; `record_observation`
classifies an observation against what was known before and stores it, with its consequences
(phase change, proposals), in one transaction. `check_domains` fetches many domains
concurrently (the checker enforces per-host limits) and records each result as it arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from domainwatch_tui.core import policy as policy_module
from domainwatch_tui.core.lifecycle import classify
from domainwatch_tui.core.model import (
    CheckOutcome,
    Classification,
    Evidence,
    Observation,
    Phase,
    PolicySettings,
    Prior,
)
from domainwatch_tui.core.schedule import ScheduleSettings, next_check_at
from domainwatch_tui.core.signals import with_signal_reasons
from domainwatch_tui.core.store.checks import CheckRecord
from domainwatch_tui.core.timefmt import Clock, from_iso

if TYPE_CHECKING:
    from domainwatch_tui.core.store import Store


class Checker(Protocol):
    """Something that can fetch evidence about a registrable domain."""

    backend: str

    async def fetch(self, domain: str) -> Observation:
        """Never raises for network or server trouble: that becomes `Evidence.error`."""
        ...

    async def aclose(self) -> None: ...


def classify_evidence(evidence: Evidence, now: datetime, prior: Prior,
                      policy: PolicySettings) -> Classification:
    """The lifecycle verdict for evidence from any backend (`classify` routes by backend)."""
    return classify(evidence, now, prior, expiring_days=policy.expiring_days)


def is_error_unknown(outcome: CheckOutcome) -> bool:
    """The check ended `unknown` because of an error (the `check` command's exit 3)."""
    return outcome.phase is Phase.UNKNOWN and outcome.observation.evidence.error is not None


def record_observation(store: Store, obs: Observation, *, now: datetime, policy: PolicySettings,
                       schedule: ScheduleSettings | None = None) -> CheckOutcome:
    """Classify `obs` against what was known and store it with its consequences, in ONE transaction.

    An answer that cannot be trusted (an error) sets the phase to `unknown` but keeps the
    domain's last known evidence; the error streak drives the retry back-off of the schedule.
    """
    ev = obs.evidence
    with store.transaction():
        prior, streak, known_expiry = store.check_context(ev.domain)
        result = with_signal_reasons(classify_evidence(ev, now, prior, policy), ev)  # phase unchanged
        errored = result.phase is Phase.UNKNOWN and ev.error is not None
        streak = streak + 1 if errored else 0
        last_good = store.last_good_phase(ev.domain) if errored else None
        if last_good:
            result = Classification(result.phase, (*result.reasons, f"last trustworthy answer: {last_good}"),
                                    result.release_at)
        expiry = ev.expires_at or ev.registrar_expires_at
        if errored:
            expiry = from_iso(known_expiry)
        due = next_check_at(result.phase, now=now, expires_at=expiry, error_streak=streak,
                            settings=schedule)
        record = CheckRecord(
            domain=ev.domain, checked_at=obs.checked_at, backend=ev.backend, server=ev.server,
            http_status=ev.http_status, duration_ms=round(obs.duration_ms, 1), error=ev.error,
            previous_phase=prior.phase.value, phase=result.phase.value, reasons=list(result.reasons),
            statuses=list(ev.statuses), registered_at=ev.registered_at, expires_at=ev.expires_at,
            last_changed_at=ev.last_changed_at, handle=ev.handle, registrar=ev.registrar,
            registrar_iana_id=ev.registrar_iana_id, nameservers=list(ev.nameservers),
            signals=[{"source": s.source, "kind": s.kind, "detail": s.detail} for s in ev.signals],
            release_at=result.release_at, raw=obs.raw, next_check_at=due, error_streak=streak,
            evidence_known=not errored and not ev.unsupported,
        )
        check_id = store.record_check(record)
        outcome = CheckOutcome(observation=obs, classification=result, check_id=check_id,
                               previous_phase=prior.phase, next_check_at=due)
        policy_module.apply_check(store, outcome, now=now, settings=policy)
    return outcome


async def check_domains(store: Store, checker: Checker, domains: Sequence[str], *, clock: Clock,
                        policy: PolicySettings, schedule: ScheduleSettings | None = None,
                        on_result: Callable[[CheckOutcome], None] | None = None,
                        max_in_flight: int = 256) -> list[CheckOutcome]:
    """Check `domains` concurrently (at most `max_in_flight` fetches at once; the checker keeps
    each host's own limits) and record each result as it arrives. Results in input order.

    Results that arrive together are recorded in one write transaction (each still with its
    own `record_observation`, the risk refresh done once for them all: `Store.deferred_risk`),
    which keeps the store from being the bottleneck; `on_result` is called after their commit,
    in the event loop's thread.
    """
    results: list[CheckOutcome | None] = [None] * len(domains)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(domains)):
        queue.put_nowait(i)
    pending: list[tuple[int, Observation]] = []
    loop = asyncio.get_running_loop()
    scheduled = False

    def flush() -> None:
        nonlocal scheduled
        scheduled = False
        batch = pending[:]
        pending.clear()
        if not batch:
            return
        done: list[tuple[int, CheckOutcome]] = []
        try:
            with store.transaction(), store.deferred_risk():  # one risk refresh for the batch
                for i, obs in batch:
                    done.append((i, record_observation(store, obs, now=clock(), policy=policy,
                                                       schedule=schedule)))
        except Exception:
            # one bad record must not lose the others: record them one by one
            done = []
            for i, obs in batch:
                done.append((i, record_observation(store, obs, now=clock(), policy=policy,
                                                   schedule=schedule)))
        for i, outcome in done:
            results[i] = outcome
            if on_result is not None:
                on_result(outcome)

    async def worker() -> None:
        nonlocal scheduled
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            obs = await checker.fetch(domains[i])
            pending.append((i, obs))
            if not scheduled:
                scheduled = True
                loop.call_soon(flush)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(max_in_flight, len(domains))))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        flush()
    return [r for r in results if r is not None]


__all__ = ["Checker", "check_domains", "classify_evidence", "is_error_unknown", "record_observation"]

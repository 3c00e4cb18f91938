"""What the background worker reports: its state, progress snapshots, and log lines made of them.

`WorkerProgress` is an immutable snapshot, cheap to build and safe to hand to any thread (the
dashboard posts it as a message; the headless worker turns it into log lines with
`ProgressLog`).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domainwatch_tui.core.model import CheckOutcome, Phase
from domainwatch_tui.core.schedule import format_duration
from domainwatch_tui.core.timefmt import to_iso


class WorkerState(StrEnum):
    """What the worker is doing."""

    IDLE = "idle"  # nothing due; sleeping until `next_due_at`
    RUNNING = "running"  # checking due domains
    PAUSED = "paused"  # pause() was called; in-flight checks finish, no new ones start
    WAITING_FOR_LEASE = "waiting-for-lease"  # another worker holds the store's lease
    ERROR = "error"  # the store failed; retrying (see `last_error`)
    STOPPED = "stopped"  # run() has returned


@dataclass(frozen=True, slots=True)
class WorkerProgress:
    """One snapshot of the worker, for a progress bar or a status line.

    `done`/`total` count the current pass over the due domains (`total` grows when more fall
    due); `rate` is checks per second over the last half minute; `eta_seconds` is None until
    a rate is known. `lease_holder` is set only when another worker holds the lease.
    """

    state: WorkerState
    done: int = 0
    total: int = 0
    rate: float = 0.0
    errors: int = 0
    eta_seconds: float | None = None
    in_flight: int = 0
    phase_changes: int = 0
    checked_total: int = 0  # since run() started
    errors_total: int = 0  # since run() started
    lease_holder: str | None = None
    lease_heartbeat_at: datetime | None = None
    next_due_at: datetime | None = None
    last_error: str | None = None
    holder: str = ""  # this worker's own id
    webhook_error: str | None = None  # the last webhook delivery failure (None once one succeeds)
    overrides_lapsed: int = 0  # overrides this worker ended because their `until` passed


class RateMeter:
    """Checks per second over a sliding window of monotonic time."""

    def __init__(self, window: float = 30.0):
        self.window = window
        self._times: collections.deque[float] = collections.deque()
        self._since: float | None = None

    def start(self, at: float) -> None:
        """Begin (or restart) measuring at `at`; older completions are forgotten."""
        self._times.clear()
        self._since = at

    def add(self, at: float, count: int = 1) -> None:
        if self._since is None:
            self._since = at
        self._times.extend([at] * count)

    def rate(self, at: float) -> float:
        """Completions per second over the window ending at `at` (0 before anything finished)."""
        cutoff = at - self.window
        while self._times and self._times[0] < cutoff:
            self._times.popleft()
        if not self._times or self._since is None:
            return 0.0
        span = min(self.window, at - self._since)
        return len(self._times) / span if span > 0 else 0.0


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str, limit: int = 300) -> str:
    """Untrusted text (RDAP fields, error messages) made safe for a log line: no control chars."""
    out = _CONTROL.sub(" ", text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


class ProgressLog:
    """Turns progress snapshots and check outcomes into log lines (the headless worker's stderr).

    One line per state change, one per domain phase change (a first check is logged only when
    it finds something other than `active`), and a summary every `summary_seconds` while
    running.
    """

    def __init__(self, write: Callable[[str], None], *, clock: Callable[[], datetime],
                 monotonic: Callable[[], float], summary_seconds: float = 60.0):
        self._write = write
        self._clock = clock
        self._monotonic = monotonic
        self.summary_seconds = summary_seconds
        self._state: WorkerState | None = None
        self._holder: str | None = None
        self._last_summary = monotonic()

    def line(self, text: str) -> None:
        self._write(f"{to_iso(self._clock())} {text}")

    def progress(self, p: WorkerProgress) -> None:
        """Call with every snapshot; writes only when there is something to say."""
        if p.state != self._state or (p.state is WorkerState.WAITING_FOR_LEASE
                                      and p.lease_holder != self._holder):
            self._state, self._holder = p.state, p.lease_holder
            self._last_summary = self._monotonic()
            self.line(f"worker: {describe(p)}")
            return
        if p.state is WorkerState.RUNNING and self._monotonic() - self._last_summary >= self.summary_seconds:
            self._last_summary = self._monotonic()
            self.line(f"worker: {summary(p)}")

    def outcome(self, o: CheckOutcome) -> None:
        """Call with every recorded check; writes a line for a phase change."""
        if not o.changed:
            return
        if o.previous_phase is Phase.UNCHECKED and o.phase is Phase.ACTIVE:
            return
        reasons = "; ".join(o.classification.reasons)
        tail = f" ({clean(reasons)})" if reasons else ""
        self.line(f"{o.domain}: {o.previous_phase.value} -> {o.phase.value}{tail}")


def summary(p: WorkerProgress) -> str:
    """`120/5,000 checked, 12.5/s, 3 errors, about 6m30s left`."""
    text = f"{p.done:,}/{p.total:,} checked, {p.rate:.1f}/s, {p.errors:,} errors"
    if p.phase_changes:
        text += f", {p.phase_changes:,} phase changes"
    if p.eta_seconds is not None:
        text += f", about {format_duration(p.eta_seconds)} left"
    return text


def describe(p: WorkerProgress) -> str:
    """A sentence for a state change."""
    if p.state is WorkerState.RUNNING:
        return f"running: {p.total - p.done:,} due"
    if p.state is WorkerState.IDLE:
        due = p.next_due_at
        when = "nothing is scheduled" if due is None else f"next check due {to_iso(due)}"
        return f"idle ({p.checked_total:,} checked, {p.errors_total:,} errors so far); {when}"
    if p.state is WorkerState.PAUSED:
        return f"paused ({summary(p)})"
    if p.state is WorkerState.WAITING_FOR_LEASE:
        beat = f", last heartbeat {to_iso(p.lease_heartbeat_at)}" if p.lease_heartbeat_at else ""
        return f"waiting: another worker holds the lease ({clean(p.lease_holder or '?')}{beat})"
    if p.state is WorkerState.ERROR:
        return f"error: {clean(p.last_error or 'unknown error')}; retrying"
    return f"stopped ({p.checked_total:,} checked, {p.errors_total:,} errors)"

"""The worker's control from any thread (pause, resume, stop) and its progress snapshots.

`WorkerControl` is the part of `Worker` that does not run checks: the flags other threads set,
waking the worker's event loop, and turning its book-keeping into `WorkerProgress` for
`on_progress`. It relies on the attributes `Worker.__init__` sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import datetime

from domainwatch_tui.core.store.lease import LeaseInfo
from domainwatch_tui.core.worker_chores import LapseChore, NotifierLoop
from domainwatch_tui.core.worker_progress import RateMeter, WorkerProgress, WorkerState
from domainwatch_tui.core.worker_support import PassState, WorkerSettings


class WorkerControl:
    """Pause, resume, stop (any thread) and progress reporting (the worker's thread)."""

    state: WorkerState
    settings: WorkerSettings
    holder: str
    checked_total: int
    errors_total: int
    last_error: str | None
    on_progress: Callable[[WorkerProgress], None] | None
    monotonic: Callable[[], float]
    _loop: asyncio.AbstractEventLoop | None
    _thread: int | None
    _wake: asyncio.Event | None
    _paused: bool
    _stopping: bool
    _abandon: bool
    _other: LeaseInfo | None
    _next_due: datetime | None
    _pass: PassState
    _tasks: dict
    _rate: RateMeter
    _last_progress: float
    _lapse: LapseChore
    _notify: NotifierLoop

    # -- control (any thread) -------------------------------------------------------------------
    def pause(self) -> None:
        """Start no new checks; in-flight ones finish and are written."""
        self._paused = True
        self._poke()

    def resume(self) -> None:
        self._paused = False
        self._poke()

    def stop(self, *, abandon: bool = False) -> None:
        """Finish in-flight checks (at most `stop_grace_seconds`; none with `abandon`), then return."""
        self._stopping = True
        self._abandon = self._abandon or abandon
        self._poke()

    @property
    def paused(self) -> bool:
        return self._paused

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        if threading.get_ident() == self._thread:
            wake.set()
        else:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to wake
                loop.call_soon_threadsafe(wake.set)
    # -- progress -------------------------------------------------------------------------------
    def _set_state(self, state: WorkerState, *, force: bool = False) -> None:
        if state != self.state or force:
            changed = state != self.state
            self.state = state
            if changed or force:
                self._emit(force=True)

    def _emit(self, *, force: bool = False) -> None:
        if self.on_progress is None:
            return
        at = self.monotonic()
        if not force and at - self._last_progress < self.settings.progress_seconds:
            return
        self._last_progress = at
        self.on_progress(self.snapshot())

    def snapshot(self) -> WorkerProgress:
        """The worker's state now (cheap; safe to call from the worker's thread)."""
        p = self._pass
        rate = self._rate.rate(self.monotonic())
        left = max(p.total - p.done, 0)
        other = self._other if self.state is WorkerState.WAITING_FOR_LEASE else None
        return WorkerProgress(
            state=self.state, done=p.done, total=p.total, rate=rate, errors=p.errors,
            eta_seconds=(left / rate) if rate > 0 else (0.0 if left == 0 and p.total else None),
            in_flight=len(self._tasks), phase_changes=p.changes,
            checked_total=self.checked_total, errors_total=self.errors_total,
            lease_holder=other.holder if other else None,
            lease_heartbeat_at=other.heartbeat_at if other else None,
            next_due_at=self._next_due if self.state is WorkerState.IDLE else None,
            last_error=self.last_error, holder=self.holder, webhook_error=self._notify.last_error,
            overrides_lapsed=self._lapse.lapsed_total,
        )

"""The background worker: checks due domains, highest risk first, forever or once.

One worker per store: it takes the store's lease (`host:pid:random`) and renews it with a
heartbeat; a second worker waits and reports who holds it, and takes over a lease whose
heartbeat is older than `lease_timeout_seconds` or whose pid is gone on this host.

Crash safety: a check counts as done only once `record_observation` committed it, and that
same transaction advances the domain's `next_check_at`; a kill at any moment loses at most
the in-flight and not-yet-written checks, which are simply due again. Finished checks are
written in batches (`batch_size`, at most `batch_seconds` late) by this one writer.

The worker is asyncio code with no UI: `domainwatch worker` runs it headless; the dashboard
runs it in a thread or task. `pause`, `resume` and `stop` may be called from any thread;
`on_progress` is called on the worker's thread with an immutable `WorkerProgress`.
Settings, lease helpers and the batch writer live in `worker_support`.

Beside the checks, while it holds the lease, the worker ends expired overrides on time (about
once a minute) and, given a `notifier` (a `WebhookSender`), delivers the outbox every few seconds
in a task of its own; see `worker_chores`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from domainwatch_tui.core.checking import Checker
from domainwatch_tui.core.model import CheckOutcome, Observation, PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.store.lease import LeaseInfo
from domainwatch_tui.core.timefmt import Clock
from domainwatch_tui.core.worker_chores import LapseChore, NotifierArg, NotifierLoop
from domainwatch_tui.core.worker_control import WorkerControl
from domainwatch_tui.core.worker_progress import RateMeter, WorkerProgress, WorkerState, clean
from domainwatch_tui.core.worker_support import (
    PassState,
    Recorder,
    WorkerSettings,
    dead_check,
    holder_is_dead,
    make_holder_id,
    pid_alive,
    write_batch,
)


class Worker(WorkerControl):
    """Checks due domains within limits, reporting progress; pause, resume, stop from any thread.

    `store` is a `Store` used only from the worker's thread, or a path the worker opens (and
    closes) itself. `checker` is a `Checker`, or a factory called inside `run` (so that its
    HTTP client belongs to the worker's event loop); the worker closes what it created.
    `notifier` likewise: anything with an async `run_once()`, or a factory of one. `on_log`
    receives one-line notices of the chores (lapsed overrides, webhook deliveries and failures);
    `on_lapsed` the domains whose override just lapsed. Both are called on the worker's thread.
    """

    def __init__(
        self,
        store: Store | str | Path,
        checker: Checker | Callable[[], Checker],
        *,
        clock: Clock,
        policy: PolicySettings,
        schedule: ScheduleSettings | None = None,
        settings: WorkerSettings | None = None,
        on_progress: Callable[[WorkerProgress], None] | None = None,
        on_outcome: Callable[[CheckOutcome], None] | None = None,
        record: Recorder | None = None,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        notifier: NotifierArg = None,
        on_log: Callable[[str], None] | None = None,
        on_lapsed: Callable[[list[str]], None] | None = None,
    ):
        self._store_arg = store
        self._checker_arg = checker
        self.clock = clock
        self.policy = policy
        self.schedule = schedule or ScheduleSettings()
        self.settings = settings or WorkerSettings()
        self.on_progress = on_progress
        self.on_outcome = on_outcome
        self._record = record
        self.holder = holder or make_holder_id()
        self.host = self.holder.split(":", 1)[0]
        self.monotonic = monotonic
        self.state = WorkerState.IDLE
        self.checked_total = 0
        self.errors_total = 0
        self.last_error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._wake: asyncio.Event | None = None
        self._paused = False
        self._stopping = False
        self._abandon = False
        self._stop_at: float | None = None
        self._lease_lost = False
        self._other: LeaseInfo | None = None
        self._next_due: datetime | None = None
        self._pass = PassState()
        self._finished: list[Observation] = []
        self._failed: list[str] = []  # fetched with an exception: postponed at the next flush
        self._oldest_finished: float | None = None
        self._tasks: dict[asyncio.Task[Observation], str] = {}
        self._rate = RateMeter()
        self._last_progress = 0.0
        self._holding = False
        self._on_log = on_log
        self._lapse = LapseChore(clock=clock, monotonic=monotonic, policy=policy,
                                 interval=self.settings.lapse_seconds, log=on_log, on_lapsed=on_lapsed)
        self._notify = NotifierLoop(notifier, interval=self.settings.notify_seconds, log=on_log,
                                    active=self._delivering)

    def _delivering(self) -> bool:
        """Whether the notifier may deliver now: only the lease holder does, and not once stopping."""
        return self._holding and not self._lease_lost and not self._stopping

    # -- the run ----------------------------------------------------------------------------------
    async def run(self, *, once: bool = False) -> WorkerProgress:
        """Check what is due; with `once`, return when nothing is left, else until `stop()`.

        Returns the final snapshot. With `once`, a lease held by another live worker ends the
        run at once (state WAITING_FOR_LEASE in the snapshot, nothing checked).
        """
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._wake = asyncio.Event()
        own_store = not isinstance(self._store_arg, Store)
        store = Store(self._store_arg) if own_store else self._store_arg  # type: ignore[arg-type]
        own_checker = not hasattr(self._checker_arg, "fetch")
        checker: Checker = self._checker_arg() if own_checker else self._checker_arg  # type: ignore[operator,assignment]
        heartbeat: asyncio.Task[None] | None = None
        final_state = WorkerState.STOPPED
        self._lapse.interval = self.settings.lapse_seconds
        self._notify.interval = self.settings.notify_seconds
        self._notify.start()
        try:
            while not self._stopping:
                try:
                    if not await self._take_lease(store, once):
                        if once:
                            final_state = WorkerState.WAITING_FOR_LEASE
                        break
                    if heartbeat is None or heartbeat.done():
                        heartbeat = asyncio.create_task(self._heartbeat(store))
                    await self._lapse.run(store)
                    await self._rescore(store)
                    drained = await self._drain(store, checker)
                    if self._stopping or (once and drained):
                        break
                    if self._lease_lost:
                        continue
                    await self._idle(store)
                except sqlite3.OperationalError as exc:  # locked, disk I/O: report, wait, retry
                    await self._abandon_tasks()
                    self.last_error = f"store: {exc}"
                    self._set_state(WorkerState.ERROR)
                    await self._sleep(min(self.settings.idle_poll_seconds, 5.0))
        finally:
            await self._abandon_tasks()
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await heartbeat
            if not self._lease_lost:
                with contextlib.suppress(sqlite3.Error):
                    await self._flush(store, threaded=False)
                if once and self._holding and not self._stopping:
                    await self._notify.pass_once()  # what this run decided or found goes out now
                with contextlib.suppress(sqlite3.Error):
                    store.release_lease(self.holder)
            self._holding = False
            await self._notify.close(grace=self.settings.stop_grace_seconds)
            if own_checker:
                with contextlib.suppress(Exception):
                    await checker.aclose()
            if own_store:
                store.close()
            self._set_state(final_state, force=True)
        return self.snapshot()

    async def _take_lease(self, store: Store, once: bool) -> bool:
        """Hold the lease (waiting for it unless `once`); False when stopping or refused."""
        self._lease_lost = False
        while not self._stopping:
            now = self.clock()
            timeout = self.settings.lease_timeout_seconds
            lease = store.acquire_lease(self.holder, pid=os.getpid(), host=self.host, now=now,
                                        is_dead=dead_check(now, timeout=timeout, host=self.host))
            if lease.holder == self.holder:
                self._other = None
                self._lease_lost = False
                self._holding = True
                return True
            self._holding = False
            self._other = lease
            self._set_state(WorkerState.WAITING_FOR_LEASE, force=True)
            if once:
                return False
            await self._sleep(self.settings.heartbeat_seconds)
        return False

    async def _heartbeat(self, store: Store) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                ours = await asyncio.to_thread(store.renew_lease, self.holder, now=self.clock())
            except sqlite3.Error as exc:
                self.last_error = f"heartbeat: {exc}"
                continue
            if not ours:
                self._lease_lost = True
                self._poke()
                return

    def _say(self, text: str) -> None:
        if self._on_log is not None:
            self._on_log(text)

    async def _rescore(self, store: Store) -> None:
        """Risk scores a very large import left for later: rescored in short transactions
        before the checks, so that the due queue is ranked by risk from the first check on."""
        if not await asyncio.to_thread(store.risk_stale):
            return
        self._say("risk: scoring the domains of a large import before checking")
        done = 0
        while not self._stopping:
            n = await asyncio.to_thread(store.rescore_step, weights=self.policy.risk)
            if not n:
                self._say(f"risk: {done:,} domains scored")
                return
            done += n

    async def _idle(self, store: Store) -> None:
        if self._paused:
            self._set_state(WorkerState.PAUSED)
            await self._sleep(self.settings.idle_poll_seconds)
            return
        self._next_due = store.next_due_at()
        wait = min(self.settings.idle_poll_seconds, self._lapse.seconds_until_due())
        if self._next_due is not None:
            wait = min(wait, max((self._next_due - self.clock()).total_seconds(), 0.0))
        self._set_state(WorkerState.IDLE)
        if wait > 0:
            await self._sleep(wait)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, waking early on pause, resume, stop or a lost lease."""
        assert self._wake is not None
        self._wake.clear()
        if self._stopping or self._lease_lost:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(seconds, 0.0))

    # -- checking -------------------------------------------------------------------------------
    async def _drain(self, store: Store, checker: Checker) -> bool:
        """Check due domains until none is left (True), or stop/lease loss (False)."""
        self._pass = p = PassState()
        self._rate.start(self.monotonic())
        await self._refill(store)
        if not p.queue:
            return True
        self._set_state(WorkerState.PAUSED if self._paused else WorkerState.RUNNING, force=True)
        s = self.settings
        while True:
            if self._lease_lost or (self._stopping and not self._tasks):
                break
            if self._stopping and self._stop_at is None:
                self._stop_at = self.monotonic() + (0.0 if self._abandon else s.stop_grace_seconds)
            if self._stopping and (self._abandon or self.monotonic() >= (self._stop_at or 0.0)):
                break
            if not self._stopping and not self._paused:
                while len(self._tasks) < s.max_in_flight:
                    if not p.queue:
                        await self._refill(store)
                        if not p.queue:
                            break
                    domain = p.queue.pop(0)
                    p.claimed.add(domain)
                    task = asyncio.create_task(self._fetch(checker, domain))
                    self._tasks[task] = domain
                    task.add_done_callback(self._on_done)
            if not self._tasks and not self._finished and not self._failed:
                if self._paused and not self._stopping:
                    self._set_state(WorkerState.PAUSED)
                    self._emit(force=True)
                    await self._sleep(s.idle_poll_seconds)
                    if not self._paused and not self._stopping:
                        self._set_state(WorkerState.RUNNING)
                    continue
                if not p.queue:
                    break
            self._set_state(WorkerState.PAUSED if self._paused else WorkerState.RUNNING)
            if self._flush_due():
                await self._flush(store)
            if self._lapse.due():
                await self._lapse.run(store)
            self._emit()
            timeout = s.batch_seconds
            if self._stop_at is not None:
                timeout = max(min(timeout, self._stop_at - self.monotonic()), 0.0)
            await self._sleep(timeout)
        if self._lease_lost:
            await self._abandon_tasks()
            self._finished.clear()
            self._oldest_finished = None
            return False
        await self._flush(store, threaded=False)
        self._emit(force=True)
        return not self._stopping and not self._pass.queue

    def _flush_due(self) -> bool:
        if not self._finished and not self._failed:
            return False
        if not self._tasks or len(self._finished) >= self.settings.batch_size:
            return True
        oldest = self._oldest_finished
        return oldest is not None and self.monotonic() - oldest >= self.settings.batch_seconds

    async def _refill(self, store: Store) -> None:
        """The next chunk of due domains, highest risk first (queried on a helper thread: with
        many due domains the sort takes a while, and the event loop must keep its timers)."""
        p = self._pass
        now = self.clock()
        chunk = max(4 * self.settings.max_in_flight, 256)

        def query() -> tuple[list[str], int]:
            return store.due_by_risk(now, chunk + len(p.claimed)), store.count_due(now)

        due, count = await asyncio.to_thread(query)
        p.queue = [d for d in due if d not in p.claimed][:chunk]
        p.total = p.done + count

    async def _fetch(self, checker: Checker, domain: str) -> Observation:
        return await checker.fetch(domain)

    def _on_done(self, task: asyncio.Task[Observation]) -> None:
        domain = self._tasks.pop(task, None)
        if task.cancelled() or domain is None:
            if domain is not None:
                self._pass.claimed.discard(domain)
            return
        exc = task.exception()
        if exc is not None:  # a checker must not raise; if it does, count it and move on
            self._count_error(f"{domain}: checker failed: {type(exc).__name__}: {exc}")
            self._failed.append(domain)  # stays claimed: out of this pass, pushed back at the flush
        else:
            if not self._finished:
                self._oldest_finished = self.monotonic()
            self._finished.append(task.result())
        if self._wake is not None:
            self._wake.set()  # a slot is free (and maybe a batch is full)

    async def _flush(self, store: Store, *, threaded: bool = True) -> None:
        """Write the finished checks; `threaded`: on a helper thread, so that the event loop
        (fetches, the politeness timers) keeps running while SQLite writes."""
        batch, failed = self._finished, self._failed
        if not batch and not failed:
            return
        self._finished, self._failed, self._oldest_finished = [], [], None
        try:
            if threaded:
                result = await asyncio.to_thread(write_batch, store, batch, failed, **self._write_args())
            else:
                result = write_batch(store, batch, failed, **self._write_args())
        except sqlite3.OperationalError:  # locked or failing: nothing was written; keep them
            self._finished, self._failed = batch + self._finished, failed + self._failed
            self._oldest_finished = self.monotonic()
            raise
        self._account(*result)

    def _write_args(self) -> dict[str, Any]:
        return {"record": self._recorder(), "clock": self.clock, "policy": self.policy,
                "schedule": self.schedule}

    def _account(self, outcomes: list[CheckOutcome], problems: list[tuple[str, str]]) -> None:
        """Book-keeping and callbacks after a write (on the worker's thread)."""
        for domain, message in problems:
            self._pass.claimed.add(domain)
            self._count_error(message)
        self._rate.add(self.monotonic(), len(outcomes))
        p = self._pass
        for outcome in outcomes:
            p.claimed.discard(outcome.domain)
            p.done += 1
            self.checked_total += 1
            if outcome.observation.evidence.error:
                p.errors += 1
                self.errors_total += 1
                self.last_error = clean(f"{outcome.domain}: {outcome.observation.evidence.error}")
            if outcome.changed:
                p.changes += 1
                self._notify.poke()  # maybe a phase entry to announce
            if self.on_outcome is not None:
                self.on_outcome(outcome)
        p.total = max(p.total, p.done)

    def _recorder(self) -> Recorder:
        if self._record is None:
            from domainwatch_tui.core.checking import record_observation  # type: ignore[attr-defined]

            self._record = record_observation
        return self._record

    def _count_error(self, message: str) -> None:
        self._pass.errors += 1
        self.errors_total += 1
        self.last_error = clean(message)

    async def _abandon_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()


__all__ = ["Worker", "WorkerSettings", "holder_is_dead", "make_holder_id", "pid_alive"]

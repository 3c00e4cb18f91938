"""The worker's chores beside the checks: overrides that lapse on time, and webhook deliveries.

- `LapseChore` ends the overrides whose `--until` has passed (`policy.lapse_expired_overrides`),
  at most once per `lapse_seconds` of real time or of the worker's clock (whichever passes first,
  so a simulated clock that runs fast lapses on its own time). The worker awaits it from its
  main coroutine on a helper thread, so it never overlaps a batch write on the same connection.
- `NotifierLoop` calls a notifier's async `run_once()` (a `WebhookSender`) every
  `notify_seconds` as its own task on the worker's event loop, so a slow or dead receiver never
  holds up checks. A failure is reported through `log` and the row stays in the outbox.
  Give the sender a store connection of its own, never the worker's: that one may be inside a
  batch transaction whose events are not committed yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from domainwatch_tui.core.model import PolicySettings
from domainwatch_tui.core.policy import lapse_expired_overrides
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import Clock
from domainwatch_tui.core.worker_progress import clean

Log = Callable[[str], None]


class Notifier(Protocol):
    """Anything that delivers what is due in one awaited pass (`WebhookSender`)."""

    async def run_once(self) -> Any: ...


#: What `Worker(notifier=...)` takes: a notifier, or a factory called inside the worker's loop.
NotifierArg = Notifier | Callable[[], Notifier | None] | None


class LapseChore:
    """Ends expired overrides now and then (see the module docstring)."""

    def __init__(self, *, clock: Clock, monotonic: Callable[[], float], policy: PolicySettings,
                 interval: float, log: Log | None = None,
                 on_lapsed: Callable[[list[str]], None] | None = None):
        self.clock = clock
        self.monotonic = monotonic
        self.policy = policy
        self.interval = interval
        self.log = log
        self.on_lapsed = on_lapsed
        self._last_real: float | None = None
        self._last_at: datetime | None = None
        self.lapsed_total = 0

    def due(self) -> bool:
        if self._last_real is None or self._last_at is None:
            return True
        if self.monotonic() - self._last_real >= self.interval:
            return True
        return (self.clock() - self._last_at).total_seconds() >= self.interval

    def seconds_until_due(self) -> float:
        """Real seconds until the next run at the latest (for the worker's idle sleep)."""
        if self._last_real is None:
            return 0.0
        return max(self.interval - (self.monotonic() - self._last_real), 0.0)

    async def run(self, store: Store, *, force: bool = False) -> list[str]:
        """Lapse what has expired (when due, or `force`); returns the domains. A locked store
        (`sqlite3.OperationalError`) propagates to the worker's retry; anything else is logged."""
        if not force and not self.due():
            return []
        now = self.clock()
        self._last_real, self._last_at = self.monotonic(), now
        try:
            lapsed = await asyncio.to_thread(lapse_expired_overrides, store, now=now, settings=self.policy)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:
            self._say(f"overrides: lapsing the expired ones failed: {type(exc).__name__}: {exc}")
            return []
        self.lapsed_total += len(lapsed)
        for domain in lapsed:
            self._say(f"{domain}: override expired; back in the review queue if still exposed")
        if lapsed and self.on_lapsed is not None:
            self.on_lapsed(lapsed)
        return lapsed

    def _say(self, text: str) -> None:
        if self.log is not None:
            self.log(clean(text))


class NotifierLoop:
    """Runs a notifier's `run_once()` periodically as a task (see the module docstring).

    `active()` says whether to deliver now (the worker holds the store's lease: two workers
    never deliver the same rows). `poke()` asks for a pass soon (a phase change was written).
    A notifier made by a factory is closed at the end: its `aclose()`, and its `store` if it
    has one (a `WebhookSender` on a connection opened for it).
    """

    def __init__(self, notifier: NotifierArg, *, interval: float, active: Callable[[], bool],
                 log: Log | None = None):
        self._arg = notifier
        self.interval = interval
        self.active = active
        self.log = log
        self.notifier: Notifier | None = None
        self._own = False
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._busy: asyncio.Lock | None = None
        self.last_error: str | None = None
        self.delivered_total = 0

    @property
    def enabled(self) -> bool:
        return self._arg is not None

    def start(self) -> None:
        """Make the notifier (calling a factory) and start the periodic task; on the worker's loop."""
        if self._arg is None or self._task is not None:
            return
        if hasattr(self._arg, "run_once"):
            self.notifier = self._arg  # type: ignore[assignment]
        else:
            try:
                self.notifier = self._arg()  # type: ignore[operator]
            except Exception as exc:  # an unusable [webhook] config: say so, keep checking
                self._fail(f"cannot start: {type(exc).__name__}: {exc}")
                self._arg = None
                return
            self._own = True
            if self.notifier is None:
                self._arg = None
                return
        self._wake = asyncio.Event()
        self._busy = asyncio.Lock()
        self._task = asyncio.create_task(self._loop())

    def poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def pass_once(self) -> None:
        """One delivery pass now (not waiting for the next period); errors are logged."""
        if self.notifier is None or self._busy is None:
            return
        async with self._busy:
            try:
                report = await self.notifier.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._fail(f"{type(exc).__name__}: {exc}")
                return
        delivered = int(getattr(report, "delivered", 0) or 0)
        failed = int(getattr(report, "failed", 0) or 0)
        self.delivered_total += delivered
        if delivered:
            self._say(f"webhook: delivered {delivered} notification{'s' if delivered != 1 else ''}")
        if failed:
            error = getattr(report, "last_error", None) or "unknown error"
            self._fail(f"{error}; kept in the outbox, retried later")
        elif delivered:
            self.last_error = None

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            if self.active():
                await self.pass_once()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)

    async def close(self, *, grace: float) -> None:
        """Let a pass in progress finish (at most `grace` seconds), stop, close what we made."""
        task, self._task = self._task, None
        if task is not None:
            if self._busy is not None and self._busy.locked():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_idle(), timeout=max(grace, 0.0))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._own and self.notifier is not None:  # made by the factory: the worker's to close
            closer = getattr(self.notifier, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()
            store = getattr(self.notifier, "store", None)  # a bare WebhookSender's connection
            if isinstance(store, Store):
                store.close()
        self.notifier = None

    async def _wait_idle(self) -> None:
        assert self._busy is not None
        async with self._busy:
            return

    def _fail(self, text: str) -> None:
        self.last_error = clean(text)
        self._say(f"webhook: delivery failed: {text}")

    def _say(self, text: str) -> None:
        if self.log is not None:
            self.log(clean(text))

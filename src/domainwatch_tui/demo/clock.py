"""The demo's simulated clock: one simulated day per 10 real seconds at speed 1.

`SimClock` is a `core.timefmt.Clock` (call it for "now"): the dashboard, the worker, the RDAP
client and the simulator all share one instance, so the simulator's timelines, the lifecycle
rules, the schedule and what the operator reads all agree on what time it is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from domainwatch_tui.core.timefmt import ensure_utc

#: Simulated seconds per real second at speed 1: one day per 10 seconds.
BASE_RATE = 86_400 / 10


class SimClock:
    """Simulated UTC time starting at `start`, running `speed` x `BASE_RATE` times real time.

    Speed 0 freezes time at `start` (screenshots, tests). Thread-safe: it only reads a
    monotonic counter. `advance()` jumps ahead (tests); `elapsed()` is simulated time so far.
    """

    def __init__(self, start: datetime, speed: float = 1.0, *,
                 monotonic: Callable[[], float] = time.monotonic):
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.start = ensure_utc(start).replace(microsecond=0)
        self.speed = float(speed)
        self._monotonic = monotonic
        self._origin = monotonic()
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """Simulated seconds per real second."""
        return self.speed * BASE_RATE

    def __call__(self) -> datetime:
        with self._lock:
            offset = self._offset
        real = max(self._monotonic() - self._origin, 0.0)
        return (self.start + offset + timedelta(seconds=real * self.rate)).replace(microsecond=0)

    def advance(self, delta: timedelta) -> None:
        """Jump simulated time forward by `delta`."""
        with self._lock:
            self._offset += delta

    def elapsed(self) -> timedelta:
        """Simulated time since `start`."""
        return self() - self.start

    def real_seconds(self, simulated: timedelta) -> float | None:
        """How many real seconds `simulated` time takes at this speed (None when frozen)."""
        if self.rate <= 0:
            return None
        return simulated.total_seconds() / self.rate

    def describe(self) -> str:
        """'1 simulated day per 10 s', 'frozen', ..."""
        if self.rate <= 0:
            return "time frozen"
        per_day = 86_400 / self.rate
        return f"1 simulated day per {per_day:.3g} s"

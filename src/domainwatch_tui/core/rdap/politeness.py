"""Per-host politeness for RDAP: a request-rate limit and a cap on requests in flight.

Registries throttle or block clients that hammer them. Every RDAP host gets its own
`HostLimiter`: a semaphore for `concurrency` and a strict spacing of `1 / requests_per_second`
between request starts (so in any one-second window no more than `requests_per_second`
requests start), plus a pause that a 429 answer's Retry-After sets for the whole host.

A rate of 0 (or less) and a concurrency of 0 (or less) mean "no limit" (the benchmark lifts the
limits that way). Times are the event loop's monotonic clock: politeness is about real time.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

#: Slack added to the one-second window, so that timer jitter never lets R+1 starts into one second.
WINDOW_SLACK = 0.01


class HostLimiter:
    """Rate and concurrency limits for one host; `async with limiter.slot(): ...` around a request."""

    def __init__(self, requests_per_second: float, concurrency: int):
        self.interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self._sem = asyncio.Semaphore(concurrency) if concurrency > 0 else None
        self._next_start = 0.0  # loop time before which no request may start
        self._paused_until = 0.0
        # The last floor(R) actual start times: the spacing alone is planned, and a late wake-up
        # followed by an on-time one would let R+1 starts into one second. This window never does.
        per_second = math.floor(requests_per_second) if requests_per_second >= 1 else 0
        self._starts: deque[float] | None = deque(maxlen=per_second) if per_second else None

    def pause(self, seconds: float) -> None:
        """Hold every request to this host for `seconds` from now (a 429 with Retry-After)."""
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + max(seconds, 0.0))

    async def _wait_turn(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            start = max(now, self._next_start, self._paused_until)
            if start <= now:
                self._next_start = now + self.interval
                break
            if self._paused_until > self._next_start:
                # sleep through the pause without reserving, then compete again
                await asyncio.sleep(self._paused_until - now)
                continue
            self._next_start = start + self.interval  # reserve this slot, then wait for it
            await asyncio.sleep(start - now)
            break
        starts = self._starts
        if starts is None:
            return
        while len(starts) == starts.maxlen:  # check and append with no await between: atomic
            wait = starts[0] + 1.0 + WINDOW_SLACK - loop.time()
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        starts.append(loop.time())

    def slot(self) -> _Slot:
        """Wait for a free concurrency slot, then for this host's next start time."""
        return _Slot(self)


class _Slot:
    """`async with limiter.slot():` (a plain class: cheaper per request than a generator)."""

    __slots__ = ("_limiter",)

    def __init__(self, limiter: HostLimiter):
        self._limiter = limiter

    async def __aenter__(self) -> None:
        limiter = self._limiter
        if limiter._sem is not None:
            await limiter._sem.acquire()
        try:
            if limiter.interval or limiter._paused_until:
                await limiter._wait_turn()
        except BaseException:
            if limiter._sem is not None:
                limiter._sem.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        if self._limiter._sem is not None:
            self._limiter._sem.release()


class Politeness:
    """One `HostLimiter` per host name (created on first use) with the same settings."""

    def __init__(self, requests_per_second: float, concurrency: int):
        self.requests_per_second = requests_per_second
        self.concurrency = concurrency
        self._hosts: dict[str, HostLimiter] = {}

    def for_host(self, host: str) -> HostLimiter:
        key = host.lower()
        limiter = self._hosts.get(key)
        if limiter is None:
            limiter = self._hosts[key] = HostLimiter(self.requests_per_second, self.concurrency)
        return limiter

"""Per-host politeness: never more than floor(R) request starts in any one-second window."""

from __future__ import annotations

import asyncio

import pytest

from domainwatch_tui.core.rdap.politeness import HostLimiter


def _max_in_window(times: list[float]) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.mark.parametrize("rate", [5, 20])
async def test_no_one_second_window_holds_more_than_r_starts(rate):
    limiter = HostLimiter(rate, 0)
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    real_sleep = asyncio.sleep

    async def jittery_sleep(seconds: float) -> None:
        # every other wake-up comes 30 ms late, the way a busy event loop wakes timers
        await real_sleep(seconds + (0.03 if len(starts) % 2 else 0.0))

    async def one() -> None:
        async with limiter.slot():
            starts.append(loop.time())

    asyncio_sleep = asyncio.sleep
    try:
        asyncio.sleep = jittery_sleep  # the limiter looks asyncio.sleep up at call time
        await asyncio.gather(*(one() for _ in range(rate * 2 + 3)))
    finally:
        asyncio.sleep = asyncio_sleep
    assert len(starts) == rate * 2 + 3
    assert _max_in_window(starts) <= rate


def test_window_counting_helper_counts():
    assert _max_in_window([0.0, 0.5, 0.99, 1.0, 1.2]) == 4

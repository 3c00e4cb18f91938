"""The worker's chores: overrides lapse on time, the webhook outbox is delivered, demo stores refused.

A fake clock drives the override lapse; webhooks go to a loopback receiver (127.0.0.1) that
checks the HMAC signature; the demo refusal is tried headless (CLI) and in the dashboard.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from domainwatch_tui.core.decisions import decide
from domainwatch_tui.core.model import PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.worker import Worker, WorkerSettings
from domainwatch_tui.core.worker_chores import LapseChore
from review_support import NOW, Addr, observe, proposals, seed, state
from worker_helpers import FakeChecker, FakeClock

D = "lapse.com"
FAST = dict(heartbeat_seconds=0.05, batch_seconds=0.01, idle_poll_seconds=0.05, stop_grace_seconds=0.5,
            notify_seconds=0.05)


async def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


@pytest.fixture
def review_store(tmp_path):
    """A store with lapse.com in redemption (two pending proposals) and next checked in 12 hours."""
    path = tmp_path / "s.db"
    store = Store(path)
    seed(store, [Addr("1", f"a@{D}"), Addr("2", f"b@{D}")])
    observe(store, D, "redemption")
    yield path, store
    store.close()


def make_worker(path, clock, checker, **kw) -> Worker:
    settings = kw.pop("settings", {})
    return Worker(path, checker, clock=clock, policy=PolicySettings(), schedule=ScheduleSettings(jitter=0),
                  settings=WorkerSettings(**{**FAST, **settings}), **kw)


# -- 1. overrides lapse on time ----------------------------------------------------------------------
async def test_an_override_lapses_on_time_not_at_the_next_check(review_store):
    path, store = review_store
    until = NOW + timedelta(hours=2)
    decide(store, D, "override", operator="op", reason="owner renewing", until=until, now=NOW)
    assert proposals(store, D, "pending") == []
    clock = FakeClock(NOW + timedelta(minutes=1))
    checker = FakeChecker(clock)
    lapsed: list[list[str]] = []
    notices: list[str] = []
    worker = make_worker(path, clock, checker, on_lapsed=lapsed.append, on_log=notices.append)
    run = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.3)  # several idle passes: the override still holds
        assert store.override_for(D) is not None and lapsed == []
        clock.advance(hours=2)  # `until` passes; the domain's next check is still hours away
        await wait_for(lambda: lapsed)
    finally:
        worker.stop()
        final = await run
    assert lapsed == [[D]] and final.overrides_lapsed == 1
    assert store.override_for(D) is None
    assert len(proposals(store, D, "pending")) == 2 and state(store, D) == "pending"
    lapse = store.execute("SELECT operator, reason FROM decisions WHERE action = 'lapse'").fetchall()
    assert len(lapse) == 1 and "override expired" in lapse[0]["reason"]
    assert checker.calls == []  # no check was needed for it
    assert any(D in n and "override expired" in n for n in notices)


async def test_worker_once_lapses_before_checking(review_store):
    path, store = review_store
    decide(store, D, "override", operator="op", reason="r", until=NOW + timedelta(hours=1), now=NOW)
    clock = FakeClock(NOW + timedelta(hours=3))
    await make_worker(path, clock, FakeChecker(clock)).run(once=True)
    assert store.override_for(D) is None and len(proposals(store, D, "pending")) == 2


def test_lapse_runs_at_most_once_a_minute_of_real_or_worker_time():
    clock = FakeClock(NOW)
    real = [100.0]
    chore = LapseChore(clock=clock, monotonic=lambda: real[0], policy=PolicySettings(), interval=60.0)
    assert chore.due() and chore.seconds_until_due() == 0.0
    store = Store(":memory:")
    try:
        assert asyncio.run(chore.run(store)) == []
        assert not chore.due() and chore.seconds_until_due() == 60.0
        real[0] += 59
        assert not chore.due()
        real[0] += 1
        assert chore.due()  # a real minute
        asyncio.run(chore.run(store))
        clock.advance(seconds=61)
        assert chore.due()  # a minute of the worker's clock (the demo's runs fast)
    finally:
        store.close()

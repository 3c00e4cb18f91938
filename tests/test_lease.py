"""One worker per store: the lease, its heartbeat, and taking over a dead holder's lease."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

from domainwatch_tui.core.model import PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.store.lease import LeaseInfo
from domainwatch_tui.core.worker import Worker, WorkerSettings, holder_is_dead, make_holder_id, pid_alive
from domainwatch_tui.core.worker_progress import WorkerState
from worker_helpers import T0, FakeChecker, FakeClock, add_domains


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_first_taker_wins_and_second_sees_the_holder(tmp_path):
    a, b = Store(tmp_path / "s.db"), Store(tmp_path / "s.db")
    got = a.acquire_lease("h:1:aa", pid=1, host="h", now=T0, is_dead=lambda lease: False)
    assert got.holder == "h:1:aa"
    seen = b.acquire_lease("h:2:bb", pid=2, host="h", now=T0, is_dead=lambda lease: False)
    assert seen.holder == "h:1:aa" and seen.pid == 1
    assert b.lease_holder() == seen


def test_heartbeat_renews_only_our_lease(tmp_path):
    store = Store(tmp_path / "s.db")
    store.acquire_lease("h:1:aa", pid=1, host="h", now=T0, is_dead=lambda lease: False)
    assert store.renew_lease("h:1:aa", now=T0 + timedelta(seconds=5))
    assert store.lease_holder().heartbeat_at == T0 + timedelta(seconds=5)
    assert not store.renew_lease("h:2:bb", now=T0)
    assert not store.release_lease("h:2:bb")
    assert store.release_lease("h:1:aa")
    assert store.lease_holder() is None


def test_a_dead_holder_is_replaced(tmp_path):
    store = Store(tmp_path / "s.db")
    store.acquire_lease("h:1:aa", pid=1, host="h", now=T0, is_dead=lambda lease: False)
    got = store.acquire_lease("h:2:bb", pid=2, host="h", now=T0, is_dead=lambda lease: True)
    assert got.holder == "h:2:bb"
    assert store.lease_holder().holder == "h:2:bb"
    assert not store.renew_lease("h:1:aa", now=T0)  # the old holder learns it lost the lease


def test_staleness_rules():
    lease = LeaseInfo("other:123:aa", 123, "other", T0, T0)
    # another host: only the heartbeat counts
    assert not holder_is_dead(lease, now=T0 + timedelta(seconds=59), timeout=60, host="me")
    assert holder_is_dead(lease, now=T0 + timedelta(seconds=61), timeout=60, host="me")
    # this host: a pid that is gone is dead at once, a live one is not
    gone = LeaseInfo("me:x:aa", _dead_pid(), "me", T0, T0)
    assert holder_is_dead(gone, now=T0, timeout=60, host="me")
    alive = LeaseInfo("me:x:aa", os.getpid(), "me", T0, T0)
    assert not holder_is_dead(alive, now=T0, timeout=60, host="me")
    assert pid_alive(os.getpid()) and not pid_alive(_dead_pid())


def test_holder_id_is_host_pid_random():
    host, pid, rand = make_holder_id().split(":")
    assert pid == str(os.getpid()) and len(rand) == 8 and host
    assert make_holder_id() != make_holder_id()


def _worker(path, clock, checker, **kw) -> Worker:
    settings = WorkerSettings(heartbeat_seconds=0.05, lease_timeout_seconds=60, batch_seconds=0.01,
                              idle_poll_seconds=0.05, **kw)
    return Worker(path, checker, clock=clock, policy=PolicySettings(),
                  schedule=ScheduleSettings(jitter=0), settings=settings)


async def test_second_worker_stays_idle_and_says_who_holds_the_lease(tmp_path):
    path = tmp_path / "s.db"
    clock = FakeClock()
    store = Store(path)
    add_domains(store, [f"d{i}.com" for i in range(5)], now=T0)
    slow = FakeChecker(clock, delay=0.2)
    first = _worker(path, clock, slow)
    second_checker = FakeChecker(clock)
    seen = []
    second = _worker(path, clock, second_checker)
    second.on_progress = seen.append
    task = asyncio.create_task(first.run())
    await asyncio.sleep(0.1)
    assert store.lease_holder().holder == first.holder

    # --once: refuses at once and reports the holder
    final = await second.run(once=True)
    assert final.state is WorkerState.WAITING_FOR_LEASE
    assert final.lease_holder == first.holder
    assert second_checker.calls == []

    # forever: waits, reporting the holder, and checks nothing
    waiting = _worker(path, clock, second_checker)
    states = []
    waiting.on_progress = states.append
    wtask = asyncio.create_task(waiting.run())
    await asyncio.sleep(0.3)
    assert second_checker.calls == []
    assert states and states[-1].state is WorkerState.WAITING_FOR_LEASE
    assert states[-1].lease_holder == first.holder

    # the holder stops and releases: the waiting worker takes over (nothing is due any more)
    first.stop()
    await task
    await asyncio.sleep(0.3)
    assert store.lease_holder().holder == waiting.holder
    waiting.stop()
    await wtask
    assert store.lease_holder() is None
    assert sorted(slow.calls) == [f"d{i}.com" for i in range(5)]


async def test_a_stale_lease_is_taken_over(tmp_path):
    path = tmp_path / "s.db"
    clock = FakeClock()
    store = Store(path)
    add_domains(store, ["a.com"], now=T0)
    # a worker on another host that stopped heart-beating two minutes ago
    store.acquire_lease("elsewhere:4242:dead", pid=4242, host="elsewhere", now=T0 - timedelta(minutes=2),
                        is_dead=lambda lease: False)
    checker = FakeChecker(clock)
    final = await _worker(path, clock, checker).run(once=True)
    assert final.state is WorkerState.STOPPED
    assert checker.calls == ["a.com"]


async def test_a_fresh_lease_from_another_host_is_respected(tmp_path):
    path = tmp_path / "s.db"
    clock = FakeClock()
    store = Store(path)
    add_domains(store, ["a.com"], now=T0)
    store.acquire_lease("elsewhere:4242:live", pid=4242, host="elsewhere", now=T0 - timedelta(seconds=10),
                        is_dead=lambda lease: False)
    checker = FakeChecker(clock)
    final = await _worker(path, clock, checker).run(once=True)
    assert final.state is WorkerState.WAITING_FOR_LEASE
    assert final.lease_holder == "elsewhere:4242:live"
    assert checker.calls == []


async def test_a_lease_whose_pid_died_on_this_host_is_taken_over_at_once(tmp_path):
    path = tmp_path / "s.db"
    clock = FakeClock()
    store = Store(path)
    add_domains(store, ["a.com"], now=T0)
    worker = _worker(path, clock, FakeChecker(clock))
    pid = _dead_pid()
    store.acquire_lease(f"{worker.host}:{pid}:gone", pid=pid, host=worker.host, now=T0,
                        is_dead=lambda lease: False)
    final = await worker.run(once=True)
    assert final.state is WorkerState.STOPPED and final.checked_total == 1


async def test_a_worker_that_loses_its_lease_stops_writing(tmp_path):
    path = tmp_path / "s.db"
    clock = FakeClock()
    store = Store(path)
    add_domains(store, [f"d{i}.com" for i in range(50)], now=T0)
    checker = FakeChecker(clock, delay=0.05)
    worker = _worker(path, clock, checker, max_in_flight=2)
    states = []
    worker.on_progress = states.append
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.2)
    # another process decides this one is dead and takes over
    store.acquire_lease("thief:1:xx", pid=1, host="thief", now=T0, is_dead=lambda lease: True)
    await asyncio.sleep(0.3)
    checked = store.execute("SELECT count(*) FROM checks").fetchone()[0]
    await asyncio.sleep(0.3)
    assert store.execute("SELECT count(*) FROM checks").fetchone()[0] == checked < 50
    assert states[-1].state is WorkerState.WAITING_FOR_LEASE
    assert states[-1].lease_holder == "thief:1:xx"
    worker.stop()
    await task
    assert store.lease_holder().holder == "thief:1:xx"  # not released: it was not ours

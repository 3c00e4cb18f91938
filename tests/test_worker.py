"""The worker loop with a fake checker and a fake clock: order, schedule, progress, control."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest

from domainwatch_tui.core.model import PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.worker import Worker, WorkerSettings
from domainwatch_tui.core.worker_progress import ProgressLog, RateMeter, WorkerProgress, WorkerState
from worker_helpers import (
    T0,
    FakeChecker,
    FakeClock,
    add_domains,
    available,
    failing,
    iso,
    next_check,
    redemption,
)

FAST = dict(heartbeat_seconds=0.05, batch_seconds=0.01, idle_poll_seconds=0.05, stop_grace_seconds=0.5)


def make_worker(path, clock, checker, *, progress=None, outcomes=None, **settings) -> Worker:
    return Worker(path, checker, clock=clock, policy=PolicySettings(), schedule=ScheduleSettings(jitter=0),
                  settings=WorkerSettings(**{**FAST, **settings}),
                  on_progress=progress, on_outcome=outcomes)


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    clock = FakeClock()
    yield path, store, clock
    store.close()


async def test_once_checks_due_domains_highest_risk_first(world):
    path, store, clock = world
    add_domains(store, ["low.com", "high.com", "mid.com", "gmail.com"], now=T0,
                risks={"low.com": 1, "high.com": 90, "mid.com": 40}, exempt=("gmail.com",))
    add_domains(store, ["later.com"], now=T0)
    store.execute("UPDATE domains SET next_check_at = ? WHERE name = 'later.com'",
                  (iso(T0 + timedelta(days=3)),))
    checker = FakeChecker(clock)
    final = await make_worker(path, clock, checker, max_in_flight=1).run(once=True)
    assert checker.calls == ["high.com", "mid.com", "low.com"]  # exempt and not-yet-due skipped
    assert (final.state, final.done, final.total, final.errors) == (WorkerState.STOPPED, 3, 3, 0)
    assert store.execute("SELECT count(*) FROM checks").fetchone()[0] == 3
    assert next_check(store, "high.com") == iso(T0 + timedelta(days=30))
    assert checker.closed is False  # an instance passed in is the caller's to close


async def test_a_second_run_repeats_no_finished_check(world):
    path, store, clock = world
    add_domains(store, [f"d{i}.com" for i in range(40)], now=T0)
    first = FakeChecker(clock)
    await make_worker(path, clock, first).run(once=True)
    assert sorted(first.calls) == sorted(f"d{i}.com" for i in range(40))
    again = FakeChecker(clock)
    clock.advance(hours=23)
    final = await make_worker(path, clock, again).run(once=True)
    assert again.calls == [] and final.total == 0


async def test_phases_are_rechecked_on_their_own_schedule(world):
    """Driving the worker with a fake clock: available hourly, redemption twice a day, active monthly."""
    path, store, clock = world
    add_domains(store, ["free.com", "redeem.com", "fine.com"], now=T0)
    answers = {"free.com": available, "redeem.com": redemption}
    seen: list[list[str]] = []
    for _hour in range(25):
        checker = FakeChecker(clock, answers)
        await make_worker(path, clock, checker).run(once=True)
        seen.append(sorted(checker.calls))
        clock.advance(hours=1)
    assert seen[0] == ["fine.com", "free.com", "redeem.com"]
    assert all("free.com" in calls for calls in seen)  # every hour
    redeem_hours = [h for h, calls in enumerate(seen) if "redeem.com" in calls]
    assert redeem_hours == [0, 12, 24]
    assert [h for h, calls in enumerate(seen) if "fine.com" in calls] == [0]
    assert next_check(store, "fine.com") == iso(T0 + timedelta(days=30))


async def test_errors_back_off_1h_6h_24h(world):
    path, store, clock = world
    add_domains(store, ["flaky.com"], now=T0)
    gaps = []
    for _ in range(4):
        checker = FakeChecker(clock, {"flaky.com": failing})
        final = await make_worker(path, clock, checker).run(once=True)
        assert checker.calls == ["flaky.com"] and final.errors == 1
        due = next_check(store, "flaky.com")
        gaps.append(round((_parse(due) - clock()).total_seconds() / 3600))
        # one second early nothing happens; at the due time it is checked again
        clock.now = _parse(due) - timedelta(seconds=1)
        early = FakeChecker(clock, {"flaky.com": failing})
        await make_worker(path, clock, early).run(once=True)
        assert early.calls == []
        clock.now = _parse(due)
    assert gaps == [1, 6, 24, 24]
    assert store.domain_row("flaky.com")["phase"] == "unknown"


def _parse(text):
    from domainwatch_tui.core.timefmt import from_iso

    return from_iso(text)


async def test_in_flight_work_is_bounded(world):
    path, store, clock = world
    add_domains(store, [f"d{i}.com" for i in range(60)], now=T0)
    checker = FakeChecker(clock, delay=0.01)
    final = await make_worker(path, clock, checker, max_in_flight=7).run(once=True)
    assert final.done == 60
    assert checker.max_in_flight == 7


async def test_progress_reports_done_total_rate_and_eta(world):
    path, store, clock = world
    add_domains(store, [f"d{i}.com" for i in range(30)], now=T0)
    snaps: list[WorkerProgress] = []
    checker = FakeChecker(clock, {"d3.com": failing}, delay=0.01)
    await make_worker(path, clock, checker, max_in_flight=3, progress_seconds=0.0,
                      progress=snaps.append).run(once=True)
    running = [s for s in snaps if s.state is WorkerState.RUNNING]
    assert running and running[0].total == 30
    mid = [s for s in running if 0 < s.done < 30]
    assert mid and all(s.rate > 0 and s.eta_seconds is not None for s in mid[1:])
    dones = [s.done for s in running]
    assert dones == sorted(dones)
    assert snaps[-1].state is WorkerState.STOPPED
    assert (snaps[-1].checked_total, snaps[-1].errors_total) == (30, 1)
    assert "d3.com" in (snaps[-1].last_error or "")


async def test_a_checker_that_raises_is_counted_and_postponed(world):
    path, store, clock = world
    add_domains(store, ["ok.com", "bug.com"], now=T0)
    checker = FakeChecker(clock, raises={"bug.com"})
    final = await make_worker(path, clock, checker).run(once=True)
    assert sorted(checker.calls) == ["bug.com", "ok.com"]
    assert final.errors == 1 and "checker bug" in (final.last_error or "")
    assert next_check(store, "bug.com") == iso(T0 + timedelta(hours=1))
    assert store.domain_row("bug.com")["phase"] == "unchecked"


async def test_pause_resume_and_stop(world):
    path, store, clock = world
    add_domains(store, [f"d{i}.com" for i in range(200)], now=T0)
    checker = FakeChecker(clock, delay=0.01)
    states: list[WorkerState] = []
    worker = make_worker(path, clock, checker, max_in_flight=4,
                         progress=lambda p: states.append(p.state))
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.1)
    worker.pause()
    await asyncio.sleep(0.1)  # in-flight checks finish
    frozen = len(checker.calls)
    await asyncio.sleep(0.2)
    assert len(checker.calls) == frozen < 200
    assert worker.state is WorkerState.PAUSED
    worker.resume()
    for _ in range(200):
        await asyncio.sleep(0.05)
        if worker.state is WorkerState.IDLE:
            break
    assert worker.state is WorkerState.IDLE
    assert len(checker.calls) == 200
    worker.stop()
    final = await asyncio.wait_for(task, 2)
    assert final.state is WorkerState.STOPPED
    assert states.index(WorkerState.PAUSED) < states.index(WorkerState.IDLE)
    assert store.lease_holder() is None


async def test_stop_abandons_slow_checks_within_the_grace(world):
    path, store, clock = world
    add_domains(store, [f"d{i}.com" for i in range(10)], now=T0)
    checker = FakeChecker(clock, delay=30)
    worker = make_worker(path, clock, checker, max_in_flight=4, stop_grace_seconds=0.3)
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.1)
    started = time.monotonic()
    worker.stop()
    final = await asyncio.wait_for(task, 3)
    assert time.monotonic() - started < 1.5
    assert final.state is WorkerState.STOPPED and final.checked_total == 0
    assert store.execute("SELECT count(*) FROM checks").fetchone()[0] == 0
    assert store.lease_holder() is None
    # abandoned checks are simply due again
    assert len(store.due_by_risk(clock(), 100)) == 10


async def test_idle_worker_wakes_when_something_falls_due(world):
    path, store, clock = world
    add_domains(store, ["a.com"], now=T0)
    snaps: list[WorkerProgress] = []
    checker = FakeChecker(clock, {"a.com": available})
    worker = make_worker(path, clock, checker, progress=snaps.append)
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.2)
    idle = [s for s in snaps if s.state is WorkerState.IDLE]
    assert idle and idle[-1].next_due_at == T0 + timedelta(hours=1)
    assert checker.calls == ["a.com"]
    clock.advance(hours=1)
    await asyncio.sleep(0.3)
    assert checker.calls == ["a.com", "a.com"]
    worker.stop()
    await asyncio.wait_for(task, 2)


def test_controls_work_from_another_thread(tmp_path):
    """The dashboard runs the worker in a thread; pause/resume/stop come from the UI thread."""
    path = tmp_path / "s.db"
    store = Store(path)
    clock = FakeClock()
    add_domains(store, [f"d{i}.com" for i in range(100)], now=T0)
    made: list[FakeChecker] = []
    threads: set[int] = set()

    def factory() -> FakeChecker:
        made.append(FakeChecker(clock, delay=0.01))
        return made[-1]

    worker = Worker(path, factory, clock=clock, policy=PolicySettings(),
                    settings=WorkerSettings(**{**FAST, "max_in_flight": 2}),
                    on_progress=lambda p: threads.add(threading.get_ident()))
    result: list[WorkerProgress] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(worker.run())))
    thread.start()
    time.sleep(0.2)
    worker.pause()
    time.sleep(0.1)
    count = len(made[0].calls)
    time.sleep(0.2)
    assert len(made[0].calls) == count
    worker.resume()
    time.sleep(0.2)
    assert len(made[0].calls) > count
    worker.stop()
    thread.join(3)
    assert not thread.is_alive()
    assert result[0].state is WorkerState.STOPPED
    assert made[0].closed  # a checker the worker made, the worker closes
    assert threads == {thread.ident}
    store.close()


def test_rate_meter():
    meter = RateMeter(window=10)
    meter.start(100.0)
    assert meter.rate(100.0) == 0.0
    meter.add(101.0, 10)
    assert meter.rate(102.0) == pytest.approx(5.0)
    assert meter.rate(120.0) == 0.0  # all older than the window


async def test_log_lines_for_states_phase_changes_and_summaries(world):
    path, store, clock = world
    add_domains(store, ["free.com", "fine.com", "redeem.com"], now=T0)
    lines: list[str] = []
    ticks = iter(range(0, 10_000, 100))
    log = ProgressLog(lines.append, clock=clock, monotonic=lambda: float(next(ticks)), summary_seconds=50)
    checker = FakeChecker(clock, {"free.com": available, "redeem.com": redemption})
    await make_worker(path, clock, checker, progress=log.progress, outcomes=log.outcome,
                      progress_seconds=0.0).run(once=True)
    text = "\n".join(lines)
    assert "free.com: unchecked -> available" in text
    assert "redeem.com: unchecked -> redemption (" in text
    assert "fine.com" not in text  # a first check that finds `active` is not news
    assert "worker: running: 3 due" in text
    assert "checked," in text  # a periodic summary
    assert lines[-1].endswith("worker: stopped (3 checked, 0 errors)")
    assert all(line.startswith("2026-07-01T12:00:00Z ") for line in lines)

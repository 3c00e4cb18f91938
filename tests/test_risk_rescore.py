"""A very large import leaves risk scoring to the worker, which does it in short steps before checking."""

from __future__ import annotations

from domainwatch_tui.core.model import PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.worker import Worker, WorkerSettings
from review_support import NOW, Addr, seed
from worker_helpers import FakeChecker, FakeClock

FAST = dict(heartbeat_seconds=0.05, batch_seconds=0.01, idle_poll_seconds=0.05, stop_grace_seconds=0.5)


def _zero_risk(store: Store) -> None:
    store.execute("UPDATE domains SET risk = 0")
    store.execute("UPDATE accounts SET risk = 0")


def test_rescore_steps_give_the_full_refresh_result(tmp_path):
    store = Store(tmp_path / "s.db")
    seed(store, [Addr(str(i), f"u{i}@d{i % 7}.com", packages=i % 4, downloads=i * 100,
                      has_2fa=bool(i % 2)) for i in range(40)] + [Addr("x", "x@gmail.com")])
    expected = dict(store.execute("SELECT name, risk FROM domains").fetchall())
    assert any(v > 0 for v in expected.values())
    _zero_risk(store)
    store.mark_risk_stale()
    assert store.risk_stale()
    steps = 0
    while store.rescore_step(limit=3):
        steps += 1
    assert steps == 3 and not store.risk_stale()  # 7 domains in steps of 3; exempt ones skipped
    assert dict(store.execute("SELECT name, risk FROM domains").fetchall()) == expected


async def test_the_worker_scores_a_stale_store_before_checking(tmp_path):
    path = tmp_path / "w.db"
    store = Store(path)
    seed(store, [Addr(str(i), f"u{i}@d{i}.com", packages=i) for i in range(5)])
    _zero_risk(store)
    store.mark_risk_stale()
    clock = FakeClock(NOW)
    lines: list[str] = []
    # every fetch raises: nothing is recorded, so the scores seen are the rescoring's own
    checker = FakeChecker(clock, raises={f"d{i}.com" for i in range(5)})
    worker = Worker(path, checker, clock=clock, policy=PolicySettings(),
                    schedule=ScheduleSettings(jitter=0), settings=WorkerSettings(**FAST), on_log=lines.append)
    await worker.run(once=True)
    assert not store.risk_stale()
    assert store.execute("SELECT count(*) FROM domains WHERE risk > 0").fetchone()[0] == 5
    assert any("risk: 5 domains scored" in line for line in lines)
    store.close()

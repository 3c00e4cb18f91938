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
from domainwatch_tui.core.demo_marker import DEMO_REFUSAL, MARKER_SUFFIX, demo_refusal, marker_path
from domainwatch_tui.core.model import PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.webhooks import WebhookSender, WebhookSettings
from domainwatch_tui.core.worker import Worker, WorkerSettings
from domainwatch_tui.core.worker_chores import LapseChore
from review_support import NOW, Addr, observe, proposals, seed, state
from worker_helpers import FakeChecker, FakeClock, LoopbackReceiver, available

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


def add_domain_with_account(store: Store, name: str) -> None:
    """An unchecked domain (due now) with one verified address on it."""
    seed(store, [Addr(f"acct-{name}", f"someone@{name}")])


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


# -- 2. webhook delivery by the worker ------------------------------------------------------------------
SECRET = "worker-test-secret"


def sender(url: str, path, clock):
    """A factory of the webhook sender, on a store connection of its own (as the commands do)."""
    def make() -> WebhookSender:
        settings = WebhookSettings(url=url, timeout_seconds=2.0, retries=0)
        return WebhookSender(Store(path), settings, SECRET, clock=clock)
    return make


async def test_a_decision_made_while_the_worker_runs_is_delivered_signed(review_store):
    path, store = review_store
    clock = FakeClock(NOW + timedelta(minutes=1))
    add_domain_with_account(store, "gone.com")
    checker = FakeChecker(clock, {"gone.com": available})
    with LoopbackReceiver(SECRET) as receiver:
        worker = make_worker(path, clock, checker, notifier=sender(receiver.url, path, clock))
        run = asyncio.create_task(worker.run())
        try:
            # what is already queued, and the phase entry the worker's own check finds
            await wait_for(lambda: {p["domain"] for _, _, p in receiver.got} >= {D, "gone.com"})
            clock.advance(minutes=1)
            result = decide(store, D, "confirm", operator="ann", reason="bounced (SEC-7)", now=clock())
            await wait_for(lambda: any(e == "decision" for e, _, _ in receiver.got))
        finally:
            worker.stop()
            await run
    assert receiver.bad_signatures == 0  # the receiver verified every HMAC signature
    events = [(e, p["domain"]) for e, _, p in receiver.got]
    assert events[:2] == [("phase.entered", D), ("phase.entered", "gone.com")]
    decision = next(p for e, _, p in receiver.got if e == "decision")
    assert (decision["action"], decision["operator"]) == ("confirm", "ann")
    assert decision["reason"] == "bounced (SEC-7)"
    assert decision["decision_id"] in result.decision_ids
    assert [i for _, i, _ in receiver.got] == sorted(i for _, i, _ in receiver.got)  # in order, once each
    status = store.outbox_status()
    assert (status.undelivered, status.delivered) == (0, len(receiver.got))


async def test_a_failing_receiver_is_logged_keeps_the_row_and_never_blocks_checks(review_store):
    path, store = review_store
    clock = FakeClock(NOW + timedelta(minutes=1))
    names = [f"d{i}.com" for i in range(5)]
    for name in names:
        add_domain_with_account(store, name)
    checker = FakeChecker(clock)
    notices: list[str] = []
    with LoopbackReceiver(SECRET, fail=True) as receiver:
        worker = make_worker(path, clock, checker, on_log=notices.append,
                             notifier=sender(receiver.url, path, clock))
        final = await worker.run(once=True)
    assert sorted(checker.calls) == names and final.checked_total == 5  # checks went on
    assert any("webhook: delivery failed" in n and "HTTP 503" in n for n in notices)
    assert final.webhook_error and "HTTP 503" in final.webhook_error
    status = store.outbox_status()
    assert status.undelivered == 1 and status.failing == 1 and status.delivered == 0  # kept, retried later
    assert "503" in (status.last_error or "")


async def test_an_unusable_webhook_url_is_logged_and_checks_go_on(review_store):
    path, store = review_store
    clock = FakeClock(NOW + timedelta(minutes=1))
    add_domain_with_account(store, "x.com")
    notices: list[str] = []
    checker = FakeChecker(clock)
    notifier = sender("http://198.51.100.7/hook", path, clock)
    final = await make_worker(path, clock, checker, notifier=notifier, on_log=notices.append).run(once=True)
    assert checker.calls == ["x.com"] and final.checked_total == 1
    assert any("webhook: delivery failed: cannot start" in n for n in notices)
    assert store.outbox_status().undelivered == 1


async def test_only_the_lease_holder_delivers(review_store):
    path, store = review_store
    clock = FakeClock(NOW + timedelta(minutes=1))
    other = "elsewhere:1:abcd"
    store.acquire_lease(other, pid=0, host="elsewhere", now=clock(), is_dead=lambda lease: False)
    with LoopbackReceiver(SECRET) as receiver:
        worker = make_worker(path, clock, FakeChecker(clock), notifier=sender(receiver.url, path, clock))
        run = asyncio.create_task(worker.run())
        try:
            await wait_for(lambda: worker.state.value == "waiting-for-lease")
            await asyncio.sleep(0.3)  # several notifier periods
            assert receiver.got == []  # a waiting worker leaves the outbox to the holder
            store.release_lease(other)
            await wait_for(lambda: receiver.got)
        finally:
            worker.stop()
            await run
    assert [p["domain"] for _, _, p in receiver.got] == [D]


def test_headless_worker_once_delivers_the_outbox(dw_cli, monkeypatch):
    store = Store(dw_cli.db)
    try:
        seed(store, [Addr("1", f"a@{D}")])
        observe(store, D, "redemption")
        decide(store, D, "confirm", operator="ann", reason="bounced", now=NOW)
        store.execute("UPDATE domains SET next_check_at = '2999-01-01T00:00:00Z'")  # nothing to check
    finally:
        store.close()
    with LoopbackReceiver(SECRET) as receiver:
        monkeypatch.setenv("DOMAINWATCH_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("DOMAINWATCH_WEBHOOK_SECRET", SECRET)
        result = dw_cli("worker", "--once")
    assert result.exit_code == 0, result.stderr
    assert [e for e, _, _ in receiver.got] == ["phase.entered", "decision"] and receiver.bad_signatures == 0
    assert "webhook: on" in result.stderr and "delivered 2 notifications" in result.stderr
    assert receiver.url not in result.stderr  # a hook URL may carry a token: never logged
    with Store(dw_cli.db) as check:
        assert check.outbox_status().undelivered == 0


# -- 3. a demo store is never checked against real registries ----------------------------------------
def test_the_marker_is_the_one_the_demo_writes():
    from domainwatch_tui.demo import session

    assert session.MARKER_SUFFIX == MARKER_SUFFIX


def test_headless_worker_refuses_a_demo_store(dw_cli):
    with Store(dw_cli.db) as store:
        seed(store, [Addr("1", f"a@{D}")])  # due now: a worker would check it
    marker_path(dw_cli.db).write_text("{}\n")
    assert demo_refusal(dw_cli.db) == DEMO_REFUSAL and demo_refusal(dw_cli.db, started_by_demo=True) is None
    for args in (["worker", "--once"], ["worker"]):
        result = dw_cli(*args)
        assert result.exit_code == 1
        assert "this is a demo store: run `domainwatch demo`" in result.stderr
    with Store(dw_cli.db) as store:
        assert store.execute("SELECT count(*) FROM checks").fetchone()[0] == 0
        assert store.domain_row(D)["phase"] == "unchecked"
    marker_path(dw_cli.db).unlink()
    assert demo_refusal(dw_cli.db) is None


async def _dashboard(path, checker, *, from_demo: bool = False):
    from domainwatch_tui.tui.app import DomainwatchApp, default_config
    from tui_support import CLOCK

    app = DomainwatchApp(path, clock=CLOCK, checker_factory=lambda: checker, operator="tester",
                         config=default_config(), start_worker=True)
    if from_demo:
        app.session = object()  # the demo's own dashboard (`DemoApp`) carries its session
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        worker = app.checks.worker
        notes = [n.message for n in app._notifications]
        app.checks.check(["oldshop.com"], "oldshop.com")  # a manual check
        await pilot.pause()
        notes_after = [n.message for n in app._notifications]
        app.checks.shutdown()
    return worker, notes, notes_after


async def test_the_dashboard_starts_no_worker_on_a_demo_store(tmp_path):
    from tui_support import FakeChecker as TuiChecker
    from tui_support import seed_store

    path = seed_store(tmp_path / "s.db")
    marker_path(path).write_text("{}\n")
    checker = TuiChecker({})
    worker, notes, after = await _dashboard(path, checker)
    assert worker is None
    assert any("this is a demo store: run `domainwatch demo`" in n for n in notes)
    assert any("No checker is configured" in n for n in after)  # manual checks refused too
    assert checker.asked == []

    worker, notes, _ = await _dashboard(path, TuiChecker({}), from_demo=True)
    assert worker is not None and not any("demo store" in n for n in notes)
    marker_path(path).unlink()
    worker, notes, _ = await _dashboard(path, TuiChecker({}))
    assert worker is not None and not any("demo store" in n for n in notes)

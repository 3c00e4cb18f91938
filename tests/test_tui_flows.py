"""Pilot tests of the dashboard's flows on a seeded store with a frozen clock."""

from __future__ import annotations

from domainwatch_tui.config import SPEC
from domainwatch_tui.core.store import Store
from domainwatch_tui.tui.app import DomainwatchApp, default_config
from domainwatch_tui.tui.bindings import KEYS
from domainwatch_tui.tui.screens.audit import AuditScreen
from domainwatch_tui.tui.screens.domain import DomainScreen
from domainwatch_tui.tui.screens.help import HelpScreen
from domainwatch_tui.tui.screens.main import MainScreen
from domainwatch_tui.tui.screens.modals import DecisionModal
from domainwatch_tui.tui.widgets.domain_table import DomainTable
from tui_support import CLOCK, FakeChecker, observe, seed_store


def make_app(tmp_path, *, read_only=False, checker=None, config=None, worker=False) -> DomainwatchApp:
    path = tmp_path / "s.db"
    if not path.exists():
        seed_store(path)
    factory = (lambda: checker) if checker is not None else None
    return DomainwatchApp(path, clock=CLOCK, checker_factory=factory, read_only=read_only,
                          operator="tester", config=config or default_config(), start_worker=worker)


async def settle(pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table(app) -> DomainTable:
    return app.screen.query_one(DomainTable)


async def test_main_screen_ranks_the_most_severe_group_and_counts(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.counts["review"] == 3 and screen.counts["redemption"] == 1
        assert screen.group == "review"  # the first non-empty group
        assert [r.name for r in table(app).window] == ["resurrected.dev", "oldshop.com", "lapsing.org"]
        await pilot.press("down")  # group list is not focused: the table moves
        assert table(app).current.name == "oldshop.com"


async def test_filter_enter_open_confirm_override_and_audit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"bob")  # a username: the domain of bob's address matches
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(DomainTable).has_focus
        assert [r.name for r in table(app).window] == ["oldshop.com"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DomainScreen) and app.screen.domain == "oldshop.com"
        assert app.screen.query_one("#accounts").row_count == 3
        # confirm un-verification through the modal
        await pilot.press("u")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, DecisionModal)
        assert len(modal.preview.changes) == 3
        await pilot.press("enter")  # no reason: refused in the modal
        assert isinstance(app.screen, DecisionModal)
        await pilot.press(*"registry says redemption")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DomainScreen)
        with Store(app.store_path) as store:
            rows = store.execute("SELECT verified FROM emails WHERE domain = 'oldshop.com'").fetchall()
            assert [r[0] for r in rows] == [0, 0, 0]
        # revert it, then override
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"customer renewed")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, DecisionModal) and app.screen.preview.action == "override"
        await pilot.press(*"owner confirmed renewal")
        await pilot.press("tab")
        await pilot.press(*"2026-08-01")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        audit = app.screen.query_one("#audit")
        actions = [str(audit.get_row_at(i)[3]) for i in range(audit.row_count)]
        operators = [str(audit.get_row_at(i)[2]) for i in range(audit.row_count)]
        assert actions[:3] == ["override", "revert", "confirm"]
        assert operators[:3] == ["tester"] * 3
        # filter by operator
        app.screen.query_one("#f-operator").value = "alice-sec"
        await settle(pilot)
        assert audit.row_count == 1 and str(audit.get_row_at(0)[4]) == "dropped.io"


async def test_read_only_greys_out_changes_and_decides_nothing(tmp_path):
    app = make_app(tmp_path, read_only=True, checker=FakeChecker({}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        for action in ("check", "check_group", "decide"):
            assert screen.check_action(action, ()) is None  # greyed out, not hidden
        assert app.check_action("pause", ()) is None
        assert app.checks.worker is None
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    with Store(app.store_path) as store:
        assert store.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1


async def test_check_updates_rows_in_place_and_moves_them_between_groups(tmp_path):
    checker = FakeChecker({"soon.co": "redemption", "healthy.com": "expiring"})
    app = make_app(tmp_path, checker=checker)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        groups = app.screen.query_one("#groups")
        groups.select_group("all")  # healthy.com stays in "all": updated in place
        await settle(pilot)
        table(app).move_cursor(row=table(app).mounted_names().index("healthy.com"))
        await pilot.press("c")
        await settle(pilot, rounds=4)
        await pilot.pause(0.5)
        await settle(pilot)
        assert checker.asked == ["healthy.com"]
        assert table(app).current.name == "healthy.com" and table(app).current.phase == "expiring"
        assert app.screen.counts["expiring"] == 2
        # soon.co (expiring) is checked while Redemption is shown: it joins the table in rank order
        groups.select_group("redemption")
        await settle(pilot)
        assert table(app).mounted_names() == ["oldshop.com"]
        app.checks.check(["soon.co"], "soon.co")
        await settle(pilot, rounds=4)
        await pilot.pause(0.5)
        await settle(pilot)
        assert table(app).mounted_names() == ["oldshop.com", "soon.co"]
        assert app.screen.counts.get("expiring") == 1
        # oldshop.com leaves it (another process found it available); the cursor stays on soon.co
        table(app).move_cursor(row=1)
        with Store(app.store_path) as store:
            observe(store, "oldshop.com", "available")
        app.touch(["oldshop.com"])
        await pilot.pause(0.5)
        await settle(pilot)
        assert table(app).mounted_names() == ["soon.co"]
        assert table(app).current.name == "soon.co"
        assert table(app).view.total == 1 == app.screen.counts["redemption"]
        groups.select_group("available")
        await settle(pilot)
        assert "oldshop.com" in table(app).mounted_names()


async def test_help_lists_every_binding_and_keys_can_be_rebound(tmp_path):
    assert set(SPEC["keys"]) == set(KEYS)
    config = default_config()
    config.values["keys"]["audit"] = "ctrl+l"
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("escape")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

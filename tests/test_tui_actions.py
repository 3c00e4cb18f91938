"""Pilot tests of the dashboard's worker and group actions, the evidence shown on the domain
screen, and outside text on the domain and account screens (seeded store, frozen clock)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from rich.console import Console
from textual.widgets import Static

from domainwatch_tui.core.model import Observation
from domainwatch_tui.core.store import Store
from domainwatch_tui.tui.app import default_config
from domainwatch_tui.tui.screens.account import AccountScreen
from domainwatch_tui.tui.screens.domain import DomainScreen
from domainwatch_tui.tui.screens.main import MainScreen
from domainwatch_tui.tui.screens.modals import ConfirmModal
from test_tui_flows import make_app, settle
from tui_support import HOSTILE_USER, NOW, FakeChecker, fake_evidence


def plain(widget: Static, width: int = 200) -> str:
    """What a Static shows, as plain text (its content rendered by rich)."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(widget.content)
    text = console.export_text()
    console.file.close()
    return text


async def until(pilot, condition, timeout: float = 8.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the dashboard"
        await pilot.pause(0.05)


class GatedChecker(FakeChecker):
    """A checker whose answers wait until the test opens the gate (any thread, any loop)."""

    def __init__(self, answers: dict[str, str]) -> None:
        super().__init__(answers)
        self.gate = threading.Event()
        self.started = threading.Event()

    async def fetch(self, domain: str) -> Observation:
        self.asked.append(domain)  # asked as soon as it starts
        self.started.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        ev = fake_evidence(domain, self.answers.get(domain, "active"))
        return Observation(evidence=ev, checked_at=NOW, duration_ms=5.0)


def worker_text(app) -> str:
    return str(app.screen.query_one("#worker-state", Static).content)


async def test_p_pauses_and_resumes_the_in_process_worker(tmp_path):
    checker = GatedChecker({"fresh.dev": "active"})  # fresh.dev is unchecked, so due now
    app = make_app(tmp_path, checker=checker, worker=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, checker.started.is_set)
        await until(pilot, lambda: "running" in worker_text(app))
        await pilot.press("p")
        assert app.checks.worker.paused
        await until(pilot, lambda: "paused" in worker_text(app))
        in_flight = list(checker.asked)  # the due domains it had started (fresh.dev among them)
        assert "fresh.dev" in in_flight
        checker.gate.set()  # the checks in flight still finish and are written
        worker = app.checks.worker
        await until(pilot, lambda: worker.snapshot().in_flight == 0)
        with Store(app.store_path) as store:
            assert store.domain_row("fresh.dev")["phase"] == "active"
            # a domain becomes due: a paused worker leaves it alone
            store.execute("UPDATE domains SET next_check_at = ? WHERE name = 'healthy.com'",
                          ("2026-06-01T00:00:00Z",))
        await pilot.pause(0.5)
        assert checker.asked == in_flight and "paused" in worker_text(app)
        await pilot.press("p")
        assert not worker.paused
        await until(pilot, lambda: "healthy.com" in checker.asked)
        await until(pilot, lambda: "paused" not in worker_text(app))
        assert worker_text(app).startswith("worker: ")


async def test_group_check_asks_with_the_count_cancel_changes_nothing(tmp_path):
    checker = FakeChecker({"oldshop.com": "available"})
    app = make_app(tmp_path, checker=checker)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.group == "review"
        with Store(app.store_path) as store:
            checks_before = store.execute("SELECT count(*) FROM checks").fetchone()[0]
        await pilot.press("C")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert "Check 3 domains now" in modal.question and "Review queue" in modal.question
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and checker.asked == []
        with Store(app.store_path) as store:
            assert store.execute("SELECT count(*) FROM checks").fetchone()[0] == checks_before
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # the confirm button has the focus
        await until(pilot, lambda: not app.checks.manual_running and len(checker.asked) == 3)
        await settle(pilot)
        assert sorted(checker.asked) == ["lapsing.org", "oldshop.com", "resurrected.dev"]
        with Store(app.store_path) as store:
            assert store.execute("SELECT count(*) FROM checks").fetchone()[0] == checks_before + 3
            assert store.domain_row("oldshop.com")["phase"] == "available"


async def test_domain_screen_shows_each_signal_with_its_source_literally(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_domain("oldshop.com")
        await settle(pilot)
        evidence = app.screen.query_one("#domain-evidence", Static)
        text = plain(evidence)
        signal_lines = [line for line in text.splitlines() if "parked-nameservers" in line
                        or "expiry-disagreement" in line]
        assert any("dns parked-nameservers: nameservers ns1.[b]expired[/b].example are the expiry"
                   in line for line in signal_lines), text
        assert any("registrar-rdap expiry-disagreement: the registrar's RDAP says it expired on 2026-05-22"
                   in line for line in signal_lines), text
        # the registrar name with markup and escape codes stays literal and inert
        assert "[bold red]Evil[/] Registrar[31m" in text and "\x1b" not in text and "\x07" not in text
        app.open_domain("healthy.com")  # no signals: no section
        await settle(pilot)
        assert "Signals" not in plain(app.screen.query_one("#domain-evidence", Static))


async def test_hostile_username_is_literal_on_domain_and_account_screens(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_domain("oldshop.com")
        await settle(pilot)
        accounts = app.screen.query_one("#accounts")
        names = [accounts.get_row_at(i)[0] for i in range(accounts.row_count)]
        cell = next(n for n in names if "click" in n.plain)
        assert cell.plain == HOSTILE_USER and not cell.spans  # as typed, no markup parsed
        await pilot.press("a")  # focus the accounts (scrolls them into view)
        await settle(pilot)
        await pilot.click("#accounts", offset=(3, 1 + names.index(cell)))  # the click does nothing bad
        await settle(pilot)
        assert app.is_running
        if not isinstance(app.screen, AccountScreen):
            accounts.move_cursor(row=names.index(cell))
            await pilot.press("enter")
            await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen) and screen.account_id == "a03"
        head = screen.query_one("#account-head", Static)
        assert HOSTILE_USER in plain(head)
        assert all("click" not in str(span.style) for span in head.content.spans)
        await pilot.click("#account-head", offset=(3, 0))
        await settle(pilot)
        assert app.is_running and app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, DomainScreen)


async def test_failing_webhook_deliveries_show_in_the_summary_bar(tmp_path):
    config = default_config()
    config.values["webhook"]["url"] = "https://hooks.example.org/domainwatch"
    app = make_app(tmp_path, config=config)
    with Store(app.store_path) as store:
        waiting = store.outbox_status().undelivered
        assert waiting > 0  # the seeded decision and unverify phases were enqueued
        item = store.due_events(NOW + timedelta(days=1), limit=1)[0]
        store.mark_failed(item.id, "HTTP 500 from the receiver [@click=app.quit]", now=NOW,
                          next_attempt_at=NOW + timedelta(minutes=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        outbox = str(app.screen.query_one("#outbox", Static).content)
        assert outbox == f"⚠ webhook: 1 failing, {waiting - 1} waiting"
        assert any("HTTP 500 from the receiver [@click=app.quit]" in n.message
                   for n in app._notifications)
    plain_app = make_app(tmp_path)  # no webhook configured: nothing shown
    async with plain_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not plain_app.screen.query_one("#outbox", Static).display


async def test_audit_log_pages_past_a_thousand_decisions(tmp_path, monkeypatch):
    from domainwatch_tui.tui.screens import audit as audit_module
    from test_tui_paging import add_decisions

    monkeypatch.setattr(audit_module, "PAGE", 300)  # smaller pages and window: the same code, faster
    monkeypatch.setattr(audit_module, "MAX_ROWS", 600)
    app = make_app(tmp_path)
    with Store(app.store_path) as store:
        add_decisions(store, 1_050)
        newest = store.decision_page(limit=1)[0]["id"]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, audit_module.AuditScreen)
        audit = screen.query_one("#audit")
        assert "1,051 decisions" in plain(screen.query_one("#audit-status", Static))
        seen: set[int] = set()
        for _ in range(12):  # walk down to the oldest decision, a page at a time
            audit.move_cursor(row=audit.row_count - 1)
            await settle(pilot)
            seen.update(r["id"] for r in screen._rows)
            assert audit.row_count <= 600
            if 1 in seen:
                break
        assert seen == set(range(1, newest + 1))
        audit.move_cursor(row=audit.row_count - 1)
        await settle(pilot)
        assert screen._start > 0 and "row 1,051 of 1,051" in plain(screen.query_one("#audit-status", Static))
        for _ in range(12):  # and back up to the newest
            audit.move_cursor(row=0)
            await settle(pilot)
            if screen._start == 0 and screen._rows[0]["id"] == newest:
                break
        assert screen._rows[0]["id"] == newest and audit.row_count <= 600
        screen.query_one("#f-operator").value = "alice-sec"  # the filters still work
        await settle(pilot)
        assert audit.row_count == 1 and str(audit.get_row_at(0)[4]) == "dropped.io"

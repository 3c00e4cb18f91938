"""The demo: simulated clock, generated accounts, scenario progression, start and clean stop."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from domainwatch_tui.core.addresses import is_exempt, registrable_domain, to_alabel
from domainwatch_tui.core.checking import check_domains
from domainwatch_tui.core.model import Phase
from domainwatch_tui.core.store import Store
from domainwatch_tui.demo.accounts import generate_accounts
from domainwatch_tui.demo.clock import SimClock
from domainwatch_tui.demo.scenario import MARKUP_REGISTRAR, build_scenario
from domainwatch_tui.demo.session import DemoError, DemoOptions, DemoSession, remove_demo_store
from domainwatch_tui.tui.app import default_config

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
DROP = "tidewater-analytics.io"
SLOW_DROP = "lapsing-ventures.com"
RESTORED = "vandermeer.nl"


# -- the clock ----------------------------------------------------------------------------------
def test_sim_clock_runs_one_day_per_ten_seconds_and_freezes_at_zero():
    real = [100.0]
    clock = SimClock(START, 1.0, monotonic=lambda: real[0])
    assert clock() == START
    real[0] += 10
    assert clock() == START + timedelta(days=1)
    real[0] += 2.5
    assert clock() == START + timedelta(days=1, hours=6)
    fast = SimClock(START, 3.0, monotonic=lambda: real[0])
    real[0] += 10
    assert fast() - START == timedelta(days=3)
    frozen = SimClock(START, 0.0, monotonic=lambda: real[0])
    real[0] += 1000
    assert frozen() == START
    frozen.advance(timedelta(days=2))
    assert frozen() == START + timedelta(days=2)
    assert frozen.describe() == "time frozen"
    with pytest.raises(ValueError):
        SimClock(START, -1)


# -- the accounts -------------------------------------------------------------------------------
def test_generated_accounts_are_deterministic_and_realistic():
    a = generate_accounts(2000, 11, START)
    b = generate_accounts(2000, 11, START)
    assert a.rows == b.rows
    assert generate_accounts(2000, 12, START).rows != a.rows
    assert a.accounts == 2000
    assert len({r["account_id"] for r in a.rows}) == 2000
    primaries = [r for r in a.rows if r["primary"]]
    exempt = sum(is_exempt(registrable_domain(to_alabel(r["email"].rsplit("@", 1)[1]))) for r in primaries)
    assert 0.45 < exempt / len(primaries) < 0.65
    assert 0.2 < sum(r["has_2fa"] for r in primaries) / len(primaries) < 0.8
    downloads = sorted(r["downloads"] for r in primaries)
    assert downloads[len(downloads) // 2] < 10_000 < downloads[-1] // 100  # a long tail
    assert any("bücher.de" in r["email"] for r in a.rows)  # the IDN
    assert len({d.tld for d in a.domains.values()}) >= 15
    assert any(r["email_verified"] is False for r in a.rows)
    assert any(d.org and d.accounts > 5 for d in a.domains.values())


def test_scenario_roles_keep_lapse_roles_for_verified_domains():
    data = generate_accounts(3000, 3, START)
    sc = build_scenario(data, start=START, seed=3)
    assert sc.doc["domains"]["oldfriend-software.com"]["registrar"] == MARKUP_REGISTRAR
    assert "xn--r8jz45g.jp" in sc.unserved  # 例え.jp: .jp has no RDAP service
    for name, role in sc.roles.items():
        if role in ("re_registered", "redemption", "available", "wave"):
            assert data.domains[name].earliest_verified is not None, name
    for name, body in sc.doc["domains"].items():
        for step in body.get("timeline", []):
            if step["phase"] == "re_registered":
                assert step["registered"] == step["at"], name
                assert step["expires"] > step["at"], name


# -- the store ----------------------------------------------------------------------------------
def _session(tmp_path, accounts=300, precheck="all", speed=0.0) -> DemoSession:
    options = DemoOptions(db_path=tmp_path / "demo.db", accounts=accounts, seed=5, speed=speed,
                          start=START, precheck=precheck)
    return DemoSession(options, default_config())


def test_demo_store_covers_every_phase(tmp_path):
    with _session(tmp_path, precheck="lapsing") as session:
        with Store(session.options.db_path) as store:
            counts = store.phase_counts()
            markup = store.domain_row("oldfriend-software.com")
            idn = store.domain_row("xn--bcher-kva.de")
        assert {p.value for p in Phase} <= {k for k, v in counts.items() if v}, counts
        assert markup["phase"] == "re_registered" and markup["registrar"] == MARKUP_REGISTRAR
        assert any("verified" in reason for reason in json.loads(markup["reasons"]))
        assert idn["phase"] == "pending_delete" and idn["unicode"] == "bücher.de"
        assert session.report.checked and session.report.total_seconds < 30
        assert set(session.left_unchecked()) <= {d for d, r in session.scenario.roles.items()
                                                 if r in ("active", "no_expiry", "hold", "inactive")}


def test_every_domain_ends_in_its_expected_phase(tmp_path):
    with _session(tmp_path, precheck="all") as session, Store(session.options.db_path) as store:
        sc = session.scenario
        for name in sc.roles:
            row = store.domain_row(name)
            assert row["phase"] == sc.expected_initial(name), (name, sc.roles[name], row["reasons"])


def test_rebuild_replaces_a_demo_store_but_never_an_operators(tmp_path):
    real = tmp_path / "real.db"
    Store(real).close()
    with pytest.raises(DemoError, match="not a demo store"):
        remove_demo_store(real)
    assert real.exists()
    with _session(tmp_path, accounts=50, precheck="none"):
        pass
    with _session(tmp_path, accounts=60, precheck="none") as again, Store(again.options.db_path) as store:
        assert store.import_counts()[0] == 60  # rebuilt, not added to


# -- progression with a fake clock ----------------------------------------------------------------
def _phases_at(session: DemoSession, days: float, names: list[str]) -> dict[str, tuple[str, int]]:
    session.clock.advance(START + timedelta(days=days) - session.clock())

    async def run() -> None:
        checker = session.checker_factory()
        try:
            with Store(session.options.db_path) as store:
                await check_domains(store, checker, names, clock=session.clock,
                                    policy=session.config.policy(), schedule=session.config.schedule())
        finally:
            await checker.aclose()

    asyncio.run(run())
    with Store(session.options.db_path) as store:
        return {n: (store.domain_row(n)["phase"], store.pending_count(n)) for n in names}


def test_scenario_progression_on_the_simulated_clock(tmp_path):
    names = [DROP, SLOW_DROP, RESTORED]
    with _session(tmp_path, accounts=120, precheck="none") as session:
        seen = {n: [] for n in names}
        pending = {}
        for days in (0, 1.6, 2.5, 4.5, 5.5, 6.5, 7.5, 9, 11, 13):
            for name, (phase, count) in _phases_at(session, days, names).items():
                if not seen[name] or seen[name][-1] != phase:
                    seen[name].append(phase)
                pending[(name, days)] = count
        assert seen[DROP] == ["redemption", "pending_delete", "available", "re_registered"]
        assert seen[SLOW_DROP] == ["expiring", "grace", "redemption", "pending_delete", "available",
                                   "re_registered"]
        assert seen[RESTORED] == ["grace", "redemption", "active"]
        # the review queue reacts: proposals while lapsed, none once the domain was restored
        assert pending[(DROP, 0)] > 0 and pending[(RESTORED, 0)] == 0
        assert pending[(RESTORED, 2.5)] > 0 and pending[(RESTORED, 6.5)] == 0
        with Store(session.options.db_path) as store:
            row = store.domain_row(DROP)
        assert row["registrar"] == "NameDrop Catcher 77, LLC"


# -- the app: start and clean stop -----------------------------------------------------------------
async def test_demo_app_starts_and_stops_everything(tmp_path):
    session = await asyncio.to_thread(lambda: _session(tmp_path, accounts=150, precheck="lapsing",
                                                       speed=1.0).start())
    sim = session.simulator
    assert sim is not None
    thread = sim.thread._thread
    port = urlsplit(sim.base_url).port
    app = session.make_app(operator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 15
        while app.first_screen_at is None and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert app.first_screen_at is not None
        assert "simulated" in app.sub_title
        while app.checks.worker is not None and app.checks.worker.checked_total == 0 \
                and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert app.checks.worker.checked_total > 0  # the worker checks over HTTP
        assert app.checks.worker.settings.idle_poll_seconds == 0.5
        await pilot.press("q")
    assert not session.running
    assert thread is not None and not thread.is_alive()
    assert app.checks.worker.state.value == "stopped"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass

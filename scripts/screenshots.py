"""Write SVG screenshots of every dashboard screen to screenshots/ (`make screenshots`).

Drives the demo dashboard headless with Textual's Pilot at 120x40: the demo store built with a
fixed seed, simulated time frozen at a fixed date, every domain checked once against the
loopback simulator before the dashboard opens, and no background worker, so that the pictures
are the same from one run to the next. Usage: `python scripts/screenshots.py [--out DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from domainwatch_tui.demo.app import DemoApp
from domainwatch_tui.demo.session import DemoOptions, DemoSession
from domainwatch_tui.tui.app import default_config

SIZE = (120, 40)
START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
SEED = 7
ACCOUNTS = 5000
#: The domains the pictures show: a re-registration with a registrar name full of markup, the
#: drop that the live demo follows, and its most exposed account.
MARKUP_DOMAIN = "oldfriend-software.com"
DROP_DOMAIN = "tidewater-analytics.io"


async def _until(pilot, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)
    await pilot.pause(0.3)  # let the last rows and counts paint


def _screen_name(app: DemoApp) -> str:
    return type(app.screen).__name__


async def shoot(out: Path, db_dir: Path) -> list[Path]:
    random.seed(SEED)  # the schedule's jitter: the same "next check" times on every run
    session = DemoSession(DemoOptions(db_path=db_dir / "demo.db", accounts=ACCOUNTS, seed=SEED, speed=0.0,
                                      start=START, precheck="all", sequential=True),
                           default_config())
    await asyncio.to_thread(session.start)
    written: list[Path] = []
    app = DemoApp(session, operator="alice", start_worker=False)
    app.welcome = False

    def save(name: str) -> None:
        path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
        written.append(Path(path))

    try:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.first_screen_at is not None, "the main screen")
            await pilot.pause(1.0)
            save("01-main-review-queue")

            main = app.main_screen
            assert main is not None
            from domainwatch_tui.tui.widgets.groups import GroupList

            main.query_one(GroupList).select_group("re_registered")
            await pilot.pause(0.8)
            save("02-main-re-registered")

            app.open_domain(MARKUP_DOMAIN)
            await _until(pilot, lambda: _screen_name(app) == "DomainScreen", "the domain screen")
            await pilot.pause(0.8)
            save("03-domain")

            await pilot.press("u")
            await _until(pilot, lambda: _screen_name(app) == "DecisionModal", "the decision modal")
            await pilot.press(*"Domain re-registered by a drop-catcher; unverify")
            await pilot.pause(0.3)
            save("04-decision-modal")
            await pilot.press("escape")
            await _until(pilot, lambda: _screen_name(app) == "DomainScreen", "the domain screen again")

            account = _first_account(session, MARKUP_DOMAIN)
            app.open_account(account)
            await _until(pilot, lambda: _screen_name(app) == "AccountScreen", "the account screen")
            await pilot.pause(0.8)
            save("05-account")

            app.action_audit()
            await _until(pilot, lambda: _screen_name(app) == "AuditScreen", "the audit log")
            await pilot.pause(0.8)
            save("06-audit-log")

            app.action_help()
            await _until(pilot, lambda: _screen_name(app) == "HelpScreen", "the help screen")
            save("07-help")
            for _ in range(4):
                await pilot.press("escape")
            await _until(pilot, lambda: _screen_name(app) == "MainScreen", "the main screen again")

            await pilot.press("slash")
            await pilot.press(*"tidewater")
            await pilot.pause(1.0)
            await pilot.press("enter")  # focus moves to the first match (and the cursor stops blinking)
            await pilot.pause(0.3)
            save("08-filter")
            await pilot.press("q")
    finally:
        session.close()
    return written


def _first_account(session: DemoSession, domain: str) -> str:
    from domainwatch_tui.core.store import Store

    with Store(session.options.db_path) as store:
        return str(store.domain_accounts(domain)[0]["account_id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="domainwatch-screenshots-") as tmp:
        written = asyncio.run(shoot(args.out, Path(tmp)))
    for path in written:
        print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Dashboard speed on a big store, driven with Pilot (run by hand; never a test).

    python benchmarks/import_bench.py --keep /tmp/dw-1m.db     # a 1,000,000-account store
    python benchmarks/dashboard_bench.py /tmp/dw-1m.db [--query user12345] [--repeat 3]

Measures, read-only (the store is not changed):
  first paint: app start until the counts and the first page of the table are on screen (≤ 1.5 s);
  filter: from the last key typed until the matching rows are on screen (≤ 0.5 s);
  domain screen: from Enter until the domain's evidence and accounts are on screen (≤ 0.3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import system_clock
from domainwatch_tui.tui.app import DomainwatchApp, default_config
from domainwatch_tui.tui.screens.domain import DomainScreen
from domainwatch_tui.tui.screens.main import MainScreen
from domainwatch_tui.tui.widgets.domain_table import DomainTable


async def wait_for(predicate, pilot, timeout: float = 30.0) -> float:
    """Poll `predicate` every 5 ms; the monotonic time it became true."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return time.perf_counter()
        await pilot.pause(0.005)
    raise TimeoutError("the dashboard did not get there in time")


async def one_run(path: Path, query: str) -> dict[str, float]:
    start = time.perf_counter()
    app = DomainwatchApp(path, clock=system_clock, read_only=True, operator="bench", config=default_config())
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        def painted() -> bool:
            screen = app.screen
            if not isinstance(screen, MainScreen) or not screen.counts:
                return False
            return bool(screen.query_one(DomainTable).window)

        out["first_paint"] = await wait_for(painted, pilot) - start
        screen = app.screen
        table = screen.query_one(DomainTable)
        await pilot.press("slash")
        await pilot.press(*query)
        last_key = time.perf_counter()

        def filtered() -> bool:
            view = table.view
            return view is not None and view.searching and not screen._search_pending \
                and screen.search_text == query

        await wait_for(filtered, pilot)
        out["filter"] = table.shown_at - last_key
        out["matches"] = float(table.view.total or 0)
        await pilot.press("enter")  # focus the first match
        await pilot.pause()
        target = table.current.name if table.current else None
        if target is None:  # nothing matched: open the riskiest domain instead
            await pilot.press("escape")
            await wait_for(lambda: not table.view.searching and bool(table.window), pilot)
            target = table.current.name
            table.focus()
        shown: list[float] = []
        original = DomainScreen.show

        def show(self, data):  # the moment the domain's data is on the screen
            original(self, data)
            shown.append(time.perf_counter())

        DomainScreen.show = show  # type: ignore[method-assign]
        try:
            t0 = time.perf_counter()
            await pilot.press("enter")
            await wait_for(lambda: bool(shown), pilot)
        finally:
            DomainScreen.show = original  # type: ignore[method-assign]
        out["domain_screen"] = shown[0] - t0
        out["domain_accounts"] = float(app.screen.data.row.get("accounts") or 0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path)
    ap.add_argument("--query", default="user12345", help="what to type in the filter")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with Store(args.store, read_only=True) as store:
        totals = store.dashboard_totals()
        indexed = store.has_search_index() and store.search_index_lag() == 0
    print(f"store: {totals['accounts']:,} accounts, {totals['emails']:,} addresses, "
          f"{totals['domains']:,} domains; search index: {'up to date' if indexed else 'absent or behind'}")
    runs = [asyncio.run(one_run(args.store, args.query)) for _ in range(args.repeat)]
    for key, target in (("first_paint", 1.5), ("filter", 0.5), ("domain_screen", 0.3)):
        values = [r[key] for r in runs]
        med = statistics.median(values)
        each = ", ".join(f"{v * 1000:.0f}" for v in values)
        print(f"{key:14s} median {med * 1000:7.0f} ms  (runs: {each} ms)"
              f"  target ≤ {target * 1000:.0f} ms  {'OK' if med <= target else 'OVER'}")
    print(f"filter {args.query!r}: {int(runs[-1]['matches']):,} matching domains; domain screen opened on a "
          f"domain with {int(runs[-1]['domain_accounts']):,} accounts")


if __name__ == "__main__":
    main()

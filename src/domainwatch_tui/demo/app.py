"""The dashboard in demo mode: the ordinary `DomainwatchApp`, plus the simulated time in its
subtitle, a word of welcome, and the simulator stopped once the worker has stopped."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from domainwatch_tui.core.worker_progress import WorkerState
from domainwatch_tui.tui.app import DomainwatchApp

if TYPE_CHECKING:
    from domainwatch_tui.demo.session import DemoSession

#: Longest wait for the worker to stop before the simulator is stopped anyway (seconds).
WORKER_STOP_WAIT = 5.0


class DemoClock(Static):
    """One line at the bottom of the main screen: it is a demo, and what time it is there."""

    DEFAULT_CSS = """
    DemoClock { height: 1; background: $boost; color: $text-muted; padding: 0 1; }
    """


class DemoApp(DomainwatchApp):
    """`DomainwatchApp` on a demo session's store, clock and simulator."""

    TITLE = "domainwatch demo"
    #: the dashboard's own stylesheet (a relative CSS_PATH would resolve next to this module)
    CSS_PATH = str(Path(inspect.getfile(DomainwatchApp)).with_name(str(DomainwatchApp.CSS_PATH)))

    def __init__(self, session: DemoSession, *, operator: str = "demo", start_worker: bool = True):
        super().__init__(session.options.db_path, clock=session.clock,
                         checker_factory=session.checker_factory if session.running else None,
                         operator=operator, config=session.config, start_worker=start_worker)
        self.session = session
        self.welcome = True
        #: time.monotonic() when the main screen first showed its counts (None until then)
        self.first_screen_at: float | None = None

    def on_mount(self) -> None:
        self._show_time()
        self.set_interval(0.5, self._show_time)
        self._first_timer = self.set_interval(0.05, self._watch_first_screen)
        self.call_later(self._tune_worker)
        if self.welcome and self.session.simulator is not None:
            self.notify(
                f"{self.session.report.accounts:,} synthetic accounts; RDAP answers come from the simulator "
                f"at {self.session.simulator.base_url}. Watch tidewater-analytics.io: redemption → pending "
                f"delete → available → re-registered within 7 simulated days.",
                title="Demo", timeout=12)

    def _tune_worker(self) -> None:
        """The demo's `[worker]` settings (a short idle poll: simulated time runs fast), whether
        or not the dashboard passed its config's settings to the worker it started."""
        worker = self.checks.worker
        if worker is not None:
            worker.settings = self.config.worker()

    def _watch_first_screen(self) -> None:
        main = self.main_screen
        if main is not None and getattr(main, "counts", None):
            self.first_screen_at = time.monotonic()
            self._first_timer.stop()

    def _show_time(self) -> None:
        now = self.clock()
        self.sub_title = f"simulated {now:%Y-%m-%d %H:%M} UTC · {self.session.clock.describe()}"
        main = self.main_screen
        if main is None or not main.is_mounted:
            return
        found = main.query(DemoClock)
        if not found:
            body = main.query("#body")
            main.mount(DemoClock(), after=body.first() if body else None)
            return
        line = Text.assemble(("DEMO", "bold reverse"), "  simulated ", (f"{now:%Y-%m-%d %H:%M} UTC", "bold"),
                             f" · {self.session.clock.describe()} · synthetic accounts, "
                             "loopback RDAP simulator")
        found.first().update(line)

    async def on_unmount(self) -> None:
        """Stop the worker, wait (briefly) until it has, then stop the simulator."""
        self.checks.shutdown()
        worker = self.checks.worker
        deadline = time.monotonic() + WORKER_STOP_WAIT
        while worker is not None and worker.state is not WorkerState.STOPPED and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.session.close)

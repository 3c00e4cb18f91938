"""The dashboard application: wiring of the store, the clock, the checker and the screens.

`DomainwatchApp` receives everything it depends on (the store's path, a clock, a checker
factory, the operator, the config) so that tests give it a seeded store and a frozen clock.
Store reads and writes run in thread workers, each with its own connection, and come back
as messages; a failure becomes a notification and a visible state, never a crash.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App

from domainwatch_tui.config import Config, load_config
from domainwatch_tui.core.checking import Checker
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import Clock
from domainwatch_tui.tui import bindings as keys
from domainwatch_tui.tui.checks import CheckRunner
from domainwatch_tui.tui.commands import DomainwatchCommands
from domainwatch_tui.tui.messages import CheckProgress, DomainsTouched, RowsChanged, WorkerUpdate
from domainwatch_tui.tui.screens.main import MainScreen
from domainwatch_tui.tui.widgets.summary import SummaryBar

#: Seconds between flushes of changed rows to the screen (a few refreshes a second at most).
FLUSH_EVERY = 0.3


class DomainwatchApp(App[None]):
    """The domainwatch dashboard."""

    CSS_PATH = "app.tcss"
    TITLE = "domainwatch"
    COMMANDS = App.COMMANDS | {DomainwatchCommands}
    BINDINGS = [*keys.bindings("help", "quit", "audit", "pause")]
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    def __init__(self, store_path: str | Path, *, clock: Clock,
                 checker_factory: Callable[[], Checker] | None = None,
                 notifier_factory: Callable[[], Any] | None = None, read_only: bool = False,
                 operator: str = "operator", config: Config | None = None,
                 start_worker: bool = True) -> None:
        super().__init__()
        self.store_path = str(store_path)
        self.clock = clock
        self.checker_factory = checker_factory
        #: makes the webhook sender the in-process worker runs (None: no webhook configured)
        self.notifier_factory = notifier_factory
        self.read_only = read_only
        self.operator = operator
        self.config = config if config is not None else default_config()
        self.start_worker = start_worker and not read_only and checker_factory is not None
        self.checks = CheckRunner(self)
        self._touched: set[str] = set()
        self._touch_lock = threading.Lock()
        self.worker_state = Text("worker: starting…" if self.start_worker else "worker: off", style="dim")

    # -- set-up ----------------------------------------------------------------------------------
    def on_mount(self) -> None:
        keymap = keys.keymap(self.config.values.get("keys", {}))
        if keymap:
            self.set_keymap(keymap)
        self.push_screen(MainScreen())
        self.set_interval(FLUSH_EVERY, self._flush_touched)
        if self.start_worker:
            self.checks.start_worker()
        if not self.read_only:
            self.checks.refresh_search_index()

    def on_unmount(self) -> None:
        self.checks.shutdown()

    @contextlib.contextmanager
    def open_store(self) -> Iterator[Store]:
        """A connection for the calling thread (read-only in read-only mode), closed after use."""
        store = Store(self.store_path, read_only=self.read_only)
        try:
            yield store
        finally:
            store.close()

    def report_failure(self, what: str, exc: BaseException) -> None:
        """A worker's error: a notification, and the summary bar says so."""
        self.notify(f"Error {what}: {type(exc).__name__}: {exc}", title="domainwatch",
                    severity="error", timeout=10)
        self.set_worker_state(Text(f"⚠ error {what}", style="bold red"))

    def notify(self, message: str, *, title: str = "", severity="information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications never interpret markup (they often carry outside text)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- rows that changed ----------------------------------------------------------------------
    def touch(self, names: list[str]) -> None:
        """Mark domains as changed (any thread); their rows are re-read a moment later."""
        with self._touch_lock:
            self._touched.update(names)

    def on_domains_touched(self, message: DomainsTouched) -> None:
        self.touch(message.names)

    def _flush_touched(self) -> None:
        with self._touch_lock:
            names, self._touched = sorted(self._touched), set()
        if not names:
            return

        def fetch() -> None:
            try:
                with self.open_store() as store:
                    rows = store.domains_by_name(names)
            except Exception as exc:
                self.call_from_thread(self.report_failure, "reading changed rows", exc)
                return
            self.call_from_thread(self._deliver_rows, rows)

        self.run_worker(fetch, thread=True, group="flush", exit_on_error=False)

    def _deliver_rows(self, rows: list) -> None:
        for screen in self.screen_stack:
            screen.post_message(RowsChanged(rows))
        main = self.main_screen
        if main is not None:
            main.load_counts()

    @property
    def main_screen(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    # -- worker state -----------------------------------------------------------------------------
    def set_worker_state(self, state: Text, *, done: int | None = None, total: int | None = None) -> None:
        self.worker_state = state
        main = self.main_screen
        if main is not None and main.is_mounted:
            with contextlib.suppress(Exception):
                main.query_one(SummaryBar).set_worker(state, done=done, total=total)

    def on_worker_update(self, message: WorkerUpdate) -> None:
        self.checks.on_worker_update(message)

    def on_check_progress(self, message: CheckProgress) -> None:
        self.checks.on_check_progress(message)

    # -- navigation -------------------------------------------------------------------------------
    def open_domain(self, name: str, *, focus_accounts: bool = False) -> None:
        from domainwatch_tui.tui.screens.domain import DomainScreen

        self.push_screen(DomainScreen(name, focus_accounts=focus_accounts))

    def open_account(self, account_id: str) -> None:
        from domainwatch_tui.tui.screens.account import AccountScreen

        self.push_screen(AccountScreen(account_id))

    def action_help(self) -> None:
        from domainwatch_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_audit(self) -> None:
        from domainwatch_tui.tui.screens.audit import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_pause(self) -> None:
        self.checks.toggle_pause()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in keys.MUTATING and self.read_only:
            return None  # shown greyed out
        return True


def default_config() -> Config:
    """The config's defaults (no file, no environment)."""
    return load_config(Path(os.devnull), env={})

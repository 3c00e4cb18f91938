"""Work that changes the store from the dashboard: manual checks, the in-process worker, and the
search index catching up. Each runs in a thread worker with its own connection and event loop
and reports through messages; an error is a notification and a visible state, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from rich.text import Text

from domainwatch_tui.core.checking import check_domains, is_error_unknown
from domainwatch_tui.core.model import CheckOutcome
from domainwatch_tui.tui.messages import CheckProgress, WorkerUpdate

if TYPE_CHECKING:
    from domainwatch_tui.core.worker import Worker
    from domainwatch_tui.tui.app import DomainwatchApp

#: Seconds between progress messages of a manual check.
PROGRESS_EVERY = 0.2
#: Seconds after start when the worker's state is read if it has not reported one.
FIRST_STATE_AFTER = 1.5
#: Phase changes named in the notification at the end of a manual check.
CHANGES_NAMED = 5


class CheckRunner:
    """Runs checks for the app and keeps the worker state line current."""

    def __init__(self, app: DomainwatchApp) -> None:
        self.app = app
        self.worker: Worker | None = None
        self.manual_running = False
        self.indexing = False
        self._stop_index = False
        self._worker_text = Text("worker: off", style="dim")
        self._updates = 0

    # -- manual checks ------------------------------------------------------------------------------
    def check(self, names: list[str], label: str) -> None:
        """Check `names` now (a domain or a whole group), rows updating as results arrive."""
        app = self.app
        if app.read_only:
            app.notify("Read-only: checks are disabled.", severity="warning")
            return
        if app.checker_factory is None:
            app.notify("No checker is configured for this dashboard.", severity="warning")
            return
        if self.manual_running:
            app.notify("A check is already running; wait for it to finish.", severity="warning")
            return
        if not names:
            app.notify("Nothing to check.")
            return
        self.manual_running = True
        total = len(names)
        factory = app.checker_factory
        app.post_message(CheckProgress(0, total, 0))

        def run() -> None:
            done = errors = 0
            last = 0.0
            changes: list[str] = []

            def on_result(outcome: CheckOutcome) -> None:
                nonlocal done, errors, last
                done += 1
                errors += int(is_error_unknown(outcome))
                if total == 1 or (outcome.changed and len(changes) < CHANGES_NAMED):
                    was = outcome.previous_phase.value
                    now_ = outcome.phase.value
                    changes.append(f"{outcome.domain}: {was} → {now_}" if was != now_
                                   else f"{outcome.domain}: still {now_}")
                app.touch([outcome.domain])
                now = time.monotonic()
                if now - last >= PROGRESS_EVERY:
                    last = now
                    app.post_message(CheckProgress(done, total, errors))

            async def go() -> None:
                checker = factory()
                try:
                    with app.open_store() as store:
                        await check_domains(store, checker, names, clock=app.clock,
                                            policy=app.config.policy(), schedule=app.config.schedule(),
                                            on_result=on_result)
                finally:
                    with contextlib.suppress(Exception):
                        await checker.aclose()

            try:
                asyncio.run(go())
            except Exception as exc:
                app.post_message(CheckProgress(done, total, errors, finished=True,
                                               failure=f"{type(exc).__name__}: {exc}"))
                return
            app.post_message(CheckProgress(done, total, errors, finished=True, changes=tuple(changes)))

        app.notify(f"Checking {label}…")
        app.run_worker(run, thread=True, group="manual-check", exit_on_error=False)

    def on_check_progress(self, message: CheckProgress) -> None:
        app = self.app
        if message.finished:
            self.manual_running = False
            if message.failure:
                app.notify(f"The check failed: {message.failure}", severity="error", timeout=10)
                app.set_worker_state(Text(f"⚠ check failed: {message.failure}", style="bold red"))
                return
            note = f"Checked {message.done:,} domain{'s' if message.done != 1 else ''}"
            if message.errors:
                note += f"; {message.errors:,} ended unknown because of errors"
            if message.changes:
                note += ":\n" + "\n".join(message.changes)
            app.notify(note, severity="warning" if message.errors else "information")
            app.set_worker_state(self._worker_text)
            return
        state = Text.assemble(("checking ", "bold"), f"{message.done:,}/{message.total:,}")
        if message.errors:
            state.append(f" · {message.errors:,} errors", style="red")
        app.set_worker_state(state, done=message.done, total=message.total)

    # -- the in-process worker ----------------------------------------------------------------------
    def start_worker(self) -> None:
        from domainwatch_tui.core.demo_marker import demo_refusal
        from domainwatch_tui.core.worker import Worker

        app = self.app
        assert app.checker_factory is not None
        refusal = demo_refusal(app.store_path, started_by_demo=getattr(app, "session", None) is not None)
        if refusal:  # synthetic domains must never be checked against real registries
            app.checker_factory = None  # no manual checks either
            self._worker_text = Text("worker: off (demo store)", style="yellow")
            app.set_worker_state(self._worker_text)
            app.notify(f"No worker and no checks here: {refusal}.", severity="warning", timeout=20)
            return
        worker = Worker(app.store_path, app.checker_factory, clock=app.clock, policy=app.config.policy(),
                        schedule=app.config.schedule(), settings=app.config.worker(),
                        on_progress=lambda p: app.post_message(WorkerUpdate(p)),
                        on_outcome=lambda o: app.touch([o.domain]), notifier=app.notifier_factory)
        self.worker = worker

        def run() -> None:
            try:
                asyncio.run(worker.run())
            except Exception as exc:
                app.post_message(WorkerUpdate(None, failure=f"{type(exc).__name__}: {exc}"))

        app.run_worker(run, thread=True, group="background-worker", exit_on_error=False)
        app.set_timer(FIRST_STATE_AFTER, self._first_state)

    def _first_state(self) -> None:
        """The worker reports changes of state only; an idle start would leave "starting…"."""
        if self.worker is not None and not self._updates:
            self.on_worker_update(WorkerUpdate(self.worker.snapshot()))

    def toggle_pause(self) -> None:
        app = self.app
        if app.read_only:
            app.notify("Read-only: no worker runs.", severity="warning")
            return
        worker = self.worker
        if worker is None:
            app.notify("No background worker runs in this dashboard.", severity="warning")
            return
        if worker.paused:
            worker.resume()
            app.notify("Worker resumed.")
        else:
            worker.pause()
            app.notify("Worker paused: in-flight checks finish, no new ones start.")

    def on_worker_update(self, message: WorkerUpdate) -> None:
        app = self.app
        self._updates += 1
        if message.failure:
            self._worker_text = Text(f"⚠ worker stopped: {message.failure}", style="bold red")
            app.notify(f"The background worker failed: {message.failure}", severity="error", timeout=10)
            app.set_worker_state(self._worker_text)
            return
        p = message.progress
        state = str(getattr(p, "state", ""))
        text = Text.assemble(("worker: ", "bold"), (state, _STATE_STYLE.get(state, "")))
        if state == "running" and p.total:
            text.append(f" {p.done:,}/{p.total:,}")
            if p.rate:
                text.append(f" · {p.rate:,.0f}/s")
        if p.errors_total:
            text.append(f" · {p.errors_total:,} errors", style="red")
        if state == "waiting-for-lease" and p.lease_holder:
            text.append(" held by ")
            text.append(str(p.lease_holder), style="italic")
        if state == "error" and p.last_error:
            text.append(f" {p.last_error}", style="red")
        self._worker_text = text
        if not self.manual_running:
            running = state == "running" and p.total
            app.set_worker_state(text, done=p.done if running else None, total=p.total if running else None)

    # -- the search index --------------------------------------------------------------------------
    def refresh_search_index(self) -> None:
        """Bring the username/address search index up to date in the background."""
        app = self.app
        self.indexing = True

        def run() -> None:
            try:
                with app.open_store() as store:
                    if store.search_index_lag() == 0:
                        return
                    store.refresh_search_index(should_stop=lambda: self._stop_index)
            except Exception as exc:
                app.call_from_thread(app.report_failure, "indexing usernames and addresses", exc)
            finally:
                self.indexing = False

        app.run_worker(run, thread=True, group="search-index", exit_on_error=False)

    def shutdown(self) -> None:
        self._stop_index = True
        if self.worker is not None:
            self.worker.stop(abandon=True)


_STATE_STYLE = {"running": "bold green", "idle": "green", "paused": "yellow",
                "waiting-for-lease": "yellow", "error": "bold red", "stopped": "dim"}

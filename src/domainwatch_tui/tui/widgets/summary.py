"""The summary bar: store totals, the operator and mode, and the worker's state and progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from domainwatch_tui.core.store.outbox import OutboxStatus
from domainwatch_tui.tui import text as t

#: Below this many columns the totals are shortened (the worker's state needs the room).
NARROW = 100


class SummaryBar(Horizontal):
    """Top of the main screen: totals on the left, the worker on the right."""

    def __init__(self, *, operator: str, read_only: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.operator = operator
        self.read_only = read_only
        self.totals: dict[str, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("loading…", style="dim"), id="totals")
        yield Static("", id="outbox")
        yield Static("", id="worker-state")
        yield ProgressBar(total=None, show_eta=False, id="worker-progress")

    def on_mount(self) -> None:
        self.query_one("#worker-progress", ProgressBar).display = False
        self.query_one("#outbox", Static).display = False
        state = getattr(self.app, "worker_state", None)
        if self.read_only or not isinstance(state, Text):
            state = Text("read-only: no worker" if self.read_only else "worker: off", style="dim")
        self.set_worker(state)

    def set_totals(self, totals: dict[str, int]) -> None:
        self.totals = totals
        narrow = self.app.size.width < NARROW
        line = Text.assemble((t.compact(totals.get("accounts")), "bold"), " accounts · ")
        if not narrow:
            line.append_text(Text.assemble((t.compact(totals.get("emails")), "bold"), " addresses · "))
        line.append_text(Text.assemble(
            (t.compact(totals.get("domains")), "bold"), " domains · ",
            (f"{totals.get('proposals_pending', 0):,}", "bold cyan"), " to review"))
        if not narrow:
            line.append(" · ")
            line.append_text(t.safe(self.operator, "italic", limit=24))
        if self.read_only:
            line.append("  READ-ONLY", style="bold reverse yellow")
        self.query_one("#totals", Static).update(line)

    def on_resize(self) -> None:
        if self.totals is not None:
            self.set_totals(self.totals)

    def set_outbox(self, status: OutboxStatus) -> None:
        """The webhook outbox (a `core.store.outbox.OutboxStatus`): failing deliveries in red."""
        box = self.query_one("#outbox", Static)
        box.display = True
        if status.failing:
            text = Text(f"⚠ webhook: {status.failing:,} failing", style="bold red")
            if status.undelivered > status.failing:
                text.append(f", {status.undelivered - status.failing:,} waiting", style="red")
        elif status.undelivered:
            text = Text(f"webhook: {status.undelivered:,} waiting", style="yellow")
        else:
            text = Text("webhook ✓", style="green")
        box.update(text)

    def set_worker(self, state: Text, *, done: int | None = None, total: int | None = None) -> None:
        """The worker's state; with `total`, a progress bar shows done/total."""
        self.query_one("#worker-state", Static).update(state)
        bar = self.query_one("#worker-progress", ProgressBar)
        if total:
            bar.display = True
            bar.update(total=total, progress=done or 0)
        else:
            bar.display = False

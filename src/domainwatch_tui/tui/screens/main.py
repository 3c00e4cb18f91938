"""The main screen: groups with live counts, the paged risk-ranked domain table, the filter."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, OptionList, Static

from domainwatch_tui.core.store import Store
from domainwatch_tui.core.store.outbox import OutboxStatus
from domainwatch_tui.core.store.paging import MIN_DEEP_SEARCH, DomainListRow
from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.bindings import bindings
from domainwatch_tui.tui.messages import CountsLoaded, RowsChanged
from domainwatch_tui.tui.screens.actions import DomainActions
from domainwatch_tui.tui.style import ALL, GROUP_ORDER, group_label
from domainwatch_tui.tui.widgets.domain_table import DomainTable, View
from domainwatch_tui.tui.widgets.groups import GroupList
from domainwatch_tui.tui.widgets.summary import SummaryBar

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp

#: Seconds of quiet after the last key before the filter runs.
FILTER_DEBOUNCE = 0.12
#: Seconds between count refreshes.
COUNTS_EVERY = 5.0


def _outbox_status(store: Store) -> OutboxStatus | None:
    """The webhook outbox, or None when this store has none yet (an old store opened read-only)."""
    try:
        return store.outbox_status()
    except sqlite3.OperationalError:
        return None


class MainScreen(DomainActions):
    """Triage: pick a group on the left, work down its domains on the right."""

    BINDINGS = bindings("filter", "back", "check", "check_group", "confirm", "override", "revert",
                        "accounts", "refresh")

    app: DomainwatchApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.group: str | None = None
        self.search_text = ""
        self._debounce: Timer | None = None
        self._search_generation = 0
        self._focus_on_result = False
        self._search_pending = False
        self._ready = False
        self._outbox_error: tuple[str | None, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield SummaryBar(operator=self.app.operator, read_only=self.app.read_only, id="summary")
        with Horizontal(id="body"):
            yield GroupList(id="groups")
            with Vertical(id="right"):
                yield Input(placeholder="/ filter: domain, username or address", id="filter")
                yield DomainTable(self.app.open_store, self.app.clock, id="domains")
                yield Static("", id="position")
        yield Footer()

    @property
    def table(self) -> DomainTable:
        return self.query_one(DomainTable)

    def on_mount(self) -> None:
        self.query_one(GroupList).border_title = "Groups"
        self.load_counts(first=True)
        self.set_interval(COUNTS_EVERY, self.load_counts)

    # -- counts --------------------------------------------------------------------------------
    def load_counts(self, first: bool = False) -> None:
        webhook = bool(self.app.config.values.get("webhook", {}).get("url"))

        def fetch() -> None:
            try:
                with self.app.open_store() as store:
                    counts = store.group_counts()
                    totals = store.dashboard_totals()
                    outbox = _outbox_status(store) if webhook else None
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, "reading the counts", exc)
                return
            self.post_message(CountsLoaded(counts, totals, first=first, outbox=outbox))

        self.run_worker(fetch, thread=True, group="counts", exclusive=False, exit_on_error=False)

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self.counts, self.totals = message.counts, message.totals
        groups = self.query_one(GroupList)
        groups.set_counts(message.counts, message.totals.get("domains", 0))
        self.query_one(SummaryBar).set_totals(message.totals)
        if message.outbox is not None:
            self._show_outbox(message.outbox)
        view = self.table.view
        if view is not None and not view.searching:
            self.table.set_total(message.counts.get(view.group, 0) if view.group != ALL
                                 else message.totals.get("domains"))
        if message.first and not self._ready:
            self._ready = True
            first = next((g for g in GROUP_ORDER if message.counts.get(g)), ALL)
            self.group = first
            groups.select_group(first)
            if not self.search_text:
                self._show_group(first)
            self.table.focus()

    def _show_outbox(self, status: OutboxStatus) -> None:
        """The webhook outbox in the summary bar; a new delivery error is also a notification."""
        self.query_one(SummaryBar).set_outbox(status)
        error = (status.last_error, status.last_error_at) if status.failing else None
        if error is not None and error != self._outbox_error:
            self.app.notify(f"Webhook delivery failing ({status.failing:,} waiting to be retried): "
                            f"{t.clean(status.last_error)}", severity="error", timeout=10)
        self._outbox_error = error

    # -- groups --------------------------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        group = event.option.id
        if not self._ready:
            return
        if group is None or (group == self.group and self.table.view is not None):
            return
        self.group = group
        if self.search_text:
            self.query_one("#filter", Input).value = ""
        else:
            self._show_group(group)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.table.focus()

    def _show_group(self, group: str) -> None:
        total = self.counts.get(group) if group != ALL else self.totals.get("domains")
        self.table.show(View(group, total=total))

    # -- the filter ------------------------------------------------------------------------------
    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        self.search_text = event.value.strip()
        self._search_pending = True
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(FILTER_DEBOUNCE, self._run_search)

    def _run_search(self) -> None:
        text = self.search_text
        self._search_generation += 1
        generation = self._search_generation
        if not text:
            self._search_pending = False
            if self.group:
                self._show_group(self.group)
            return

        def fetch() -> None:
            try:
                with self.app.open_store() as store:
                    keys = store.search_domain_keys(text)
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, "searching", exc)
                return
            self.app.call_from_thread(self._show_search, generation, text, keys)

        self.run_worker(fetch, thread=True, group="search", exit_on_error=False)

    def _show_search(self, generation: int, text: str, keys: list[tuple[float, str]]) -> None:
        if generation != self._search_generation:
            return
        self.table.show(View("search", keys=tuple(keys), total=len(keys)))

    def on_domain_table_shown(self, message: DomainTable.Shown) -> None:
        if message.view.searching or not self.search_text:
            self._search_pending = False
        if self._focus_on_result and not self._search_pending:
            self._focus_on_result = False
            self.table.focus()
            if message.count:
                self.table.move_cursor(row=0)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter":
            return
        if self._search_pending:
            self._focus_on_result = True
        else:
            self.table.focus()
            if self.table.window:
                self.table.move_cursor(row=0)

    def action_back(self) -> None:
        """Esc: clear the filter (or leave it when it is empty)."""
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
            self.table.focus()
        elif box.has_focus:
            self.table.focus()

    # -- the table -------------------------------------------------------------------------------
    def on_domain_table_moved(self, message: DomainTable.Moved) -> None:
        line = Text()
        if self.table.view is not None and self.table.view.searching:
            n = message.total or 0
            line.append(f"{n:,} match{'es' if n != 1 else ''} in all groups for ", style="bold")
            line.append_text(t.safe(self.search_text, "italic"))
            if len(self.search_text) < MIN_DEEP_SEARCH:
                line.append("  (domain names and whole usernames: type 3+ characters for parts of usernames "
                            "and addresses)", style="dim")
        else:
            line.append(group_label(self.group or ALL), style="bold")
        if message.total:
            line.append(f"   row {message.position + 1:,} of {message.total:,}")
        elif message.total == 0:
            line.append("   nothing here", style="dim")
        row = message.row
        if row is not None:  # what the narrower columns may hide: last check and registrar
            now = self.app.clock()
            line.append("   checked ", style="dim")
            line.append(t.when(row.checked_at, now) if row.checked_at else "never")
            if row.error:
                line.append(" ⚠ error", style="bold red")
            if row.registrar:
                line.append(" · ", style="dim")
                line.append_text(t.safe(row.registrar, limit=40))
        self.query_one("#position", Static).update(line)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.table.current
        if row is not None:
            self.app.open_domain(row.name)

    def on_rows_changed(self, message: RowsChanged) -> None:
        self.table.apply_rows(message.rows)

    def selected_domain(self) -> DomainListRow | None:
        return self.table.current

    def current_domain(self) -> str | None:
        row = self.table.current
        return row.name if row is not None else None

    def action_accounts(self) -> None:
        row = self.table.current
        if row is not None:
            self.app.open_domain(row.name, focus_accounts=True)

    def action_refresh(self) -> None:
        self.load_counts()
        self.table.reload()

    def action_check_group(self) -> None:
        """`C`: check every domain of the group (or of the search results), after a confirmation."""
        from domainwatch_tui.tui.screens.modals import ConfirmModal

        view = self.table.view
        if view is None:
            return
        label = f"the {len(view.keys or ()):,} matches of the filter" if view.searching else \
            f"every domain in {group_label(view.group)}"

        def fetch() -> None:
            try:
                if view.keys is not None:
                    names = [k[1] for k in view.keys]
                else:
                    with self.app.open_store() as store:
                        names = store.domain_names(view.group)
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, "listing the group", exc)
                return
            self.app.call_from_thread(ask, names)

        def ask(names: list[str]) -> None:
            if not names:
                self.app.notify("Nothing to check in this group.")
                return
            question = f"Check {len(names):,} domain{'s' if len(names) != 1 else ''} now ({label})?"

            def answer(ok: bool | None) -> None:
                if ok:
                    self.app.checks.check(names, f"{len(names):,} domains")

            self.app.push_screen(ConfirmModal(question, confirm="Check"), answer)

        self.run_worker(fetch, thread=True, group="group-names", exit_on_error=False)

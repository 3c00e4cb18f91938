"""The audit log: every decision, newest first, filterable by operator, action and date.

Paged by keyset on the decision id: moving the cursor near the bottom reads the next 500
older decisions, near the top the newer ones, and no more than 2,000 rows are mounted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Select, Static

from domainwatch_tui.core.timefmt import parse_iso, to_iso
from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.bindings import bindings
from domainwatch_tui.tui.messages import RowsChanged
from domainwatch_tui.tui.screens.domain_data import json_list
from domainwatch_tui.tui.style import phase_text

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp

#: Decisions read per page (keyset on the id, newest first).
PAGE = 500
#: Most decisions mounted at once; past it the far end of the window is dropped (and re-read).
MAX_ROWS = 2000
#: Rows from either end of the window at which the next page is read.
NEAR = 25
ACTIONS = ("confirm", "override", "revert", "lapse")


class AuditScreen(Screen):
    """The append-only decisions table; Enter opens the decision's domain."""

    BINDINGS = bindings("back", "refresh")

    app: DomainwatchApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[dict[str, Any]] = []
        self._active: dict[str, Any] = {}
        self._total = 0
        self._start = 0  # how many newer decisions (of the filtered log) are above the window
        self._at_end = True
        self._loading = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Static(Text("Audit log", style="bold"), id="audit-title")
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="operator", id="f-operator")
            yield Select([(a, a) for a in ACTIONS], prompt="any action", id="f-action")
            yield Input(placeholder="since (date)", id="f-since")
            yield Input(placeholder="before (date)", id="f-until")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Static("", id="audit-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit", DataTable).add_columns(
            "#", "When", "Operator", "Action", "Domain", "Phase", "Check", "Addresses", "Reason", "Until")
        self.load()
        self.query_one("#audit", DataTable).focus()

    def _read_filters(self) -> dict[str, Any] | str:
        out: dict[str, Any] = {}
        operator = self.query_one("#f-operator", Input).value.strip()
        if operator:
            out["operator"] = operator
        action = self.query_one("#f-action", Select).value
        if isinstance(action, str):
            out["action"] = action
        for key, wid in (("since", "#f-since"), ("until", "#f-until")):
            raw = self.query_one(wid, Input).value.strip()
            if raw:
                try:
                    out[key] = to_iso(parse_iso(raw))
                except ValueError as exc:
                    return str(exc)
        return out

    def load(self) -> None:
        """Read the first page for the current filters."""
        filters = self._filters_or_error()
        if filters is None:
            return
        self._active = filters
        self._generation += 1
        self._loading = False
        self._fetch("first")

    def _filters_or_error(self) -> dict[str, Any] | None:
        filters = self._read_filters()
        if isinstance(filters, str):
            self.query_one("#audit-status", Static).update(Text(filters, style="bold red"))
            return None
        return filters

    def _fetch(self, direction: str) -> None:
        if self._loading:
            return
        self._loading = True
        generation, filters = self._generation, dict(self._active)
        first = self._rows[0]["id"] if self._rows and direction == "prev" else None
        last = self._rows[-1]["id"] if self._rows and direction == "next" else None

        def fetch() -> None:
            try:
                with self.app.open_store() as store:
                    rows = [dict(r) for r in store.decision_page(before_id=last, after_id=first, limit=PAGE,
                                                                 **filters)]
                    total = store.decision_filtered_count(**filters) if direction == "first" else None
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, "reading the audit log", exc)
                return
            self.app.call_from_thread(self._arrived, generation, direction, rows, total)

        self.run_worker(fetch, thread=True, group="audit", exit_on_error=False)

    def _arrived(self, generation: int, direction: str, rows: list[dict[str, Any]],
                 total: int | None) -> None:
        if generation != self._generation:
            return
        self._loading = False
        table = self.query_one("#audit", DataTable)
        cursor_id = self._rows[table.cursor_row]["id"] if 0 <= table.cursor_row < len(self._rows) else None
        if direction == "first":
            self._total, self._start, window = total or 0, 0, rows
            self._at_end = len(rows) < PAGE
        elif direction == "next":
            self._at_end = len(rows) < PAGE
            window = self._rows + rows
            if len(window) > MAX_ROWS:
                drop = len(window) - MAX_ROWS
                self._start += drop
                window = window[drop:]
        else:
            if not rows:
                return
            self._start = max(0, self._start - len(rows))
            window = rows + self._rows
            if len(window) > MAX_ROWS:
                window = window[:MAX_ROWS]
                self._at_end = False
        self._fill(window, cursor_id)

    def _fill(self, rows: list[dict[str, Any]], cursor_id: int | None) -> None:
        table = self.query_one("#audit", DataTable)
        if self._rows and rows[: len(self._rows)] == self._rows:  # a page below: append only
            fresh, self._rows = rows[len(self._rows):], rows
            self._add(table, fresh)
        else:
            self._rows = []  # first: clear() moves the cursor to 0, which must not look like paging up
            table.clear()
            self._rows = rows
            self._add(table, rows)
            ids = [d["id"] for d in rows]
            if cursor_id in ids:
                table.move_cursor(row=ids.index(cursor_id), animate=False)
        self._status()

    @staticmethod
    def _add(table: DataTable, rows: list[dict[str, Any]]) -> None:
        for d in rows:
            until = Text(t.day(d.get("until")) if d.get("until") else "—")
            table.add_row(str(d["id"]), Text(t.stamp(d["at"])), t.safe(d.get("operator"), limit=20),
                          t.safe(d.get("action")), t.safe(d.get("domain"), limit=30),
                          phase_text(d.get("phase")), Text(str(d.get("check_id") or "—")),
                          Text(str(len(json_list(d.get("emails"))))), t.safe(d.get("reason"), limit=60),
                          until)

    def _status(self) -> None:
        table = self.query_one("#audit", DataTable)
        n = self._total
        status = Text(f"{n:,} decision{'s' if n != 1 else ''}")
        if self._active:
            status.append(" (filtered)", style="dim")
        if self._rows:
            status.append(f"   row {self._start + table.cursor_row + 1:,} of {n:,}")
        self.query_one("#audit-status", Static).update(status)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id != "audit" or not self._rows:
            return
        row = event.data_table.cursor_row  # where it is now (a clear() may have moved it meanwhile)
        if row >= len(self._rows) - NEAR and not self._at_end:
            self._fetch("next")
        elif row < NEAR and self._start > 0:
            self._fetch("prev")
        self._status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.load()
        self.query_one("#audit", DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "f-operator":
            self.load()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.load()

    def on_rows_changed(self, message: RowsChanged) -> None:
        if self._start == 0:  # new decisions come in at the top: re-read it (not when deep down)
            self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self._rows and 0 <= event.cursor_row < len(self._rows):
            self.app.open_domain(self._rows[event.cursor_row]["domain"])

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.value:
            focused.value = ""
            self.load()
            return
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

"""The audit log: every decision, newest first, filterable by operator, action and date."""

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

#: Most decisions listed at once (the filters narrow it down).
SHOWN = 1000
ACTIONS = ("confirm", "override", "revert", "lapse")


class AuditScreen(Screen):
    """The append-only decisions table; Enter opens the decision's domain."""

    BINDINGS = bindings("back", "refresh")

    app: DomainwatchApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._domains: list[str] = []

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

    def _filters(self) -> dict[str, Any] | str:
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
        filters = self._filters()
        if isinstance(filters, str):
            self.query_one("#audit-status", Static).update(Text(filters, style="bold red"))
            return

        def fetch() -> None:
            try:
                with self.app.open_store() as store:
                    rows = [dict(r) for r in store.decisions(limit=SHOWN, **filters)]
                    total = store.decision_count()
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, "reading the audit log", exc)
                return
            self.app.call_from_thread(self.show, rows, total, bool(filters))

        self.run_worker(fetch, thread=True, group="audit", exclusive=True, exit_on_error=False)

    def show(self, rows: list[dict[str, Any]], total: int, filtered: bool) -> None:
        table = self.query_one("#audit", DataTable)
        table.clear()
        self._domains = []
        for d in rows:
            self._domains.append(d["domain"])
            until = Text(t.day(d.get("until")) if d.get("until") else "—")
            table.add_row(str(d["id"]), Text(t.stamp(d["at"])), t.safe(d.get("operator"), limit=20),
                          t.safe(d.get("action")), t.safe(d.get("domain"), limit=30),
                          phase_text(d.get("phase")), Text(str(d.get("check_id") or "—")),
                          Text(str(len(json_list(d.get("emails"))))), t.safe(d.get("reason"), limit=60),
                          until)
        status = Text(f"{len(rows):,} decision{'s' if len(rows) != 1 else ''}")
        status.append(f" of {total:,}" + (" (filtered)" if filtered else ""), style="dim")
        if len(rows) >= SHOWN:
            status.append(f"  newest {SHOWN:,} shown: narrow with the filters", style="yellow")
        self.query_one("#audit-status", Static).update(status)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.load()
        self.query_one("#audit", DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "f-operator":
            self.load()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.load()

    def on_rows_changed(self, message: RowsChanged) -> None:
        self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self._domains:
            self.app.open_domain(self._domains[event.cursor_row])

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.value:
            focused.value = ""
            self.load()
            return
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

"""The account screen: its addresses with their domains' phases, and the decisions that touched it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from domainwatch_tui.core.risk import account_breakdowns
from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.bindings import bindings
from domainwatch_tui.tui.screens.domain import yes_no
from domainwatch_tui.tui.style import decision_text, phase_text, risk_text

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp


class AccountScreen(Screen):
    """One account; Enter on an address opens its domain."""

    BINDINGS = bindings("back", "refresh")

    app: DomainwatchApp  # type: ignore[assignment]

    def __init__(self, account_id: str) -> None:
        super().__init__()
        self.account_id = account_id
        self._domains: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-body"):
            yield Static(t.safe(self.account_id, "bold"), id="account-head")
            yield Static(Text("Addresses", style="bold underline"), classes="section")
            yield DataTable(id="addresses", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Decisions", style="bold underline"), classes="section")
            yield DataTable(id="account-decisions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#addresses", DataTable).add_columns(
            "Address", "Domain", "Phase", "Verified", "Primary", "Domain risk", "Decision", "Expiry")
        self.query_one("#account-decisions", DataTable).add_columns(
            "#", "When", "Operator", "Action", "Domain", "Phase", "Reason")
        self.load()

    def load(self) -> None:
        account_id = self.account_id

        def fetch() -> None:
            try:
                with self.app.open_store() as store:
                    row = store.account_row(account_id)
                    data: dict[str, Any] = {
                        "row": dict(row) if row else None,
                        "addresses": [dict(r) for r in store.account_addresses(account_id)],
                        "decisions": [dict(r) for r in store.account_decisions(account_id)],
                        "risk": account_breakdowns(store, account_id) if row else [],
                    }
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, "reading the account", exc)
                return
            self.app.call_from_thread(self.show, data)

        self.run_worker(fetch, thread=True, group="account", exclusive=True, exit_on_error=False)

    def show(self, data: dict[str, Any]) -> None:
        row = data["row"]
        head = self.query_one("#account-head", Static)
        if row is None:
            head.update(Text.assemble(t.safe(self.account_id, "bold"), ("  is not in the store", "red")))
            return
        now = self.app.clock()
        line = Text.assemble(t.safe(row["username"], "bold"), ("  id ", "dim"), t.safe(row["account_id"]),
                             "   2FA ", yes_no(row.get("has_2fa")),
                             f"   packages {t.count(row.get('packages'))}",
                             f"   downloads {t.count(row.get('downloads'))}", "   risk ")
        line.append_text(risk_text(row.get("risk")))
        if data["risk"]:
            line.append("\n")
            line.append(data["risk"][0].describe(), style="dim")
        head.update(line)
        table = self.query_one("#addresses", DataTable)
        table.clear()
        self._domains = []
        for a in data["addresses"]:
            self._domains.append(a["domain"])
            table.add_row(t.safe(a["address"], limit=40), t.safe(a["domain"]), phase_text(a.get("phase")),
                          yes_no(a.get("verified")), yes_no(a.get("is_primary")), risk_text(a.get("risk")),
                          decision_text(a.get("decision_state")), Text(t.when(a.get("expires_at"), now)))
        decisions = self.query_one("#account-decisions", DataTable)
        decisions.clear()
        for d in data["decisions"]:
            decisions.add_row(str(d["id"]), Text(t.stamp(d["at"])), t.safe(d.get("operator")),
                              t.safe(d.get("action")), t.safe(d.get("domain")), phase_text(d.get("phase")),
                              t.safe(d.get("reason"), limit=50))
        if not data["decisions"]:
            decisions.add_row("", Text("none", style="dim"), "", "", "", "", "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "addresses" and self._domains:
            self.app.open_domain(self._domains[event.cursor_row])

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

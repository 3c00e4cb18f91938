"""The domain screen: phase and reasons, release estimate, RDAP evidence, check history with
what changed, the affected accounts ranked by risk, proposals and decisions."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from domainwatch_tui.core.signals import signals_from_json
from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.bindings import bindings
from domainwatch_tui.tui.messages import RowsChanged
from domainwatch_tui.tui.screens.actions import DomainActions
from domainwatch_tui.tui.screens.domain_data import (
    ACCOUNTS_SHOWN,
    DomainData,
    json_list,
    load_domain,
    what_changed,
)
from domainwatch_tui.tui.style import decision_text, phase_text, risk_text


def signals_text(items: list[Any]) -> Text | None:
    """Further evidence (DNS, registrar RDAP, Fastly), one line per signal with its source and
    kind; None when there is none. Each part is outside text: plain, cleaned, never markup."""
    signals = signals_from_json(items)
    if not signals:
        return None
    lines = []
    for s in signals:
        line = t.safe(s.source, "bold cyan", limit=24)
        line.append(" ")
        line.append_text(t.safe(s.kind, "italic", limit=32))
        line.append(": ")
        line.append_text(t.safe(s.detail, limit=300))
        lines.append(line)
    return Text("\n").join(lines)


def yes_no(value: Any) -> Text:
    if value is None:
        return Text("?", style="dim")
    return Text("yes", style="green") if value else Text("no", style="bold red")


class AccountsTable(DataTable):
    """The accounts on the domain; Enter opens one."""

    BINDINGS = bindings("down", "up")


class DomainScreen(DomainActions):
    """One domain, everything known about it."""

    BINDINGS = bindings("back", "check", "confirm", "override", "revert", "accounts", "refresh")

    def __init__(self, name: str, *, focus_accounts: bool = False) -> None:
        super().__init__()
        self.domain = name
        self.focus_accounts = focus_accounts
        self.data: DomainData | None = None
        self._account_ids: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="domain-body"):
            yield Static(t.safe(self.domain, "bold"), id="domain-head")
            yield Static("", id="domain-evidence")
            yield Static(Text("Check history", style="bold underline"), classes="section")
            yield DataTable(id="checks", cursor_type="row", zebra_stripes=True)
            yield Static("", id="accounts-title", classes="section")
            yield AccountsTable(id="accounts", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Proposals", style="bold underline"), classes="section")
            yield DataTable(id="proposals", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Decisions", style="bold underline"), classes="section")
            yield DataTable(id="decisions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#checks", DataTable).add_columns("When", "Phase", "HTTP", "What changed")
        self.query_one("#accounts", DataTable).add_columns(
            "Username", "Address", "Verified", "2FA", "Packages", "Downloads", "Risk", "Other verified")
        self.query_one("#proposals", DataTable).add_columns("#", "Kind", "Address", "Phase", "Status",
                                                            "Created", "Closed")
        self.query_one("#decisions", DataTable).add_columns("#", "When", "Operator", "Action", "Phase",
                                                            "Addresses", "Reason", "Until")
        self.load()

    def load(self) -> None:
        name = self.domain

        def fetch() -> None:
            try:
                with self.app.open_store() as store:
                    data = load_domain(store, name)
            except Exception as exc:
                self.app.call_from_thread(self.app.report_failure, f"reading {name}", exc)
                return
            self.app.call_from_thread(self.show, data)

        self.run_worker(fetch, thread=True, group="domain", exclusive=True, exit_on_error=False)

    def current_domain(self) -> str | None:
        return self.domain

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def on_rows_changed(self, message: RowsChanged) -> None:
        if any(r.name == self.domain for r in message.rows):
            self.load()

    def action_accounts(self) -> None:
        table = self.query_one("#accounts", DataTable)
        if table.has_focus and self._account_ids:
            self.app.open_account(self._account_ids[table.cursor_row])
        else:
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "accounts" and self._account_ids:
            self.app.open_account(self._account_ids[event.cursor_row])

    # -- rendering -------------------------------------------------------------------------------
    def show(self, data: DomainData | None) -> None:
        if data is None:
            self.query_one("#domain-head", Static).update(
                Text.assemble(t.safe(self.domain, "bold"), ("  is not in the store", "red")))
            return
        self.data = data
        now = self.app.clock()
        r = data.row
        head = Text.assemble(t.safe(r["name"], "bold"))
        if r.get("unicode") and r["unicode"] != r["name"]:
            head.append("  (")
            head.append_text(t.safe(r["unicode"]))
            head.append(")")
        head.append("   ")
        head.append_text(phase_text(r["phase"]))
        if r.get("phase_since"):
            head.append(f" since {t.day(r['phase_since'])}", style="dim")
        head.append("   risk ")
        head.append_text(risk_text(r.get("risk")))
        head.append("   ")
        head.append_text(decision_text(r.get("decision_state")))
        self.query_one("#domain-head", Static).update(head)
        self.query_one("#domain-evidence", Static).update(self._evidence(data, now))
        self._fill_checks(data, now)
        self._fill_accounts(data)
        self._fill_proposals(data, now)
        self._fill_decisions(data, now)
        if self.focus_accounts:
            self.focus_accounts = False
            self.query_one("#accounts", DataTable).focus()

    def _evidence(self, data: DomainData, now) -> Table:
        r = data.row
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        reasons = json_list(r.get("reasons"))
        grid.add_row("Reasons", Text("\n").join(t.safe(x) for x in reasons) if reasons else t.safe(None))
        release = r.get("release_at")
        grid.add_row("Release (est.)", Text(f"{t.day(release)} ({t.when(release, now)})") if release
                     else Text("—", style="dim"))
        grid.add_row("Statuses", t.joined(json_list(r.get("statuses"))))
        registrar = t.safe(r.get("registrar"))
        if r.get("registrar_iana_id"):
            registrar.append(" (IANA ")
            registrar.append_text(t.safe(r["registrar_iana_id"]))
            registrar.append(")")
        grid.add_row("Registrar", registrar)
        grid.add_row("Registered", Text(t.day(r.get("registered_at"))))
        grid.add_row("Expires", Text(f"{t.day(r.get('expires_at'))} ({t.when(r.get('expires_at'), now)})"))
        grid.add_row("Last changed", Text(t.day(r.get("last_changed_at"))))
        grid.add_row("Nameservers", t.joined(json_list(r.get("nameservers"))))
        signals = signals_text(json_list(r.get("signals")))
        if signals is not None:
            grid.add_row("Signals", signals)
        if data.events:
            line = Text()
            for i, ev in enumerate(data.events):
                if i:
                    line.append("  →  ", style="dim")
                line.append(t.day(ev.date), style="bold")
                line.append(" ")
                line.append_text(t.safe(ev.action))
            grid.add_row("Events", line)
        if data.remarks:
            grid.add_row("Remarks", Text("\n").join(t.safe(x, limit=200) for x in data.remarks[:5]))
        checked = Text(f"{t.when(r.get('checked_at'), now)} via {t.clean(r.get('backend')) or '—'}"
                       if r.get("checked_at") else "never")
        if r.get("error"):
            checked.append("  ⚠ ", style="bold red")
            checked.append_text(t.safe(r["error"], "red"))
        grid.add_row("Checked", checked)
        grid.add_row("Next check", Text(t.when(r.get("next_check_at"), now)))
        if data.changes:
            line = Text()
            for i, c in enumerate(data.changes[-6:]):
                if i:
                    line.append("  ")
                line.append(f"{t.day(c['at'])} ", style="dim")
                line.append_text(phase_text(c["from_phase"]))
                line.append("→")
                line.append_text(phase_text(c["to_phase"]))
            grid.add_row("Phase changes", line)
        if data.risk is not None and data.risk.accounts:
            top = data.risk.accounts[0]
            grid.add_row("Risk", Text(f"{data.risk.total:,.1f} over {len(data.risk.accounts):,} accounts; "
                                      f"highest: {top.describe()}"))
        return grid

    def _fill_checks(self, data: DomainData, now) -> None:
        table = self.query_one("#checks", DataTable)
        table.clear()
        for i, c in enumerate(data.checks):
            older = data.checks[i + 1] if i + 1 < len(data.checks) else None
            changed = "; ".join(what_changed(c, older))
            table.add_row(Text(t.stamp(c["checked_at"])), phase_text(c["phase"]),
                          Text(str(c.get("http_status") or "—")), t.safe(changed, limit=90))
        if not data.checks:
            table.add_row(Text("never checked", style="dim"), "", "", "")

    def _fill_accounts(self, data: DomainData) -> None:
        table = self.query_one("#accounts", DataTable)
        table.clear()
        self._account_ids = []
        total = int(data.row.get("accounts") or 0)
        title = Text(f"Accounts ({total:,})", style="bold underline")
        if total > len(data.accounts):
            title.append(f"  the {ACCOUNTS_SHOWN:,} riskiest shown", style="dim")
        self.query_one("#accounts-title", Static).update(title)
        for a in data.accounts:
            others = data.other_verified.get(a["account_id"], [])
            self._account_ids.append(a["account_id"])
            table.add_row(
                t.safe(a.get("username"), limit=24), t.safe(a.get("address"), limit=36),
                yes_no(a.get("verified")), yes_no(a.get("has_2fa")),
                Text(t.count(a.get("packages")), justify="right"),
                Text(t.count(a.get("downloads")), justify="right"),
                risk_text(a.get("risk")),
                t.joined(others[:3]) if others else Text("none", style="bold red"),
            )

    def _fill_proposals(self, data: DomainData, now) -> None:
        table = self.query_one("#proposals", DataTable)
        table.clear()
        for p in data.proposals:
            table.add_row(str(p["id"]), t.safe(p.get("kind")), t.safe(p.get("address"), limit=36),
                          phase_text(p.get("phase")), t.safe(p.get("status")),
                          Text(t.when(p.get("created_at"), now)),
                          Text(t.when(p.get("closed_at"), now) if p.get("closed_at") else "—"))
        if not data.proposals:
            table.add_row("", Text("none", style="dim"), "", "", "", "", "")

    def _fill_decisions(self, data: DomainData, now) -> None:
        table = self.query_one("#decisions", DataTable)
        table.clear()
        for d in data.decisions:
            table.add_row(str(d["id"]), Text(t.stamp(d["at"])), t.safe(d.get("operator")),
                          t.safe(d.get("action")), phase_text(d.get("phase")),
                          Text(str(len(json_list(d.get("emails"))))), t.safe(d.get("reason"), limit=50),
                          Text(t.day(d.get("until")) if d.get("until") else "—"))
        if not data.decisions:
            table.add_row("", Text("none", style="dim"), "", "", "", "", "", "")

"""The help screen: every key (as rebound by the config), what it does, and where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from domainwatch_tui.tui.bindings import KEYS, MUTATING, bindings, key_label
from domainwatch_tui.tui.style import PHASE_STYLE

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp

ABOUT = (
    "domainwatch finds accounts whose email domain is lapsing: an attacker who buys the domain can "
    "reset the password. Work down the review queue and the severe phases, open a domain to see the "
    "evidence, then confirm un-verification (u), override it with a reason (o), or revert (r). "
    "Every decision is on the audit log (l)."
)


class HelpScreen(Screen):
    """Keys and phases."""

    BINDINGS = bindings("back")

    app: DomainwatchApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("Help", style="bold"))
            yield Static(Text(ABOUT), classes="section")
            yield Static(self._keys(), classes="section")
            yield Static(self._phases(), classes="section")
        yield Footer()

    def _keys(self) -> Table:
        section = self.app.config.values.get("keys", {})
        table = Table(title=Text("Keys (rebind in the config's [keys] section by id)"), title_justify="left",
                      expand=False, box=None, padding=(0, 2))
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("What it does")
        table.add_column("Where", style="dim")
        table.add_column("Id", style="dim")
        for bid, spec in KEYS.items():
            words = Text(spec.explanation)
            if self.app.read_only and spec.action.split("(")[0] in MUTATING:
                words.append("  (read-only: disabled)", style="dim")
            table.add_row(key_label(bid, section), words, spec.where, bid)
        table.add_row("ctrl+p", Text("Command palette: actions, jump to a domain or account"), "everywhere",
                      "")
        return table

    def _phases(self) -> Table:
        table = Table(title="Phases, most severe first", title_justify="left", box=None, padding=(0, 2))
        table.add_column("Phase")
        table.add_column("Meaning")
        meanings = {
            "re_registered": "changed hands after the address was verified",
            "available": "not registered: anyone can buy it now",
            "pending_delete": "last days before release; no longer restorable",
            "redemption": "redemption grace period",
            "grace": "expired, in grace",
            "expiring": "healthy, but expires within the policy window",
            "active": "registered and healthy",
            "unknown": "no trustworthy answer",
            "unchecked": "never checked yet",
            "exempt": "a large mailbox provider, not checked",
        }
        for phase, (symbol, style) in PHASE_STYLE.items():
            table.add_row(Text(f"{symbol} {phase.label}", style=style), meanings.get(phase.value, ""))
        return table

    def action_back(self) -> None:
        self.app.pop_screen()

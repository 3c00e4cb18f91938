"""The domain actions shared by the main and domain screens: check, check group, decisions.

In read-only mode `check_action` answers None for them, so the footer shows them greyed out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from domainwatch_tui.tui.bindings import MUTATING

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp


class DomainActions(Screen):
    """A screen with a current domain (`current_domain()`) the keys act on."""

    app: DomainwatchApp  # type: ignore[assignment]

    def current_domain(self) -> str | None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATING and self.app.read_only:
            return None
        return True

    def action_check(self) -> None:
        name = self.current_domain()
        if name is None:
            self.app.notify("No domain selected.")
            return
        self.app.checks.check([name], name)

    def action_decide(self, action: str) -> None:
        name = self.current_domain()
        if name is None:
            self.app.notify("No domain selected.")
            return
        from domainwatch_tui.tui.decisions import start_decision

        start_decision(self.app, name, action)

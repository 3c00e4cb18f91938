"""The group list of the main screen: the review queue, the phases by severity, all domains."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from domainwatch_tui.tui.bindings import bindings
from domainwatch_tui.tui.style import GROUP_ORDER, group_text


class GroupList(OptionList):
    """One line per group with its live count; highlighting a group shows its domains."""

    BINDINGS = bindings("down", "up")

    def __init__(self, **kwargs) -> None:
        super().__init__(*(Option(group_text(g, None), id=g) for g in GROUP_ORDER), **kwargs)
        self.counts: dict[str, int] = {}

    def set_counts(self, counts: dict[str, int], total: int) -> None:
        """Show fresh counts (`total`: the number of domains, for "All domains")."""
        self.counts = {**counts, "all": total}
        for group in GROUP_ORDER:
            self.replace_option_prompt(group, group_text(group, self.counts.get(group, 0)))

    def select_group(self, group: str) -> None:
        """Highlight `group` (which shows it)."""
        self.highlighted = GROUP_ORDER.index(group)

    @property
    def group(self) -> str | None:
        if self.highlighted is None:
            return None
        return GROUP_ORDER[self.highlighted]

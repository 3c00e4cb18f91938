"""Every key of the dashboard: an id, a default key, an action and a description.

The ids are what the `[keys]` section of the config rebinds (`check = "ctrl+k"`, several keys
separated by commas); `keymap()` turns that section into a Textual keymap. Actions that change
something are listed in `MUTATING`: in read-only mode they stay visible but greyed out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Key:
    """One binding: the default key(s), the action it runs, the footer's word and the help's sentence."""

    key: str
    action: str
    description: str
    show: bool = True
    where: str = "everywhere"
    long: str = ""

    @property
    def explanation(self) -> str:
        return self.long or self.description


#: binding id -> its definition. Order is the order of the help screen.
KEYS: dict[str, Key] = {
    "help": Key("question_mark", "help", "Help", long="This help: every key, every phase"),
    "quit": Key("q", "quit", "Quit"),
    "filter": Key("slash", "focus_filter", "Filter", where="main",
                  long="Filter every group by domain, username or address as you type; Enter goes to "
                       "the first match"),
    "back": Key("escape", "back", "Back / clear", show=False,
                long="Back to the previous screen; on the main screen, clear the filter"),
    "open": Key("enter", "open", "Open", show=False, where="tables",
                long="Open the domain (or account) under the cursor"),
    "down": Key("j", "cursor_down", "Down", show=False, where="tables", long="Down (or ↓)"),
    "up": Key("k", "cursor_up", "Up", show=False, where="tables", long="Up (or ↑)"),
    "check": Key("c", "check", "Check", where="main, domain", long="Check the selected domain now"),
    "check_group": Key("C", "check_group", "Check group", show=False, where="main",
                       long="Check every domain of the group or of the filter's matches (asks first, "
                            "with the count)"),
    "confirm": Key("u", "decide('confirm')", "Unverify", where="main, domain",
                   long="Confirm un-verification of the domain's addresses (shows what changes, asks "
                        "for a reason)"),
    "override": Key("o", "decide('override')", "Override", where="main, domain",
                    long="Override: keep the addresses verified (reason required, optional until date)"),
    "revert": Key("r", "decide('revert')", "Revert", where="main, domain",
                  long="Revert: re-verify the addresses a confirm un-verified"),
    "accounts": Key("a", "accounts", "Accounts", where="main, domain",
                    long="The accounts on the domain, riskiest first (Enter opens one)"),
    "audit": Key("l", "audit", "Audit log", long="The audit log: every decision, filterable"),
    "pause": Key("p", "pause", "Pause", long="Pause or resume the background worker"),
    "refresh": Key("f5", "refresh", "Refresh", show=False, long="Read the screen's data again"),
}

#: Actions (names as in `Key.action`, without arguments) that change the store or the worker.
MUTATING: frozenset[str] = frozenset({"check", "check_group", "decide", "pause"})


def binding(binding_id: str, *, show: bool | None = None, priority: bool = False) -> Binding:
    """The Textual binding of `binding_id` (keys may later be replaced by the keymap)."""
    spec = KEYS[binding_id]
    return Binding(spec.key, spec.action, spec.description, show=spec.show if show is None else show,
                   id=binding_id, priority=priority)


def bindings(*ids: str) -> list[Binding]:
    return [binding(i) for i in ids]


def keymap(section: Mapping[str, object]) -> dict[str, str]:
    """The config's `[keys]` section as a Textual keymap (unset ids keep their default)."""
    return {bid: str(value) for bid, value in section.items() if bid in KEYS and value}


def key_label(binding_id: str, section: Mapping[str, object] | None = None) -> str:
    """The key(s) of a binding as shown in help: "?", "ctrl+k"."""
    raw = str((section or {}).get(binding_id) or KEYS[binding_id].key)
    names = {"question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in raw.split(","))

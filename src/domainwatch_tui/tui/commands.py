"""Command palette (Ctrl+P): the dashboard's actions, and a search that jumps to a domain or account."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.bindings import KEYS, MUTATING, key_label
from domainwatch_tui.tui.style import phase_text

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp

#: binding ids offered as palette commands (what they do, in words).
PALETTE_ACTIONS: dict[str, str] = {
    "check": "Check the selected domain now",
    "check_group": "Check every domain of the group",
    "confirm": "Confirm un-verification of the selected domain",
    "override": "Override (keep verified) on the selected domain",
    "revert": "Revert (re-verify) on the selected domain",
    "accounts": "Accounts of the selected domain",
    "audit": "Audit log",
    "pause": "Pause or resume the worker",
    "filter": "Filter domains, usernames and addresses",
    "help": "Help: every key",
    "refresh": "Refresh",
}


class DomainwatchCommands(Provider):
    """The dashboard's actions, plus domains and accounts matching what is typed."""

    @property
    def dw(self) -> DomainwatchApp:
        return self.app  # type: ignore[return-value]

    def _actions(self) -> list[tuple[str, str]]:
        out = []
        for bid, words in PALETTE_ACTIONS.items():
            action = KEYS[bid].action.split("(")[0]
            if self.dw.read_only and action in MUTATING:
                continue
            out.append((bid, f"{words} ({key_label(bid, self.dw.config.values.get('keys'))})"))
        return out

    def _run(self, binding_id: str) -> None:
        action = KEYS[binding_id].action
        screen = self.dw.screen
        target = screen if hasattr(screen, f"action_{action.split('(')[0]}") else self.dw
        self.dw.call_later(self.dw.run_action, action, target)

    async def discover(self) -> Hits:
        for bid, words in self._actions():
            yield DiscoveryHit(words, partial(self._run, bid), help=None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for bid, words in self._actions():
            score = matcher.match(words)
            if score > 0:
                yield Hit(score, matcher.highlight(words), partial(self._run, bid))
        text = query.strip()
        if len(text) < 2:
            return
        domains, accounts = await asyncio.to_thread(self._lookup, text)
        for name, phase in domains:
            display = Text.assemble(("domain  ", "dim"), t.safe(name), "  ", phase_text(phase))
            yield Hit(0.9, display, partial(self.dw.open_domain, name), text=f"domain {t.clean(name)}")
        for account_id, username in accounts:
            display = Text.assemble(("account ", "dim"), t.safe(username), "  ", t.safe(account_id, "dim"))
            yield Hit(0.8, display, partial(self.dw.open_account, account_id),
                      text=f"account {t.clean(username)}")

    def _lookup(self, text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        with self.dw.open_store() as store:
            keys = store.search_domain_keys(text, limit=8)
            rows = store.domains_by_name([k[1] for k in keys])
            accounts = store.search_accounts(text, limit=8)
        return ([(r.name, r.phase) for r in rows],
                [(a["account_id"], a["username"]) for a in accounts])

"""Typed modal screens: a yes/no confirmation and the decision modal (confirm, override, revert)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from domainwatch_tui.core.decisions import DecisionPreview
from domainwatch_tui.core.timefmt import ensure_utc, parse_iso
from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.style import phase_text

#: How each action is named to the operator.
ACTION_TITLES = {"confirm": "Confirm un-verification", "override": "Override (keep verified)",
                 "revert": "Revert (re-verify)"}
#: Most planned changes listed in the modal (the count is always exact).
LISTED = 12


class ConfirmModal(ModalScreen[bool]):
    """A question with Cancel / confirm; dismisses with True when confirmed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, question: str, *, confirm: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="question")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ok")

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class DecisionRequest:
    """What the operator asked for in the decision modal."""

    reason: str
    until: datetime | None = None
    force: bool = False


class DecisionModal(ModalScreen[DecisionRequest | None]):
    """Shows exactly what a decision will change, asks for the reason (and `until` for an
    override); dismisses with a `DecisionRequest`, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, preview: DecisionPreview, *, now: datetime) -> None:
        super().__init__()
        self.preview = preview
        self.now = now

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(classes="dialog decision"):
            title = Text.assemble((ACTION_TITLES.get(p.action, p.action), "bold"), " on ")
            title.append_text(t.safe(p.domain, "bold"))
            title.append("  ")
            title.append_text(phase_text(p.phase.value))
            yield Static(title, id="decision-title")
            yield VerticalScroll(Static(self._plan(), id="decision-plan"), id="decision-plan-box")
            if p.blocked is None:
                yield Input(placeholder="reason (required: it goes on the audit trail)", id="reason")
                if p.action == "override":
                    yield Input(placeholder="until (optional date, e.g. 2026-09-30)", id="until")
                if p.action == "revert" and p.phase.value == "re_registered":
                    yield Checkbox("Force: re-verify although the domain changed hands", id="force")
            yield Label("", id="decision-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                if p.blocked is None:
                    yield Button(ACTION_TITLES.get(p.action, p.action), id="ok", variant="warning")

    def _plan(self) -> Text:
        p = self.preview
        out = Text()
        if p.blocked:
            out.append("Refused: ", style="bold red")
            out.append_text(t.safe(p.blocked))
            return out
        n = len(p.changes)
        moved = sum(1 for c in p.changes if c.before != c.after)
        plural = "es" if n != 1 else ""
        if moved == n:
            out.append(f"{n:,} address{plural} will change", style="bold")
        elif moved == 0:
            kept = p.changes[0].after if p.changes else "as they are"
            verb = "stays" if n == 1 else "stay"
            out.append(f"{n:,} address{plural} {verb} {kept} (no change)", style="bold")
        else:
            out.append(f"{moved:,} of {n:,} addresses will change", style="bold")
        if p.proposal_ids:
            out.append(f"; {len(p.proposal_ids):,} proposal{'s' if len(p.proposal_ids) != 1 else ''} "
                       f"closed as {p.proposal_status or 'decided'}")
        out.append(":\n")
        for c in p.changes[:LISTED]:
            out.append("  ")
            out.append_text(t.safe(c.address))
            out.append("  (")
            out.append_text(t.safe(c.username))
            out.append(")  ")
            if c.before == c.after:
                out.append(f"stays {c.after}", style="dim")
            else:
                out.append(f"{c.before} → ")
                out.append(c.after, style="bold red" if c.after == "unverified" else "bold green")
            out.append("\n")
        if n > LISTED:
            out.append(f"  … and {n - LISTED:,} more\n", style="dim")
        if p.action == "override" and p.override_phase is not None:
            out.append("• ", style="yellow")
            out.append("The override holds until its until date (if given), until the domain reaches a "
                       f"phase more severe than {p.override_phase.value}, or until the same owner "
                       "renews it.\n")
        for note in p.notes:
            out.append("• ", style="yellow")
            out.append_text(t.safe(note))
            out.append("\n")
        return out

    def on_mount(self) -> None:
        if self.preview.blocked is None:
            self.query_one("#reason", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _error(self, message: str) -> None:
        self.query_one("#decision-error", Label).update(Text(message, style="bold red"))

    def _submit(self) -> None:
        if self.preview.blocked is not None:
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self._error("A reason is required.")
            self.query_one("#reason", Input).focus()
            return
        until = None
        if self.preview.action == "override":
            raw = self.query_one("#until", Input).value.strip()
            if raw:
                try:
                    until = parse_iso(raw)
                except ValueError as exc:
                    self._error(str(exc))
                    return
                if until <= ensure_utc(self.now):
                    self._error("The until date must be in the future.")
                    return
        force = bool(self.query("#force") and self.query_one("#force", Checkbox).value)
        self.dismiss(DecisionRequest(reason=reason, until=until, force=force))

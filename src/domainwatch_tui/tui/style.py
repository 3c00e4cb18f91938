"""How phases and decision states look: a label, a symbol and a colour (never colour alone)."""

from __future__ import annotations

from rich.text import Text

from domainwatch_tui.core.model import PHASE_LABELS, PHASE_ORDER, Phase

#: Phase -> (symbol, rich style). The symbol carries the meaning where colour cannot.
PHASE_STYLE: dict[Phase, tuple[str, str]] = {
    Phase.RE_REGISTERED: ("✖", "bold red"),
    Phase.AVAILABLE: ("▲", "bold red"),
    Phase.PENDING_DELETE: ("▲", "red"),
    Phase.REDEMPTION: ("◆", "dark_orange"),
    Phase.GRACE: ("◆", "yellow"),
    Phase.EXPIRING: ("●", "yellow"),
    Phase.ACTIVE: ("✓", "green"),
    Phase.UNKNOWN: ("?", "magenta"),
    Phase.UNCHECKED: ("·", "dim"),
    Phase.EXEMPT: ("○", "dim"),
}

#: The groups of the main screen, in the order shown: the review queue, the phases, all.
REVIEW = "review"
ALL = "all"
GROUP_ORDER: tuple[str, ...] = (REVIEW, *(p.value for p in PHASE_ORDER), ALL)


def phase_of(value: str | None) -> Phase | None:
    try:
        return Phase(value) if value else None
    except ValueError:
        return None


def phase_text(value: str | None, *, short: bool = False) -> Text:
    """The phase as symbol + label in its colour; an unexpected value is shown as is, plainly."""
    phase = phase_of(value)
    if phase is None:
        return Text(str(value or "—"), style="dim")
    symbol, style = PHASE_STYLE[phase]
    label = PHASE_LABELS[phase]
    if short and len(label) > 10:
        label = label[:9] + "."
    return Text(f"{symbol} {label}", style=style)


def group_label(group: str) -> str:
    """The name of a group of the main screen."""
    if group == REVIEW:
        return "Review queue"
    if group == ALL:
        return "All domains"
    phase = phase_of(group)
    return PHASE_LABELS[phase] if phase else group


def group_text(group: str, count: int | None) -> Text:
    """A line of the group list: symbol, label and count."""
    n = "…" if count is None else f"{count:,}"
    if group == REVIEW:
        return Text.assemble(("⚑ ", "bold cyan"), ("Review queue", "bold"), f" ({n})")
    if group == ALL:
        return Text.assemble(("≡ ", ""), "All domains", (f" {n}", "dim"))
    phase = phase_of(group)
    symbol, style = PHASE_STYLE[phase] if phase else ("", "")
    label = PHASE_LABELS[phase] if phase else group
    return Text.assemble((f"{symbol} ", style), (label, style), (f" {n}", "bold" if count else "dim"))


def decision_text(value: str | None) -> Text:
    """The decision state of a domain (set by the review queue), or a dim dash."""
    if not value:
        return Text("—", style="dim")
    text = str(value)
    styles = (("pending", "bold cyan"), ("re-verify", "cyan"), ("confirmed", "red"), ("overridden", "yellow"))
    style = next((s for prefix, s in styles if text.startswith(prefix)), "")
    return Text(text, style=style)


def risk_text(value: float | None) -> Text:
    if value is None:
        return Text("—", style="dim")
    style = "bold red" if value >= 50 else "dark_orange" if value >= 10 else "" if value > 0 else "dim"
    return Text(f"{value:,.0f}" if value >= 1000 else f"{value:,.1f}", style=style, justify="right")

"""The one door through which outside text enters the dashboard.

Domains, usernames, addresses, registrar names and RDAP remarks are untrusted: they become
`rich.text.Text` here, never markup, with control characters (C0, C1, DEL) and the bidi
overrides that can make a name read differently from what it is removed. A username such as
`[@click=app.quit]x[/]` is shown literally and does nothing.

Also the humane spellings of times (relative to the injected clock, never the real one) and
numbers the widgets share.
"""

from __future__ import annotations

import re
from datetime import datetime

import humanize
from rich.text import Text

from domainwatch_tui.core.timefmt import ensure_utc, from_iso

#: C0 and C1 controls, DEL, and the bidi embedding / override / isolate characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: What an unknown value looks like everywhere.
UNKNOWN = "—"


def clean(value: object) -> str:
    """`value` as a plain string with unsafe characters removed (None becomes "")."""
    if value is None:
        return ""
    return _UNSAFE.sub("", str(value))


def safe(value: object, style: str = "", *, empty: str = UNKNOWN, limit: int | None = None) -> Text:
    """Untrusted `value` as a Text with `style` (markup in it is shown literally).

    `empty` is shown for None or an empty string; `limit` truncates with an ellipsis.
    """
    text = clean(value)
    if not text:
        return Text(empty, style="dim")
    if limit is not None and len(text) > limit:
        text = text[: max(1, limit - 1)] + "…"
    return Text(text, style=style)


def joined(values: list[object] | tuple[object, ...], sep: str = ", ", style: str = "") -> Text:
    """Several untrusted values joined by `sep`, each cleaned."""
    parts = [clean(v) for v in values if clean(v)]
    if not parts:
        return Text(UNKNOWN, style="dim")
    return Text(sep.join(parts), style=style)


def when(value: str | datetime | None, now: datetime) -> str:
    """A time relative to `now`: "in 3 days", "12 days ago", "2 hours ago"; "—" when unknown."""
    at = from_iso(value) if isinstance(value, str) or value is None else ensure_utc(value)
    if at is None:
        return UNKNOWN
    delta = ensure_utc(now) - at
    if abs(delta.total_seconds()) < 60:
        return "just now"
    if delta.total_seconds() < 0:
        return "in " + humanize.naturaldelta(-delta)
    return humanize.naturaldelta(delta) + " ago"


_SHORT_UNITS = ((" minutes", " min"), (" minute", " min"), (" seconds", " s"), (" hours", " h"),
                (" hour", " h"))


def when_short(value: str | datetime | None, now: datetime) -> str:
    """`when` for narrow table cells: the largest unit only, short units ("in 1 year",
    "2 h ago", "12 days ago", "in 3 days")."""
    text = when(value, now)
    if ", " in text:  # "in 1 year, 2 months" / "1 year, 2 months ago"
        head, tail = text.split(", ", 1)
        text = head + (" ago" if tail.endswith(" ago") else "")
    for long, short in _SHORT_UNITS:
        text = text.replace(long, short)
    return text


def day(value: str | datetime | None) -> str:
    """The calendar day (UTC) of a stored time, or "—"."""
    at = from_iso(value) if isinstance(value, str) or value is None else ensure_utc(value)
    return at.strftime("%Y-%m-%d") if at is not None else UNKNOWN


def stamp(value: str | datetime | None) -> str:
    """Date and time (UTC, minutes) of a stored time, or "—"."""
    at = from_iso(value) if isinstance(value, str) or value is None else ensure_utc(value)
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else UNKNOWN


def count(value: int | None) -> str:
    """A count with thousands separators, or "—"."""
    return UNKNOWN if value is None else f"{int(value):,}"


def compact(value: int | None) -> str:
    """A large count in short form: 1.2M, 34k."""
    if value is None:
        return UNKNOWN
    return humanize.intword(int(value), "%.1f").replace(" million", "M").replace(" billion", "B") \
        if value >= 1_000_000 else (f"{value / 1000:.0f}k" if value >= 10_000 else f"{value:,}")

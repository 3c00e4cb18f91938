"""Time helpers: one ISO 8601 spelling for everything the store and the JSON output hold.

Stored and printed times are UTC with a `Z` suffix and second precision, so that they sort
as text. `parse_iso` accepts what operators type (a date or a date-time, UTC when no offset).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

#: A clock: returns "now" as an aware UTC datetime. Everything time-dependent takes one.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real clock."""
    return datetime.now(UTC).replace(microsecond=0)


def fixed_clock(at: datetime) -> Clock:
    """A clock frozen at `at` (used by `--as-of` and tests)."""
    frozen = ensure_utc(at)
    return lambda: frozen


def ensure_utc(value: datetime) -> datetime:
    """Make `value` aware and in UTC (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_iso(value: datetime | None) -> str | None:
    """`2026-08-01T12:00:00Z`, or None."""
    if value is None:
        return None
    return ensure_utc(value).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(value: str | None) -> datetime | None:
    """Read back what `to_iso` wrote (or any ISO 8601 text); None stays None."""
    if not value:
        return None
    return parse_iso(value)


def parse_iso(text: str) -> datetime:
    """An ISO 8601 date or date-time typed by an operator; UTC when no offset is given.

    Raises ValueError with a readable message on anything else.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty date")
    try:
        if len(raw) == 10:
            d = date.fromisoformat(raw)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        return ensure_utc(datetime.fromisoformat(raw.replace("z", "Z")))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date or date-time: {text!r}") from None

"""RDAP event dates as registries really write them, read into aware UTC datetimes.

RFC 9083 asks for RFC 3339, but answers in the wild use `Z`, fractional seconds of any length,
`+0000` without a colon, `+03:00`, `+03`, no zone at all (taken as UTC), a space instead of `T`, or a
bare date. `parse_rdap_date` accepts all of them and returns None (never raises) for anything else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

#: Longer text is not a date; refuse it before running the pattern.
MAX_DATE_LENGTH = 64

_DATE = re.compile(
    r"""
    (?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})
    (?:
        [Tt\ ]
        (?P<h>\d{2}):(?P<mi>\d{2})
        (?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,32}))?)?
        \s*
        (?P<tz>[Zz]|(?:UTC|GMT)|[+-]\d{2}(?::?\d{2})?)?
    )?
    """,
    re.VERBOSE | re.ASCII,
)


def _zone(text: str | None) -> timezone | None:
    """The offset written after the time; None when it is not a valid offset."""
    if text is None or text in ("Z", "z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) > 2 else 0
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_rdap_date(value: object) -> datetime | None:
    """An RDAP date (or an already parsed datetime) as an aware UTC datetime; None if unreadable.

    A value without a zone is UTC. Fractional seconds are kept to the microsecond. A leap second
    (`:60`) is read as `:59`. Never raises.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > MAX_DATE_LENGTH:
        return None
    match = _DATE.fullmatch(value.strip())
    if match is None:
        return None
    parts = match.groupdict()
    try:
        zone = _zone(parts["tz"])
        if zone is None:
            return None
        fraction = (parts["f"] or "0")[:6].ljust(6, "0")
        moment = datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            min(int(parts["s"] or 0), 59),
            int(fraction),
            tzinfo=zone,
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None

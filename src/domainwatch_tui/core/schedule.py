"""When to check a domain next: as often as its phase demands, with jitter to spread checks.

PyPI rechecks every address every 30 days; a domain can drop and be bought in between. Here a
domain near or past expiry is checked daily, one in redemption twice a day, one pending delete
every two hours and an available one hourly.

Defaults (each is a key of the `[schedule]` config section):

| phase / situation                    | interval |
|--------------------------------------|----------|
| unchecked                            | at once  |
| active, expiry more than 60 days off | 30 days  |
| active, expiry within 60 days        | 7 days   |
| active, expiry within 14 days        | 1 day    |
| expiring, grace                      | 1 day    |
| redemption                           | 12 hours |
| pending_delete                       | 2 hours  |
| available                            | 1 hour   |
| re_registered                        | 1 day    |
| unknown after errors (1st, 2nd, 3rd+)| 1 h, 6 h, 24 h |
| unknown with no error (unsupported TLD, reserved) | the last backoff step (24 h) |
| exempt                               | never    |

Every interval is jittered by +/- `jitter` (10 %) so that domains imported together spread out.
An active domain never sleeps past the day it enters the next window (60 or 14 days before
expiry), jitter included.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from domainwatch_tui.core.model import Phase

MINUTE = 60.0
HOUR = 3600.0
DAY = 24 * HOUR

#: Window edges before expiry at which an active domain's interval shortens.
WINDOW_60 = 60 * DAY
WINDOW_14 = 14 * DAY


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """Intervals in seconds (the `[schedule]` config section) and the jitter fraction."""

    active_far: float = 30 * DAY
    within_60_days: float = 7 * DAY
    within_14_days: float = DAY
    expiring: float = DAY
    grace: float = DAY
    redemption: float = 12 * HOUR
    pending_delete: float = 2 * HOUR
    available: float = HOUR
    re_registered: float = DAY
    unknown_backoff: tuple[float, ...] = (HOUR, 6 * HOUR, DAY)
    jitter: float = 0.1


def interval_for(
    phase: Phase,
    *,
    now: datetime,
    expires_at: datetime | None,
    error_streak: int = 0,
    settings: ScheduleSettings | None = None,
) -> float | None:
    """Seconds until the next check, before jitter; None for phases never checked (exempt).

    `error_streak` is the number of consecutive failed checks including this one: 1 after the
    first error. `unknown` with a streak of 0 (an unsupported TLD, a reserved name: no error to
    retry) takes the last, longest backoff step.
    """
    s = settings or ScheduleSettings()
    if phase is Phase.EXEMPT:
        return None
    if phase is Phase.UNCHECKED:
        return 0.0
    if phase is Phase.UNKNOWN:
        steps = s.unknown_backoff or (DAY,)
        if error_streak <= 0:
            return steps[-1]
        return steps[min(error_streak, len(steps)) - 1]
    fixed = {
        Phase.EXPIRING: s.expiring,
        Phase.GRACE: s.grace,
        Phase.REDEMPTION: s.redemption,
        Phase.PENDING_DELETE: s.pending_delete,
        Phase.AVAILABLE: s.available,
        Phase.RE_REGISTERED: s.re_registered,
    }
    if phase in fixed:
        return fixed[phase]
    # active: by distance to expiry, never sleeping past the next window's edge
    base = _active_base(now, expires_at, s)
    edge = _seconds_to_next_edge(now, expires_at)
    if edge is None:
        return base
    return min(base, max(edge, s.within_14_days))


def _active_base(now: datetime, expires_at: datetime | None, s: ScheduleSettings) -> float:
    if expires_at is None:
        return s.active_far
    left = (expires_at - now).total_seconds()
    if left <= WINDOW_14:
        return s.within_14_days
    if left <= WINDOW_60:
        return s.within_60_days
    return s.active_far


def _seconds_to_next_edge(now: datetime, expires_at: datetime | None) -> float | None:
    """Seconds until an active domain enters the next shorter window (60 or 14 days out)."""
    if expires_at is None:
        return None
    left = (expires_at - now).total_seconds()
    if left > WINDOW_60:
        return left - WINDOW_60
    if left > WINDOW_14:
        return left - WINDOW_14
    return None


def next_check_at(
    phase: Phase,
    *,
    now: datetime,
    expires_at: datetime | None = None,
    error_streak: int = 0,
    settings: ScheduleSettings | None = None,
    rng: random.Random | None = None,
) -> datetime | None:
    """The next check time, jittered by +/- `settings.jitter` of the interval (never before now)."""
    s = settings or ScheduleSettings()
    seconds = interval_for(phase, now=now, expires_at=expires_at, error_streak=error_streak, settings=s)
    if seconds is None:
        return None
    if seconds and s.jitter:
        r = rng or random
        seconds *= 1 + r.uniform(-s.jitter, s.jitter)
        if phase is Phase.ACTIVE:
            edge = _seconds_to_next_edge(now, expires_at)
            if edge is not None and edge >= s.within_14_days:
                seconds = min(seconds, edge)
    return now + timedelta(seconds=max(seconds, 0.0))


# -- durations as operators write them ------------------------------------------------------

_UNITS = {"s": 1.0, "m": MINUTE, "h": HOUR, "d": DAY, "w": 7 * DAY}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)


def parse_duration(value: object) -> float:
    """Seconds from a number (seconds) or text such as "30d", "12h", "90m", "1d12h", "45s".

    Raises ValueError with a readable message for anything else, or for a negative value.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as \"12h\" or a number of seconds, got {value!r}")
    text = value.strip().replace(" ", "")
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise ValueError(f"a duration cannot be negative: {value!r}")
        return seconds
    pos, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2).lower()]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(
            f"not a duration: {value!r} (write e.g. \"30d\", \"12h\", \"90m\", \"1d12h\" or seconds)"
        )
    return total


def format_duration(seconds: float) -> str:
    """A short human spelling: "30d", "12h", "1h30m", "45s"."""
    seconds = round(seconds)
    if seconds <= 0:
        return "0s"
    out = ""
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1.0)):
        n, seconds = divmod(seconds, int(size))
        if n:
            out += f"{n}{unit}"
    return out

"""When to check a domain next: as often as its phase demands, with jitter to spread checks.

PyPI rechecks every address every 30 days; a domain can drop and be bought in between. Here a
domain near or past expiry is checked daily, one in redemption twice a day, one pending delete
every two hours and an available one hourly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from domainwatch_tui.core.model import Phase

HOUR = 3600.0
DAY = 24 * HOUR


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
    """Seconds until the next check, before jitter; None for phases never checked (exempt)."""
    s = settings or ScheduleSettings()
    if phase is Phase.EXEMPT:
        return None
    if phase is Phase.UNCHECKED:
        return 0.0
    if phase is Phase.UNKNOWN:
        steps = s.unknown_backoff or (DAY,)
        return steps[min(max(error_streak, 1), len(steps)) - 1]
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
    # active: by distance to expiry
    if expires_at is not None:
        left = (expires_at - now).total_seconds()
        if left <= 14 * DAY:
            return s.within_14_days
        if left <= 60 * DAY:
            # never sleep past the day it enters the 14-day window
            return min(s.within_60_days, max(left - 14 * DAY, s.within_14_days))
    return s.active_far


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
    return now + timedelta(seconds=max(seconds, 0.0))

"""The phase-adaptive schedule: every default interval, the unknown backoff, jitter, config."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from domainwatch_tui.config import ConfigError, load_config
from domainwatch_tui.core.model import Phase
from domainwatch_tui.core.schedule import (
    DAY,
    HOUR,
    ScheduleSettings,
    format_duration,
    interval_for,
    next_check_at,
    parse_duration,
)

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
NO_JITTER = ScheduleSettings(jitter=0.0)


def due(phase, *, expires_in_days=None, streak=0, settings=NO_JITTER, rng=None):
    expires = NOW + timedelta(days=expires_in_days) if expires_in_days is not None else None
    return next_check_at(phase, now=NOW, expires_at=expires, error_streak=streak,
                         settings=settings, rng=rng)


@pytest.mark.parametrize(("phase", "expires_in_days", "expected"), [
    (Phase.UNCHECKED, None, timedelta(0)),
    (Phase.ACTIVE, None, timedelta(days=30)),  # the registry publishes no expiry
    (Phase.ACTIVE, 400, timedelta(days=30)),
    (Phase.ACTIVE, 50, timedelta(days=7)),
    (Phase.ACTIVE, 10, timedelta(days=1)),
    (Phase.EXPIRING, 20, timedelta(days=1)),
    (Phase.GRACE, -5, timedelta(days=1)),
    (Phase.REDEMPTION, -35, timedelta(hours=12)),
    (Phase.PENDING_DELETE, -70, timedelta(hours=2)),
    (Phase.AVAILABLE, None, timedelta(hours=1)),
    (Phase.RE_REGISTERED, 365, timedelta(days=1)),
])
def test_every_default_interval(phase, expires_in_days, expected):
    assert due(phase, expires_in_days=expires_in_days) - NOW == expected


def test_exempt_is_never_scheduled():
    assert due(Phase.EXEMPT) is None
    assert interval_for(Phase.EXEMPT, now=NOW, expires_at=None) is None


@pytest.mark.parametrize(("streak", "hours"), [(1, 1), (2, 6), (3, 24), (4, 24), (50, 24)])
def test_unknown_backs_off_1h_6h_24h(streak, hours):
    assert due(Phase.UNKNOWN, streak=streak) - NOW == timedelta(hours=hours)


def test_unknown_without_an_error_takes_the_longest_step():
    # an unsupported TLD is not going to answer in an hour
    assert due(Phase.UNKNOWN, streak=0) - NOW == timedelta(hours=24)


def test_backoff_walks_with_a_fake_clock():
    """Three failed checks in a row, each at its due time: 1h, then 6h, then 24h later."""
    clock = NOW
    times = []
    for streak in (1, 2, 3, 4):
        nxt = next_check_at(Phase.UNKNOWN, now=clock, error_streak=streak, settings=NO_JITTER)
        times.append(nxt - clock)
        clock = nxt
    assert times == [timedelta(hours=1), timedelta(hours=6), timedelta(hours=24), timedelta(hours=24)]


def test_active_domain_never_sleeps_past_its_next_window():
    # 70 days out: a 30-day sleep would land at 40 days, past the 60-day edge
    assert due(Phase.ACTIVE, expires_in_days=70) - NOW == timedelta(days=10)
    # 20 days out: a 7-day sleep would land at 13 days, past the 14-day edge
    assert due(Phase.ACTIVE, expires_in_days=20) - NOW == timedelta(days=6)
    # just over the edge: never less than the daily interval
    assert due(Phase.ACTIVE, expires_in_days=60.2) - NOW == timedelta(days=1)


def test_active_domain_walks_through_the_windows_with_a_fake_clock():
    expires = NOW + timedelta(days=100)
    clock, gaps = NOW, []
    while clock < expires - timedelta(days=1):
        nxt = next_check_at(Phase.ACTIVE, now=clock, expires_at=expires, settings=NO_JITTER)
        gaps.append(((expires - clock).days, (nxt - clock) / timedelta(days=1)))
        clock = nxt
    far = [g for left, g in gaps if left > 60]
    mid = [g for left, g in gaps if 14 < left <= 60]
    near = [g for left, g in gaps if left <= 14]
    assert far == [30, 10]  # 100 -> 70 -> 60
    assert mid == [7, 7, 7, 7, 7, 7, 4]  # 60 -> ... -> 18 -> 14
    assert near and set(near) == {1}


def test_jitter_stays_within_bounds_and_spreads():
    rng = random.Random(7)
    settings = ScheduleSettings()  # 10 % jitter
    seen = set()
    for _ in range(500):
        delta = (due(Phase.REDEMPTION, settings=settings, rng=rng) - NOW).total_seconds()
        assert 0.9 * 12 * HOUR <= delta <= 1.1 * 12 * HOUR
        seen.add(round(delta))
    assert len(seen) > 400


def test_jitter_never_crosses_a_window_edge():
    rng = random.Random(1)
    for _ in range(300):
        nxt = due(Phase.ACTIVE, expires_in_days=70, settings=ScheduleSettings(jitter=0.5), rng=rng)
        assert nxt <= NOW + timedelta(days=10)


def test_unchecked_is_due_at_once_even_with_jitter():
    assert due(Phase.UNCHECKED, settings=ScheduleSettings(jitter=0.5)) == NOW


def test_custom_intervals():
    s = ScheduleSettings(available=600, unknown_backoff=(60, 120), jitter=0)
    assert due(Phase.AVAILABLE, settings=s) - NOW == timedelta(minutes=10)
    assert due(Phase.UNKNOWN, streak=5, settings=s) - NOW == timedelta(minutes=2)


@pytest.mark.parametrize(("text", "seconds"), [
    ("30d", 30 * DAY), ("12h", 12 * HOUR), ("90m", 5400), ("45s", 45), ("1d12h", 36 * HOUR),
    ("2w", 14 * DAY), (3600, 3600), (1.5, 1.5), ("600", 600), (" 1H 30M ", 5400),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "12x", "h12", "-5", -1, True, None, "1d soon"])
def test_parse_duration_refuses(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_format_duration():
    assert format_duration(36 * HOUR) == "1d12h"
    assert format_duration(59) == "59s"
    assert format_duration(0) == "0s"


def test_config_schedule_defaults_match_the_issue(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("")
    cfg = load_config(path, env={})
    assert cfg.schedule() == ScheduleSettings()


def test_config_schedule_from_file_and_env(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[schedule]\navailable = "15m"\nredemption = 21600\n'
                    'unknown_backoff = ["30m", "2h"]\njitter = 0.2\n')
    cfg = load_config(path, env={"DOMAINWATCH_SCHEDULE_PENDING_DELETE": "1h"})
    s = cfg.schedule()
    assert (s.available, s.redemption, s.pending_delete) == (900, 21600, 3600)
    assert s.unknown_backoff == (1800, 7200)
    assert s.jitter == 0.2


@pytest.mark.parametrize("body", ['available = "soon"', "unknown_backoff = []", 'grace = -3'])
def test_config_schedule_rejects_bad_durations(tmp_path, body):
    path = tmp_path / "c.toml"
    path.write_text(f"[schedule]\n{body}\n")
    with pytest.raises(ConfigError, match="schedule"):
        load_config(path, env={})

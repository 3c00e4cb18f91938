"""Outside text becomes inert rich Text; times are humane and relative to the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime

from domainwatch_tui.tui.text import clean, safe, when

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_markup_is_literal_and_controls_are_stripped():
    text = safe("[@click=app.quit]x[/]\x1b[31m\x07\u202eevil\x00")
    assert text.plain == "[@click=app.quit]x[/][31mevil"
    assert not text.spans
    assert clean(None) == "" and safe(None).plain == "—"
    assert safe("a" * 50, limit=10).plain == "a" * 9 + "…"


def test_relative_times_use_the_given_now():
    assert when("2026-07-04T12:00:00Z", NOW) == "in 3 days"
    assert when("2026-06-19T12:00:00Z", NOW) == "12 days ago"
    assert when("2026-07-01T10:00:00Z", NOW) == "2 hours ago"
    assert when(None, NOW) == "—"

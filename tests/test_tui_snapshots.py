"""Snapshots of every dashboard screen (seeded store, frozen clock): 120x40; main and domain at 80x24.

Update after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from test_tui_flows import make_app, settle

SIZE = (120, 40)


def _then(*steps):
    """A run_before that settles, runs each step (a key string or a callable), settling after each."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        for step in steps:
            if callable(step):
                step(pilot.app)
            else:
                await pilot.press(step)
            await settle(pilot)
        pilot.app.clear_notifications()
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would make the picture depend on timing
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_main_screen(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=_then())


def test_main_screen_filtered(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE,
                        run_before=_then("slash", "h", "e", "a", "enter"))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_domain_screen(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size,
                        run_before=_then(lambda app: app.open_domain("oldshop.com")))


def test_decision_modal(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE,
                        run_before=_then(lambda app: app.open_domain("oldshop.com"), "o"))


def test_account_screen(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE,
                        run_before=_then(lambda app: app.open_account("a01")))


def test_audit_screen(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=_then("l"))


def test_help_screen(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=_then("question_mark"))


def test_main_screen_read_only(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path, read_only=True), terminal_size=SIZE, run_before=_then())

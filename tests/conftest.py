"""Shared pytest fixtures (append-only: each engineer adds their own below)."""

from __future__ import annotations

import pytest


# -- RDAP simulator (check path) ----------------------------------------------------------------
@pytest.fixture
def rdap_sim(tmp_path):
    """The loopback RDAP simulator on a free 127.0.0.1 port for one test.

    `.base_url`, `.bootstrap_path` (dns.json-shaped, mapping the scenario's TLDs to it),
    `.set_scenario(dict | Scenario | path)`, `.set_clock(fn)`, `.requests` (what it received).
    Starts with an empty scenario (every domain: 404).
    """
    from domainwatch_tui.simulator.harness import LoopbackSimulator

    sim = LoopbackSimulator(None, tmp_path / "rdap-sim")
    try:
        yield sim
    finally:
        sim.close()


# -- foundation: a store, and the command line on a throw-away store -------------------------------
@pytest.fixture
def fresh_store(tmp_path):
    """A new, migrated store at tmp_path/store.db (closed after the test)."""
    from domainwatch_tui.core.store import Store

    store = Store(tmp_path / "store.db")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def dw_cli(tmp_path, monkeypatch):
    """`dw_cli(*args)` runs `domainwatch --db tmp_path/cli.db ARGS` in-process (CliRunner) with
    no user config and no DOMAINWATCH_* variables; returns click's Result (`.stdout`,
    `.stderr`, `.exit_code`). `dw_cli.db` is the store's path."""
    import os

    from click.testing import CliRunner

    from domainwatch_tui.cli import main

    for name in list(os.environ):
        if name.startswith("DOMAINWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    db = tmp_path / "cli.db"

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, ["--db", str(db), *args], input=input, catch_exceptions=False)

    invoke.db = db
    return invoke

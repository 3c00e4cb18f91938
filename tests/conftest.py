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

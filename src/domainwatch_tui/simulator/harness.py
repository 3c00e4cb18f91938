"""A ready-to-use loopback simulator for tests and the demo: server thread + bootstrap file.

`LoopbackSimulator(scenario, directory)` starts the simulator on a free 127.0.0.1 port in a
background thread and writes `directory/rdap-sim-dns.json`, a bootstrap file mapping the
scenario's TLDs (and common ones) to it, for `Bootstrap.load(...)` or `--rdap-bootstrap`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domainwatch_tui.core.timefmt import Clock
from domainwatch_tui.simulator.scenario import Scenario, load_scenario, scenario_from_dict
from domainwatch_tui.simulator.server import RequestRecord, SimulatorThread, write_bootstrap


def as_scenario(value: Scenario | dict[str, Any] | str | Path | None) -> Scenario:
    """A Scenario from a Scenario, a scenario dict, a file path, or None (empty: all 404)."""
    if value is None:
        return Scenario()
    if isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return scenario_from_dict(value)
    return load_scenario(value)


class LoopbackSimulator:
    """The simulator running in a thread, with its bootstrap file; `close()` stops it."""

    def __init__(self, scenario: Scenario | dict[str, Any] | str | Path | None, directory: Path, *,
                 clock: Clock | None = None, port: int = 0):
        self.directory = Path(directory)
        self.thread = SimulatorThread(as_scenario(scenario), port=port, clock=clock).start()
        self.bootstrap_path = self.directory / "rdap-sim-dns.json"
        write_bootstrap(self.thread.sim, self.bootstrap_path)

    @property
    def base_url(self) -> str:
        return self.thread.base_url

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received since the scenario was last set."""
        return self.thread.requests

    def set_scenario(self, scenario: Scenario | dict[str, Any] | str | Path | None) -> None:
        """Answer from another scenario from now on (the bootstrap file is rewritten)."""
        self.thread.set_scenario(as_scenario(scenario))
        write_bootstrap(self.thread.sim, self.bootstrap_path)

    def set_clock(self, clock: Clock) -> None:
        self.thread.set_clock(clock)

    def close(self) -> None:
        self.thread.stop()

    def __enter__(self) -> LoopbackSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

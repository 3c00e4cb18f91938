"""The headless worker in a real subprocess against the simulator: kill -9, signals, readers.

- kill -9 at several moments: the store passes `PRAGMA integrity_check`, every check the
  worker logged is in it, and the next run repeats no finished check;
- SIGINT / SIGTERM with checks in flight: exit 0 within 5 s;
- `summary` and `show` keep working (no "database is locked") while the worker writes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from domainwatch_tui.cli import main as cli

PHASES = ("redemption", "pending_delete", "available", "grace")


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMAINWATCH_")}
    config = db.parent / "config.toml"
    config.touch()
    env.update({
        "DOMAINWATCH_DB": str(db),
        "DOMAINWATCH_CONFIG": str(config),
        "DOMAINWATCH_RDAP_REQUESTS_PER_SECOND": "0",  # limits lifted: the test is about crashes
        "DOMAINWATCH_RDAP_CONCURRENCY": "16",
        "DOMAINWATCH_WORKER_BATCH_SIZE": "8",
        "DOMAINWATCH_WORKER_BATCH_SECONDS": "0.05",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def _populate(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    db = tmp_path / "store.db"
    names = [f"acct{i:04d}-{PHASES[i % len(PHASES)].replace('_', '-')}.com" for i in range(n)]
    rows = ["account_id,username,email"] + [f"{i},user{i},u{i}@{d}" for i, d in enumerate(names)]
    csv = tmp_path / "accounts.csv"
    csv.write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(csv)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db, names


def _scenario(names: list[str], latency_ms: float) -> dict:
    return {"default": "available", "latency_ms": latency_ms,
            "domains": {d: {"phase": d.split("-", 1)[1].removesuffix(".com").replace("-", "_")}
                        for d in names}}


class WorkerProc:
    """`python -m domainwatch_tui worker` in a subprocess, its stderr collected line by line."""

    def __init__(self, db: Path, bootstrap: Path, *args: str, **env: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "domainwatch_tui", "worker", "--rdap-bootstrap", str(bootstrap), *args],
            env=_env(db, **env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def changed_domains(self) -> set[str]:
        return {line.split(" ", 2)[1].rstrip(":") for line in list(self.lines) if " -> " in line}

    def wait_for(self, predicate, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise AssertionError("timed out; worker said:\n" + "\n".join(self.lines[-20:]))

    def finish(self, timeout: float = 60.0) -> int:
        rc = self.proc.wait(timeout)
        self._reader.join(5)
        return rc


def _db(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


@pytest.mark.parametrize("kill_after", [1, 37, 150])
def test_kill_9_loses_nothing_and_repeats_nothing(tmp_path, rdap_sim, kill_after):
    db, names = _populate(tmp_path, 240)
    rdap_sim.set_scenario(_scenario(names, latency_ms=3))
    proc = WorkerProc(db, rdap_sim.bootstrap_path)
    proc.wait_for(lambda: len(proc.changed_domains()) >= kill_after)
    proc.proc.send_signal(signal.SIGKILL)
    proc.finish()
    logged = proc.changed_domains()  # each line is written after its check was committed

    conn = _db(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    checked = {r[0] for r in conn.execute("SELECT DISTINCT domain FROM checks")}
    assert logged <= checked
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == len(checked)  # one each
    stale = conn.execute(
        "SELECT count(*) FROM domains d JOIN checks c ON c.id = d.last_check_id "
        "WHERE d.checked_at IS NULL OR d.next_check_at IS NULL OR d.next_check_at <= d.checked_at "
        "OR d.phase = 'unchecked'").fetchone()[0]
    assert stale == 0  # every finished check advanced its domain's next check in the same commit
    conn.close()

    # the next run takes over the dead worker's lease and checks exactly what was left
    before = len(rdap_sim.requests)
    rerun = WorkerProc(db, rdap_sim.bootstrap_path, "--once")
    assert rerun.finish() == 0, "\n".join(rerun.lines)
    asked = [r.domain for r in rdap_sim.requests[before:]]
    assert sorted(asked) == sorted(set(names) - checked)
    conn = _db(db)
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == len(names)
    assert conn.execute("SELECT count(*) FROM worker_lease").fetchone()[0] == 0
    conn.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_with_checks_in_flight_exits_0_within_5s(tmp_path, rdap_sim, signum):
    db, names = _populate(tmp_path, 60)
    scenario = _scenario(names, latency_ms=5)
    scenario["domains"][names[-1]] = {"phase": "active", "fault": "timeout", "sleep_seconds": 60}
    rdap_sim.set_scenario(scenario)
    proc = WorkerProc(db, rdap_sim.bootstrap_path, DOMAINWATCH_RDAP_TIMEOUT_SECONDS="50")
    proc.wait_for(lambda: any(r.domain == names[-1] for r in rdap_sim.requests))
    started = time.monotonic()
    proc.proc.send_signal(signum)
    assert proc.finish(timeout=10) == 0
    assert time.monotonic() - started < 5.0
    text = "\n".join(proc.lines)
    assert f"worker: {signal.Signals(signum).name}: stopping" in text
    assert "worker: stopped (" in text
    conn = _db(db)
    assert conn.execute("SELECT count(*) FROM worker_lease").fetchone()[0] == 0
    hung = conn.execute("SELECT phase FROM domains WHERE name = ?", (names[-1],)).fetchone()[0]
    assert hung == "unchecked"  # abandoned, not recorded as a failure: still due
    conn.close()


def test_cli_readers_work_while_the_worker_writes(tmp_path, rdap_sim):
    db, names = _populate(tmp_path, 400)
    rdap_sim.set_scenario(_scenario(names, latency_ms=2))
    proc = WorkerProc(db, rdap_sim.bootstrap_path, DOMAINWATCH_WORKER_BATCH_SIZE="4")
    runner = CliRunner()
    proc.wait_for(lambda: len(proc.changed_domains()) >= 5)
    results = []
    deadline = time.monotonic() + 3.0
    i = 0
    while time.monotonic() < deadline and len(proc.changed_domains()) < len(names):
        results.append(runner.invoke(cli, ["--db", str(db), "summary", "--json"]))
        results.append(runner.invoke(cli, ["--db", str(db), "show", names[i % len(names)], "--json"]))
        i += 1
    proc.proc.send_signal(signal.SIGINT)
    assert proc.finish(timeout=10) == 0
    assert len(results) >= 10
    for r in results:
        assert r.exit_code == 0, r.output
        assert "locked" not in r.output

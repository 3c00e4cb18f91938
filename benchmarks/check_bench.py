"""Benchmark: end-to-end RDAP checks per second (fetch, parse, classify, store).

Starts the RDAP simulator in a separate PROCESS (so this process's CPU is the client's alone),
with every politeness limit lifted, then checks N domains through `check_domains` into a fresh
store file, and prints checks/s for each transport asked for.

    .venv/bin/python benchmarks/check_bench.py                # 20,000 domains, both transports
    .venv/bin/python benchmarks/check_bench.py -n 5000 --transport aiohttp --in-flight 64

Run by hand; never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from domainwatch_tui.core.checking import check_domains
from domainwatch_tui.core.model import PolicySettings, RdapSettings
from domainwatch_tui.core.rdap.bootstrap import Bootstrap
from domainwatch_tui.core.rdap.client import TRANSPORTS, RdapChecker
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import system_clock, to_iso

PHASES = ("active", "expiring", "grace", "auto_renew", "redemption", "pending_delete", "available",
          "re_registered", "hold", "no_expiry")


def scenario(n: int) -> dict:
    """Default `active`; every 5th domain in another phase, so the classifier sees variety."""
    domains = {f"bench-{i}.com": PHASES[(i // 5) % len(PHASES)] for i in range(0, n, 5)}
    return {"default": "active", "latency_ms": 0, "domains": domains}


def start_simulator(workdir: Path, n: int) -> tuple[subprocess.Popen, Path]:
    scen = workdir / "scenario.json"
    scen.write_text(json.dumps(scenario(n)))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "domainwatch_tui", "simulate-rdap", "--scenario", str(scen)]
    proc = subprocess.Popen(argv,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("bootstrap file:"):
            return proc, Path(line.split(":", 1)[1].strip())
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("the simulator did not start")


async def run_one(n: int, transport: str, in_flight: int, bootstrap: Path, db: Path, *,
                  with_policy: bool = True) -> dict:
    from domainwatch_tui.core import policy

    original = policy.apply_check
    if not with_policy:  # measure the check path alone (the review queue's work switched off)
        policy.apply_check = lambda *a, **k: None
    store = Store(db)
    now = system_clock()
    at = to_iso(now)
    names = [f"bench-{i}.com" for i in range(n)]
    store.write_import_batch([], [], [(d, d, "unchecked", at, at, at) for d in names])
    settings = RdapSettings(requests_per_second=0, concurrency=0, timeout_seconds=10, retries=0)
    checker = RdapChecker(settings, Bootstrap.load(bootstrap), clock=system_clock, transport=transport)
    cpu0, t0 = time.process_time(), time.perf_counter()
    outcomes = await check_domains(store, checker, names, clock=system_clock, policy=PolicySettings(),
                                   max_in_flight=in_flight)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    policy.apply_check = original
    await checker.aclose()
    errors = sum(1 for o in outcomes if o.observation.evidence.error)
    stored = store.execute("SELECT count(*) FROM checks").fetchone()[0]
    store.close()
    return {"transport": transport, "policy": with_policy, "n": n, "seconds": round(wall, 2),
            "checks_per_s": round(n / wall), "client_cpu_s": round(cpu, 2), "errors": errors,
            "stored": stored}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--transport", choices=[*TRANSPORTS, "both"], default="both")
    ap.add_argument("--in-flight", type=int, default=64, help="concurrent fetches (default 64)")
    ap.add_argument("--no-policy", action="store_true",
                    help="also run without policy.apply_check (proposals and risk refresh)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        proc, bootstrap = start_simulator(workdir, args.n)
        try:
            for transport in (TRANSPORTS if args.transport == "both" else (args.transport,)):
                for with_policy in ((True, False) if args.no_policy else (True,)):
                    db = workdir / f"bench-{transport}-{with_policy}.db"
                    result = asyncio.run(run_one(args.n, transport, args.in_flight, bootstrap, db,
                                                 with_policy=with_policy))
                    print(json.dumps(result), flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()

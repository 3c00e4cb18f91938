"""Benchmark: end-to-end RDAP checks per second (fetch, parse, classify, store, policy hook).

Starts the RDAP simulator in a separate PROCESS (so this process's CPU is the client's alone),
with every politeness limit lifted, then checks N domains through `check_domains` into a fresh
store file, several times, and prints one JSON line per run and a summary (best and median
checks/s, with the load average at the time: the machine may be shared).

    .venv/bin/python benchmarks/check_bench.py                  # 20,000 domains, 3 runs, aiohttp
    .venv/bin/python benchmarks/check_bench.py --transport all --no-policy -n 5000 --repeat 1
    .venv/bin/python benchmarks/check_bench.py --accounts 2     # 2 verified addresses per domain
    .venv/bin/python benchmarks/check_bench.py --server-only    # what the simulator serves alone

Each run reports the client's CPU seconds (`client_cpu_s`, this process) and the simulator's
(`server_cpu_s`, read from /proc), and how busy each was (CPU seconds per wall second): a
`client_busy` near 1.0 with a `server_busy` well below it means the figure is the client's
(one core's worth of Python), not the simulator's. `--server-only` drives the simulator with a
bare aiohttp client (no parsing, no store) to show the rate it can serve at all.

Run by hand; never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
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


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


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


def seed_store(store: Store, names: list[str], accounts_per_domain: int) -> None:
    """The domains (unchecked) and, optionally, K accounts per domain with one verified address
    there each (so that the policy hook has proposals to open and risk to compute)."""
    at = to_iso(system_clock()) or ""
    accounts, emails = [], []
    for i, d in enumerate(names):
        for k in range(accounts_per_domain):
            acct = f"acct-{i}-{k}"
            accounts.append((acct, f"user{i}x{k}", k % 2, k, 10 * i, at))
            emails.append((acct, f"u{k}@{d}", d, 1, at, 1, at))
    store.write_import_batch(accounts, emails, [(d, d, "unchecked", at, at, at) for d in names])
    if accounts_per_domain:  # the per-domain counts, as an import leaves them
        store.refresh_domains(names, now=system_clock(), is_exempt=lambda _domain: False)


async def run_one(n: int, transport: str, in_flight: int, bootstrap: Path, db: Path, *,
                  with_policy: bool = True, accounts: int = 0, server_pid: int | None = None) -> dict:
    from domainwatch_tui.core import policy

    original = policy.apply_check
    if not with_policy:  # measure the check path alone (the review queue's work switched off)
        policy.apply_check = lambda *a, **k: None
    store = Store(db)
    names = [f"bench-{i}.com" for i in range(n)]
    seed_store(store, names, accounts)
    settings = RdapSettings(requests_per_second=0, concurrency=0, timeout_seconds=10, retries=0)
    checker = RdapChecker(settings, Bootstrap.load(bootstrap), clock=system_clock, transport=transport)
    load = load_average()
    server0 = process_cpu(server_pid) if server_pid else 0.0
    cpu0, t0 = time.process_time(), time.perf_counter()
    try:
        outcomes = await check_domains(store, checker, names, clock=system_clock, policy=PolicySettings(),
                                       max_in_flight=in_flight)
    finally:
        policy.apply_check = original
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    server_cpu = (process_cpu(server_pid) - server0) if server_pid else 0.0
    await checker.aclose()
    errors = sum(1 for o in outcomes if o.observation.evidence.error)
    stored = store.execute("SELECT count(*) FROM checks").fetchone()[0]
    proposals = store.execute("SELECT count(*) FROM proposals").fetchone()[0]
    store.close()
    return {"transport": transport, "policy": with_policy, "accounts_per_domain": accounts, "n": n,
            "seconds": round(wall, 2), "checks_per_s": round(n / wall), "client_cpu_s": round(cpu, 2),
            "client_cpu_us_per_check": round(cpu / n * 1e6),
            "client_busy": round(cpu / wall, 2), "server_busy": round(server_cpu / wall, 2),
            "server_cpu_s": round(server_cpu, 2),
            "load_avg_1m": load, "errors": errors, "stored": stored, "proposals": proposals}


async def serve_only(n: int, in_flight: int, bootstrap: Path, server_pid: int) -> dict:
    """The simulator alone: a bare aiohttp client GETs N answers (no parsing, no store)."""
    import aiohttp

    base = json.loads(bootstrap.read_text())["services"][0][1][0]
    urls = [f"{base}domain/bench-{i}.com" for i in range(n)]
    queue = list(reversed(urls))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as session:
        async def worker() -> None:
            while queue:
                async with session.get(queue.pop(), allow_redirects=False) as resp:
                    await resp.read()

        load = load_average()
        server0, t0 = process_cpu(server_pid), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        wall, server_cpu = time.perf_counter() - t0, process_cpu(server_pid) - server0
    per_request = server_cpu / n if server_cpu else 0.0
    return {"server_only": True, "n": n, "requests_per_s": round(n / wall),
            "server_cpu_s": round(server_cpu, 2), "server_cpu_us_per_request": round(per_request * 1e6),
            "server_requests_per_cpu_s": round(1 / per_request) if per_request else None,
            "load_avg_1m": load}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--transport", choices=[*TRANSPORTS, "all"], default="aiohttp")
    ap.add_argument("--in-flight", type=int, default=64, help="concurrent fetches (default 64)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration (default 3)")
    ap.add_argument("--accounts", type=int, default=0,
                    help="accounts per domain, each with a verified address there (default 0)")
    ap.add_argument("--no-policy", action="store_true",
                    help="also run without policy.apply_check (proposals and risk refresh)")
    ap.add_argument("--server-only", action="store_true", help="measure the simulator alone")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        proc, bootstrap = start_simulator(workdir, args.n)
        try:
            if args.server_only:
                for _ in range(args.repeat):
                    print(json.dumps(asyncio.run(serve_only(args.n, args.in_flight, bootstrap, proc.pid))),
                          flush=True)
                return
            results: dict[tuple[str, bool], list[dict]] = {}
            for rep in range(args.repeat):
                for transport in (TRANSPORTS if args.transport == "all" else (args.transport,)):
                    for with_policy in ((True, False) if args.no_policy else (True,)):
                        db = workdir / f"bench-{transport}-{with_policy}-{rep}.db"
                        result = asyncio.run(run_one(args.n, transport, args.in_flight, bootstrap, db,
                                                     with_policy=with_policy, accounts=args.accounts,
                                                     server_pid=proc.pid))
                        db.unlink()
                        print(json.dumps(result), flush=True)
                        results.setdefault((transport, with_policy), []).append(result)
            for (transport, with_policy), runs in results.items():
                rates = [r["checks_per_s"] for r in runs]
                print(json.dumps({"summary": True, "transport": transport, "policy": with_policy,
                                  "accounts_per_domain": args.accounts, "n": args.n, "runs": len(runs),
                                  "best_checks_per_s": max(rates),
                                  "median_checks_per_s": round(statistics.median(rates)),
                                  "load_avg_1m": [r["load_avg_1m"] for r in runs]}), flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()

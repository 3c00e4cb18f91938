"""Benchmark: the background worker over 100,000 domains against the RDAP simulator.

1. Limits lifted: every domain of a fresh store is checked by `Worker.run(once=True)`
   (fetch, parse, classify, store in batches); prints the sustained checks/s.
2. For each rate R (`--rates`): `[rdap] requests_per_second = R` for the one simulator host;
   the worker runs for `--seconds`; every request start is timestamped on the client side (an
   httpx transport wrapper, after the politeness limiter) and on the simulator side. Prints the
   achieved rate (>= 0.95 R wanted) and the largest count in any sliding one-second window
   after the first second (<= R wanted; the first second may hold one second's worth).

The simulator runs in a separate PROCESS (this file with `--serve`), so the worker's CPU is its
own; it writes its request times (CLOCK_MONOTONIC, comparable across processes) on SIGTERM.

    .venv/bin/python benchmarks/worker_bench.py                 # 100,000 domains; R = 5 and 50
    .venv/bin/python benchmarks/worker_bench.py -n 20000 --rates 20 --seconds 10

Run by hand; never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from httpx_aiohttp import AiohttpTransport

from domainwatch_tui.core.model import PolicySettings, RdapSettings
from domainwatch_tui.core.rdap.bootstrap import Bootstrap
from domainwatch_tui.core.rdap.client import RdapChecker
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import system_clock, to_iso
from domainwatch_tui.core.worker import Worker, WorkerSettings
from domainwatch_tui.core.worker_progress import WorkerProgress

PHASES = ("active", "expiring", "grace", "redemption", "pending_delete", "available", "re_registered")


# -- the simulator process ----------------------------------------------------------------------
def serve(dump: Path) -> None:
    """Run the simulator until SIGTERM, then write its request times to `dump`."""
    from domainwatch_tui.simulator.scenario import scenario_from_dict
    from domainwatch_tui.simulator.server import RdapSimulator, start

    domains = {f"w{i:06d}.com": PHASES[(i // 10) % len(PHASES)] for i in range(0, 1_000_000, 10)}
    sim = RdapSimulator(scenario_from_dict({"default": "active", "domains": domains}))

    async def main() -> None:
        runner = await start(sim)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        print(sim.base_url, flush=True)
        await stop.wait()
        dump.write_text(json.dumps([r.at for r in sim.requests]))
        await runner.cleanup()

    asyncio.run(main())


def start_simulator(workdir: Path) -> tuple[subprocess.Popen, str, Path]:
    dump = workdir / "sim-requests.json"
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(dump)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    base = proc.stdout.readline().strip()
    if not base.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit("the simulator did not start")
    return proc, base, dump


def stop_simulator(proc: subprocess.Popen, dump: Path) -> list[float]:
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    return json.loads(dump.read_text())


# -- the store ----------------------------------------------------------------------------------
def make_store(path: Path, n: int) -> Store:
    store = Store(path)
    now = system_clock()
    with store.transaction():
        for i in range(n):
            store.add_domain(f"w{i:06d}.com", None, now=now)
        store.execute("UPDATE domains SET risk = (abs(random()) % 1000) / 10.0")
    return store


def make_all_due(store: Store) -> None:
    with store.transaction():
        store.execute("UPDATE domains SET next_check_at = ?", (to_iso(system_clock()),))


# -- measuring ----------------------------------------------------------------------------------
class RecordingTransport(httpx.AsyncBaseTransport):
    """Timestamps each request as it is sent (after the politeness limiter), then delegates."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.times: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.times.append(time.monotonic())
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def windows(times: list[float]) -> tuple[int, int]:
    """(requests in the first second, the most in any sliding 1 s window starting after it)."""
    times = sorted(times)
    if not times:
        return 0, 0
    t0 = times[0]
    first = bisect.bisect_left(times, t0 + 1.0)
    worst = 0
    for i, t in enumerate(times):
        if t < t0 + 1.0:
            continue
        worst = max(worst, bisect.bisect_left(times, t + 1.0) - i)
    return first, worst


def tightest_span(times: list[float], r: int) -> float | None:
    """The shortest time covering r + 1 consecutive requests (>= 1 s means never above r per second)."""
    times = sorted(times)
    spans = [times[i + r] - times[i] for i in range(len(times) - r)]
    return min(spans) if spans else None


def achieved(times: list[float]) -> float:
    times = sorted(times)
    if len(times) < 2:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


# -- the runs -----------------------------------------------------------------------------------
async def run_lifted(store: Store, bootstrap: Bootstrap, n: int, in_flight: int) -> float:
    settings = RdapSettings(requests_per_second=0, concurrency=0, retries=0)
    last: list[WorkerProgress] = []

    def progress(p: WorkerProgress) -> None:
        last.append(p)
        if len(last) % 40 == 0:
            print(f"  {p.done:,}/{p.total:,} at {p.rate:,.0f}/s", file=sys.stderr)

    worker = Worker(store, lambda: RdapChecker(settings, bootstrap, clock=system_clock),
                    clock=system_clock, policy=PolicySettings(),
                    settings=WorkerSettings(max_in_flight=in_flight, batch_size=256),
                    on_progress=progress)
    started = time.perf_counter()
    final = await worker.run(once=True)
    elapsed = time.perf_counter() - started
    assert final.checked_total == n, final
    return n / elapsed


async def run_limited(store: Store, bootstrap: Bootstrap, rate: float, seconds: float) -> list[float]:
    settings = RdapSettings(requests_per_second=rate, concurrency=4, retries=0)
    transport = RecordingTransport(AiohttpTransport(limits=httpx.Limits(max_connections=64)))
    worker = Worker(store, lambda: RdapChecker(settings, bootstrap, clock=system_clock, transport=transport),
                    clock=system_clock, policy=PolicySettings(), settings=WorkerSettings())
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(seconds)
    worker.stop(abandon=True)
    await task
    return transport.times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="domains in the store")
    parser.add_argument("--in-flight", type=int, default=256, help="worker max_in_flight, limits lifted")
    parser.add_argument("--rates", default="5,50", help="comma-separated R values for the limited runs")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each limited run")
    parser.add_argument("--skip-policy", action="store_true",
                        help="replace the review-queue hook (policy.apply_check) by a no-op, to "
                             "measure the worker loop and the check path without it")
    parser.add_argument("--no-lifted", action="store_true", help="skip the limits-lifted run")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.skip_policy:
        from domainwatch_tui.core import policy

        policy.apply_check = lambda *a, **k: None  # type: ignore[assignment]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        t = time.perf_counter()
        store = make_store(workdir / "bench.db", args.n)
        print(f"store: {args.n:,} domains in {time.perf_counter() - t:.1f}s")
        proc, base, dump = start_simulator(workdir)
        try:
            bootstrap = Bootstrap({"com": base})
            if not args.no_lifted:
                rate = asyncio.run(run_lifted(store, bootstrap, args.n, args.in_flight))
                print(f"limits lifted: {args.n:,} domains checked at {rate:,.0f} checks/s sustained "
                      f"(max_in_flight {args.in_flight}"
                      f"{', policy hook skipped' if args.skip_policy else ''})")
            marks: list[tuple[float, float, float]] = []
            for r in [float(x) for x in args.rates.split(",") if x.strip()]:
                make_all_due(store)
                begin = time.monotonic()
                client_times = asyncio.run(run_limited(store, bootstrap, r, args.seconds))
                marks.append((r, begin, time.monotonic()))
                first, worst = windows(client_times)
                span = tightest_span(client_times, int(r))
                ok = achieved(client_times) >= 0.95 * r and worst <= r and first <= r
                print(f"R = {r:g}/s for {args.seconds:g}s, client side: {len(client_times):,} requests, "
                      f"achieved {achieved(client_times):.2f}/s ({achieved(client_times) / r:.1%} of R), "
                      f"first second {first}, busiest later 1 s window {worst}, "
                      f"tightest {int(r) + 1} consecutive requests {span:.4f}s -> "
                      f"{'OK' if ok else 'NOT MET'}")
        finally:
            server_times = stop_simulator(proc, dump)
        for r, begin, end in marks:
            sel = [x for x in server_times if begin <= x <= end]
            first, worst = windows(sel)
            span = tightest_span(sel, int(r))
            print(f"R = {r:g}/s, simulator side: {len(sel):,} requests, achieved {achieved(sel):.2f}/s, "
                  f"first second {first}, busiest later 1 s window {worst}, tightest {int(r) + 1} "
                  f"consecutive {span:.4f}s (includes loopback jitter)")
        store.close()


if __name__ == "__main__":
    main()

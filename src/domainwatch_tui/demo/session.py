"""Building and running the demo: store, simulator, clock, checker, and their clean shutdown.

`DemoSession(options, config).start()`:

1. removes the previous demo store (only a store this module made: a marker file sits next to
   it) and imports the generated accounts through the real importer (the JSON Lines file is
   kept next to the store, as an example of the import format);
2. starts the RDAP simulator on a free 127.0.0.1 port in a background thread, with the demo
   scenario and a generated bootstrap file mapping the demo TLDs to it;
3. checks the domains that are not healthy (and the healthy ones with the most downloads) once
   over HTTP against the simulator, so that the first screen shows every group and the review
   queue filled; the healthy majority is
   left `unchecked` for the dashboard's worker, which checks it on screen in the first
   seconds (`precheck="all"` checks everything first, as the screenshots do).

`make_app()` gives the dashboard wired to the same simulated clock, with an RDAP checker that
uses the generated bootstrap only (nothing ever leaves 127.0.0.1); `close()` stops the
simulator. The store is rebuilt on every run: the scenario is anchored at the start time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domainwatch_tui.config import Config
from domainwatch_tui.core.addresses import exempt_matcher, to_alabel
from domainwatch_tui.core.checking import check_domains
from domainwatch_tui.core.decisions import decide
from domainwatch_tui.core.importer import import_file
from domainwatch_tui.core.model import RdapSettings
from domainwatch_tui.core.rdap.bootstrap import Bootstrap
from domainwatch_tui.core.rdap.client import RdapChecker
from domainwatch_tui.core.store import Store
from domainwatch_tui.demo.accounts import FEATURED, DemoData, generate_accounts
from domainwatch_tui.demo.clock import SimClock
from domainwatch_tui.demo.scenario import DemoScenario, build_scenario
from domainwatch_tui.simulator.harness import LoopbackSimulator

MARKER_SUFFIX = ".demo.json"
#: Scenario roles of healthy domains: the worker checks those once the dashboard is up.
HEALTHY_ROLES = frozenset({"active", "no_expiry", "hold", "inactive"})
PRECHECK = ("lapsing", "all", "none")
#: How many healthy domains (those with the most downloads) the "lapsing" first pass checks too.
PRECHECK_HEALTHY = 40
#: Who took the decisions already in the demo's audit log.
PAST_OPERATOR = "alice"
FEATURED_NAMES = frozenset(to_alabel(name) for _, name, _ in FEATURED)
#: RDAP limits towards the loopback simulator (a real registry gets the config's limits).
DEMO_RDAP = RdapSettings(requests_per_second=2000.0, concurrency=48, timeout_seconds=5.0, retries=1,
                         max_retry_after_seconds=5.0)
#: The worker polls often: simulated time runs thousands of times faster than real time.
DEMO_WORKER = {"idle_poll_seconds": 0.5, "batch_seconds": 0.25, "heartbeat_seconds": 2.0,
               "lease_timeout_seconds": 10**9}


class DemoError(Exception):
    """The demo cannot be built (with a message for the operator)."""


@dataclass
class DemoOptions:
    """What `domainwatch demo` was asked for."""

    db_path: Path
    accounts: int = 5000
    seed: int = 7
    speed: float = 1.0
    start: datetime | None = None  # simulated start; default: now (UTC, whole minute)
    precheck: str = "lapsing"  # before the dashboard opens, check: "lapsing" | "all" | "none"
    sequential: bool = False  # one check at a time: the same ids on every run (screenshots)


@dataclass
class BuildReport:
    """How the build went (timings in real seconds)."""

    accounts: int = 0
    emails: int = 0
    domains: int = 0
    checked: int = 0
    import_seconds: float = 0.0
    check_seconds: float = 0.0
    total_seconds: float = 0.0
    phases: dict[str, int] = field(default_factory=dict)


def demo_config(base: Config) -> Config:
    """`base` with the demo's worker settings and no RDAP server of the operator's config."""
    values = {section: dict(keys) for section, keys in base.values.items()}
    values["worker"].update(DEMO_WORKER)
    r = DEMO_RDAP
    values["rdap"].update({"requests_per_second": r.requests_per_second, "concurrency": r.concurrency,
                           "timeout_seconds": r.timeout_seconds, "retries": r.retries,
                           "max_retry_after_seconds": r.max_retry_after_seconds,
                           "bootstrap_file": None, "servers": {}})
    return Config(values=values, source=base.source, warnings=list(base.warnings))


def remove_demo_store(db_path: Path) -> None:
    """Delete a previous demo store; refuse a store that the demo did not make."""
    marker = db_path.with_name(db_path.name + MARKER_SUFFIX)
    if db_path.exists() and not marker.exists():
        raise DemoError(f"{db_path} exists and is not a demo store (no {marker.name} next to it); "
                        "refusing to replace it. Choose another --db.")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    marker.unlink(missing_ok=True)


class DemoSession:
    """One demo run: `start()`, `make_app()`, `close()` (also a context manager)."""

    def __init__(self, options: DemoOptions, config: Config):
        if options.accounts < 1:
            raise DemoError("--accounts must be at least 1")
        if options.precheck not in PRECHECK:
            raise DemoError(f"precheck: one of {', '.join(PRECHECK)}")
        self.options = options
        self.config = demo_config(config)
        start = options.start or datetime.now(UTC).replace(second=0, microsecond=0)
        self.clock = SimClock(start, options.speed)
        self.directory = options.db_path.parent / (options.db_path.stem + "-sim")
        self.simulator: LoopbackSimulator | None = None
        self.data: DemoData | None = None
        self.scenario: DemoScenario | None = None
        self.report = BuildReport()

    # -- building ----------------------------------------------------------------------------------
    def start(self) -> DemoSession:
        """Build the store, start the simulator and check the domains once (see the module doc)."""
        began = time.perf_counter()
        opts = self.options
        remove_demo_store(opts.db_path)
        opts.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        start = self.clock.start
        self.data = generate_accounts(opts.accounts, opts.seed, start)
        self.scenario = build_scenario(self.data, start=start, seed=opts.seed)
        rows_path = self.directory / "demo-accounts.jsonl"
        with rows_path.open("w", encoding="utf-8") as fh:
            for row in self.data.rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        t0 = time.perf_counter()
        matcher = exempt_matcher(self.config.get("providers", "exempt"))
        with Store(opts.db_path) as store:
            result = import_file(store, rows_path, now=start, is_exempt=matcher, fmt="jsonl")
        self.report.import_seconds = time.perf_counter() - t0
        self.report.accounts, self.report.emails, self.report.domains = (
            result.accounts, result.emails, result.domains)
        if result.rejected:
            raise DemoError(f"the generated accounts were rejected by the importer: {result.rejects[:3]}")
        marker = opts.db_path.with_name(opts.db_path.name + MARKER_SUFFIX)
        marker.write_text(json.dumps({"seed": opts.seed, "accounts": opts.accounts,
                                      "start": start.isoformat()}) + "\n", encoding="utf-8")
        self.simulator = LoopbackSimulator(self.scenario.doc, self.directory, clock=self.clock)
        if opts.precheck != "none":
            t1 = time.perf_counter()
            self.report.checked = asyncio.run(self._precheck())
            self.report.check_seconds = time.perf_counter() - t1
            self._past_decisions()
        with Store(opts.db_path) as store:
            self.report.phases = store.phase_counts()
        self.report.total_seconds = time.perf_counter() - began
        return self

    def left_unchecked(self) -> list[str]:
        """The domains the first pass leaves to the worker (sorted)."""
        assert self.scenario is not None
        if self.options.precheck == "all":
            return []
        if self.options.precheck == "none":
            return sorted(self.scenario.roles)
        assert self.data is not None
        healthy = [d for d, role in self.scenario.roles.items() if role in HEALTHY_ROLES]
        # the healthy domains with the most downloads are checked first, as the worker would
        healthy.sort(key=lambda d: (-self.data.domains[d].downloads, d))
        return sorted(healthy[PRECHECK_HEALTHY:])

    async def _precheck(self) -> int:
        skip = set(self.left_unchecked())
        with Store(self.options.db_path) as store:
            names = [d for d in store.checkable_domains() if d not in skip]
            checker = self.checker_factory()
            try:  # one transaction for the whole pass: much faster than one per domain
                with store.transaction():
                        outcomes = await check_domains(store, checker, names, clock=self.clock,
                                                   policy=self.config.policy(),
                                                   schedule=self.config.schedule(),
                                                   max_in_flight=1 if self.options.sequential
                                                   else DEMO_RDAP.concurrency)
            finally:
                await checker.aclose()
        return len(outcomes)

    def _past_decisions(self) -> None:
        """Two decisions a colleague took before the demo starts, so the audit log has a history:
        an un-verification confirmed on a domain in redemption, an override on an available one."""
        policy = self.config.policy()
        now = self.clock()
        with Store(self.options.db_path) as store:
            review = set(store.domain_names("review"))
            plans = (("redemption", "confirm", "Redemption since last month; two emails to the owner bounced "
                      "(ticket SEC-1042)", None),
                     ("available", "override", "The owner called: they are re-registering it today "
                      "(ticket SEC-1043)", now + timedelta(days=3)))
            for phase, action, reason, until in plans:
                names = [n for n in store.domain_names(phase) if n in review and n not in FEATURED_NAMES]
                if names:
                    decide(store, names[0], action, operator=PAST_OPERATOR, reason=reason, until=until,
                           now=now, settings=policy)

    # -- running -----------------------------------------------------------------------------------
    @property
    def bootstrap_path(self) -> Path:
        if self.simulator is None:
            raise DemoError("the demo is not started")
        return self.simulator.bootstrap_path

    def checker_factory(self) -> RdapChecker:
        """An RDAP checker that knows only the simulator (called inside the worker's event loop)."""
        bootstrap = Bootstrap.load(self.bootstrap_path)
        return RdapChecker(replace(self.config.rdap(), bootstrap_file=str(self.bootstrap_path)), bootstrap,
                           clock=self.clock)

    def make_app(self, *, operator: str = "demo", start_worker: bool = True):
        """The dashboard on the demo store (a `DemoApp`, which stops this session when it exits)."""
        from domainwatch_tui.demo.app import DemoApp

        return DemoApp(self, operator=operator, start_worker=start_worker)

    def close(self) -> None:
        """Stop the simulator (idempotent); nothing is left running."""
        sim, self.simulator = self.simulator, None
        if sim is not None:
            with contextlib.suppress(Exception):
                sim.close()

    @property
    def running(self) -> bool:
        return self.simulator is not None

    def __enter__(self) -> DemoSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

"""`domainwatch demo [--accounts N] [--seed S] [--speed X]`: the whole tool in one command.

Builds a fresh demo store (`demo.db` in the user data folder, or the global `--db` when it is
given: a file the demo made before, or a new one; an operator's store is never replaced),
starts the RDAP simulator on a free 127.0.0.1 port, and opens the dashboard with the worker
checking for real over HTTP against it, on a simulated clock. Quitting the dashboard stops
the worker and the simulator.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from domainwatch_tui.cli.context import EXIT_USAGE, fail, get_ctx, info
from domainwatch_tui.config import data_dir

#: When the command started (for the time-to-first-screen line printed after the demo).
_STARTED = time.monotonic()


def demo_db_path(ctx: click.Context) -> Path:
    """The global `--db` when it was given on the command line, else demo.db in the data folder."""
    root = ctx.find_root()
    given = root.params.get("db")
    return Path(given) if given else data_dir() / "demo.db"


@click.command("demo")
@click.option("--accounts", type=click.IntRange(1, 1_000_000), default=5000, show_default=True,
              help="How many synthetic accounts to generate.")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Seed of the generator: the same seed gives the same accounts and scenario.")
@click.option("--speed", type=click.FloatRange(0, 1000), default=1.0, show_default=True,
              help="Simulated days per 10 real seconds (0 freezes simulated time).")
@click.pass_context
def demo_command(ctx: click.Context, accounts: int, seed: int, speed: float) -> None:
    """Build a demo store and open the dashboard on it, checking a loopback RDAP simulator.

    The store (default: demo.db in the user data folder; the global --db chooses another) is
    rebuilt on every run; a store the demo did not make is never replaced. Nothing leaves
    127.0.0.1, and quitting the dashboard (q) stops the worker and the simulator.
    """
    from domainwatch_tui.demo.session import DemoError, DemoOptions, DemoSession

    app_ctx = get_ctx()
    db_path = demo_db_path(ctx)
    options = DemoOptions(db_path=db_path, accounts=accounts, seed=seed, speed=speed)
    try:
        session = DemoSession(options, app_ctx.config)
    except DemoError as exc:
        fail(str(exc), code=EXIT_USAGE)
        return
    try:
        info(f"domainwatch demo: building {accounts:,} synthetic accounts in {db_path} …")
        session.start()
        r = session.report
        info(f"domainwatch demo: {r.accounts:,} accounts, {r.domains:,} domains; {r.checked:,} checked "
             f"against the simulator at {session.simulator.base_url if session.simulator else '?'} "
             f"in {r.total_seconds:.1f} s")
        app = session.make_app(operator=app_ctx.operator)
        app.run()
    except DemoError as exc:
        fail(str(exc))
    finally:
        session.close()
    first = getattr(app, "first_screen_at", None) if "app" in locals() else None
    if first is not None:
        info(f"domainwatch demo: first screen {first - _STARTED:.1f} s after the command started; "
             f"the simulator is stopped. The demo store stays at {db_path}.")


COMMANDS = [demo_command]

__all__ = ["COMMANDS", "demo_db_path"]

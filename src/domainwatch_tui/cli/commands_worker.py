"""`domainwatch worker [--once]`: the headless background worker.

Checks what is due (highest risk first) within the per-host RDAP limits, then sleeps until the
next check falls due. Logs to standard error: one line per worker state change, one per domain
phase change, and a summary every `[worker] summary_seconds`. SIGINT or SIGTERM: in-flight
checks get `[worker] stop_grace_seconds` to finish, the rest are abandoned (they stay due), and
the command exits 0; a second signal abandons at once.

Beside the checks it ends overrides whose `--until` has passed (about once a minute) and, when
`[webhook] url` is set, delivers the webhook outbox every few seconds (signed; a failure is
logged here and the notification stays queued; `--once` makes one delivery pass at the end).
It refuses a demo store: those are checked by `domainwatch demo` against its simulator only.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import click

from domainwatch_tui.cli.backends import build_checker, webhook_sender
from domainwatch_tui.cli.context import EXIT_OK, EXIT_PARTIAL, fail, get_ctx
from domainwatch_tui.config import data_dir
from domainwatch_tui.core.demo_marker import demo_refusal
from domainwatch_tui.core.rdap.bootstrap import Bootstrap, BootstrapError
from domainwatch_tui.core.timefmt import system_clock, to_iso
from domainwatch_tui.core.worker import Worker
from domainwatch_tui.core.worker_progress import ProgressLog, WorkerState


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@click.command("worker")
@click.option("--once", is_flag=True, help="Check what is due now, then exit (for cron).")
@click.option("--rdap-bootstrap", "bootstrap_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An RDAP bootstrap file (IANA dns.json shape) to use instead of "
                                 "the shipped one (e.g. the simulator's).")
def worker_command(once: bool, bootstrap_file: Path | None) -> None:
    """The background worker: checks due domains, highest risk first, forever or --once.

    Only one worker runs per store; another one waits and says who holds the store.
    Ctrl-C or SIGTERM stops it cleanly (exit 0). With --once: exit 1 when another worker
    holds the store, 3 when some checks ended `unknown` because of errors.
    """
    app = get_ctx()
    refusal = demo_refusal(app.db_path)
    if refusal:  # synthetic domains must never go to real registries
        fail(f"{app.db_path}: {refusal} (its synthetic domains are checked against the demo's "
             "loopback RDAP simulator, never real registries)")
    cfg = app.config
    rdap = cfg.rdap()
    try:
        bootstrap = Bootstrap.load(bootstrap_file or rdap.bootstrap_file, rdap.servers, data_dir=data_dir())
    except BootstrapError as exc:
        raise click.UsageError(f"RDAP bootstrap: {exc}") from None
    store = app.open_store()
    # the sender gets a connection of its own: the worker's may be inside a batch transaction
    notify_store = app.open_store()
    sender = webhook_sender(cfg, notify_store, system_clock)  # None without [webhook] url
    settings = cfg.worker()
    log = ProgressLog(_err, clock=system_clock, monotonic=time.monotonic,
                      summary_seconds=settings.summary_seconds)
    worker = Worker(
        store, lambda: build_checker(cfg, None, bootstrap, system_clock),  # [backends], signals
        clock=system_clock, policy=cfg.policy(), schedule=cfg.schedule(), settings=settings,
        on_progress=log.progress, on_outcome=log.outcome, on_log=log.line,
        notifier=None if sender is None else (lambda: sender),  # made here; the worker closes it
    )
    hook = "on" if sender is not None else "off (no [webhook] url)"
    log.line(f"worker: starting as {worker.holder} on {app.db_path} "
             f"(rdap: {rdap.requests_per_second:g} req/s and {rdap.concurrency} in flight per host; "
             f"webhook: {hook})")
    try:
        final = asyncio.run(_run(worker, log, once=once, grace=settings.stop_grace_seconds))
    except Exception as exc:  # the store or the event loop failed: say so, exit 1
        fail(f"worker failed: {type(exc).__name__}: {exc}")
        return
    if final.state is WorkerState.WAITING_FOR_LEASE:
        beat = f", last heartbeat {to_iso(final.lease_heartbeat_at)}" if final.lease_heartbeat_at else ""
        fail(f"another worker holds this store: {final.lease_holder}{beat}; nothing was checked")
    if once and final.errors_total:
        sys.exit(EXIT_PARTIAL)
    sys.exit(EXIT_OK)


async def _run(worker: Worker, log: ProgressLog, *, once: bool, grace: float):
    loop = asyncio.get_running_loop()
    signals_seen = 0

    def on_signal(signum: int) -> None:
        nonlocal signals_seen
        signals_seen += 1
        name = signal.Signals(signum).name
        if signals_seen == 1:
            log.line(f"worker: {name}: stopping; in-flight checks get {grace:g}s to finish")
            worker.stop()
        else:
            log.line(f"worker: {name} again: abandoning in-flight checks")
            worker.stop(abandon=True)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        return await worker.run(once=once)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


COMMANDS = [worker_command]

__all__ = ["COMMANDS"]

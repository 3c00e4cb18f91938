"""Commands of the dashboard: `tui [--read-only]` and `serve [--port N]` (browser, 127.0.0.1)."""

from __future__ import annotations

import asyncio
import shlex
import sys

import click

from domainwatch_tui.cli.context import EXIT_USAGE, fail, get_ctx
from domainwatch_tui.config import data_dir
from domainwatch_tui.core.timefmt import system_clock


@click.command("tui")
@click.option("--read-only", is_flag=True,
              help="Look without touching: no worker, no checks, no decisions (those keys are greyed out).")
def tui_command(read_only: bool) -> None:
    """Open the dashboard on the store (the default when no command is given)."""
    from domainwatch_tui.cli.backends import build_checker, webhook_sender
    from domainwatch_tui.core.rdap.bootstrap import Bootstrap, BootstrapError
    from domainwatch_tui.core.store import Store
    from domainwatch_tui.tui.app import DomainwatchApp

    ctx = get_ctx()
    cfg = ctx.config
    ctx.open_store(read_only=read_only)  # exits 1 with a clear message when the store cannot open
    ctx.close()
    settings = cfg.rdap()
    checker_factory = notifier_factory = None
    if not read_only:
        try:
            bootstrap = Bootstrap.load(settings.bootstrap_file, settings.servers, data_dir=data_dir())
        except BootstrapError as exc:
            fail(f"RDAP bootstrap: {exc}", code=EXIT_USAGE)
        asyncio.run(build_checker(cfg, None, bootstrap, system_clock).aclose())  # a bad config fails now
        db_path = ctx.db_path

        def checker_factory():
            # the same checker as `check` and `worker`: [backends], DNS and registrar signals
            return build_checker(cfg, None, bootstrap, system_clock)

        if cfg.values["webhook"]["url"]:
            webhook_sender(cfg, None, system_clock)  # an unusable URL fails now (UsageError)

            def notifier_factory():
                # called on the worker's thread: the sender's connection belongs to it
                return webhook_sender(cfg, Store(db_path), system_clock)

    app = DomainwatchApp(ctx.db_path, clock=system_clock, checker_factory=checker_factory,
                         notifier_factory=notifier_factory, read_only=read_only, operator=ctx.operator,
                         config=cfg)
    app.run()


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1.")
@click.option("--read-only", is_flag=True, help="Serve the dashboard read-only.")
def serve_command(port: int, read_only: bool) -> None:
    """Serve the dashboard in a browser (textual-serve) on 127.0.0.1 only."""
    from textual_serve.server import Server

    ctx = get_ctx()
    ctx.open_store(read_only=read_only)
    ctx.close()
    argv = [sys.executable, "-m", "domainwatch_tui", "--db", str(ctx.db_path), "--operator", ctx.operator]
    if ctx.config_path is not None:
        argv += ["--config", str(ctx.config_path)]
    argv += ["tui"] + (["--read-only"] if read_only else [])
    click.echo(f"domainwatch: serving the dashboard on http://127.0.0.1:{port}/ (Ctrl+C stops)", err=True)
    Server(shlex.join(argv), host="127.0.0.1", port=port, title="domainwatch").serve()


COMMANDS: list[click.Command] = [tui_command, serve_command]

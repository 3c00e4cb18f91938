"""The `domainwatch` command line (click). Thin: parse, call the core, print."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import click

from domainwatch_tui import __version__
from domainwatch_tui.cli.context import AppContext
from domainwatch_tui.config import default_config_path, default_db_path, default_operator


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"domainwatch: warning: {message}", err=True)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The store (SQLite). Default: $DOMAINWATCH_DB, else domainwatch.db in the "
                   "user data folder.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The TOML config file. Default: $DOMAINWATCH_CONFIG, else config.toml in the "
                   "user config folder.")
@click.option("--operator", default=None,
              help="Who is acting, recorded on every decision. Default: $DOMAINWATCH_OPERATOR, "
                   "else the login name.")
@click.version_option(__version__, prog_name="domainwatch")
@click.pass_context
def main(ctx: click.Context, db: Path | None, config: Path | None, operator: str | None) -> None:
    """domainwatch: find the accounts exposed to domain resurrection and act on them.

    Without a command, opens the dashboard on the store.
    """
    warnings.showwarning = _show_warning
    app = AppContext(
        db_path=db or default_db_path(),
        config_path=config or (default_config_path() if os.environ.get("DOMAINWATCH_CONFIG") else None),
        operator=operator or default_operator(),
    )
    ctx.obj = app
    ctx.call_on_close(app.close)
    if ctx.invoked_subcommand is None:
        tui = main.get_command(ctx, "tui")
        if tui is None:
            click.echo(ctx.get_help())
            return
        ctx.invoke(tui)


def _register() -> None:
    """Attach each command module's commands (one import per module)."""
    from domainwatch_tui.cli import (
        commands_check,
        commands_demo,
        commands_foundation,
        commands_review,
        commands_tui,
        commands_webhooks,
        commands_worker,
    )

    for module in (commands_foundation, commands_check, commands_worker, commands_review, commands_tui,
                   commands_demo, commands_webhooks):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

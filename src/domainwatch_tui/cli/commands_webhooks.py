"""`domainwatch webhooks status|send`: the notification outbox and its sender.

Events are written to the store's outbox by the check path and by decisions; `webhooks send`
delivers what is due to `[webhook] url` (once, or `--loop` until interrupted), signed with
HMAC-SHA256. `webhooks status` shows what is waiting and the last error.
"""

from __future__ import annotations

import asyncio
import sys

import click

from domainwatch_tui.cli.backends import webhook_sender
from domainwatch_tui.cli.context import EXIT_OK, EXIT_PARTIAL, emit_json, fail, get_ctx, info
from domainwatch_tui.core.timefmt import system_clock


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhook notifications: what is waiting in the outbox, and sending it."""


@webhooks_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on standard output.")
def webhooks_status(as_json: bool) -> None:
    """Undelivered notifications, how many have failed, and the last delivery error."""
    app = get_ctx()
    store = app.open_store(read_only=True)
    status = store.outbox_status()
    url = app.config.values["webhook"]["url"]
    if as_json:
        emit_json({"url_configured": bool(url), **status.as_dict(), "waiting": store.outbox_items()})
        return
    click.echo(f"webhook: {'configured' if url else 'not configured ([webhook] url)'}")
    click.echo(f"undelivered: {status.undelivered} (failing: {status.failing}); "
               f"delivered: {status.delivered}")
    if status.oldest_undelivered_at:
        click.echo(f"oldest waiting since: {status.oldest_undelivered_at}")
    if status.last_error:
        safe = "".join(ch if ch.isprintable() else " " for ch in status.last_error)
        click.echo(f"last error ({status.last_error_at}): {safe}")


@webhooks_group.command("send")
@click.option("--loop", is_flag=True, help="Keep sending as events arrive, until interrupted.")
@click.option("--interval", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds between passes with --loop.")
def webhooks_send(loop: bool, interval: float) -> None:
    """Deliver the due notifications. Exit 3 when a delivery failed (it stays queued)."""
    app = get_ctx()
    store = app.open_store()
    sender = webhook_sender(app.config, store, system_clock)
    if sender is None:
        fail("no webhook configured: set [webhook] url in the config file", code=2)
        return

    async def main() -> int:
        failed = 0
        try:
            while True:
                report = await sender.run_once()
                if report.delivered or report.failed:
                    info(f"delivered {report.delivered}, failed {report.failed}"
                         + (f": {report.last_error}" if report.last_error else ""))
                failed = report.failed
                if not loop:
                    return failed
                await asyncio.sleep(interval)
        finally:
            await sender.aclose()

    try:
        failed = asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(EXIT_OK)
    sys.exit(EXIT_PARTIAL if failed else EXIT_OK)


COMMANDS = [webhooks_group]

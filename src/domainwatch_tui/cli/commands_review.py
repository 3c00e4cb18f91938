"""Commands of the review queue: decide (confirm / override / revert) and export."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from domainwatch_tui.cli.context import EXIT_USAGE, emit_json, fail, get_ctx, info, stdout_is_utf8
from domainwatch_tui.core.addresses import AddressError, normalise_domain_arg
from domainwatch_tui.core.decisions import (
    DECISION_FIELDS,
    PROPOSAL_FIELDS,
    PolicyError,
    decide,
    decision_record,
    proposal_record,
)
from domainwatch_tui.core.timefmt import parse_iso, system_clock, to_iso

_DONE = {"confirm": "un-verified", "override": "kept verified (override)", "revert": "re-verified"}


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("decide")
@click.argument("domain")
@click.option("--confirm", "confirm", is_flag=True, help="Un-verify the domain's proposed addresses.")
@click.option("--override", "override", is_flag=True,
              help="Keep them verified; lapses when the domain gets worse or at --until.")
@click.option("--revert", "revert", is_flag=True, help="Re-verify addresses a confirm un-verified.")
@click.option("--reason", required=True, help="Why (required; recorded on the audit trail).")
@click.option("--until", callback=_parse_date, default=None, metavar="DATE",
              help="With --override: the override ends at this date (ISO 8601, UTC).")
@click.option("--force", is_flag=True,
              help="Revert a re_registered domain, or confirm with no pending proposal.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def decide_command(domain: str, confirm: bool, override: bool, revert: bool, reason: str, until: Any,
                   force: bool, as_json: bool) -> None:
    """An operator decision on all the pending proposals / addresses of DOMAIN.

    Exactly one of --confirm, --override, --revert. The operator (--operator, else
    $DOMAINWATCH_OPERATOR, else the login name) is recorded with the reason on the audit trail.
    """
    chosen = [name for name, on in (("confirm", confirm), ("override", override), ("revert", revert)) if on]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --confirm, --override, --revert")
    if not reason.strip():
        raise click.UsageError("--reason must not be empty: it goes on the audit trail")
    action = chosen[0]
    try:
        name = normalise_domain_arg(domain)
    except AddressError as exc:
        fail(f"{domain!r} is not a domain: {exc}", code=EXIT_USAGE)
    app = get_ctx()
    settings = app.config.policy()
    store = app.open_store()
    try:
        result = decide(store, name, action, operator=app.operator, reason=reason, until=until, force=force,
                        now=system_clock(), settings=settings)
    except PolicyError as exc:
        fail(exc.message, code=exc.exit_code)
    if as_json:
        emit_json(result.as_json())
        return
    click.echo(f"{name}: {result.emails} address(es) {_DONE[action]} by {app.operator} "
               f"(decision #{result.decision_ids[0]})")
    for address in result.addresses:
        click.echo(f"  {_clean(address)}")


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _write(records: Iterable[dict[str, Any]], fields: tuple[str, ...], fmt: str) -> int:
    utf8 = stdout_is_utf8()
    if not utf8 and fmt == "csv" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # CSV has no escapes: UTF-8 or lose data
    out = sys.stdout
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for rec in records:
            writer.writerow([_csv_cell(rec[f]) for f in fields])
            n += 1
    else:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=not utf8) + "\n")
            n += 1
    out.flush()
    return n


@click.command("export")
@click.argument("what", type=click.Choice(["decisions", "proposals"]))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--since", callback=_parse_date, default=None, metavar="ISO",
              help="Only decisions made (proposals created or closed) at or after this time.")
def export_command(what: str, fmt: str, since: Any) -> None:
    """Write every decision or proposal to standard output, oldest first (JSON Lines or CSV).

    Each record carries ids, times, operator, action or status, domain, phase, the check that
    was the evidence, the reason, until and the addresses (with their account ids). In CSV,
    list fields are JSON arrays.
    """
    store = get_ctx().open_store(read_only=True)
    since_text = to_iso(since)
    records: Iterator[dict[str, Any]]
    if what == "decisions":
        records = (decision_record(r) for r in store.iter_decisions(since_text))
        fields = DECISION_FIELDS
    else:
        records = (proposal_record(r) for r in store.iter_proposals(since_text))
        fields = PROPOSAL_FIELDS
    try:
        n = _write(records, fields, fmt)
    except BrokenPipeError:  # `export ... | head`: the reader has gone; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return
    info(f"exported {n} {what}")


COMMANDS: list[click.Command] = [decide_command, export_command]

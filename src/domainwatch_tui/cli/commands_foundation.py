"""Commands of the foundation: import, summary, show."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from domainwatch_tui.cli.context import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, emit_json, fail, get_ctx, info
from domainwatch_tui.core.addresses import AddressError, exempt_matcher, normalise_domain_arg, to_unicode
from domainwatch_tui.core.decisions import decision_record, proposal_record
from domainwatch_tui.core.importer import ImportFileError, ImportResult, open_import
from domainwatch_tui.core.model import PHASE_ORDER
from domainwatch_tui.core.reports import account_object, show_object, summary_object
from domainwatch_tui.core.timefmt import system_clock

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
REJECTS_SHOWN = 50
PROGRESS_MIN_BYTES = 1 << 20
RISK_REFRESH_MAX_DOMAINS = 20_000


def clean(value: Any) -> str:
    """Untrusted text made safe for a terminal: control and bidi characters removed."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return _CONTROL.sub("", str(value))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain text table (two spaces between columns; `right` columns aligned right)."""
    cells = [[clean(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                         for i, c in enumerate(row)).rstrip()

    lines = [fmt(headers), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in cells]
    return "\n".join(lines)


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Any]:
    """A progress bar on standard error (a terminal only), fed with bytes read so far."""
    if not show:
        yield None
        return
    with click.progressbar(length=total, label="importing", file=sys.stderr, show_eta=True,
                           show_percent=True) as bar:
        state = {"pos": 0}

        def update(pos: int) -> None:
            step = max(0, min(pos, total) - state["pos"])
            state["pos"] += step
            bar.update(step)

        yield update


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="The file's format. Default: by extension (.jsonl/.ndjson/.json is JSON Lines), "
                   "else by its first character.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def import_command(file: Path, fmt: str | None, as_json: bool) -> None:
    """Import accounts and their email addresses from FILE (CSV with a header row, or JSON Lines).

    Columns: account_id, username, email (required); email_verified, verified_at, primary,
    has_2fa, packages, downloads. Importing the same file twice changes nothing. Rejected rows
    are listed with their line (the CSV header is line 1); exit code 3 when any was rejected,
    1 when the file cannot be read (the store is then left untouched).
    """
    app = get_ctx()
    cfg = app.config
    matcher = exempt_matcher(cfg.get("providers", "exempt"))
    try:
        source = open_import(file, fmt, warn=lambda m: info(f"domainwatch: warning: {clean(m)}"))
    except ImportFileError as exc:
        fail(str(exc))
    store = app.open_store()
    show_bar = sys.stderr.isatty() and source.size >= PROGRESS_MIN_BYTES
    try:
        with _progress(source.size, show_bar) as update:
            result = source.import_into(store, now=system_clock(), is_exempt=matcher, progress=update)
    except ImportFileError as exc:
        fail(str(exc))
    finally:
        source.close()
    _refresh_risk(store, cfg, result.touched)
    if as_json:
        emit_json(result.to_json())
    else:
        _print_import(file, result)
    if result.rejects_dropped:
        info(f"domainwatch: {result.rejects_dropped:,} further rejected rows are counted but not listed")
    sys.exit(EXIT_PARTIAL if result.rejected else EXIT_OK)


def _refresh_risk(store: Any, cfg: Any, touched: set[str]) -> None:
    """Risk scores of the domains the import touched (and their accounts' other domains).

    A very large import leaves them to the worker, which rescores every domain in short
    transactions before it checks (`Store.rescore_step`): a full rescoring of a million accounts
    in one transaction takes longer than the import itself and would hold the write lock.
    """
    if not touched:
        return
    if len(touched) > RISK_REFRESH_MAX_DOMAINS:
        store.mark_risk_stale()
        info(f"domainwatch: {len(touched):,} domains touched: the worker scores their risk before it "
             "checks (the dashboard's worker, or `domainwatch worker`)")
        return
    store.refresh_risk(touched, weights=cfg.policy().risk)


def _print_import(file: Path, r: ImportResult) -> None:
    for reject in r.rejects[:REJECTS_SHOWN]:
        info(f"line {reject.line}: {clean(reject.reason)}")
    if len(r.rejects) > REJECTS_SHOWN:
        info(f"... and {r.rejected - REJECTS_SHOWN:,} more rejected rows (--json lists them all)")
    click.echo(f"{clean(str(file))}: {r.rows:,} rows, {r.imported:,} imported, {r.rejected:,} rejected")
    click.echo(f"added {r.accounts:,} accounts, {r.emails:,} addresses, {r.domains:,} domains; "
               f"{r.updated:,} existing rows updated")


@click.command("summary")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def summary_command(as_json: bool) -> None:
    """Counts: accounts, addresses, domains by lifecycle phase, and pending proposals."""
    store = get_ctx().open_store(read_only=True)
    accounts, emails, domains = store.import_counts()
    obj = summary_object(accounts, emails, domains, store.phase_counts(), store.pending_proposals())
    if as_json:
        emit_json(obj)
        return
    click.echo(table(["", "count"], [
        ("accounts", accounts), ("addresses", emails), ("domains", domains),
        ("proposals pending", obj["proposals_pending"]),
    ], right=(1,)))
    click.echo("")
    click.echo(table(["phase", "domains"], [(p.value, obj["phases"][p.value]) for p in PHASE_ORDER],
                     right=(1,)))


@click.command("show")
@click.argument("domain")
@click.option("--json", "as_json", is_flag=True, help="Print the domain as one JSON object.")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="List at most this many addresses (0: all). Default: all with --json, else 50.")
def show_command(domain: str, as_json: bool, limit: int | None) -> None:
    """One domain (Unicode or A-label; a sub-domain is reduced to its registrable domain):
    phase, reasons, evidence, the accounts with an address on it, proposals and decisions."""
    try:
        name = normalise_domain_arg(domain)
    except AddressError as exc:
        fail(f"not a usable domain {domain!r}: {exc}", code=EXIT_USAGE)
    store = get_ctx().open_store(read_only=True)
    row = store.domain_row(name)
    if row is None:
        fail(f"{name} is not in the store (import accounts with an address on it, or check it)")
    if limit is None:
        limit = 0 if as_json else 50
    rows = store.domain_accounts(name, limit or None)
    others = store.other_verified_addresses((r["account_id"] for r in rows), name)
    accounts = [account_object(r, others.get(r["account_id"], [])) for r in rows]
    obj = show_object(row, accounts, [], [])
    # the same record shapes as `export` (core/decisions.py), oldest first
    obj["proposals"] = [proposal_record(r) for r in store.proposals_for_domain(name, newest_first=False)]
    obj["decisions"] = [decision_record(r) for r in store.decisions_for_domain(name, newest_first=False)]
    if as_json:
        emit_json(obj)
        return
    _print_show(row, obj, limit)


def _print_show(row: Mapping[str, Any], obj: dict[str, Any], limit: int) -> None:
    name = obj["domain"]
    uni = row["unicode"] or to_unicode(name)
    title = name if uni == name else f"{name} ({uni})"
    click.echo(f"{clean(title)}: {obj['phase']}")
    fields = [
        ("statuses", ", ".join(obj["statuses"]) or None), ("registered", obj["registered_at"]),
        ("expires", obj["expires_at"]), ("last changed", obj["last_changed_at"]),
        ("registrar", obj["registrar"]), ("checked", obj["checked_at"]), ("backend", obj["backend"]),
        ("next check", obj["next_check_at"]), ("error", obj["error"]),
    ]
    for label, value in fields:
        click.echo(f"  {label + ':':<14}{clean(value)}")
    if obj["reasons"]:
        click.echo("  reasons:")
        for reason in obj["reasons"]:
            click.echo(f"    - {clean(reason)}")
    total = row["emails"]
    click.echo("")
    click.echo(f"Addresses on {clean(name)}: {row['emails']:,} ({row['verified']:,} verified) "
               f"of {row['accounts']:,} accounts")
    accounts = obj["accounts"]
    if accounts:
        click.echo(table(
            ["username", "account_id", "address", "verified", "2fa", "packages", "downloads",
             "other verified addresses"],
            [(a["username"], a["account_id"], a["address"], a["verified"], a["has_2fa"], a["packages"],
              a["downloads"], ", ".join(a["other_verified_addresses"]) or "none") for a in accounts],
            right=(5, 6)))
        if limit and total > len(accounts):
            click.echo(f"... {total - len(accounts):,} more (--limit 0 lists all)")
    for title_, items, cols in (
        ("Proposals", obj["proposals"], ("id", "kind", "phase", "status", "created_at")),
        ("Decisions", obj["decisions"], ("id", "at", "operator", "action", "phase", "reason")),
    ):
        click.echo("")
        if not items:
            click.echo(f"{title_}: none")
            continue
        click.echo(f"{title_}:")
        click.echo(table(list(cols), [[item.get(c) for c in cols] for item in items]))


COMMANDS: list[click.Command] = [import_command, summary_command, show_command]

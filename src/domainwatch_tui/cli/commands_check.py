"""Commands of the check path: `check`, `simulate-rdap`, `rdap-bootstrap update`."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from domainwatch_tui.cli.backends import build_checker
from domainwatch_tui.cli.context import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, emit_json, fail, get_ctx, info
from domainwatch_tui.config import data_dir
from domainwatch_tui.core.addresses import AddressError, is_exempt, normalise_domain_arg, to_unicode
from domainwatch_tui.core.checking import check_domains, is_error_unknown
from domainwatch_tui.core.demo_marker import demo_refusal
from domainwatch_tui.core.model import CheckOutcome, Phase
from domainwatch_tui.core.rdap.bootstrap import (
    DATA_FILE_NAME,
    IANA_DNS_URL,
    Bootstrap,
    BootstrapError,
    write_bootstrap_atomically,
)
from domainwatch_tui.core.rdap.client import download_bootstrap
from domainwatch_tui.core.reports import check_object
from domainwatch_tui.core.timefmt import fixed_clock, parse_iso, system_clock


def _clean(value: object, limit: int = 200) -> str:
    """Untrusted text (RDAP fields) made safe for a terminal: no control characters, bounded."""
    text = "" if value is None else str(value)
    return "".join(ch if ch.isprintable() else " " for ch in text)[:limit]


def _domain_args(domains: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for text in domains:
        try:
            out.append(normalise_domain_arg(text))
        except AddressError as exc:
            raise click.UsageError(f"{text!r} is not a domain: {exc}") from None
    return list(dict.fromkeys(out))


@click.command("check")
@click.argument("domains", nargs=-1)
@click.option("--due", is_flag=True, help="Check every domain whose next check is due.")
@click.option("--all", "all_", is_flag=True, help="Check every domain in the store (not exempt ones).")
@click.option("--backend", type=click.Choice(["rdap", "fastly"]), default=None,
              help="Where the evidence comes from (default: [backends] default, rdap).")
@click.option("--rdap-bootstrap", "bootstrap_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An RDAP bootstrap file (IANA dns.json shape) to use instead of "
                                 "the shipped one.")
@click.option("--as-of", "as_of", default=None,
              help="Classify as of this ISO 8601 date or date-time (UTC when no offset) instead of now.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on standard output, one per domain.")
def check_command(domains: tuple[str, ...], due: bool, all_: bool, backend: str | None,
                  bootstrap_file: Path | None, as_of: str | None, as_json: bool) -> None:
    """Check domains now: DOMAIN arguments (added to the store when new), --due or --all.

    Exit 3 when a domain ended `unknown` because of an error (timeout, refused answer, ...).
    """
    if due and all_:
        raise click.UsageError("--due and --all exclude each other")
    if not domains and not due and not all_:
        raise click.UsageError("nothing to check: give DOMAIN arguments, --due or --all")
    try:
        clock = fixed_clock(parse_iso(as_of)) if as_of else system_clock
    except ValueError as exc:
        raise click.UsageError(f"--as-of: {exc}") from None
    names = _domain_args(domains)
    app = get_ctx()
    refusal = demo_refusal(app.db_path)
    if refusal and bootstrap_file is None:  # synthetic domains must never go to real registries
        fail(f"{app.db_path}: {refusal} (or pass --rdap-bootstrap with the demo simulator's bootstrap file)")
    cfg = app.config
    settings = cfg.rdap()
    try:
        bootstrap = Bootstrap.load(bootstrap_file or settings.bootstrap_file, settings.servers,
                                   data_dir=data_dir())
    except BootstrapError as exc:
        raise click.UsageError(f"RDAP bootstrap: {exc}") from None
    store = app.open_store()
    now = clock()
    extra_exempt = cfg.get("providers", "exempt")
    skipped: list[str] = []
    for name in names:
        exempt = is_exempt(name, extra_exempt)
        store.add_domain(name, to_unicode(name), now=now, exempt=exempt)
        row = store.domain_row(name)
        if row is not None and row["phase"] == Phase.EXEMPT.value:
            skipped.append(name)
    for name in skipped:
        info(f"{name}: a large mailbox provider (exempt): not checked")
    todo = [n for n in names if n not in skipped]
    if due:
        todo += store.due_domains(now)
    if all_:
        todo += store.checkable_domains()
    todo = list(dict.fromkeys(todo))

    outcomes = _run(store, settings, bootstrap, clock, cfg, todo, as_json=as_json, backend=backend)
    if as_json:
        for name in skipped:
            emit_json(check_object(store.domain_row(name)))
    else:
        _print_table(store, [o.domain for o in outcomes] + skipped)
    errors = [o for o in outcomes if is_error_unknown(o)]
    if errors:
        info(f"{len(errors)} of {len(outcomes)} domain(s) ended unknown because of errors")
        sys.exit(EXIT_PARTIAL)
    if not outcomes and not skipped:
        info("nothing was due" if due else "no domains to check")
    sys.exit(EXIT_OK)


def _run(store, settings, bootstrap: Bootstrap, clock, cfg, todo: list[str], *,
         as_json: bool, backend: str | None = None) -> list[CheckOutcome]:
    """Fetch and record `todo`; JSON Lines are printed as results arrive."""
    if not todo:
        return []
    progress_cb: Callable[[CheckOutcome], None] | None = None
    progress = None
    if as_json:
        def progress_cb(outcome: CheckOutcome) -> None:
            emit_json(check_object(store.domain_row(outcome.domain)))
            sys.stdout.flush()
    elif sys.stderr.isatty() and len(todo) > 1:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress("checking", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        task = progress.add_task("check", total=len(todo))

        def progress_cb(outcome: CheckOutcome) -> None:
            progress.advance(task)

    async def main() -> list[CheckOutcome]:
        checker = build_checker(cfg, backend, bootstrap, clock)  # rdap/fastly/by TLD + signals
        try:
            return await check_domains(store, checker, todo, clock=clock, policy=cfg.policy(),
                                       schedule=cfg.schedule(), on_result=progress_cb)
        finally:
            await checker.aclose()

    if progress is not None:
        with progress:
            return asyncio.run(main())
    return asyncio.run(main())


def _print_table(store, names: list[str]) -> None:
    rows = [r for r in store.domain_rows(names)]
    rows.sort(key=lambda r: (Phase(r["phase"]).severity, r["name"]))
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for column in ("domain", "phase", "expires", "registrar", "reasons"):
        table.add_column(column, overflow="fold")
    for r in rows:
        obj = check_object(r)
        expires = (obj["expires_at"] or "")[:10] or "-"
        table.add_row(Text(_clean(r["unicode"] or r["name"])), Text(Phase(r["phase"]).label),
                      Text(expires), Text(_clean(obj["registrar"]) or "-"),
                      Text("; ".join(_clean(x, 300) for x in obj["reasons"]) or "-"))
    Console(soft_wrap=False, highlight=False).print(table)


@click.command("simulate-rdap")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A scenario file (JSON). Default: the example shipped with domainwatch.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
def simulate_rdap_command(scenario_file: Path | None, port: int) -> None:
    """Run the loopback RDAP simulator in the foreground (Ctrl-C stops it)."""
    from domainwatch_tui.simulator.scenario import ScenarioError, example_scenario_path, load_scenario
    from domainwatch_tui.simulator.server import serve_forever, write_bootstrap

    path = scenario_file or example_scenario_path()
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        raise click.UsageError(str(exc)) from None

    def ready(sim) -> None:
        port_now = sim.base_url.rstrip("/").rsplit(":", 1)[-1]
        boot = write_bootstrap(sim, Path(tempfile.gettempdir()) / f"domainwatch-sim-{port_now}-dns.json")
        click.echo(f"RDAP simulator listening on {sim.base_url} (scenario: {path})")
        click.echo(f"bootstrap file: {boot}")
        click.echo(f"try: domainwatch check --rdap-bootstrap {boot} example.com")
        click.echo("Ctrl-C to stop.")
        sys.stdout.flush()

    try:
        serve_forever(scenario, port=port, on_ready=ready)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")


@click.group("rdap-bootstrap")
def rdap_bootstrap_group() -> None:
    """The RDAP bootstrap (which server answers for which TLD)."""


@rdap_bootstrap_group.command("update")
@click.option("--url", default=IANA_DNS_URL, hidden=True, help="Where to fetch dns.json from.")
@click.option("--timeout", type=float, default=30.0, hidden=True)
def rdap_bootstrap_update(url: str, timeout: float) -> None:
    """Fetch IANA's current RDAP bootstrap (dns.json) into the data folder."""
    dest = data_dir() / DATA_FILE_NAME
    current = dest if dest.exists() else "the shipped snapshot"
    try:
        raw = asyncio.run(download_bootstrap(url, timeout=timeout))
        data = write_bootstrap_atomically(raw, dest)
    except (RuntimeError, BootstrapError, OSError) as exc:
        fail(f"cannot update the RDAP bootstrap: {exc}; nothing changed (still using {current})",
             code=EXIT_FAILURE)
        return
    click.echo(f"RDAP bootstrap updated: {data.services} services, publication "
               f"{data.publication or 'unknown'}, written to {dest}")


COMMANDS: list[click.Command] = [check_command, simulate_rdap_command, rdap_bootstrap_group]

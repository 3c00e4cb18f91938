"""Building the checker the config asks for: RDAP, Fastly, per-TLD routing, further evidence.

`build_checker(cfg, backend, bootstrap, clock)` is what `check` (and the worker) call instead of
constructing `RdapChecker` themselves:

- `backend` ("rdap" | "fastly", else `[backends] default`) checks every domain, except the TLDs
  `[backends] by_tld` sends elsewhere;
- `[dns] enabled` and `[registrar_rdap] enabled` wrap it in an `EnrichingChecker` that adds
  signals (the registrar is asked under the RDAP checker's own per-host politeness);
- RDAP-listed nameservers are always compared with the parking list (no extra request).

Also `webhook_sender(cfg, store, clock)` for `domainwatch webhooks send` and the worker.
"""

from __future__ import annotations

import click

from domainwatch_tui.config import Config
from domainwatch_tui.core.checking import Checker
from domainwatch_tui.core.dns_signals import DnsSettings, load_parking_list, make_dns_signals
from domainwatch_tui.core.enrich import BACKENDS, EnrichingChecker, RoutingChecker, check_backends_table
from domainwatch_tui.core.fastly import FastlyChecker, FastlyConfigError, FastlySettings, resolve_token
from domainwatch_tui.core.rdap.bootstrap import Bootstrap
from domainwatch_tui.core.rdap.client import RdapChecker
from domainwatch_tui.core.registrar_rdap import RegistrarRdap
from domainwatch_tui.core.timefmt import Clock
from domainwatch_tui.core.webhooks import WebhookSender, WebhookSettings, resolve_secret


def fastly_settings(cfg: Config) -> FastlySettings:
    f = cfg.values["fastly"]
    return FastlySettings(base_url=f["base_url"], timeout_seconds=f["timeout_seconds"],
                          requests_per_second=f["requests_per_second"], concurrency=f["concurrency"],
                          retries=f["retries"])


def dns_settings(cfg: Config) -> DnsSettings:
    d = cfg.values["dns"]
    return DnsSettings(enabled=d["enabled"], timeout_seconds=d["timeout_seconds"],
                       resolvers=tuple(d["resolvers"]), parking_nameservers=tuple(d["parking_nameservers"]))


def webhook_settings(cfg: Config) -> WebhookSettings:
    w = cfg.values["webhook"]
    return WebhookSettings(url=w["url"], timeout_seconds=w["timeout_seconds"], retries=w["retries"],
                           backoff_seconds=w["backoff_seconds"], max_backoff_seconds=w["max_backoff_seconds"])


def build_checker(cfg: Config, backend: str | None, bootstrap: Bootstrap, clock: Clock) -> Checker:
    """The checker for `check`/the worker; click.UsageError when the config cannot be used."""
    default = backend or cfg.values["backends"]["default"]
    if default not in BACKENDS:
        raise click.UsageError(f"backends.default: expected one of {', '.join(BACKENDS)}, got {default!r}")
    try:
        per_tld = check_backends_table(cfg.values["backends"]["by_tld"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    wanted = {default, *per_tld.values()}
    checkers: dict[str, Checker] = {}
    rdap: RdapChecker | None = None
    if "rdap" in wanted:
        rdap = RdapChecker(cfg.rdap(), bootstrap, clock=clock)
        checkers["rdap"] = rdap
    if "fastly" in wanted:
        try:
            token = resolve_token(cfg.values["fastly"]["key"])
            checkers["fastly"] = FastlyChecker(fastly_settings(cfg), token, clock=clock)
        except FastlyConfigError as exc:
            raise click.UsageError(str(exc)) from None
    inner: Checker = RoutingChecker(checkers, default, per_tld) if per_tld else checkers[default]
    registrar = None
    if rdap is not None and cfg.values["registrar_rdap"]["enabled"]:
        registrar = RegistrarRdap(cfg.rdap(), rdap.politeness)  # the registries' own politeness
    parking = load_parking_list(extra=cfg.values["dns"]["parking_nameservers"])
    return EnrichingChecker(inner, dns=make_dns_signals(dns_settings(cfg)), registrar=registrar,
                            parking=parking)


def webhook_sender(cfg: Config, store, clock: Clock) -> WebhookSender | None:
    """The configured sender, or None when `[webhook] url` is not set; UsageError when unusable."""
    settings = webhook_settings(cfg)
    if not settings.url:
        return None
    try:
        return WebhookSender(store, settings, resolve_secret(cfg.values["webhook"]["secret"]), clock=clock)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None

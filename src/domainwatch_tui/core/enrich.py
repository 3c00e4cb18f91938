"""Checkers that wrap checkers: per-TLD backend routing, and further evidence after a fetch.

`RoutingChecker` sends each domain to the backend its TLD is configured for (`[backends]`
table, e.g. `io = "fastly"`), else to the default one. `EnrichingChecker` asks the wrapped
checker, then adds signals to the evidence (RDAP-listed parking nameservers, DNS, the
registrar's RDAP) within a time limit; a signal never changes what the registry said. Both are
`core.checking.Checker`s, so the check command and the worker use them unchanged.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence

from domainwatch_tui.core.checking import Checker
from domainwatch_tui.core.dns_signals import DnsSignals, ParkingNameserver, parking_signals
from domainwatch_tui.core.model import Observation, Signal
from domainwatch_tui.core.registrar_rdap import RegistrarRdap

BACKENDS = ("rdap", "fastly")


def backend_for(domain: str, default: str, per_tld: Mapping[str, str]) -> str:
    """The backend for `domain`: the longest configured suffix (`co.uk` before `uk`), else default."""
    labels = domain.strip().rstrip(".").lower().split(".")
    for i in range(1, len(labels)):
        choice = per_tld.get(".".join(labels[i:]))
        if choice:
            return choice
    return default


def check_backends_table(per_tld: Mapping[str, object]) -> dict[str, str]:
    """The `[backends]` table validated: suffix -> "rdap" | "fastly" (ValueError otherwise)."""
    out: dict[str, str] = {}
    for tld, value in per_tld.items():
        if not isinstance(value, str) or value not in BACKENDS:
            raise ValueError(f"backends.{tld}: expected one of {', '.join(BACKENDS)}, got {value!r}")
        out[str(tld).strip().strip(".").lower()] = value
    return out


class RoutingChecker:
    """Routes each domain to the checker of its TLD's configured backend."""

    backend = "mixed"

    def __init__(self, checkers: Mapping[str, Checker], default: str, per_tld: Mapping[str, str]):
        if default not in checkers:
            raise ValueError(f"no checker for the default backend {default!r}")
        self.checkers = dict(checkers)
        self.default = default
        self.per_tld = dict(per_tld)

    def checker_for(self, domain: str) -> Checker:
        choice = backend_for(domain, self.default, self.per_tld)
        return self.checkers.get(choice, self.checkers[self.default])

    async def fetch(self, domain: str) -> Observation:
        return await self.checker_for(domain).fetch(domain)

    async def aclose(self) -> None:
        for checker in self.checkers.values():
            await checker.aclose()


class EnrichingChecker:
    """Adds signals to what the wrapped checker found; never raises, never changes the verdict."""

    def __init__(self, inner: Checker, *, dns: DnsSignals | None = None,
                 registrar: RegistrarRdap | None = None,
                 parking: Sequence[ParkingNameserver] = (), timeout_seconds: float = 10.0):
        self.inner = inner
        self.backend = inner.backend
        self.dns = dns
        self.registrar = registrar
        self.parking = tuple(parking)
        self.timeout_seconds = timeout_seconds

    async def fetch(self, domain: str) -> Observation:
        obs = await self.inner.fetch(domain)
        ev = obs.evidence
        if ev.unsupported:
            return obs
        found: list[Signal] = list(parking_signals(ev.nameservers, self.parking, source="rdap"))
        tasks = []
        if self.dns is not None:
            tasks.append(self.dns.collect(ev.domain))
        if self.registrar is not None and ev.related_url:
            tasks.append(self.registrar.signals(ev))
        if tasks:
            try:
                async with asyncio.timeout(self.timeout_seconds):
                    results = await asyncio.gather(*tasks, return_exceptions=True)
            except TimeoutError:
                results = [TimeoutError()]
            for result in results:
                if isinstance(result, BaseException):
                    found.append(Signal("signals", "lookup-failed",
                                        f"further evidence not gathered: {type(result).__name__}"))
                else:
                    found.extend(result)
        if not found:
            return obs
        merged = tuple(dict.fromkeys((*ev.signals, *found)))
        return dataclasses.replace(obs, evidence=dataclasses.replace(ev, signals=merged))

    async def aclose(self) -> None:
        await self.inner.aclose()
        if self.registrar is not None:
            await self.registrar.aclose()

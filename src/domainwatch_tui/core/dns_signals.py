"""DNS signals: parking (expiry) nameservers, NXDOMAIN, no MX. Optional, async, bounded in time.

These are evidence shown beside the registry's answer, never on their own a reason to propose
un-verification (the lifecycle phase comes from RDAP or Fastly only; see `core.signals`).

- `parked-nameservers`: the domain's nameservers (from DNS, or the ones RDAP lists) are a known
  registrar expiry/parking nameserver, from the shipped editable list
  `data/parking_nameservers.json` (name, registrar, source per entry) plus the config's
  `[dns] parking_nameservers`. A nameserver matches an entry when it is that name or under it
  (`ns1.pendingrenewaldeletion.com` matches `pendingrenewaldeletion.com`).
- `nxdomain`: the name does not exist in DNS.
- `no-mx` / `null-mx`: no MX record (or the RFC 7505 null MX): mail to the address does not
  arrive, whoever holds the domain.
- `lookup-failed`: the lookups timed out or failed; said so that silence is not read as health.

The resolver is behind a small protocol (`DnsResolver`) so tests use a fake; the real one is
dnspython's async resolver with a per-query lifetime, and the whole collection is bounded by
`asyncio.timeout`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, Protocol

from domainwatch_tui.core.model import Signal

Rcode = Literal["ok", "nxdomain", "noanswer", "timeout", "error"]
SOURCE = "dns"


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """One lookup's outcome: `ok` with records (lower case, no trailing dot), or why not."""

    rcode: Rcode
    records: tuple[str, ...] = ()


class DnsResolver(Protocol):
    """What `DnsSignals` needs from a resolver (dnspython's, or a fake in tests)."""

    async def query(self, name: str, rdtype: str) -> DnsAnswer: ...


@dataclass(frozen=True, slots=True)
class ParkingNameserver:
    """A registrar's expiry/parking nameserver: `name` (a host or a domain), who, and the source."""

    name: str
    registrar: str
    source: str

    def matches(self, host: str) -> bool:
        host = host.strip().rstrip(".").lower()
        return host == self.name or host.endswith("." + self.name)


@dataclass(frozen=True, slots=True)
class DnsSettings:
    """The `[dns]` section of the config."""

    enabled: bool = False
    timeout_seconds: float = 3.0
    resolvers: tuple[str, ...] = ()  # nameserver IPs; empty: the system's resolver
    parking_nameservers: tuple[str, ...] = ()  # extra entries (names) beyond the shipped list


def load_parking_list(path: Path | None = None, extra: Iterable[str] = ()) -> tuple[ParkingNameserver, ...]:
    """The shipped list (or `path`) plus the config's extra names (source: the config file)."""
    if path is None:
        text = resources.files("domainwatch_tui").joinpath("data/parking_nameservers.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    document = json.loads(text)
    entries: list[ParkingNameserver] = []
    for item in document.get("nameservers", []):
        name = str(item.get("name", "")).strip().rstrip(".").lower()
        if name:
            entries.append(ParkingNameserver(name, str(item.get("registrar") or "unknown registrar"),
                                             str(item.get("source") or "no source given")))
    for name in extra:
        clean = str(name).strip().rstrip(".").lower()
        if clean:
            entries.append(ParkingNameserver(clean, "listed by the operator",
                                             "config [dns] parking_nameservers"))
    return tuple(entries)


def parking_signals(nameservers: Sequence[str], parking: Sequence[ParkingNameserver],
                    *, source: str = SOURCE) -> tuple[Signal, ...]:
    """A `parked-nameservers` signal per registrar whose parking nameservers the domain uses."""
    by_entry: dict[ParkingNameserver, list[str]] = {}
    for host in nameservers:
        for entry in parking:
            if entry.matches(host):
                by_entry.setdefault(entry, []).append(host.strip().rstrip(".").lower())
                break
    return tuple(
        Signal(source, "parked-nameservers",
               f"nameservers {', '.join(sorted(set(hosts)))} are {entry.registrar}'s expiry/parking "
               f"nameservers ({entry.name}; source: {entry.source})")
        for entry, hosts in by_entry.items()
    )


class DnsSignals:
    """Collects the DNS signals of one domain within `timeout_seconds` in all."""

    def __init__(self, resolver: DnsResolver, parking: Sequence[ParkingNameserver], *,
                 timeout_seconds: float = 3.0):
        self.resolver = resolver
        self.parking = tuple(parking)
        self.timeout_seconds = timeout_seconds

    async def collect(self, domain: str) -> tuple[Signal, ...]:
        """The signals for `domain` (an A-label). Never raises; a timeout becomes `lookup-failed`."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                ns, mx = await asyncio.gather(self.resolver.query(domain, "NS"),
                                              self.resolver.query(domain, "MX"))
        except TimeoutError:
            return (Signal(SOURCE, "lookup-failed",
                           f"DNS lookups of {domain} took longer than {self.timeout_seconds:g} s"),)
        except Exception as exc:  # a resolver bug: say so, never crash a check
            return (Signal(SOURCE, "lookup-failed", f"DNS lookups of {domain} failed: {type(exc).__name__}"),)
        return self.interpret(domain, ns, mx)

    def interpret(self, domain: str, ns: DnsAnswer, mx: DnsAnswer) -> tuple[Signal, ...]:
        """Signals from the NS and MX answers (pure)."""
        if ns.rcode == "nxdomain" or mx.rcode == "nxdomain":
            return (Signal(SOURCE, "nxdomain", f"{domain} does not exist in DNS (NXDOMAIN)"),)
        signals: list[Signal] = []
        failed = [f"{kind} {answer.rcode}" for kind, answer in (("NS", ns), ("MX", mx))
                  if answer.rcode in ("timeout", "error")]
        if failed:
            signals.append(Signal(SOURCE, "lookup-failed", f"DNS lookups of {domain}: {', '.join(failed)}"))
        if ns.rcode == "ok":
            signals.extend(parking_signals(ns.records, self.parking))
        if mx.rcode == "noanswer" or (mx.rcode == "ok" and not mx.records):
            signals.append(Signal(SOURCE, "no-mx", f"{domain} has no MX record: mail to it is not delivered "
                                                   "to a mail server of its own"))
        elif mx.rcode == "ok" and all(_is_null_mx(r) for r in mx.records):
            signals.append(Signal(SOURCE, "null-mx", f"{domain} publishes a null MX (RFC 7505): "
                                                     "it accepts no mail"))
        return tuple(signals)


def _is_null_mx(record: str) -> bool:
    parts = record.split()
    return len(parts) == 2 and parts[1] in (".", "")


class DnspythonResolver:
    """`DnsResolver` on dnspython's async resolver, each query bounded by `lifetime` seconds."""

    def __init__(self, *, lifetime: float = 2.0, nameservers: Sequence[str] = (), port: int = 53):
        import dns.asyncresolver

        self._resolver = dns.asyncresolver.Resolver(configure=not nameservers)
        if nameservers:
            self._resolver.nameservers = list(nameservers)
            self._resolver.port = port
        self._resolver.lifetime = lifetime
        self._resolver.timeout = lifetime

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        import dns.exception
        import dns.resolver

        try:
            answer = await self._resolver.resolve(name, rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return DnsAnswer("nxdomain")
        except (dns.resolver.NoNameservers, dns.resolver.NoAnswer):
            return DnsAnswer("error")
        except dns.exception.Timeout:
            return DnsAnswer("timeout")
        except dns.exception.DNSException:
            return DnsAnswer("error")
        if answer.rrset is None:
            return DnsAnswer("noanswer")
        return DnsAnswer("ok", tuple(r.to_text().rstrip(".").lower() for r in answer.rrset))


def make_dns_signals(settings: DnsSettings) -> DnsSignals | None:
    """The configured collector, or None when `[dns] enabled` is false."""
    if not settings.enabled:
        return None
    resolver = DnspythonResolver(lifetime=settings.timeout_seconds, nameservers=settings.resolvers)
    parking = load_parking_list(extra=settings.parking_nameservers)
    return DnsSignals(resolver, parking, timeout_seconds=settings.timeout_seconds)

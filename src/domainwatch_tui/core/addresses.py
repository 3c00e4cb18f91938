"""Email addresses and domains: parsing, IDNA A-labels, registrable domains, exempt providers.

Everything here is offline: the Public Suffix List is the copy shipped with `publicsuffixlist`
(never fetched at run time). Only the ICANN section of the list is used, because what can
lapse and be bought again is a name registered under a registry's suffix (`example.co.uk`),
not a sub-domain under a company's private suffix (`foo.blogspot.com` reduces to `blogspot.com`).

The hot functions are cached: an import of a million rows asks about far fewer distinct hosts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import idna
from publicsuffixlist import PublicSuffixList


class AddressError(ValueError):
    """An address or domain that cannot be used; the message is the reason shown to the operator."""


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An email address taken apart.

    `address` is the normalised address (lower case, host as A-label),
    `domain` the registrable domain (A-label), `unicode_domain` its Unicode form.
    """

    address: str
    local: str
    host: str
    domain: str
    unicode_domain: str


_PSL = PublicSuffixList(only_icann=True)
# A plain LDH host name in lower case, no IDNA label: the common case, handled without `idna`.
_PLAIN_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_LOCAL_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\\\x00-\x1f\x7f]")
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_CACHE_SIZE = 4096


def to_alabel(domain: str) -> str:
    """The IDNA A-label form of `domain` (UTS #46 mapping), lower case, trailing dot removed.

    Raises AddressError with the reason when the name is not a valid host name.
    """
    return _to_alabel_cached(domain)


def _to_alabel(domain: str) -> str:
    name = domain.strip()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise AddressError("empty domain")
    low = name.lower()
    if len(low) <= 253 and _PLAIN_HOST.match(low) and "xn--" not in low:
        return low
    if _is_ip_literal(name):
        raise AddressError(f"IP address instead of a domain: {name}")
    try:
        out = idna.encode(name, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError) as exc:
        raise AddressError(f"invalid domain {name!r}: {exc}") from None
    if out.endswith("."):
        out = out[:-1]
    if not out or len(out) > 253:
        raise AddressError(f"invalid domain {name!r}: too long")
    return out


_to_alabel_cached = lru_cache(maxsize=_CACHE_SIZE)(_to_alabel)


@lru_cache(maxsize=_CACHE_SIZE)
def to_unicode(alabel: str) -> str:
    """The Unicode form of an A-label domain (itself when it has no IDNA label or cannot decode)."""
    if "xn--" not in alabel:
        return alabel
    try:
        return idna.decode(alabel)
    except (idna.IDNAError, UnicodeError):
        return alabel


def _is_ip_literal(host: str) -> bool:
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        return True
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def registrable_domain(host_alabel: str) -> str:
    """The registrable domain of an A-label host (`mail.example.co.uk` -> `example.co.uk`).

    Raises AddressError for an IP address, a single-label host (`localhost`) or a public
    suffix itself (`co.uk`).
    """
    return _registrable_cached(host_alabel)


def _registrable(host: str) -> str:
    if _DIGITS_AND_DOTS.fullmatch(host) or ":" in host or host.startswith("["):
        raise AddressError(f"IP address instead of a domain: {host}")
    if "." not in host:
        raise AddressError(f"single-label host {host!r} is not a registrable domain")
    found = _PSL.privatesuffix(host)
    if found is None:
        raise AddressError(f"{host!r} is a public suffix, not a registrable domain")
    return found


_registrable_cached = lru_cache(maxsize=_CACHE_SIZE)(_registrable)


def host_info(host: str) -> tuple[str, str, str]:
    """(host A-label, registrable domain A-label, registrable domain Unicode) of an address's
    host part as written. Not cached: callers that see many hosts keep their own cache."""
    if host.startswith("[") or ":" in host or (host[-1:].isdigit() and _is_ip_literal(host)):
        raise AddressError(f"IP address instead of a domain: {host}")
    alabel = _to_alabel(host)
    domain = _registrable(alabel)
    return alabel, domain, to_unicode(domain)


def normalise_domain_arg(text: str) -> str:
    """A domain typed by an operator (Unicode or A-label, any case, sub-domain or not) reduced
    to its registrable domain in A-label form. Raises AddressError with the reason."""
    raw = text.strip()
    if "@" in raw:
        raw = raw.rsplit("@", 1)[1]
    return host_info(raw)[1]


def split_address(text: str) -> tuple[str, str]:
    """(local part in lower case, host as written) of an address; AddressError when there is
    no `@`, an empty part, or a local part with characters no mailbox has."""
    address = text.strip()
    if not address:
        raise AddressError("empty address")
    local, at, host = address.rpartition("@")
    if not at:
        raise AddressError(f"no @ in address {address!r}")
    if not local:
        raise AddressError(f"empty local part in {address!r}")
    if not host:
        raise AddressError(f"empty domain in {address!r}")
    if len(address) > 320:
        raise AddressError("address longer than 320 characters")
    if _LOCAL_FORBIDDEN.search(local) and not (local.startswith('"') and local.endswith('"')):
        raise AddressError(f"invalid local part in {address!r}")
    return local.lower(), host


def parse_address(text: str) -> ParsedAddress:
    """Take an email address apart, validating what matters for domain resurrection.

    The host part becomes its A-label; the whole address is lower case (registries and
    mailbox providers treat addresses case-insensitively, and `Alice@x.com` and `alice@x.com`
    on one account are one address). Raises AddressError with a reason.
    """
    local, host = split_address(text)
    alabel, domain, unicode_domain = host_info(host)
    return ParsedAddress(
        address=f"{local}@{alabel}",
        local=local,
        host=alabel,
        domain=domain,
        unicode_domain=unicode_domain,
    )


# -- exempt mailbox providers --------------------------------------------------------------------

def _load_shipped() -> tuple[str, ...]:
    text = resources.files("domainwatch_tui").joinpath("data/exempt_providers.txt").read_text("utf-8")
    out = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip().lower()
        if entry:
            out.append(entry)
    return tuple(out)


SHIPPED_EXEMPT: tuple[str, ...] = _load_shipped()


class ExemptMatcher:
    """Decides whether a registrable domain belongs to a large mailbox provider.

    Entries are domains (`gmail.com`, Unicode or A-label) or `name.*` wildcards that match
    `name` under any public suffix (`gmx.*` matches gmx.de, gmx.net, gmx.co.uk, ...).
    """

    def __init__(self, entries: Iterable[str] = ()):
        self.exact: set[str] = set()
        self.wildcard: set[str] = set()
        for entry in (*SHIPPED_EXEMPT, *entries):
            self.add(entry)

    def add(self, entry: str) -> None:
        item = entry.strip().lower()
        if not item:
            return
        if item.endswith(".*"):
            label = item[:-2]
            try:
                self.wildcard.add(to_alabel(label))
            except AddressError:
                return
            return
        try:
            self.exact.add(to_alabel(item))
        except AddressError:
            return

    def __call__(self, domain: str) -> bool:
        if domain in self.exact:
            return True
        if not self.wildcard:
            return False
        label, _, suffix = domain.partition(".")
        return label in self.wildcard and bool(suffix) and _PSL.is_public(suffix)


@lru_cache(maxsize=64)
def _matcher(extra: tuple[str, ...]) -> ExemptMatcher:
    return ExemptMatcher(extra)


def exempt_matcher(extra: Iterable[str] = ()) -> ExemptMatcher:
    """The shipped list extended by `extra` (config `[providers] exempt`), cached per extension."""
    return _matcher(tuple(extra))


def is_exempt(domain: str, extra: Iterable[str] = ()) -> bool:
    """Whether the registrable A-label `domain` is a large mailbox provider (not checked)."""
    return exempt_matcher(extra)(domain)

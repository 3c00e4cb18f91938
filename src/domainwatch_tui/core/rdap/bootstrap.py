"""RDAP bootstrap for domain names (RFC 9224): which RDAP server answers for which TLD.

Where the table comes from, in order:
1. an explicit file (`--rdap-bootstrap FILE`, else config `[rdap] bootstrap_file`): it alone is
   the bootstrap (IANA's snapshot and the shipped table of unlisted servers are not consulted);
2. otherwise the newer (by `publication`) of the snapshot shipped in the package and the copy
   `domainwatch rdap-bootstrap update` wrote into the data folder, completed by the shipped
   table of servers IANA does not list (`data/rdap_servers.json`; IANA's entry wins);
3. on top of either, config `[rdap] servers` (the operator's word wins over everything).

A TLD is matched by its longest suffix (`co.gl` before `gl`). Base URLs must be `https://`;
`http://` is accepted only for loopback hosts (127.0.0.0/8, `localhost`, `[::1]`). In a bootstrap
file an insecure URL is dropped (IANA itself lists two http-only servers): a domain under such a
TLD gets "unsupported" with the reason; in config it is an error.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

IANA_DNS_URL = "https://data.iana.org/rdap/dns.json"
DATA_FILE_NAME = "rdap-dns.json"  # the copy in the user data folder
MAX_BOOTSTRAP_BYTES = 8 * 1024 * 1024


class BootstrapError(Exception):
    """A bootstrap file or server URL is unusable; the message says which and why."""


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and `localhost`."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_refusal(url: str) -> str | None:
    """Why `url` may not be used for RDAP (None when it may): https, or http to loopback only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"{url!r} is not a valid URL"
    if not host:
        return f"{url!r} has no host"
    if parts.username or parts.password:
        return f"{url!r} carries credentials"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http":
        if is_loopback_host(host):
            return None
        return f"{url!r} is plain http:// to a non-loopback host (https:// required)"
    return f"{url!r} is not an https:// URL"


def check_base_url(url: str, where: str) -> str:
    """A usable base URL ending in '/', or BootstrapError naming `where`."""
    if not isinstance(url, str):
        raise BootstrapError(f"{where}: expected a URL string, got {url!r}")
    reason = url_refusal(url.strip())
    if reason:
        raise BootstrapError(f"{where}: {reason}")
    url = url.strip()
    return url if url.endswith("/") else url + "/"


def _norm_tld(tld: str) -> str:
    return tld.strip().strip(".").lower()


@dataclass
class BootstrapData:
    """A validated bootstrap file: usable base URL per TLD, refused TLDs with the reason."""

    servers: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    publication: str | None = None
    services: int = 0


def parse_bootstrap(data: bytes | str | dict[str, Any], source: str) -> BootstrapData:
    """Validate an RFC 9224 DNS bootstrap document; BootstrapError when its shape is wrong."""
    if isinstance(data, bytes | str):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BootstrapError(f"{source}: not valid JSON ({exc})") from None
    else:
        doc = data
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), list):
        raise BootstrapError(f"{source}: not an RDAP bootstrap file (no \"services\" list)")
    pub = doc.get("publication")
    out = BootstrapData(publication=pub if isinstance(pub, str) else None)
    for i, entry in enumerate(doc["services"]):
        if (not isinstance(entry, list) or len(entry) < 2 or not isinstance(entry[0], list)
                or not isinstance(entry[1], list)
                or not all(isinstance(x, str) for x in entry[0] + entry[1])):
            raise BootstrapError(f"{source}: service #{i + 1} is not [[TLD, ...], [URL, ...]]")
        tlds, urls = entry[0], entry[1]
        usable = [u if u.endswith("/") else u + "/" for u in urls if url_refusal(u) is None]
        # prefer https when a service offers both
        usable.sort(key=lambda u: not u.startswith("https://"))
        for tld in map(_norm_tld, tlds):
            if not tld:
                continue
            if usable:
                out.servers.setdefault(tld, usable[0])
            elif urls:
                out.refused.setdefault(tld, "; ".join(url_refusal(u) or u for u in urls))
        out.services += 1
    if not out.services:
        raise BootstrapError(f"{source}: the bootstrap file lists no services")
    return out


def read_bootstrap_file(path: Path) -> BootstrapData:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BOOTSTRAP_BYTES + 1)
    except OSError as exc:
        raise BootstrapError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BOOTSTRAP_BYTES:
        raise BootstrapError(f"{path}: larger than {MAX_BOOTSTRAP_BYTES} bytes")
    return parse_bootstrap(raw, str(path))


def _shipped(name: str) -> bytes:
    return resources.files("domainwatch_tui").joinpath("data", name).read_bytes()


def unlisted_servers() -> dict[str, str]:
    """The shipped table of RDAP servers IANA does not list (TLD -> base URL)."""
    doc = json.loads(_shipped("rdap_servers.json"))
    out: dict[str, str] = {}
    for entry in doc["servers"]:
        url = check_base_url(entry["base_url"], "data/rdap_servers.json")
        for tld in entry["tlds"]:
            out[_norm_tld(tld)] = url
    return out


def default_data_dir() -> Path:
    from domainwatch_tui.config import data_dir

    return data_dir()


class Bootstrap:
    """TLD -> RDAP base URL, with the source it came from (see the module docstring)."""

    def __init__(self, servers: dict[str, str], *, refused: dict[str, str] | None = None,
                 source: str = "", publication: str | None = None):
        self.servers = {_norm_tld(k): v for k, v in servers.items()}
        self.refused = {_norm_tld(k): v for k, v in (refused or {}).items()}
        self.source = source
        self.publication = publication
        self._max_labels = max((k.count(".") + 1 for k in self.servers), default=1)

    @classmethod
    def load(cls, path: str | Path | None = None, extra_servers: dict[str, str] | None = None, *,
             data_dir: Path | None = None) -> Bootstrap:
        """Build the table (see the module docstring); BootstrapError when it cannot be used."""
        extra = {_norm_tld(t): check_base_url(u, f"config [rdap] servers.{t}")
                 for t, u in (extra_servers or {}).items()}
        if path is not None:
            p = Path(path).expanduser()
            data = read_bootstrap_file(p)
            servers = dict(data.servers)
            source = str(p)
        else:
            data = parse_bootstrap(_shipped("iana-rdap-dns.json"), "shipped IANA snapshot")
            source = "shipped IANA snapshot"
            local = (data_dir if data_dir is not None else default_data_dir()) / DATA_FILE_NAME
            if local.exists():
                try:
                    copy = read_bootstrap_file(local)
                except BootstrapError:
                    copy = None  # a broken copy never stops checks; the snapshot still works
                if copy is not None and (copy.publication or "") >= (data.publication or ""):
                    data, source = copy, str(local)
            servers = {**unlisted_servers(), **data.servers}
        servers.update(extra)
        refused = {t: r for t, r in data.refused.items() if t not in servers}
        return cls(servers, refused=refused, source=source, publication=data.publication)

    def match(self, domain: str) -> tuple[str | None, str | None]:
        """(base URL, None), or (None, why not) for a domain: longest TLD suffix wins."""
        labels = domain.strip(".").lower().split(".")
        for i in range(max(1, len(labels) - self._max_labels), len(labels)):
            suffix = ".".join(labels[i:])
            if suffix in self.servers:
                return self.servers[suffix], None
            if suffix in self.refused:
                return None, f"the RDAP server for .{suffix} is refused: {self.refused[suffix]}"
        return None, f"no RDAP service for .{labels[-1]} in the bootstrap ({self.source})"

    def base_url(self, domain: str) -> str | None:
        return self.match(domain)[0]

    def tlds(self) -> list[str]:
        return sorted(self.servers)


def write_bootstrap_atomically(raw: bytes, dest: Path) -> BootstrapData:
    """Validate `raw` and write it to `dest` (temp file + os.replace); dest untouched on error."""
    data = parse_bootstrap(raw, "downloaded bootstrap")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".rdap-dns-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data

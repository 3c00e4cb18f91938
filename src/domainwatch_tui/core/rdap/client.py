"""The async RDAP client: one polite GET per domain, hardened against hostile servers.

`RdapChecker.fetch(domain)` asks the TLD's RDAP server (from the bootstrap) for
`{base}domain/{a-label}` with `Accept: application/rdap+json`, follows at most 3 redirects
itself (https only; http only to loopback hosts), streams the body and stops reading past
1 MiB, retries 5xx, 429 (after its Retry-After, bounded) and timeouts with exponential backoff,
and always returns an `Observation`: trouble becomes `Evidence.error`, never an exception.

The HTTP transport (core/rdap/transport.py) is aiohttp called directly by default: measured on
loopback it costs a fraction of the CPU of httpx, on its own transport or on aiohttp's
(see benchmarks/check_bench.py); "httpx-aiohttp" and "httpx" remain selectable.
"""

from __future__ import annotations

import asyncio
import email.utils
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpx

from domainwatch_tui.core.model import Evidence, Observation, RdapSettings
from domainwatch_tui.core.observe import guarded_fetch
from domainwatch_tui.core.rdap.bootstrap import Bootstrap, url_refusal
from domainwatch_tui.core.rdap.parse import parse_rdap_domain
from domainwatch_tui.core.rdap.politeness import Politeness
from domainwatch_tui.core.rdap.transport import (
    ACCEPT,
    DEFAULT_TRANSPORT,
    MAX_BODY_BYTES,
    TRANSPORTS,
    USER_AGENT,
    Answer,
    make_client,
    open_transport,
)
from domainwatch_tui.core.timefmt import Clock

MAX_REDIRECTS = 3

__all__ = ["ACCEPT", "DEFAULT_TRANSPORT", "MAX_BODY_BYTES", "MAX_REDIRECTS", "TRANSPORTS", "USER_AGENT",
           "RdapChecker", "download_bootstrap", "make_client", "parse_retry_after"]


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


class RdapChecker:
    """The RDAP backend (`core.checking.Checker`): polite, bounded, never raises on bad servers."""

    backend = "rdap"

    def __init__(self, settings: RdapSettings, bootstrap: Bootstrap, *, clock: Clock,
                 transport: str | httpx.AsyncBaseTransport | None = None, backoff_base: float = 0.5):
        self.settings = settings
        self.bootstrap = bootstrap
        self.clock = clock
        self.backoff_base = backoff_base
        self.politeness = Politeness(settings.requests_per_second, settings.concurrency)
        self._transport = open_transport(transport, timeout=settings.timeout_seconds)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> RdapChecker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def fetch(self, domain: str) -> Observation:
        """Ask the registry about `domain` (an A-label); trouble becomes `Evidence.error`."""
        return await guarded_fetch(domain, self._fetch, clock=self.clock, on_failure=lambda d, exc: Evidence(
            domain=d, error=f"RDAP client failure: {type(exc).__name__}: {exc}"))

    async def _fetch(self, domain: str) -> tuple[Evidence, bytes | None]:
        base, why_not = self.bootstrap.match(domain)
        if base is None:
            return Evidence(domain=domain, unsupported=True, remarks=(why_not or "",)), None
        url = f"{base}domain/{domain}"
        attempts = max(self.settings.retries, 0) + 1
        answer = Answer(url=url)
        for attempt in range(attempts):
            answer = await self._get(url)
            if not answer.retryable:
                break
            if answer.retry_after is not None and answer.retry_after > self.settings.max_retry_after_seconds:
                answer.error = (f"{answer.error}; Retry-After {answer.retry_after:g} s is longer "
                                f"than the {self.settings.max_retry_after_seconds:g} s honoured")
                answer.retryable = False
                break
            if attempt + 1 >= attempts:
                break
            delay = self.backoff_base * (2 ** attempt)
            if answer.retry_after is not None:
                delay = max(delay, answer.retry_after)
            await asyncio.sleep(delay)
        if answer.error is not None:
            if answer.retryable and attempts > 1:
                answer.error = f"{answer.error} (after {attempts} attempts)"
            return Evidence(domain=domain, server=answer.url, http_status=answer.status,
                            error=answer.error), answer.body
        if answer.oversized:
            return Evidence(domain=domain, server=answer.url, http_status=answer.status,
                            error=f"response larger than {MAX_BODY_BYTES // 1024} KiB: refused"), None
        evidence = parse_rdap_domain(domain, answer.status or 0, answer.body, server=answer.url,
                                     content_type=answer.content_type)
        return evidence, answer.body

    async def _get(self, url: str) -> Answer:
        """One attempt: GET with redirects followed by hand; classify what came back."""
        for _hop in range(MAX_REDIRECTS + 1):
            host = urlsplit(url).hostname or ""
            limiter = self.politeness.for_host(host)
            try:
                async with limiter.slot(), asyncio.timeout(self.settings.timeout_seconds):
                    answer, location = await self._transport.request(url)
            except TimeoutError:
                return Answer(url=url, error=f"timed out after {self.settings.timeout_seconds:g} s",
                               retryable=True)
            except (httpx.HTTPError, aiohttp.ClientError, OSError) as exc:
                return Answer(url=url, error=f"connection failed: {type(exc).__name__}: {exc}"[:300],
                               retryable=True)
            if answer.status == 429:
                answer.retry_after = parse_retry_after(answer.retry_after_header, self.clock())
                if answer.retry_after is not None:
                    limiter.pause(min(answer.retry_after, self.settings.max_retry_after_seconds))
            if location is None:
                return answer
            target = urljoin(url, location)
            refusal = url_refusal(target)
            if refusal:
                return Answer(url=url, status=answer.status, error=f"redirect refused: {refusal}")
            url = target
        return Answer(url=url, error=f"more than {MAX_REDIRECTS} redirects")


async def download_bootstrap(url: str, *, timeout: float = 30.0, max_bytes: int = 8 * 1024 * 1024,
                             transport: str = "httpx") -> bytes:
    """GET a bootstrap file (https, or http to loopback; at most 3 redirects, capped size).

    Raises `RuntimeError` with a message for the operator when it cannot.
    """
    async with make_client(transport, timeout=timeout, max_connections=4) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            refusal = url_refusal(url)
            if refusal:
                raise RuntimeError(f"refused: {refusal}")
            try:
                async with asyncio.timeout(timeout), client.stream(
                        "GET", url, headers={"Accept": "application/json"}) as resp:
                    if resp.status_code in (301, 302, 303, 307, 308) and resp.headers.get("location"):
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if resp.status_code != 200:
                        raise RuntimeError(f"{url} answered HTTP {resp.status_code}")
                    data = bytearray()
                    async for chunk in resp.aiter_bytes():
                        data += chunk
                        if len(data) > max_bytes:
                            raise RuntimeError(f"{url}: larger than {max_bytes} bytes")
                    return bytes(data)
            except TimeoutError:
                raise RuntimeError(f"{url}: timed out after {timeout:g} s") from None
            except (httpx.HTTPError, OSError) as exc:
                raise RuntimeError(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None
        raise RuntimeError(f"{url}: more than {MAX_REDIRECTS} redirects")

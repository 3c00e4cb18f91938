"""HTTP transports for the RDAP client: one GET, streamed, capped, redirects NOT followed.

`RdapChecker` (client.py) owns the policy (redirect rules, retries, politeness, timeouts);
a transport only performs one request and reports what came back as an `Answer` plus the
`Location` of a redirect. Three are offered:

- `aiohttp` (default): aiohttp's ClientSession called directly. On loopback it costs about a
  quarter of the CPU per request of httpx on aiohttp (benchmarks/check_bench.py).
- `httpx-aiohttp`: httpx's AsyncClient on the `httpx-aiohttp` transport.
- `httpx`: httpx's AsyncClient on its own transport (also any `httpx.AsyncBaseTransport`,
  which tests use to inject canned responses).

All three send the same headers, verify TLS the same way (httpx's `create_ssl_context`:
certifi, or SSL_CERT_FILE / SSL_CERT_DIR), honour the proxy environment variables, and stop
reading a body past `MAX_BODY_BYTES` (counted after content decoding, as httpx counts it).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
import httpx
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from domainwatch_tui import __version__

MAX_BODY_BYTES = 1024 * 1024
ACCEPT = "application/rdap+json, application/json;q=0.9"
USER_AGENT = f"domainwatch/{__version__} (+RDAP lifecycle monitor)"
TRANSPORTS = ("aiohttp", "httpx-aiohttp", "httpx")
DEFAULT_TRANSPORT = "aiohttp"
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
_KEEPALIVE_SECONDS = 5.0  # httpx.Limits' default keep-alive expiry, kept for every transport


@dataclass(slots=True)
class Answer:
    """One final HTTP answer (after redirects) or why there is none."""

    url: str
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    retry_after_header: str | None = None
    oversized: bool = False


def classify_head(url: str, status: int, headers) -> tuple[Answer | None, str | None]:
    """What the status line and headers alone decide: (final answer, redirect location).

    (None, None) means "read the body". `headers` is any case-insensitive mapping.
    """
    if status in REDIRECT_STATUSES:
        location = headers.get("location")
        if not location:
            return Answer(url=url, status=status, error=f"HTTP {status} without Location"), None
        return Answer(url=url, status=status), location
    if status == 429:
        return Answer(url=url, status=status, error="rate limited (HTTP 429)", retryable=True,
                      retry_after_header=headers.get("retry-after")), None
    if status >= 500:
        return Answer(url=url, status=status, error=f"server error (HTTP {status})", retryable=True), None
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return Answer(url=url, status=status, content_type=headers.get("content-type"), oversized=True), None
    return None, None


class Transport(Protocol):
    """One GET of `url`, redirects not followed; raises only for transport failures."""

    async def request(self, url: str) -> tuple[Answer, str | None]: ...

    async def aclose(self) -> None: ...


def make_client(kind: str = "httpx-aiohttp", *, timeout: float = 10.0,
                max_connections: int = 256) -> httpx.AsyncClient:
    """An httpx AsyncClient on httpx's own transport ("httpx") or on aiohttp ("httpx-aiohttp"),
    redirects off."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                          keepalive_expiry=_KEEPALIVE_SECONDS)
    headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT}
    if kind == "httpx-aiohttp":
        from httpx_aiohttp import AiohttpTransport

        transport: httpx.AsyncBaseTransport = AiohttpTransport(limits=limits)
        return httpx.AsyncClient(transport=transport, headers=headers, timeout=timeout,
                                 follow_redirects=False)
    if kind == "httpx":
        return httpx.AsyncClient(limits=limits, headers=headers, timeout=timeout, follow_redirects=False)
    raise ValueError(f"unknown transport {kind!r} (one of {', '.join(TRANSPORTS)})")


class HttpxTransport:
    """A GET through an httpx AsyncClient (its own transport, httpx-aiohttp, or an injected one)."""

    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    async def request(self, url: str) -> tuple[Answer, str | None]:
        request = self._client.build_request("GET", url)
        response = await self._client.send(request, stream=True)
        try:
            status = response.status_code
            decided, location = classify_head(url, status, response.headers)
            if decided is not None:
                return decided, location
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    return Answer(url=url, status=status, content_type=response.headers.get("content-type"),
                                  oversized=True), None
            return Answer(url=url, status=status, body=b"".join(chunks),
                          content_type=response.headers.get("content-type")), None
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()


class AiohttpTransport:
    """A GET through aiohttp's ClientSession, created on first use in the running event loop."""

    def __init__(self, *, timeout: float, max_connections: int = 256):
        self.timeout = timeout
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], tuple[URL | None, aiohttp.BasicAuth | None]] = {}
        # the same trust store as httpx; made now, not inside the first request's time slot
        self._ssl: ssl.SSLContext = httpx.create_ssl_context(trust_env=True)

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0,
                                         keepalive_timeout=_KEEPALIVE_SECONDS, ssl=self._ssl)
        return aiohttp.ClientSession(
            connector=connector, headers={"Accept": ACCEPT, "User-Agent": USER_AGENT},
            # the whole request is bounded by the caller (RdapChecker: asyncio.timeout per hop);
            # a second timer per request here would only cost time, so only the connect is bounded
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout))

    def _proxy(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy of the environment (HTTP(S)_PROXY, NO_PROXY) for this scheme and host, looked
        up once: aiohttp's own `trust_env` would ask a thread for it on every request."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        found = self._proxies.get(key)
        if found is None:
            try:
                found = get_env_proxy_for_url(URL(url))
            except LookupError:
                found = (None, None)
            self._proxies[key] = found
        return found

    async def request(self, url: str) -> tuple[Answer, str | None]:
        session = self._session
        if session is None or session.closed:
            session = self._session = self._open()
        proxy, proxy_auth = self._proxy(url)
        async with session.get(url, allow_redirects=False, proxy=proxy, proxy_auth=proxy_auth) as response:
            status = response.status
            headers = response.headers
            decided, location = classify_head(url, status, headers)
            if decided is not None:
                return decided, location
            content = response.content
            ctype = headers.get("content-type")
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    response.close()  # stop reading: the connection is dropped, not drained
                    return Answer(url=url, status=status, content_type=ctype, oversized=True), None
            return Answer(url=url, status=status, body=b"".join(chunks), content_type=ctype), None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def open_transport(kind: str | httpx.AsyncBaseTransport | None, *, timeout: float,
                   max_connections: int = 256) -> Transport:
    """The transport by name (see TRANSPORTS), or an httpx client on an injected httpx transport."""
    if isinstance(kind, httpx.AsyncBaseTransport):
        return HttpxTransport(httpx.AsyncClient(transport=kind, headers={"Accept": ACCEPT,
                                                "User-Agent": USER_AGENT}, follow_redirects=False))
    kind = kind or DEFAULT_TRANSPORT
    if kind == "aiohttp":
        return AiohttpTransport(timeout=timeout, max_connections=max_connections)
    return HttpxTransport(make_client(kind, timeout=timeout, max_connections=max_connections))

"""The Fastly Domain Research status backend (`check --backend fastly`): what PyPI uses.

`GET {base_url}/domain-management/v1/tools/status?domain={a-label}` with the `Fastly-Key` header
answers one JSON object: `{"domain": ..., "zone": ..., "status": "undelegated inactive",
"tags": ..., "offers": [...]}` (errors: `{"errors": [{"code": ..., "message": ...}]}`). The
tokens go to `Evidence.backend_statuses` untouched; `core.fastly_rules.classify_fastly` reads
them. Errors, refusals and timeouts become `Evidence.error` (-> unknown), never an exception.

The token comes from `$DOMAINWATCH_FASTLY_KEY`, else the config's `[fastly] key`. It is sent
only in the request header: never logged, never in an error message, never stored (the raw body
kept with the check is Fastly's answer, which does not contain it).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from domainwatch_tui import __version__
from domainwatch_tui.core.fastly_rules import fastly_tokens
from domainwatch_tui.core.model import Evidence, Observation
from domainwatch_tui.core.observe import guarded_fetch
from domainwatch_tui.core.rdap.bootstrap import url_refusal
from domainwatch_tui.core.rdap.politeness import Politeness
from domainwatch_tui.core.timefmt import Clock

STATUS_PATH = "/domain-management/v1/tools/status"
TOKEN_ENV = "DOMAINWATCH_FASTLY_KEY"
MAX_BODY_BYTES = 256 * 1024
USER_AGENT = f"domainwatch/{__version__} (+domain lifecycle monitor)"


class FastlyConfigError(Exception):
    """The Fastly backend cannot be used as configured (no token, a bad base URL)."""


@dataclass(frozen=True, slots=True)
class FastlySettings:
    """The `[fastly]` section of the config (the token is kept apart: see `resolve_token`)."""

    base_url: str = "https://api.fastly.com"
    timeout_seconds: float = 10.0
    requests_per_second: float = 5.0
    concurrency: int = 4
    retries: int = 2
    max_retry_after_seconds: float = 60.0


def resolve_token(config_key: str | None, env: Mapping[str, str] | None = None) -> str:
    """`$DOMAINWATCH_FASTLY_KEY`, else the config's `[fastly] key`; FastlyConfigError when neither."""
    env = os.environ if env is None else env
    token = (env.get(TOKEN_ENV) or config_key or "").strip()
    if not token:
        raise FastlyConfigError(
            f"the Fastly backend needs an API token: set ${TOKEN_ENV} (or `key` in the [fastly] "
            "section of the config file)"
        )
    return token


class FastlyChecker:
    """A `core.checking.Checker` on Fastly's Domain Research status API."""

    backend = "fastly"

    def __init__(self, settings: FastlySettings, token: str, *, clock: Clock,
                 transport: httpx.AsyncBaseTransport | None = None, backoff_base: float = 0.5):
        refusal = url_refusal(settings.base_url)
        if refusal:
            raise FastlyConfigError(f"[fastly] base_url: {refusal}")
        if not token:
            raise FastlyConfigError("empty Fastly API token")
        self.settings = settings
        self.clock = clock
        self.backoff_base = backoff_base
        self._url = settings.base_url.rstrip("/") + STATUS_PATH
        self._host = urlsplit(self._url).hostname or ""
        self._limiter = Politeness(settings.requests_per_second, settings.concurrency).for_host(self._host)
        self._client = httpx.AsyncClient(
            transport=transport, timeout=settings.timeout_seconds, follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT, "Fastly-Key": token},
        )

    def __repr__(self) -> str:  # never the token
        return f"FastlyChecker(url={self._url!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> FastlyChecker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def fetch(self, domain: str) -> Observation:
        """Ask Fastly about `domain` (an A-label); trouble becomes `Evidence.error`."""
        # the exception's text is left out: it could quote the request and with it the token
        return await guarded_fetch(domain, self._fetch, clock=self.clock, on_failure=self._failure)

    def _failure(self, domain: str, exc: Exception) -> Evidence:
        return Evidence(domain=domain, backend="fastly", server=self._url,
                        error=f"Fastly client failure: {type(exc).__name__}")

    async def _fetch(self, domain: str) -> tuple[Evidence, bytes | None]:
        attempts = max(self.settings.retries, 0) + 1
        status: int | None = None
        body: bytes | None = None
        error: str | None = None
        for attempt in range(attempts):
            status, body, error, retry_after = await self._get(domain)
            if retry_after is None:
                break
            if attempt + 1 >= attempts:
                error = f"{error} (after {attempts} attempts)" if attempts > 1 else error
                break
            if retry_after > self.settings.max_retry_after_seconds:
                error = (f"{error}; Retry-After {retry_after:g} s is longer than the "
                         f"{self.settings.max_retry_after_seconds:g} s honoured")
                break
            await asyncio.sleep(max(retry_after, self.backoff_base * (2 ** attempt)))
        if error is not None:
            return Evidence(domain=domain, backend="fastly", server=self._url, http_status=status,
                            error=error), body
        return evidence_from_body(domain, status or 0, body or b"", server=self._url), body

    async def _get(self, domain: str) -> tuple[int | None, bytes | None, str | None, float | None]:
        """One attempt: (status, body, error, retry-after seconds when worth retrying)."""
        timeout = self.settings.timeout_seconds
        try:
            async with self._limiter.slot(), asyncio.timeout(timeout):
                request = self._client.build_request("GET", self._url, params={"domain": domain})
                response = await self._client.send(request, stream=True)
                try:
                    status = response.status_code
                    if status == 429:
                        wait = _seconds(response.headers.get("retry-after"))
                        if wait is not None:
                            self._limiter.pause(min(wait, self.settings.max_retry_after_seconds))
                        return status, None, "rate limited by Fastly (HTTP 429)", wait or 0.0
                    if status >= 500:
                        return status, None, f"Fastly server error (HTTP {status})", 0.0
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_BODY_BYTES:
                            return status, None, f"response larger than {MAX_BODY_BYTES // 1024} KiB", None
                        chunks.append(chunk)
                    return status, b"".join(chunks), None, None
                finally:
                    await response.aclose()
        except TimeoutError:
            return None, None, f"Fastly timed out after {timeout:g} s", 0.0
        except (httpx.HTTPError, OSError) as exc:
            return None, None, f"cannot reach Fastly: {type(exc).__name__}", 0.0


def _seconds(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def evidence_from_body(domain: str, status: int, body: bytes, *, server: str | None = None) -> Evidence:
    """Evidence from one Fastly answer (pure). Anything unexpected becomes `error` (-> unknown)."""
    base: dict[str, Any] = {"domain": domain, "backend": "fastly", "server": server, "http_status": status}
    document: Any = None
    try:
        document = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        document = None
    if status in (401, 403):
        return Evidence(**base, error=f"Fastly refused the API token (HTTP {status})")
    if status != 200:
        return Evidence(**base, error=f"Fastly answered HTTP {status}{_error_message(document)}")
    if not isinstance(document, dict):
        return Evidence(**base, error="Fastly's answer is not a JSON object")
    if isinstance(document.get("errors"), list) and document["errors"]:
        return Evidence(**base, error=f"Fastly reported an error{_error_message(document)}")
    answered = document.get("domain")
    if not isinstance(answered, str) or answered.strip().rstrip(".").lower() != domain:
        shown = answered[:80] if isinstance(answered, str) else type(answered).__name__
        return Evidence(**base, error=f"Fastly answered for {shown!r}, not {domain!r}")
    tokens = fastly_tokens(document.get("status"))
    if not tokens:
        return Evidence(**base, error="Fastly's answer has no status")
    return Evidence(**base, backend_statuses=tokens)


def _error_message(document: Any) -> str:
    """': <message>' from a Fastly error body, cleaned and bounded ('' when none)."""
    if not isinstance(document, dict):
        return ""
    errors = document.get("errors")
    message: Any = None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message") or errors[0].get("title")
    message = message or document.get("msg") or document.get("detail")
    if not isinstance(message, str):
        return ""
    clean = "".join(ch for ch in message if ch.isprintable())[:200]
    return f": {clean}" if clean else ""

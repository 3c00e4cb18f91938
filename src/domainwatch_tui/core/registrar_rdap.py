"""Registrar RDAP: for thin registries, ask the registrar too and compare expiry dates.

A thin registry (.com, .net) links its answer to the registrar's own RDAP record (`links` with
`rel: related`, `Evidence.related_url`). The two can disagree: at expiry the .com registry
auto-renews and its date jumps a year ahead although nobody paid, while the registrar still
shows the real, past date. That disagreement is evidence (a `core.model.Signal` with source
`registrar-rdap`), never on its own a phase.

The registrar is asked under the same politeness rules as the registries: the caller passes the
RDAP checker's `Politeness` (one limiter per host, shared), the same https-only rule (http only to
loopback), at most 3 redirects, a 1 MiB cap and a time limit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import httpx

from domainwatch_tui.core.model import Evidence, RdapSettings, Signal
from domainwatch_tui.core.rdap.bootstrap import url_refusal
from domainwatch_tui.core.rdap.parse import parse_rdap_domain
from domainwatch_tui.core.rdap.politeness import Politeness

SOURCE = "registrar-rdap"
MAX_BODY_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
ACCEPT = "application/rdap+json, application/json;q=0.9"
#: Dates closer than this are the same date written differently (time of day, time zone).
TOLERANCE_SECONDS = 36 * 3600


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def compare_expiry(registry: Evidence, registrar: Evidence, *, host: str) -> tuple[Signal, ...]:
    """The signal comparing the registry's expiry with the registrar's (pure)."""
    if registrar.error:
        return (Signal(SOURCE, "lookup-failed", f"the registrar's RDAP ({host}) gave no usable answer: "
                                                f"{registrar.error}"),)
    if registrar.not_found:
        return (Signal(SOURCE, "registrar-not-found",
                       f"the registrar's RDAP ({host}) does not know the domain (HTTP 404) although "
                       "the registry lists it"),)
    theirs = registrar.registrar_expires_at or registrar.expires_at
    ours = registry.expires_at or registry.registrar_expires_at
    if theirs is None:
        return (Signal(SOURCE, "no-expiry", f"the registrar's RDAP ({host}) publishes no expiry date"),)
    if ours is None:
        return (Signal(SOURCE, "expiry-disagreement",
                       f"the registrar's RDAP ({host}) says it expires {_day(theirs)}; "
                       "the registry publishes no expiry"),)
    gap = (ours - theirs).total_seconds()
    if abs(gap) <= TOLERANCE_SECONDS:
        return (Signal(SOURCE, "expiry-agreement",
                       f"the registrar's RDAP ({host}) agrees: expires {_day(theirs)}"),)
    hint = ""
    if gap > 0:
        hint = ": the registry's later date may be an automatic renewal nobody has paid for"
    return (Signal(SOURCE, "expiry-disagreement",
                   f"the registrar's RDAP ({host}) says it expires {_day(theirs)}; the registry says "
                   f"{_day(ours)}{hint}"),)


class RegistrarRdap:
    """Follows `Evidence.related_url` to the registrar and compares expiry dates."""

    def __init__(self, settings: RdapSettings, politeness: Politeness, *,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.politeness = politeness
        self._client = httpx.AsyncClient(transport=transport, timeout=settings.timeout_seconds,
                                         follow_redirects=False, headers={"Accept": ACCEPT})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def signals(self, evidence: Evidence) -> tuple[Signal, ...]:
        """Signals for a registry answer that links to the registrar; () when there is no link."""
        url = evidence.related_url
        if not url or evidence.error or evidence.not_found:
            return ()
        host = urlsplit(url).hostname or url[:80]
        refusal = url_refusal(url)
        if refusal:
            return (Signal(SOURCE, "lookup-failed",
                           f"the registrar's RDAP link was not followed: {refusal}"),)
        try:
            status, body, ctype, final = await self._get(url)
        except TimeoutError:
            return (Signal(SOURCE, "lookup-failed", f"the registrar's RDAP ({host}) timed out after "
                                                    f"{self.settings.timeout_seconds:g} s"),)
        except (httpx.HTTPError, OSError) as exc:
            return (Signal(SOURCE, "lookup-failed", f"cannot reach the registrar's RDAP ({host}): "
                                                    f"{type(exc).__name__}"),)
        except _Refused as exc:
            return (Signal(SOURCE, "lookup-failed", f"the registrar's RDAP ({host}): {exc}"),)
        registrar = parse_rdap_domain(evidence.domain, status, body, server=final, content_type=ctype)
        return compare_expiry(evidence, registrar, host=host)

    async def _get(self, url: str) -> tuple[int, bytes | None, str | None, str]:
        for _hop in range(MAX_REDIRECTS + 1):
            limiter = self.politeness.for_host(urlsplit(url).hostname or "")
            async with limiter.slot(), asyncio.timeout(self.settings.timeout_seconds):
                response = await self._client.send(self._client.build_request("GET", url), stream=True)
                try:
                    if response.status_code in (301, 302, 303, 307, 308):
                        target = urljoin(url, response.headers.get("location", ""))
                        refusal = url_refusal(target)
                        if refusal:
                            raise _Refused(f"redirect refused: {refusal}")
                        url = target
                        continue
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_BODY_BYTES:
                            raise _Refused(f"answer larger than {MAX_BODY_BYTES // 1024} KiB refused")
                        chunks.append(chunk)
                    return response.status_code, b"".join(chunks), response.headers.get("content-type"), url
                finally:
                    await response.aclose()
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")


class _Refused(Exception):
    """The registrar's answer was refused (redirect, size)."""

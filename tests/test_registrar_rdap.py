"""Registrar RDAP: follow the thin registry's `related` link (loopback), compare expiry dates."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest
from aiohttp import web

from domainwatch_tui.core.model import Evidence, RdapSettings
from domainwatch_tui.core.rdap.politeness import Politeness
from domainwatch_tui.core.registrar_rdap import RegistrarRdap, compare_expiry

RDAP = "application/rdap+json"
REGISTRY_EXPIRY = datetime(2027, 6, 1, tzinfo=UTC)  # auto-renewed a year ahead


def _domain(name: str, expiry: str | None) -> dict:
    events = [{"eventAction": "registration", "eventDate": "2015-06-01T00:00:00Z"}]
    if expiry:
        events.append({"eventAction": "expiration", "eventDate": expiry})
    return {"objectClassName": "domain", "ldhName": name, "status": ["active"], "events": events,
            "rdapConformance": ["rdap_level_0"]}


@pytest.fixture
async def registrar():
    hits: list[str] = []

    async def domain(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hits.append(name)
        if name == "lapsed.com":
            return web.json_response(_domain(name, "2026-06-01T00:00:00Z"))
        if name == "same.com":
            return web.json_response(_domain(name, "2027-06-01T04:00:00+0000"))
        if name == "nodate.com":
            return web.json_response(_domain(name, None))
        if name == "other.com":
            return web.json_response(_domain("someone-else.com", "2026-01-01T00:00:00Z"))
        if name == "hop.com":
            raise web.HTTPFound("/rdap/new/hop.com")
        if name == "away.com":
            raise web.HTTPFound("http://203.0.113.9/rdap/domain/away.com")
        if name == "big.com":
            return web.Response(body=b"{" + b" " * (1024 * 1024 + 10) + b"}", content_type=RDAP)
        if name == "broken.com":
            return web.Response(text="{not json", content_type=RDAP)
        return web.Response(status=404, text=json.dumps({"errorCode": 404}), content_type=RDAP)

    async def moved(request: web.Request) -> web.StreamResponse:
        return web.json_response(_domain(request.match_info["name"], "2026-06-01T00:00:00Z"))

    app = web.Application()
    app.router.add_get("/rdap/domain/{name}", domain)
    app.router.add_get("/rdap/new/{name}", moved)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/rdap/domain/"
    yield base, hits
    await runner.cleanup()


def _registry(name: str, related: str | None, expiry: datetime | None = REGISTRY_EXPIRY) -> Evidence:
    return Evidence(domain=name, statuses=("auto renew period",), expires_at=expiry, related_url=related)


async def _signals(base: str, name: str, **kw):
    settings = RdapSettings(requests_per_second=0, concurrency=0, timeout_seconds=kw.pop("timeout", 5.0))
    client = RegistrarRdap(settings, Politeness(0, 0))
    try:
        return await client.signals(_registry(name, base + name if base else None, **kw))
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("name", "kind", "needle"),
    [
        ("lapsed.com", "expiry-disagreement", "says it expires 2026-06-01; the registry says 2027-06-01"),
        ("hop.com", "expiry-disagreement", "automatic renewal nobody has paid for"),
        ("same.com", "expiry-agreement", "agrees"),
        ("nodate.com", "no-expiry", "publishes no expiry"),
        ("missing.com", "registrar-not-found", "does not know the domain"),
        ("other.com", "lookup-failed", "no usable answer"),
        ("broken.com", "lookup-failed", "no usable answer"),
        ("big.com", "lookup-failed", "larger than"),
        ("away.com", "lookup-failed", "redirect refused"),
    ],
)
async def test_registrar_answers(registrar, name, kind, needle):
    base, _hits = registrar
    signals = await _signals(base, name)
    assert len(signals) == 1
    assert signals[0].source == "registrar-rdap" and signals[0].kind == kind
    assert needle in signals[0].detail


async def test_no_link_no_request_and_refused_links(registrar):
    base, hits = registrar
    assert await _signals("", "lapsed.com") == ()
    assert hits == []
    settings = RdapSettings()
    client = RegistrarRdap(settings, Politeness(0, 0))
    try:
        refused = await client.signals(_registry("x.com", "http://registrar.example/rdap/domain/x.com"))
        errored = await client.signals(Evidence(domain="x.com", error="boom", related_url=base + "x.com"))
    finally:
        await client.aclose()
    assert refused[0].kind == "lookup-failed" and "https" in refused[0].detail
    assert errored == () and hits == []


async def test_unreachable_registrar_is_a_signal_not_a_crash():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    signals = await _signals(f"http://127.0.0.1:{port}/rdap/domain/", "lapsed.com")
    assert signals[0].kind == "lookup-failed" and "cannot reach" in signals[0].detail


def test_compare_without_registry_expiry():
    theirs = Evidence(domain="x.com", expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    signal = compare_expiry(Evidence(domain="x.com"), theirs, host="r.example")[0]
    assert signal.kind == "expiry-disagreement" and "publishes no expiry" in signal.detail

"""The RDAP client against the loopback simulator, with real sockets: faults, retries,
redirects, size limits and per-host politeness."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

import pytest

from domainwatch_tui.core.lifecycle import classify
from domainwatch_tui.core.model import Phase, Prior, RdapSettings
from domainwatch_tui.core.rdap.bootstrap import Bootstrap
from domainwatch_tui.core.rdap.client import TRANSPORTS, RdapChecker, parse_retry_after
from domainwatch_tui.core.timefmt import system_clock

FAST = RdapSettings(requests_per_second=0, concurrency=0, timeout_seconds=1.0, retries=1,
                    max_retry_after_seconds=5.0)


def checker(sim, settings: RdapSettings = FAST, **kw) -> RdapChecker:
    return RdapChecker(settings, Bootstrap.load(sim.bootstrap_path), clock=system_clock,
                       backoff_base=0.05, **kw)


async def fetch(sim, domain: str, settings: RdapSettings = FAST, transport: str | None = None):
    async with checker(sim, settings, transport=transport) as c:
        return await c.fetch(domain)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_healthy_answer_is_parsed(rdap_sim, transport):
    rdap_sim.set_scenario({"domains": {"example.com": "active"}})
    obs = await fetch(rdap_sim, "example.com", transport=transport)
    ev = obs.evidence
    assert ev.error is None and ev.http_status == 200
    assert ev.domain == "example.com" and "active" in ev.statuses
    assert ev.registrar_iana_id == "9999" and ev.handle and ev.expires_at
    assert obs.raw and b'"objectClassName"' in obs.raw
    assert classify(ev, datetime.now(UTC), Prior()).phase is Phase.ACTIVE


async def test_404_means_not_found(rdap_sim):
    obs = await fetch(rdap_sim, "nobody-has-this.com")
    assert obs.evidence.not_found and obs.evidence.error is None


@pytest.mark.parametrize(("fault", "extra", "reason"), [
    ("500", {}, "HTTP 500"),
    ("503", {}, "HTTP 503"),
    ("timeout", {"sleep_seconds": 5}, "timed out"),
    ("malformed_json", {}, "invalid JSON"),
    ("not_json", {}, "not JSON"),
    ("oversized", {}, "larger than"),
    ("oversized_chunked", {}, "larger than"),
    ("wrong_ldh", {}, "someone-else.example"),
    ("wrong_class", {}, "objectClassName"),
    ("redirect", {"redirects": 4}, "more than 3 redirects"),
    ("redirect_insecure", {}, "http://"),
    ("429", {"retry_after": "600"}, "Retry-After"),
])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_fault_ends_unknown_with_a_reason(rdap_sim, fault, extra, reason, transport):
    rdap_sim.set_scenario({"domains": {"bad.com": {"phase": "active", "fault": fault, **extra}}})
    settings = RdapSettings(requests_per_second=0, concurrency=0, timeout_seconds=0.5, retries=0,
                            max_retry_after_seconds=5.0)
    obs = await fetch(rdap_sim, "bad.com", settings, transport=transport)
    ev = obs.evidence
    assert ev.error and reason in ev.error
    verdict = classify(ev, datetime.now(UTC), Prior(phase=Phase.ACTIVE))
    assert verdict.phase is Phase.UNKNOWN and reason in " ".join(verdict.reasons)


async def test_429_retry_after_is_honoured(rdap_sim):
    rdap_sim.set_scenario({"domains": {"busy.com": {"phase": "active", "fault": "429",
                                                    "retry_after": "1", "fault_count": 1}}})
    obs = await fetch(rdap_sim, "busy.com")
    assert obs.evidence.error is None
    times = [r.at for r in rdap_sim.requests]
    assert len(times) == 2
    assert times[1] - times[0] >= 0.95  # waited the Retry-After, not the 0.05 s backoff


async def test_429_longer_than_the_bound_is_not_waited_for(rdap_sim):
    rdap_sim.set_scenario({"domains": {"busy.com": {"phase": "active", "fault": "429",
                                                    "retry_after": "3600"}}})
    obs = await fetch(rdap_sim, "busy.com")
    assert "3600" in obs.evidence.error and len(rdap_sim.requests) == 1


async def test_5xx_is_retried_with_backoff_then_unknown(rdap_sim):
    rdap_sim.set_scenario({"domains": {"broken.com": {"phase": "active", "fault": "500"}}})
    settings = RdapSettings(requests_per_second=0, concurrency=0, timeout_seconds=1, retries=2)
    obs = await fetch(rdap_sim, "broken.com", settings)
    assert "after 3 attempts" in obs.evidence.error
    times = [r.at for r in rdap_sim.requests]
    assert len(times) == 3
    assert times[2] - times[1] > times[1] - times[0]  # exponential


async def test_a_transient_5xx_recovers(rdap_sim):
    rdap_sim.set_scenario({"domains": {"flaky.com": {"phase": "grace", "fault": "503", "fault_count": 1}}})
    obs = await fetch(rdap_sim, "flaky.com")
    assert obs.evidence.error is None and len(rdap_sim.requests) == 2


async def test_a_short_redirect_chain_is_followed(rdap_sim):
    rdap_sim.set_scenario({"domains": {"moved.com": {"phase": "active", "fault": "redirect",
                                                     "redirects": 3}}})
    obs = await fetch(rdap_sim, "moved.com")
    assert obs.evidence.error is None and obs.evidence.handle
    assert [r.path.split("/")[1] for r in rdap_sim.requests] == ["domain", "r", "r", "r"]
    assert obs.evidence.server.endswith("/r/3/domain/moved.com")


async def test_unsupported_tld_asks_nobody(rdap_sim):
    obs = await fetch(rdap_sim, "example.zz")
    assert obs.evidence.unsupported and obs.evidence.error is None
    assert rdap_sim.requests == []
    assert classify(obs.evidence, datetime.now(UTC), Prior()).phase is Phase.UNKNOWN


async def test_a_closed_port_is_an_error_not_an_exception(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    boot = Bootstrap({"com": f"http://127.0.0.1:{port}/"})
    async with RdapChecker(FAST, boot, clock=system_clock, backoff_base=0.01) as c:
        obs = await c.fetch("example.com")
    assert "connection failed" in obs.evidence.error


async def test_politeness_rate_and_concurrency_per_host(rdap_sim):
    rdap_sim.set_scenario({"default": "active", "latency_ms": 30, "domains": {}})
    rate = 20
    settings = RdapSettings(requests_per_second=rate, concurrency=2, timeout_seconds=2, retries=0)
    async with checker(rdap_sim, settings) as c:
        results = await asyncio.gather(*(c.fetch(f"d{i}.com") for i in range(30)))
    assert all(r.evidence.error is None for r in results)
    times = sorted(r.at for r in rdap_sim.requests)
    assert len(times) == 30
    # never more than `rate` request starts in any one-second window
    for i in range(len(times) - rate):
        assert times[i + rate] - times[i] >= 1.0 - 0.03
    assert rdap_sim.thread.sim.max_in_flight <= 2


def test_retry_after_as_an_http_date():
    now = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jul 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("soon", now) is None

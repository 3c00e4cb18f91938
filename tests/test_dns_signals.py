"""DNS signals with a fake resolver (no network), how signals combine with the phase, and routing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from domainwatch_tui.core.dns_signals import (
    DnsAnswer,
    DnsSettings,
    DnsSignals,
    load_parking_list,
    make_dns_signals,
    parking_signals,
)
from domainwatch_tui.core.enrich import EnrichingChecker, RoutingChecker, backend_for, check_backends_table
from domainwatch_tui.core.model import Classification, Evidence, Observation, Phase, Signal
from domainwatch_tui.core.signals import signal_reasons, signals_from_json, with_signal_reasons

NOW = datetime(2026, 7, 1, tzinfo=UTC)
PARKING = load_parking_list()


class FakeResolver:
    """Answers from a table: (name, rdtype) -> DnsAnswer; `delay` to simulate a slow resolver."""

    def __init__(self, table: dict[tuple[str, str], DnsAnswer], delay: float = 0.0):
        self.table = table
        self.delay = delay
        self.asked: list[tuple[str, str]] = []

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        self.asked.append((name, rdtype))
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.table.get((name, rdtype), DnsAnswer("noanswer"))


def _kinds(signals) -> list[str]:
    return [s.kind for s in signals]


def test_shipped_list_has_the_two_documented_entries_with_sources():
    names = {p.name: p for p in PARKING}
    assert set(names) == {"pendingrenewaldeletion.com", "renewyourname.net"}
    assert all(p.registrar and p.source for p in PARKING)
    extra = load_parking_list(extra=["Expired.Example.NET."])
    assert extra[-1].name == "expired.example.net" and "config" in extra[-1].source


def test_parking_match_is_by_name_or_subdomain_only():
    hit = parking_signals(["NS1.PendingRenewalDeletion.com.", "ns2.pendingrenewaldeletion.com"], PARKING)
    assert len(hit) == 1 and hit[0].kind == "parked-nameservers"
    assert "Network Solutions" in hit[0].detail and "source:" in hit[0].detail
    assert parking_signals(["ns1.notpendingrenewaldeletion.com", "pendingrenewaldeletion.com.evil.net"],
                           PARKING) == ()


async def test_parked_nameservers_and_no_mx():
    resolver = FakeResolver({
        ("lapsed.com", "NS"): DnsAnswer("ok", ("ns1.pendingrenewaldeletion.com",
                                               "ns2.pendingrenewaldeletion.com")),
        ("lapsed.com", "MX"): DnsAnswer("noanswer"),
    })
    signals = await DnsSignals(resolver, PARKING).collect("lapsed.com")
    assert _kinds(signals) == ["parked-nameservers", "no-mx"]
    assert {s.source for s in signals} == {"dns"}


async def test_nxdomain_null_mx_and_healthy():
    nx = FakeResolver({("gone.com", "NS"): DnsAnswer("nxdomain"), ("gone.com", "MX"): DnsAnswer("nxdomain")})
    assert _kinds(await DnsSignals(nx, PARKING).collect("gone.com")) == ["nxdomain"]
    null = FakeResolver({("n.com", "NS"): DnsAnswer("ok", ("ns.host.net",)),
                         ("n.com", "MX"): DnsAnswer("ok", ("0 .",))})
    assert _kinds(await DnsSignals(null, PARKING).collect("n.com")) == ["null-mx"]
    ok = FakeResolver({("ok.com", "NS"): DnsAnswer("ok", ("ns.host.net",)),
                       ("ok.com", "MX"): DnsAnswer("ok", ("10 mx.host.net",))})
    assert await DnsSignals(ok, PARKING).collect("ok.com") == ()


async def test_slow_or_failing_resolver_is_bounded_and_said():
    slow = FakeResolver({}, delay=5.0)
    started = asyncio.get_running_loop().time()
    signals = await DnsSignals(slow, PARKING, timeout_seconds=0.1).collect("slow.com")
    assert asyncio.get_running_loop().time() - started < 1.0
    assert _kinds(signals) == ["lookup-failed"]
    failing = FakeResolver({("f.com", "NS"): DnsAnswer("timeout"), ("f.com", "MX"): DnsAnswer("error")})
    assert _kinds(await DnsSignals(failing, PARKING).collect("f.com")) == ["lookup-failed"]

    class Broken:
        async def query(self, name, rdtype):
            raise RuntimeError("bug")

    assert _kinds(await DnsSignals(Broken(), PARKING).collect("b.com")) == ["lookup-failed"]


def test_dns_is_off_unless_enabled():
    assert make_dns_signals(DnsSettings()) is None


PARKED = Signal("dns", "parked-nameservers", "nameservers ns1.pendingrenewaldeletion.com are parking")


def test_signals_corroborate_but_never_change_the_phase():
    ev = Evidence(domain="x.com", statuses=("auto renew period",), signals=(PARKED,))
    grace = with_signal_reasons(Classification(Phase.GRACE, ("RDAP status 'auto renew period'",)), ev)
    assert grace.phase == Phase.GRACE
    assert grace.reasons[-1].startswith("confirmed by dns:") and "not paid" in grace.reasons[-1]
    active = with_signal_reasons(Classification(Phase.ACTIVE, ("ok",)), ev)
    assert active.phase == Phase.ACTIVE and "contradicts the registry" in active.reasons[-1]
    quiet = Evidence(domain="x.com", signals=(Signal("dns", "lookup-failed", "timeout"),))
    assert signal_reasons(Phase.ACTIVE, quiet) == ()


def test_signals_json_round_trip_skips_junk():
    items = [{"source": "dns", "kind": "no-mx", "detail": "d"}, {"source": 1}, "x"]
    assert signals_from_json(items) == (Signal("dns", "no-mx", "d"),)


def test_backend_routing_by_suffix():
    table = check_backends_table({"io": "fastly", ".co.uk": "fastly", "uk": "rdap"})
    assert backend_for("example.io", "rdap", table) == "fastly"
    assert backend_for("example.co.uk", "rdap", table) == "fastly"
    assert backend_for("example.org.uk", "fastly", table) == "rdap"
    assert backend_for("example.com", "rdap", table) == "rdap"
    with pytest.raises(ValueError, match="expected one of"):
        check_backends_table({"io": "whois"})


class StubChecker:
    def __init__(self, backend: str, evidence: dict[str, Evidence] | None = None):
        self.backend = backend
        self.evidence = evidence or {}
        self.fetched: list[str] = []
        self.closed = False

    async def fetch(self, domain: str) -> Observation:
        self.fetched.append(domain)
        ev = self.evidence.get(domain, Evidence(domain=domain, backend=self.backend))
        return Observation(evidence=ev, checked_at=NOW, duration_ms=1.0)

    async def aclose(self) -> None:
        self.closed = True


async def test_routing_checker_and_enriching_checker():
    rdap, fastly = StubChecker("rdap"), StubChecker("fastly")
    router = RoutingChecker({"rdap": rdap, "fastly": fastly}, "rdap", {"io": "fastly"})
    assert (await router.fetch("a.io")).evidence.backend == "fastly"
    assert (await router.fetch("a.com")).evidence.backend == "rdap"
    await router.aclose()
    assert rdap.closed and fastly.closed

    inner = StubChecker("rdap", {"p.com": Evidence(domain="p.com", nameservers=("ns1.renewyourname.net",))})
    resolver = FakeResolver({("p.com", "MX"): DnsAnswer("noanswer")})
    enriched = EnrichingChecker(inner, dns=DnsSignals(resolver, PARKING), parking=PARKING)
    ev = (await enriched.fetch("p.com")).evidence
    assert [(s.source, s.kind) for s in ev.signals] == [("rdap", "parked-nameservers"), ("dns", "no-mx")]
    unsupported = StubChecker("rdap", {"u.zz": Evidence(domain="u.zz", unsupported=True)})
    ev = (await EnrichingChecker(unsupported, dns=DnsSignals(resolver, PARKING)).fetch("u.zz")).evidence
    assert ev.signals == ()


async def test_signals_are_stored_and_shown_with_their_source(tmp_path):
    from domainwatch_tui.core.checking import record_observation
    from domainwatch_tui.core.model import PolicySettings
    from domainwatch_tui.core.reports import show_object
    from domainwatch_tui.core.store import Store

    ev = Evidence(domain="lapsed.com", http_status=200, statuses=("auto renew period",),
                  expires_at=datetime(2027, 6, 1, tzinfo=UTC),
                  nameservers=("ns1.pendingrenewaldeletion.com",))
    resolver = FakeResolver({("lapsed.com", "NS"): DnsAnswer("ok", ("ns1.pendingrenewaldeletion.com",)),
                             ("lapsed.com", "MX"): DnsAnswer("noanswer")})
    checker = EnrichingChecker(StubChecker("rdap", {"lapsed.com": ev}), dns=DnsSignals(resolver, PARKING),
                               parking=PARKING)
    store = Store(tmp_path / "s.db")
    try:
        store.add_domain("lapsed.com", "lapsed.com", now=NOW, exempt=False)
        obs = await checker.fetch("lapsed.com")
        outcome = record_observation(store, obs, now=NOW, policy=PolicySettings())
        shown = show_object(store.domain_row("lapsed.com"), [], [], [])
    finally:
        store.close()
    assert outcome.phase == Phase.GRACE  # the signals never change the phase
    assert {(s["source"], s["kind"]) for s in shown["signals"]} == {
        ("rdap", "parked-nameservers"), ("dns", "parked-nameservers"), ("dns", "no-mx")}


class _LoopbackDns:
    """A tiny authoritative-style DNS server on 127.0.0.1 (UDP) for the real dnspython path."""

    def __init__(self, zone: dict[tuple[str, str], list[str]], nxdomain: set[str]):
        self.zone, self.nxdomain = zone, nxdomain

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        import dns.message
        import dns.rcode
        import dns.rdatatype
        import dns.rrset

        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".")
        rdtype = dns.rdatatype.to_text(question.rdtype)
        if name in self.nxdomain:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif (name, rdtype) in self.zone:
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", rdtype,
                                                       *self.zone[(name, rdtype)]))
        self.transport.sendto(response.to_wire(), addr)

    def error_received(self, exc):  # pragma: no cover - nothing to do
        pass

    def connection_lost(self, exc):
        pass


async def test_the_dnspython_resolver_against_a_loopback_server():
    from domainwatch_tui.core.dns_signals import DnspythonResolver

    zone = {("parked.com", "NS"): ["ns1.renewyourname.net.", "ns2.renewyourname.net."],
            ("mail.com", "NS"): ["ns.host.net."], ("mail.com", "MX"): ["10 mx.mail.com."]}
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _LoopbackDns(zone, {"gone.com"}),
                                                       local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        resolver = DnspythonResolver(lifetime=2.0, nameservers=["127.0.0.1"], port=port)
        collector = DnsSignals(resolver, PARKING, timeout_seconds=3.0)
        parked = await collector.collect("parked.com")
        gone = await collector.collect("gone.com")
        healthy = await collector.collect("mail.com")
    finally:
        transport.close()
    assert _kinds(parked) == ["parked-nameservers", "no-mx"] and "renewyourname.net" in parked[0].detail
    assert _kinds(gone) == ["nxdomain"]
    assert healthy == ()
    silent = DnspythonResolver(lifetime=0.3, nameservers=["127.0.0.1"], port=port)  # nobody listens now
    assert (await silent.query("x.com", "NS")).rcode in ("timeout", "error")


async def test_recorded_reasons_carry_the_corroboration(tmp_path):
    from domainwatch_tui.core.checking import record_observation
    from domainwatch_tui.core.model import PolicySettings
    from domainwatch_tui.core.store import Store

    ev = Evidence(domain="auto.com", http_status=200, statuses=("auto renew period",),
                  expires_at=datetime(2027, 6, 1, tzinfo=UTC), signals=(PARKED,))
    store = Store(tmp_path / "r.db")
    try:
        store.add_domain("auto.com", "auto.com", now=NOW, exempt=False)
        obs = Observation(evidence=ev, checked_at=NOW, duration_ms=1.0)
        outcome = record_observation(store, obs, now=NOW, policy=PolicySettings())
    finally:
        store.close()
    assert outcome.phase == Phase.GRACE
    assert any(r.startswith("confirmed by dns:") for r in outcome.classification.reasons)

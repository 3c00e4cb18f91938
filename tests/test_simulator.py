"""The loopback RDAP simulator: scenario validation, RFC 9083 shapes for every phase, date
styles, defaults and timelines driven by an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domainwatch_tui.core.rdap.parse import parse_rdap_domain
from domainwatch_tui.simulator.rdap_shapes import DATE_STYLES, PHASES
from domainwatch_tui.simulator.scenario import (
    ScenarioError,
    example_scenario_path,
    load_scenario,
    scenario_from_dict,
)

ANCHOR = "2026-07-01T00:00:00Z"


def get(sim, domain):
    r = httpx.get(f"{sim.base_url}domain/{domain}", headers={"Accept": "application/rdap+json"})
    return r, parse_rdap_domain(domain, r.status_code, r.content, server=str(r.url),
                                content_type=r.headers.get("content-type"))


@pytest.mark.parametrize("phase", PHASES)
def test_every_phase_is_a_valid_rdap_answer(rdap_sim, phase):
    rdap_sim.set_scenario({"anchor": ANCHOR, "domains": {"x.com": phase}})
    response, ev = get(rdap_sim, "x.com")
    assert ev.error is None
    if phase in ("available", "reserved"):
        assert response.status_code == 404
        assert ev.reserved is (phase == "reserved") and ev.not_found is (phase == "available")
        return
    body = response.json()
    assert body["objectClassName"] == "domain" and body["ldhName"].lower() == "x.com"
    assert {"handle", "status", "events", "entities", "nameservers", "notices", "links",
            "rdapConformance"} <= set(body)
    assert ev.registrar_iana_id and ev.handle and ev.statuses
    assert (ev.expires_at is None) is (phase == "no_expiry")


@pytest.mark.parametrize("style", DATE_STYLES)
def test_date_styles_mean_the_same_instant(rdap_sim, style):
    rdap_sim.set_scenario({"anchor": ANCHOR, "date_style": style, "domains": {"x.org": "active"}})
    _, ev = get(rdap_sim, "x.org")
    assert ev.registered_at == datetime(2023, 7, 2, tzinfo=UTC)  # anchor - 3 x 365 days


def test_timeline_follows_the_injected_clock(rdap_sim):
    now = [datetime(2026, 7, 1, tzinfo=UTC)]
    rdap_sim.set_clock(lambda: now[0])
    rdap_sim.set_scenario({"anchor": ANCHOR, "domains": {"drop.com": {"phase": "redemption", "timeline": [
        {"at": "2026-07-10T00:00:00Z", "phase": "pending_delete"},
        {"at": "2026-07-15T00:00:00Z", "phase": "available"},
        {"at": "2026-07-16T00:00:00Z", "phase": "re_registered"}]}}})
    seen = []
    for day in (1, 11, 15, 20):
        now[0] = datetime(2026, 7, day, tzinfo=UTC)
        response, ev = get(rdap_sim, "drop.com")
        seen.append((response.status_code, ev.statuses, ev.handle, ev.registered_at))
    assert "redemption period" in seen[0][1]
    assert seen[1][1] == ("pending delete",)
    assert seen[2][0] == 404
    assert seen[3][2] != seen[0][2]  # a new registry handle
    assert seen[3][3] == datetime(2026, 7, 16, tzinfo=UTC) > seen[0][3]


def test_default_answer_for_unlisted_domains(rdap_sim):
    response, _ = get(rdap_sim, "unlisted.com")
    assert response.status_code == 404
    rdap_sim.set_scenario({"default": "active"})
    response, ev = get(rdap_sim, "unlisted.com")
    assert response.status_code == 200 and ev.error is None


def test_raw_answers_are_sent_as_given(rdap_sim):
    raw = {"status": 200, "body": {"objectClassName": "ip"}}
    rdap_sim.set_scenario({"domains": {"odd.com": {"raw": raw}}})
    response, ev = get(rdap_sim, "odd.com")
    assert response.json() == {"objectClassName": "ip"} and ev.error


def test_fact_overrides(rdap_sim):
    rdap_sim.set_scenario({"anchor": ANCHOR, "domains": {"x.net": {
        "phase": "active", "expires": "2026-07-20", "registrar": "Reg Co", "statuses": ["client hold"]}}})
    _, ev = get(rdap_sim, "x.net")
    assert ev.expires_at == datetime(2026, 7, 20, tzinfo=UTC)
    assert ev.registrar == "Reg Co" and ev.statuses == ("client hold",)
    assert ev.expires_at - ev.registered_at > timedelta(days=365)


@pytest.mark.parametrize(("doc", "message"), [
    ({"domains": {"a.com": "sleeping"}}, "unknown phase"),
    ({"domains": {"a.com": {"fault": "explode"}}}, "unknown fault"),
    ({"domains": {"a.com": {"phase": "active", "colour": "red"}}}, "unknown key"),
    ({"domains": {"a.com": {"timeline": [{"at": "yesterday", "phase": "active"}]}}}, "timeline"),
    ({"default": "nope"}, "default"),
    ([], "JSON object"),
])
def test_scenario_errors_name_the_problem(doc, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(doc)


def test_the_shipped_example_scenario_loads():
    scenario = load_scenario(example_scenario_path())
    assert "example.com" in scenario.domains and {"com", "net", "org"} <= set(scenario.tlds())

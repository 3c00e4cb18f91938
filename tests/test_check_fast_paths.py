"""The check path's fast paths give the same results as the plain ones: the batched (deferred)
risk refresh, the direct scoped refresh, `check_context`, the ISO formatting of record_check,
and the aiohttp transport's proxy look-up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domainwatch_tui.core.checking import record_observation
from domainwatch_tui.core.model import Observation, Phase, PolicySettings
from domainwatch_tui.core.rdap.transport import AiohttpTransport
from domainwatch_tui.core.store import checks as store_checks
from domainwatch_tui.core.timefmt import to_iso
from review_support import NOW, Addr, evidence, new_store, rows, seed

KINDS = ["active", "expiring", "redemption", "pending_delete", "grace", "available", "error"]


def _store(tmp_path, name: str, seed_value: int):
    rnd = random.Random(seed_value)
    store = new_store(tmp_path, name)
    domains = [f"d{i}.com" for i in range(30)]
    addrs = []
    for a in range(90):
        for d in rnd.sample(domains, rnd.choice([1, 1, 2, 3])):
            addrs.append(Addr(f"acct{a}", f"u{a}@{d}", verified=rnd.random() < 0.8,
                              has_2fa=rnd.choice([True, False, None]), packages=rnd.choice([None, 0, 7]),
                              downloads=rnd.choice([None, 0, 40_000])))
    seed(store, addrs)
    plan = [(d, rnd.choice(KINDS)) for d in domains]
    return store, plan


def _scores(store):
    return ({r[0]: r[1] for r in rows(store, "SELECT name, risk FROM domains")},
            {r[0]: r[1] for r in rows(store, "SELECT account_id, risk FROM accounts")})


def _observe_all(store, plan, *, deferred: bool):
    def one(domain, kind):
        obs = Observation(evidence=evidence(domain, kind), checked_at=NOW, duration_ms=5.0)
        return record_observation(store, obs, now=NOW, policy=PolicySettings())

    if deferred:
        with store.transaction(), store.deferred_risk():
            return [one(d, k) for d, k in plan]
    return [one(d, k) for d, k in plan]


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_a_batch_with_deferred_risk_equals_checks_one_by_one_and_a_full_refresh(tmp_path, seed_value):
    plain, plan = _store(tmp_path, "plain.db", seed_value)
    batched, _ = _store(tmp_path, "batched.db", seed_value)
    a = _observe_all(plain, plan, deferred=False)
    b = _observe_all(batched, plan, deferred=True)
    assert [o.phase for o in a] == [o.phase for o in b]
    assert {o.phase for o in a} & {Phase.REDEMPTION, Phase.AVAILABLE, Phase.PENDING_DELETE}
    plain_d, plain_a = _scores(plain)
    batched_d, batched_a = _scores(batched)
    assert any(v > 0 for v in plain_d.values())
    assert batched_d == pytest.approx(plain_d) and batched_a == pytest.approx(plain_a)
    batched.refresh_risk()  # and both equal the full recomputation
    full_d, full_a = _scores(batched)
    assert plain_d == pytest.approx(full_d) and plain_a == pytest.approx(full_a)
    # the rest of what a check writes is the same too
    for sql in ("SELECT name, phase, decision_state, verified FROM domains ORDER BY name",
                "SELECT domain, email_id, kind, status FROM proposals ORDER BY id"):
        assert [tuple(r) for r in rows(plain, sql)] == [tuple(r) for r in rows(batched, sql)]


def test_deferred_risk_refreshes_nothing_when_the_batch_fails(tmp_path):
    store, plan = _store(tmp_path, "s.db", 4)
    before = _scores(store)
    with pytest.raises(RuntimeError), store.transaction(), store.deferred_risk():
        _observe_all(store, [(d, "redemption") for d, _ in plan], deferred=False)
        raise RuntimeError("the batch fails")
    assert _scores(store) == before
    assert store._risk_deferred is None


@pytest.mark.parametrize("seed_value", [5, 6])
def test_direct_scoped_refresh_equals_the_temp_table_one(tmp_path, monkeypatch, seed_value):
    direct, plan = _store(tmp_path, "direct.db", seed_value)
    tables, _ = _store(tmp_path, "tables.db", seed_value)
    rnd = random.Random(seed_value)
    changed = [d for d, _ in plan[:6]]
    for store in (direct, tables):
        for d in changed:
            store.execute("UPDATE domains SET phase = ? WHERE name = ?",
                          (rnd.choice(["redemption", "available", "active"]), d))
        rnd.seed(seed_value)
    direct.refresh_risk(changed, expand=False)
    monkeypatch.setattr("domainwatch_tui.core.store.risk.DIRECT_REFRESH_MAX", 0)
    tables.refresh_risk(changed, expand=False)
    d1, a1 = _scores(direct)
    d2, a2 = _scores(tables)
    assert d1 == pytest.approx(d2) and a1 == pytest.approx(a2)


def test_check_context_is_prior_and_check_state(tmp_path):
    store, _ = _store(tmp_path, "s.db", 7)
    record_observation(store, Observation(evidence=evidence("d1.com", "active"), checked_at=NOW,
                                          duration_ms=1.0), now=NOW, policy=PolicySettings())
    record_observation(store, Observation(evidence=evidence("d1.com", "error"), checked_at=NOW,
                                          duration_ms=1.0), now=NOW, policy=PolicySettings())
    for domain in ("d1.com", "d2.com", "never-seen.com"):
        prior, streak, expiry = store.check_context(domain)
        assert prior == store.prior(domain)
        assert (streak, expiry, store.last_good_phase(domain)) == store.check_state(domain)
    assert store.check_state("d1.com")[0] == 1 and store.last_good_phase("d1.com") == "active"


@pytest.mark.parametrize("value", [
    None, datetime(2026, 8, 1, 12, 0, 0, 123456, tzinfo=UTC), datetime(2026, 8, 1, 12, 0, 0),
    datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, 999999),
    datetime(2026, 8, 1, 1, 0, tzinfo=timezone(timedelta(hours=3))),
    datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
])
def test_record_check_writes_times_as_to_iso_does(value):
    assert store_checks._iso(value) == to_iso(value)


def test_the_aiohttp_transport_takes_its_proxy_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "rdap.nic.example")
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"):
        if name not in ("HTTPS_PROXY", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
    transport = AiohttpTransport(timeout=5)
    proxy, _auth = transport._proxy("https://rdap.verisign.com/com/v1/domain/example.com")
    assert str(proxy) == "http://proxy.invalid:3128"
    assert transport._proxy("https://rdap.nic.example/domain/x.example") == (None, None)
    assert transport._proxy("http://127.0.0.1:8080/domain/x.com") == (None, None)  # no HTTP_PROXY

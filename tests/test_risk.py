"""The risk score: the SQL refresh and the Python breakdown agree; scoped refresh = full refresh."""

from __future__ import annotations

import math
import random

import pytest

from domainwatch_tui.core.model import Phase, RiskWeights
from domainwatch_tui.core.risk import account_breakdowns, account_risk, domain_breakdown
from review_support import Addr, new_store, rows, seed

PHASES = [p.value for p in Phase]


def _random_store(tmp_path, seed_value: int):
    rnd = random.Random(seed_value)
    store = new_store(tmp_path, f"r{seed_value}.db")
    domains = [f"d{i}.com" for i in range(25)]
    addrs = []
    for a in range(120):
        acct = f"acct{a}"
        two = rnd.choice([True, False, None])
        packages = rnd.choice([None, 0, 1, 7, 120])
        downloads = rnd.choice([None, 0, 15, 40_000, 9_000_000])
        for d in rnd.sample(domains, rnd.choice([1, 1, 2, 3])):
            addrs.append(Addr(acct, f"u{a}@{d}", verified=rnd.random() < 0.8, has_2fa=two,
                              packages=packages, downloads=downloads))
    seed(store, addrs)
    for d in domains:
        store.execute("UPDATE domains SET phase = ? WHERE name = ?", (rnd.choice(PHASES), d))
    return store, domains


def _python_scores(store, weights):
    dom = {}
    for r in rows(store, "SELECT name FROM domains"):
        b = domain_breakdown(store, r["name"], weights)
        dom[r["name"]] = b.total
    acc = {}
    for r in rows(store, "SELECT account_id FROM accounts"):
        br = account_breakdowns(store, r["account_id"], weights)
        acc[r["account_id"]] = br[0].total if br else 0.0
    return dom, acc


@pytest.mark.parametrize("seed_value", [1, 2])
def test_sql_and_python_agree(tmp_path, seed_value):
    store, _ = _random_store(tmp_path, seed_value)
    weights = RiskWeights(no_2fa=2.5, only_verified=1.25, packages=0.4, downloads=0.3)
    store.refresh_risk(weights=weights)
    dom, acc = _python_scores(store, weights)
    sql_dom = {r["name"]: r["risk"] for r in rows(store, "SELECT name, risk FROM domains")}
    sql_acc = {r["account_id"]: r["risk"] for r in rows(store, "SELECT account_id, risk FROM accounts")}
    assert any(v > 0 for v in sql_dom.values())
    for name, value in dom.items():
        assert sql_dom[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name
    for name, value in acc.items():
        assert sql_acc[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


@pytest.mark.parametrize("share", [0, 10**9], ids=["scoped-sql", "falls-back-to-full"])
def test_scoped_refresh_matches_full_refresh(tmp_path, monkeypatch, share):
    monkeypatch.setattr("domainwatch_tui.core.store.risk.FULL_REFRESH_SHARE", share)
    store, domains = _random_store(tmp_path, 3)
    store.refresh_risk()
    # change a few domains' phases and some addresses, then refresh only those domains
    changed = domains[:4]
    for d in changed:
        store.execute("UPDATE domains SET phase = 'available' WHERE name = ?", (d,))
    store.execute("UPDATE emails SET verified = 0 WHERE domain = ?", (changed[0],))
    store.refresh_risk(changed)
    scoped_d = {r[0]: r[1] for r in rows(store, "SELECT name, risk FROM domains")}
    scoped_a = {r[0]: r[1] for r in rows(store, "SELECT account_id, risk FROM accounts")}
    # a phase change alone needs no expansion to the accounts' other domains
    store.execute("UPDATE domains SET phase = 'pending_delete' WHERE name = ?", (changed[1],))
    store.refresh_risk([changed[1]], expand=False)
    scoped_d[changed[1]] = rows(store, "SELECT risk FROM domains WHERE name = ?", changed[1])[0][0]
    scoped_a = {r[0]: r[1] for r in rows(store, "SELECT account_id, risk FROM accounts")}
    store.refresh_risk()
    full_d = {r[0]: r[1] for r in rows(store, "SELECT name, risk FROM domains")}
    full_a = {r[0]: r[1] for r in rows(store, "SELECT account_id, risk FROM accounts")}
    assert scoped_d == pytest.approx(full_d)
    assert scoped_a == pytest.approx(full_a)


def test_formula_factors():
    w = RiskWeights()
    b = account_risk(phase="redemption", has_2fa=None, only_verified=True, packages=3, downloads=999,
                     weights=w)
    assert b.phase_weight == 40
    assert b.no_2fa_factor == 2.0 and b.only_verified_factor == 1.5
    assert b.packages_factor == pytest.approx(1 + 0.5 * math.log(4))
    assert b.downloads_factor == pytest.approx(1.75)
    assert b.total == pytest.approx(40 * 2 * 1.5 * (1 + 0.5 * math.log(4)) * 1.75)
    safe = account_risk(phase="redemption", has_2fa=True, only_verified=False, packages=0, downloads=0)
    assert safe.total == 40 and safe.exposure == 1
    assert account_risk(phase="active", has_2fa=False, only_verified=True, packages=9, downloads=9).total == 0
    assert "no 2FA" in b.describe()


def test_domains_rank_by_risk_and_unverified_addresses_count_for_nothing(tmp_path):
    store = new_store(tmp_path)
    seed(store, [
        Addr("big", "x@big.com", packages=50, downloads=5_000_000),
        Addr("small", "y@small.com", has_2fa=True),
        Addr("gone", "z@gone.com", verified=False, packages=500),
    ])
    for d in ("big.com", "small.com", "gone.com"):
        store.execute("UPDATE domains SET phase = 'redemption' WHERE name = ?", (d,))
    store.refresh_risk()
    ranked = [r[0] for r in rows(store, "SELECT name FROM domains ORDER BY risk DESC, name")]
    assert ranked == ["big.com", "small.com", "gone.com"]
    assert rows(store, "SELECT risk FROM domains WHERE name = 'gone.com'")[0][0] == 0
    # an account's risk is its worst domain; a second verified address elsewhere lowers "only verified"
    b = domain_breakdown(store, "big.com")
    assert b is not None and b.accounts[0].only_verified is True


def test_config_risk_section(tmp_path):
    from domainwatch_tui.config import ConfigError, load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text('[risk]\nno_2fa = 3\n[risk.phase_weights]\nredemption = 55\n')
    weights = load_config(cfg, env={}).policy().risk
    assert weights.no_2fa == 3.0 and weights.weight(Phase.REDEMPTION) == 55
    assert weights.weight("available") == 80
    cfg.write_text('[risk.phase_weights]\nlimbo = 5\n')
    with pytest.raises(ConfigError, match="unknown phase 'limbo'"):
        load_config(cfg, env={}).policy()

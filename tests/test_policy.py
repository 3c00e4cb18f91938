"""apply_check: proposals, no duplicates, renewal, re-verify, override lapses, auto-confirm."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domainwatch_tui.core.decisions import SYSTEM_OPERATOR, decide
from domainwatch_tui.core.model import Phase, PolicySettings
from domainwatch_tui.core.policy import apply_check, lapse_expired_overrides
from review_support import (
    NOW,
    Addr,
    new_store,
    observe,
    proposals,
    rows,
    seed,
    state,
    verified,
)

D = "lapse.com"
LATER = NOW + timedelta(days=1)


@pytest.fixture
def store(tmp_path):
    s = new_store(tmp_path)
    seed(s, [Addr("1", f"a@{D}"), Addr("2", f"b@{D}", has_2fa=True), Addr("3", f"c@{D}", verified=False),
             Addr("4", "d@other.org")])
    yield s
    s.close()


def test_unverify_phase_proposes_each_verified_address_with_its_evidence(store):
    observe(store, D, "active")
    assert proposals(store, D) == []
    out = observe(store, D, "redemption", now=LATER)
    got = proposals(store, D, "pending")
    emails = {r["id"]: r["address"] for r in rows(store, "SELECT id, address FROM emails")}
    assert sorted(emails[p["email_id"]] for p in got) == [f"a@{D}", f"b@{D}"]  # not the unverified one
    for p in got:
        assert (p["kind"], p["phase"], p["check_id"]) == ("unverify", "redemption", out.check_id)
        assert json.loads(p["reasons"]) == list(out.classification.reasons)
    assert state(store, D) == "pending"
    assert proposals(store, "other.org") == []


def test_no_duplicate_while_pending_and_evidence_follows_the_domain(store):
    observe(store, D, "redemption")
    observe(store, D, "redemption", now=LATER)
    assert len(proposals(store, D)) == 2
    out = observe(store, D, "pending_delete", now=LATER + timedelta(days=1))
    got = proposals(store, D)
    assert len(got) == 2
    assert {(p["phase"], p["check_id"]) for p in got} == {("pending_delete", out.check_id)}


@pytest.mark.parametrize("kind", ["error"])
def test_unknown_never_proposes_whatever_the_config_says(store, kind):
    settings = PolicySettings(unverify_phases=(Phase.UNKNOWN, Phase.UNCHECKED, Phase.AVAILABLE),
                              auto_confirm_phases=(Phase.UNKNOWN,))
    out = observe(store, D, kind, settings=settings)
    assert out.phase is Phase.UNKNOWN
    assert proposals(store, D) == []
    assert all(verified(store, D)[a] for a in (f"a@{D}", f"b@{D}"))


def test_error_keeps_pending_proposals(store):
    observe(store, D, "redemption")
    observe(store, D, "error", now=LATER)
    assert len(proposals(store, D, "pending")) == 2


def test_phase_not_in_config_does_not_propose(store):
    settings = PolicySettings(unverify_phases=(Phase.AVAILABLE,))
    observe(store, D, "redemption", settings=settings)
    assert proposals(store, D) == []
    observe(store, D, "available", now=LATER, settings=settings)
    assert len(proposals(store, D, "pending")) == 2


def test_renewal_by_the_same_owner_resolves_pending_proposals(store):
    observe(store, D, "active")
    observe(store, D, "redemption", now=LATER)
    observe(store, D, "active", now=LATER + timedelta(days=2))
    got = proposals(store, D)
    assert {p["status"] for p in got} == {"resolved"}
    assert all(p["closed_reason"].startswith("resolved by renewal") for p in got)
    assert state(store, D) is None
    assert rows(store, "SELECT * FROM decisions") == []


def test_renewal_after_confirm_proposes_reverify_and_revert_accepts_it(store):
    observe(store, D, "active")
    observe(store, D, "redemption", now=LATER)
    decide(store, D, "confirm", operator="op", reason="redemption", now=LATER)
    assert verified(store, D) == {f"a@{D}": 0, f"b@{D}": 0, f"c@{D}": 0}
    observe(store, D, "active", now=LATER + timedelta(days=3))
    rv = proposals(store, D, "pending")
    assert len(rv) == 2 and {p["kind"] for p in rv} == {"reverify"}
    assert state(store, D) == "re-verify proposed"
    observe(store, D, "active", now=LATER + timedelta(days=4))  # no duplicates
    assert len(proposals(store, D, "pending")) == 2
    res = decide(store, D, "revert", operator="op", reason="renewed", now=LATER + timedelta(days=4))
    assert res.emails == 2
    assert verified(store, D) == {f"a@{D}": 1, f"b@{D}": 1, f"c@{D}": 0}
    assert {p["status"] for p in proposals(store, D) if p["kind"] == "reverify"} == {"accepted"}
    assert state(store, D) is None


def test_dismissing_reverify_with_confirm_keeps_addresses_unverified(store):
    observe(store, D, "redemption")
    decide(store, D, "confirm", operator="op", reason="x", now=NOW)
    observe(store, D, "active", now=LATER)
    res = decide(store, D, "confirm", operator="op", reason="not trusted", now=LATER)
    assert res.emails == 2
    assert {p["status"] for p in proposals(store, D) if p["kind"] == "reverify"} == {"dismissed"}
    observe(store, D, "active", now=LATER + timedelta(days=1))
    assert proposals(store, D, "pending") == []  # not proposed again
    assert verified(store, D)[f"a@{D}"] == 0


def test_never_reverify_after_re_registration(store):
    observe(store, D, "active")
    observe(store, D, "available", now=LATER)
    decide(store, D, "confirm", operator="op", reason="dropped", now=LATER)
    new_reg = LATER + timedelta(days=1)
    out = observe(store, D, "active", now=LATER + timedelta(days=2), registered_at=new_reg, handle="H-2")
    assert out.phase is Phase.RE_REGISTERED
    assert [p for p in proposals(store, D) if p["kind"] == "reverify"] == []
    # the next check sees the new registration as known: still no re-verify of the old owner's addresses
    observe(store, D, "active", now=LATER + timedelta(days=3), registered_at=new_reg, handle="H-2")
    assert [p for p in proposals(store, D) if p["kind"] == "reverify"] == []


def test_reverify_withdrawn_when_the_domain_lapses_again(store):
    observe(store, D, "redemption")
    decide(store, D, "confirm", operator="op", reason="x", now=NOW)
    observe(store, D, "active", now=LATER)
    observe(store, D, "redemption", now=LATER + timedelta(days=30))
    assert {p["status"] for p in proposals(store, D) if p["kind"] == "reverify"} == {"withdrawn"}


def test_override_holds_then_lapses_on_a_more_severe_phase(store):
    observe(store, D, "redemption")
    decide(store, D, "override", operator="op", reason="owner renewing", now=NOW)
    assert state(store, D) == "overridden"
    assert proposals(store, D, "pending") == []
    observe(store, D, "redemption", now=LATER)
    assert proposals(store, D, "pending") == []  # the override holds in the same phase
    out = observe(store, D, "available", now=LATER + timedelta(days=1))
    back = proposals(store, D, "pending")
    assert len(back) == 2 and {p["phase"] for p in back} == {"available"}
    assert rows(store, "SELECT * FROM overrides") == []
    lapse = rows(store, "SELECT * FROM decisions WHERE action = 'lapse'")
    assert len(lapse) == 1
    assert lapse[0]["operator"] == SYSTEM_OPERATOR and lapse[0]["check_id"] == out.check_id
    assert "more severe" in lapse[0]["reason"]
    assert sorted(json.loads(lapse[0]["proposal_ids"])) == sorted(p["id"] for p in back)
    assert state(store, D) == "pending"


def test_override_until_lapses(store):
    observe(store, D, "redemption")
    until = datetime(2026, 3, 11, tzinfo=UTC)  # a date typed as --until 2026-03-11
    decide(store, D, "override", operator="op", reason="r", until=until, now=NOW)
    assert state(store, D) == f"overridden until {until.date().isoformat()}"
    settings = PolicySettings()
    assert lapse_expired_overrides(store, now=NOW + timedelta(days=5), settings=settings) == []
    assert lapse_expired_overrides(store, now=until, settings=settings) == [D]
    assert len(proposals(store, D, "pending")) == 2
    # through a check too
    decide(store, D, "override", operator="op", reason="r2", until=until + timedelta(days=5), now=until)
    observe(store, D, "redemption", now=until + timedelta(days=6))
    assert len(proposals(store, D, "pending")) == 2


def test_auto_confirm_phases(store):
    settings = PolicySettings(auto_confirm_phases=(Phase.AVAILABLE,))
    observe(store, D, "redemption", settings=settings)
    assert len(proposals(store, D, "pending")) == 2
    observe(store, D, "available", now=LATER, settings=settings)
    assert verified(store, D) == {f"a@{D}": 0, f"b@{D}": 0, f"c@{D}": 0}
    dec = rows(store, "SELECT * FROM decisions")
    assert [(d["operator"], d["action"], d["phase"]) for d in dec] == [
        (SYSTEM_OPERATOR, "confirm", "available")]
    assert {p["status"] for p in proposals(store, D)} == {"confirmed"}
    reason = rows(store, "SELECT unverified_reason FROM emails WHERE address = ?", f"a@{D}")[0][0]
    assert "available" in reason


def test_apply_check_on_unknown_domain_is_harmless(store):
    from domainwatch_tui.core.model import CheckOutcome, Classification, Observation
    from review_support import evidence

    obs = Observation(evidence=evidence("nowhere.net", "redemption"), checked_at=NOW, duration_ms=1.0)
    outcome = CheckOutcome(observation=obs, classification=Classification(Phase.REDEMPTION, ("x",)),
                           check_id=999, previous_phase=Phase.ACTIVE, next_check_at=None)
    with store.transaction():
        apply_check(store, outcome, now=NOW, settings=PolicySettings())
    assert rows(store, "SELECT * FROM proposals") == []


def test_risk_follows_the_phase_and_the_decision(store):
    observe(store, D, "active")
    assert rows(store, "SELECT risk FROM domains WHERE name = ?", D)[0][0] == 0
    observe(store, D, "redemption", now=LATER)
    risky = rows(store, "SELECT risk FROM domains WHERE name = ?", D)[0][0]
    assert risky > 0
    decide(store, D, "confirm", operator="op", reason="x", now=LATER)
    assert rows(store, "SELECT risk FROM domains WHERE name = ?", D)[0][0] == 0
    assert rows(store, "SELECT max(risk) FROM accounts WHERE account_id IN ('1', '2')")[0][0] == 0

"""The whole review path on the command line, against the loopback RDAP simulator:
import -> check -> proposals -> override -> lapse -> confirm -> renewal -> revert -> export,
and the re-registration case (no re-verify; revert refused without --force)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from domainwatch_tui.cli import main
from domainwatch_tui.core.store import Store

ANCHOR = "2026-07-01T00:00:00Z"
CSV = """account_id,username,email,email_verified,verified_at,has_2fa,packages,downloads
1,alice,alice@lapse.com,true,2024-01-10T00:00:00Z,false,3,120000
2,bob,bob@lapse.com,true,2024-01-10T00:00:00Z,true,0,0
2,bob,bob@calm.org,true,2024-01-10T00:00:00Z,true,0,0
3,carol,carol@drop.com,true,2024-01-10T00:00:00Z,false,12,4000000
"""


@pytest.fixture
def cli(tmp_path, monkeypatch, rdap_sim):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("DOMAINWATCH_CONFIG", raising=False)
    monkeypatch.setenv("DOMAINWATCH_OPERATOR", "sec-oncall")
    config = tmp_path / "config.toml"
    config.write_text("[rdap]\nrequests_per_second = 0\nconcurrency = 0\ntimeout_seconds = 2\nretries = 0\n")
    db = tmp_path / "s.db"
    (tmp_path / "accounts.csv").write_text(CSV)

    def invoke(*args: str, code: int = 0):
        result = CliRunner().invoke(main, ["--db", str(db), "--config", str(config), *args])
        assert result.exit_code == code, (args, result.output)
        return result

    def check(phases: dict[str, str], hour: int) -> dict[str, dict]:
        rdap_sim.set_scenario({"anchor": ANCHOR, "domains": {d: {"phase": p} for d, p in phases.items()}})
        out = invoke("check", "--rdap-bootstrap", str(rdap_sim.bootstrap_path), "--json",
                     "--as-of", f"2026-07-01T{hour:02d}:00:00Z", *phases)
        return {r["domain"]: r for r in map(json.loads, out.stdout.splitlines())}

    invoke.check = check
    invoke.db = db
    invoke("import", str(tmp_path / "accounts.csv"))
    return invoke


def show(cli, domain: str) -> dict:
    return json.loads(cli("show", domain, "--json").stdout)


def pending(cli) -> int:
    return json.loads(cli("summary", "--json").stdout)["proposals_pending"]


def verified(cli, domain: str) -> dict[str, bool]:
    return {a["address"]: a["verified"] for a in show(cli, domain)["accounts"]}


def test_check_propose_override_lapse_confirm_renew_revert_export(cli):
    assert cli.check({"lapse.com": "active", "calm.org": "active"}, 1)["lapse.com"]["phase"] == "active"
    assert pending(cli) == 0

    red = cli.check({"lapse.com": "redemption"}, 2)["lapse.com"]
    assert red["phase"] == "redemption"
    assert pending(cli) == 2
    props = show(cli, "lapse.com")["proposals"]
    assert {(p["kind"], p["status"], p["phase"]) for p in props} == {("unverify", "pending", "redemption")}
    assert {p["address"] for p in props} == {"alice@lapse.com", "bob@lapse.com"}
    assert all(p["check_id"] and p["reasons"] for p in props)

    out = json.loads(cli("decide", "lapse.com", "--override", "--reason", "registrar says renewal is paid",
                         "--json").stdout)
    assert out["action"] == "override" and out["emails"] == 2 and len(out["decision_ids"]) == 1
    assert pending(cli) == 0
    cli.check({"lapse.com": "redemption"}, 3)
    assert pending(cli) == 0  # the override holds while the domain is no worse

    assert cli.check({"lapse.com": "pending_delete"}, 4)["lapse.com"]["phase"] == "pending_delete"
    assert pending(cli) == 2  # lapsed: the proposals are back
    decisions = show(cli, "lapse.com")["decisions"]
    assert [d["action"] for d in decisions] == ["override", "lapse"]

    confirm = json.loads(cli("decide", "lapse.com", "--confirm", "--reason", "no renewal after all",
                             "--json").stdout)
    assert confirm["emails"] == 2
    assert set(verified(cli, "lapse.com").values()) == {False}
    assert pending(cli) == 0

    cli.check({"lapse.com": "active"}, 5)  # back with the same registration and handle: renewed
    reverify = [p for p in show(cli, "lapse.com")["proposals"] if p["status"] == "pending"]
    assert {p["kind"] for p in reverify} == {"reverify"} and len(reverify) == 2

    cli("decide", "lapse.com", "--revert", "--reason", "renewed by the same company")
    assert set(verified(cli, "lapse.com").values()) == {True}
    assert pending(cli) == 0

    recs = [json.loads(x) for x in cli("export", "decisions").stdout.splitlines()]
    assert [r["action"] for r in recs] == ["override", "lapse", "confirm", "revert"]
    assert [r["operator"] for r in recs] == ["sec-oncall", "domainwatch-auto", "sec-oncall", "sec-oncall"]
    assert [r["phase"] for r in recs] == ["redemption", "pending_delete", "pending_delete", "active"]
    for r in recs:
        assert r["domain"] == "lapse.com" and r["check_id"] and r["reason"] and r["at"].endswith("Z")
        assert sorted(r["addresses"]) == ["alice@lapse.com", "bob@lapse.com"]
    assert recs[0]["until"] is None
    table = list(csv.DictReader(io.StringIO(cli("export", "proposals", "--format", "csv").stdout)))
    statuses = sorted((t["kind"], t["status"]) for t in table)
    assert statuses == [("reverify", "accepted")] * 2 + [("unverify", "confirmed")] * 2 + \
        [("unverify", "overridden")] * 2
    assert all(json.loads(t["reasons"]) for t in table)
    assert show(cli, "lapse.com")["decisions"] == recs  # the same record shape in show --json


def test_re_registered_domain_is_never_reverified_without_force(cli):
    cli.check({"drop.com": "active"}, 1)
    cli.check({"drop.com": "available"}, 2)
    assert pending(cli) == 1
    cli("decide", "drop.com", "--confirm", "--reason", "dropped")
    assert cli.check({"drop.com": "re_registered"}, 3)["drop.com"]["phase"] == "re_registered"
    assert [p for p in show(cli, "drop.com")["proposals"] if p["kind"] == "reverify"] == []
    refused = cli("decide", "drop.com", "--revert", "--reason", "oops", code=1)
    assert "re_registered" in refused.stderr
    assert verified(cli, "drop.com") == {"carol@drop.com": False}
    cli("decide", "drop.com", "--revert", "--reason", "our company bought it back", "--force")
    assert verified(cli, "drop.com") == {"carol@drop.com": True}


def test_risk_ranks_lapsing_domains_first(cli):
    cli.check({"lapse.com": "redemption", "drop.com": "available", "calm.org": "active"}, 1)
    store = Store(cli.db)
    try:
        ranked = [tuple(r) for r in store.execute("SELECT name, risk FROM domains ORDER BY risk DESC, name")]
    finally:
        store.close()
    assert [name for name, _ in ranked] == ["drop.com", "lapse.com", "calm.org"]
    assert ranked[0][1] > ranked[1][1] > 0 and ranked[2][1] == 0

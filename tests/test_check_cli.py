"""`domainwatch check` end to end against the simulator: JSON Lines shape, exit codes 0/2/3,
--as-of, the readable table, and what a re-check stores (evidence kept on errors)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from domainwatch_tui.cli import main
from domainwatch_tui.core.reports import CHECK_KEYS
from domainwatch_tui.core.store import Store

ANCHOR = "2026-07-01T00:00:00Z"
SCENARIO = {"anchor": ANCHOR, "domains": {
    "example.com": {"phase": "active", "registrar": "Example Registrar, Inc."},
    "redeem.com": "redemption",
    "free.com": "available",
    "xn--bcher-kva.com": "expiring",
    "broken.com": {"phase": "active", "fault": "malformed_json"},
}}


@pytest.fixture
def run(tmp_path, monkeypatch, rdap_sim):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    config = tmp_path / "config.toml"
    config.write_text("[rdap]\nrequests_per_second = 0\nconcurrency = 0\ntimeout_seconds = 2\nretries = 0\n")
    rdap_sim.set_scenario(SCENARIO)
    db = tmp_path / "s.db"

    def invoke(*args: str):
        argv = ["--db", str(db), "--config", str(config), "check", "--rdap-bootstrap",
                str(rdap_sim.bootstrap_path), *args]
        return CliRunner().invoke(main, argv)

    invoke.db = db
    return invoke


def lines(result) -> list[dict]:
    return [json.loads(x) for x in result.stdout.splitlines() if x.strip()]


def test_json_lines_follow_the_contract(run):
    result = run("--json", "--as-of", ANCHOR, "example.com", "Bücher.com", "redeem.com", "free.com")
    assert result.exit_code == 0, result.output
    rows = {r["domain"]: r for r in lines(result)}
    assert set(rows) == {"example.com", "xn--bcher-kva.com", "redeem.com", "free.com"}
    for row in rows.values():
        assert tuple(row) == CHECK_KEYS
        assert row["backend"] == "rdap" and row["error"] is None
        assert row["checked_at"] == ANCHOR  # --as-of replaces now
    assert rows["example.com"]["phase"] == "active"
    assert rows["example.com"]["registrar"] == "Example Registrar, Inc."
    assert rows["xn--bcher-kva.com"]["phase"] == "expiring"
    assert rows["redeem.com"]["phase"] == "redemption"
    assert "redemption period" in rows["redeem.com"]["statuses"]
    assert rows["free.com"]["phase"] == "available" and rows["free.com"]["registered_at"] is None
    assert rows["example.com"]["next_check_at"] > ANCHOR


def test_as_of_moves_the_classification(run):
    # expires anchor + 200 days: active at the anchor, expiring 180 days later
    result = run("--json", "--as-of", "2026-12-28", "example.com")
    row = lines(result)[0]
    assert row["phase"] == "expiring" and row["checked_at"] == "2026-12-28T00:00:00Z"


def test_errors_end_unknown_with_exit_3(run):
    result = run("--json", "--as-of", ANCHOR, "example.com", "broken.com")
    assert result.exit_code == 3
    rows = {r["domain"]: r for r in lines(result)}
    assert rows["broken.com"]["phase"] == "unknown" and "invalid JSON" in rows["broken.com"]["error"]
    assert rows["example.com"]["phase"] == "active"
    assert "ended unknown because of errors" in result.stderr


@pytest.mark.parametrize("args", [
    (), ("--as-of", "next tuesday", "example.com"), ("--due", "--all"), ("--backend", "fastly", "x.com"),
    ("not a domain!",),
])
def test_usage_errors_exit_2(run, args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_unsupported_tld_is_unknown_but_not_an_error(run):
    result = run("--json", "example.zz")
    assert result.exit_code == 0
    row = lines(result)[0]
    assert row["phase"] == "unknown" and row["error"] is None and "no RDAP service" in row["reasons"][0]


def test_table_output_is_readable(run):
    result = run("--as-of", ANCHOR, "example.com", "redeem.com")
    assert result.exit_code == 0
    out = result.stdout
    assert "redeem.com" in out and "Redemption" in out and "Active" in out
    assert "domain" in out and "reasons" in out
    assert out.index("redeem.com") < out.index("example.com")  # most severe first


def test_recheck_keeps_known_evidence_when_an_error_comes(run, rdap_sim):
    assert run("--as-of", ANCHOR, "example.com").exit_code == 0
    store = Store(run.db)
    before = dict(store.domain_row("example.com"))
    assert before["registered_at"] and before["handle"] and before["phase"] == "active"

    rdap_sim.set_scenario({"anchor": ANCHOR, "domains": {"example.com": {"phase": "active", "fault": "500"}}})
    result = run("--json", "--as-of", "2026-07-02", "example.com")
    assert result.exit_code == 3
    after = dict(store.domain_row("example.com"))
    assert after["phase"] == "unknown" and "HTTP 500" in after["error"]
    for key in ("registered_at", "expires_at", "handle", "registrar", "statuses", "nameservers"):
        assert after[key] == before[key], key
    assert after["error_streak"] == 1
    assert any("last trustworthy answer: active" in r for r in json.loads(after["reasons"]))
    changes = [(c["from_phase"], c["to_phase"]) for c in store.phase_changes_for("example.com")]
    assert changes == [("unchecked", "active"), ("active", "unknown")]
    checks = store.checks_for("example.com")
    assert [c["phase"] for c in checks] == ["unknown", "active"]
    assert b'"objectClassName"' in store.check_raw(checks[1]["id"])  # raw kept, compressed

    rdap_sim.set_scenario({"anchor": ANCHOR, "domains": {"example.com": "re_registered"}})
    result = run("--json", "--as-of", "2026-07-03", "example.com")
    row = lines(result)[0]
    assert row["phase"] == "re_registered", row["reasons"]
    assert store.domain_row("example.com")["error_streak"] == 0
    store.close()


def test_due_checks_only_what_is_due(run, rdap_sim):
    assert run("--as-of", ANCHOR, "example.com", "free.com").exit_code == 0
    # an hour later only `available` (hourly) is due; `active` waits weeks
    result = run("--json", "--due", "--as-of", "2026-07-01T01:30:00Z")
    assert [r["domain"] for r in lines(result)] == ["free.com"]
    result = run("--json", "--all", "--as-of", "2026-07-01T01:30:00Z")
    assert sorted(r["domain"] for r in lines(result)) == ["example.com", "free.com"]


def test_check_refuses_a_demo_store_without_an_explicit_bootstrap(dw_cli):
    """The demo's synthetic domains (some are real names) never go to real registries."""
    from domainwatch_tui.core.demo_marker import marker_path
    from domainwatch_tui.core.store import Store

    Store(dw_cli.db).close()
    marker_path(dw_cli.db).write_text("{}\n")
    result = dw_cli("check", "hansen.de")
    assert result.exit_code == 1
    assert "this is a demo store" in result.stderr
    with Store(dw_cli.db) as store:
        assert store.domain_row("hansen.de") is None

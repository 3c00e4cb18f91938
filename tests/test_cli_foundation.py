"""The foundation's command line: import, summary and show as the contract says."""

from __future__ import annotations

import json
import stat

import pytest

from domainwatch_tui.core.model import PHASE_ORDER
from domainwatch_tui.core.reports import CHECK_KEYS
from domainwatch_tui.core.store import Store

CSV = (
    "account_id,username,email,email_verified,verified_at,primary,has_2fa,packages,downloads\n"
    "1,alice,alice@Bücher.de,true,2025-01-01T00:00:00Z,true,yes,3,1000\n"
    "1,alice,alice@gmail.com,true,,false,yes,3,1000\n"
    "2,bob,bob@mail.bücher.de,false,,true,no,1,5\n"
    "3,carol,carol@co.uk,true,,,,,\n"
    "4,dave,dave@example.org,true,,,,,\n"
)


@pytest.fixture
def imported(tmp_path, dw_cli):
    path = tmp_path / "accounts.csv"
    path.write_text(CSV, encoding="utf-8")
    result = dw_cli("import", str(path), "--json")
    assert result.exit_code == 3, result.stderr
    return json.loads(result.stdout)


def test_import_json_shape_and_exit_code(imported, dw_cli):
    assert list(imported) == ["rows", "imported", "rejected", "accounts", "emails", "domains", "rejects"]
    assert {k: imported[k] for k in list(imported)[:6]} == {
        "rows": 5, "imported": 4, "rejected": 1, "accounts": 3, "emails": 4, "domains": 3}
    reason = "'co.uk' is a public suffix, not a registrable domain"
    assert imported["rejects"] == [{"line": 5, "reason": reason}]
    assert stat.S_IMODE(dw_cli.db.stat().st_mode) == 0o600


def test_import_plain_text_and_clean_exit(tmp_path, dw_cli):
    path = tmp_path / "ok.csv"
    path.write_text("account_id,username,email\n1,a,a@example.com\n", encoding="utf-8")
    result = dw_cli("import", str(path))
    assert result.exit_code == 0
    assert "1 imported, 0 rejected" in result.stdout
    again = dw_cli("import", str(path))
    assert "added 0 accounts, 0 addresses, 0 domains" in again.stdout


def test_import_rejects_are_listed_on_stderr_not_stdout_with_json(tmp_path, dw_cli):
    path = tmp_path / "a.csv"
    path.write_text("account_id,username,email,extra\n1,a,nope,x\n", encoding="utf-8")
    result = dw_cli("import", str(path), "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["rejected"] == 1  # stdout is JSON only
    assert result.stderr.count("unknown column") == 1


@pytest.mark.parametrize("content", [None, "", "username,email\nbob,b@example.com\n"])
def test_unreadable_file_exits_1_and_leaves_no_store(tmp_path, dw_cli, content):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = dw_cli("import", str(path), "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "domainwatch:" in result.stderr
    assert not dw_cli.db.exists()


def test_unreadable_file_leaves_an_existing_store_as_it_was(tmp_path, dw_cli, imported):
    before = dw_cli("summary", "--json").stdout
    result = dw_cli("import", str(tmp_path / "missing.csv"))
    assert result.exit_code == 1 and "no such file" in result.stderr
    assert dw_cli("summary", "--json").stdout == before


def test_summary_json(imported, dw_cli):
    result = dw_cli("summary", "--json")
    assert result.exit_code == 0
    obj = json.loads(result.stdout)
    assert list(obj) == ["accounts", "emails", "domains", "phases", "proposals_pending"]
    assert list(obj["phases"]) == [p.value for p in PHASE_ORDER]
    assert (obj["accounts"], obj["emails"], obj["domains"]) == (3, 4, 3)
    assert obj["phases"]["unchecked"] == 2 and obj["phases"]["exempt"] == 1
    assert sum(obj["phases"].values()) == 3
    assert obj["proposals_pending"] == 0


def test_summary_counts_pending_proposals_only(imported, dw_cli):
    store = Store(dw_cli.db)
    for status in ("pending", "pending", "confirmed"):
        store.execute("INSERT INTO proposals(domain, email_id, kind, phase, status, created_at) "
                      "VALUES ('xn--bcher-kva.de', 1, 'unverify', 'available', ?, '2026-01-01T00:00:00Z')",
                      (status,))
    store.close()
    assert json.loads(dw_cli("summary", "--json").stdout)["proposals_pending"] == 2
    text = dw_cli("summary").stdout
    assert "proposals pending" in text and "unchecked" in text


@pytest.mark.parametrize("arg", ["bücher.de", "xn--bcher-kva.de", "BÜCHER.DE.", "mail.bücher.de"])
def test_show_json_accepts_unicode_and_alabel(imported, dw_cli, arg):
    result = dw_cli("show", arg, "--json")
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    assert list(obj)[:len(CHECK_KEYS)] == list(CHECK_KEYS)  # the check object, in the contract's order
    assert {"accounts", "proposals", "decisions"} <= set(obj)
    assert (obj["domain"], obj["phase"], obj["statuses"], obj["reasons"]) == (
        "xn--bcher-kva.de", "unchecked", [], [])
    assert (obj["proposals"], obj["decisions"]) == ([], [])
    by_user = {a["username"]: a for a in obj["accounts"]}
    assert set(by_user) == {"alice", "bob"}
    alice = by_user["alice"]
    assert (alice["address"], alice["verified"], alice["has_2fa"], alice["packages"], alice["downloads"]) == (
        "alice@xn--bcher-kva.de", True, True, 3, 1000)
    assert alice["verified_at"] == "2025-01-01T00:00:00Z"
    assert alice["other_verified_addresses"] == ["alice@gmail.com"]
    assert (by_user["bob"]["verified"], by_user["bob"]["other_verified_addresses"]) == (False, [])


def test_show_lists_proposals_and_decisions(imported, dw_cli):
    store = Store(dw_cli.db)
    affected = json.dumps([{"email_id": 4, "address": "dave@example.org"}])
    store.execute("INSERT INTO decisions(at, operator, action, domain, phase, reason, emails) VALUES "
                  "('2026-01-02T00:00:00Z', 'op', 'confirm', 'example.org', 'available', 'lapsed', ?)",
                  (affected,))
    store.close()
    obj = json.loads(dw_cli("show", "example.org", "--json").stdout)
    assert [(d["action"], d["reason"], d["addresses"]) for d in obj["decisions"]] == [
        ("confirm", "lapsed", ["dave@example.org"])]
    text = dw_cli("show", "example.org").stdout
    assert "Decisions:" in text and "lapsed" in text and "dave" in text


def test_show_plain_text(imported, dw_cli):
    result = dw_cli("show", "bücher.de")
    assert result.exit_code == 0
    assert result.stdout.startswith("xn--bcher-kva.de (bücher.de): unchecked")
    assert "alice@gmail.com" in result.stdout and "Proposals: none" in result.stdout


@pytest.mark.parametrize(("arg", "message", "code"), [
    ("unknown-domain.com", "not in the store", 1),
    ("co.uk", "public suffix", 2),  # not a domain: a usage error, as for check and decide
    ("localhost", "single-label", 2),
])
def test_show_unknown_or_unusable_domain_exits_1_or_2(imported, dw_cli, arg, message, code):
    result = dw_cli("show", arg, "--json")
    assert result.exit_code == code
    assert result.stdout == ""
    assert message in result.stderr


def test_summary_without_a_store_says_so(dw_cli):
    result = dw_cli("summary")
    assert result.exit_code == 1
    assert "no store" in result.stderr
    assert not dw_cli.db.exists()


def test_terminal_output_strips_control_characters(tmp_path, dw_cli):
    path = tmp_path / "evil.jsonl"
    row = {"account_id": "1", "username": "ok\u202euser", "email": "a@example.com"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert dw_cli("import", str(path)).exit_code == 0
    text = dw_cli("show", "example.com").stdout
    assert "\u202e" not in text and "okuser" in text


def test_help_on_every_foundation_command(dw_cli):
    for command in ("import", "summary", "show"):
        result = dw_cli(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout


def test_import_scores_the_risk_of_the_domains_it_touched(imported, dw_cli):
    store = Store(dw_cli.db)
    try:
        assert store.domain_row("example.org")["risk"] > 0  # unchecked, one verified address
        assert store.domain_row("gmail.com")["risk"] == 0  # exempt
    finally:
        store.close()

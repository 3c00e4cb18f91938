"""The outside contract (../shared/contract.md), checked as a script would use it.

Every command and option of the table, the JSON shapes key for key, the import format, `--as-of`,
`--rdap-bootstrap`, the exit codes, the fixed config keys and the dashboard keys scripts rely on.
The command line runs in-process (click's CliRunner) on throw-away stores, against the loopback
RDAP simulator; `python -m domainwatch_tui` once as a real process.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from domainwatch_tui.cli import main
from domainwatch_tui.core.model import Phase

ANCHOR = "2026-07-01T00:00:00Z"
SCENARIO = {"anchor": ANCHOR, "domains": {
    "example.com": {"phase": "active", "registrar": "Example Registrar, Inc."},
    "redeem.com": "redemption",
    "free.com": "available",
    "new-owner.com": "re_registered",
    "soon.com": "expiring",
    "broken.com": {"phase": "active", "fault": "malformed_json"},
}}
CHECK_KEYS = ["domain", "phase", "statuses", "registered_at", "expires_at", "last_changed_at", "registrar",
              "reasons", "checked_at", "next_check_at", "backend", "error"]
FAST = "[rdap]\nrequests_per_second = 0\nconcurrency = 0\ntimeout_seconds = 2\nretries = 0\n"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """No DOMAINWATCH_* variables; user folders inside tmp_path."""
    for name in list(os.environ):
        if name.startswith("DOMAINWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return tmp_path


@pytest.fixture
def dw(env, rdap_sim):
    """`dw(*args, config=TOML)`: `domainwatch --db S --config C ARGS`; `check` gets the simulator."""
    rdap_sim.set_scenario(SCENARIO)
    db = env / "s.db"

    def invoke(*args: str, config: str = FAST, input: str | None = None):
        cfg = env / "c.toml"
        cfg.write_text(config)
        argv = ["--db", str(db), "--config", str(cfg), *args]
        if args and args[0] in ("check", "worker"):
            argv += ["--rdap-bootstrap", str(rdap_sim.bootstrap_path)]
        return CliRunner().invoke(main, argv, input=input, catch_exceptions=False)

    invoke.db = db
    invoke.sim = rdap_sim
    return invoke


def json_lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


# -- commands and options -------------------------------------------------------------------------
TABLE = {
    "tui": {"--read-only"},
    "demo": {"--accounts", "--seed", "--speed"},
    "import": {"--format", "--json"},
    "check": {"--due", "--all", "--backend", "--rdap-bootstrap", "--as-of", "--json"},
    "worker": {"--once"},
    "summary": {"--json"},
    "show": {"--json"},
    "decide": {"--confirm", "--override", "--revert", "--reason", "--until", "--json"},
    "export": {"--format", "--since"},
    "simulate-rdap": {"--scenario", "--port"},
    "serve": {"--port"},
}


def _options(command: click.Command) -> dict[str, click.Option]:
    return {name: p for p in command.params if isinstance(p, click.Option) for name in p.opts}


def test_every_command_and_option_of_the_table_exists():
    ctx = click.Context(main)
    assert {"--db", "--config", "--operator"} <= set(_options(main))
    for name, options in TABLE.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert options <= set(_options(command)), name
    update = main.get_command(ctx, "rdap-bootstrap")
    assert isinstance(update, click.Group) and "update" in update.commands
    check = _options(main.get_command(ctx, "check"))
    assert list(check["--backend"].type.choices) == ["rdap", "fastly"]
    imp = _options(main.get_command(ctx, "import"))
    assert list(imp["--format"].type.choices) == ["csv", "jsonl"]
    export = main.get_command(ctx, "export")
    assert list(export.params[0].type.choices) == ["decisions", "proposals"]
    assert list(_options(export)["--format"].type.choices) == ["jsonl", "csv"]
    assert _options(export)["--format"].default == "jsonl"
    # exactly one of --due / --all
    assert CliRunner().invoke(main, ["check", "--due", "--all"]).exit_code == 2


def test_python_dash_m_runs_the_command_line(env, tmp_path):
    db = tmp_path / "m.db"
    run_env = {**os.environ, "DOMAINWATCH_DB": str(db)}
    out = subprocess.run([sys.executable, "-m", "domainwatch_tui", "import", "--json", "-"],
                         capture_output=True, text=True, env=run_env, timeout=60, check=False)
    assert out.returncode in (1, 2)  # "-" is no file: a failure, not a traceback
    assert "Traceback" not in out.stderr
    csv = write(tmp_path / "a.csv", "account_id,username,email\n1,ann,ann@example.com\n")
    out = subprocess.run([sys.executable, "-m", "domainwatch_tui", "import", "--json", str(csv)],
                         capture_output=True, text=True, env=run_env, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["imported"] == 1 and db.exists()


def test_global_options_come_before_the_command_and_the_environment_is_honoured(env, monkeypatch):
    csv = write(env / "a.csv", "account_id,username,email\n1,ann,ann@redeem.com\n")
    db_env = env / "env.db"
    monkeypatch.setenv("DOMAINWATCH_DB", str(db_env))
    assert CliRunner().invoke(main, ["import", str(csv)]).exit_code == 0
    assert db_env.exists()
    # a global option after the command is a usage error
    assert CliRunner().invoke(main, ["summary", "--db", str(env / "x.db")]).exit_code == 2
    # --db wins over $DOMAINWATCH_DB
    other = env / "flag.db"
    assert CliRunner().invoke(main, ["--db", str(other), "import", str(csv)]).exit_code == 0
    assert other.exists()
    # $DOMAINWATCH_CONFIG is read (a wrong type there is a usage error naming the key)
    bad = write(env / "bad.toml", "[policy]\nexpiring_days = \"soon\"\n")
    monkeypatch.setenv("DOMAINWATCH_CONFIG", str(bad))
    result = CliRunner().invoke(main, ["check", "example.com"])
    assert result.exit_code == 2 and "policy.expiring_days" in result.stderr
    monkeypatch.delenv("DOMAINWATCH_CONFIG")
    # else the user config folder
    user = env / "xdg-config" / "domainwatch" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[rdap]\nconcurrency = \"many\"\n")
    result = CliRunner().invoke(main, ["check", "example.com"])
    assert result.exit_code == 2 and "rdap.concurrency" in result.stderr
    user.unlink()


def test_the_operator_is_the_flag_else_the_environment(dw, monkeypatch):
    write(dw.db.parent / "a.csv", "account_id,username,email\n1,ann,ann@free.com\n2,bob,bob@redeem.com\n")
    assert dw("import", str(dw.db.parent / "a.csv")).exit_code == 0
    assert dw("check", "--as-of", ANCHOR, "free.com", "redeem.com").exit_code == 0
    monkeypatch.setenv("DOMAINWATCH_OPERATOR", "env-op")
    assert dw("decide", "free.com", "--confirm", "--reason", "gone").exit_code == 0
    flag = dw("--operator", "flag-op", "decide", "redeem.com", "--confirm", "--reason", "lapsed")
    assert flag.exit_code == 0
    rows = json_lines(dw("export", "decisions"))
    assert [(r["domain"], r["operator"]) for r in rows] == [("free.com", "env-op"), ("redeem.com", "flag-op")]


# -- import ------------------------------------------------------------------------------------
IMPORT_KEYS = ["rows", "imported", "rejected", "accounts", "emails", "domains", "rejects"]


def test_import_csv_bom_booleans_unknown_columns_line_numbers_and_idempotence(dw):
    csv = write(dw.db.parent / "a.csv", (
        "account_id,username,email,email_verified,verified_at,primary,has_2fa,packages,downloads,team,notes\r\n"
        "1,ann,ann@Example.COM,true,2020-01-01T00:00:00Z,yes,1,3,100,x,y\r\n"
        "2,bob,bob@mail.redeem.com,1,2020-01-01,true,no,0,0,,\r\n"
        "3,cat,cat@free.com,yes,,1,0,,,,\r\n"
        "4,dan,not-an-address,true,,,,,,,\r\n"
        "5,eve,eve@free.com,maybe,,,,,,,\r\n"
        "6,fay,fay@soon.com,false,,no,false,,,,\r\n"
        "7,gus,gus@soon.com,0,,0,no,,,,\r\n"
        "8,hal,hal@soon.com,FALSE,,No,YES,,,,\r\n"
        "9,ida,ida@soon.com,,,,,,,,\r\n"
    ), bom=True)
    first = dw("import", "--json", str(csv))
    assert first.exit_code == 3  # partial success: rows were rejected
    obj = json.loads(first.stdout)
    assert list(obj) == IMPORT_KEYS
    assert obj["rows"] == 9 and obj["imported"] == 7 and obj["rejected"] == 2
    assert [r["line"] for r in obj["rejects"]] == [5, 6]  # the header is line 1
    assert all(set(r) == {"line", "reason"} and r["reason"] for r in obj["rejects"])
    assert (obj["accounts"], obj["emails"], obj["domains"]) == (7, 7, 4)
    assert first.stderr.count("warning") == 1 and "team" in first.stderr and "notes" in first.stderr
    show = json.loads(dw("show", "--json", "soon.com").stdout)
    verified = {a["username"]: a["verified"] for a in show["accounts"]}
    assert verified == {"fay": False, "gus": False, "hal": False, "ida": True}  # default true
    assert {a["username"]: a["has_2fa"] for a in show["accounts"]}["hal"] is True
    # the same file again changes nothing
    before = dw("summary", "--json").stdout
    again = dw("import", "--json", str(csv))
    assert again.exit_code == 3
    obj2 = json.loads(again.stdout)
    assert (obj2["accounts"], obj2["emails"], obj2["domains"]) == (0, 0, 0)
    assert dw("summary", "--json").stdout == before
    assert json.loads(dw("show", "--json", "soon.com").stdout)["accounts"] == show["accounts"]


def test_import_json_lines(dw):
    path = write(dw.db.parent / "a.jsonl", "\n".join([
        json.dumps({"account_id": "1", "username": "ann", "email": "ann@free.com", "email_verified": "no",
                    "primary": True, "has_2fa": False, "packages": 2, "downloads": 5, "extra": 1}),
        "not json",
        json.dumps({"account_id": "2", "username": "bob"}),
        json.dumps({"account_id": "3", "username": "cat", "email": "cat@free.com", "email_verified": 1}),
    ]) + "\n")
    result = dw("import", "--json", "--format", "jsonl", str(path))
    assert result.exit_code == 3
    obj = json.loads(result.stdout)
    assert list(obj) == IMPORT_KEYS
    assert (obj["rows"], obj["imported"], obj["rejected"]) == (4, 2, 2)
    assert [r["line"] for r in obj["rejects"]] == [2, 3]
    accounts = {a["username"]: a for a in json.loads(dw("show", "--json", "free.com").stdout)["accounts"]}
    assert accounts["ann"]["verified"] is False and accounts["cat"]["verified"] is True
    assert accounts["ann"]["primary"] is True and accounts["ann"]["packages"] == 2


def test_import_exit_codes(dw):
    good = write(dw.db.parent / "g.csv", "account_id,username,email\n1,ann,ann@free.com\n")
    assert dw("import", str(good)).exit_code == 0
    assert dw("import", str(dw.db.parent / "missing.csv")).exit_code == 1
    no_email = write(dw.db.parent / "h.csv", "account_id,username\n1,ann\n")
    assert dw("import", str(no_email)).exit_code == 1
    assert dw("import", "--format", "xml", str(good)).exit_code == 2


# -- check ---------------------------------------------------------------------------------------
def test_check_json_lines_key_for_key_and_only_json_on_stdout(dw):
    result = dw("check", "--json", "--as-of", ANCHOR, "WWW.Example.COM.", "bücher.de", "free.com",
                "new-owner.com", "gmail.com")
    assert result.exit_code == 0, result.stderr
    rows = json_lines(result)  # every stdout line is JSON
    by = {r["domain"]: r for r in rows}
    assert set(by) == {"example.com", "xn--bcher-kva.de", "free.com", "new-owner.com", "gmail.com"}
    for row in rows:
        assert list(row) == CHECK_KEYS
        assert row["domain"] == row["domain"].lower() and row["domain"].isascii()
        assert isinstance(row["statuses"], list) and isinstance(row["reasons"], list)
        for key in ("registered_at", "expires_at", "last_changed_at", "checked_at", "next_check_at"):
            value = row[key]
            assert value is None or value.endswith(("Z", "+00:00")), (key, value)
    assert by["example.com"]["phase"] == "active" and by["example.com"]["backend"] == "rdap"
    assert by["example.com"]["error"] is None and "active" in by["example.com"]["statuses"]
    assert by["free.com"]["phase"] == "available" and by["free.com"]["registered_at"] is None
    assert by["gmail.com"]["phase"] == "exempt" and by["gmail.com"]["checked_at"] is None
    # a DOMAIN not yet in the store was added (with no accounts)
    show = json.loads(dw("show", "--json", "example.com").stdout)
    assert show["accounts"] == []


def test_check_as_of_a_date_and_a_date_time(dw):
    # soon.com expires 10 days after the anchor in the simulator: expiring now, active 60 days before
    early = json_lines(dw("check", "--json", "--as-of", "2026-05-02", "soon.com"))[0]
    assert early["checked_at"] == "2026-05-02T00:00:00Z" and early["phase"] == "active"
    late = json_lines(dw("check", "--json", "--as-of", "2026-07-01T14:30:00", "soon.com"))[0]
    assert late["checked_at"] == "2026-07-01T14:30:00Z" and late["phase"] == "expiring"
    offset = json_lines(dw("check", "--json", "--as-of", "2026-07-01T14:30:00+02:00", "soon.com"))[0]
    assert offset["checked_at"] == "2026-07-01T12:30:00Z"
    assert dw("check", "--as-of", "next tuesday", "soon.com").exit_code == 2


def test_check_exit_codes(dw):
    assert dw("check", "--json", "--as-of", ANCHOR, "example.com").exit_code == 0
    partial = dw("check", "--json", "--as-of", ANCHOR, "example.com", "broken.com")
    assert partial.exit_code == 3
    assert {r["domain"]: r["phase"] for r in json_lines(partial)}["broken.com"] == "unknown"
    assert dw("check").exit_code == 2  # nothing to check
    assert dw("check", "not a domain").exit_code == 2
    assert dw("check", "--due", "--json", "--as-of", ANCHOR).exit_code == 0  # nothing due then


def _bootstrap(path: Path, url: str) -> Path:
    doc = {"version": "1.0", "publication": "2026-06-26T00:00:00Z", "services": [[["com"], [url]]]}
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_rdap_bootstrap_accepts_plain_http_to_loopback(dw, host):
    port = dw.sim.base_url.rstrip("/").rsplit(":", 1)[1]
    boot = _bootstrap(dw.db.parent / "boot.json", f"http://{host}:{port}/")
    result = CliRunner().invoke(main, ["--db", str(dw.db), "check", "--json", "--as-of", ANCHOR,
                                       "--rdap-bootstrap", str(boot), "example.com"])
    assert result.exit_code == 0 and json_lines(result)[0]["phase"] == "active"


# -- summary, show, decide --------------------------------------------------------------------------
def test_summary_show_decide_json_shapes_and_exit_codes(dw):
    csv = write(dw.db.parent / "a.csv", "account_id,username,email\n"
                "1,ann,ann@redeem.com\n2,bob,bob@redeem.com\n3,cat,cat@example.com\n")
    assert dw("import", str(csv)).exit_code == 0
    summary = json.loads(dw("summary", "--json").stdout)
    assert list(summary) == ["accounts", "emails", "domains", "phases", "proposals_pending"]
    assert set(summary["phases"]) == {p.value for p in Phase}  # every phase, 0 when none
    assert summary["phases"]["unchecked"] == 2 and summary["proposals_pending"] == 0
    assert dw("check", "--as-of", ANCHOR, "--all").exit_code == 0
    summary = json.loads(dw("summary", "--json").stdout)
    assert summary["phases"]["redemption"] == 1 and summary["proposals_pending"] == 2
    assert sum(summary["phases"].values()) == summary["domains"] == 2

    # decide: --reason is required (usage, exit 2), an unknown domain is a failure (exit 1)
    assert dw("decide", "redeem.com", "--confirm").exit_code == 2
    assert dw("decide", "redeem.com", "--confirm", "--override", "--reason", "x").exit_code == 2
    assert dw("decide", "unknown-domain.com", "--confirm", "--reason", "x").exit_code == 1
    override = dw("decide", "REDEEM.com", "--override", "--reason", "owner", "--until", "2099-01-01",
                  "--json")
    assert override.exit_code == 0
    obj = json.loads(override.stdout)
    assert list(obj) == ["domain", "action", "emails", "decision_ids"]
    assert obj["domain"] == "redeem.com" and obj["action"] == "override" and obj["emails"] == 2
    assert len(obj["decision_ids"]) >= 1 and all(isinstance(i, int) for i in obj["decision_ids"])
    confirm = json.loads(dw("decide", "redeem.com", "--confirm", "--reason", "lapsed", "--json").stdout)
    assert confirm["action"] == "confirm" and confirm["emails"] == 2

    show = dw("show", "redeem.com", "--json")
    assert show.exit_code == 0
    obj = json.loads(show.stdout)
    assert list(obj)[:len(CHECK_KEYS)] == CHECK_KEYS
    assert {"accounts", "proposals", "decisions"} <= set(obj)
    assert obj["domain"] == "redeem.com" and obj["phase"] == "redemption"
    assert sorted(a["username"] for a in obj["accounts"]) == ["ann", "bob"]
    assert len(obj["proposals"]) == 2 and [d["action"] for d in obj["decisions"]] == ["override", "confirm"]
    assert obj["decisions"][0]["until"] == "2099-01-01T00:00:00Z"
    assert dw("show", "nowhere.com", "--json").exit_code == 1
    assert dw("show", "nowhere.com", "--json").stdout == ""


def test_show_with_an_argument_that_is_no_domain_is_a_usage_error(dw):
    result = dw("show", "not a domain")
    assert result.exit_code == 2 and "not a domain" in result.stderr


# -- config keys ---------------------------------------------------------------------------------
def test_policy_keys_are_honoured(dw):
    csv = write(dw.db.parent / "a.csv", "account_id,username,email\n1,ann,ann@redeem.com\n"
                "2,bob,bob@free.com\n3,cat,cat@example.com\n")
    assert dw("import", str(csv)).exit_code == 0
    config = FAST + '[policy]\nexpiring_days = 400\nunverify_phases = ["available"]\n'
    rows = {r["domain"]: r for r in json_lines(dw("check", "--json", "--as-of", ANCHOR, "--all",
                                                  config=config))}
    assert rows["example.com"]["phase"] == "expiring"  # expires in about a year: within 400 days
    proposals = json_lines(dw("export", "proposals"))
    assert [p["domain"] for p in proposals] == ["free.com"]  # redemption is not an unverify phase here


def test_rdap_politeness_keys_are_honoured(dw):
    dw.sim.set_scenario({"anchor": ANCHOR, "default": "active", "latency_ms": 200, "domains": {}})
    names = [f"d{i}.com" for i in range(4)]
    config = "[rdap]\nrequests_per_second = 0\nconcurrency = 1\nretries = 0\n"
    assert dw("check", *names, config=config).exit_code == 0
    at = sorted(r.at for r in dw.sim.requests)
    assert len(at) == 4 and all(b - a >= 0.18 for a, b in itertools.pairwise(at))  # one at a time
    dw.sim.set_scenario({"anchor": ANCHOR, "default": "active", "domains": {}})
    config = "[rdap]\nrequests_per_second = 4\nconcurrency = 4\nretries = 0\n"
    assert dw("check", *[f"e{i}.com" for i in range(6)], config=config).exit_code == 0
    at = sorted(r.at for r in dw.sim.requests)
    assert len(at) == 6
    assert all(sum(1 for t in at if s <= t < s + 0.95) <= 4 for s in at)  # never 5 in one second
@pytest.mark.parametrize("url", ["http://rdap.example.net/", "http://10.0.0.1/", "ftp://127.0.0.1/",
                                 "http://localhost.example.net/"])
def test_rdap_bootstrap_refuses_plain_http_to_a_non_loopback_host(env, url):
    boot = _bootstrap(env / "boot.json", url)
    result = CliRunner().invoke(main, ["--db", str(env / "s.db"), "check", "--json", "--rdap-bootstrap",
                                       str(boot), "example.com"])
    row = json_lines(result)[0]
    assert row["phase"] == "unknown" and row["checked_at"] is not None
    reasons = " ".join(row["reasons"])
    assert "refused" in reasons and url in reasons  # the operator learns why, and which URL




# -- dashboard keys scripts rely on -----------------------------------------------------------------
def _app(tmp_path):
    from domainwatch_tui.tui.app import DomainwatchApp, default_config
    from tui_support import CLOCK, seed_store

    path = seed_store(tmp_path / "tui.db")
    short = write(tmp_path / "short.csv", "account_id,username,email\nz1,Jo,jo.smith@late.net\n")
    assert CliRunner().invoke(main, ["--db", str(path), "import", str(short)]).exit_code == 0
    return DomainwatchApp(path, clock=CLOCK, checker_factory=None, read_only=False, operator="tester",
                          config=default_config(), start_worker=False)


async def _settle(pilot, rounds: int = 2, *, debounce: bool = False) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    if debounce:
        from domainwatch_tui.tui.screens.main import FILTER_DEBOUNCE

        await pilot.pause(FILTER_DEBOUNCE + 0.1)  # the filter's search has started
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


FILTER_CASES = [
    ("heidi", ["healthy.com"]),                       # a username of a domain outside the shown group
    ("p@hea", ["healthy.com"]),                       # part of an address (alice.backup@healthy.com)
    ("alice", ["oldshop.com", "healthy.com"]),        # one username, two domains in two groups
    ("ng.o", ["lapsing.org"]),                        # part of a domain
    ("jo", ["late.net"]),                             # a whole username of two characters
]


async def test_slash_filters_every_group_and_enter_goes_to_the_first_match(tmp_path):
    from domainwatch_tui.tui.screens.main import MainScreen
    from domainwatch_tui.tui.widgets.domain_table import DomainTable

    app = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.screen.group == "review"
        table = app.screen.query_one(DomainTable)
        for typed, expected in FILTER_CASES:
            await pilot.press("slash")
            assert app.focused is not None and app.focused.id == "filter"
            await pilot.press(*typed, "enter")  # Enter at once, before the search has run
            await _settle(pilot, debounce=True)
            assert table.has_focus, typed
            assert sorted(table.mounted_names()) == sorted(expected), typed
            assert table.cursor_row == 0 and table.current.name == table.mounted_names()[0]
            await pilot.press("escape")  # clears the filter
            await _settle(pilot, debounce=True)
            assert "healthy.com" not in table.mounted_names()  # the review group again


async def test_enter_opens_the_domain_with_its_accounts_esc_goes_back_help_and_quit(tmp_path):
    from domainwatch_tui.tui.screens.domain import DomainScreen
    from domainwatch_tui.tui.screens.help import HelpScreen
    from domainwatch_tui.tui.screens.main import MainScreen
    from domainwatch_tui.tui.widgets.domain_table import DomainTable

    app = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        table = app.screen.query_one(DomainTable)
        table.move_cursor(row=table.mounted_names().index("oldshop.com"))
        await pilot.press("enter")
        await _settle(pilot)
        assert isinstance(app.screen, DomainScreen) and app.screen.domain == "oldshop.com"
        accounts = app.screen.query_one("#accounts")
        listed = {str(accounts.get_row_at(i)[0]) for i in range(accounts.row_count)}
        assert {"alice", "bob"} <= listed and accounts.row_count == 3
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await _settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.is_running and app.return_code is None
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running  # q quits (not merely the test ending)


def test_fastly_base_url_is_honoured(env, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cfg = write(env / "f.toml", f'[fastly]\nbase_url = "http://127.0.0.1:{server.server_port}/"\n'
                                    "retries = 0\n")
        monkeypatch.setenv("DOMAINWATCH_FASTLY_KEY", "contract-token")
        result = CliRunner().invoke(main, ["--db", str(env / "s.db"), "--config", str(cfg), "check",
                                           "--backend", "fastly", "--json", "example.com"])
    finally:
        server.shutdown()
        server.server_close()
    assert seen and "example.com" in seen[0]  # the request went to [fastly] base_url
    row = json_lines(result)[0]
    assert row["backend"] == "fastly" and row["phase"] == "unknown" and result.exit_code == 3
    insecure = write(env / "g.toml", '[fastly]\nbase_url = "http://api.fastly.example/"\n')
    refused = CliRunner().invoke(main, ["--db", str(env / "s.db"), "--config", str(insecure), "check",
                                        "--backend", "fastly", "example.com"])
    assert refused.exit_code == 2 and "base_url" in refused.stderr


@pytest.mark.parametrize("charset", ["ascii", "latin-1"])
def test_json_output_survives_a_standard_output_that_is_not_utf8(dw, charset):
    """A script under a Latin-1 locale (or a Windows code page) still gets JSON, not a traceback."""
    csv = write(dw.db.parent / "u.csv", "account_id,username,email\n1,例え太郎,taro@free.com\n")
    assert dw("import", str(csv)).exit_code == 0
    assert dw("check", "--as-of", ANCHOR, "free.com").exit_code == 0  # available: a proposal
    runner = CliRunner(charset=charset)
    base = ["--db", str(dw.db)]
    shown = runner.invoke(main, [*base, "show", "--json", "free.com"])
    assert shown.exit_code == 0, shown.output
    obj = json.loads(shown.stdout_bytes.decode(charset))
    assert obj["accounts"][0]["username"] == "例え太郎"
    out = runner.invoke(main, [*base, "export", "proposals", "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout_bytes.decode(charset))["username"] == "例え太郎"
    out = runner.invoke(main, [*base, "export", "proposals", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert "例え太郎" in out.stdout_bytes.decode("utf-8")  # CSV has no escapes: UTF-8, nothing lost


def test_json_lines_to_a_reader_that_goes_away_is_no_traceback(dw):
    """`domainwatch check --json ... | head -1`: the checks are still recorded, stderr stays clean."""
    names = [f"gone{i}.com" for i in range(6)]
    cfg = write(dw.db.parent / "p.toml", FAST)
    proc = subprocess.Popen(
        [sys.executable, "-m", "domainwatch_tui", "--db", str(dw.db), "--config", str(cfg), "check",
         "--json", "--as-of", ANCHOR, "--rdap-bootstrap", str(dw.sim.bootstrap_path), *names],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader has gone before the first line
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    summary = json.loads(dw("summary", "--json").stdout)
    assert summary["phases"]["available"] == len(names)

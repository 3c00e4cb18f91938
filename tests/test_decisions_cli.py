"""`decide` and `export` on the command line; the append-only trail; concurrent deciders."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner

from domainwatch_tui.cli import main
from domainwatch_tui.core.decisions import PolicyError, decide, preview_decision
from domainwatch_tui.core.store import Store
from review_support import NOW, Addr, new_store, observe, proposals, rows, seed, verified

D = "lapse.com"


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("DOMAINWATCH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("DOMAINWATCH_OPERATOR", "env-operator")
    store = new_store(tmp_path)
    seed(store, [Addr("1", f"a@{D}"), Addr("2", f"b@{D}"), Addr("3", "c@calm.org"),
                 Addr("4", "d@gone.net")])
    observe(store, D, "redemption")
    observe(store, "calm.org", "active")
    store.close()
    return tmp_path / "s.db"


def run(db, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def snapshot(db) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return tuple(conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                     for t in ("decisions", "proposals", "overrides", "emails", "domains"))
    finally:
        conn.close()


@pytest.mark.parametrize("args", [
    ["decide", D, "--confirm"],                                  # no --reason
    ["decide", D, "--confirm", "--reason", "   "],               # empty reason
    ["decide", D, "--reason", "why"],                            # no action
    ["decide", D, "--confirm", "--override", "--reason", "why"],  # two actions
    ["decide", D, "--override", "--reason", "why", "--until", "next tuesday"],
    ["decide", D, "--override", "--reason", "why", "--until", "2001-01-01"],  # in the past
    ["decide", D, "--confirm", "--reason", "why", "--until", "2099-01-01"],   # --until without override
])
def test_usage_errors_exit_2_and_change_nothing(db, args):
    before = snapshot(db)
    result = run(db, *args)
    assert result.exit_code == 2, result.output
    assert snapshot(db) == before


def test_unknown_domain_exits_1_with_a_clear_message(db):
    before = snapshot(db)
    result = run(db, "decide", "never-heard-of.com", "--confirm", "--reason", "x")
    assert result.exit_code == 1
    assert "unknown domain 'never-heard-of.com'" in result.stderr
    assert snapshot(db) == before


def test_nothing_to_decide_exits_1(db):
    result = run(db, "decide", "calm.org", "--confirm", "--reason", "x")
    assert result.exit_code == 1
    assert "nothing to decide on calm.org" in result.stderr
    result = run(db, "decide", D, "--revert", "--reason", "x")
    assert result.exit_code == 1 and "nothing to revert" in result.stderr


def test_decide_json_is_exactly_the_contract(db):
    result = run(db, "--operator", "carol", "decide", "LAPSE.com", "--confirm", "--reason", "gone", "--json")
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout)
    assert obj == {"domain": D, "action": "confirm", "emails": 2, "decision_ids": [obj["decision_ids"][0]]}
    row = rows(Store(db), "SELECT * FROM decisions")[0]
    assert (row["operator"], row["action"], row["phase"], row["reason"]) == ("carol", "confirm", "redemption",
                                                                          "gone")
    assert row["check_id"] is not None


def test_operator_from_the_environment(db):
    assert run(db, "decide", D, "--override", "--reason", "owner says renewing", "--until", "2099-12-01")\
        .exit_code == 0
    row = rows(Store(db), "SELECT operator, until FROM decisions")[0]
    assert tuple(row) == ("env-operator", "2099-12-01T00:00:00Z")
    assert rows(Store(db), "SELECT decision_state FROM domains WHERE name = ?", D)[0][0] == \
        "overridden until 2099-12-01"


def test_decisions_are_append_only(db):
    assert run(db, "decide", D, "--confirm", "--reason", "gone").exit_code == 0
    store = Store(db)
    for statement in ("UPDATE decisions SET reason = 'rewritten'", "DELETE FROM decisions",
                      "UPDATE decisions SET operator = 'someone-else' WHERE id = 1"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.execute(statement)
    assert rows(store, "SELECT reason, operator FROM decisions")[0][:] == ("gone", "env-operator")


def test_revert_of_re_registered_needs_force(tmp_path):
    store = new_store(tmp_path)
    seed(store, [Addr("1", "a@drop.com")])
    observe(store, "drop.com", "active")
    observe(store, "drop.com", "available", now=NOW + timedelta(days=1))
    decide(store, "drop.com", "confirm", operator="op", reason="dropped", now=NOW + timedelta(days=1))
    out = observe(store, "drop.com", "active", now=NOW + timedelta(days=5),
                  registered_at=NOW + timedelta(days=4), handle="NEW-1")
    assert out.phase.value == "re_registered"
    with pytest.raises(PolicyError) as err:
        decide(store, "drop.com", "revert", operator="op", reason="oops", now=NOW + timedelta(days=5))
    assert err.value.exit_code == 1 and "re_registered" in err.value.message
    assert verified(store, "drop.com") == {"a@drop.com": 0}
    preview = preview_decision(store, "drop.com", "revert", force=True)
    assert preview.blocked is None and preview.addresses == ["a@drop.com"]
    decide(store, "drop.com", "revert", operator="op", reason="same org bought it back", force=True,
           now=NOW + timedelta(days=5))
    assert verified(store, "drop.com") == {"a@drop.com": 1}


def test_preview_lists_what_changes_and_writes_nothing(db):
    store = Store(db)
    before = snapshot(db)
    p = preview_decision(store, D, "confirm")
    assert p.blocked is None
    assert [(c.address, c.before, c.after) for c in p.changes] == [
        (f"a@{D}", "verified", "unverified"), (f"b@{D}", "verified", "unverified")]
    assert len(p.proposal_ids) == 2 and p.check_id is not None
    assert snapshot(db) == before
    with pytest.raises(PolicyError) as err:
        preview_decision(store, "nope.com", "confirm")
    assert err.value.exit_code == 1


def test_export_jsonl_and_csv(db):
    assert run(db, "--operator", "dan", "decide", D, "--confirm", "--reason", "gone, for good").exit_code == 0
    out = run(db, "export", "decisions")
    assert out.exit_code == 0
    recs = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(recs) == 1
    rec = recs[0]
    assert rec["operator"] == "dan" and rec["action"] == "confirm" and rec["domain"] == D
    assert rec["phase"] == "redemption" and rec["check_id"] and rec["reason"] == "gone, for good"
    assert rec["addresses"] == [f"a@{D}", f"b@{D}"] and rec["emails"] == 2
    assert {a["account_id"] for a in rec["affected"]} == {"1", "2"}
    assert len(rec["proposal_ids"]) == 2
    table = list(csv.DictReader(io.StringIO(run(db, "export", "decisions", "--format", "csv").stdout)))
    assert table[0]["reason"] == "gone, for good" and json.loads(table[0]["addresses"]) == rec["addresses"]
    props = [json.loads(x) for x in run(db, "export", "proposals").stdout.splitlines()]
    assert {(p["status"], p["decision_id"]) for p in props} == {("confirmed", rec["id"])}
    assert {p["address"] for p in props} == {f"a@{D}", f"b@{D}"} and all(p["reasons"] for p in props)
    assert run(db, "export", "decisions", "--since", "2999-01-01").stdout == ""
    assert run(db, "export", "decisions", "--since", "yesterday-ish").exit_code == 2


def _seed_many(tmp_path, n: int) -> list[str]:
    store = new_store(tmp_path)
    names = [f"d{i}.com" for i in range(n)]
    seed(store, [Addr(str(i), f"u@{d}") for i, d in enumerate(names)])
    for d in names:
        observe(store, d, "redemption")
    store.close()
    return names


def test_two_threads_deciding_at_once_lose_nothing(tmp_path):
    names = _seed_many(tmp_path, 16)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def decider(part: list[str], action: str) -> None:
        store = Store(tmp_path / "s.db")
        try:
            barrier.wait()
            for d in part:
                decide(store, d, action, operator=f"op-{action}", reason="concurrent", now=NOW)
            # both also decide on the same domain: the second sees the first's result
            try:
                decide(store, "d0.com", "confirm", operator=f"op-{action}", reason="race", now=NOW)
            except PolicyError as exc:
                assert "nothing to decide" in exc.message
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=decider, args=(names[1:8], "confirm")),
               threading.Thread(target=decider, args=(names[8:], "override"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store(tmp_path / "s.db")
    got = rows(store, "SELECT domain, action FROM decisions WHERE reason = 'concurrent'")
    assert sorted(tuple(r) for r in got) == sorted(
        [(d, "confirm") for d in names[1:8]] + [(d, "override") for d in names[8:]])
    assert len(rows(store, "SELECT * FROM decisions WHERE domain = 'd0.com'")) == 1
    assert store.integrity_check() == "ok"


_CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from datetime import datetime, UTC
    from domainwatch_tui.core.store import Store
    from domainwatch_tui.core.decisions import decide
    db, go, op, *domains = sys.argv[1:]
    store = Store(db)
    while not Path(go).exists():
        time.sleep(0.01)
    for d in domains:
        decide(store, d, "confirm", operator=op, reason="from " + op, now=datetime.now(UTC))
    print(len(domains))
""")


def test_two_processes_deciding_at_once_lose_nothing(tmp_path):
    names = _seed_many(tmp_path, 12)
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path / "s.db"), str(go), op, *part],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for op, part in (("proc-a", names[::2]), ("proc-b", names[1::2]))]
    go.touch()
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    store = Store(tmp_path / "s.db")
    got = {r["domain"]: r["operator"] for r in rows(store, "SELECT domain, operator FROM decisions")}
    assert got == {d: ("proc-a" if i % 2 == 0 else "proc-b") for i, d in enumerate(names)}
    assert all(v == 0 for d in names for v in verified(store, d).values())
    assert proposals(store, names[0], "pending") == []

"""Import: CSV and JSON Lines edge cases, rejects with lines, idempotence, counts, exemption."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from domainwatch_tui.core.addresses import exempt_matcher
from domainwatch_tui.core.importer import ImportFileError, import_file, open_import

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HEADER = "account_id,username,email,email_verified,verified_at,primary,has_2fa,packages,downloads\n"


def run(store, path, **kw):
    kw.setdefault("parallel", False)
    with open_import(path, kw.pop("fmt", None)) as source:
        return source.import_into(store, now=NOW, is_exempt=exempt_matcher(), **kw)


def write(tmp_path, text: str | bytes, name="in.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def emails(store):
    return [tuple(r) for r in store.execute(
        "SELECT account_id, address, domain, verified, verified_at, is_primary FROM emails "
        "ORDER BY account_id, address DESC")]


def snapshot(store):
    return {t: [tuple(r) for r in store.execute(f"SELECT * FROM {t} ORDER BY 1")]
            for t in ("accounts", "emails", "domains", "phase_changes")}


def test_csv_happy_path_counts_and_values(tmp_path, fresh_store):
    path = write(tmp_path, HEADER
                 + "1,alice,Alice@Mail.Example.CO.UK,true,2025-01-02,true,yes,3,1000\n"
                 + "1,alice,alice@gmail.com,0,,false,yes,3,1000\n"
                 + "2,bob,bob@example.co.uk,,2025-02-03T04:05:06+02:00,,no,,\n")
    r = run(fresh_store, path)
    assert (r.rows, r.imported, r.rejected, r.accounts, r.emails, r.domains) == (3, 3, 0, 2, 3, 2)
    assert emails(fresh_store) == [
        ("1", "alice@mail.example.co.uk", "example.co.uk", 1, "2025-01-02T00:00:00Z", 1),
        ("1", "alice@gmail.com", "gmail.com", 0, None, 0),
        ("2", "bob@example.co.uk", "example.co.uk", 1, "2025-02-03T02:05:06Z", None),
    ]
    acc = {r["account_id"]: tuple(r) for r in fresh_store.execute(
        "SELECT account_id, username, has_2fa, packages, downloads FROM accounts")}
    assert acc == {"1": ("1", "alice", 1, 3, 1000), "2": ("2", "bob", 0, None, None)}
    d = fresh_store.domain_row("example.co.uk")
    assert (d["phase"], d["accounts"], d["emails"], d["verified"]) == ("unchecked", 2, 2, 2)
    assert d["next_check_at"] == "2026-03-01T12:00:00Z"
    g = fresh_store.domain_row("gmail.com")
    assert (g["phase"], g["next_check_at"], g["verified"]) == ("exempt", None, 0)


@pytest.mark.parametrize(("row", "reason"), [
    ("3,carol,carol.example.com", "no @"),
    ("3,carol,", "empty address"),
    ("3,,carol@example.com", "empty username"),
    (",carol,carol@example.com", "empty account_id"),
    ("3,carol,carol@co.uk", "public suffix"),
    ("3,carol,carol@localhost", "single-label"),
    ("3,carol,carol@[10.0.0.1]", "IP address"),
    ("3,carol,carol@10.0.0.1", "IP address"),
    ("3,carol", "too few fields"),
    ("3,carol,carol@example.com,true,,,,1,2,surplus", "too many fields"),
    ("3,carol,carol@example.com,maybe", "email_verified"),
    ("3,carol,carol@example.com,true,yesterday", "verified_at"),
    ("3,carol,carol@example.com,true,,,,-1", "packages"),
    ("3,carol,carol@example.com,true,,,,,lots", "downloads"),
])
def test_bad_rows_are_rejected_with_line_and_reason(tmp_path, fresh_store, row, reason):
    short = "account_id,username,email,email_verified,verified_at,primary,has_2fa,packages,downloads"
    if row.count(",") < 8 and "too few" not in reason and "too many" not in reason:
        row = row + "," * (8 - row.count(","))
    path = write(tmp_path, short + "\n1,alice,alice@example.org,,,,,,\n" + row
                 + "\n2,bob,bob@example.net,,,,,,\n")
    r = run(fresh_store, path)
    assert (r.rows, r.imported, r.rejected) == (3, 2, 1)
    assert r.rejects[0].line == 3
    assert reason in r.rejects[0].reason
    assert [e[1] for e in emails(fresh_store)] == ["alice@example.org", "bob@example.net"]


def test_bom_quoted_commas_crlf_and_multiline_fields_keep_line_numbers(tmp_path, fresh_store):
    text = ("\ufeff" + HEADER.replace("\n", "\r\n")
            + '1,"Smith, Alice",alice@example.com,,,,,,\r\n'
            + '2,"two\r\nlines",bob@example.com,,,,,,\r\n'
            + "3,carol,nope,,,,,,\r\n")
    r = run(fresh_store, write(tmp_path, text.encode("utf-8")))
    assert (r.imported, r.rejected) == (1, 2)
    # the header is line 1; the quoted field of line 3 spans lines 3-4 (a control character in a
    # username is refused); the next row is line 5
    assert [(x.line, x.reason.split(" ")[0]) for x in r.rejects] == [(3, "control"), (5, "no")]
    names = [row[0] for row in fresh_store.execute("SELECT username FROM accounts ORDER BY account_id")]
    assert names == ["Smith, Alice"]


def test_missing_optional_columns_and_header_case(tmp_path, fresh_store):
    r = run(fresh_store, write(tmp_path, " Account_ID ,USERNAME,Email\n7,gus,gus@Example.com\n"))
    assert (r.imported, r.rejected) == (1, 0)
    assert emails(fresh_store) == [("7", "gus@example.com", "example.com", 1, None, None)]


def test_unknown_columns_are_warned_once(tmp_path, fresh_store):
    warnings: list[str] = []
    path = write(tmp_path, "account_id,username,email,shoe_size,colour\n1,a,a@example.com,9,red\n"
                 "2,b,b@example.com,10,blue\n")
    with open_import(path, warn=warnings.append) as source:
        r = source.import_into(fresh_store, now=NOW, is_exempt=exempt_matcher(), parallel=False)
    assert r.imported == 2
    assert len(warnings) == 1 and "shoe_size" in warnings[0] and "colour" in warnings[0]


def test_jsonl_unknown_keys_warned_once_and_broken_lines_rejected(tmp_path, fresh_store):
    lines = [
        json.dumps({"account_id": 1, "username": "a", "email": "a@example.com", "extra": 1}),
        "{not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"account_id": "2", "username": "b"}),
        json.dumps({"account_id": "3", "username": "c", "email": "c@example.com", "email_verified": False,
                    "packages": 4, "has_2fa": True, "other": {"x": 1}}),
        json.dumps({"account_id": "4", "username": "d", "email": ["x@example.com"]}),
    ]
    warnings: list[str] = []
    path = write(tmp_path, "\n".join(lines) + "\n", name="in.jsonl")
    with open_import(path, warn=warnings.append) as source:
        assert source.format == "jsonl"
        r = source.import_into(fresh_store, now=NOW, is_exempt=exempt_matcher(), parallel=False)
    assert (r.rows, r.imported, r.rejected) == (6, 2, 4)
    assert [(x.line, x.reason.split(":")[0]) for x in r.rejects] == [
        (2, "not valid JSON"), (4, "not a JSON object"), (5, "missing field(s)"), (7, "email")]
    assert len(warnings) == 1 and "extra" in warnings[0] and "other" in warnings[0]
    assert emails(fresh_store)[1] == ("3", "c@example.com", "example.com", 0, None, None)


def test_invalid_utf8_and_nul_reject_only_their_row(tmp_path, fresh_store):
    body = (HEADER.encode() + b"1,al\xffice,a@example.com,,,,,,\n" + b"2,bob,b@example.com,,,,,,\n"
            + b"3,c\x00c,c@example.com,,,,,,\n")
    r = run(fresh_store, write(tmp_path, body))
    assert r.imported == 1
    assert [x.line for x in r.rejects] == [2, 4]
    assert "UTF-8" in r.rejects[0].reason and "control character" in r.rejects[1].reason


def test_duplicate_rows_are_one_address(tmp_path, fresh_store):
    row = "1,alice,alice@example.com,true,,,,,\n"
    r = run(fresh_store, write(tmp_path, HEADER + row + row + "1,alice,ALICE@example.com,true,,,,,\n"))
    assert (r.imported, r.rejected, r.accounts, r.emails) == (3, 0, 1, 1)
    assert fresh_store.domain_row("example.com")["emails"] == 1


def test_reimport_changes_nothing_and_updates_are_counted(tmp_path, fresh_store):
    path = write(tmp_path, HEADER + "1,alice,alice@example.com,true,2025-01-01,true,yes,3,10\n"
                 + "2,bob,bob@gmx.de,false,,,,,\n")
    first = run(fresh_store, path)
    before = snapshot(fresh_store)
    second = run(fresh_store, path)
    assert snapshot(fresh_store) == before
    assert (second.accounts, second.emails, second.domains, second.updated) == (0, 0, 0, 0)
    assert (first.accounts, first.emails, first.domains) == (2, 2, 2)
    changed = write(tmp_path, HEADER + "1,alice2,alice@example.com,false,2025-01-01,true,yes,3,10\n",
                    name="changed.csv")
    third = run(fresh_store, changed)
    assert third.updated == 2
    assert fresh_store.domain_row("example.com")["verified"] == 0


def test_a_stale_export_does_not_reverify_what_domainwatch_unverified(tmp_path, fresh_store):
    path = write(tmp_path, HEADER + "1,alice,alice@example.com,true,2025-01-01,,,,\n")
    run(fresh_store, path)
    fresh_store.execute("UPDATE emails SET verified = 0, unverified_at = '2026-02-01T00:00:00Z'")
    run(fresh_store, path)
    assert fresh_store.execute("SELECT verified FROM emails").fetchone()[0] == 0
    newer = write(tmp_path, HEADER + "1,alice,alice@example.com,true,2026-02-20,,,,\n", name="n.csv")
    run(fresh_store, newer)
    row = fresh_store.execute("SELECT verified, unverified_at FROM emails").fetchone()
    assert tuple(row) == (1, None)


def test_config_exemptions_and_phase_back_when_no_longer_exempt(tmp_path, fresh_store):
    path = write(tmp_path, HEADER + "1,alice,alice@corp-mail.example,,,,,,\n")
    with open_import(path) as source:
        source.import_into(fresh_store, now=NOW, is_exempt=exempt_matcher(["corp-mail.example"]),
                           parallel=False)
    assert fresh_store.domain_row("corp-mail.example")["phase"] == "exempt"
    run(fresh_store, path)
    row = fresh_store.domain_row("corp-mail.example")
    assert (row["phase"], row["next_check_at"]) == ("unchecked", "2026-03-01T12:00:00Z")
    assert fresh_store.execute("SELECT from_phase, to_phase FROM phase_changes").fetchall()[0][:] == (
        "exempt", "unchecked")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.csv", None, "no such file"),
    ("empty.csv", "", "empty file"),
    ("noemail.csv", "account_id,username\n1,a\n", r"lacks required column\(s\) email"),
    ("twice.csv", "account_id,username,email,email\n", "appears twice"),
])
def test_unusable_files_fail_before_the_store_is_touched(tmp_path, name, content, message):
    if content is not None:
        write(tmp_path, content, name=name)
    with pytest.raises(ImportFileError, match=message):
        open_import(tmp_path / name)


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(ImportFileError, match="directory"):
        open_import(tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_parallel_parser_gives_the_same_store(tmp_path, fmt):
    from domainwatch_tui.core.store import Store

    rows = [("1", "a", "a@example.com"), ("2", "b", "nope"), ("3", "c", "c@Bücher.de"),
            ("4", "d", "d@gmail.com")]
    if fmt == "csv":
        text = "account_id,username,email\n" + "".join(f"{a},{u},{e}\n" for a, u, e in rows)
    else:
        text = "".join(json.dumps({"account_id": a, "username": u, "email": e}) + "\n" for a, u, e in rows)
    path = write(tmp_path, text, name=f"in.{fmt}")
    results = []
    for parallel in (False, True):
        store = Store(tmp_path / f"s{parallel}.db")
        with open_import(path) as source:
            r = source.import_into(store, now=NOW, is_exempt=exempt_matcher(), parallel=parallel,
                                   batch_size=2)
        results.append((r.to_json(), snapshot(store)))
        store.close()
    assert results[0] == results[1]
    line = 3 if fmt == "csv" else 2
    assert results[0][0]["rejects"] == [{"line": line, "reason": "no @ in address 'nope'"}]


def test_import_file_convenience_and_progress(tmp_path, fresh_store):
    seen: list[int] = []
    path = write(tmp_path, HEADER + "".join(f"{i},u{i},u{i}@d{i % 3}.example.com,,,,,,\n" for i in range(25)))
    r = import_file(fresh_store, path, now=NOW, is_exempt=exempt_matcher(), batch_size=10,
                    progress=seen.append)
    assert r.imported == 25 and r.domains == 1  # d0/d1/d2.example.com are one registrable domain
    assert seen and seen[-1] == path.stat().st_size
    assert fresh_store.domain_row("example.com")["accounts"] == 25


def test_a_store_from_before_the_covering_index_is_migrated_and_imports(tmp_path):
    from domainwatch_tui.core.store import Store
    from domainwatch_tui.core.store.base import StoreBase

    old = StoreBase(tmp_path / "old.db", migrate=False)
    old.migrate(target=3)
    old.execute("INSERT INTO emails(account_id, address, domain) "
                "VALUES ('1', 'a@example.com', 'example.com')")
    old.close()
    store = Store(tmp_path / "old.db")
    columns = [r["name"] for r in store.execute("PRAGMA index_info(emails_domain)")]
    assert columns == ["domain", "account_id", "verified"]
    r = run(store, write(tmp_path, HEADER + "2,bob,bob@example.com,,,,,,\n"))
    assert r.imported == 1
    row = store.domain_row("example.com")
    assert (row["emails"], row["accounts"]) == (2, 2)  # the older address is counted too
    store.close()

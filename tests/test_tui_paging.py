"""The dashboard's store queries: keyset pages, counts, search through the trigram index."""

from __future__ import annotations

from domainwatch_tui.core.store import Store
from tui_support import HOSTILE_USER, seed_store


def test_keyset_pages_cover_a_group_once_in_risk_order(tmp_path):
    store = Store(seed_store(tmp_path / "s.db"))
    everything = store.domain_page("all", limit=100)
    assert [r.key for r in everything] == sorted((r.key for r in everything), key=lambda k: (-k[0], k[1]))
    pages, after = [], None
    while True:
        page = store.domain_page("all", after=after, limit=3)
        if not page:
            break
        pages += page
        after = page[-1].key
    assert [r.name for r in pages] == [r.name for r in everything]
    back = store.domain_page("all", before=everything[6].key, limit=3)
    assert [r.name for r in back] == [r.name for r in everything[3:6]]
    assert store.domain_position("all", everything[4].key) == 4
    assert [r.name for r in store.domain_page("review")] == store.domain_names("review")
    counts = store.group_counts()
    assert counts["review"] == 3 and sum(v for k, v in counts.items() if k != "review") == len(everything)


def test_search_finds_domains_usernames_and_addresses_before_and_after_indexing(tmp_path):
    store = Store(seed_store(tmp_path / "s.db"))
    for indexed in (False, True):
        if indexed:
            assert store.refresh_search_index(batch=4) == 13
            assert store.search_index_lag() == 0
        assert [k[1] for k in store.search_domain_keys("SHOP")] == ["oldshop.com"]  # domain, any case
        assert [k[1] for k in store.search_domain_keys("mallory")] == ["oldshop.com"]  # address
        assert [k[1] for k in store.search_domain_keys("@click=app")] == ["oldshop.com"]  # username
        assert {k[1] for k in store.search_domain_keys("alice")} == {"oldshop.com", "healthy.com"}
        assert store.search_domain_keys("100%") == []  # LIKE wildcards are literal
    assert [a["username"] for a in store.search_accounts("click")] == [HOSTILE_USER]


def test_search_index_follows_new_addresses_and_renamed_accounts(tmp_path):
    store = Store(seed_store(tmp_path / "s.db"))
    store.refresh_search_index()
    store.write_import_batch([("a99", "zelda", 0, 1, 1, "2026-07-02T00:00:00Z"),
                              ("a02", "robert", 1, 2, 1200, "2026-07-02T00:00:00Z")],
                             [("a99", "zelda@newco.dev", "newco.dev", 1, None, None, "2026-07-02T00:00:00Z")],
                             [("newco.dev", "newco.dev", "unchecked", None, None, None)])
    # found before the refresh (the scan of what the index has not seen) and after it
    for _ in range(2):
        assert [k[1] for k in store.search_domain_keys("zelda")] == ["newco.dev"]
        assert [k[1] for k in store.search_domain_keys("robert")] == ["oldshop.com"]
        store.refresh_search_index()
    assert store.search_domain_keys("bob@") == [(store.domain_row("oldshop.com")["risk"], "oldshop.com")]


def add_decisions(store: Store, n: int, operator: str = "bulk-op") -> None:
    """`n` more audit rows (oldshop.com confirms, one second apart), for paging tests."""
    with store.transaction() as conn:
        conn.execute(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?) "
            "INSERT INTO decisions (at, operator, action, domain, phase, reason, emails) "
            "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2026-06-01', '+' || i || ' seconds'), ?, "
            "'confirm', 'oldshop.com', 'redemption', 'bulk ' || i, '[]' FROM k", (n, operator))


def test_audit_pages_cover_the_log_once_newest_first(tmp_path):
    store = Store(seed_store(tmp_path / "s.db"))
    add_decisions(store, 1_234)
    everything = [r["id"] for r in store.decisions()]
    pages, before = [], None
    while page := store.decision_page(before_id=before, limit=500):
        pages += [r["id"] for r in page]
        before = page[-1]["id"]
    assert pages == everything and len(pages) == 1_235
    newer = store.decision_page(after_id=everything[600], limit=100)
    assert [r["id"] for r in newer] == everything[500:600]  # the page just above, newest first
    bulk = store.decision_page(operator="bulk-op", since="2026-06-01T00:10:00Z", limit=2_000)
    assert len(bulk) == store.decision_filtered_count(operator="bulk-op", since="2026-06-01T00:10:00Z")
    assert len(bulk) == 1_234 - 599 and all(r["operator"] == "bulk-op" for r in bulk)

"""Benchmark: a full risk refresh and a one-domain refresh on a synthetic store (run by hand).

    .venv/bin/python benchmarks/bench_risk.py --accounts 1000000 --db /tmp/risk-bench.db

Builds the store once through the importer's store API (1.2 addresses per account over
50,000 domains, 3% of them in an unverify phase), then times `Store.refresh_risk()` (all
domains and accounts) and `Store.refresh_risk([domain])` (what every check does).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import to_iso

PHASES = ["active"] * 90 + ["expiring", "grace", "unknown", "unchecked", "redemption", "pending_delete",
                            "available", "re_registered", "active", "active"]


def build(store: Store, accounts: int, domains: int, seed: int) -> None:
    rnd = random.Random(seed)
    at = to_iso(datetime(2026, 3, 1, tzinfo=UTC)) or ""
    names = [f"d{i}.example" for i in range(domains)]
    store.write_import_batch([], [], [(n, n, "unchecked", at, at, at) for n in names])
    batch_a, batch_e = [], []
    for i in range(accounts):
        acct = str(i)
        batch_a.append((acct, f"user{i}", rnd.random() < 0.3, rnd.choice([0, 0, 1, 3, 20]),
                        rnd.choice([0, 10, 1000, 50_000, 2_000_000]), at))
        n = 2 if rnd.random() < 0.2 else 1
        for k in range(n):
            d = names[int(rnd.paretovariate(1.2)) % domains]
            batch_e.append((acct, f"u{i}.{k}@{d}", d, 1 if rnd.random() < 0.95 else 0, at, None, at))
        if len(batch_a) >= 20_000:
            store.write_import_batch(batch_a, batch_e, [])
            batch_a, batch_e = [], []
    store.write_import_batch(batch_a, batch_e, [])
    with store.transaction() as conn:
        for n in names:
            conn.execute("UPDATE domains SET phase = ? WHERE name = ?", (rnd.choice(PHASES), n))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--domains", type=int, default=50_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/risk-bench.db"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    fresh = not args.db.exists()
    store = Store(args.db)
    if fresh:
        t = time.perf_counter()
        build(store, args.accounts, args.domains, args.seed)
        print(f"built {args.accounts} accounts in {time.perf_counter() - t:.1f} s")
    counts = store.execute("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM emails)").fetchone()
    print(f"store: {counts[0]} accounts, {counts[1]} addresses")
    for label in ("full refresh (first)", "full refresh (again)"):
        t = time.perf_counter()
        store.refresh_risk()
        print(f"{label}: {time.perf_counter() - t:.2f} s")
    big = store.execute("SELECT domain FROM emails GROUP BY domain ORDER BY count(*) DESC LIMIT 1")\
        .fetchone()[0]
    small = store.execute("SELECT name FROM domains WHERE phase = 'redemption' LIMIT 1").fetchone()[0]
    for name in (small, big):
        n = store.execute("SELECT count(*) FROM emails WHERE domain = ?", (name,)).fetchone()[0]
        t = time.perf_counter()
        for _ in range(20):
            store.refresh_risk([name])
        print(f"one-domain refresh ({n} addresses): {(time.perf_counter() - t) / 20 * 1000:.1f} ms")
    store.close()


if __name__ == "__main__":
    main()

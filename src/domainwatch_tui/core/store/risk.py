"""Store queries for the risk score: the formula of core/risk.py, set-based in SQL.

`refresh_risk` recomputes `domains.risk` (sum over accounts) and `accounts.risk` (max over
domains) with a few statements over a temporary table of (domain, account, pair risk), so a
full refresh after a million-row import is a handful of table scans, not a Python loop.
The refresh after checks (a few domains, no expansion) takes a shorter road: two statements
and no temporary table, once per recorded batch when the caller uses `deferred_risk()`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator

from domainwatch_tui.core.model import Phase, RiskWeights
from domainwatch_tui.core.store.base import StoreBase

#: A scoped refresh touching more than 1/FULL_REFRESH_SHARE of the accounts does a full one.
FULL_REFRESH_SHARE = 8
#: A refresh of at most this many domains without expansion (the one after a check) runs as
#: two statements with no temporary tables: creating those costs about a millisecond (DDL
#: also invalidates every prepared statement of the connection).
DIRECT_REFRESH_MAX = 256

#: The scope of a direct refresh: the domains asked for and every account with an address there.
_DIRECT_SCOPE = """
WITH sd(name) AS (SELECT DISTINCT value FROM json_each(:names)),
     sa(account_id) AS (SELECT DISTINCT account_id FROM emails WHERE domain IN (SELECT name FROM sd)),
"""

#: domains.risk of the scope's domains: the sum over their verified accounts.
_DIRECT_DOMAINS = _DIRECT_SCOPE + """
     vh AS (SELECT domain, account_id, count(*) AS n FROM emails
            WHERE verified = 1 AND domain IN (SELECT name FROM sd) GROUP BY domain, account_id),
     vt AS (SELECT account_id, count(*) AS n FROM emails
            WHERE verified = 1 AND account_id IN (SELECT account_id FROM vh) GROUP BY account_id),
     pairs AS (SELECT vh.domain AS domain, {expr} AS r
               FROM vh JOIN vt ON vt.account_id = vh.account_id
               JOIN domains d ON d.name = vh.domain
               LEFT JOIN accounts a ON a.account_id = vh.account_id)
UPDATE domains SET risk = agg.r
FROM (SELECT sd.name AS name, coalesce(p.r, 0.0) AS r FROM sd
      LEFT JOIN (SELECT domain, total(r) AS r FROM pairs GROUP BY domain) p ON p.domain = sd.name) AS agg
WHERE domains.name = agg.name AND domains.risk IS NOT agg.r
"""

#: accounts.risk of the scope's accounts: the max over all their verified domains.
_DIRECT_ACCOUNTS = _DIRECT_SCOPE + """
     vh AS (SELECT domain, account_id, count(*) AS n FROM emails
            WHERE verified = 1 AND account_id IN (SELECT account_id FROM sa) GROUP BY domain, account_id),
     vt AS (SELECT account_id, count(*) AS n FROM emails
            WHERE verified = 1 AND account_id IN (SELECT account_id FROM sa) GROUP BY account_id),
     pairs AS (SELECT vh.account_id AS account_id, {expr} AS r
               FROM vh JOIN vt ON vt.account_id = vh.account_id
               JOIN domains d ON d.name = vh.domain
               LEFT JOIN accounts a ON a.account_id = vh.account_id)
UPDATE accounts SET risk = agg.r
FROM (SELECT sa.account_id AS account_id, coalesce(p.r, 0.0) AS r FROM sa
      LEFT JOIN (SELECT account_id, max(r) AS r FROM pairs GROUP BY account_id) p
      ON p.account_id = sa.account_id) AS agg
WHERE accounts.account_id = agg.account_id AND accounts.risk IS NOT agg.r
"""


def _pair_sql() -> str:
    """The SQL of pair(A, D) over aliases d (domains), a (accounts), vh/vt (verified counts)."""
    cases = " ".join(f"WHEN '{phase.value}' THEN :w{i}" for i, phase in enumerate(Phase))
    return (
        f"(CASE d.phase {cases} ELSE 0.0 END)"
        " * (CASE WHEN a.has_2fa = 1 THEN 1.0 ELSE :no2fa END)"
        " * (CASE WHEN vt.n = vh.n THEN :only ELSE 1.0 END)"
        " * (1.0 + :pk * ln(1 + max(coalesce(a.packages, 0), 0)))"
        " * (1.0 + :dl * log10(1 + max(coalesce(a.downloads, 0), 0)))"
    )


_PAIR_SQL = _pair_sql()
_PHASE_KEYS = tuple((f"w{i}", phase) for i, phase in enumerate(Phase))


def _pair_expr(w: RiskWeights) -> tuple[str, dict[str, float]]:
    """The SQL of pair(A, D) and its parameters (the weights)."""
    weights = w.phase_weights  # what RiskWeights.weight reads, without its per-call Phase(...)
    params: dict[str, float] = {key: float(weights.get(phase, 0.0)) for key, phase in _PHASE_KEYS}
    params.update(no2fa=float(w.no_2fa), only=float(w.only_verified), pk=float(w.packages),
                  dl=float(w.downloads))
    return _PAIR_SQL, params


_DIRECT_DOMAINS_SQL = _DIRECT_DOMAINS.format(expr=_PAIR_SQL)
_DIRECT_ACCOUNTS_SQL = _DIRECT_ACCOUNTS.format(expr=_PAIR_SQL)

_INPUT_COLUMNS = """
    vh.account_id AS account_id, a.username AS username, a.has_2fa AS has_2fa,
    a.packages AS packages, a.downloads AS downloads, vh.n AS verified_here, vt.n AS verified_total
"""


class RiskQueries(StoreBase):
    """SQL for the risk score: refresh (whole store or some domains) and the breakdown inputs."""

    #: While `deferred_risk()` is active: (thread id, {id(weights): (weights, {domain: None})}).
    _risk_deferred: tuple[int, dict[int, tuple[RiskWeights, dict[str, None]]]] | None = None

    @contextlib.contextmanager
    def deferred_risk(self) -> Iterator[None]:
        """Batch the refreshes that follow checks: inside, `refresh_risk(domains, expand=False)`
        (from this thread) only notes the domains, and on a clean exit they are all refreshed
        at once, in the caller's transaction when it holds one (use it inside the transaction).
        The result is the same as refreshing after each check: the risk of a domain and of its
        accounts is a function of the stored state, recomputed from scratch for that scope.
        A nested use joins the outer one; on an exception nothing is refreshed.
        """
        if self._risk_deferred is not None and self._risk_deferred[0] == threading.get_ident():
            yield
            return
        pending: dict[int, tuple[RiskWeights, dict[str, None]]] = {}
        self._risk_deferred = (threading.get_ident(), pending)
        try:
            yield
        finally:
            self._risk_deferred = None
        for weights, names in pending.values():
            self.refresh_risk(list(names), weights=weights, expand=False)

    def refresh_risk(self, domains: Iterable[str] | None = None, *,
                     weights: RiskWeights | None = None, expand: bool = True) -> int:
        """Recompute `domains.risk` and `accounts.risk`; all of them when `domains` is None.

        With `domains`, also refreshes the accounts on them and the other domains of those
        accounts (whose "only verified address" factor may have changed), skipping domains in a
        phase of weight 0 (their risk is 0 whatever happens). `expand=False` skips those other
        domains: right when only the phase of `domains` changed (a check), not when verified
        addresses did (a decision, an import). Returns how many domains were rescored.
        """
        w = weights or RiskWeights()
        deferred = self._risk_deferred
        if domains is not None and not expand and deferred is not None \
                and deferred[0] == threading.get_ident():
            names = list(domains)
            deferred[1].setdefault(id(w) if weights is not None else 0, (w, {}))[1].update(
                dict.fromkeys(names))
            return len(names)
        expr, params = _pair_expr(w)
        if domains is not None and not expand:
            names = list(dict.fromkeys(domains))
            if len(names) <= DIRECT_REFRESH_MAX:
                return self._refresh_risk_direct(names, params)
            domains = names
        with self.transaction() as conn:
            conn.execute("DROP TABLE IF EXISTS temp.risk_pairs")
            conn.execute("CREATE TEMP TABLE risk_pairs (domain TEXT, account_id TEXT, r REAL)")
            if domains is not None:
                scoped = self._risk_scope(conn, domains, w, expand)
                if scoped * FULL_REFRESH_SHARE > self._accounts_estimate(conn):
                    domains = None  # most accounts are in scope: the plain full refresh is faster
            if domains is None:
                vh_where, vt_where = "verified = 1", "verified = 1"
            else:
                # a UNION of two index look-ups (an OR here would scan every address)
                vh_where = ("verified = 1 AND id IN (SELECT id FROM emails WHERE domain IN "
                            "(SELECT name FROM temp.risk_scope_d) UNION SELECT id FROM emails "
                            "WHERE account_id IN (SELECT account_id FROM temp.risk_scope_a))")
                vt_where = "verified = 1 AND account_id IN (SELECT account_id FROM vh)"
            conn.execute(
                f"""INSERT INTO temp.risk_pairs(domain, account_id, r)
                WITH vh AS (SELECT domain, account_id, count(*) AS n FROM emails
                            WHERE {vh_where} GROUP BY domain, account_id),
                     vt AS (SELECT account_id, count(*) AS n FROM emails
                            WHERE {vt_where} GROUP BY account_id)
                SELECT vh.domain, vh.account_id, {expr}
                FROM vh JOIN vt ON vt.account_id = vh.account_id
                JOIN domains d ON d.name = vh.domain
                LEFT JOIN accounts a ON a.account_id = vh.account_id""",
                params,
            )
            if domains is None:
                d_filter = a_filter = ""
            else:
                d_filter = "WHERE d.name IN (SELECT name FROM temp.risk_scope_d)"
                a_filter = "WHERE a.account_id IN (SELECT account_id FROM temp.risk_scope_a)"
            conn.execute("CREATE INDEX temp.risk_pairs_d ON risk_pairs(domain)")
            conn.execute("CREATE INDEX temp.risk_pairs_a ON risk_pairs(account_id)")
            conn.execute(
                f"""UPDATE domains SET risk = coalesce(agg.r, 0.0)
                FROM (SELECT d.name AS name, (SELECT total(p.r) FROM temp.risk_pairs p
                                              WHERE p.domain = d.name) AS r
                      FROM domains d {d_filter}) AS agg
                WHERE domains.name = agg.name AND domains.risk IS NOT coalesce(agg.r, 0.0)"""
            )
            conn.execute(
                f"""UPDATE accounts SET risk = coalesce(agg.r, 0.0)
                FROM (SELECT a.account_id AS account_id,
                             (SELECT max(p.r) FROM temp.risk_pairs p WHERE p.account_id = a.account_id) AS r
                      FROM accounts a {a_filter}) AS agg
                WHERE accounts.account_id = agg.account_id AND accounts.risk IS NOT coalesce(agg.r, 0.0)"""
            )
            if domains is None:
                n = int(conn.execute("SELECT count(*) FROM domains").fetchone()[0])
            else:
                n = int(conn.execute("SELECT count(*) FROM temp.risk_scope_d").fetchone()[0])
            conn.execute("DROP TABLE temp.risk_pairs")
            return n

    def _refresh_risk_direct(self, names: list[str], params: dict[str, float]) -> int:
        """The refresh of a few domains and their accounts (no expansion), without temp tables."""
        args = {**params, "names": json.dumps(names)}
        with self.transaction() as conn:
            conn.execute(_DIRECT_DOMAINS_SQL, args)
            conn.execute(_DIRECT_ACCOUNTS_SQL, args)
        return len(names)

    # -- rescoring left for later by a very large import ----------------------------------------
    def mark_risk_stale(self) -> None:
        """Note that every domain needs rescoring (`rescore_step` works through them)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('risk_rescore_after', '')")

    def risk_stale(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM meta WHERE key = 'risk_rescore_after'").fetchone()
        return row is not None

    def rescore_step(self, *, weights: RiskWeights | None = None, limit: int = DIRECT_REFRESH_MAX) -> int:
        """Rescore the next `limit` domains (by name) in one short transaction, so that readers
        and deciders never wait long; returns how many, 0 when the rescoring is complete."""
        _, params = _pair_expr(weights or RiskWeights())
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'risk_rescore_after'").fetchone()
            if row is None:
                return 0
            names = [r[0] for r in conn.execute(
                "SELECT name FROM domains WHERE name > ? AND phase != 'exempt' ORDER BY name LIMIT ?",
                (row[0] or "", int(limit)))]
            if not names:
                conn.execute("DELETE FROM meta WHERE key = 'risk_rescore_after'")
                return 0
            self._refresh_risk_direct(names, params)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'risk_rescore_after'", (names[-1],))
            return len(names)

    def _accounts_estimate(self, conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM accounts").fetchone()[0])

    def _risk_scope(self, conn: sqlite3.Connection, domains: Iterable[str], w: RiskWeights,
                    expand: bool) -> int:
        """temp.risk_scope_d / risk_scope_a: the domains to rescore and the accounts on them.

        Returns how many accounts are in scope."""
        for ddl in ("DROP TABLE IF EXISTS temp.risk_scope_d", "DROP TABLE IF EXISTS temp.risk_scope_a",
                    "CREATE TEMP TABLE risk_scope_d (name TEXT PRIMARY KEY)",
                    "CREATE TEMP TABLE risk_scope_a (account_id TEXT PRIMARY KEY)"):
            conn.execute(ddl)
        conn.executemany("INSERT OR IGNORE INTO temp.risk_scope_d(name) VALUES (?)", ((d,) for d in domains))
        conn.execute("""INSERT OR IGNORE INTO temp.risk_scope_a(account_id)
                        SELECT DISTINCT e.account_id FROM emails e
                        WHERE e.domain IN (SELECT name FROM temp.risk_scope_d)""")
        if not expand:
            return int(conn.execute("SELECT count(*) FROM temp.risk_scope_a").fetchone()[0])
        weighted = [p.value for p in Phase if w.weight(p) > 0]
        marks = ", ".join("?" for _ in weighted) or "NULL"
        conn.execute(
            f"""INSERT OR IGNORE INTO temp.risk_scope_d(name)
                SELECT DISTINCT e.domain FROM temp.risk_scope_a s
                CROSS JOIN emails e ON e.account_id = s.account_id
                CROSS JOIN domains d ON d.name = e.domain
                WHERE e.verified = 1 AND d.phase IN ({marks})""",
            weighted,
        )
        return int(conn.execute("SELECT count(*) FROM temp.risk_scope_a").fetchone()[0])

    # -- breakdown inputs --------------------------------------------------------------------------
    def domain_risk_row(self, domain: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT name, phase, risk FROM domains WHERE name = ?", (domain,)).fetchone()

    def risk_inputs(self, domain: str) -> list[sqlite3.Row]:
        """Per account with a verified address on `domain`: its exposure facts."""
        return self.conn.execute(
            f"""WITH vh AS (SELECT account_id, count(*) AS n FROM emails
                            WHERE domain = ? AND verified = 1 GROUP BY account_id),
                     vt AS (SELECT account_id, count(*) AS n FROM emails
                            WHERE verified = 1 AND account_id IN (SELECT account_id FROM vh)
                            GROUP BY account_id)
                SELECT {_INPUT_COLUMNS}
                FROM vh JOIN vt ON vt.account_id = vh.account_id
                LEFT JOIN accounts a ON a.account_id = vh.account_id
                ORDER BY vh.account_id""",
            (domain,),
        ).fetchall()

    def account_risk_inputs(self, account_id: str) -> list[sqlite3.Row]:
        """Per domain of the account's verified addresses: the phase and exposure facts."""
        return self.conn.execute(
            f"""WITH vh AS (SELECT domain, account_id, count(*) AS n FROM emails
                            WHERE account_id = ? AND verified = 1 GROUP BY domain),
                     vt AS (SELECT account_id, count(*) AS n FROM emails
                            WHERE account_id = ? AND verified = 1 GROUP BY account_id)
                SELECT vh.domain AS domain, d.phase AS phase, {_INPUT_COLUMNS}
                FROM vh JOIN vt ON vt.account_id = vh.account_id
                JOIN domains d ON d.name = vh.domain
                LEFT JOIN accounts a ON a.account_id = vh.account_id
                ORDER BY vh.domain""",
            (account_id, account_id),
        ).fetchall()

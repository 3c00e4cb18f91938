"""Store queries for what the dashboard reads: keyset pages, counts per group, search.

Pages are keyset-paginated on (risk DESC, name) so that a page costs the same at row 10 and
at row 100,000, and nothing ever loads a whole group.

Search is a substring of a domain, a username or an address. Domains are few (a LIKE scan is
quick); usernames and addresses go through `search_fts`, an FTS5 trigram index (migration 5)
filled by `refresh_search_index()` in short batches. Addresses added since the last refresh
are still found (a LIKE scan of the rows past the indexed id), so search is never wrong, only
slower until the index catches up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from domainwatch_tui.core.store.base import StoreBase

#: Columns of `domains` the dashboard's tables show.
_DOMAIN_COLUMNS = ("name, unicode, phase, expires_at, registrar, accounts, emails, verified, risk, "
                   "decision_state, checked_at, next_check_at, error, release_at")

#: Shortest text searched in usernames and addresses (the trigram index needs three).
MIN_DEEP_SEARCH = 3

#: Meta keys of the search index's progress.
_META_ID = "search_indexed_email_id"
_META_AT = "search_indexed_accounts_at"

#: Group names besides the phases.
REVIEW_GROUP = "review"


@dataclass(frozen=True, slots=True)
class DomainListRow:
    """One domain as the dashboard's tables show it (the keyset is `(risk, name)`)."""

    name: str
    unicode: str | None
    phase: str
    expires_at: str | None
    registrar: str | None
    accounts: int
    emails: int
    verified: int
    risk: float
    decision_state: str | None
    checked_at: str | None
    next_check_at: str | None
    error: str | None
    release_at: str | None

    @property
    def key(self) -> tuple[float, str]:
        return (self.risk, self.name)


def _row(r: sqlite3.Row) -> DomainListRow:
    return DomainListRow(
        name=r["name"], unicode=r["unicode"], phase=r["phase"], expires_at=r["expires_at"],
        registrar=r["registrar"], accounts=int(r["accounts"] or 0), emails=int(r["emails"] or 0),
        verified=int(r["verified"] or 0), risk=float(r["risk"] or 0), decision_state=r["decision_state"],
        checked_at=r["checked_at"], next_check_at=r["next_check_at"], error=r["error"],
        release_at=r["release_at"],
    )


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere (with `\\` as the escape character)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(text: str) -> str:
    """An FTS5 phrase query for `text` (double quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


class PagingQueries(StoreBase):
    """SQL for what the dashboard reads: keyset pages, counts per group, search."""

    # -- counts -------------------------------------------------------------------------------
    def group_counts(self) -> dict[str, int]:
        """Domains per phase (every phase that occurs) plus `review`: domains with a pending proposal."""
        rows = self.conn.execute("SELECT phase, count(*) FROM domains GROUP BY phase")
        out = {r[0]: int(r[1]) for r in rows}
        out[REVIEW_GROUP] = int(self.conn.execute(
            "SELECT count(DISTINCT domain) FROM proposals WHERE status = 'pending'").fetchone()[0])
        return out

    def dashboard_totals(self) -> dict[str, int]:
        """Accounts, addresses, verified addresses, domains and pending proposals in the store."""
        c = self.conn
        return {
            "accounts": int(c.execute("SELECT count(*) FROM accounts").fetchone()[0]),
            "emails": int(c.execute("SELECT count(*) FROM emails").fetchone()[0]),
            "domains": int(c.execute("SELECT count(*) FROM domains").fetchone()[0]),
            "proposals_pending": int(c.execute(
                "SELECT count(*) FROM proposals WHERE status = 'pending'").fetchone()[0]),
        }

    # -- pages ----------------------------------------------------------------------------------
    def domain_page(self, group: str, *, after: tuple[float, str] | None = None,
                    before: tuple[float, str] | None = None, limit: int = 200) -> list[DomainListRow]:
        """Up to `limit` domains of `group` (a phase, `review` or `all`), riskiest first.

        `after` gives the page following that key, `before` the page preceding it (returned in
        display order).
        """
        where: list[str] = []
        params: list[object] = []
        if group == REVIEW_GROUP:
            where.append("name IN (SELECT domain FROM proposals WHERE status = 'pending')")
        elif group != "all":
            where.append("phase = ?")
            params.append(group)
        order = "risk DESC, name"
        if after is not None:
            where.append("risk <= ? AND (risk < ? OR name > ?)")
            params += [after[0], after[0], after[1]]
        elif before is not None:
            where.append("risk >= ? AND (risk > ? OR name < ?)")
            params += [before[0], before[0], before[1]]
            order = "risk ASC, name DESC"
        sql = f"SELECT {_DOMAIN_COLUMNS} FROM domains"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order} LIMIT ?"
        rows = [_row(r) for r in self.conn.execute(sql, (*params, limit))]
        if before is not None:
            rows.reverse()
        return rows

    def domains_by_name(self, names: Sequence[str]) -> list[DomainListRow]:
        """The rows of `names` (missing ones skipped), riskiest first."""
        out: list[DomainListRow] = []
        for start in range(0, len(names), 500):
            chunk = list(names[start:start + 500])
            marks = ",".join("?" * len(chunk))
            out += [_row(r) for r in self.conn.execute(
                f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE name IN ({marks})", chunk)]
        out.sort(key=lambda r: (-r.risk, r.name))
        return out

    def domain_names(self, group: str) -> list[str]:
        """Every domain of `group` (a phase, `review` or `all`), riskiest first (names only)."""
        if group == REVIEW_GROUP:
            sql, params = ("SELECT name FROM domains WHERE name IN (SELECT domain FROM proposals "
                           "WHERE status = 'pending') ORDER BY risk DESC, name", ())
        elif group == "all":
            sql, params = "SELECT name FROM domains ORDER BY risk DESC, name", ()
        else:
            sql, params = "SELECT name FROM domains WHERE phase = ? ORDER BY risk DESC, name", (group,)
        return [r[0] for r in self.conn.execute(sql, params)]

    def domain_position(self, group: str, key: tuple[float, str]) -> int:
        """How many domains of `group` come before `key` (for "rows 201-400 of N")."""
        where = "(risk > ? OR (risk = ? AND name < ?))"
        params: list[object] = [key[0], key[0], key[1]]
        if group == REVIEW_GROUP:
            where += " AND name IN (SELECT domain FROM proposals WHERE status = 'pending')"
        elif group != "all":
            where += " AND phase = ?"
            params.append(group)
        return int(self.conn.execute(f"SELECT count(*) FROM domains WHERE {where}", params).fetchone()[0])

    # -- search ---------------------------------------------------------------------------------
    def search_domain_keys(self, text: str, *, limit: int = 200_000) -> list[tuple[float, str]]:
        """Keys `(risk, name)` of every domain whose name, or one of whose usernames or addresses,
        contains `text` (case-insensitive), riskiest first. Shorter than three characters: names, and
        usernames equal to `text` (a username of one or two characters is still found).
        """
        q = text.strip().lower()
        if not q:
            return []
        like = _like(q)
        parts = ["SELECT name FROM domains WHERE name LIKE ? ESCAPE '\\' OR unicode LIKE ? ESCAPE '\\'"]
        params: list[object] = [like, like]
        if len(q) < MIN_DEEP_SEARCH:  # a short username matches whole (every spelling of its case: indexed)
            spellings = sorted({"".join(p) for p in product(*({c.lower(), c.upper()} for c in q))})
            parts.append("SELECT e.domain FROM emails e JOIN accounts a ON a.account_id = e.account_id "
                         f"WHERE a.username IN ({', '.join('?' * len(spellings))})")
            params += spellings
        else:
            upto = self.search_indexed_upto()
            if upto > 0:
                parts.append("SELECT e.domain FROM search_fts JOIN emails e ON e.id = search_fts.rowid "
                             "WHERE search_fts MATCH ?")
                params.append(_phrase(q))
            parts.append("SELECT e.domain FROM emails e JOIN accounts a ON a.account_id = e.account_id "
                         "WHERE e.id > ? AND (e.address LIKE ? ESCAPE '\\' OR a.username LIKE ? ESCAPE '\\')")
            params += [upto, like, like]
            stale = self._accounts_changed_since_index()
            if stale:
                parts.append("SELECT e.domain FROM emails e JOIN accounts a ON a.account_id = e.account_id "
                             "WHERE a.updated_at > ? AND a.username LIKE ? ESCAPE '\\'")
                params += [stale, like]
        sql = (f"SELECT risk, name FROM domains WHERE name IN ({' UNION '.join(parts)}) "
               "ORDER BY risk DESC, name LIMIT ?")
        return [(float(r[0] or 0), r[1]) for r in self.conn.execute(sql, (*params, limit))]

    def search_accounts(self, text: str, *, limit: int = 20) -> list[sqlite3.Row]:
        """Accounts whose username (prefix, then indexed substring) matches `text`, riskiest first."""
        q = text.strip()
        if not q:
            return []
        rows = self.conn.execute(
            "SELECT account_id, username, risk FROM accounts WHERE username >= ? AND username < ? "
            "ORDER BY username LIMIT ?", (q, q + "\uffff", limit)).fetchall()
        if len(rows) < limit and len(q) >= MIN_DEEP_SEARCH and self.search_indexed_upto() > 0:
            seen = {r["account_id"] for r in rows}
            more = self.conn.execute(
                "SELECT DISTINCT a.account_id, a.username, a.risk FROM search_fts "
                "JOIN emails e ON e.id = search_fts.rowid JOIN accounts a ON a.account_id = e.account_id "
                "WHERE search_fts MATCH ? LIMIT ?", (_phrase(q.lower()), limit * 2)).fetchall()
            rows += [r for r in more if r["account_id"] not in seen][: limit - len(rows)]
        return rows

    # -- accounts -----------------------------------------------------------------------------------
    def account_row(self, account_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM accounts WHERE account_id = ?", (account_id,)).fetchone()

    def account_addresses(self, account_id: str) -> list[sqlite3.Row]:
        """An account's addresses with their domain's phase, risk and decision state."""
        return self.conn.execute(
            "SELECT e.id, e.address, e.domain, e.verified, e.verified_at, e.is_primary, e.unverified_at, "
            "d.phase, d.risk, d.decision_state, d.expires_at, d.checked_at "
            "FROM emails e LEFT JOIN domains d ON d.name = e.domain WHERE e.account_id = ? "
            "ORDER BY d.risk DESC, e.address", (account_id,)).fetchall()

    def account_decisions(self, account_id: str) -> list[sqlite3.Row]:
        """Decisions that touched one of the account's addresses, newest first."""
        return self.conn.execute(
            "SELECT d.* FROM decisions d WHERE d.domain IN (SELECT domain FROM emails WHERE account_id = ?) "
            "AND EXISTS (SELECT 1 FROM json_each(d.emails) j "
            "            WHERE json_extract(j.value, '$.account_id') = ?) ORDER BY d.id DESC",
            (account_id, account_id)).fetchall()

    def decision_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM decisions").fetchone()[0])

    # -- the audit log, paged -----------------------------------------------------------------------
    @staticmethod
    def _decision_filters(operator: str | None, action: str | None, since: str | None,
                          until: str | None) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        for column, value, op in (("operator", operator, "="), ("action", action, "="),
                                  ("at", since, ">="), ("at", until, "<")):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        return clauses, args

    def decision_page(self, *, before_id: int | None = None, after_id: int | None = None,
                      limit: int = 500, operator: str | None = None, action: str | None = None,
                      since: str | None = None, until: str | None = None) -> list[sqlite3.Row]:
        """Up to `limit` decisions, newest first, keyset-paged on the id: those older than
        `before_id`, or (for going back up) the ones just newer than `after_id`, still returned
        newest first. Filters as `decisions()` (`since` inclusive, `until` exclusive)."""
        clauses, args = self._decision_filters(operator, action, since, until)
        order = "DESC"
        if before_id is not None:
            clauses.append("id < ?")
            args.append(int(before_id))
        elif after_id is not None:
            clauses.append("id > ?")
            args.append(int(after_id))
            order = "ASC"
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(f"SELECT * FROM decisions{where} ORDER BY id {order} LIMIT ?",
                                 (*args, int(limit))).fetchall()
        if order == "ASC":
            rows.reverse()
        return rows

    def decision_filtered_count(self, *, operator: str | None = None, action: str | None = None,
                                since: str | None = None, until: str | None = None) -> int:
        """How many decisions match the audit log's filters."""
        clauses, args = self._decision_filters(operator, action, since, until)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return int(self.conn.execute(f"SELECT count(*) FROM decisions{where}", args).fetchone()[0])

    # -- the search index -------------------------------------------------------------------------
    def has_search_index(self) -> bool:
        """Whether this store has the search index table (migration 5)."""
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").fetchone() is not None

    def search_indexed_upto(self) -> int:
        """The highest `emails.id` in the search index (0: nothing indexed yet)."""
        if not self.has_search_index():
            return 0
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (_META_ID,)).fetchone()
        return int(row[0]) if row else 0

    def search_index_lag(self) -> int:
        """How many addresses the search index has not seen yet."""
        upto = self.search_indexed_upto()
        return int(self.conn.execute("SELECT count(*) FROM emails WHERE id > ?", (upto,)).fetchone()[0])

    def _accounts_changed_since_index(self) -> str | None:
        """The index's accounts stamp when some username changed after it, else None."""
        if not self.has_search_index():
            return None
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (_META_AT,)).fetchone()
        if row is None:
            return None
        hit = self.conn.execute("SELECT 1 FROM accounts WHERE updated_at > ? LIMIT 1", (row[0],)).fetchone()
        return row[0] if hit else None

    def refresh_search_index(self, *, batch: int = 50_000, full: bool = False,
                             progress: Callable[[int, int], None] | None = None,
                             should_stop: Callable[[], bool] | None = None) -> int:
        """Bring the search index up to date, one short transaction per `batch` addresses (so the
        worker and the CLI are never blocked for long); returns how many addresses were indexed.

        Call it after an import. Addresses of accounts whose username changed since the last
        refresh are re-indexed; `full` rebuilds from scratch. `progress(done, total)` is called
        after each batch; `should_stop()` ends it early (what was committed stays).
        """
        if not self.has_search_index():
            return 0
        if full:
            with self.transaction() as conn:
                conn.execute("DELETE FROM search_fts")
                conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (_META_ID, _META_AT))
        done = 0
        stale = self._accounts_changed_since_index()
        if stale:
            with self.transaction() as conn:
                ids = [r[0] for r in conn.execute(
                    "SELECT e.id FROM emails e JOIN accounts a ON a.account_id = e.account_id "
                    "WHERE a.updated_at > ? AND e.id <= ?", (stale, self.search_indexed_upto()))]
                done += self._index_emails(conn, ids, replace=True)
        total = self.search_index_lag()
        while True:
            if should_stop is not None and should_stop():
                break
            with self.transaction() as conn:
                upto = self.search_indexed_upto()
                ids = [r[0] for r in conn.execute(
                    "SELECT id FROM emails WHERE id > ? ORDER BY id LIMIT ?", (upto, batch))]
                if not ids:
                    break
                done += self._index_emails(conn, ids)
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                             "SET value = excluded.value", (_META_ID, str(ids[-1])))
            if progress is not None:
                progress(min(done, total), total)
        with self.transaction() as conn:
            newest = conn.execute("SELECT max(updated_at) FROM accounts").fetchone()[0]
            if newest is not None:
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                             "SET value = excluded.value", (_META_AT, newest))
        return done

    @staticmethod
    def _index_emails(conn: sqlite3.Connection, ids: Iterable[int], *, replace: bool = False) -> int:
        """(Re-)index the addresses `ids` with their usernames (inside the caller's transaction)."""
        ids = list(ids)
        n = 0
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            if replace:
                conn.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)
            n += conn.execute(
                "INSERT INTO search_fts(rowid, username, address) "
                "SELECT e.id, coalesce(a.username, ''), e.address FROM emails e "
                f"LEFT JOIN accounts a ON a.account_id = e.account_id WHERE e.id IN ({marks})",
                chunk).rowcount
        return n

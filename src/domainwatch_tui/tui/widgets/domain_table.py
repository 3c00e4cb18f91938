"""The paged domain table: keyset pages from SQL, never more than ~2,000 rows mounted.

A `DataTable` filled with a whole group freezes for seconds at 100k rows, so this one holds a
window of pages. Moving the cursor near the bottom loads the next page (keyset on risk, name);
past `MAX_ROWS` the top of the window is dropped, and moving back up reloads it. Rows are
updated in place by key (the domain) when a check or a decision changes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from rich.text import Text
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from domainwatch_tui.core.store import Store
from domainwatch_tui.core.store.paging import DomainListRow
from domainwatch_tui.tui import text as t
from domainwatch_tui.tui.bindings import bindings
from domainwatch_tui.tui.style import decision_text, phase_text, risk_text

Direction = Literal["first", "next", "prev"]

#: (column key, label, width), most important first: at 120 columns the table shows everything
#: up to the decision; the rest scrolls (→) and the current row's registrar and last check are
#: also on the line under the table.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("domain", "Domain", 21),
    ("phase", "Phase", 16),
    ("risk", "Risk", 7),
    ("accounts", "Accts", 5),
    ("verified", "Verif", 5),
    ("expiry", "Expiry", 13),
    ("decision", "Decision", 10),
    ("checked", "Checked", 13),
    ("registrar", "Registrar", 22),
)


@dataclass(frozen=True)
class View:
    """What the table shows: a group (`keys` None) or the ordered keys of a search."""

    group: str
    keys: tuple[tuple[float, str], ...] | None = None
    total: int | None = None

    @property
    def searching(self) -> bool:
        return self.keys is not None


#: `domains.decision_state` values of a domain with a pending proposal (the review queue).
REVIEW_STATES = frozenset({"pending", "re-verify proposed"})


#: Columns whose values (and headers) are right-aligned.
NUMERIC = frozenset({"risk", "accounts", "verified"})


def row_cells(row: DomainListRow, now: datetime) -> list[Text]:
    """The cells of one domain, in `COLUMNS` order (outside text through `text.safe`)."""
    checked = Text("never", style="dim") if not row.checked_at else Text(t.when_short(row.checked_at, now))
    if row.error:
        checked = Text.assemble(("⚠ ", "bold red"), checked)
    expiry = Text(t.when_short(row.expires_at, now), style="dim" if not row.expires_at else "")
    right = {"justify": "right"}
    cells = {
        "domain": t.safe(row.name, limit=40),
        "phase": phase_text(row.phase),
        "expiry": expiry,
        "registrar": t.safe(row.registrar, limit=30),
        "accounts": Text(f"{row.accounts:,}", **right),
        "verified": Text(f"{row.verified:,}", **right),
        "risk": risk_text(row.risk),
        "decision": decision_text(row.decision_state),
        "checked": checked,
    }
    return [cells[key] for key, _label, _width in COLUMNS]


def belongs(row: DomainListRow, view: View) -> bool:
    """Whether `row` is (still) part of `view`: its phase is the group's, or it has a pending
    proposal for the review queue. A search keeps its rows (it matched on text, not phase)."""
    if view.searching or view.group == "all":
        return True
    if view.group == "review":
        return row.decision_state in REVIEW_STATES
    return row.phase == view.group


class DomainTable(DataTable):
    """Domains of a group or a search, riskiest first, paged from the store."""

    BINDINGS = bindings("down", "up")
    PAGE = 200
    MAX_ROWS = 2000
    NEAR = 25

    class Moved(Message):
        """The cursor moved: `position` (0-based, in the whole view) of `total` (None: unknown)."""

        def __init__(self, position: int, total: int | None, row: DomainListRow | None) -> None:
            super().__init__()
            self.position = position
            self.total = total
            self.row = row

    class Loaded(Message):
        """A page arrived (internal)."""

        def __init__(self, generation: int, direction: Direction, rows: list[DomainListRow],
                     failure: str | None) -> None:
            super().__init__()
            self.generation = generation
            self.direction = direction
            self.rows = rows
            self.failure = failure

    class Shown(Message):
        """The first page of a new view is on screen (`count` rows)."""

        def __init__(self, view: View, count: int) -> None:
            super().__init__()
            self.view = view
            self.count = count

    def __init__(self, opener: Callable[[], Store], clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._opener = opener
        self._clock = clock
        self.view: View | None = None
        self.window: list[DomainListRow] = []
        self.window_start = 0
        self.at_end = False
        self._loading = False
        self._generation = 0
        self._index: dict[str, int] = {}
        #: perf_counter() when the first page of the current view was put on screen (benchmarks).
        self.shown_at = 0.0

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            justify = "right" if key in NUMERIC else "left"
            self.add_column(Text(label, justify=justify), key=key, width=width)

    # -- what to show ----------------------------------------------------------------------------
    def show(self, view: View) -> None:
        """Replace the content with the first page of `view`."""
        self.view = view
        self._generation += 1
        self._loading = False
        self._load("first")

    def reload(self) -> None:
        """Reload the current window from its first key (after counts or ranks changed)."""
        if self.view is not None:
            self.show(self.view)

    @property
    def current(self) -> DomainListRow | None:
        """The domain under the cursor."""
        if not self.window or not 0 <= self.cursor_row < len(self.window):
            return None
        return self.window[self.cursor_row]

    # -- loading -------------------------------------------------------------------------------
    def _load(self, direction: Direction) -> None:
        view = self.view
        if view is None or self._loading:
            return
        self._loading = True
        generation = self._generation
        first = self.window[0].key if self.window else None
        last = self.window[-1].key if self.window else None
        offset, count = self.window_start, len(self.window)

        def fetch() -> None:
            try:
                if view.keys is not None:
                    if direction == "first":
                        start = 0
                    elif direction == "next":
                        start = offset + count
                    else:
                        start = max(0, offset - self.PAGE)
                    end = offset if direction == "prev" else start + self.PAGE
                    names = [k[1] for k in view.keys[start:end]]
                    with self._opener() as store:
                        rows = store.domains_by_name(names) if names else []
                else:
                    with self._opener() as store:
                        if direction == "first":
                            rows = store.domain_page(view.group, limit=self.PAGE)
                        elif direction == "next":
                            rows = store.domain_page(view.group, after=last, limit=self.PAGE)
                        else:
                            rows = store.domain_page(view.group, before=first, limit=self.PAGE)
                self.post_message(self.Loaded(generation, direction, rows, None))
            except Exception as exc:  # a worker error is a visible state, never a crash
                self.post_message(self.Loaded(generation, direction, [], f"{type(exc).__name__}: {exc}"))

        self.run_worker(fetch, thread=True, group="domain-page", exit_on_error=False)

    def on_domain_table_loaded(self, message: DomainTable.Loaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._loading = False
        if message.failure:
            self.app.notify(f"Could not read the store: {message.failure}", severity="error", timeout=8)
            self.border_subtitle = "read error"
            return
        rows = message.rows
        if message.direction == "first":
            self.window_start = 0
            self.at_end = len(rows) < self.PAGE
            self._rebuild(rows, cursor=0)
            self.shown_at = time.perf_counter()
            assert self.view is not None
            self.post_message(self.Shown(self.view, len(rows)))
        elif message.direction == "next":
            self.at_end = len(rows) < self.PAGE
            keep = self.window + rows
            cursor = self.cursor_row
            if len(keep) > self.MAX_ROWS:
                drop = len(keep) - self.MAX_ROWS
                self.window_start += drop
                self._rebuild(keep[drop:], cursor=cursor - drop)
            else:
                self._append(rows)
        else:
            if not rows:
                return
            cursor = self.cursor_row + len(rows)
            keep = rows + self.window
            self.window_start = max(0, self.window_start - len(rows))
            if len(keep) > self.MAX_ROWS:
                keep = keep[: self.MAX_ROWS]
                self.at_end = False
            self._rebuild(keep, cursor=cursor)
        self._announce()

    def _rebuild(self, rows: list[DomainListRow], *, cursor: int) -> None:
        self.window = []  # first: clear() moves the cursor to 0, which must not look like paging up
        self._index = {}
        self.clear()
        self._append(rows)
        if rows:
            self.move_cursor(row=max(0, min(cursor, len(rows) - 1)), animate=False)

    def _append(self, rows: list[DomainListRow]) -> None:
        now = self._clock()
        start = len(self.window)
        fresh = [r for r in rows if r.name not in self._index]
        for i, row in enumerate(fresh):
            self._index[row.name] = start + i
        self.window.extend(fresh)
        for row in fresh:
            self.add_row(*row_cells(row, now), key=row.name)

    # -- in-place updates -----------------------------------------------------------------------
    #: More rows than this leaving at once: rebuild the window instead of removing one by one.
    REBUILD_OVER = 25

    def apply_rows(self, rows: list[DomainListRow]) -> int:
        """Bring fresh `rows` onto the table: rows still in the view are updated in place, rows
        that left it (a check moved the domain to another phase, a decision closed its
        proposals) are removed, and rows that joined it appear in rank order when they fall
        inside the mounted window. The cursor stays on its domain. Returns how many rows of the
        table changed."""
        view = self.view
        if view is None:
            return 0
        now = self._clock()
        current = self.current.name if self.current is not None else None
        cursor = self.cursor_row
        gone: set[str] = set()
        joined: list[DomainListRow] = []
        n = 0
        for row in rows:
            i = self._index.get(row.name)
            if i is None:
                if belongs(row, view) and self._inside_window(row.key):
                    joined.append(row)
                continue
            if not belongs(row, view):
                gone.add(row.name)
                continue
            self.window[i] = row
            for (key, _label, _w), cell in zip(COLUMNS, row_cells(row, now), strict=True):
                self.update_cell(row.name, key, cell)
            n += 1
        if gone or joined:
            n += len(gone) + len(joined)
            self._move_rows(gone, joined, current, cursor)
        if n:
            self._announce()
        return n

    def _inside_window(self, key: tuple[float, str]) -> bool:
        """Whether a row of this rank belongs between the first and the last mounted row."""
        if not self.window:
            return self.at_end and self.window_start == 0
        rank = (-key[0], key[1])
        first, last = self.window[0].key, self.window[-1].key
        after_first = self.window_start == 0 or rank >= (-first[0], first[1])
        before_last = self.at_end or rank <= (-last[0], last[1])
        return after_first and before_last

    def _move_rows(self, gone: set[str], joined: list[DomainListRow], current: str | None,
                   cursor: int) -> None:
        keep = [r for r in self.window if r.name not in gone]
        if joined or len(gone) > self.REBUILD_OVER:
            rows = sorted(keep + joined, key=lambda r: (-r.risk, r.name))
            names = [r.name for r in rows]
            target = names.index(current) if current in names else min(cursor, max(0, len(rows) - 1))
            self._rebuild(rows, cursor=target)
            return
        for name in gone:
            self.remove_row(name)
        self.window = keep
        self._index = {r.name: i for i, r in enumerate(keep)}
        if keep:
            target = self._index.get(current or "", min(cursor, len(keep) - 1))
            self.move_cursor(row=target, animate=False)

    def set_total(self, total: int | None) -> None:
        """A fresh count of the view's rows (the group counts were re-read)."""
        if self.view is not None and total != self.view.total:
            self.view = replace(self.view, total=total)
            self._announce()

    def mounted_names(self) -> list[str]:
        return [r.name for r in self.window]

    # -- paging on cursor moves -------------------------------------------------------------------
    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self.window:
            return
        if new.row >= len(self.window) - self.NEAR and not self.at_end:
            self._load("next")
        elif new.row < self.NEAR and self.window_start > 0:
            self._load("prev")
        self._announce()

    def _announce(self) -> None:
        total = self.view.total if self.view is not None else None
        if total is None and self.at_end:
            total = self.window_start + len(self.window)
        self.post_message(self.Moved(self.window_start + self.cursor_row, total, self.current))

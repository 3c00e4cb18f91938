"""Messages that thread workers post to the UI; handlers on the app and screens own the state."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from domainwatch_tui.core.store.paging import DomainListRow


class CountsLoaded(Message):
    """Domains per group (phases, `review`) and the store's totals; `first` on the first load."""

    def __init__(self, counts: dict[str, int], totals: dict[str, int], *, first: bool = False,
                 outbox: Any = None) -> None:
        super().__init__()
        self.counts = counts
        self.totals = totals
        self.first = first
        #: the webhook outbox (`core.store.outbox.OutboxStatus`) when a webhook is configured
        self.outbox = outbox


class RowsChanged(Message):
    """Fresh rows of domains that changed (after a check, a decision or the worker)."""

    def __init__(self, rows: list[DomainListRow]) -> None:
        super().__init__()
        self.rows = rows


class DomainsTouched(Message):
    """Domains whose rows should be re-read (they were checked or decided)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class CheckProgress(Message):
    """A manual check: `done` of `total` domains, errors so far; `finished` at the end, with
    the phase changes it found."""

    def __init__(self, done: int, total: int, errors: int, *, finished: bool = False,
                 failure: str | None = None, changes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.errors = errors
        self.finished = finished
        self.failure = failure
        #: "name: old → new" for each domain whose phase changed (the first few)
        self.changes = changes


class WorkerUpdate(Message):
    """The in-process worker's progress (a `core.worker_progress.WorkerProgress`) or its failure."""

    def __init__(self, progress: Any, failure: str | None = None) -> None:
        super().__init__()
        self.progress = progress
        self.failure = failure


class SearchIndexProgress(Message):
    """The search index catching up: `done` of `total` addresses; `finished` at the end."""

    def __init__(self, done: int, total: int, *, finished: bool = False) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.finished = finished

"""Importing accounts and their email addresses from CSV or JSON Lines (format in the contract).

Streamed (one batch of rows in memory at a time), committed in batches, idempotent (upserts
keyed by account_id and address). A bad row never stops the import: it is rejected with its
1-based line (the CSV header is line 1) and a reason. A file that cannot be opened, or a CSV
whose header lacks a required column, fails before the store is touched (`ImportFileError`).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from domainwatch_tui.core.import_feed import local_feed, process_feed
from domainwatch_tui.core.import_rows import (
    BOM,
    COLUMNS,
    REQUIRED,
    ImportFileError,
    RowError,
    read_csv_header,
    text_stream,
)
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import to_iso

BATCH_SIZE = 50_000
PARALLEL_MIN_BYTES = 8 << 20
MAX_REJECTS_KEPT = 100_000

__all__ = ["BATCH_SIZE", "COLUMNS", "REQUIRED", "ImportFileError", "ImportResult", "ImportSource",
           "Reject", "RowError", "detect_format", "import_file", "open_import"]


@dataclass(frozen=True, slots=True)
class Reject:
    """A rejected row: its 1-based line in the file and why."""

    line: int
    reason: str


@dataclass
class ImportResult:
    """What an import did. `accounts`, `emails`, `domains` count what the import added to the
    store (0 on a second import of the same file); `updated` counts changed existing rows."""

    rows: int = 0
    imported: int = 0
    rejected: int = 0
    accounts: int = 0
    emails: int = 0
    domains: int = 0
    updated: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_dropped: int = 0  # rejects beyond MAX_REJECTS_KEPT (counted, not listed)
    warnings: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set, repr=False)  # registrable domains in the file

    def to_json(self) -> dict[str, Any]:
        """The contract's `import --json` object."""
        return {
            "rows": self.rows,
            "imported": self.imported,
            "rejected": self.rejected,
            "accounts": self.accounts,
            "emails": self.emails,
            "domains": self.domains,
            "rejects": [{"line": r.line, "reason": r.reason} for r in self.rejects],
        }


def detect_format(path: Path, fmt: str | None) -> str:
    """`csv` or `jsonl`: as given, else by extension (.jsonl/.ndjson/.json), else by the first byte."""
    if fmt:
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).removeprefix(BOM).lstrip()
    except OSError:
        return "csv"
    return "jsonl" if head.startswith(b"{") else "csv"


def _open(path: Path) -> BinaryIO:
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return fh


class ImportSource:
    """An opened import file whose header (CSV) was read and checked: nothing is written yet.

    Use `open_import`, then `import_into(store, ...)`; close it (or use `with`).
    """

    def __init__(self, path: Path, fmt: str | None = None, warn: Callable[[str], None] | None = None):
        self.path = path
        self.warnings: list[str] = []
        self._warn_cb = warn
        self.format = detect_format(path, fmt)
        if self.format not in ("csv", "jsonl"):
            raise ImportFileError(f"unknown format {self.format!r} (csv or jsonl)")
        self._fh = _open(path)
        self._text = text_stream(self._fh)
        self._unknown: set[str] = set()
        self._csv: tuple[Any, list[int], int] | None = None
        if self.format == "csv":
            try:
                self._csv = read_csv_header(self._text, path, self._warn)
            except OSError as exc:
                self.close()
                raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
            except ImportFileError:
                self.close()
                raise

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn_cb:
            self._warn_cb(message)

    @property
    def size(self) -> int:
        """The file's size in bytes (0 when unknown)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def import_into(self, store: Store, *, now: datetime, is_exempt: Callable[[str], bool],
                    batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None,
                    parallel: bool | None = None) -> ImportResult:
        """Import every row into `store`, one committed transaction per batch.

        `progress` gets the bytes read so far after each batch. `parallel`: parse in a child
        process while this one writes (default: for files of PARALLEL_MIN_BYTES or more, when
        `is_exempt` can be sent to a process, as an `ExemptMatcher` can).
        """
        result = ImportResult()
        now_iso = to_iso(now) or ""
        if parallel is None:
            parallel = self.size >= PARALLEL_MIN_BYTES and _picklable(is_exempt)
        if parallel:
            feed = process_feed(self.path, self.format, now_iso, is_exempt, batch_size)
        else:
            feed = local_feed(self.path, self.format, now_iso, is_exempt, batch_size,
                              self._fh, self._text, self._csv)
        before = store.import_counts()
        store.set_import_pragmas(bulk=True)
        changed = 0
        unknown: set[str] = set()
        try:
            for kind, batch, extra in feed:
                if kind == "end":
                    seen, unknown = batch, extra
                    result.touched = seen
                    if seen:
                        store.refresh_domains(seen, now=now, is_exempt=is_exempt)
                    break
                changed += store.write_import_batch(batch.accounts, batch.emails, batch.domains)
                result.rows += batch.rows
                result.rejected += len(batch.rejects)
                result.imported += batch.rows - len(batch.rejects)
                room = max(0, MAX_REJECTS_KEPT - len(result.rejects))
                result.rejects.extend(Reject(line, reason) for line, reason in batch.rejects[:room])
                result.rejects_dropped += max(0, len(batch.rejects) - room)
                if progress:
                    progress(extra)
            store.checkpoint()
        except OSError as exc:
            raise ImportFileError(
                f"{self.path}: read failed after {result.rows} rows (those before were imported): "
                f"{exc.strerror or exc}") from None
        finally:
            store.set_import_pragmas(bulk=False)
            self.close()
        if unknown:
            self._warn(f"{self.path}: unknown field(s) ignored: {', '.join(sorted(unknown))[:300]}")
        result.warnings = list(self.warnings)
        after = store.import_counts()
        result.accounts, result.emails, result.domains = (a - b for a, b in zip(after, before, strict=True))
        result.updated = max(0, changed - result.accounts - result.emails - result.domains)
        return result

    def close(self) -> None:
        try:
            self._text.close()
        except (OSError, ValueError):
            self._fh.close()

    def __enter__(self) -> ImportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_import(path: Path, fmt: str | None = None,
                warn: Callable[[str], None] | None = None) -> ImportSource:
    """Open and check an import file; raises ImportFileError before any store is touched."""
    return ImportSource(path, fmt, warn)


def import_file(store: Store, path: Path, *, now: datetime, is_exempt: Callable[[str], bool],
                fmt: str | None = None, batch_size: int = BATCH_SIZE,
                progress: Callable[[int], None] | None = None,
                warn: Callable[[str], None] | None = None) -> ImportResult:
    """Open `path` and import it into `store` (see `ImportSource`)."""
    with open_import(path, fmt, warn) as source:
        return source.import_into(store, now=now, is_exempt=is_exempt, batch_size=batch_size,
                                  progress=progress)





def _picklable(obj: object) -> bool:
    try:
        pickle.dumps(obj)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True

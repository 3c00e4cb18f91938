"""Importing accounts and their email addresses from CSV or JSON Lines (format in the contract).

Streamed (one batch of rows in memory at a time), committed in batches, idempotent (upserts
keyed by account_id and address). A bad row never stops the import: it is rejected with its
1-based line (the CSV header is line 1) and a reason. A file that cannot be opened, or a CSV
whose header lacks a required column, fails before the store is touched (`ImportFileError`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from domainwatch_tui.core.import_rows import (
    BOM,
    COLUMNS,
    REQUIRED,
    ImportFileError,
    RawRow,
    RowError,
    RowParser,
    csv_rows,
    jsonl_rows,
)
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import to_iso

BATCH_SIZE = 10_000
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
        self._unknown: set[str] = set()
        try:
            self._rows = (csv_rows(self._fh, path, self._warn) if self.format == "csv"
                          else jsonl_rows(self._fh, path, self._unknown))
            self._first = next(self._rows, None)
        except OSError as exc:
            self._fh.close()
            raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except ImportFileError:
            self._fh.close()
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
                    batch_size: int = BATCH_SIZE,
                    progress: Callable[[int], None] | None = None) -> ImportResult:
        """Import every row into `store`, one committed transaction per batch.

        `progress` gets the bytes read so far after each batch.
        """
        result = ImportResult()
        fh = self._fh
        before = store.import_counts()
        try:
            changed = _run(store, _chain(self._first, self._rows), result, now, is_exempt, batch_size,
                           (lambda: progress(fh.tell())) if progress else (lambda: None))
        except OSError as exc:
            raise ImportFileError(
                f"{self.path}: read failed after {result.rows} rows (those before were imported): "
                f"{exc.strerror or exc}") from None
        finally:
            self.close()
        if self._unknown:
            self._warn(f"{self.path}: unknown field(s) ignored: {', '.join(sorted(self._unknown))[:300]}")
        result.warnings = list(self.warnings)
        after = store.import_counts()
        result.accounts, result.emails, result.domains = (a - b for a, b in zip(after, before, strict=True))
        result.updated = max(0, changed - result.accounts - result.emails - result.domains)
        return result

    def close(self) -> None:
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


def _chain(first: RawRow | None, rest: Iterator[RawRow]) -> Iterator[RawRow]:
    if first is None:
        return
    yield first
    yield from rest


def _run(store: Store, rows: Iterator[RawRow], result: ImportResult, now: datetime,
         is_exempt: Callable[[str], bool], batch_size: int, tick: Callable[[], None]) -> int:
    now_iso = to_iso(now) or ""
    parser = RowParser(now_iso, is_exempt)
    seen: set[str] = set()
    accounts: list[tuple] = []
    emails: list[tuple] = []
    new_domains: list[tuple] = []
    rejects = result.rejects
    changed = 0
    rows_n = imported = rejected = 0
    parse = parser.row
    store.set_import_pragmas(bulk=True)
    try:
        for line, values, error in rows:
            rows_n += 1
            if error is None:
                try:
                    acc, em, domain, uni, exempt = parse(*values)  # type: ignore[misc]
                except RowError as exc:
                    error = str(exc)
                else:
                    imported += 1
                    accounts.append(acc)
                    emails.append(em)
                    if domain not in seen:
                        seen.add(domain)
                        new_domains.append((domain, uni, "exempt" if exempt else "unchecked",
                                            now_iso, now_iso, None if exempt else now_iso))
                    if len(emails) >= batch_size:
                        changed += store.write_import_batch(accounts, emails, new_domains)
                        accounts, emails, new_domains = [], [], []
                        tick()
                    continue
            rejected += 1
            if len(rejects) < MAX_REJECTS_KEPT:
                rejects.append(Reject(line, error))
            else:
                result.rejects_dropped += 1
        if emails or new_domains:
            changed += store.write_import_batch(accounts, emails, new_domains)
        tick()
        result.rows, result.imported, result.rejected = rows_n, imported, rejected
        if seen:
            store.refresh_domains(seen, now=now, is_exempt=is_exempt)
    finally:
        result.rows, result.imported, result.rejected = rows_n, imported, rejected
        store.set_import_pragmas(bulk=False)
    return changed

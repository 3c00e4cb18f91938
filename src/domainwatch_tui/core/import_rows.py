"""Reading import rows: CSV and JSON Lines to raw values, and raw values to store tuples.

The hot path of `import`: plain functions, per-host caching, no per-row objects beyond tuples.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from domainwatch_tui.core.addresses import AddressError, host_info, split_address
from domainwatch_tui.core.timefmt import parse_iso, to_iso

REQUIRED = ("account_id", "username", "email")
OPTIONAL = ("email_verified", "verified_at", "primary", "has_2fa", "packages", "downloads")
COLUMNS = REQUIRED + OPTIONAL
BOM = b"\xef\xbb\xbf"
_ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_BOOLS = {"true": 1, "false": 0, "1": 1, "0": 0, "yes": 1, "no": 0, "t": 1, "f": 0, "y": 1, "n": 0}
_HOST_CACHE_MAX = 500_000


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, no header, a required column missing)."""


class RowError(ValueError):
    """One row cannot be imported; the message is the reason."""


def decoded_lines(fh: BinaryIO, bad: dict[int, str]) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 or holds a NUL is noted in `bad`."""
    for number, raw in enumerate(fh, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad[number] = "not valid UTF-8"
            text = raw.decode("utf-8", "replace")
        if "\x00" in text:
            bad.setdefault(number, "contains a NUL character")
            text = text.replace("\x00", "")
        yield text


class RowParser:
    """Turns one row's raw values into store tuples; caches what it learns per host."""

    def __init__(self, now_iso: str, is_exempt: Callable[[str], bool]):
        self.now_iso = now_iso
        self.is_exempt = is_exempt
        self.hosts: dict[str, tuple[str, str, str, bool] | str] = {}

    def host(self, host: str) -> tuple[str, str, str, bool]:
        found = self.hosts.get(host)
        if found is None:
            try:
                alabel, domain, uni = host_info(host)
                found = (alabel, domain, uni, self.is_exempt(domain))
            except AddressError as exc:
                found = str(exc)
            if len(self.hosts) >= _HOST_CACHE_MAX:
                self.hosts.clear()
            self.hosts[host] = found
        if type(found) is str:
            raise RowError(found)
        return found  # type: ignore[return-value]

    def row(self, account_id: str, username: str, email: str, verified: str, verified_at: str,
            primary: str, has_2fa: str, packages: str, downloads: str
            ) -> tuple[tuple, tuple, str, str, bool]:
        """(account tuple, email tuple, domain, unicode domain, exempt) or RowError."""
        account_id = account_id.strip()
        if not account_id:
            raise RowError("empty account_id")
        username = username.strip()
        if not username:
            raise RowError("empty username")
        try:
            local, host = split_address(email)
        except AddressError as exc:
            raise RowError(str(exc)) from None
        alabel, domain, uni, exempt = self.host(host)
        now = self.now_iso
        acc = (account_id, username, _flag(has_2fa, "has_2fa"), _count(packages, "packages"),
               _count(downloads, "downloads"), now)
        ver = _flag(verified, "email_verified")
        em = (account_id, f"{local}@{alabel}", domain, 1 if ver is None else ver,
              _time(verified_at, "verified_at"), _flag(primary, "primary"), now)
        return acc, em, domain, uni, exempt


def _flag(text: str, name: str) -> int | None:
    if not text:
        return None
    value = _BOOLS.get(text.strip().lower())
    if value is None:
        if not text.strip():
            return None
        raise RowError(f"{name}: expected true/false, 1/0 or yes/no, got {text[:40]!r}")
    return value


def _count(text: str, name: str) -> int | None:
    if not text:
        return None
    raw = text.strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        try:
            number = float(raw)
        except ValueError:
            raise RowError(f"{name}: expected a whole number, got {text[:40]!r}") from None
        if not number.is_integer():
            raise RowError(f"{name}: expected a whole number, got {text[:40]!r}") from None
        value = int(number)
    if value < 0:
        raise RowError(f"{name}: expected a number of at least 0, got {value}")
    return value


def _time(text: str, name: str) -> str | None:
    if not text:
        return None
    raw = text.strip()
    if not raw:
        return None
    if _ISO_Z.fullmatch(raw):
        return raw
    try:
        return to_iso(parse_iso(raw))
    except ValueError:
        raise RowError(f"{name}: not an ISO 8601 date or date-time: {text[:40]!r}") from None


def _scalar(value: Any, name: str) -> str:
    """A JSON value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise RowError(f"{name}: expected a single value, got {type(value).__name__}")


RawRow = tuple[int, tuple[str, ...] | None, str | None]  # (line, 9 values, or an error)


def csv_rows(fh: BinaryIO, path: Path, warn: Callable[[str], None]) -> Iterator[RawRow]:
    bad: dict[int, str] = {}
    lines = decoded_lines(fh, bad)
    reader = csv.reader(lines, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path}: empty file (a CSV import needs a header row)") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path}: unreadable header: {exc}") from None
    names = [h.strip().lower() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen and name in COLUMNS:
            raise ImportFileError(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFileError(
            f"{path}: the header lacks required column(s) {', '.join(missing)} "
            f"(found: {', '.join(n for n in names if n)[:200] or 'nothing'})"
        )
    unknown = [h for h in names if h not in COLUMNS]
    if unknown:
        warn(f"{path}: unknown column(s) ignored: {', '.join(repr(u) for u in unknown)[:300]}")
    index = [names.index(c) if c in names else None for c in COLUMNS]
    width = len(names)
    last = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, last = last + 1, reader.line_num
            yield start, None, f"malformed CSV: {exc}"
            continue
        start, last = last + 1, reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip() and width > 1):
            continue  # a blank line
        if bad:
            problem = next((bad[i] for i in range(start, last + 1) if i in bad), None)
            if problem:
                yield start, None, problem
                continue
        if len(fields) != width:
            kind = "too few" if len(fields) < width else "too many"
            yield start, None, f"{kind} fields ({len(fields)}, the header has {width})"
            continue
        yield start, tuple("" if i is None else fields[i] for i in index), None


def jsonl_rows(fh: BinaryIO, path: Path, unknown: set[str]) -> Iterator[RawRow]:
    bad: dict[int, str] = {}
    for number, line in enumerate(decoded_lines(fh, bad), start=1):
        if not line.strip():
            continue
        if number in bad:
            yield number, None, bad[number]
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield number, None, f"not valid JSON: {exc}"
            continue
        if not isinstance(obj, dict):
            yield number, None, "not a JSON object"
            continue
        missing = [c for c in REQUIRED if c not in obj]
        if missing:
            yield number, None, f"missing field(s): {', '.join(missing)}"
            continue
        if len(obj) > len(COLUMNS) or any(k not in COLUMNS for k in obj):
            for key in obj:
                if key not in COLUMNS and len(unknown) < 50:
                    unknown.add(str(key)[:60])
        try:
            values = tuple(_scalar(obj.get(c), c) for c in COLUMNS)
        except RowError as exc:
            yield number, None, str(exc)
            continue
        yield number, values, None

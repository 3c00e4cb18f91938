"""Reading import rows: CSV and JSON Lines to store tuples, a batch at a time.

The hot path of `import`: one loop per format, per-host caching, fast paths for the common
spellings, and no per-row objects beyond the tuples the store writes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from domainwatch_tui.core.addresses import AddressError, host_info, split_address
from domainwatch_tui.core.timefmt import parse_iso, to_iso

REQUIRED = ("account_id", "username", "email")
OPTIONAL = ("email_verified", "verified_at", "primary", "has_2fa", "packages", "downloads")
COLUMNS = REQUIRED + OPTIONAL
BOM = b"\xef\xbb\xbf"
MAX_INT = 2**63 - 1
_ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LOCAL_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\\\x00-\x1f\x7f]")
_BOOLS = {"true": 1, "false": 0, "1": 1, "0": 0, "yes": 1, "no": 0, "t": 1, "f": 0, "y": 1, "n": 0}
_FAST_BOOLS: dict[str, int | None] = {"": None, "True": 1, "False": 0, "TRUE": 1, "FALSE": 0,
                                      "Yes": 1, "No": 0, "YES": 1, "NO": 0, **_BOOLS}
_MISSING = object()
_FIRST = itemgetter(0)
_FIRST_TWO = itemgetter(0, 1)
_HOST_CACHE_MAX = 500_000


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, no header, a required column missing)."""


class RowError(ValueError):
    """One row cannot be imported; the message is the reason."""


@dataclass
class Batch:
    """Parsed rows ready for the store, and the rows rejected on the way."""

    rows: int = 0
    accounts: list[tuple] = field(default_factory=list)
    emails: list[tuple] = field(default_factory=list)
    domains: list[tuple] = field(default_factory=list)  # domains not seen before in this import
    rejects: list[tuple[int, str]] = field(default_factory=list)


class RowParser:
    """Turns rows' raw values into store tuples, collecting them in the current `Batch`.

    `seen` holds every registrable domain of the import so far (their counts are refreshed
    at the end); the host cache remembers each host's A-label, registrable domain and
    exemption, or why it is rejected.
    """

    def __init__(self, now_iso: str, is_exempt: Callable[[str], bool]):
        self.now_iso = now_iso
        self.is_exempt = is_exempt
        self.hosts: dict[str, tuple[str, str, str, bool] | str] = {}
        self.seen: set[str] = set()
        self.batch = Batch()
        self._last_account: tuple | None = None

    def take(self) -> Batch:
        """The batch collected so far, sorted by key (B-tree friendly; stable, so the file's
        last row for an account wins); a new one starts."""
        out, self.batch = self.batch, Batch()
        out.accounts.sort(key=_FIRST)
        out.emails.sort(key=_FIRST_TWO)
        self._last_account = None
        return out

    def _host(self, host: str) -> tuple[str, str, str, bool] | str:
        try:
            alabel, domain, uni = host_info(host)
            found: tuple[str, str, str, bool] | str = (alabel, domain, uni, self.is_exempt(domain))
        except AddressError as exc:
            found = str(exc)
        if len(self.hosts) >= _HOST_CACHE_MAX:
            self.hosts.clear()
        self.hosts[host] = found
        return found

    def add(self, line: int, account_id: str, username: str, email: str, verified: str,
            verified_at: str, primary: str, has_2fa: str, packages: str, downloads: str) -> None:
        """Parse one row (raw text values, "" for missing) into the batch, or reject it."""
        batch = self.batch
        batch.rows += 1
        try:
            account_id = account_id.strip()
            username = username.strip()
            email = email.strip()
            if not account_id:
                raise RowError("empty account_id")
            if not username:
                raise RowError("empty username")
            joined = account_id + username + email
            bad = _UNSAFE.search(joined)
            if bad:
                if _SURROGATE.match(bad.group()):
                    raise RowError("not valid UTF-8")
                raise RowError(f"control character {bad.group()!r} in account_id, username or email")
            at = email.rfind("@")
            local = email[:at]
            if at <= 0 or at == len(email) - 1 or len(email) > 320 or (
                    _LOCAL_FORBIDDEN.search(local) and not (local[0] == '"' == local[-1])):
                split_address(email)  # raises AddressError with the precise reason
            host = email[at + 1:]
            found = self.hosts.get(host)
            if found is None:
                found = self._host(host)
            if type(found) is str:
                raise RowError(found)
            alabel, domain, uni, exempt = found  # type: ignore[misc]
            tfa = _FAST_BOOLS.get(has_2fa, _MISSING)
            if tfa is _MISSING:
                tfa = _flag(has_2fa, "has_2fa")
            ver = _FAST_BOOLS.get(verified, _MISSING)
            if ver is _MISSING:
                ver = _flag(verified, "email_verified")
            prim = _FAST_BOOLS.get(primary, _MISSING)
            if prim is _MISSING:
                prim = _flag(primary, "primary")
            pk = (int(packages) if packages.isdecimal() and len(packages) < 19
                  else _count(packages, "packages"))
            dl = (int(downloads) if downloads.isdecimal() and len(downloads) < 19
                  else _count(downloads, "downloads"))
            if not verified_at:
                vat = None
            elif _ISO_Z.fullmatch(verified_at):
                vat = verified_at
            else:
                vat = _time(verified_at, "verified_at")
        except (RowError, AddressError) as exc:
            batch.rejects.append((line, str(exc)))
            return
        now = self.now_iso
        acc = (account_id, username, tfa, pk, dl, now)
        if acc != self._last_account:
            batch.accounts.append(acc)
            self._last_account = acc
        batch.emails.append((account_id, f"{local.lower()}@{alabel}", domain, 1 if ver is None else ver,
                             vat, prim, now))
        if domain not in self.seen:
            self.seen.add(domain)
            batch.domains.append((domain, uni, "exempt" if exempt else "unchecked", now, now,
                                  None if exempt else now))

    def reject(self, line: int, reason: str) -> None:
        self.batch.rows += 1
        self.batch.rejects.append((line, reason))


def _flag(text: str, name: str) -> int | None:
    raw = text.strip().lower()
    if not raw:
        return None
    value = _BOOLS.get(raw)
    if value is None:
        raise RowError(f"{name}: expected true/false, 1/0 or yes/no, got {text[:40]!r}")
    return value


def _count(text: str, name: str) -> int | None:
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
    if value > MAX_INT:
        raise RowError(f"{name}: number too large")
    return value


def _time(text: str, name: str) -> str | None:
    raw = text.strip()
    if not raw:
        return None
    if _ISO_Z.fullmatch(raw):
        return raw
    try:
        return to_iso(parse_iso(raw))
    except (ValueError, OverflowError):
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
        try:
            return str(value)
        except ValueError:
            raise RowError(f"{name}: number too large") from None
    raise RowError(f"{name}: expected a single value, got {type(value).__name__}")


def text_stream(fh: BinaryIO) -> io.TextIOWrapper:
    """The file as text: a byte-order mark skipped, bytes that are not UTF-8 kept as
    surrogates (so that the row holding them is rejected, not the whole import)."""
    return io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_csv_header(text: io.TextIOWrapper, path: Path, warn: Callable[[str], None]
                    ) -> tuple[Any, list[int], int]:
    """(csv reader, column index per COLUMNS (-1: absent), header width) or ImportFileError."""
    reader = csv.reader(text, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path}: empty file (a CSV import needs a header row)") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path}: unreadable header: {exc}") from None
    except UnicodeError as exc:
        raise ImportFileError(f"{path}: unreadable header: {exc}") from None
    names = [h.strip().lower() for h in header]
    if any(_SURROGATE.search(n) for n in names):
        raise ImportFileError(f"{path}: the header is not valid UTF-8")
    for name in COLUMNS:
        if names.count(name) > 1:
            raise ImportFileError(f"{path}: column {name!r} appears twice in the header")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        found = ", ".join(repr(n) for n in names if n)[:200] or "nothing"
        raise ImportFileError(f"{path}: the header lacks required column(s) {', '.join(missing)} "
                              f"(found: {found})")
    unknown = [h for h in names if h not in COLUMNS]
    if unknown:
        warn(f"{path}: unknown column(s) ignored: {', '.join(repr(u) for u in unknown)[:300]}")
    return reader, [names.index(c) if c in names else -1 for c in COLUMNS], len(names)


def csv_batches(reader: Any, index: list[int], width: int, parser: RowParser,
                size: int) -> Iterator[Batch]:
    """Parse the CSV rows after the header into batches of about `size` addresses."""
    getter = itemgetter(*index)
    pad = -1 in index
    add = parser.add
    emails = parser.batch.emails
    last = reader.line_num
    while True:
        try:
            for fields in reader:
                start = last + 1
                last = reader.line_num
                n = len(fields)
                if n != width:
                    if n == 0 or (n == 1 and not fields[0].strip()):
                        continue  # a blank line
                    kind = "too few" if n < width else "too many"
                    parser.reject(start, f"{kind} fields ({n}, the header has {width})")
                    continue
                if pad:
                    fields.append("")
                add(start, *getter(fields))
                if len(emails) >= size:
                    yield parser.take()
                    emails = parser.batch.emails
            break
        except csv.Error as exc:
            start = last + 1
            last = reader.line_num
            parser.reject(start, f"malformed CSV: {exc}")
    yield parser.take()


def jsonl_batches(text: io.TextIOWrapper, parser: RowParser, size: int,
                  unknown: set[str]) -> Iterator[Batch]:
    """Parse JSON Lines into batches of about `size` addresses; unknown keys go to `unknown`."""
    add = parser.add
    columns = frozenset(COLUMNS)
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            parser.reject(number, f"not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            parser.reject(number, "not a JSON object")
            continue
        missing = [c for c in REQUIRED if c not in obj]
        if missing:
            parser.reject(number, f"missing field(s): {', '.join(missing)}")
            continue
        if not columns.issuperset(obj):
            for key in obj:
                if key not in columns and len(unknown) < 50:
                    unknown.add(_SURROGATE.sub("?", str(key))[:60])
        try:
            values = [_scalar(obj.get(c), c) for c in COLUMNS]
        except RowError as exc:
            parser.reject(number, str(exc))
            continue
        add(number, *values)
        if len(parser.batch.emails) >= size:
            yield parser.take()
    yield parser.take()

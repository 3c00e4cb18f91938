"""RDAP status values in one spelling: RFC 8056's spaced lower case.

Registries write the same status several ways: RFC 8056 (`redemption period`), EPP camelCase
(`redemptionPeriod`, `serverDeleteProhibited`), upper case (`CLIENT HOLD`), with underscores or
hyphens, or run together (`clienthold`). The lifecycle rules match exact values, so every status is
normalised here first. Unknown values are kept (normalised the same way), never guessed at.
"""

from __future__ import annotations

import re
import unicodedata

#: The status values of RFC 8056 (plus "ok", which some servers send verbatim from EPP).
KNOWN_STATUSES: frozenset[str] = frozenset(
    {
        "ok",
        "validated",
        "renew prohibited",
        "update prohibited",
        "transfer prohibited",
        "delete prohibited",
        "proxy",
        "private",
        "removed",
        "obscured",
        "associated",
        "active",
        "inactive",
        "locked",
        "pending create",
        "pending renew",
        "pending transfer",
        "pending update",
        "pending delete",
        "pending restore",
        "add period",
        "auto renew period",
        "renew period",
        "transfer period",
        "redemption period",
        "client delete prohibited",
        "client hold",
        "client renew prohibited",
        "client transfer prohibited",
        "client update prohibited",
        "server delete prohibited",
        "server hold",
        "server renew prohibited",
        "server transfer prohibited",
        "server update prohibited",
    }
)

#: Each known value with its spaces removed ("clienthold") -> the RFC 8056 spelling.
_RUN_TOGETHER: dict[str, str] = {value.replace(" ", ""): value for value in KNOWN_STATUSES}

#: Longest status value kept; anything longer is not a status.
MAX_STATUS_LENGTH = 64
#: Most statuses kept from one answer.
MAX_STATUSES = 32

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_\-]+")


def _printable(value: str) -> str:
    """`value` without control or format characters (bidi overrides, zero-width joiners...)."""
    if value.isprintable():
        return value
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")


def normalise_status(value: str) -> str:
    """One status in RFC 8056 spelling: `redemptionPeriod` -> `redemption period`.

    Accepts EPP camelCase, any case, underscores, hyphens, repeated spaces, values run together
    (`CLIENTHOLD`) and the `https://icann.org/epp#clientHold` form some servers copy from WHOIS.
    Prefix-less values (`delete prohibited`) stay as they are. Returns "" for an empty value and
    for one longer than `MAX_STATUS_LENGTH` (not a status; never cut down to look like one).
    """
    text = str(value)
    if len(text) > MAX_STATUS_LENGTH * 4:
        return ""
    text = _printable(text).strip()
    if "#" in text:  # "https://icann.org/epp#clientHold"
        text = text.rsplit("#", 1)[1]
    text = _CAMEL.sub(" ", text)
    text = _SEPARATORS.sub(" ", text).strip().lower()
    if " " not in text and text in _RUN_TOGETHER:
        text = _RUN_TOGETHER[text]
    return text if len(text) <= MAX_STATUS_LENGTH else ""


def normalise_statuses(values: object) -> tuple[str, ...]:
    """Every status of an answer, normalised, duplicates and non-strings dropped, order kept.

    At most `MAX_STATUSES` values are kept; `values` that is not a list or tuple (a bare string,
    an object) gives an empty tuple, so a hostile `"status": {...}` cannot surprise the caller.
    """
    if not isinstance(values, list | tuple):
        return ()
    seen: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str):
            continue
        status = normalise_status(value)
        if status:
            seen.setdefault(status, None)
        if len(seen) >= MAX_STATUSES:
            break
    return tuple(seen)

"""JSON objects of the outside contract built from store rows: `check`, `summary`, `show`.

The key order follows the contract. Times are stored as `YYYY-MM-DDTHH:MM:SSZ` text and are
passed through as they are; unknown values are `null`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from domainwatch_tui.core.model import PHASE_ORDER

CHECK_KEYS: tuple[str, ...] = (
    "domain", "phase", "statuses", "registered_at", "expires_at", "last_changed_at",
    "registrar", "reasons", "checked_at", "next_check_at", "backend", "error",
)


def _json_list(value: Any) -> list[Any]:
    """A JSON-text list column as a list ([] for null or unreadable text)."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    try:
        out = json.loads(value)
    except (TypeError, ValueError):
        return []
    return list(out) if isinstance(out, list) else []


def _get(row: Mapping[str, Any], key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def check_object(row: Mapping[str, Any]) -> dict[str, Any]:
    """The contract's `check` object from a `domains` row (a sqlite3.Row or a dict)."""
    return {
        "domain": _get(row, "name"),
        "phase": _get(row, "phase"),
        "statuses": _json_list(_get(row, "statuses")),
        "registered_at": _get(row, "registered_at"),
        "expires_at": _get(row, "expires_at"),
        "last_changed_at": _get(row, "last_changed_at"),
        "registrar": _get(row, "registrar"),
        "reasons": _json_list(_get(row, "reasons")),
        "checked_at": _get(row, "checked_at"),
        "next_check_at": _get(row, "next_check_at"),
        "backend": _get(row, "backend"),
        "error": _get(row, "error"),
    }


def summary_object(accounts: int, emails: int, domains: int, phases: Mapping[str, int],
                   proposals_pending: int) -> dict[str, Any]:
    """The contract's `summary --json` object; every phase is present (0 when none)."""
    return {
        "accounts": accounts,
        "emails": emails,
        "domains": domains,
        "phases": {p.value: int(phases.get(p.value, 0)) for p in PHASE_ORDER},
        "proposals_pending": proposals_pending,
    }


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def account_object(row: Mapping[str, Any], other_verified: list[str]) -> dict[str, Any]:
    """One affected account in `show --json` (one row per address on the domain)."""
    return {
        "username": row["username"],
        "account_id": row["account_id"],
        "address": row["address"],
        "verified": bool(row["verified"]),
        "verified_at": row["verified_at"],
        "primary": _bool(row["is_primary"]),
        "has_2fa": _bool(row["has_2fa"]),
        "packages": row["packages"],
        "downloads": row["downloads"],
        "unverified_at": row["unverified_at"],
        "other_verified_addresses": other_verified,
    }


def proposal_object(row: Mapping[str, Any]) -> dict[str, Any]:
    """A proposal row as JSON (reasons decoded)."""
    out = {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row has no iteration of keys
    if "reasons" in out:
        out["reasons"] = _json_list(out["reasons"])
    return out


def decision_object(row: Mapping[str, Any]) -> dict[str, Any]:
    """A decision row as JSON (emails and proposal ids decoded)."""
    out = {k: row[k] for k in row.keys()}  # noqa: SIM118
    for key in ("emails", "proposal_ids"):
        if key in out:
            out[key] = _json_list(out[key])
    return out


def show_object(domain_row: Mapping[str, Any], accounts: list[dict[str, Any]],
                proposals: list[Mapping[str, Any]], decisions: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The contract's `show --json`: the check object plus accounts, proposals, decisions."""
    out = check_object(domain_row)
    out["signals"] = _json_list(_get(domain_row, "signals"))  # further evidence, each with its source
    out["accounts"] = accounts
    out["proposals"] = [proposal_object(r) for r in proposals]
    out["decisions"] = [decision_object(r) for r in decisions]
    return out

"""Telling a demo store from a real one, so that a demo store is never checked against real registries.

`domainwatch demo` writes `<db>.demo.json` beside the store it builds (see `demo.session`). Its
domains are synthetic and its RDAP answers come from the loopback simulator: checking them
against the real registries would send made-up names to real servers and overwrite the demo's
timelines with nonsense. So the headless worker refuses such a store, and the dashboard starts no
worker on it (and allows no manual check) unless the demo itself opened it, wired to its simulator.
"""

from __future__ import annotations

from pathlib import Path

#: The marker's suffix, appended to the store's file name (`demo.session` writes it).
MARKER_SUFFIX = ".demo.json"
#: What the operator is told when a real checker is pointed at a demo store.
DEMO_REFUSAL = "this is a demo store: run `domainwatch demo`"


def marker_path(db_path: str | Path) -> Path:
    """Where the demo marker of the store at `db_path` sits."""
    path = Path(db_path)
    return path.with_name(path.name + MARKER_SUFFIX)


def is_demo_store(db_path: str | Path) -> bool:
    """Whether the store at `db_path` was built by `domainwatch demo` (its marker exists)."""
    if str(db_path) == ":memory:":
        return False
    return marker_path(db_path).exists()


def demo_refusal(db_path: str | Path, *, started_by_demo: bool = False) -> str | None:
    """Why real checks must not run on this store (`DEMO_REFUSAL`), or None when they may.

    `started_by_demo`: the demo itself runs the checks, against its loopback simulator."""
    if started_by_demo or not is_demo_store(db_path):
        return None
    return DEMO_REFUSAL

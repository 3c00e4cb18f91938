"""Policy: proposals, operator decisions and their consequences.

`apply_check` is called by `checking.record_observation` inside the check's transaction. Until
the review queue lands it records nothing beyond the check itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domainwatch_tui.core.model import CheckOutcome, PolicySettings

if TYPE_CHECKING:
    from domainwatch_tui.core.store import Store


def apply_check(store: Store, outcome: CheckOutcome, *, now: datetime, settings: PolicySettings) -> None:
    """Open, close or restore proposals after a check (inside the caller's transaction)."""
    return None

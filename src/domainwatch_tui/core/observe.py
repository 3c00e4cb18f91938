"""The guard every checker's `fetch` goes through: a failure becomes evidence, never a crash."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from domainwatch_tui.core.model import Evidence, Observation
from domainwatch_tui.core.timefmt import Clock

Fetch = Callable[[str], Awaitable[tuple[Evidence, bytes | None]]]


async def guarded_fetch(domain: str, fetch: Fetch, *, clock: Clock,
                        on_failure: Callable[[str, Exception], Evidence]) -> Observation:
    """Run `fetch(domain)` (domain normalised: no trailing dot, lower case) and time it.

    An exception (a bug, an exotic transport failure) becomes the evidence `on_failure` makes,
    so the domain ends `unknown` with a reason instead of stopping the check run.
    """
    started = time.perf_counter()
    domain = domain.strip().rstrip(".").lower()
    try:
        evidence, raw = await fetch(domain)
    except Exception as exc:
        evidence, raw = on_failure(domain, exc), None
    return Observation(evidence=evidence, checked_at=clock(),
                       duration_ms=(time.perf_counter() - started) * 1000.0, raw=raw)

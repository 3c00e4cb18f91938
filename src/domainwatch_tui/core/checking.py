"""Turning a fetched observation into a stored, classified check (the glue of the check path).

`Checker` is what every backend (RDAP, Fastly, a test fake) offers; `record_observation`
classifies an observation against what was known before and stores it, with its consequences
(phase change, proposals), in one transaction.
"""

from __future__ import annotations

from typing import Protocol

from domainwatch_tui.core.model import Observation


class Checker(Protocol):
    """Something that can fetch evidence about a registrable domain."""

    backend: str

    async def fetch(self, domain: str) -> Observation:
        """Never raises for network or server trouble: that becomes `Evidence.error`."""
        ...

    async def aclose(self) -> None: ...

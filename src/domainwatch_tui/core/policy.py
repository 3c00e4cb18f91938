"""Policy: proposals, operator decisions and their consequences (filled in by the review-queue work)."""

from __future__ import annotations

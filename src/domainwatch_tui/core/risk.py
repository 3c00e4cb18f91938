"""The risk score: how much an attacker gains by buying a domain, with a visible breakdown.

For an account A with at least one *verified* address on domain D:

    pair(A, D) = W(phase of D)
                 x (no_2fa         if A has no 2FA (or it is not known), else 1)
                 x (only_verified  if A has no verified address outside D, else 1)
                 x (1 + packages  * ln(1 + packages of A))
                 x (1 + downloads * log10(1 + monthly downloads of A))

    risk(D) = the sum of pair(A, D) over the distinct accounts on D  (all of them fall with D)
    risk(A) = the max of pair(A, D) over the domains of A's verified addresses  (one is enough)

Unverified addresses count for nothing: un-verifying them is what removes the risk. The
weights are the `[risk]` config section (`RiskWeights` in core/model.py). The store computes
the same formula set-based in SQL (`Store.refresh_risk`); this module is the reference and
the breakdown shown to operators.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domainwatch_tui.core.model import Phase, RiskWeights

if TYPE_CHECKING:
    from domainwatch_tui.core.store import Store


@dataclass(frozen=True, slots=True)
class RiskBreakdown:
    """One account on one domain: each factor of the formula and the total."""

    account_id: str
    username: str | None
    domain: str
    phase: Phase
    phase_weight: float
    has_2fa: bool | None
    no_2fa_factor: float
    only_verified: bool
    only_verified_factor: float
    packages: int
    packages_factor: float
    downloads: int
    downloads_factor: float

    @property
    def exposure(self) -> float:
        """The product of the exposure factors (everything but the phase weight)."""
        return self.no_2fa_factor * self.only_verified_factor * self.packages_factor * self.downloads_factor

    @property
    def total(self) -> float:
        # Multiplied in the same order as the SQL, so that both give the same float.
        return (self.phase_weight * self.no_2fa_factor * self.only_verified_factor
                * self.packages_factor * self.downloads_factor)

    def describe(self) -> str:
        """One line for the operator, e.g. 'redemption 40 x no 2FA 2 x only address 1.5 x ...'."""
        parts = [f"{self.phase.value} {self.phase_weight:g}"]
        if self.no_2fa_factor != 1.0:
            parts.append(f"no 2FA {self.no_2fa_factor:g}")
        if self.only_verified_factor != 1.0:
            parts.append(f"only verified address {self.only_verified_factor:g}")
        parts.append(f"{self.packages} packages {self.packages_factor:.2f}")
        parts.append(f"{self.downloads} downloads {self.downloads_factor:.2f}")
        return " x ".join(parts) + f" = {self.total:.1f}"


@dataclass(frozen=True, slots=True)
class DomainRisk:
    """A domain's risk: the sum over its accounts, each with its breakdown (highest first)."""

    domain: str
    phase: Phase
    phase_weight: float
    accounts: tuple[RiskBreakdown, ...] = field(default=())

    @property
    def total(self) -> float:
        return math.fsum(a.total for a in self.accounts)


def account_risk(
    *,
    phase: Phase | str,
    has_2fa: bool | int | None,
    only_verified: bool,
    packages: int | None,
    downloads: int | None,
    weights: RiskWeights | None = None,
    account_id: str = "",
    username: str | None = None,
    domain: str = "",
) -> RiskBreakdown:
    """The breakdown of pair(A, D) for one account on a domain in `phase`."""
    w = weights or RiskWeights()
    ph = Phase(phase)
    p = max(int(packages or 0), 0)
    d = max(int(downloads or 0), 0)
    two = None if has_2fa is None else bool(has_2fa)
    return RiskBreakdown(
        account_id=account_id,
        username=username,
        domain=domain,
        phase=ph,
        phase_weight=w.weight(ph),
        has_2fa=two,
        no_2fa_factor=1.0 if two else float(w.no_2fa),
        only_verified=only_verified,
        only_verified_factor=float(w.only_verified) if only_verified else 1.0,
        packages=p,
        packages_factor=1.0 + w.packages * math.log(1 + p),
        downloads=d,
        downloads_factor=1.0 + w.downloads * math.log10(1 + d),
    )


def domain_risk(domain: str, phase: Phase | str, accounts: Iterable[RiskBreakdown],
                weights: RiskWeights | None = None) -> DomainRisk:
    """Gather the accounts' breakdowns into the domain's (sum), highest first."""
    w = weights or RiskWeights()
    ranked = tuple(sorted(accounts, key=lambda b: (-b.total, b.account_id)))
    return DomainRisk(domain=domain, phase=Phase(phase), phase_weight=w.weight(phase), accounts=ranked)


def domain_breakdown(store: Store, domain: str, weights: RiskWeights | None = None) -> DomainRisk | None:
    """The breakdown of a stored domain (what the dashboard shows), or None when unknown."""
    row = store.domain_risk_row(domain)
    if row is None:
        return None
    phase = row["phase"]
    return domain_risk(domain, phase, (
        account_risk(phase=phase, has_2fa=r["has_2fa"],
                     only_verified=r["verified_total"] == r["verified_here"],
                     packages=r["packages"], downloads=r["downloads"], weights=weights,
                     account_id=r["account_id"], username=r["username"], domain=domain)
        for r in store.risk_inputs(domain)
    ), weights)


def account_breakdowns(store: Store, account_id: str,
                       weights: RiskWeights | None = None) -> list[RiskBreakdown]:
    """Pair(A, D) for each domain of the account's verified addresses, highest first.

    The account's risk is the first one's total (the max)."""
    out = [
        account_risk(phase=r["phase"], has_2fa=r["has_2fa"],
                     only_verified=r["verified_total"] == r["verified_here"],
                     packages=r["packages"], downloads=r["downloads"], weights=weights,
                     account_id=account_id, username=r["username"], domain=r["domain"])
        for r in store.account_risk_inputs(account_id)
    ]
    return sorted(out, key=lambda b: -b.total)

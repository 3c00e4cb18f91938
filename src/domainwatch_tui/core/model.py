"""The vocabulary of domainwatch: phases, evidence, classifications and check results.

Plain dataclasses and enums, shared by every core module, the CLI and the dashboard.
Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Phase(StrEnum):
    """A domain's lifecycle phase (the names are fixed by the contract)."""

    RE_REGISTERED = "re_registered"
    AVAILABLE = "available"
    PENDING_DELETE = "pending_delete"
    REDEMPTION = "redemption"
    GRACE = "grace"
    EXPIRING = "expiring"
    ACTIVE = "active"
    UNKNOWN = "unknown"
    UNCHECKED = "unchecked"
    EXEMPT = "exempt"

    @property
    def severity(self) -> int:
        """0 for the most severe phase (re_registered), growing towards exempt."""
        return PHASE_ORDER.index(self)

    @property
    def label(self) -> str:
        """A short human label, e.g. 'Pending delete'."""
        return PHASE_LABELS[self]


#: Every phase, from most to least severe.
PHASE_ORDER: tuple[Phase, ...] = tuple(Phase)

PHASE_LABELS: dict[Phase, str] = {
    Phase.RE_REGISTERED: "Re-registered",
    Phase.AVAILABLE: "Available",
    Phase.PENDING_DELETE: "Pending delete",
    Phase.REDEMPTION: "Redemption",
    Phase.GRACE: "Grace",
    Phase.EXPIRING: "Expiring",
    Phase.ACTIVE: "Active",
    Phase.UNKNOWN: "Unknown",
    Phase.UNCHECKED: "Unchecked",
    Phase.EXEMPT: "Exempt",
}

#: Phases that never lead to a proposal, whatever the policy says.
NEVER_PROPOSE: frozenset[Phase] = frozenset({Phase.UNKNOWN, Phase.UNCHECKED, Phase.EXEMPT})


@dataclass(frozen=True, slots=True)
class RdapEvent:
    """One RDAP event: an action (normalised lower case) and when it happened."""

    action: str
    date: datetime | None
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """A piece of further evidence from a source other than the registry's RDAP answer.

    `source` names where it came from ("dns", "fastly", "registrar-rdap"), `kind` what it
    says ("parked-nameservers", "nxdomain", "no-mx", "expiry-disagreement", ...), `detail`
    a sentence for the operator.
    """

    source: str
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one check learned about one domain, parsed and validated.

    A transport failure, a refused response or an unsupported TLD is evidence too: `error`
    (or `unsupported`) is set and the lifecycle rules turn it into `unknown`.
    """

    domain: str  # registrable domain, A-label, lower case
    backend: str = "rdap"  # "rdap" | "fastly"
    server: str | None = None  # the URL asked
    http_status: int | None = None
    not_found: bool = False  # the registry answered 404: not registered
    reserved: bool = False  # the 404 (or answer) says the name is reserved / blocked
    unsupported: bool = False  # no RDAP service (or backend) for this TLD
    error: str | None = None  # why the answer cannot be trusted; None when it can
    statuses: tuple[str, ...] = ()  # normalised RFC 8056 spelling, e.g. "redemption period"
    registered_at: datetime | None = None
    expires_at: datetime | None = None  # the registry's `expiration` event
    registrar_expires_at: datetime | None = None  # `registrar expiration`, when given
    last_changed_at: datetime | None = None
    handle: str | None = None
    registrar: str | None = None
    registrar_iana_id: str | None = None
    nameservers: tuple[str, ...] = ()
    events: tuple[RdapEvent, ...] = ()
    remarks: tuple[str, ...] = ()
    signals: tuple[Signal, ...] = ()
    related_url: str | None = None  # the registrar's RDAP URL, for thin registries
    #: a non-RDAP backend's own status tokens as it sent them (Fastly: "undelegated inactive")
    backend_statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Prior:
    """What was known about a domain before this check."""

    phase: Phase = Phase.UNCHECKED
    registered_at: datetime | None = None
    handle: str | None = None
    registrar_iana_id: str | None = None
    registrar: str | None = None
    first_seen_at: datetime | None = None
    #: `verified_at` of each verified address on the domain (None entries are skipped).
    verified_at: tuple[datetime | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Classification:
    """The lifecycle rules' verdict: a phase, the reasons in plain sentences, a release estimate."""

    phase: Phase
    reasons: tuple[str, ...]
    release_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """One completed fetch: the evidence plus the raw bytes and timing, before classification."""

    evidence: Evidence
    checked_at: datetime
    duration_ms: float
    raw: bytes | None = None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """A stored check: the observation, its classification and the schedule that follows."""

    observation: Observation
    classification: Classification
    check_id: int
    previous_phase: Phase
    next_check_at: datetime | None

    @property
    def domain(self) -> str:
        return self.observation.evidence.domain

    @property
    def phase(self) -> Phase:
        return self.classification.phase

    @property
    def changed(self) -> bool:
        return self.previous_phase != self.classification.phase


#: Default risk weight of each phase (the `[risk] phase_weights` config table overrides them).
DEFAULT_PHASE_WEIGHTS: dict[Phase, float] = {
    Phase.RE_REGISTERED: 100.0,
    Phase.AVAILABLE: 80.0,
    Phase.PENDING_DELETE: 60.0,
    Phase.REDEMPTION: 40.0,
    Phase.GRACE: 15.0,
    Phase.EXPIRING: 5.0,
    Phase.ACTIVE: 0.0,
    Phase.UNKNOWN: 3.0,
    Phase.UNCHECKED: 1.0,
    Phase.EXEMPT: 0.0,
}


@dataclass(frozen=True, slots=True)
class RiskWeights:
    """The `[risk]` section of the config: the weights of the risk formula (see core/risk.py)."""

    phase_weights: dict[Phase, float] = field(default_factory=lambda: dict(DEFAULT_PHASE_WEIGHTS))
    no_2fa: float = 2.0  # multiplier when the account has no 2FA (or it is not known)
    only_verified: float = 1.5  # multiplier when the address is the account's only verified one
    packages: float = 0.5  # x (1 + packages * ln(1 + packages count))
    downloads: float = 0.25  # x (1 + downloads * log10(1 + monthly downloads))

    def weight(self, phase: Phase | str) -> float:
        return float(self.phase_weights.get(Phase(phase), 0.0))


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The `[policy]` section of the config (and the `[risk]` weights the policy refreshes with)."""

    expiring_days: int = 30
    unverify_phases: tuple[Phase, ...] = (
        Phase.RE_REGISTERED,
        Phase.AVAILABLE,
        Phase.PENDING_DELETE,
        Phase.REDEMPTION,
    )
    warn_phases: tuple[Phase, ...] = (Phase.GRACE, Phase.EXPIRING)
    auto_confirm_phases: tuple[Phase, ...] = ()
    risk: RiskWeights = field(default_factory=RiskWeights)


@dataclass(frozen=True, slots=True)
class RdapSettings:
    """The `[rdap]` section of the config."""

    requests_per_second: float = 5.0
    concurrency: int = 4
    timeout_seconds: float = 10.0
    retries: int = 2
    max_retry_after_seconds: float = 60.0
    bootstrap_file: str | None = None
    #: extra or replacement servers by TLD, e.g. {"de": "https://rdap.denic.de/"}
    servers: dict[str, str] = field(default_factory=dict)

"""Webhook notifications: enqueue in the cause's transaction, deliver signed, retry, never lose.

Two events are sent as JSON POSTs to `[webhook] url`:

- `phase.entered`: a check moved a domain into one of the policy's unverify phases;
- `decision`: an operator (or the auto-confirm policy) recorded a decision.

`enqueue_phase_entry` / `enqueue_decision` only insert into the store's outbox (inside the
caller's transaction, so an event exists exactly when its cause was committed). `WebhookSender`
delivers what is due: each body is signed with HMAC-SHA256 over the exact bytes sent, using the
shared secret `$DOMAINWATCH_WEBHOOK_SECRET` (or `[webhook] secret`), in the header
`X-Domainwatch-Signature: sha256=<hex>`, with `X-Domainwatch-Event` and `X-Domainwatch-Delivery`
(the outbox id: receivers de-duplicate on it, since a delivery may be repeated). A 2xx answer
marks it delivered. Anything else is retried `[webhook] retries` times at once (0.5 s, 1 s, ...),
then rescheduled with exponential backoff (1 min doubling, at most 1 h) and retried forever:
failures are visible (`Store.outbox_status()`) and never dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from domainwatch_tui import __version__
from domainwatch_tui.core.model import CheckOutcome, Phase
from domainwatch_tui.core.rdap.bootstrap import url_refusal
from domainwatch_tui.core.timefmt import Clock, to_iso

if TYPE_CHECKING:
    from domainwatch_tui.core.store import Store

SECRET_ENV = "DOMAINWATCH_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Domainwatch-Signature"
EVENT_PHASE_ENTERED = "phase.entered"
EVENT_DECISION = "decision"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """The `[webhook]` section of the config (the secret is resolved apart: `resolve_secret`)."""

    url: str | None = None
    timeout_seconds: float = 10.0
    retries: int = 2
    backoff_seconds: float = 60.0
    max_backoff_seconds: float = 3600.0


def resolve_secret(config_secret: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """`$DOMAINWATCH_WEBHOOK_SECRET`, else the config's `[webhook] secret`, else None."""
    env = os.environ if env is None else env
    secret = (env.get(SECRET_ENV) or config_secret or "").strip()
    return secret or None


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, body)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` (constant-time comparison). For receivers."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")


# -- events ------------------------------------------------------------------------------------
def phase_entered_payload(outcome: CheckOutcome, *, now: datetime) -> dict[str, Any]:
    ev = outcome.observation.evidence
    return {
        "event": EVENT_PHASE_ENTERED, "at": to_iso(now), "domain": outcome.domain,
        "phase": outcome.phase.value, "previous_phase": outcome.previous_phase.value,
        "reasons": list(outcome.classification.reasons), "check_id": outcome.check_id,
        "checked_at": to_iso(outcome.observation.checked_at), "backend": ev.backend,
        "release_at": to_iso(outcome.classification.release_at),
    }


def enqueue_phase_entry(store: Store, outcome: CheckOutcome, *, now: datetime,
                        unverify_phases: Sequence[Phase]) -> int | None:
    """Enqueue `phase.entered` when this check moved the domain INTO an unverify phase."""
    if not outcome.changed or outcome.phase not in unverify_phases:
        return None
    return store.enqueue_event(EVENT_PHASE_ENTERED, phase_entered_payload(outcome, now=now), now=now)


def enqueue_decision(store: Store, *, decision_id: int, domain: str, action: str, operator: str,
                     phase: str, reason: str, now: datetime, until: datetime | str | None = None,
                     emails: Sequence[str] = (), check_id: int | None = None) -> int:
    """Enqueue `decision` for one recorded decision (call inside the decision's transaction)."""
    payload = {
        "event": EVENT_DECISION, "at": to_iso(now), "decision_id": int(decision_id), "domain": domain,
        "action": action, "operator": operator, "phase": phase, "reason": reason,
        "until": to_iso(until) if isinstance(until, datetime) else until,
        "emails": list(emails), "check_id": check_id,
    }
    return store.enqueue_event(EVENT_DECISION, payload, now=now)


# -- delivery ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SendReport:
    """One delivery pass: how many were delivered and how many failed (rescheduled)."""

    delivered: int
    failed: int
    last_error: str | None = None


class WebhookSender:
    """Delivers due outbox rows to the webhook URL, signed; one `run_once()` per pass."""

    def __init__(self, store: Store, settings: WebhookSettings, secret: str | None, *, clock: Clock,
                 transport: httpx.AsyncBaseTransport | None = None, retry_pause: float = 0.5):
        if not settings.url:
            raise ValueError("no webhook URL configured ([webhook] url)")
        refusal = url_refusal(settings.url)
        if refusal:
            raise ValueError(f"[webhook] url: {refusal}")
        self.store = store
        self.settings = settings
        self.secret = secret
        self.clock = clock
        self.retry_pause = retry_pause
        self._client = httpx.AsyncClient(transport=transport, timeout=settings.timeout_seconds,
                                         follow_redirects=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    def backoff(self, attempts: int) -> timedelta:
        """The wait before the next pass after `attempts` failed passes (1 min, 2, 4, ... <= 1 h)."""
        seconds = self.settings.backoff_seconds * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(seconds, self.settings.max_backoff_seconds))

    async def run_once(self, *, limit: int = 100) -> SendReport:
        """Deliver every due row (oldest first); stop early on failure to keep the order."""
        delivered = failed = 0
        last_error: str | None = None
        for item in self.store.due_events(self.clock(), limit=limit):
            error = await self._deliver(item.id, item.event, item.payload.encode("utf-8"))
            now = self.clock()
            if error is None:
                self.store.mark_delivered(item.id, now=now)
                delivered += 1
                continue
            failed += 1
            last_error = error
            retry_at = now + self.backoff(item.attempts + 1)
            self.store.mark_failed(item.id, error, now=now, next_attempt_at=retry_at)
            break  # the receiver is in trouble: keep the rest in order for the next pass
        return SendReport(delivered, failed, last_error)

    async def _deliver(self, item_id: int, event: str, body: bytes) -> str | None:
        """POST once, then `retries` more times on failure; None when delivered, else the error."""
        headers = {"Content-Type": "application/json", "User-Agent": f"domainwatch/{__version__}",
                   "X-Domainwatch-Event": event, "X-Domainwatch-Delivery": str(item_id)}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        error = "not attempted"
        for attempt in range(max(self.settings.retries, 0) + 1):
            if attempt:
                await asyncio.sleep(self.retry_pause * (2 ** (attempt - 1)))
            try:
                response = await self._client.post(self.settings.url or "", content=body, headers=headers)
            except httpx.TimeoutException:
                error = f"timed out after {self.settings.timeout_seconds:g} s"
                continue
            except (httpx.HTTPError, OSError) as exc:
                error = f"cannot reach the webhook: {type(exc).__name__}"
                continue
            if 200 <= response.status_code < 300:
                return None
            error = f"the webhook answered HTTP {response.status_code}"
        return error

"""Webhooks: outbox enqueue, HMAC signature, retries with backoff, failures visible, nothing lost.

Delivered to a loopback receiver (aiohttp on 127.0.0.1) that checks the signature.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from domainwatch_tui.core.model import (
    CheckOutcome,
    Classification,
    Evidence,
    Observation,
    Phase,
    PolicySettings,
)
from domainwatch_tui.core.webhooks import (
    SIGNATURE_HEADER,
    WebhookSender,
    WebhookSettings,
    enqueue_decision,
    enqueue_phase_entry,
    resolve_secret,
    sign,
    verify,
)

SECRET = "shared-secret"
T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    from domainwatch_tui.core.store import Store

    s = Store(tmp_path / "w.db")
    yield s
    s.close()


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def receiver():
    state = {"fail": 0, "got": [], "bad_signatures": 0}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(SECRET, body, request.headers.get(SIGNATURE_HEADER)):
            state["bad_signatures"] += 1
            return web.Response(status=401)
        if state["fail"] > 0:
            state["fail"] -= 1
            return web.Response(status=503)
        state["got"].append((request.headers["X-Domainwatch-Event"],
                             int(request.headers["X-Domainwatch-Delivery"]), json.loads(body)))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    state["url"] = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    yield state
    await runner.cleanup()


def _outcome(phase: Phase, previous: Phase) -> CheckOutcome:
    obs = Observation(evidence=Evidence(domain="lapsed.com"), checked_at=T0, duration_ms=3.0)
    verdict = Classification(phase, ("RDAP status 'redemption period'",))
    return CheckOutcome(observation=obs, classification=verdict, check_id=7, previous_phase=previous,
                        next_check_at=None)


def test_signature_and_secret():
    body = b'{"a":1}'
    assert sign(SECRET, body).startswith("sha256=") and len(sign(SECRET, body)) == 7 + 64
    assert verify(SECRET, body, sign(SECRET, body))
    assert not verify(SECRET, body + b" ", sign(SECRET, body))
    assert not verify("other", body, sign(SECRET, body)) and not verify(SECRET, body, None)
    assert resolve_secret("cfg", env={"DOMAINWATCH_WEBHOOK_SECRET": "env"}) == "env"
    assert resolve_secret(None, env={}) is None


def test_only_entering_an_unverify_phase_is_enqueued(store):
    phases = PolicySettings().unverify_phases
    assert enqueue_phase_entry(store, _outcome(Phase.REDEMPTION, Phase.GRACE), now=T0, unverify_phases=phases)
    assert enqueue_phase_entry(store, _outcome(Phase.REDEMPTION, Phase.REDEMPTION), now=T0,
                               unverify_phases=phases) is None
    assert enqueue_phase_entry(store, _outcome(Phase.GRACE, Phase.ACTIVE), now=T0,
                               unverify_phases=phases) is None
    status = store.outbox_status()
    assert (status.undelivered, status.failing, status.delivered) == (1, 0, 0)


def test_enqueue_rolls_back_with_its_transaction(store):
    with pytest.raises(RuntimeError), store.transaction():
        enqueue_decision(store, decision_id=1, domain="d.com", action="confirm", operator="ann",
                         phase="redemption", reason="r", now=T0)
        raise RuntimeError("the decision failed")
    assert store.outbox_status().undelivered == 0


async def test_delivery_signed_in_order(store, receiver):
    phases = PolicySettings().unverify_phases
    enqueue_phase_entry(store, _outcome(Phase.AVAILABLE, Phase.PENDING_DELETE), now=T0,
                        unverify_phases=phases)
    enqueue_decision(store, decision_id=42, domain="lapsed.com", action="confirm", operator="ann",
                     phase="available", reason="gone", now=T0, emails=["a@lapsed.com"], check_id=7)
    sender = WebhookSender(store, WebhookSettings(url=receiver["url"]), SECRET, clock=Clock(T0))
    try:
        report = await sender.run_once()
    finally:
        await sender.aclose()
    assert (report.delivered, report.failed) == (2, 0)
    events = [(e, p["event"]) for e, _id, p in receiver["got"]]
    assert events == [("phase.entered", "phase.entered"), ("decision", "decision")]
    assert receiver["got"][1][2]["decision_id"] == 42 and receiver["got"][0][2]["phase"] == "available"
    assert receiver["bad_signatures"] == 0
    assert store.outbox_status().undelivered == 0 and store.outbox_status().delivered == 2


async def test_retries_then_backoff_failure_visible_and_not_lost(store, receiver):
    enqueue_decision(store, decision_id=1, domain="d.com", action="override", operator="ann",
                     phase="redemption", reason="known owner", now=T0)
    enqueue_decision(store, decision_id=2, domain="e.com", action="confirm", operator="ann",
                     phase="redemption", reason="gone", now=T0)
    clock = Clock(T0)
    receiver["fail"] = 2  # the first POST and its one immediate retry fail
    sender = WebhookSender(store, WebhookSettings(url=receiver["url"], retries=1), SECRET, clock=clock,
                           retry_pause=0.01)
    try:
        first = await sender.run_once()
        status = store.outbox_status()
        assert (first.delivered, first.failed) == (0, 1)
        assert "HTTP 503" in (first.last_error or "")
        assert (status.undelivered, status.failing) == (2, 1) and "HTTP 503" in (status.last_error or "")
        assert (await sender.run_once()).delivered == 0  # not due yet: backoff of 1 minute
        clock.at = T0 + timedelta(minutes=1)
        second = await sender.run_once()
    finally:
        await sender.aclose()
    assert (second.delivered, second.failed) == (2, 0)
    assert [p["decision_id"] for _e, _i, p in receiver["got"]] == [1, 2]  # order kept
    assert store.outbox_status().undelivered == 0 and store.outbox_status().last_error is None


async def test_wrong_secret_and_unreachable_receiver_fail_visibly(store, receiver):
    enqueue_decision(store, decision_id=1, domain="d.com", action="confirm", operator="ann",
                     phase="available", reason="r", now=T0)
    wrong = WebhookSender(store, WebhookSettings(url=receiver["url"], retries=0), "not-the-secret",
                          clock=Clock(T0))
    try:
        report = await wrong.run_once()
    finally:
        await wrong.aclose()
    assert report.failed == 1 and receiver["bad_signatures"] == 1
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    later = Clock(T0 + timedelta(hours=2))
    down = WebhookSender(store, WebhookSettings(url=f"http://127.0.0.1:{port}/hook", retries=0), SECRET,
                         clock=later)
    try:
        report = await down.run_once()
    finally:
        await down.aclose()
    status = store.outbox_status()
    assert "cannot reach" in (report.last_error or "") and status.undelivered == 1 and status.failing == 1
    assert store.outbox_items()[0]["attempts"] == 2


def test_backoff_doubles_and_is_capped(store):
    sender = WebhookSender(store, WebhookSettings(url="https://hooks.example/x"), None, clock=Clock(T0))
    assert [sender.backoff(n).total_seconds() for n in (1, 2, 3, 7, 30)] == [60, 120, 240, 3600, 3600]


def test_plain_http_to_a_remote_host_is_refused(store):
    with pytest.raises(ValueError, match="https"):
        WebhookSender(store, WebhookSettings(url="http://hooks.example/x"), SECRET, clock=Clock(T0))
    with pytest.raises(ValueError, match="no webhook URL"):
        WebhookSender(store, WebhookSettings(), SECRET, clock=Clock(T0))


def test_a_recorded_decision_becomes_a_notification(store):
    decision_id = store.insert_decision(
        at="2026-07-01T12:00:00Z", operator="ann", action="confirm", domain="gone.com", phase="available",
        check_id=3, reason="dropped", until=None, proposal_ids=[1],
        emails=[{"email_id": 1, "account_id": "a1", "address": "x@gone.com"}])
    item = store.due_events(T0)[0]
    payload = json.loads(item.payload)
    assert item.event == "decision" and payload["decision_id"] == decision_id
    assert payload["emails"] == ["x@gone.com"] and payload["operator"] == "ann"
    assert store.enqueue_decision_event(99999) is None


def test_entering_an_unverify_phase_and_deciding_both_queue_a_notification(tmp_path):
    """Wired end to end: a check into redemption and the operator's decision each leave one
    outbox row, written in the same transaction as their cause (migration 6)."""
    from domainwatch_tui.core.checking import record_observation
    from domainwatch_tui.core.decisions import decide
    from domainwatch_tui.core.model import Observation, PolicySettings
    from domainwatch_tui.core.store import Store
    from review_support import Addr, evidence, seed

    s = Store(tmp_path / "e.db")
    seed(s, [Addr("a1", "ann@lapse.com")], now=T0)
    record_observation(s, Observation(evidence("lapse.com", "redemption", now=T0), T0, 1.0), now=T0,
                       policy=PolicySettings())
    assert [item.event for item in s.due_events(T0)] == ["phase.entered"]
    result = decide(s, "lapse.com", "confirm", operator="ann", reason="not renewed", now=T0)
    items = s.due_events(T0)
    assert [item.event for item in items] == ["phase.entered", "decision"]
    payload = json.loads(items[1].payload)
    assert payload["decision_id"] == result.decision_ids[0] and payload["emails"] == ["ann@lapse.com"]
    s.close()

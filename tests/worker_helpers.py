"""Shared helpers for the worker tests: a fake clock, a fake checker, a store with domains."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from domainwatch_tui.core.model import Evidence, Observation
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.timefmt import to_iso

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self, at: datetime = T0):
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def active(domain: str, now: datetime) -> Evidence:
    return Evidence(domain=domain, http_status=200, statuses=("active",),
                    registered_at=datetime(2015, 1, 1, tzinfo=UTC), expires_at=now + timedelta(days=400))


def redemption(domain: str, now: datetime) -> Evidence:
    return Evidence(domain=domain, http_status=200, statuses=("redemption period",),
                    registered_at=datetime(2015, 1, 1, tzinfo=UTC), expires_at=now - timedelta(days=35))


def available(domain: str, now: datetime) -> Evidence:
    return Evidence(domain=domain, http_status=404, not_found=True)


def failing(domain: str, now: datetime) -> Evidence:
    return Evidence(domain=domain, error="the RDAP server answered HTTP 500", http_status=500)


class FakeChecker:
    """A Checker whose answers are chosen per domain; records every fetch."""

    backend = "rdap"

    def __init__(self, clock: Callable[[], datetime],
                 answers: dict[str, Callable[[str, datetime], Evidence]] | None = None,
                 *, delay: float = 0.0, raises: set[str] | None = None):
        self.clock = clock
        self.answers = answers or {}
        self.delay = delay
        self.raises = raises or set()
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.closed = False

    async def fetch(self, domain: str) -> Observation:
        self.calls.append(domain)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if domain in self.raises:
                raise RuntimeError("checker bug")
            make = self.answers.get(domain, active)
            return Observation(evidence=make(domain, self.clock()), checked_at=self.clock(), duration_ms=1.0)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        self.closed = True


def add_domains(store: Store, names: list[str], *, now: datetime, risks: dict[str, float] | None = None,
                exempt: tuple[str, ...] = ()) -> None:
    for name in names:
        store.add_domain(name, None, now=now, exempt=name in exempt)
    for name, risk in (risks or {}).items():
        store.execute("UPDATE domains SET risk = ? WHERE name = ?", (risk, name))


def next_check(store: Store, name: str) -> str | None:
    return store.domain_row(name)["next_check_at"]


def iso(value: datetime) -> str:
    return to_iso(value) or ""


class LoopbackReceiver:
    """A webhook receiver on 127.0.0.1 in a thread: records what it got, checks the signature.

    `fail` answers 503 to every POST; `.url`, `.got` [(event, delivery id, payload)],
    `.bad_signatures`. Use as a context manager."""

    def __init__(self, secret: str, *, fail: bool = False):
        import http.server
        import json
        import threading

        from domainwatch_tui.core.webhooks import SIGNATURE_HEADER, verify

        self.got: list[tuple[str, int, dict]] = []
        self.bad_signatures = 0
        self.fail = fail
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not verify(secret, body, self.headers.get(SIGNATURE_HEADER)):
                    receiver.bad_signatures += 1
                    status = 401
                elif receiver.fail:
                    status = 503
                else:
                    receiver.got.append((self.headers["X-Domainwatch-Event"],
                                         int(self.headers["X-Domainwatch-Delivery"]), json.loads(body)))
                    status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

"""The loopback RDAP simulator: a real HTTP server (aiohttp.web) answering from a scenario.

Routes: `GET /domain/{name}` (the RDAP query), `GET /r/{n}/domain/{name}` (the hops of a
redirect chain) and `GET /dns.json` (a bootstrap file pointing every scenario TLD here, for
`rdap-bootstrap update --url`). Every request is recorded (monotonic time, domain, path) so
tests can assert on what the client actually sent. Time comes from an injectable clock, so the
demo can move domains along their timelines with simulated time.

`SimulatorThread` runs it in a background thread (tests, the demo); `serve_forever` runs it in
the foreground (`domainwatch simulate-rdap`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from domainwatch_tui.core.timefmt import Clock, system_clock, to_iso
from domainwatch_tui.simulator.rdap_shapes import (
    domain_object,
    format_date,
    not_found_object,
    phase_facts,
    stable_handle,
)
from domainwatch_tui.simulator.scenario import Scenario

RDAP_JSON = "application/rdap+json"
#: TLDs the generated bootstrap file always maps (domains not in the scenario get the default).
COMMON_TLDS = ("com", "net", "org", "io", "dev", "app", "de", "uk", "test", "example")
_MARKER = "zzsimdomainmarkerzz"
_SENTINEL = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


@dataclass(frozen=True)
class RequestRecord:
    """One request the simulator received."""

    at: float  # time.monotonic()
    domain: str
    path: str


class RdapSimulator:
    """The request handlers and the mutable state (scenario, counters, request log)."""

    def __init__(self, scenario: Scenario, *, clock: Clock | None = None):
        self.clock: Clock = clock or system_clock
        self.base_url = "http://127.0.0.1/"
        self.requests: list[RequestRecord] = []
        self.set_scenario(scenario)

    def set_scenario(self, scenario: Scenario) -> None:
        """Replace the scenario (fault counters and the request log start afresh)."""
        self.scenario = scenario
        self.anchor = scenario.anchor or self.clock().replace(microsecond=0)
        self._counts: dict[str, int] = {}
        self._templates: dict[tuple, tuple[str, str, str, str, str]] = {}
        self._dates: dict[tuple[datetime, str], str] = {}
        self.requests = []
        self.in_flight = 0
        self.max_in_flight = 0

    def bootstrap_document(self, extra_tlds: tuple[str, ...] = COMMON_TLDS) -> dict:
        tlds = sorted(set(self.scenario.tlds()) | set(extra_tlds))
        return {"version": "1.0", "publication": to_iso(self.clock()),
                "description": "domainwatch RDAP simulator (loopback)",
                "services": [[tlds, [self.base_url]]]}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/domain/{name}", self.handle_domain)
        app.router.add_get("/r/{hops}/domain/{name}", self.handle_domain)
        app.router.add_get("/dns.json", self.handle_bootstrap)
        return app

    async def handle_bootstrap(self, request: web.Request) -> web.Response:
        return web.json_response(self.bootstrap_document())

    async def handle_domain(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"].strip().rstrip(".").lower()
        self.requests.append(RequestRecord(time.monotonic(), name, request.path))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._handle(request, name)
        finally:
            self.in_flight -= 1

    async def _handle(self, request: web.Request, name: str) -> web.StreamResponse:
        spec = self.scenario.spec(name)
        latency = spec.latency_ms if spec.latency_ms is not None else self.scenario.latency_ms
        if latency:
            await asyncio.sleep(latency / 1000.0)
        hops_done = int(request.match_info.get("hops", "0") or 0)
        count = self._counts.get(name, 0) + (0 if hops_done else 1)
        self._counts[name] = count
        fault = spec.fault
        if fault and spec.fault_count is not None and count > spec.fault_count:
            fault = None
        if fault:
            response = await self._fault(fault, name, spec, hops_done, request)
            if response is not None:
                return response
        return self._answer(name, spec)

    def _answer(self, name: str, spec, *, ldh: str | None = None, klass: str | None = None) -> web.Response:
        now = self.clock()
        if spec.raw is not None:
            body = spec.raw["body"]
            text = body if isinstance(body, str) else json.dumps(body)
            return web.Response(status=int(spec.raw.get("status", 200)), text=text,
                                content_type=spec.raw.get("content_type", RDAP_JSON))
        phase, facts, began = spec.step_at(now)
        if phase in ("available", "reserved"):
            return web.Response(status=404, text=json.dumps(not_found_object(
                name, reserved=phase == "reserved")), content_type=RDAP_JSON)
        style = spec.date_style or self.scenario.date_style
        if ldh is None and klass is None:
            return web.Response(body=self._rendered(name, phase, facts, began, style, now),
                                content_type=RDAP_JSON)
        obj = domain_object(name, self._facts(name, phase, facts, began), base_url=self.base_url,
                            now=now, date_style=style)
        if ldh is not None:
            obj["ldhName"] = ldh
        if klass is not None:
            obj["objectClassName"] = klass
        return web.Response(text=json.dumps(obj), content_type=RDAP_JSON)

    def _facts(self, name: str, phase: str, facts: dict, began: datetime | None):
        f = phase_facts(phase, name, anchor=self.anchor, step_at=began or self.anchor)
        for key, value in facts.items():
            setattr(f, key, value)
        return f

    def _rendered(self, name: str, phase: str, facts: dict, began: datetime | None, style: str,
                  now: datetime) -> bytes:
        """The answer's bytes from a template cached per (phase, step, style, overrides): only the
        domain, its handle and the database-update date differ between domains (fast path)."""
        tld = name.rsplit(".", 1)[-1]
        key = (phase, began, style, tld, json.dumps(facts, default=str, sort_keys=True) if facts else "")
        template = self._templates.get(key)
        if template is None:
            marker = f"{_MARKER}.{tld}"
            f = self._facts(marker, phase, facts, began)
            text = json.dumps(domain_object(marker, f, base_url=self.base_url, now=_SENTINEL,
                                            date_style=style))
            template = self._templates[key] = (text, f.handle, marker, marker.upper(),
                                               format_date(_SENTINEL, style))
        text, marker_handle, marker, marker_upper, sentinel_date = template
        if "handle" not in facts:
            text = text.replace(marker_handle, stable_handle(name, 2 if phase == "re_registered" else 1))
        dated = self._dates.get((now, style))
        if dated is None:  # one date text per second and style (the clock has second resolution)
            if len(self._dates) > 64:
                self._dates.clear()
            dated = self._dates[(now, style)] = format_date(now, style)
        text = (text.replace(marker, name).replace(marker_upper, name.upper())
                .replace(sentinel_date, dated))
        return text.encode()

    async def _fault(self, fault: str, name: str, spec, hops_done: int,
                     request: web.Request) -> web.StreamResponse | None:
        if fault == "429":
            return web.Response(status=429, headers={"Retry-After": spec.retry_after},
                                text='{"errorCode":429,"title":"Too Many Requests"}', content_type=RDAP_JSON)
        if fault in ("500", "503"):
            return web.Response(status=int(fault), text="Internal error", content_type="text/plain")
        if fault == "timeout":
            await asyncio.sleep(spec.sleep_seconds)
            return None
        if fault == "malformed_json":
            return web.Response(text='{"objectClassName": "domain", "ldhName": "' + name + '", "status": [',
                                content_type=RDAP_JSON)
        if fault == "not_json":
            return web.Response(text="<html><body>Service temporarily unavailable</body></html>",
                                content_type="text/html")
        if fault == "wrong_ldh":
            return self._answer(name, spec, ldh="someone-else.example")
        if fault == "wrong_class":
            return self._answer(name, spec, klass="entity")
        if fault in ("oversized", "oversized_chunked"):
            return await self._oversized(request, chunked=fault == "oversized_chunked", name=name)
        if fault == "redirect":
            if hops_done >= spec.redirects:
                return None
            return web.Response(status=302, headers={"Location": f"/r/{hops_done + 1}/domain/{name}"})
        if fault == "redirect_insecure":
            return web.Response(status=301, headers={"Location": f"http://rdap.example.net/domain/{name}"})
        return None

    async def _oversized(self, request: web.Request, *, chunked: bool, name: str) -> web.StreamResponse:
        size = 2 * 1024 * 1024
        response = web.StreamResponse(headers={"Content-Type": RDAP_JSON})
        if not chunked:
            response.content_length = size
        await response.prepare(request)
        head = ('{"objectClassName": "domain", "ldhName": "' + name + '", "remarks": ["').encode()
        chunk = b"x" * 65536
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write(head)
            sent = len(head)
            while sent + len(chunk) < size:
                await response.write(chunk)
                sent += len(chunk)
            await response.write(b"x" * (size - sent - 3) + b'"]}')
        return response


async def start(sim: RdapSimulator, *, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
    """Start serving `sim` on host:port (0 = a free port); sets `sim.base_url`."""
    runner = web.AppRunner(sim.app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()
    bound = runner.addresses[0][1]
    sim.base_url = f"http://{host}:{bound}/"
    return runner


def write_bootstrap(sim: RdapSimulator, path: Path, extra_tlds: tuple[str, ...] = COMMON_TLDS) -> Path:
    """Write a dns.json-shaped file mapping the scenario's TLDs (and common ones) to `sim`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sim.bootstrap_document(extra_tlds), indent=2) + "\n", encoding="utf-8")
    return path


class SimulatorThread:
    """The simulator on its own event loop in a daemon thread: `start()`, `.base_url`, `stop()`."""

    def __init__(self, scenario: Scenario, *, port: int = 0, clock: Clock | None = None):
        self.sim = RdapSimulator(scenario, clock=clock)
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        return self.sim.base_url

    @property
    def requests(self) -> list[RequestRecord]:
        return self.sim.requests

    def set_scenario(self, scenario: Scenario) -> None:
        self.sim.set_scenario(scenario)

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        self.sim.clock = clock

    def start(self) -> SimulatorThread:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._runner = loop.run_until_complete(start(self.sim, port=self.port))
            except BaseException as exc:
                self._error = exc
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="rdap-simulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._loop = None

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(scenario: Scenario, *, port: int = 0,
                  on_ready: Callable[[RdapSimulator], None] | None = None) -> None:
    """Serve in the foreground until interrupted (Ctrl-C)."""
    async def main() -> None:
        sim = RdapSimulator(scenario)
        runner = await start(sim, port=port)
        if on_ready is not None:
            on_ready(sim)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())

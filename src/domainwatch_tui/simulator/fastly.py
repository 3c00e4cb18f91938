"""A loopback stand-in for Fastly's Domain Research status API (tests and demos only).

Serves `GET /domain-management/v1/tools/status?domain=...` on 127.0.0.1 with the response shape of
the real API: `{"domain", "zone", "status", "scope", "tags"}` where `status` is Fastly's
space-separated token list, or `{"errors": [{"code", "message"}]}`. A request without the expected
`Fastly-Key` header gets 401, as from the real API.

Each domain of the table maps to a status string ("undelegated inactive", "active zone", ...) or
to a fault: `fault:timeout`, `fault:500`, `fault:429` (with Retry-After), `fault:malformed`,
`fault:wrong-domain`, `fault:oversized`. A domain not in the table answers `default_status`.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

STATUS_PATH = "/domain-management/v1/tools/status"
JSON = "application/json"


@dataclass
class FastlyScenario:
    """What the simulator answers: status strings or faults by domain, and request counts."""

    statuses: dict[str, str] = field(default_factory=dict)
    default_status: str = "active zone"
    token: str = "test-token"
    retry_after: int = 1
    hits: dict[str, int] = field(default_factory=dict)
    keys_seen: list[str] = field(default_factory=list)


def _zone(domain: str) -> str:
    return domain.rsplit(".", 1)[-1] if "." in domain else domain


def make_app(scenario: FastlyScenario) -> web.Application:
    """The aiohttp application serving `scenario`."""

    async def status(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Fastly-Key", "")
        scenario.keys_seen.append(key)
        if key != scenario.token:
            return web.json_response({"msg": "Provided credentials are missing or invalid"}, status=401)
        domain = request.query.get("domain", "").strip().lower()
        if not domain:
            return web.json_response({"errors": [{"code": 400, "message": "domain is required"}]},
                                     status=400)
        scenario.hits[domain] = scenario.hits.get(domain, 0) + 1
        answer = scenario.statuses.get(domain, scenario.default_status)
        if answer == "fault:timeout":
            await asyncio.sleep(30)
            return web.Response(status=504)
        if answer == "fault:500":
            return web.json_response({"errors": [{"code": 500, "message": "internal"}]}, status=500)
        if answer == "fault:429":
            return web.json_response({"errors": [{"code": 429, "message": "too many requests"}]},
                                     status=429, headers={"Retry-After": str(scenario.retry_after)})
        if answer == "fault:malformed":
            return web.Response(text='{"domain": "' + domain + '", "status": ', content_type=JSON)
        if answer == "fault:oversized":
            return web.Response(body=b'{"pad": "' + b"x" * (300 * 1024) + b'"}', content_type=JSON)
        if answer == "fault:not-found":
            return web.json_response({"errors": [{"code": 404, "message": "Domain not found"}]}, status=404)
        shown = "someone-else.example" if answer == "fault:wrong-domain" else domain
        if answer == "fault:wrong-domain":
            answer = "active zone"
        body = {"domain": shown, "zone": _zone(domain), "status": answer, "scope": "",
                "tags": "generic"}
        if request.query.get("scope"):
            body["scope"] = request.query["scope"]
        return web.Response(text=json.dumps(body), content_type=JSON)

    app = web.Application()
    app.router.add_get(STATUS_PATH, status)
    return app


class FastlySimulator:
    """`async with FastlySimulator(scenario) as sim:` serves on 127.0.0.1; `sim.base_url` to use."""

    def __init__(self, scenario: FastlyScenario | None = None, *, port: int = 0,
                 statuses: Mapping[str, str] | None = None):
        self.scenario = scenario or FastlyScenario()
        if statuses:
            self.scenario.statuses.update({k.lower(): v for k, v in statuses.items()})
        self.port = port
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> str:
        self._runner = web.AppRunner(make_app(self.scenario), handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FastlySimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

"""Fastly status backend: each token mapping, each failure, the token kept secret (loopback only)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from domainwatch_tui.core.fastly import (
    FastlyChecker,
    FastlyConfigError,
    FastlySettings,
    evidence_from_body,
    resolve_token,
)
from domainwatch_tui.core.fastly_rules import classify_fastly, fastly_tokens
from domainwatch_tui.core.model import Evidence, Phase, Prior
from domainwatch_tui.simulator.fastly import FastlyScenario, FastlySimulator

NOW = datetime(2026, 7, 1, tzinfo=UTC)
TOKEN = "s3cret-fastly-token"


def _ev(status: str, **kw) -> Evidence:
    return Evidence(domain="example.com", backend="fastly", backend_statuses=fastly_tokens(status), **kw)


@pytest.mark.parametrize(
    ("status", "prior", "phase", "needle"),
    [
        ("undelegated inactive", Phase.ACTIVE, Phase.AVAILABLE, "available to register"),
        ("inactive premium", Phase.UNCHECKED, Phase.AVAILABLE, "available"),
        ("undelegated", Phase.ACTIVE, Phase.UNKNOWN, "neither registered nor expired"),
        ("unknown", Phase.ACTIVE, Phase.UNKNOWN, "authoritative"),
        ("undelegated unknown", Phase.ACTIVE, Phase.UNKNOWN, "authoritative"),
        ("active expiring", Phase.ACTIVE, Phase.GRACE, "best-effort"),
        ("active expiring", Phase.REDEMPTION, Phase.REDEMPTION, "best-effort"),
        ("deleting", Phase.REDEMPTION, Phase.PENDING_DELETE, "best-effort"),
        ("undelegated deleting", Phase.ACTIVE, Phase.PENDING_DELETE, "best-effort"),
        ("active zone", Phase.ACTIVE, Phase.ACTIVE, "no expiry date"),
        ("active parked marketed", Phase.ACTIVE, Phase.ACTIVE, "aftermarket"),
        ("undelegated active", Phase.UNCHECKED, Phase.ACTIVE, "not delegated"),
        ("active", Phase.AVAILABLE, Phase.RE_REGISTERED, "new registration"),
        ("active", Phase.PENDING_DELETE, Phase.RE_REGISTERED, "new registration"),
        ("active", Phase.RE_REGISTERED, Phase.RE_REGISTERED, "re-registered"),
        ("reserved", Phase.UNCHECKED, Phase.UNKNOWN, "not registrable"),
        ("undelegated disallowed", Phase.UNCHECKED, Phase.UNKNOWN, "not registrable"),
        ("zone tld", Phase.UNCHECKED, Phase.UNKNOWN, "no token"),
    ],
)
def test_token_mapping(status, prior, phase, needle):
    result = classify_fastly(_ev(status), NOW, Prior(phase=prior))
    assert result.phase == phase
    assert needle in " ".join(result.reasons)


def test_best_effort_is_only_on_guessed_mappings():
    assert "best-effort" not in " ".join(classify_fastly(_ev("inactive"), NOW, Prior()).reasons)
    assert "best-effort" in " ".join(classify_fastly(_ev("expiring"), NOW, Prior()).reasons)


def test_error_and_empty_are_unknown():
    assert classify_fastly(_ev("active", error="boom"), NOW, Prior()).phase == Phase.UNKNOWN
    assert classify_fastly(_ev(""), NOW, Prior()).phase == Phase.UNKNOWN


def test_tokens_are_cleaned():
    tokens = fastly_tokens("  Undelegated   INACTIVE inactive x\x1b[31m ")
    assert tokens == ("undelegated", "inactive", "x31m")
    assert fastly_tokens(None) == ()
    assert fastly_tokens(["active"]) == ()


def test_the_check_path_hands_fastly_evidence_to_the_fastly_rules():
    from domainwatch_tui.core.checking import classify_evidence
    from domainwatch_tui.core.model import PolicySettings

    policy = PolicySettings()
    result = classify_evidence(_ev("undelegated inactive"), NOW, Prior(phase=Phase.ACTIVE), policy)
    assert result.phase == Phase.AVAILABLE  # RDAP's "inactive" would have meant "no nameservers"
    assert classify_evidence(_ev("deleting"), NOW, Prior(), policy).phase == Phase.PENDING_DELETE


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b'{"domain": "other.com", "status": "inactive"}', "answered for 'other.com'"),
        (200, b"[1, 2]", "not a JSON object"),
        (200, b"not json", "not a JSON object"),
        (200, b'{"domain": "example.com", "status": 7}', "no status"),
        (200, b'{"domain": "example.com", "errors": [{"message": "nope"}]}', "nope"),
        (401, b'{"msg": "bad key"}', "refused the API token"),
        (404, b'{"errors": [{"code": 404, "message": "Domain not found"}]}', "Domain not found"),
    ],
)
def test_bad_answers_are_errors(status, body, error):
    evidence = evidence_from_body("example.com", status, body)
    assert evidence.error is not None and error in evidence.error
    assert classify_fastly(evidence, NOW, Prior()).phase == Phase.UNKNOWN


def test_token_from_env_then_config():
    assert resolve_token("from-config", env={"DOMAINWATCH_FASTLY_KEY": "from-env"}) == "from-env"
    assert resolve_token("from-config", env={}) == "from-config"
    with pytest.raises(FastlyConfigError, match="DOMAINWATCH_FASTLY_KEY"):
        resolve_token(None, env={})


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(FastlyConfigError, match="https"):
        FastlyChecker(FastlySettings(base_url="http://api.fastly.com"), TOKEN, clock=lambda: NOW)


def _checker(base_url: str, token: str = TOKEN, **kw) -> FastlyChecker:
    settings = FastlySettings(base_url=base_url, requests_per_second=0, concurrency=0, **kw)
    return FastlyChecker(settings, token, clock=lambda: NOW, backoff_base=0.01)


async def test_checker_against_the_simulator(caplog):
    caplog.set_level(logging.DEBUG)
    scenario = FastlyScenario(token=TOKEN, statuses={
        "gone.com": "undelegated inactive", "alive.com": "active zone", "dying.com": "deleting",
    })
    async with FastlySimulator(scenario) as sim:
        checker = _checker(sim.base_url)
        try:
            gone = await checker.fetch("Gone.COM.")
            alive = await checker.fetch("alive.com")
            dying = await checker.fetch("dying.com")
        finally:
            await checker.aclose()
    assert gone.evidence.backend == "fastly"
    assert gone.evidence.backend_statuses == ("undelegated", "inactive")
    assert gone.evidence.error is None and gone.raw and b"inactive" in gone.raw
    assert classify_fastly(gone.evidence, NOW, Prior()).phase == Phase.AVAILABLE
    assert classify_fastly(alive.evidence, NOW, Prior()).phase == Phase.ACTIVE
    assert classify_fastly(dying.evidence, NOW, Prior()).phase == Phase.PENDING_DELETE
    assert scenario.keys_seen == [TOKEN] * 3
    assert TOKEN not in caplog.text and TOKEN not in repr(checker)
    assert all(TOKEN.encode() not in (o.raw or b"") for o in (gone, alive, dying))


@pytest.mark.parametrize(
    ("fault", "needle", "hits"),
    [
        ("fault:500", "server error (HTTP 500) (after 3 attempts)", 3),
        ("fault:429", "rate limited", 3),
        ("fault:malformed", "not a JSON object", 1),
        ("fault:wrong-domain", "someone-else.example", 1),
        ("fault:oversized", "larger than", 1),
        ("fault:not-found", "Domain not found", 1),
    ],
)
async def test_faults_become_unknown(fault, needle, hits):
    scenario = FastlyScenario(token=TOKEN, statuses={"x.com": fault}, retry_after=0)
    async with FastlySimulator(scenario) as sim:
        checker = _checker(sim.base_url)
        try:
            observation = await checker.fetch("x.com")
        finally:
            await checker.aclose()
    assert observation.evidence.error is not None and needle in observation.evidence.error
    assert classify_fastly(observation.evidence, NOW, Prior()).phase == Phase.UNKNOWN
    assert scenario.hits["x.com"] == hits


async def test_timeout_and_wrong_token_and_no_server():
    scenario = FastlyScenario(token=TOKEN, statuses={"slow.com": "fault:timeout"})
    async with FastlySimulator(scenario) as sim:
        slow = _checker(sim.base_url, timeout_seconds=0.2, retries=0)
        wrong = _checker(sim.base_url, token="not-the-token")
        try:
            timed_out = await slow.fetch("slow.com")
            refused = await wrong.fetch("a.com")
        finally:
            await slow.aclose()
            await wrong.aclose()
        base = sim.base_url
    assert "timed out" in (timed_out.evidence.error or "")
    assert "refused the API token (HTTP 401)" in (refused.evidence.error or "")
    assert "not-the-token" not in (refused.evidence.error or "")
    gone = _checker(base, retries=0)  # the simulator has stopped: connection refused
    try:
        down = await gone.fetch("a.com")
    finally:
        await gone.aclose()
    assert "cannot reach Fastly" in (down.evidence.error or "")


def test_check_command_with_the_fastly_backend(tmp_path, monkeypatch):
    """`domainwatch check --backend fastly --json` end to end against the simulator (in a thread)."""
    import asyncio
    import json
    import threading

    from click.testing import CliRunner

    from domainwatch_tui.cli import main

    scenario = FastlyScenario(token=TOKEN, statuses={"gone.com": "undelegated inactive",
                                                     "bad.com": "fault:500"})
    ready = threading.Event()
    stop: dict[str, object] = {}

    def serve() -> None:
        async def run() -> None:
            async with FastlySimulator(scenario) as sim:
                stop["url"], stop["event"] = sim.base_url, asyncio.Event()
                ready.set()
                await stop["event"].wait()  # type: ignore[union-attr]

        loop = asyncio.new_event_loop()
        stop["loop"] = loop
        loop.run_until_complete(run())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    config = tmp_path / "c.toml"
    config.write_text(f'[fastly]\nbase_url = "{stop["url"]}"\nretries = 0\n')
    db = tmp_path / "s.db"
    monkeypatch.setenv("DOMAINWATCH_FASTLY_KEY", TOKEN)
    try:
        result = CliRunner().invoke(main, ["--db", str(db), "--config", str(config), "check",
                                           "--backend", "fastly", "--json", "gone.com", "bad.com"])
        monkeypatch.delenv("DOMAINWATCH_FASTLY_KEY")
        no_token = CliRunner().invoke(main, ["--db", str(db), "--config", str(config), "check",
                                             "--backend", "fastly", "gone.com"])
    finally:
        loop = stop["loop"]
        loop.call_soon_threadsafe(stop["event"].set)  # type: ignore[union-attr]
        thread.join(10)
    rows = {r["domain"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert result.exit_code == 3  # bad.com ended unknown because of an error
    assert rows["gone.com"]["phase"] == "available" and rows["gone.com"]["backend"] == "fastly"
    assert rows["bad.com"]["phase"] == "unknown" and "HTTP 500" in rows["bad.com"]["error"]
    assert no_token.exit_code == 2 and "DOMAINWATCH_FASTLY_KEY" in no_token.output
    assert all(TOKEN.encode() not in f.read_bytes() for f in tmp_path.glob("s.db*"))

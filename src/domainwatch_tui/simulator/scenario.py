"""Simulator scenarios: which domain answers what, when.

A scenario is a JSON object:

```json
{
  "default": "available",            // domains not listed: "available" (404) or any phase
  "anchor": "2026-07-01T00:00:00Z",  // reference time of the dates (default: when loaded)
  "latency_ms": 0,                   // added to every answer
  "date_style": "z",                 // z | fraction | offset | offset_nocolon | naive
  "domains": {
    "example.com": {"phase": "active"},
    "slow.com": {"phase": "grace", "latency_ms": 300},
    "busy.com": {"phase": "active", "fault": "429", "retry_after": 1, "fault_count": 1},
    "moved.com": {"phase": "active", "fault": "redirect", "redirects": 2},
    "odd.com": {"raw": {"status": 200, "body": {"objectClassName": "domain"}}},
    "drop.com": {"phase": "active", "timeline": [
        {"at": "2026-07-02T00:00:00Z", "phase": "redemption"},
        {"at": "2026-08-01T00:00:00Z", "phase": "available"}]}
  }
}
```

A domain may override the facts of its phase: `registered`, `expires`, `registrar_expires`,
`handle`, `registrar`, `iana_id`, `statuses`, `nameservers` (also per timeline step). Faults:
`429` (Retry-After `retry_after`), `500`, `503`, `timeout` (sleeps `sleep_seconds`, default 30),
`malformed_json`, `not_json`, `oversized` (2 MiB, with Content-Length), `oversized_chunked`
(no Content-Length), `wrong_ldh`, `wrong_class`, `redirect` (`redirects` hops), `redirect_insecure`
(to plain http on a non-loopback host). `fault_count: N` limits a fault to the first N requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from domainwatch_tui.core.timefmt import parse_iso
from domainwatch_tui.simulator.rdap_shapes import DATE_STYLES, PHASES

FAULTS = ("429", "500", "503", "timeout", "malformed_json", "not_json", "oversized",
          "oversized_chunked", "wrong_ldh", "wrong_class", "redirect", "redirect_insecure")
FACT_KEYS = ("registered", "expires", "registrar_expires", "handle", "registrar", "iana_id",
             "statuses", "nameservers")
DOMAIN_KEYS = {"phase", "latency_ms", "fault", "fault_count", "retry_after", "sleep_seconds",
               "redirects", "raw", "timeline", "date_style", *FACT_KEYS}


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the domain and key."""


@dataclass
class Step:
    """From `at` on, the domain is in `phase` (with optional fact overrides)."""

    at: datetime
    phase: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class DomainSpec:
    """How one domain answers."""

    phase: str = "active"
    facts: dict[str, Any] = field(default_factory=dict)
    latency_ms: float | None = None
    fault: str | None = None
    fault_count: int | None = None
    retry_after: str = "1"
    sleep_seconds: float = 30.0
    redirects: int = 1
    raw: dict[str, Any] | None = None
    timeline: list[Step] = field(default_factory=list)
    date_style: str | None = None

    def step_at(self, now: datetime) -> tuple[str, dict[str, Any], datetime | None]:
        """(phase, facts, when it began) at `now`; before the first step, the base phase."""
        phase, facts, began = self.phase, dict(self.facts), None
        for step in self.timeline:
            if step.at <= now:
                phase, facts, began = step.phase, {**self.facts, **step.facts}, step.at
        return phase, facts, began


@dataclass
class Scenario:
    """The whole scenario: a default, an anchor time and the listed domains."""

    domains: dict[str, DomainSpec] = field(default_factory=dict)
    default: str = "available"
    anchor: datetime | None = None
    latency_ms: float = 0.0
    date_style: str = "z"

    def tlds(self) -> list[str]:
        """The TLDs the scenario's domains use (for the generated bootstrap file)."""
        return sorted({name.rsplit(".", 1)[-1] for name in self.domains if "." in name})

    def spec(self, domain: str) -> DomainSpec:
        found = self.domains.get(domain)
        return found if found is not None else DomainSpec(phase=self.default)


def _phase(value: Any, where: str) -> str:
    if value not in PHASES:
        raise ScenarioError(f"{where}: unknown phase {value!r} (phases: {', '.join(PHASES)})")
    return value


def _facts(body: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in FACT_KEYS:
        if key not in body:
            continue
        value = body[key]
        if key in ("registered", "expires", "registrar_expires"):
            try:
                out[key] = None if value is None else parse_iso(str(value))
            except ValueError as exc:
                raise ScenarioError(f"{where}.{key}: {exc}") from None
        elif key in ("statuses", "nameservers"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ScenarioError(f"{where}.{key}: expected a list of strings")
            out[key] = list(value)
        else:
            out[key] = str(value)
    return out


def _domain(name: str, body: Any) -> DomainSpec:
    where = f"domains.{name}"
    if isinstance(body, str):
        body = {"phase": body}
    if not isinstance(body, dict):
        raise ScenarioError(f"{where}: expected an object or a phase name")
    unknown = set(body) - DOMAIN_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    spec = DomainSpec(phase=_phase(body.get("phase", "active"), f"{where}.phase"),
                      facts=_facts(body, where))
    if "latency_ms" in body:
        spec.latency_ms = float(body["latency_ms"])
    fault = body.get("fault")
    if fault is not None:
        if str(fault) not in FAULTS:
            raise ScenarioError(f"{where}.fault: unknown fault {fault!r} (faults: {', '.join(FAULTS)})")
        spec.fault = str(fault)
    if "fault_count" in body:
        spec.fault_count = int(body["fault_count"])
    spec.retry_after = str(body.get("retry_after", "1"))
    spec.sleep_seconds = float(body.get("sleep_seconds", 30.0))
    spec.redirects = int(body.get("redirects", 1))
    if "raw" in body:
        raw = body["raw"]
        if not isinstance(raw, dict) or "body" not in raw:
            raise ScenarioError(f"{where}.raw: expected {{\"status\": N, \"body\": ...}}")
        spec.raw = raw
    if "date_style" in body:
        if body["date_style"] not in DATE_STYLES:
            raise ScenarioError(f"{where}.date_style: one of {', '.join(DATE_STYLES)}")
        spec.date_style = body["date_style"]
    steps = body.get("timeline") or []
    if not isinstance(steps, list):
        raise ScenarioError(f"{where}.timeline: expected a list of steps")
    for i, step in enumerate(steps):
        sw = f"{where}.timeline[{i}]"
        if not isinstance(step, dict) or "at" not in step or "phase" not in step:
            raise ScenarioError(f"{sw}: expected {{\"at\": ISO, \"phase\": ...}}")
        try:
            at = parse_iso(str(step["at"]))
        except ValueError as exc:
            raise ScenarioError(f"{sw}.at: {exc}") from None
        spec.timeline.append(Step(at=at, phase=_phase(step["phase"], f"{sw}.phase"),
                                  facts=_facts(step, sw)))
    spec.timeline.sort(key=lambda s: s.at)
    return spec


def scenario_from_dict(doc: Any) -> Scenario:
    """Validate a scenario document (see the module docstring)."""
    if not isinstance(doc, dict):
        raise ScenarioError("a scenario is a JSON object")
    domains = doc.get("domains", {})
    if not isinstance(domains, dict):
        raise ScenarioError("domains: expected an object of domain -> spec")
    scenario = Scenario(default=_phase(doc.get("default", "available"), "default"),
                        latency_ms=float(doc.get("latency_ms", 0.0)))
    style = doc.get("date_style", "z")
    if style not in DATE_STYLES:
        raise ScenarioError(f"date_style: one of {', '.join(DATE_STYLES)}")
    scenario.date_style = style
    if doc.get("anchor"):
        try:
            scenario.anchor = parse_iso(str(doc["anchor"]))
        except ValueError as exc:
            raise ScenarioError(f"anchor: {exc}") from None
    for name, body in domains.items():
        scenario.domains[name.strip().rstrip(".").lower()] = _domain(name, body)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError with the reason otherwise."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ScenarioError(f"{path}: not valid JSON: {exc}") from None
    try:
        return scenario_from_dict(doc)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def example_scenario_path() -> Path:
    """The example scenario shipped in the package (used by the docs and tests)."""
    from importlib import resources

    return Path(str(resources.files("domainwatch_tui").joinpath("data", "simulator-example.json")))

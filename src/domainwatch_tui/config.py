"""Settings: a TOML file plus `DOMAINWATCH_<SECTION>_<KEY>` environment variables.

Every key is declared once in `SPEC` with its type, default and a line of documentation
(the README's config table is made from the same words). An unknown key gets a warning; a
value of the wrong type is a `ConfigError` naming the key, the file and what was expected.
"""

from __future__ import annotations

import getpass
import os
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from domainwatch_tui.core.model import (
    DEFAULT_PHASE_WEIGHTS,
    Phase,
    PolicySettings,
    RdapSettings,
    RiskWeights,
)
from domainwatch_tui.core.schedule import ScheduleSettings, parse_duration

if TYPE_CHECKING:
    from domainwatch_tui.core.worker import WorkerSettings

APP_NAME = "domainwatch"


class ConfigError(Exception):
    """The config file or an environment variable is wrong; the message says how."""


@dataclass(frozen=True)
class Key:
    """One config key: its type ("int", "float", "str", "bool", "phases", "list", "table")."""

    kind: str
    default: Any
    doc: str


# section -> key -> Key. Sections of kind "table" hold free-form name = value pairs.
SPEC: dict[str, dict[str, Key]] = {
    "rdap": {
        "requests_per_second": Key("float", 5.0, "requests per second per RDAP host"),
        "concurrency": Key("int", 4, "requests in flight per RDAP host"),
        "timeout_seconds": Key("float", 10.0, "time limit of one RDAP request"),
        "retries": Key("int", 2, "retries after a 5xx, 429 or timeout before `unknown`"),
        "max_retry_after_seconds": Key("float", 60.0, "longest Retry-After honoured"),
        "bootstrap_file": Key("str", None, "an RDAP bootstrap file (IANA dns.json shape)"),
        "servers": Key("table", {}, "extra RDAP base URLs by TLD, e.g. de = \"https://...\""),
    },
    "fastly": {
        "base_url": Key("str", "https://api.fastly.com", "Fastly API base URL"),
        "timeout_seconds": Key("float", 10.0, "time limit of one Fastly request"),
        "key": Key("str", None, "the Fastly API token when $DOMAINWATCH_FASTLY_KEY is not set "
                                "(never stored in the database, never logged)"),
        "requests_per_second": Key("float", 5.0, "requests per second to the Fastly API"),
        "concurrency": Key("int", 4, "Fastly requests in flight"),
        "retries": Key("int", 2, "retries after a 5xx, 429 or timeout before `unknown`"),
    },
    "backends": {
        "default": Key("str", "rdap", "the backend of `check` and the worker: rdap or fastly"),
        "by_tld": Key("table", {}, "backend by TLD (or suffix), e.g. { io = \"fastly\" }"),
    },
    "dns": {
        "enabled": Key("bool", False, "gather DNS signals (parking nameservers, NXDOMAIN, no MX)"),
        "timeout_seconds": Key("float", 3.0, "time limit of the DNS lookups of one domain"),
        "resolvers": Key("list", [], "resolver IP addresses; empty: the system's resolver"),
        "parking_nameservers": Key("list", [], "more registrar expiry/parking nameservers (names)"),
    },
    "registrar_rdap": {
        "enabled": Key("bool", False, "for thin registries, also ask the registrar's RDAP server "
                                      "(same politeness) and compare expiry dates"),
    },
    "webhook": {
        "url": Key("str", None, "POST JSON here on entering an unverify phase and on every decision"),
        "secret": Key("str", None, "HMAC-SHA256 key when $DOMAINWATCH_WEBHOOK_SECRET is not set"),
        "timeout_seconds": Key("float", 10.0, "time limit of one webhook POST"),
        "retries": Key("int", 2, "immediate retries of a failed POST before it is rescheduled"),
        "backoff_seconds": Key("float", 60.0, "first wait before a failed notification is retried "
                                              "(doubles each time)"),
        "max_backoff_seconds": Key("float", 3600.0, "longest wait between retries (never given up)"),
    },
    "policy": {
        "expiring_days": Key("int", 30, "a healthy domain expiring within this many days is `expiring`"),
        "unverify_phases": Key(
            "phases",
            ["re_registered", "available", "pending_delete", "redemption"],
            "phases whose verified addresses get a proposal to un-verify",
        ),
        "warn_phases": Key("phases", ["grace", "expiring"], "phases shown as warnings"),
        "auto_confirm_phases": Key(
            "phases", [], "phases whose proposals are confirmed with no person (as PyPI does)"
        ),
    },
    "providers": {
        "exempt": Key("list", [], "more mailbox providers to exempt (domains or `name.*`)"),
    },
    # Dashboard keys by binding id (tui/bindings.py): Textual key names, several separated by commas.
    "keys": {
        "help": Key("str", None, "help screen (default `question_mark`, i.e. ?)"),
        "quit": Key("str", None, "quit (default `q`)"),
        "filter": Key("str", None, "focus the filter (default `slash`, i.e. /)"),
        "back": Key("str", None, "go back, or clear the filter (default `escape`)"),
        "open": Key("str", None, "open the selected row (default `enter`)"),
        "down": Key("str", None, "next row (default `j`; arrows always work)"),
        "up": Key("str", None, "previous row (default `k`)"),
        "check": Key("str", None, "check the selected domain now (default `c`)"),
        "check_group": Key("str", None, "check every domain of the group (default `C`)"),
        "confirm": Key("str", None, "confirm un-verification (default `u`)"),
        "override": Key("str", None, "override: keep verified, with a reason (default `o`)"),
        "revert": Key("str", None, "revert: re-verify (default `r`)"),
        "accounts": Key("str", None, "the accounts of the selected domain (default `a`)"),
        "audit": Key("str", None, "audit log (default `l`)"),
        "pause": Key("str", None, "pause or resume the worker (default `p`)"),
        "refresh": Key("str", None, "re-read the store (default `f5`)"),
    },
    # The risk formula (core/risk.py): phase weight x exposure of each account on the domain.
    "risk": {
        "phase_weights": Key("table", {}, "risk weight by phase, e.g. redemption = 40 (defaults in "
                                          "core/model.py DEFAULT_PHASE_WEIGHTS)"),
        "no_2fa": Key("float", 2.0, "risk multiplier for an account without 2FA (or not known)"),
        "only_verified": Key("float", 1.5, "multiplier when the address is the account's only verified one"),
        "packages": Key("float", 0.5, "x (1 + packages * ln(1 + number of packages))"),
        "downloads": Key("float", 0.25, "x (1 + downloads * log10(1 + monthly downloads))"),
    },
    # Durations: seconds, or text such as "30d", "12h", "90m", "1d12h".
    "schedule": {
        "active": Key("duration", "30d", "recheck of an active domain expiring more than 60 days out"),
        "within_60_days": Key("duration", "7d", "recheck of an active domain expiring within 60 days"),
        "within_14_days": Key("duration", "1d", "recheck of an active domain expiring within 14 days"),
        "expiring": Key("duration", "1d", "recheck of an `expiring` domain"),
        "grace": Key("duration", "1d", "recheck of a domain in `grace`"),
        "redemption": Key("duration", "12h", "recheck of a domain in `redemption`"),
        "pending_delete": Key("duration", "2h", "recheck of a `pending_delete` domain"),
        "available": Key("duration", "1h", "recheck of an `available` domain"),
        "re_registered": Key("duration", "1d", "recheck of a `re_registered` domain"),
        "unknown_backoff": Key("durations", ["1h", "6h", "24h"],
                               "recheck of `unknown` after the 1st, 2nd, 3rd and later errors"),
        "jitter": Key("float", 0.1, "each interval varies by +/- this fraction, to spread checks"),
    },
    "worker": {
        "max_in_flight": Key("int", 64, "checks the worker keeps in flight (all hosts together)"),
        "batch_size": Key("int", 64, "checks written per transaction at most"),
        "batch_seconds": Key("float", 0.5, "longest a finished check waits before it is written"),
        "heartbeat_seconds": Key("float", 5.0, "how often the worker renews its lease"),
        "lease_timeout_seconds": Key("float", 60.0, "a lease not renewed for this long is taken over"),
        "idle_poll_seconds": Key("float", 60.0, "longest sleep while nothing is due (new domains)"),
        "summary_seconds": Key("float", 60.0, "a summary line on standard error this often"),
        "stop_grace_seconds": Key("float", 3.0, "on stop, how long in-flight checks may finish"),
    },
}


@dataclass
class Config:
    """Loaded settings: `values[section][key]`, plus where they came from."""

    values: dict[str, dict[str, Any]]
    source: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def policy(self) -> PolicySettings:
        p = self.values["policy"]
        return PolicySettings(
            expiring_days=p["expiring_days"],
            unverify_phases=tuple(Phase(v) for v in p["unverify_phases"]),
            warn_phases=tuple(Phase(v) for v in p["warn_phases"]),
            auto_confirm_phases=tuple(Phase(v) for v in p["auto_confirm_phases"]),
            risk=risk_weights(self.values["risk"], self.source),
        )

    def schedule(self) -> ScheduleSettings:
        """The `[schedule]` section as `ScheduleSettings` (durations already in seconds)."""
        s = self.values["schedule"]
        return ScheduleSettings(
            active_far=s["active"],
            within_60_days=s["within_60_days"],
            within_14_days=s["within_14_days"],
            expiring=s["expiring"],
            grace=s["grace"],
            redemption=s["redemption"],
            pending_delete=s["pending_delete"],
            available=s["available"],
            re_registered=s["re_registered"],
            unknown_backoff=tuple(s["unknown_backoff"]),
            jitter=s["jitter"],
        )

    def worker(self) -> WorkerSettings:
        """The `[worker]` section as `WorkerSettings` (out-of-range values clamped)."""
        from domainwatch_tui.core.worker import WorkerSettings

        w = self.values["worker"]
        return WorkerSettings(
            max_in_flight=max(1, w["max_in_flight"]),
            batch_size=max(1, w["batch_size"]),
            batch_seconds=max(0.0, w["batch_seconds"]),
            heartbeat_seconds=max(0.1, w["heartbeat_seconds"]),
            lease_timeout_seconds=max(1.0, w["lease_timeout_seconds"]),
            idle_poll_seconds=max(0.1, w["idle_poll_seconds"]),
            summary_seconds=max(1.0, w["summary_seconds"]),
            stop_grace_seconds=max(0.0, min(w["stop_grace_seconds"], 4.0)),
        )

    def rdap(self) -> RdapSettings:
        r = self.values["rdap"]
        return RdapSettings(
            requests_per_second=r["requests_per_second"],
            concurrency=r["concurrency"],
            timeout_seconds=r["timeout_seconds"],
            retries=r["retries"],
            max_retry_after_seconds=r["max_retry_after_seconds"],
            bootstrap_file=r["bootstrap_file"],
            servers=dict(r["servers"]),
        )


def risk_weights(values: dict[str, Any], source: Path | None = None) -> RiskWeights:
    """The `[risk]` section as `RiskWeights`; an unknown phase or a non-number is a ConfigError."""
    weights = dict(DEFAULT_PHASE_WEIGHTS)
    for name, value in values.get("phase_weights", {}).items():
        where = f"{source or 'config'}: risk.phase_weights.{name}"
        try:
            phase = Phase(name)
        except ValueError:
            raise ConfigError(f"{where}: unknown phase {name!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: expected a number >= 0, got {value!r}")
        weights[phase] = float(value)
    return RiskWeights(phase_weights=weights, no_2fa=values["no_2fa"], only_verified=values["only_verified"],
                       packages=values["packages"], downloads=values["downloads"])


def default_db_path() -> Path:
    """`$DOMAINWATCH_DB`, else `domainwatch.db` in the platform's user data folder."""
    env = os.environ.get("DOMAINWATCH_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "domainwatch.db"


def default_config_path() -> Path:
    """`$DOMAINWATCH_CONFIG`, else `config.toml` in the platform's user config folder."""
    env = os.environ.get("DOMAINWATCH_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    """The platform's user data folder for domainwatch (created on demand by callers)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_operator() -> str:
    """`$DOMAINWATCH_OPERATOR`, else the login name."""
    env = os.environ.get("DOMAINWATCH_OPERATOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown-operator"


def load_config(path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the TOML file (missing is fine unless it was named explicitly) and the environment."""
    env = dict(os.environ if env is None else env)
    explicit = path is not None
    path = path if path is not None else default_config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    elif explicit:
        raise ConfigError(f"{path}: no such config file")
    cfg = Config(values={s: {k: _default(v) for k, v in keys.items()} for s, keys in SPEC.items()},
                 source=path if path.exists() else None)
    for section, body in raw.items():
        if section not in SPEC:
            cfg.warnings.append(f"{path}: unknown section [{section}] ignored")
            continue
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key, value in body.items():
            spec = SPEC[section].get(key)
            if spec is None:
                cfg.warnings.append(f"{path}: unknown key {section}.{key} ignored")
                continue
            cfg.values[section][key] = _check(value, spec, f"{path}: {section}.{key}")
    _apply_env(cfg, env)
    for message in cfg.warnings:
        warnings.warn(message, stacklevel=2)
    return cfg


def _apply_env(cfg: Config, env: dict[str, str]) -> None:
    fixed = {"DOMAINWATCH_DB", "DOMAINWATCH_CONFIG", "DOMAINWATCH_OPERATOR", "DOMAINWATCH_FASTLY_KEY"}
    for name, text in env.items():
        if not name.startswith("DOMAINWATCH_") or name in fixed:
            continue
        rest = name[len("DOMAINWATCH_"):].lower()
        for section, keys in SPEC.items():
            prefix = section + "_"
            if rest.startswith(prefix) and rest[len(prefix):] in keys:
                key = rest[len(prefix):]
                cfg.values[section][key] = _check(_from_env(text, keys[key]), keys[key], name)
                break
        else:
            cfg.warnings.append(f"unknown environment variable {name} ignored")


def _from_env(text: str, spec: Key) -> Any:
    if spec.kind in ("phases", "list", "durations"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if spec.kind == "table":
        try:
            return tomllib.loads(f"t = {text}")["t"]
        except tomllib.TOMLDecodeError:
            return text
    if spec.kind == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if spec.kind == "float":
        try:
            return float(text)
        except ValueError:
            return text
    if spec.kind == "bool":
        low = text.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
    return text


def _check(value: Any, spec: Key, where: str) -> Any:
    kind = spec.kind
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind in ("list", "phases"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        if kind == "phases":
            known = {p.value for p in Phase}
            bad = [v for v in value if v not in known]
            if bad:
                raise ConfigError(
                    f"{where}: unknown phase {bad[0]!r} (phases: {', '.join(sorted(known))})"
                )
        return list(value)
    if kind == "duration":
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if kind == "durations":
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: expected a non-empty list of durations, got {value!r}")
        try:
            return [parse_duration(v) for v in value]
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if kind == "table":
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return dict(value)
    raise AssertionError(kind)


def _default(spec: Key) -> Any:
    """A key's default as a value (durations written "30d" in SPEC become seconds)."""
    if spec.kind in ("duration", "durations"):
        return _check(_copy(spec.default), spec, "default")
    return _copy(spec.default)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value

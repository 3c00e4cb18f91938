"""The worker's parts that need no event loop: settings, lease staleness, the batch writer.

`write_batch` records finished checks in one transaction (one by one if the batch fails) and
may run on any thread: the worker calls it on a helper thread so that its event loop (fetches,
the politeness timers) keeps running while SQLite writes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domainwatch_tui.core.model import CheckOutcome, Observation, PolicySettings
from domainwatch_tui.core.schedule import ScheduleSettings
from domainwatch_tui.core.store import Store
from domainwatch_tui.core.store.lease import LeaseInfo
from domainwatch_tui.core.timefmt import Clock

#: `record_observation`'s shape: (store, observation, *, now, policy, schedule) -> CheckOutcome.
Recorder = Callable[..., CheckOutcome]


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """The `[worker]` config section."""

    max_in_flight: int = 64
    batch_size: int = 64
    batch_seconds: float = 0.5
    heartbeat_seconds: float = 5.0
    lease_timeout_seconds: float = 60.0
    idle_poll_seconds: float = 60.0
    summary_seconds: float = 60.0
    stop_grace_seconds: float = 3.0
    progress_seconds: float = 0.25  # how often `on_progress` is called while running
    lapse_seconds: float = 60.0  # expired overrides are ended at least this often
    notify_seconds: float = 5.0  # the webhook outbox is delivered this often (and after changes)


def make_holder_id() -> str:
    """`host:pid:random`, unique per worker even within one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_is_dead(lease: LeaseInfo, *, now: datetime, timeout: float, host: str) -> bool:
    """A stale lease: no heartbeat for `timeout` seconds, or its pid is gone on this host."""
    if (now - lease.heartbeat_at).total_seconds() > timeout:
        return True
    return bool(lease.host == host and lease.pid and not pid_alive(lease.pid))


def write_batch(store: Store, batch: list[Observation], failed: list[str], *, record: Recorder,
                clock: Clock, policy: PolicySettings,
                schedule: ScheduleSettings) -> tuple[list[CheckOutcome], list[tuple[str, str]]]:
    """Record `batch` in one transaction (one by one if that fails) and push back `failed`.

    A check that cannot be recorded, and each domain in `failed` (its fetch raised), gets its
    next check moved by the first backoff step so it is not retried in a tight loop. Returns
    the outcomes and the (domain, message) of each check not recorded. A locked or failing
    store (`sqlite3.OperationalError`) propagates: nothing of the batch was written then.
    """
    problems: list[tuple[str, str]] = []
    now = clock()
    kwargs: dict[str, Any] = {"now": now, "policy": policy, "schedule": schedule}
    outcomes: list[CheckOutcome] = []
    if batch:
        try:
            with store.transaction(), store.deferred_risk():  # one risk refresh per batch
                outcomes = [record(store, obs, **kwargs) for obs in batch]
        except sqlite3.OperationalError:
            raise
        except Exception:
            outcomes = []
            for obs in batch:
                try:
                    with store.transaction():
                        outcomes.append(record(store, obs, **kwargs))
                except sqlite3.OperationalError:
                    raise
                except Exception as exc:
                    domain = obs.evidence.domain
                    problems.append((domain, f"{domain}: not recorded: {type(exc).__name__}: {exc}"))
                    failed = [*failed, domain]
    until = now + timedelta(seconds=(schedule.unknown_backoff or (3600.0,))[0])
    for domain in failed:
        with contextlib.suppress(sqlite3.Error):
            store.postpone_check(domain, until)
    return outcomes, problems


@dataclass
class PassState:
    """Book-keeping of one pass over the due domains."""

    done: int = 0
    total: int = 0
    errors: int = 0
    changes: int = 0
    queue: list[str] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)


def dead_check(now: datetime, *, timeout: float, host: str) -> Callable[[LeaseInfo], bool]:
    """`holder_is_dead` as of `now`, for `Store.acquire_lease(is_dead=...)`."""
    return lambda lease: holder_is_dead(lease, now=now, timeout=timeout, host=host)

"""What every command shares: the global options, the store, the config, JSON output, exit codes."""

from __future__ import annotations

import codecs
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from domainwatch_tui.config import Config, ConfigError, load_config
from domainwatch_tui.core.store import Store, StoreError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


@dataclass
class AppContext:
    """The global options after defaults were applied, and lazily opened resources."""

    db_path: Path
    config_path: Path | None
    operator: str
    _config: Config | None = field(default=None, repr=False)
    _stores: list[Store] = field(default_factory=list, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                fail(str(exc), code=EXIT_USAGE)
        return self._config

    def open_store(self, *, read_only: bool = False) -> Store:
        """Open (and migrate) the store, or exit 1 with a clear message."""
        try:
            store = Store(self.db_path, read_only=read_only)
        except StoreError as exc:
            fail(str(exc))
        self._stores.append(store)
        return store

    def close(self) -> None:
        for store in self._stores:
            store.close()
        self._stores.clear()


def get_ctx() -> AppContext:
    return click.get_current_context().find_object(AppContext)  # type: ignore[return-value]


def fail(message: str, code: int = EXIT_FAILURE) -> None:
    """Print `message` on standard error and exit with `code`."""
    click.echo(f"domainwatch: {message}", err=True)
    sys.exit(code)


def stdout_is_utf8() -> bool:
    """Whether standard output encodes UTF-8 (not so under a Latin-1 locale or a Windows code page)."""
    try:
        return codecs.lookup(getattr(sys.stdout, "encoding", None) or "ascii").name == "utf-8"
    except LookupError:
        return False


def emit_json(obj: Any) -> None:
    """One JSON document (or one JSON Lines row) on standard output, flushed at once.

    UTF-8 as it is; on a standard output that cannot encode every character, non-ASCII text is
    written as \\u escapes (the same JSON once parsed) instead of failing half-way. When the
    reader has gone (`... --json | head -1`), further output is dropped quietly: the command
    still finishes what it does (a check is still recorded) and exits with its own code.
    """
    try:
        sys.stdout.write(json.dumps(obj, ensure_ascii=not stdout_is_utf8(), sort_keys=False) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()


def _drop_stdout() -> None:
    """Standard output to /dev/null from now on (what is still buffered included)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the rest of the run


def info(message: str) -> None:
    """A message for the operator: standard error, never mixed with JSON output."""
    click.echo(message, err=True)

"""Commands of the foundation: import, summary, show."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []

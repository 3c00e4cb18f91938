"""The README documents every config key, and the commands it lists exist."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from domainwatch_tui.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_config_reference_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "config_reference.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_command_is_in_the_readme_and_has_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for name in main.commands:
        assert f"domainwatch {name}" in readme, f"README does not mention `domainwatch {name}`"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output

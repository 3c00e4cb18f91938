"""Write the README's config reference from `config.SPEC` (the one place keys are declared).

`python scripts/config_reference.py` rewrites the block between the config markers in
README.md; `--check` exits 1 when the README is out of date (a test runs that).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from domainwatch_tui.config import SPEC

START = "<!-- config:start (made by scripts/config_reference.py) -->"
END = "<!-- config:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _default(value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{}" if not value else json.dumps(value)
    return json.dumps(value)


def reference() -> str:
    lines = [START, "", "| key | type | default | what it does |", "|---|---|---|---|"]
    for section, keys in SPEC.items():
        for name, key in keys.items():
            env = f"DOMAINWATCH_{section.upper()}_{name.upper()}"
            doc = key.doc.replace("|", "\\|")
            lines.append(f"| `[{section}] {name}` | {key.kind} | `{_default(key.default)}` | {doc} "
                         f"(env `{env}`) |")
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print("README.md has no config markers", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + reference() + tail
    if "--check" in sys.argv:
        if new != text:
            print("README.md config reference is out of date: run scripts/config_reference.py",
                  file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Import benchmark: generate an export of N accounts, time `domainwatch import` of it.

    .venv/bin/python benchmarks/import_bench.py [--accounts 1000000] [--format csv|jsonl]
        [--seed 1] [--keep PATH] [--reimport]

The export looks like a package registry's: about 55% of addresses at big mailbox providers,
15% of accounts with a second address, and a long tail of about 136k custom domains (a few
with sub-domains and IDN names). The import runs as a child process (`python -m
domainwatch_tui`), so the peak memory reported is the importer's own (ru_maxrss of the child).
`--keep PATH` leaves the store at PATH (for the dashboard benchmarks). Run by hand; never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROVIDERS = [
    ("gmail.com", 40), ("outlook.com", 6), ("hotmail.com", 6), ("yahoo.com", 6), ("icloud.com", 4),
    ("qq.com", 4), ("163.com", 3), ("proton.me", 2), ("protonmail.com", 2), ("gmx.de", 2),
    ("web.de", 1), ("yandex.ru", 2), ("mail.ru", 2), ("live.com", 2), ("me.com", 1),
    ("fastmail.com", 1), ("googlemail.com", 1), ("gmx.net", 1),
]
TLDS = [("com", 50), ("net", 8), ("org", 8), ("io", 6), ("de", 6), ("co.uk", 4), ("dev", 3),
        ("fr", 2), ("nl", 2), ("ch", 1), ("xyz", 2), ("app", 2), ("ru", 2), ("jp", 1), ("com.au", 1),
        ("eu", 1), ("me", 1)]
WORDS = ("acme", "blue", "cloud", "data", "pixel", "north", "stack", "quantum", "river", "forge",
         "labs", "works", "byte", "nova", "delta", "orbit", "tiny", "mega", "green", "iron")
IDN = ("bücher", "münchen", "straße", "café", "日本", "пример", "ñandú")
CUSTOM_DOMAINS = 136_000
COLUMNS = ["account_id", "username", "email", "email_verified", "verified_at", "primary", "has_2fa",
           "packages", "downloads"]


def _custom_domain(i: int, rng: random.Random, tlds: list[str], tld_w: list[int]) -> str:
    tld = rng.choices(tlds, tld_w)[0]
    if i % 997 == 0:
        stem = f"{IDN[i % len(IDN)]}{i}"
    else:
        stem = f"{WORDS[i % len(WORDS)]}{WORDS[(i // 20) % len(WORDS)]}{i}"
    return f"{stem}.{tld}"


def generate(path: Path, accounts: int, fmt: str, seed: int) -> int:
    """Write the export; returns the number of rows (addresses)."""
    rng = random.Random(seed)
    tlds, tld_w = zip(*TLDS, strict=True)
    n_custom = max(1, CUSTOM_DOMAINS * accounts // 1_000_000)
    customs = [_custom_domain(i, rng, list(tlds), list(tld_w)) for i in range(n_custom)]
    prov, prov_w = zip(*PROVIDERS, strict=True)
    prov_cum = list(_cumulative(prov_w))
    rows = 0

    def address(user: str) -> str:
        if rng.random() < 0.55:
            return f"{user}@{prov[_pick(prov_cum, rng.random())]}"
        # a long tail: low indexes are popular (company domains), most are used once or twice
        dom = customs[int(n_custom * rng.random() ** 1.6)]
        if rng.random() < 0.03:
            dom = "mail." + dom
        return f"{user}@{dom}"

    with path.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            fh.write(",".join(COLUMNS) + "\n")
        for n in range(accounts):
            user = f"user{n}"
            has_2fa = "true" if rng.random() < 0.4 else "false"
            packages = int(rng.paretovariate(1.5))
            downloads = int(rng.paretovariate(0.8) * 10) if packages else 0
            emails = [address(user)]
            if rng.random() < 0.15:
                emails.append(address(f"{user}.alt"))
            for k, email in enumerate(emails):
                verified = "true" if rng.random() < 0.9 else "false"
                day = 1 + (n + k) % 28
                verified_at = f"2024-{1 + n % 12:02d}-{day:02d}T12:00:00Z"
                values = [f"a{n}", user, email, verified, verified_at, "true" if k == 0 else "false",
                          has_2fa, str(packages), str(downloads)]
                if fmt == "csv":
                    fh.write(",".join(values) + "\n")
                else:
                    fh.write(json.dumps(dict(zip(COLUMNS, values, strict=True))) + "\n")
                rows += 1
    return rows


def _cumulative(weights: tuple[int, ...]) -> list[float]:
    total = sum(weights)
    acc = 0.0
    out = []
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _pick(cum: list[float], x: float) -> int:
    for i, c in enumerate(cum):
        if x <= c:
            return i
    return len(cum) - 1


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and its descendants, from /proc (0 elsewhere)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            kids = [int(k) for k in fh.read().split()]
    except (OSError, ValueError):
        return total
    return total + sum(_tree_rss(k) for k in kids)


def run_import(db: Path, export: Path) -> dict:
    """One import in a child process: seconds, CPU seconds, peak RSS of the largest process
    (ru_maxrss) and of the whole process tree (sampled every 0.1 s), the --json result."""
    cmd = [sys.executable, "-m", "domainwatch_tui", "--db", str(db), "import", str(export), "--json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMAINWATCH_")}
    start = time.perf_counter()
    peak_tree = 0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    try:
        result = json.loads(text)
    except ValueError:
        raise SystemExit(f"import failed (exit {code}):\n{errors}") from None
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss * 1024,
            "tree_rss": peak_tree, "exit": code,
            "result": {k: v for k, v in result.items() if k != "rejects"}}


def _report(label: str, run: dict) -> None:
    print(f"{label}: {run['seconds']:.1f} s wall, {run['cpu']:.1f} s CPU, peak RSS "
          f"{run['maxrss'] / 2**20:.0f} MiB (largest process), {run['tree_rss'] / 2**20:.0f} MiB "
          f"(all processes, sampled); exit {run['exit']}; {run['result']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="leave the store at this path")
    ap.add_argument("--reimport", action="store_true", help="time a second import of the same file")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="dw-import-bench-") as tmp:
        export = Path(tmp) / f"export.{args.format}"
        t0 = time.perf_counter()
        rows = generate(export, args.accounts, args.format, args.seed)
        print(f"generated {args.accounts:,} accounts, {rows:,} rows, "
              f"{export.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        db = args.keep or Path(tmp) / "bench.db"
        load0 = os.getloadavg()
        if db.exists():
            raise SystemExit(f"{db} exists; remove it or choose another --keep path")
        _report("import", run_import(db, export))
        if args.reimport:
            _report("re-import", run_import(db, export))
        print(f"load average before/after: {load0} / {os.getloadavg()}", file=sys.stderr)
        if args.keep:
            print(f"store kept at {db}", file=sys.stderr)


if __name__ == "__main__":
    main()

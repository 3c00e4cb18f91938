"""Synthetic accounts for the demo: realistic-looking, deterministic for a seed.

`generate_accounts(n, seed, now)` returns import rows (the contract's import format) and the
custom domains they use. The mix follows what a package registry sees: about 55 % of the
addresses are at large mailbox providers (exempt), the rest at personal domains across many
TLDs (an IDN among them) and at a few organisations shared by many maintainers; 2FA, package
counts and monthly downloads vary with a long tail. A handful of featured accounts and
domains (`FEATURED`) are always present, whatever the seed, so that the scenario can tell
their story (a drop and re-registration, an IDN, a registrar name full of markup).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domainwatch_tui.core.addresses import AddressError, registrable_domain, to_alabel
from domainwatch_tui.core.timefmt import to_iso

#: Mailbox providers (all on the shipped exempt list) and how common they are.
PROVIDERS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 55), ("outlook.com", 6), ("hotmail.com", 5), ("yahoo.com", 5), ("icloud.com", 4),
    ("protonmail.com", 4), ("proton.me", 2), ("gmx.de", 3), ("web.de", 2), ("qq.com", 3),
    ("163.com", 2), ("yandex.ru", 2), ("mail.ru", 1), ("fastmail.com", 1), ("me.com", 1),
    ("googlemail.com", 1), ("naver.com", 1), ("posteo.de", 1),
)
#: TLDs of personal domains. All but the last group have an RDAP service in the IANA bootstrap
#: (the demo's simulator answers for them); the last group has none, as in the real world.
SERVED_TLDS: tuple[tuple[str, int], ...] = (
    ("com", 30), ("io", 9), ("dev", 8), ("org", 6), ("net", 6), ("de", 6), ("co.uk", 4), ("me", 3),
    ("app", 3), ("fr", 3), ("nl", 3), ("ch", 2), ("pl", 2), ("cz", 1), ("ai", 2), ("xyz", 2),
    ("info", 1), ("ca", 1), ("com.au", 1), ("fi", 1), ("no", 1), ("tech", 1), ("sh", 1), ("cc", 1),
    ("com.br", 1), ("in", 1),
)
UNSERVED_TLDS: tuple[tuple[str, int], ...] = (("se", 1), ("eu", 1), ("it", 1), ("es", 1), ("at", 1))

FIRST = ("anna", "ben", "carla", "dmitri", "elif", "felix", "grace", "hiro", "ines", "jonas", "kavya",
         "lars", "mei", "nadia", "oskar", "priya", "quentin", "rosa", "sven", "tomas", "uma", "viktor",
         "wen", "xavier", "yusuf", "zoe", "amara", "bruno", "chen", "daria", "emil", "fatima", "gustav",
         "hana", "ivan", "julia", "kenji", "leila", "marco", "nils", "olga", "pablo", "rahul", "sofia",
         "theo", "vera", "william", "yara", "aiko", "bjorn", "clara", "diego", "eva", "farid", "greta")
LAST = ("novak", "schmidt", "garcia", "kowalski", "tanaka", "okafor", "lindqvist", "moreau", "rossi",
        "ivanova", "nguyen", "patel", "oconnor", "dubois", "jansen", "berg", "silva", "kim", "haddad",
        "muller", "fischer", "larsen", "costa", "weber", "petrov", "yilmaz", "santos", "hansen",
        "keller", "vogel", "sato", "meyer", "bauer", "horvat", "nowak", "leroy", "vanderberg", "ito")
WORDS = ("pixel", "tensor", "quiet", "river", "maple", "copper", "ember", "lumen", "orbit", "fern",
         "vector", "cobalt", "harbor", "prism", "nimbus", "sparrow", "granite", "willow", "kernel",
         "lambda", "falcon", "pepper", "cinder", "delta", "ripple", "aurora", "thistle", "basalt",
         "juniper", "marble", "otter", "quartz", "saffron", "tundra", "velvet", "zephyr", "anvil",
         "beacon", "cipher", "drift", "echo", "flux", "glacier", "hollow", "iris", "jolt", "lichen")
ORG_SUFFIX = ("labs", "analytics", "systems", "hq", "software", "data", "cloud", "works", "ai", "tech")
LOCAL_PERSONAL = ("me", "hello", "mail", "pypi", "dev", "contact", "hi")


@dataclass
class DemoDomain:
    """A custom domain of the demo and what the scenario needs to know about it."""

    name: str  # as written in addresses (may be Unicode)
    alabel: str
    tld: str
    org: bool = False
    featured: str | None = None  # the featured story it belongs to, if any
    accounts: int = 0
    downloads: int = 0  # the largest monthly downloads among its accounts
    earliest_verified: datetime | None = None


@dataclass
class DemoData:
    """Import rows and the custom domains they use (A-label -> DemoDomain)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    domains: dict[str, DemoDomain] = field(default_factory=dict)
    accounts: int = 0


#: Featured domains: (story, address domain, [(username, 2fa, packages, downloads, days verified ago)])
FEATURED: tuple[tuple[str, str, tuple[tuple[str, bool, int, int, int], ...]], ...] = (
    ("drop", "tidewater-analytics.io", (("tidewater", False, 14, 8_200_000, 400),
                                        ("mkowalski", True, 3, 42_000, 120))),
    ("slow-drop", "lapsing-ventures.com", (("lapsing-dev", False, 6, 310_000, 700),)),
    ("restored", "vandermeer.nl", (("jvandermeer", False, 9, 1_450_000, 300),)),
    ("markup", "oldfriend-software.com", (("oldfriend", False, 22, 3_900_000, 800),
                                          ("ofs-bot", False, 4, 900_000, 760))),
    ("idn", "bücher.de", (("buecherwurm", True, 2, 5_400, 200),)),
    ("idn-unserved", "例え.jp", (("tatoeba-kun", True, 5, 77_000, 150),)),
    ("available", "quietbrook.net", (("quietbrook", False, 11, 620_000, 500),)),
)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    names = [n for n, _ in table]
    weights = [w for _, w in table]
    return rng.choices(names, weights)[0]


def _username(rng: random.Random, taken: set[str]) -> str:
    for _ in range(50):
        style = rng.random()
        first, last, word = rng.choice(FIRST), rng.choice(LAST), rng.choice(WORDS)
        if style < 0.3:
            name = f"{first}{last}"
        elif style < 0.5:
            name = f"{first[0]}{last}"
        elif style < 0.65:
            name = f"{word}-{rng.choice(WORDS)}"
        elif style < 0.8:
            name = f"{first}.{last}"
        elif style < 0.9:
            name = f"{word}{rng.randint(1, 99)}"
        else:
            name = f"{first}_{word}"
        if rng.random() < 0.2:
            name += str(rng.randint(1, 2025))
        if name not in taken:
            taken.add(name)
            return name
    name = f"user{len(taken)}"
    taken.add(name)
    return name


def _personal_domain(rng: random.Random, taken: set[str], tld_table: tuple[tuple[str, int], ...]) -> str:
    for _ in range(50):
        first, last, word = rng.choice(FIRST), rng.choice(LAST), rng.choice(WORDS)
        stem = rng.choice((f"{first}{last}", f"{first}-{last}", last, f"{word}{rng.choice(WORDS)}",
                           f"{first}{word}", f"{word}-{last}"))
        name = f"{stem}.{_weighted(rng, tld_table)}"
        if name not in taken and _registrable(name):
            taken.add(name)
            return name
    name = f"{rng.choice(WORDS)}{len(taken)}.com"
    taken.add(name)
    return name


def _registrable(name: str) -> bool:
    """Whether `name` is a registrable domain itself (berg.no, for one, is a public suffix)."""
    try:
        alabel = to_alabel(name)
        return registrable_domain(alabel) == alabel
    except AddressError:
        return False


def _packages(rng: random.Random) -> int:
    if rng.random() < 0.35:
        return 0
    return min(int(rng.paretovariate(1.15)), 400)


def _downloads(rng: random.Random, packages: int) -> int:
    if packages == 0:
        return 0
    return min(int(10 ** rng.gauss(3.0, 1.5) * math.sqrt(packages)), 900_000_000)


class _Builder:
    """Accumulates rows and per-domain facts while accounts are generated."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.data = DemoData()

    def verified_at(self, days_ago: float | None = None) -> datetime:
        days = days_ago if days_ago is not None else self.rng.uniform(2, 1000)
        return (self.now - timedelta(days=days)).replace(microsecond=0)

    def add(self, account_id: str, username: str, has_2fa: bool, packages: int, downloads: int,
            addresses: list[tuple[str, bool, datetime | None]], domains: dict[str, DemoDomain]) -> None:
        """One account with its addresses (address, verified, verified_at); the first is primary."""
        self.data.accounts += 1
        for i, (address, verified, at) in enumerate(addresses):
            self.data.rows.append({
                "account_id": account_id, "username": username, "email": address,
                "email_verified": verified, "verified_at": to_iso(at) if verified else None,
                "primary": i == 0, "has_2fa": has_2fa, "packages": packages, "downloads": downloads,
            })
            host = address.rsplit("@", 1)[1]
            alabel = registrable_domain(to_alabel(host))
            d = domains.get(alabel)
            if d is None:
                continue
            d.accounts += 1
            d.downloads = max(d.downloads, downloads)
            if verified and at is not None and (d.earliest_verified is None or at < d.earliest_verified):
                d.earliest_verified = at


def generate_accounts(n: int, seed: int, now: datetime) -> DemoData:
    """`n` accounts (at least the featured ones), deterministic for (`n`, `seed`, `now`)."""
    rng = random.Random(seed)
    b = _Builder(rng, now)
    domains: dict[str, DemoDomain] = {}
    taken_users: set[str] = set()
    taken_domains: set[str] = set()

    def domain(name: str, *, org: bool = False, featured: str | None = None) -> DemoDomain:
        alabel = registrable_domain(to_alabel(name))
        found = domains.get(alabel)
        if found is None:
            tld = alabel.split(".", 1)[1] if alabel.count(".") > 1 else alabel.rsplit(".", 1)[-1]
            found = DemoDomain(name=name, alabel=alabel, tld=tld, org=org, featured=featured)
            domains[alabel] = found
        return found

    serial = 0
    for story, dname, people in FEATURED:
        domain(dname, featured=story)
        taken_domains.add(dname)
        for username, twofa, packages, downloads, days in people:
            serial += 1
            taken_users.add(username)
            local = username.replace("-", ".")
            b.add(f"acct-{serial:06d}", username, twofa, packages, downloads,
                  [(f"{local}@{dname}", True, b.verified_at(days))], domains)

    orgs = []
    for _ in range(max(3, n // 120)):
        stem = f"{rng.choice(WORDS)}{rng.choice(WORDS)}" if rng.random() < 0.5 else rng.choice(WORDS)
        name = f"{stem}-{rng.choice(ORG_SUFFIX)}.{rng.choice(('com', 'io', 'de', 'co.uk', 'org', 'dev'))}"
        if name not in taken_domains:
            taken_domains.add(name)
            orgs.append(domain(name, org=True))
    org_weights = [1 / (i + 1) for i in range(len(orgs))]

    while b.data.accounts < n:
        serial += 1
        username = _username(rng, taken_users)
        packages = _packages(rng)
        downloads = _downloads(rng, packages)
        has_2fa = rng.random() < 0.3 + 0.4 * min(1.0, math.log10(downloads + 1) / 7)
        addresses = [_address(rng, b, domain, username, orgs, org_weights, taken_domains)]
        if rng.random() < 0.18:
            extra = _address(rng, b, domain, username, orgs, org_weights, taken_domains)
            if extra[0] != addresses[0][0]:
                addresses.append(extra)
        b.add(f"acct-{serial:06d}", username, has_2fa, packages, downloads, addresses, domains)
    b.data.domains = domains
    return b.data


def _address(rng: random.Random, b: _Builder, domain, username: str, orgs: list[DemoDomain],
             org_weights: list[float], taken_domains: set[str]) -> tuple[str, bool, datetime | None]:
    """One address: a mailbox provider (55 %), an organisation (10 %) or a personal domain."""
    local = username.replace("_", ".").replace("-", ".")
    verified = rng.random() < 0.94
    roll = rng.random()
    if roll < 0.55:
        host = _weighted(rng, PROVIDERS)
    elif roll < 0.65 and orgs:
        host = rng.choices(orgs, org_weights)[0].name
    else:
        table = UNSERVED_TLDS if rng.random() < 0.02 else SERVED_TLDS
        name = _personal_domain(rng, taken_domains, table)
        domain(name)
        host = name
        local = rng.choice(LOCAL_PERSONAL) if rng.random() < 0.6 else local
        if rng.random() < 0.04:
            host = f"mail.{name}"
    return f"{local}@{host}", verified, b.verified_at() if verified else None

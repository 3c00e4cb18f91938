"""An RDAP domain answer (RFC 9083 JSON) turned into validated `Evidence`, or refused with a reason.

`parse_rdap_domain` is the only way a server's bytes become evidence. It never raises: a hostile
or broken answer (oversized, not JSON, invalid JSON, the wrong object, another domain's record,
surprising types) gives `Evidence.error`, which the lifecycle rules turn into `unknown`, never into
a false phase. Every string taken from the body is untrusted: control and format characters are
stripped, whitespace collapsed and lengths and counts bounded.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import idna

from domainwatch_tui.core.model import Evidence, RdapEvent
from domainwatch_tui.core.rdap.dates import parse_rdap_date
from domainwatch_tui.core.rdap.statuses import normalise_statuses

#: The largest answer accepted (1 MiB). A client should read at most MAX_BODY + 1 bytes and pass
#: them on: anything longer than MAX_BODY is refused here.
MAX_BODY = 1024 * 1024

MAX_TEXT = 300  # one remark or notice
MAX_REMARKS = 8
MAX_EVENTS = 64
MAX_NAMESERVERS = 32
MAX_NAME = 200  # a registrar name, a handle
MAX_URL = 2048

#: eventAction spellings seen in the wild -> the RFC 9083 value.
_EVENT_ALIASES: dict[str, str] = {
    "registration": "registration",
    "registered": "registration",
    "creation": "registration",
    "created": "registration",
    "create": "registration",
    "reregistration": "reregistration",
    "re registration": "reregistration",
    "expiration": "expiration",
    "expiry": "expiration",
    "expires": "expiration",
    "expire": "expiration",
    "expiration date": "expiration",
    "registry expiration": "expiration",
    "registrar expiration": "registrar expiration",
    "registrar expiry": "registrar expiration",
    "registrar expiration date": "registrar expiration",
    "last changed": "last changed",
    "lastchanged": "last changed",
    "last change": "last changed",
    "last update": "last changed",
    "last updated": "last changed",
    "last modified": "last changed",
    "updated": "last changed",
    "changed": "last changed",
    "last update of rdap database": "last update of rdap database",
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPACES = re.compile(r"[\s_\-]+")
_HOSTNAME = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]{1,63}", re.ASCII)
# A 404 body that says the name cannot be registered (as opposed to "not found"). Phrases, not bare
# words: terms-of-use notices say "all rights reserved" or "abusive clients will be blocked".
_RESERVED = re.compile(
    r"\b(?:is|was|been)\s+(?:\w+\s+)?(?:reserved|blocked|withheld|restricted)\b"
    r"|\b(?:name|domain)\s+(?:\w+\s+)?(?:reserved|blocked)\b"
    r"|\breserved\s+(?:name|domain|word|string|label|by)\b"
    r"|\b(?:blocked|restricted|prohibited)\s+(?:name|domain|word|string|label)\b"
    r"|\b(?:not|un)\s?available for registration\b|\bcan\s?not be registered\b"
    r"|\bnot registrable\b|\brestricted from registration\b|\bname collision\b",
    re.IGNORECASE,
)
_RESERVED_TITLE = frozenset({"reserved", "blocked", "restricted", "withheld", "prohibited"})


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """An untrusted string made safe to show: no control/format characters, one-space runs, bounded."""
    if not isinstance(value, str):
        return ""
    value = value[: limit * 4]
    if value.isprintable():  # the common case: no control, format or separator characters
        text = " ".join(value.split()) if "  " in value or value[:1] == " " or value[-1:] == " " else value
    else:
        text = " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def normalise_event_action(value: object) -> str:
    """`lastChanged`, `last-changed`, `Last Changed` -> `last changed`; known aliases folded."""
    text = clean_text(value, 64)
    text = _SPACES.sub(" ", _CAMEL.sub(" ", text)).strip().lower()
    return _EVENT_ALIASES.get(text, _EVENT_ALIASES.get(text.replace(" ", ""), text))


def to_a_label(name: str) -> str | None:
    """`name` as a lower-case A-label without a trailing dot; None when it is not a valid name."""
    text = name.strip().rstrip(".").lower()
    if not text or len(text) > 253:
        return None
    if text.isascii():
        return text
    try:
        return idna.encode(text, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _refuse(base: dict[str, Any], reason: str) -> Evidence:
    return Evidence(**base, error=reason)


def parse_rdap_domain(
    domain: str,
    status_code: int,
    body: bytes | None,
    *,
    server: str | None = None,
    content_type: str | None = None,
) -> Evidence:
    """Evidence from one RDAP answer for `domain` (the name asked for, preferably an A-label).

    404 -> `not_found` (or `reserved` when the answer says the name is reserved or blocked).
    200 -> the parsed record, or `error` when the answer is refused. Anything else -> `error`
    naming the HTTP status. Never raises.
    """
    asked = to_a_label(domain) if isinstance(domain, str) else None
    base: dict[str, Any] = {
        "domain": asked or clean_text(domain, 253).lower(),
        "server": clean_text(server, MAX_URL) or None,
        "http_status": status_code if isinstance(status_code, int) else None,
    }
    try:
        return _parse(asked, status_code, body, content_type, base)
    except Exception as exc:  # hostile input must never crash a check
        return _refuse(base, f"unreadable RDAP answer ({type(exc).__name__})")


def _parse(
    asked: str | None,
    status_code: int,
    body: bytes | None,
    content_type: str | None,
    base: dict[str, Any],
) -> Evidence:
    if status_code == 404:
        if body and _says_reserved(body[:MAX_BODY]):
            return Evidence(**base, reserved=True)
        return Evidence(**base, not_found=True)
    if not isinstance(status_code, int) or isinstance(status_code, bool) or status_code <= 0:
        return _refuse(base, "no HTTP status from the RDAP server")
    if status_code == 429:
        return _refuse(base, "the RDAP server is rate limiting us (HTTP 429)")
    if status_code != 200:
        return _refuse(base, f"the RDAP server answered HTTP {status_code}")
    if asked is None:
        return _refuse(base, "the domain asked for is not a valid name")
    if not body:
        return _refuse(base, "empty RDAP answer (HTTP 200 without a body)")
    if len(body) > MAX_BODY:
        return _refuse(base, f"RDAP answer refused: larger than {MAX_BODY // 1024} KiB")
    document, problem = _load_json(body, content_type)
    if problem:
        return _refuse(base, problem)
    if not isinstance(document, dict):
        return _refuse(
            base, f"RDAP answer refused: top level is a JSON {_json_type(document)}, not an object"
        )
    problem = _check_identity(asked, document)
    if problem:
        return _refuse(base, problem)
    return _extract(document, base)


def _json_type(value: object) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _load_json(body: bytes, content_type: str | None) -> tuple[Any, str | None]:
    kind = clean_text(content_type, 100) or "no content type"
    stripped = body.lstrip()
    if stripped.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark
        stripped = stripped[3:].lstrip()
    start = stripped[:1]
    if start not in (b"{", b"["):
        return None, f"RDAP answer refused: not JSON ({kind})"
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "RDAP answer refused: invalid JSON (not UTF-8)"
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:
        return None, f"RDAP answer refused: invalid JSON ({clean_text(str(exc), 80)})"


def _check_identity(asked: str, document: dict[str, Any]) -> str | None:
    """Why this object is not the record of `asked`, or None when it is."""
    klass = document.get("objectClassName")
    if not isinstance(klass, str) or klass.strip().lower() != "domain":
        if "errorCode" in document and klass is None:
            title = clean_text(document.get("title"), 80)
            code = clean_text(str(document["errorCode"]), 10)
            return f"the RDAP server returned an error object (code {code})" + (f": {title}" if title else "")
        shown = clean_text(klass, 40) if isinstance(klass, str) else "missing"
        return f"RDAP answer refused: objectClassName is {shown!r}, not 'domain'"
    ldh = document.get("ldhName")
    if isinstance(ldh, str) and ldh.strip():
        got = to_a_label(ldh)
        if got != asked:
            return f"RDAP answer refused: it describes {clean_text(ldh, 80)!r}, not {asked!r}"
        return None
    uni = document.get("unicodeName")
    if isinstance(uni, str) and uni.strip():
        got = to_a_label(uni)
        if got != asked:
            return f"RDAP answer refused: it describes {clean_text(uni, 80)!r}, not {asked!r}"
        return None
    return "RDAP answer refused: no ldhName or unicodeName to check against the domain asked for"


def _says_reserved(body: bytes) -> bool:
    """Whether a 404 answer's text says the name is reserved or blocked (not simply unregistered)."""
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        title = document.get("title")
        if isinstance(title, str) and title.strip().lower() in _RESERVED_TITLE:
            return True
        pieces = [title, document.get("description")]
        for key in ("notices", "remarks"):
            items = document.get(key)
            if isinstance(items, list):
                for item in items[: MAX_REMARKS * 2]:
                    if isinstance(item, dict):
                        pieces.append(item.get("title"))
                        pieces.append(item.get("description"))
        strings: list[str] = []
        for piece in pieces:
            if isinstance(piece, str):
                strings.append(piece)
            elif isinstance(piece, list):
                strings.extend(p for p in piece[:20] if isinstance(p, str))
        text = " ".join(s[:2000] for s in strings)
    else:
        text = text[:20000]
    return _RESERVED.search(text) is not None


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    return value if isinstance(value, list) else []


def _extract(document: dict[str, Any], base: dict[str, Any]) -> Evidence:
    events = _events(_list(document, "events"))
    registrations = [e.date for e in events if e.action in ("registration", "reregistration") and e.date]

    def latest(action: str) -> Any:
        dates = [e.date for e in events if e.action == action and e.date]
        return max(dates) if dates else None

    registrar, iana_id = _registrar(_list(document, "entities"))
    return Evidence(
        **base,
        statuses=normalise_statuses(_list(document, "status")),
        registered_at=max(registrations) if registrations else None,
        expires_at=latest("expiration"),
        registrar_expires_at=latest("registrar expiration"),
        last_changed_at=latest("last changed"),
        handle=clean_text(document.get("handle"), MAX_NAME) or None,
        registrar=registrar,
        registrar_iana_id=iana_id,
        nameservers=_nameservers(_list(document, "nameservers")),
        events=events,
        remarks=_remarks(_list(document, "remarks") + _list(document, "notices")),
        related_url=_related_url(_list(document, "links")),
    )


def _events(items: list[Any]) -> tuple[RdapEvent, ...]:
    events: list[RdapEvent] = []
    for item in items[:MAX_EVENTS]:
        if not isinstance(item, dict):
            continue
        action = normalise_event_action(item.get("eventAction"))
        if not action:
            continue
        actor = clean_text(item.get("eventActor"), MAX_NAME) or None
        events.append(RdapEvent(action=action, date=parse_rdap_date(item.get("eventDate")), actor=actor))
    return tuple(events)


def _registrar(entities: list[Any]) -> tuple[str | None, str | None]:
    """The name and IANA id of the first entity with the role "registrar"."""
    for entity in entities[:64]:
        if not isinstance(entity, dict):
            continue
        roles = entity.get("roles")
        if not isinstance(roles, list) or not any(
            isinstance(r, str) and r.strip().lower() == "registrar" for r in roles
        ):
            continue
        name = (
            _vcard_fn(entity.get("vcardArray"))
            or clean_text(entity.get("handle"), MAX_NAME)
            or clean_text(entity.get("name"), MAX_NAME)
            or None
        )
        iana_id = None
        public_ids = entity.get("publicIds")
        if isinstance(public_ids, list):
            for public_id in public_ids[:16]:
                if not isinstance(public_id, dict):
                    continue
                kind = clean_text(public_id.get("type"), 64).lower()
                ident = public_id.get("identifier")
                if isinstance(ident, int) and not isinstance(ident, bool):
                    ident = str(ident)
                if kind == "iana registrar id" and isinstance(ident, str):
                    iana_id = clean_text(ident, 32) or None
                    break
        return name, iana_id
    return None, None


def _vcard_fn(vcard: object) -> str:
    """The `fn` (formatted name) of a jCard (RFC 7095): ["vcard", [[name, params, type, value]...]]."""
    if not isinstance(vcard, list) or len(vcard) < 2 or not isinstance(vcard[1], list):
        return ""
    for prop in vcard[1][:64]:
        if isinstance(prop, list) and len(prop) >= 4 and isinstance(prop[0], str) and prop[0].lower() == "fn":
            return clean_text(prop[3], MAX_NAME)
    return ""


def _nameservers(items: list[Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for item in items[: MAX_NAMESERVERS * 4]:
        if not isinstance(item, dict):
            continue
        raw = item.get("ldhName") or item.get("unicodeName")
        if not isinstance(raw, str):
            continue
        name = to_a_label(clean_text(raw, 300))
        if name and len(name) <= 253 and _HOSTNAME.fullmatch(name):
            found.setdefault(name, None)
        if len(found) >= MAX_NAMESERVERS:
            break
    return tuple(found)


def _remarks(items: list[Any]) -> tuple[str, ...]:
    texts: list[str] = []
    for item in items[: MAX_REMARKS * 4]:
        if not isinstance(item, dict):
            continue
        title = clean_text(item.get("title"), 80)
        description = item.get("description")
        if isinstance(description, str):
            description = [description]
        lines = (
            [d[: MAX_TEXT * 2] for d in description[:20] if isinstance(d, str)]
            if isinstance(description, list)
            else []
        )
        body = clean_text(" ".join(lines), MAX_TEXT)
        text = f"{title}: {body}" if title and body else title or body
        text = clean_text(text, MAX_TEXT)
        if text and text not in texts:
            texts.append(text)
        if len(texts) >= MAX_REMARKS:
            break
    return tuple(texts)


def _related_url(links: list[Any]) -> str | None:
    """The registrar's RDAP URL a thin registry links to (rel "related", type application/rdap+json)."""
    candidates: list[str] = []
    for link in links[:32]:
        if not isinstance(link, dict):
            continue
        rel = link.get("rel")
        kind = link.get("type")
        href = link.get("href")
        if not (isinstance(rel, str) and rel.strip().lower() == "related"):
            continue
        if not (isinstance(kind, str) and kind.split(";")[0].strip().lower() == "application/rdap+json"):
            continue
        if not isinstance(href, str) or len(href) > MAX_URL:
            continue
        href = href.strip()
        if not href.isprintable() or " " in href:
            continue
        if href.lower().startswith(("https://", "http://")):
            candidates.append(href)
    for href in candidates:
        if "/domain/" in href.lower():
            return href
    return candidates[0] if candidates else None

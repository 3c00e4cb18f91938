"""RDAP answers -> Evidence: realistic registry answers, every refusal, hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domainwatch_tui.core.rdap.parse import MAX_BODY, clean_text, normalise_event_action, parse_rdap_domain


def verisign_com(**changes: Any) -> dict[str, Any]:
    """A .com answer shaped like Verisign's (thin registry: a related link to the registrar)."""
    body: dict[str, Any] = {
        "objectClassName": "domain",
        "handle": "2336799_DOMAIN_COM-VRSN",
        "ldhName": "EXAMPLE.COM",
        "links": [
            {
                "value": "https://rdap.verisign.com/com/v1/domain/EXAMPLE.COM",
                "rel": "self",
                "href": "https://rdap.verisign.com/com/v1/domain/EXAMPLE.COM",
                "type": "application/rdap+json",
            },
            {
                "value": "https://rdap.example-registrar.com/domain/EXAMPLE.COM",
                "rel": "related",
                "href": "https://rdap.example-registrar.com/domain/EXAMPLE.COM",
                "type": "application/rdap+json",
            },
        ],
        "status": ["client delete prohibited", "client transfer prohibited", "client update prohibited"],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": "376",
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "376"}],
                "vcardArray": [
                    "vcard",
                    [
                        ["version", {}, "text", "4.0"],
                        ["fn", {}, "text", "RESERVED-Internet Assigned Numbers Authority"],
                    ],
                ],
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": [
                            "vcard",
                            [["version", {}, "text", "4.0"], ["fn", {}, "text", "Abuse desk"]],
                        ],
                    }
                ],
            }
        ],
        "events": [
            {"eventAction": "registration", "eventDate": "1995-08-14T04:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2026-08-13T04:00:00Z"},
            {"eventAction": "last changed", "eventDate": "2025-08-14T07:01:44Z"},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-06-26T18:00:02Z"},
        ],
        "secureDNS": {"delegationSigned": True},
        "nameservers": [
            {"objectClassName": "nameserver", "ldhName": "A.IANA-SERVERS.NET"},
            {"objectClassName": "nameserver", "ldhName": "B.IANA-SERVERS.NET."},
        ],
        "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_0"],
        "notices": [
            {
                "title": "Terms of Use",
                "description": ["Service subject to Terms of Use."],
                "links": [
                    {
                        "href": "https://www.verisign.com/domain-names/registration-data-access-protocol/terms-service/index.xhtml",
                        "type": "text/html",
                    }
                ],
            },
            {
                "title": "Status Codes",
                "description": [
                    "For more information on domain status codes, please visit https://icann.org/epp"
                ],
            },
        ],
    }
    body.update(changes)
    return body


def raw(document: Any) -> bytes:
    return json.dumps(document).encode()


def parse(document: Any, domain: str = "example.com", status: int = 200) -> Any:
    return parse_rdap_domain(domain, status, raw(document), server="https://rdap.verisign.com/com/v1/")


def test_a_verisign_com_answer_gives_every_field() -> None:
    ev = parse(verisign_com())
    assert ev.error is None and not ev.not_found and not ev.reserved
    assert ev.domain == "example.com"
    assert ev.http_status == 200
    assert ev.server == "https://rdap.verisign.com/com/v1/"
    assert ev.statuses == (
        "client delete prohibited",
        "client transfer prohibited",
        "client update prohibited",
    )
    assert ev.registered_at == datetime(1995, 8, 14, 4, tzinfo=UTC)
    assert ev.expires_at == datetime(2026, 8, 13, 4, tzinfo=UTC)
    assert ev.registrar_expires_at is None
    assert ev.last_changed_at == datetime(2025, 8, 14, 7, 1, 44, tzinfo=UTC)
    assert ev.handle == "2336799_DOMAIN_COM-VRSN"
    assert ev.registrar == "RESERVED-Internet Assigned Numbers Authority"
    assert ev.registrar_iana_id == "376"
    assert ev.nameservers == ("a.iana-servers.net", "b.iana-servers.net")
    assert ev.related_url == "https://rdap.example-registrar.com/domain/EXAMPLE.COM"
    assert [e.action for e in ev.events] == [
        "registration",
        "expiration",
        "last changed",
        "last update of rdap database",
    ]
    assert ev.remarks[0] == "Terms of Use: Service subject to Terms of Use."
    assert len(ev.remarks) == 2


def test_a_registrar_answer_with_registrar_expiration() -> None:
    ev = parse(
        verisign_com(
            events=[
                {"eventAction": "registration", "eventDate": "2020-01-01T00:00:00Z"},
                {"eventAction": "registrar expiration", "eventDate": "2026-01-01T00:00:00Z"},
            ]
        )
    )
    assert ev.expires_at is None
    assert ev.registrar_expires_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_denic_style_answer_without_events() -> None:
    body = {
        "objectClassName": "domain",
        "ldhName": "beispiel.de",
        "unicodeName": "beispiel.de",
        "handle": "beispiel.de",
        "status": ["active"],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": "ns1.beispiel.de"}],
        "rdapConformance": ["rdap_level_0"],
        "notices": [{"title": "Disclaimer", "description": ["Only limited data is published."]}],
    }
    ev = parse(body, "beispiel.de")
    assert ev.error is None
    assert ev.statuses == ("active",)
    assert ev.registered_at is None and ev.expires_at is None and ev.last_changed_at is None
    assert ev.registrar is None and ev.registrar_iana_id is None
    assert ev.nameservers == ("ns1.beispiel.de",)


@pytest.mark.parametrize(
    ("domain", "events"),
    [
        pytest.param(
            "eksempel.no",
            [
                {"eventAction": "registration", "eventDate": "2009-03-02T10:11:12+0100"},
                {"eventAction": "last changed", "eventDate": "2024-03-02T10:11:12+0100"},
            ],
            id="no-norid",
        ),
        pytest.param(
            "esimerkki.fi",
            [
                {"eventAction": "registration", "eventDate": "2012-05-01T08:00:00.000"},
                {"eventAction": "last changed", "eventDate": "2025-05-01T08:00:00.000"},
            ],
            id="fi-traficom",
        ),
    ],
)
def test_registries_without_expiry(domain: str, events: list[dict[str, str]]) -> None:
    body = {"objectClassName": "domain", "ldhName": domain, "status": ["active"], "events": events}
    ev = parse(body, domain)
    assert ev.error is None
    assert ev.expires_at is None and ev.registrar_expires_at is None
    assert ev.registered_at is not None and ev.last_changed_at is not None
    assert ev.registered_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        pytest.param("expiration", "expiration", id="rfc"),
        pytest.param("Expiration", "expiration", id="capital"),
        pytest.param("expiry", "expiration", id="expiry"),
        pytest.param("registrarExpiration", "registrar expiration", id="registrar-camel"),
        pytest.param("registrar expiration", "registrar expiration", id="registrar-rfc"),
        pytest.param("lastChanged", "last changed", id="last-changed-camel"),
        pytest.param("last-changed", "last changed", id="last-changed-hyphen"),
        pytest.param("LAST_CHANGED", "last changed", id="last-changed-upper-underscore"),
        pytest.param("last update", "last changed", id="last-update"),
        pytest.param("created", "registration", id="created"),
        pytest.param("registration", "registration", id="registration"),
        pytest.param("reregistration", "reregistration", id="reregistration"),
        pytest.param("transfer", "transfer", id="other-kept"),
    ],
)
def test_event_action_spellings(spelling: str, expected: str) -> None:
    assert normalise_event_action(spelling) == expected


def test_event_spellings_fill_the_evidence_dates() -> None:
    ev = parse(
        verisign_com(
            events=[
                {"eventAction": "Registration", "eventDate": "2001-01-01"},
                {"eventAction": "expiry", "eventDate": "2027-01-01T00:00:00+0000"},
                {"eventAction": "registrarExpiration", "eventDate": "2026-12-01T00:00:00.12345Z"},
                {"eventAction": "lastChanged", "eventDate": "2026-01-01T03:00:00+03:00"},
            ]
        )
    )
    assert ev.registered_at == datetime(2001, 1, 1, tzinfo=UTC)
    assert ev.expires_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert ev.registrar_expires_at == datetime(2026, 12, 1, 0, 0, 0, 123450, tzinfo=UTC)
    assert ev.last_changed_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_reregistration_event_is_the_registration_that_counts() -> None:
    ev = parse(
        verisign_com(
            events=[
                {"eventAction": "registration", "eventDate": "2001-01-01T00:00:00Z"},
                {"eventAction": "reregistration", "eventDate": "2026-03-01T00:00:00Z"},
            ]
        )
    )
    assert ev.registered_at == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "ldh",
    [
        pytest.param("example.com", id="same"),
        pytest.param("EXAMPLE.COM", id="upper-case"),
        pytest.param("example.com.", id="trailing-dot"),
        pytest.param("Example.Com.", id="mixed-case-and-dot"),
    ],
)
def test_ldh_name_is_compared_case_insensitively_without_trailing_dot(ldh: str) -> None:
    assert parse(verisign_com(ldhName=ldh)).error is None
    assert parse(verisign_com(ldhName="example.com"), "EXAMPLE.COM.").error is None


def test_unicode_name_is_accepted_after_idna_when_ldh_name_is_missing() -> None:
    body = verisign_com(unicodeName="bücher.de")
    del body["ldhName"]
    assert parse(body, "xn--bcher-kva.de").error is None
    assert parse(body, "bücher.de").domain == "xn--bcher-kva.de"
    assert "describes" in (parse(body, "buecher.de").error or "")


def big_body() -> bytes:
    filler = "x" * (MAX_BODY + 10)
    return raw(verisign_com(remarks=[{"description": [filler]}]))


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        pytest.param(200, big_body(), "application/rdap+json", "larger than", id="oversized"),
        pytest.param(
            200, b"<html><body>Welcome</body></html>", "text/html", "not JSON (text/html)", id="html"
        ),
        pytest.param(200, b"Domain not found.", "text/plain", "not JSON", id="plain-text"),
        pytest.param(200, b'{"objectClassName": "domain", "ldhName": ', None, "invalid JSON", id="truncated"),
        pytest.param(200, b"{\"a\": 'single quotes'}", None, "invalid JSON", id="bad-quotes"),
        pytest.param(200, b'{"ldhName": "\xff\xfe"}', None, "not UTF-8", id="not-utf8"),
        pytest.param(200, b"[" * 100_000 + b"]" * 100_000, None, "invalid JSON", id="deep-nesting"),
        pytest.param(200, b"[]", None, "JSON array, not an object", id="list-top-level"),
        pytest.param(200, b'[{"objectClassName": "domain"}]', None, "not an object", id="list-of-domain"),
        pytest.param(200, b"", None, "empty", id="empty-body"),
        pytest.param(200, None, None, "empty", id="no-body"),
        pytest.param(200, raw(verisign_com(objectClassName="entity")), None, "'entity'", id="wrong-class"),
        pytest.param(200, raw(verisign_com(objectClassName=None)), None, "objectClassName", id="no-class"),
        pytest.param(200, raw(verisign_com(ldhName="evil.com")), None, "'evil.com'", id="other-domain"),
        pytest.param(
            200, raw(verisign_com(ldhName="example.com.evil")), None, "describes", id="suffix-trick"
        ),
        pytest.param(200, raw(verisign_com(ldhName=7)), None, "no ldhName", id="ldh-not-string"),
        pytest.param(
            200,
            raw({"errorCode": 400, "title": "Bad request", "description": ["nope"]}),
            None,
            "error object (code 400): Bad request",
            id="rdap-error-object",
        ),
        pytest.param(500, b"", None, "HTTP 500", id="http-500"),
        pytest.param(503, raw(verisign_com()), None, "HTTP 503", id="http-503-with-body"),
        pytest.param(429, b"", None, "HTTP 429", id="http-429"),
        pytest.param(302, b"", None, "HTTP 302", id="unfollowed-redirect"),
        pytest.param(403, b"", None, "HTTP 403", id="forbidden"),
        pytest.param(0, b"", None, "no HTTP status", id="no-status"),
    ],
)
def test_refusals(status: int, body: bytes | None, content_type: str | None, expected: str) -> None:
    ev = parse_rdap_domain("example.com", status, body, content_type=content_type)
    assert ev.error is not None, ev
    assert expected in ev.error
    assert not ev.not_found and not ev.reserved
    assert ev.statuses == () and ev.expires_at is None
    assert ev.http_status == status


def test_exactly_max_body_is_still_read() -> None:
    body = raw(verisign_com())
    padded = body[:-1] + b" " * (MAX_BODY - len(body)) + b"}"
    assert len(padded) == MAX_BODY
    assert parse_rdap_domain("example.com", 200, padded).error is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(None, id="none"),
        pytest.param(
            raw({"errorCode": 404, "title": "Not Found", "description": ["Domain not found"]}), id="rdap"
        ),
        pytest.param(
            raw(
                {
                    "errorCode": 404,
                    "title": "Not Found",
                    "notices": [
                        {"title": "Terms", "description": ["Copyright 2026 Registry. All rights reserved."]}
                    ],
                }
            ),
            id="all-rights-reserved-is-not-reserved",
        ),
        pytest.param(b"<html>404 Not Found</html>", id="html"),
        pytest.param(
            raw(
                {
                    "errorCode": 404,
                    "description": ["Domain not found"],
                    "notices": [
                        {"title": "Terms", "description": ["Excessive querying will be blocked."]},
                        {"title": "Rate limits", "description": ["Abusive clients are blocked by IP."]},
                    ],
                }
            ),
            id="rate-limit-notice-is-not-reserved",
        ),
    ],
)
def test_404_means_not_found(body: bytes | None) -> None:
    ev = parse_rdap_domain("gone.com", 404, body)
    assert ev.not_found and not ev.reserved and ev.error is None
    assert ev.http_status == 404


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            raw(
                {
                    "errorCode": 404,
                    "title": "Not Found",
                    "description": ["This name is reserved by the registry."],
                }
            ),
            id="description-reserved",
        ),
        pytest.param(
            raw(
                {"errorCode": 404, "notices": [{"title": "Blocked", "description": ["Name blocked (DPML)."]}]}
            ),
            id="notice-blocked",
        ),
        pytest.param(
            raw(
                {
                    "errorCode": 404,
                    "remarks": [{"description": ["The domain is not available for registration"]}],
                }
            ),
            id="remark-not-available",
        ),
        pytest.param(b"This domain name is reserved", id="plain-text"),
        pytest.param(raw({"errorCode": 404, "title": "Reserved"}), id="title-reserved"),
        pytest.param(
            raw({"errorCode": 404, "description": ["Reserved name (ICANN name collision list)"]}),
            id="collision",
        ),
        pytest.param(
            raw({"errorCode": 404, "description": ["This label is restricted by registry policy"]}),
            id="restricted",
        ),
        pytest.param(
            raw(
                {
                    "errorCode": 404,
                    "description": ["The domain name is reserved by the registry and cannot be registered."],
                }
            ),
            id="simulator-wording",
        ),
    ],
)
def test_a_404_that_says_reserved_is_reserved_not_available(body: bytes) -> None:
    ev = parse_rdap_domain("nic.com", 404, body)
    assert ev.reserved and not ev.not_found and ev.error is None


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        pytest.param({"status": "clientHold"}, lambda ev: ev.statuses == (), id="status-string"),
        pytest.param(
            {"status": [1, None, ["x"], "pendingDelete"]},
            lambda ev: ev.statuses == ("pending delete",),
            id="status-mixed",
        ),
        pytest.param({"events": {"a": 1}}, lambda ev: ev.events == (), id="events-object"),
        pytest.param(
            {"events": [1, "x", {"eventAction": 5}, {"eventAction": "expiration", "eventDate": "soon"}]},
            lambda ev: ev.expires_at is None and [e.action for e in ev.events] == ["expiration"],
            id="events-garbage",
        ),
        pytest.param(
            {"entities": [{"roles": "registrar", "handle": "X"}]},
            lambda ev: ev.registrar is None,
            id="roles-string",
        ),
        pytest.param(
            {
                "entities": [
                    {
                        "roles": ["REGISTRAR"],
                        "handle": "R-1",
                        "publicIds": [{"type": "IANA Registrar ID", "identifier": 1234}],
                    }
                ]
            },
            lambda ev: ev.registrar == "R-1" and ev.registrar_iana_id == "1234",
            id="registrar-handle-and-int-id",
        ),
        pytest.param(
            {"entities": [{"roles": ["registrar"], "vcardArray": ["vcard", "nope"], "publicIds": "x"}]},
            lambda ev: ev.registrar is None and ev.registrar_iana_id is None,
            id="registrar-broken-vcard",
        ),
        pytest.param(
            {
                "nameservers": [
                    {"ldhName": "ns1.EXAMPLE.net."},
                    {"ldhName": "ns1.example.net"},
                    {"ldhName": "bad name!"},
                    "x",
                    {"ldhName": 5},
                ]
            },
            lambda ev: ev.nameservers == ("ns1.example.net",),
            id="nameservers-dedupe-and-junk",
        ),
        pytest.param(
            {"links": [{"rel": "related", "type": "application/rdap+json", "href": "javascript:alert(1)"}]},
            lambda ev: ev.related_url is None,
            id="related-not-http",
        ),
        pytest.param(
            {"links": [{"rel": "related", "type": "text/html", "href": "https://registrar.example/whois"}]},
            lambda ev: ev.related_url is None,
            id="related-html-ignored",
        ),
        pytest.param({"handle": {"x": 1}}, lambda ev: ev.handle is None, id="handle-object"),
        pytest.param(
            {"remarks": "text", "notices": [None, {"description": "one line"}]},
            lambda ev: ev.remarks == ("one line",),
            id="remarks-odd",
        ),
    ],
)
def test_hostile_shapes_never_raise(changes: dict[str, Any], check: Any) -> None:
    ev = parse(verisign_com(**changes))
    assert ev.error is None
    assert check(ev), ev


def test_untrusted_strings_are_cleaned_and_bounded() -> None:
    ev = parse(
        verisign_com(
            handle="H\x1b[2J\u202eX" + "y" * 1000,
            remarks=[
                {"title": "T\x00", "description": ["line\nwith\tcontrols\x07 " * 500]} for _ in range(50)
            ],
            entities=[
                {
                    "roles": ["registrar"],
                    "vcardArray": ["vcard", [["fn", {}, "text", "Evil\r\nRegistrar\x1b"]]],
                }
            ],
        )
    )
    assert ev.handle is not None and len(ev.handle) <= 200
    assert "\x1b" not in ev.handle and "\u202e" not in ev.handle
    assert ev.registrar == "Evil Registrar"
    assert len(ev.remarks) <= 8
    assert all(len(r) <= 300 and all(ch.isprintable() for ch in r) for r in ev.remarks)


def test_clean_text() -> None:
    assert clean_text("a\x00b\n\nc") == "a b c"
    assert clean_text(None) == ""
    assert len(clean_text("z" * 1000, 10)) == 10


def test_a_body_that_makes_the_parser_fail_becomes_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from domainwatch_tui.core.rdap import parse as module

    def boom(*_: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(module, "_extract", boom)
    ev = parse(verisign_com())
    assert ev.error is not None and "unreadable" in ev.error

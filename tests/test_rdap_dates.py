"""RDAP dates and status values as registries really write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domainwatch_tui.core.rdap.dates import parse_rdap_date
from domainwatch_tui.core.rdap.statuses import normalise_status, normalise_statuses

MIDNIGHT = datetime(2026, 8, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-08-01T00:00:00Z", MIDNIGHT, id="zulu"),
        pytest.param("2026-08-01t00:00:00z", MIDNIGHT, id="lower-case-t-and-z"),
        pytest.param("2026-08-01T00:00:00.5Z", MIDNIGHT.replace(microsecond=500000), id="fraction-1-digit"),
        pytest.param(
            "2026-08-01T00:00:00.123Z", MIDNIGHT.replace(microsecond=123000), id="fraction-3-digits"
        ),
        pytest.param("2026-08-01T00:00:00.123456Z", MIDNIGHT.replace(microsecond=123456), id="fraction-6"),
        pytest.param(
            "2026-08-01T00:00:00.1234567891Z", MIDNIGHT.replace(microsecond=123456), id="fraction-10-digits"
        ),
        pytest.param("2026-08-01T00:00:00+0000", MIDNIGHT, id="offset-without-colon"),
        pytest.param("2026-08-01T00:00:00+00:00", MIDNIGHT, id="offset-with-colon"),
        pytest.param("2026-08-01T03:00:00+03:00", MIDNIGHT, id="positive-offset"),
        pytest.param("2026-08-01T03:00:00+0300", MIDNIGHT, id="positive-offset-no-colon"),
        pytest.param("2026-07-31T19:30:00-04:30", MIDNIGHT, id="negative-offset"),
        pytest.param("2026-08-01T03:00:00+03", MIDNIGHT, id="hours-only-offset"),
        pytest.param("2026-08-01T00:00:00", MIDNIGHT, id="no-zone-is-utc"),
        pytest.param("2026-08-01T00:00:00.000", MIDNIGHT, id="no-zone-with-fraction"),
        pytest.param("2026-08-01 00:00:00", MIDNIGHT, id="space-separator"),
        pytest.param("2026-08-01T00:00:00 UTC", MIDNIGHT, id="utc-word"),
        pytest.param("2026-08-01T00:00Z", MIDNIGHT, id="no-seconds"),
        pytest.param("2026-08-01", MIDNIGHT, id="bare-date"),
        pytest.param("  2026-08-01T00:00:00Z \n", MIDNIGHT, id="surrounding-whitespace"),
        pytest.param(
            "2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC), id="leap-second"
        ),
        pytest.param("2026-01-01T01:00:00+02:00", datetime(2025, 12, 31, 23, tzinfo=UTC), id="crosses-year"),
    ],
)
def test_dates_are_read_into_utc(text: str, expected: datetime) -> None:
    parsed = parse_rdap_date(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param("2026-13-01T00:00:00Z", id="month-13"),
        pytest.param("2026-02-30", id="february-30"),
        pytest.param("2026-08-01T25:00:00Z", id="hour-25"),
        pytest.param("2026-08-01T00:00:00+24:00", id="offset-24h"),
        pytest.param("2026-08-01T00:00:00+05:99", id="offset-99-minutes"),
        pytest.param("01/08/2026", id="european-slashes"),
        pytest.param("2026-08-01T00:00:00Zjunk", id="trailing-junk"),
        pytest.param("0001-01-01T00:00:00+05:00", id="underflows-year-1"),
        pytest.param("2026-08-01T00:00:00." + "1" * 5000 + "Z", id="huge"),
        pytest.param(None, id="none"),
        pytest.param(1785542400, id="epoch-number"),
        pytest.param(True, id="bool"),
        pytest.param(["2026-08-01"], id="list"),
        pytest.param({"date": "2026-08-01"}, id="object"),
    ],
)
def test_unreadable_dates_give_none(value: object) -> None:
    assert parse_rdap_date(value) is None


def test_a_datetime_passes_through_as_utc() -> None:
    assert parse_rdap_date(datetime(2026, 8, 1)) == MIDNIGHT


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("redemption period", "redemption period", id="rfc8056"),
        pytest.param("redemptionPeriod", "redemption period", id="epp-camel"),
        pytest.param("clientHold", "client hold", id="client-hold-camel"),
        pytest.param("CLIENT HOLD", "client hold", id="upper-case"),
        pytest.param("Client Hold", "client hold", id="title-case"),
        pytest.param("CLIENTHOLD", "client hold", id="run-together-upper"),
        pytest.param("serverhold", "server hold", id="run-together-lower"),
        pytest.param("client_hold", "client hold", id="underscore"),
        pytest.param("client-hold", "client hold", id="hyphen"),
        pytest.param("  client    hold ", "client hold", id="extra-spaces"),
        pytest.param("ok", "ok", id="ok"),
        pytest.param("OK", "ok", id="ok-upper"),
        pytest.param("pendingDelete", "pending delete", id="pending-delete-camel"),
        pytest.param("autoRenewPeriod", "auto renew period", id="auto-renew-camel"),
        pytest.param("serverDeleteProhibited", "server delete prohibited", id="epp-server-prefix"),
        pytest.param("delete prohibited", "delete prohibited", id="prefixless-stays"),
        pytest.param("DeleteProhibited", "delete prohibited", id="prefixless-camel"),
        pytest.param(
            "https://icann.org/epp#clientTransferProhibited", "client transfer prohibited", id="url"
        ),
        pytest.param("client\x07 hold\r\n", "client hold", id="control-chars-stripped"),
        pytest.param("registrar-specific thing", "registrar specific thing", id="unknown-kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_status_spellings_normalise_to_rfc8056(raw: str, expected: str) -> None:
    assert normalise_status(raw) == expected


def test_statuses_deduplicate_keep_order_and_drop_non_strings() -> None:
    values = ["clientHold", "CLIENT HOLD", 7, None, "", "  ", {"x": 1}, "ok", "client hold"]
    assert normalise_statuses(values) == ("client hold", "ok")


@pytest.mark.parametrize(
    "values",
    [
        pytest.param("clientHold", id="bare-string"),
        pytest.param({"a": 1}, id="object"),
        pytest.param(5, id="int"),
    ],
)
def test_statuses_of_the_wrong_type_give_nothing(values: object) -> None:
    assert normalise_statuses(values) == ()


def test_statuses_are_bounded() -> None:
    many = [f"status{i}" for i in range(1000)] + ["x" * 10_000]
    out = normalise_statuses(many)
    assert len(out) == 32
    assert normalise_statuses(["redemption period " + "x" * 100, "ok"]) == ("ok",)

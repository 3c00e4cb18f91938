"""Addresses and domains: IDNA A-labels, registrable domains, rejects, exempt providers."""

from __future__ import annotations

import pytest

from domainwatch_tui.core.addresses import (
    AddressError,
    ExemptMatcher,
    is_exempt,
    normalise_domain_arg,
    parse_address,
    registrable_domain,
    to_alabel,
)


@pytest.mark.parametrize(("text", "address", "domain", "unicode_domain"), [
    ("alice@example.com", "alice@example.com", "example.com", "example.com"),
    ("Alice@EXAMPLE.Com", "alice@example.com", "example.com", "example.com"),
    ("  bob@mail.example.co.uk ", "bob@mail.example.co.uk", "example.co.uk", "example.co.uk"),
    ("c@a.b.c.example.org", "c@a.b.c.example.org", "example.org", "example.org"),
    ("d@Bücher.de", "d@xn--bcher-kva.de", "xn--bcher-kva.de", "bücher.de"),
    ("e@XN--BCHER-KVA.DE", "e@xn--bcher-kva.de", "xn--bcher-kva.de", "bücher.de"),
    ("f@example.com.", "f@example.com", "example.com", "example.com"),
    ("g@ＥＸＡＭＰＬＥ.com", "g@example.com", "example.com", "example.com"),
    ('"odd@local"@example.net', '"odd@local"@example.net', "example.net", "example.net"),
    ("h@foo.blogspot.com", "h@foo.blogspot.com", "blogspot.com", "blogspot.com"),  # ICANN section only
    ("i@sub.example.com.au", "i@sub.example.com.au", "example.com.au", "example.com.au"),
])
def test_parse_address(text, address, domain, unicode_domain):
    parsed = parse_address(text)
    assert (parsed.address, parsed.domain, parsed.unicode_domain) == (address, domain, unicode_domain)


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty address"),
    ("no-at-sign.example.com", "no @"),
    ("@example.com", "empty local part"),
    ("alice@", "empty domain"),
    ("x@co.uk", "public suffix"),
    ("x@com", "single-label"),
    ("x@localhost", "single-label"),
    ("x@[192.0.2.1]", "IP address"),
    ("x@192.0.2.1", "IP address"),
    ("x@[IPv6:2001:db8::1]", "IP address"),
    ("x@ex_ample.com", "invalid domain"),
    ("x@a..example.com", "invalid domain"),
    ("a b@example.com", "invalid local part"),
    ("a<b>@example.com", "invalid local part"),
])
def test_parse_address_rejects(text, reason):
    with pytest.raises(AddressError, match=reason):
        parse_address(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("example.com", "example.com"),
    ("EXAMPLE.COM.", "example.com"),
    ("www.example.co.uk", "example.co.uk"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("someone@Bücher.de", "xn--bcher-kva.de"),
])
def test_normalise_domain_arg(text, expected):
    assert normalise_domain_arg(text) == expected


@pytest.mark.parametrize("text", ["co.uk", "localhost", "192.0.2.1", "", "bad_name.com"])
def test_normalise_domain_arg_rejects(text):
    with pytest.raises(AddressError):
        normalise_domain_arg(text)


def test_to_alabel_and_registrable():
    assert to_alabel("MÜNCHEN.de.") == "xn--mnchen-3ya.de"
    assert registrable_domain("a.b.example.com") == "example.com"
    with pytest.raises(AddressError, match="public suffix"):
        registrable_domain("co.uk")


@pytest.mark.parametrize(("domain", "exempt"), [
    ("gmail.com", True),
    ("googlemail.com", True),
    ("proton.me", True),
    ("gmx.de", True),       # gmx.* over any public suffix
    ("gmx.net", True),
    ("gmx.co.uk", True),
    ("web.de", True),
    ("yandex.ru", True),
    ("gmxx.de", False),
    ("gmail.co", False),
    ("example.com", False),
    ("mygmail.com", False),
])
def test_is_exempt(domain, exempt):
    assert is_exempt(domain) is exempt


def test_exempt_list_extends_from_config():
    assert not is_exempt("corp-mail.example")
    assert is_exempt("corp-mail.example", ["corp-mail.example"])
    assert is_exempt("bigmail.fr", ["bigmail.*"])
    assert is_exempt("xn--bcher-kva.de", ["Bücher.de"])  # Unicode entries compare as A-labels
    matcher = ExemptMatcher(["bigmail.*"])
    assert matcher("bigmail.com.au") and not matcher("bigmail.example.com")

"""RDAP bootstrap: matching, the unlisted-servers table, overrides, URL rules, validation,
and `rdap-bootstrap update` (loopback only; a failure leaves the current file untouched)."""

from __future__ import annotations

import json
import os
import socket

import pytest
from click.testing import CliRunner

from domainwatch_tui.cli import main
from domainwatch_tui.core.rdap.bootstrap import (
    DATA_FILE_NAME,
    Bootstrap,
    BootstrapError,
    parse_bootstrap,
    url_refusal,
    write_bootstrap_atomically,
)


def doc(services, publication="2026-06-26T18:00:02Z"):
    return {"version": "1.0", "publication": publication, "services": services}


def write(path, document):
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


@pytest.fixture
def empty_data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


def test_shipped_snapshot_and_unlisted_table(empty_data):
    b = Bootstrap.load(data_dir=empty_data)
    assert b.base_url("example.com") == "https://rdap.verisign.com/com/v1/"
    assert b.base_url("example.de") == "https://rdap.denic.de/"  # not in IANA: from the table
    assert b.base_url("startup.io") == "https://rdap.identitydigital.services/rdap/"
    assert b.base_url("shop.co.gl") == "https://rdap.centralnic.com/co.gl/"  # longest suffix
    assert b.base_url("shop.gl") == "https://rdap.centralnic.com/gl/"
    url, why = b.match("example.zz")
    assert url is None and ".zz" in why
    url, why = b.match("example.kg")  # IANA lists only http:// for .kg
    assert url is None and "https" in why


def test_config_servers_override_everything(empty_data):
    b = Bootstrap.load(extra_servers={"com": "https://rdap.mirror.example/v1", "zz": "http://127.0.0.5:8/"},
                       data_dir=empty_data)
    assert b.base_url("a.com") == "https://rdap.mirror.example/v1/"
    assert b.base_url("a.zz") == "http://127.0.0.5:8/"


@pytest.mark.parametrize("url", ["http://rdap.example.net/", "ftp://rdap.example.net/", "rdap.example.net",
                                 "https://user:pw@rdap.example.net/"])
def test_insecure_config_server_is_an_error(empty_data, url):
    with pytest.raises(BootstrapError, match=r"servers\.com"):
        Bootstrap.load(extra_servers={"com": url}, data_dir=empty_data)


@pytest.mark.parametrize(("url", "ok"), [
    ("https://rdap.example/", True), ("http://127.0.0.1:9/", True), ("http://127.8.9.10/", True),
    ("http://localhost:80/", True), ("http://[::1]:8080/", True), ("http://128.0.0.1/", False),
    ("http://localhost.evil.example/", False), ("http://[::2]/", False),
])
def test_loopback_rule(url, ok):
    assert (url_refusal(url) is None) is ok


def test_explicit_file_alone_is_the_bootstrap(tmp_path, empty_data):
    f = write(tmp_path / "b.json", doc([[["com", "NET"], ["http://127.0.0.1:9/", "https://x.example/"]]]))
    b = Bootstrap.load(f, data_dir=empty_data)
    assert b.base_url("a.net") == "https://x.example/"  # https preferred when both are offered
    assert b.base_url("a.de") is None  # the shipped unlisted table is not consulted
    assert b.source == str(f)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"services": "nope"}), "no \"services\" list"),
    (json.dumps(doc([])), "no services"),
    (json.dumps(doc([["com", ["https://x/"]]])), "service #1"),
    (json.dumps(doc([[["com"], [7]]])), "service #1"),
])
def test_malformed_files_are_refused(tmp_path, empty_data, content, message):
    f = write(tmp_path / "bad.json", content)
    with pytest.raises(BootstrapError, match=message):
        Bootstrap.load(f, data_dir=empty_data)
    with pytest.raises(BootstrapError, match="cannot read"):
        Bootstrap.load(tmp_path / "missing.json", data_dir=empty_data)


def test_data_folder_copy_is_used_only_when_newer(empty_data):
    newer = doc([[["com"], ["https://newer.example/"]]], publication="2099-01-01T00:00:00Z")
    write(empty_data / DATA_FILE_NAME, newer)
    assert Bootstrap.load(data_dir=empty_data).base_url("a.com") == "https://newer.example/"
    older = doc([[["com"], ["https://older.example/"]]], publication="2001-01-01T00:00:00Z")
    write(empty_data / DATA_FILE_NAME, older)
    assert Bootstrap.load(data_dir=empty_data).base_url("a.com") == "https://rdap.verisign.com/com/v1/"
    write(empty_data / DATA_FILE_NAME, "garbage")  # a broken copy never stops checks
    assert Bootstrap.load(data_dir=empty_data).base_url("a.com") == "https://rdap.verisign.com/com/v1/"


def test_atomic_write_keeps_the_old_file_on_invalid_data(tmp_path):
    dest = tmp_path / "d" / DATA_FILE_NAME
    write_bootstrap_atomically(json.dumps(doc([[["com"], ["https://a.example/"]]])).encode(), dest)
    before = dest.read_bytes()
    with pytest.raises(BootstrapError):
        write_bootstrap_atomically(b"<html>captive portal</html>", dest)
    assert dest.read_bytes() == before
    assert [p.name for p in dest.parent.iterdir()] == [DATA_FILE_NAME]  # no temp file left


def test_parse_counts_services_and_refused_tlds():
    data = parse_bootstrap(doc([[["kg"], ["http://rdap.cctld.kg/"]], [["com"], ["https://c/"]]]), "t")
    assert data.services == 2 and "kg" in data.refused and data.servers == {"com": "https://c/"}


# -- rdap-bootstrap update ----------------------------------------------------------------------
@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    from domainwatch_tui.config import data_dir

    return data_dir()


def test_update_from_a_loopback_server_writes_the_data_folder(rdap_sim, isolated):
    result = CliRunner().invoke(main, ["rdap-bootstrap", "update", "--url", rdap_sim.base_url + "dns.json"])
    assert result.exit_code == 0, result.output
    written = isolated / DATA_FILE_NAME
    assert "services" in json.loads(written.read_text())
    assert str(written) in result.output


def test_update_failure_exits_1_and_leaves_the_file(isolated):
    isolated.mkdir(parents=True)
    current = write(isolated / DATA_FILE_NAME, doc([[["com"], ["https://a.example/"]]]))
    before, mtime = current.read_bytes(), os.stat(current).st_mtime_ns
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for url in (f"http://127.0.0.1:{port}/dns.json", "http://data.iana.example/dns.json"):
        result = CliRunner().invoke(main, ["rdap-bootstrap", "update", "--url", url, "--timeout", "2"])
        assert result.exit_code == 1
        assert "cannot update the RDAP bootstrap" in result.output and "nothing changed" in result.output
    assert current.read_bytes() == before and os.stat(current).st_mtime_ns == mtime

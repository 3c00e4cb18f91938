"""Config: TOML plus DOMAINWATCH_* variables; unknown keys warn, wrong types fail clearly."""

from __future__ import annotations

import warnings

import pytest

from domainwatch_tui.config import SPEC, ConfigError, load_config
from domainwatch_tui.core.model import Phase


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    cfg = load_config(None, env={"DOMAINWATCH_CONFIG": str(tmp_path / "absent.toml")})
    assert cfg.source is None
    for section, keys in SPEC.items():
        for key in keys:
            assert key in cfg.values[section]
    assert cfg.get("rdap", "concurrency") == 4
    assert cfg.get("policy", "expiring_days") == 30
    assert cfg.policy().unverify_phases == (Phase.RE_REGISTERED, Phase.AVAILABLE, Phase.PENDING_DELETE,
                                            Phase.REDEMPTION)


def test_file_values_are_read(tmp_path):
    path = write(tmp_path, '[rdap]\nconcurrency = 2\nrequests_per_second = 1\n'
                           '[policy]\nunverify_phases = ["available"]\n'
                           '[providers]\nexempt = ["corp-mail.example", "bigmail.*"]\n')
    cfg = load_config(path, env={})
    assert cfg.get("rdap", "concurrency") == 2
    assert cfg.get("rdap", "requests_per_second") == 1.0  # an integer is a fine number
    assert cfg.policy().unverify_phases == (Phase.AVAILABLE,)
    assert cfg.get("providers", "exempt") == ["corp-mail.example", "bigmail.*"]


@pytest.mark.parametrize(("text", "needle"), [
    ("[rdap]\nconcurency = 2\n", "unknown key rdap.concurency"),
    ("[colours]\nred = 1\n", "unknown section [colours]"),
])
def test_unknown_key_or_section_warns_and_is_ignored(tmp_path, text, needle):
    with pytest.warns(UserWarning, match=needle.replace("[", r"\[").replace("]", r"\]")):
        cfg = load_config(write(tmp_path, text), env={})
    assert cfg.get("rdap", "concurrency") == 4
    assert any(needle in w for w in cfg.warnings)


@pytest.mark.parametrize(("text", "needle"), [
    ('[rdap]\nconcurrency = "four"\n', "rdap.concurrency: expected an integer"),
    ("[rdap]\nconcurrency = 2.5\n", "rdap.concurrency: expected an integer"),
    ("[rdap]\nconcurrency = true\n", "rdap.concurrency: expected an integer"),
    ('[rdap]\nrequests_per_second = "fast"\n', "rdap.requests_per_second: expected a number"),
    ("[policy]\nunverify_phases = \"available\"\n", "policy.unverify_phases: expected a list"),
    ('[policy]\nunverify_phases = ["gone"]\n', "unknown phase 'gone'"),
    ("[providers]\nexempt = [1, 2]\n", "providers.exempt: expected a list of strings"),
    ("rdap = 3\n", "[rdap] must be a table"),
    ("[rdap\n", "not valid TOML"),
])
def test_wrong_type_is_a_clear_error(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert needle in str(info.value)
    assert str(path) in str(info.value)  # says which file


def test_named_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml", env={})


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, "[rdap]\nconcurrency = 2\n[policy]\nexpiring_days = 10\n")
    cfg = load_config(path, env={"DOMAINWATCH_RDAP_CONCURRENCY": "8",
                                 "DOMAINWATCH_POLICY_UNVERIFY_PHASES": "available, redemption",
                                 "DOMAINWATCH_PROVIDERS_EXEMPT": "corp.example"})
    assert cfg.get("rdap", "concurrency") == 8
    assert cfg.get("policy", "expiring_days") == 10
    assert cfg.get("policy", "unverify_phases") == ["available", "redemption"]
    assert cfg.get("providers", "exempt") == ["corp.example"]


def test_environment_wrong_type_names_the_variable():
    with pytest.raises(ConfigError, match="DOMAINWATCH_RDAP_CONCURRENCY: expected an integer"):
        load_config(None, env={"DOMAINWATCH_RDAP_CONCURRENCY": "many",
                               "DOMAINWATCH_CONFIG": "/nonexistent/config.toml"})


def test_unknown_environment_variable_warns(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_config(None, env={"DOMAINWATCH_RDAP_CONCURENCY": "3",
                               "DOMAINWATCH_CONFIG": str(tmp_path / "absent.toml")})
    assert any("DOMAINWATCH_RDAP_CONCURENCY" in str(w.message) for w in caught)


def test_fixed_variables_are_not_config_keys(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(None, env={"DOMAINWATCH_DB": "/x.db", "DOMAINWATCH_OPERATOR": "op",
                               "DOMAINWATCH_FASTLY_KEY": "secret",
                               "DOMAINWATCH_CONFIG": str(tmp_path / "absent.toml")})


def test_cli_wrong_type_exits_2_with_the_reason(tmp_path, dw_cli):
    path = write(tmp_path, '[providers]\nexempt = "gmail.com"\n')
    data = tmp_path / "a.csv"
    data.write_text("account_id,username,email\n1,a,a@example.com\n", encoding="utf-8")
    result = dw_cli("--config", str(path), "import", str(data))
    assert result.exit_code == 2
    assert "providers.exempt: expected a list of strings" in result.stderr
    assert not dw_cli.db.exists()


def test_cli_unknown_key_warns_on_stderr_and_goes_on(tmp_path, dw_cli):
    path = write(tmp_path, '[providers]\nexempt = ["corp.example"]\nextra = 1\n')
    data = tmp_path / "a.csv"
    data.write_text("account_id,username,email\n1,a,a@corp.example\n", encoding="utf-8")
    result = dw_cli("--config", str(path), "import", str(data), "--json")
    assert result.exit_code == 0
    assert "unknown key providers.extra" in result.stderr
    assert "warning" not in result.stdout
    summary = dw_cli("--config", str(path), "summary", "--json")
    assert '"exempt": 1' in summary.stdout

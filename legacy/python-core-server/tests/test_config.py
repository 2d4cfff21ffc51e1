"""Settings are layered: defaults < TOML file < FARM_* environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm_core.__main__ import CliError, build_parser, config_from
from farm_core.config import ConfigError, parse_listen, resolve


def test_later_layers_win(tmp_path: Path) -> None:
    file = tmp_path / "farm.toml"
    file.write_text('listen = "0.0.0.0:9000"\ndata_dir = "/srv/farm"\nsession_idle_minutes = 5\n')
    config = resolve(file, {"session_idle_minutes": 7})
    assert str(config.listen) == "0.0.0.0:9000", "file beats default"
    assert config.database == "/srv/farm/farm.db", "database follows data_dir"
    assert config.session_idle_minutes == 7, "flag beats file"
    assert config.session_absolute_hours == 168, "default stays"


def test_defaults() -> None:
    config = resolve(None, {})
    assert (str(config.listen), config.database, config.data_dir) == ("127.0.0.1:8080", "./data/farm.db", "./data")
    assert (config.session_idle_ms, config.session_absolute_ms, config.secure_cookies) == (
        43_200_000,
        604_800_000,
        False,
    )


def test_unknown_file_keys_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "farm.toml"
    file.write_text('listn = "0.0.0.0:9000"\n')
    with pytest.raises(ConfigError, match="listn"):
        resolve(file, {})


def test_environment_beats_the_file_and_flags_beat_the_environment(tmp_path: Path, monkeypatch) -> None:
    file = tmp_path / "farm.toml"
    file.write_text('listen = "0.0.0.0:9000"\nsecure_cookies = false\n')
    monkeypatch.setenv("FARM_CONFIG", str(file))
    monkeypatch.setenv("FARM_LISTEN", "127.0.0.1:9001")
    monkeypatch.setenv("FARM_SECURE_COOKIES", "true")
    monkeypatch.setenv("FARM_DATA_DIR", "/var/farm")
    monkeypatch.setenv("FARM_SESSION_IDLE_MINUTES", "")  # empty counts as unset
    config = config_from(build_parser().parse_args(["migrate", "--listen", "[::1]:9002"]))
    assert str(config.listen) == "[::1]:9002"
    assert config.secure_cookies is True
    assert config.database == "/var/farm/farm.db"
    assert config.session_idle_minutes == 720
    monkeypatch.setenv("FARM_LISTEN", "localhost:80")
    with pytest.raises(CliError, match="FARM_LISTEN"):
        config_from(build_parser().parse_args([]))


def test_setting_flags_go_before_or_after_the_command() -> None:
    before = build_parser().parse_args(["--data-dir", "/a", "migrate"])
    after = build_parser().parse_args(["migrate", "--data-dir", "/a"])
    assert before.data_dir == after.data_dir == "/a"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--secure-cookies", "yes"])


def test_listen_addresses_parse_like_rust_socket_addrs() -> None:
    assert str(parse_listen("[::1]:0")) == "[::1]:0"
    for bad in ["localhost:80", "1.2.3.4", "1.2.3.4:70000", "[::1]", "01.2.3.4:80"]:
        with pytest.raises(ConfigError):
            parse_listen(bad)


def test_config_file_types_are_checked(tmp_path: Path) -> None:
    file = tmp_path / "farm.toml"
    file.write_text("session_idle_minutes = -1\n")
    with pytest.raises(ConfigError, match="session_idle_minutes"):
        resolve(file, {})
    file.write_text('secure_cookies = "true"\n')
    with pytest.raises(ConfigError, match="secure_cookies"):
        resolve(file, {})


def test_backup_settings(tmp_path: Path) -> None:
    config = resolve(None, {"data_dir": "/srv/farm"})
    assert (config.backups_path(), config.backup_time, config.backup_keep_days, config.backup_keep_min) == (
        "/srv/farm/backups",
        "03:00",
        30,
        3,
    )
    file = tmp_path / "farm.toml"
    file.write_text('backup_dir = "/mnt/backups"\nbackup_time = "OFF"\nbackup_keep_days = 7\nbackup_keep_min = 1\n')
    config = resolve(file, {})
    assert (config.backups_path(), config.backup_time, config.backup_keep_days, config.backup_keep_min) == (
        "/mnt/backups",
        None,
        7,
        1,
    )
    assert resolve(None, {"backup_time": "4:5"}).backup_time == "4:5", "chrono's %H:%M takes one digit"
    with pytest.raises(ConfigError, match=r'backup_time "25:00" is not HH:MM \(or "off"\)'):
        resolve(None, {"backup_time": "25:00"})

"""One `Config`, layered exactly like the Rust server's: built-in defaults < TOML file (`--config`,
`FARM_CONFIG`) < environment (`FARM_*`) < command-line flags."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1
LOG_FORMATS = ("text", "json")
DEFAULT_DATA_DIR = "./data"


class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ListenAddr:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(text: str) -> ListenAddr:
    """A socket address as Rust's `SocketAddr` parses it: `1.2.3.4:80` or `[::1]:80`, no host names."""
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)|([0-9.]+):(\d+)", text, re.ASCII)
    try:
        if m is None:
            raise ValueError
        host, port = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        addr = ipaddress.IPv6Address(host) if m.group(1) else ipaddress.IPv4Address(host)
        if int(port) > 65535:
            raise ValueError
    except ValueError:
        raise ConfigError(f"invalid socket address syntax: {text}") from None
    return ListenAddr(str(addr), int(port))


def parse_u64(text: str) -> int:
    if re.fullmatch(r"\+?[0-9]+", text) is None or int(text) > U64_MAX:
        raise ConfigError(f"not a non-negative integer: {text}")
    return int(text)


def parse_bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ConfigError(f"invalid value '{text}' [possible values: true, false]")
    return text == "true"


def parse_log_format(text: str) -> str:
    if text not in LOG_FORMATS:
        raise ConfigError(f"invalid value '{text}' [possible values: text, json]")
    return text


@dataclass(frozen=True, slots=True)
class Config:
    # Address the HTTP server listens on.
    listen: ListenAddr = ListenAddr("127.0.0.1", 8080)
    # The SQLite database file. Paths stay strings so they print as given (`./data/farm.db`), like Rust's.
    database: str = os.path.join(DEFAULT_DATA_DIR, "farm.db")
    # Where backups and other state live.
    data_dir: str = DEFAULT_DATA_DIR
    log_format: str = "text"
    # Accepted so one configuration file serves both backends; this backend serves no dashboard.
    dashboard_dir: str | None = None
    # A session ends after this long without a request.
    session_idle_minutes: int = 12 * 60
    # A session ends this long after login, however active.
    session_absolute_hours: int = 7 * 24
    # Mark the session cookie `Secure` (set when a TLS proxy sits in front).
    secure_cookies: bool = False
    # Where backups go [default: <data-dir>/backups].
    backup_dir: str | None = None
    # Daily backup time, HH:MM in the site's time zone; None turns scheduled backups off.
    backup_time: str | None = "03:00"
    # Delete backups older than this many days.
    backup_keep_days: int = 30
    # Always keep at least this many newest verified backups.
    backup_keep_min: int = 3
    # Diagnostics for tests: count executed SQL statements. Not a command-line setting.
    count_statements: bool = False

    @property
    def session_idle_ms(self) -> int:
        return min(self.session_idle_minutes * 60_000, I64_MAX)

    @property
    def session_absolute_ms(self) -> int:
        return min(self.session_absolute_hours * 3_600_000, I64_MAX)

    def backups_path(self) -> str:
        """The backups folder (Rust's `Config::backup_dir()`)."""
        return self.backup_dir if self.backup_dir is not None else os.path.join(self.data_dir, "backups")

    @classmethod
    def in_dir(cls, data_dir: str | Path) -> Config:
        """Defaults with the database in `data_dir` (tests and tools)."""
        return cls(database=os.path.join(data_dir, "farm.db"), data_dir=str(data_dir))

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


# Every setting: name -> parser of its text form (flags, environment).
_PARSERS = {
    "listen": parse_listen,
    "database": str,
    "data_dir": str,
    "log_format": parse_log_format,
    "dashboard_dir": str,
    "session_idle_minutes": parse_u64,
    "session_absolute_hours": parse_u64,
    "secure_cookies": parse_bool,
    "backup_dir": str,
    "backup_time": str,
    "backup_keep_days": parse_u64,
    "backup_keep_min": parse_u64,
}
SETTINGS = tuple(_PARSERS)


def env_layer(environ: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    """The `FARM_*` variables that are set (an empty variable counts as unset, as with clap)."""
    layer = {}
    for name, parse in _PARSERS.items():
        value = environ.get(f"FARM_{name.upper()}")
        if value:
            try:
                layer[name] = parse(value)
            except ConfigError as err:
                raise ConfigError(f"FARM_{name.upper()}: {err}") from None
    return layer


def _file_value(name: str, value: Any) -> Any:
    expected = {
        "session_idle_minutes": int,
        "session_absolute_hours": int,
        "secure_cookies": bool,
        "backup_keep_days": int,
        "backup_keep_min": int,
    }.get(name, str)
    if type(value) is not expected:
        kind = {int: "an integer", bool: "a boolean", str: "a string"}[expected]
        raise ConfigError(f"invalid type for `{name}`: expected {kind}")
    if expected is int and not 0 <= value <= U64_MAX:
        raise ConfigError(f"invalid value for `{name}`: expected a non-negative integer")
    return _PARSERS[name](value) if expected is str else value


def file_layer(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"reading config file {path}: {err}") from None
    try:
        data = tomllib.loads(text)
        unknown = [key for key in data if key not in _PARSERS]
        if unknown:
            expected = ", ".join(f"`{name}`" for name in SETTINGS)
            raise ConfigError(f"unknown field `{unknown[0]}`, expected one of {expected}")
        return {name: _file_value(name, value) for name, value in data.items()}
    except (tomllib.TOMLDecodeError, ConfigError) as err:
        raise ConfigError(f"parsing config file {path}: {err}") from None


def resolve(config_file: Path | None, top: dict[str, Any]) -> Config:
    """Layers: defaults < the file named by `--config` / `FARM_CONFIG` < `top` (environment, then flags)."""
    merged = file_layer(config_file) if config_file is not None else {}
    merged.update(top)
    data_dir = merged.get("data_dir", DEFAULT_DATA_DIR)
    merged.setdefault("database", os.path.join(data_dir, "farm.db"))
    time = merged.get("backup_time")
    if time is not None and time.lower() == "off":
        merged["backup_time"] = None
    elif time is not None and not _is_hh_mm(time):
        raise ConfigError(f'backup_time {json.dumps(time, ensure_ascii=False)} is not HH:MM (or "off")')
    return Config(**merged)


def _is_hh_mm(text: str) -> bool:
    """What chrono's `NaiveTime::parse_from_str(text, "%H:%M")` accepts."""
    match = re.fullmatch(r"\s*([0-9]{1,2}):\s*([0-9]{1,2})", text)
    return match is not None and int(match.group(1)) < 24 and int(match.group(2)) < 60

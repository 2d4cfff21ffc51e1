"""Field nodes: names, MAC addresses, keys of their sensors and outputs, and liveness."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from farm_core.domain.errors import Validation
from farm_core.domain.text import has_control, trim

DEFAULT_HEARTBEAT_INTERVAL_S = 30
# A node is online while its last heartbeat is younger than this many intervals.
ONLINE_INTERVALS = 2
_HEX = frozenset("0123456789abcdefABCDEF")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class NodeStatus(enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    RETIRED = "retired"


def node_status(last_seen_at: int | None, interval_s: int, retired: bool, now: int) -> NodeStatus:
    """Online when seen within two heartbeat intervals; retired trumps everything."""
    if retired:
        return NodeStatus.RETIRED
    if last_seen_at is not None and now - last_seen_at < ONLINE_INTERVALS * interval_s * 1000:
        return NodeStatus.ONLINE
    return NodeStatus.OFFLINE


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    name: str
    # Lower-case, colon-separated.
    mac: str
    model: str
    agent_version: str
    ip: str | None
    status: NodeStatus
    heartbeat_interval_s: int
    uptime_s: int | None
    adopted_at: int
    last_seen_at: int | None
    retired_at: int | None


def parse_name(field: str, raw: str) -> str:
    """1-64 characters, trimmed, no control characters."""
    name = trim(raw)
    if not name or len(name) > 64 or has_control(name):
        raise Validation.invalid(field, "must be 1 to 64 characters without control characters")
    return name


def parse_mac(field: str, raw: str) -> str:
    """Accepts `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF` or `aabbccddeeff`; returns the colon form."""
    trimmed = trim(raw)
    hex_digits = "".join(ch for ch in trimmed if ch not in ":-")
    separators = len(trimmed) - len(hex_digits)
    if len(hex_digits) != 12 or not _HEX.issuperset(hex_digits) or separators not in (0, 5):
        raise Validation.invalid(field, "must be a MAC address such as b8:27:eb:12:34:56")
    lower = hex_digits.lower()
    return ":".join(lower[i : i + 2] for i in range(0, 12, 2))


def parse_key(field: str, raw: str) -> str:
    """Sensor and output keys, as the node's agent names them: 1-32 of `a-z 0-9 _`."""
    if not 1 <= len(raw) <= 32 or not _KEY_CHARS.issuperset(raw):
        raise Validation.invalid(field, "must be 1 to 32 characters of a-z, 0-9 and '_'")
    return raw


def check_heartbeat_interval(field: str, seconds: int) -> int:
    if not 5 <= seconds <= 3600:
        raise Validation.invalid(field, "must be between 5 and 3600 seconds")
    return seconds


def parse_label(field: str, raw: str) -> str:
    """Free text a node reports about itself (model, agent version, IP): at most 64 characters."""
    if len(raw) > 64 or has_control(raw):
        raise Validation.invalid(field, "must be at most 64 characters without control characters")
    return raw

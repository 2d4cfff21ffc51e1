"""The backup settings' rules (Rust's `domain/setup.rs`, where the first-run wizard chooses them):
a daily time `HH:MM` or off, and an absolute folder path."""

from __future__ import annotations

import re

from farm_core.domain.errors import Validation
from farm_core.domain.text import WHITE_SPACE, has_control, trim

# What chrono's `NaiveTime::parse_from_str(text, "%H:%M")` accepts: one or two digits each, and
# whitespace (Rust's, not Python's `\s`) before the minutes.
_HH_MM = re.compile(f"([0-9]{{1,2}}):[{re.escape(WHITE_SPACE)}]*([0-9]{{1,2}})")

DIR_MAX_BYTES = 1024


def parse_daily_at(field: str, raw: str) -> str | None:
    """`HH:MM` (24-hour), or `off` (None)."""
    raw = trim(raw)
    if raw.isascii() and raw.lower() == "off":
        return None
    match = _HH_MM.fullmatch(raw)
    if len(raw.encode()) == 5 and match is not None and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return raw
    raise Validation.invalid(field, "must be a time HH:MM such as 03:00, or off")


def parse_backup_dir(field: str, raw: str) -> str:
    """An absolute path; whether it is writable is checked where the file system is."""
    raw = trim(raw)
    if not raw or len(raw.encode()) > DIR_MAX_BYTES or has_control(raw):
        raise Validation.invalid(field, "must be a folder path of at most 1024 characters")
    if not raw.startswith("/"):
        raise Validation.invalid(field, "must be an absolute path such as /var/backups/farm")
    return raw

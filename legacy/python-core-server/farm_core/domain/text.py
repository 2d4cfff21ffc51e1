"""Text rules shared by the domain modules, as Rust's `str` and `char` methods apply them."""

from __future__ import annotations

import unicodedata

# Rust's `str::trim` trims the Unicode White_Space property, which differs from `str.strip()`.
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))


def trim(text: str) -> str:
    """Rust's `str::trim`."""
    return text.strip(WHITE_SPACE)


def has_control(text: str) -> bool:
    """Whether any character is `char::is_control` (general category Cc)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def parse_i64(text: str) -> int | None:
    """Rust's `i64::from_str`: an optional sign and ASCII digits, in range."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None

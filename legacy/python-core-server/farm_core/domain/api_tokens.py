"""API tokens for scripts: a named secret carrying a subset of its owner's capabilities."""

from __future__ import annotations

from dataclasses import dataclass

from farm_core.auth.capabilities import Capability, sort_caps
from farm_core.domain.errors import FieldError, Validation

NAME_MAX = 64
# Rust's `str::trim` trims the Unicode White_Space property, which differs from `str.strip()`.
_WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    # The first characters of the secret, to tell tokens apart; the secret itself is shown once.
    prefix: str
    user_id: int
    username: str
    capabilities: tuple[Capability, ...]
    created_at: int
    expires_at: int | None
    last_used_at: int | None
    revoked_at: int | None


def parse_name(raw: str) -> str:
    name = raw.strip(_WHITE_SPACE)
    if not name or len(name) > NAME_MAX:
        raise Validation.invalid("name", "must be 1 to 64 characters")
    return name


def check_capabilities(requested: list[Capability], creator: tuple[Capability, ...]) -> list[Capability]:
    """A token may carry only capabilities its creator has; the result is sorted and deduplicated."""
    if not requested:
        raise Validation.invalid("capabilities", "must name at least one capability")
    problems = [
        FieldError(f"capabilities[{i}]", f"{cap.value} is not a capability of the token's creator")
        for i, cap in enumerate(requested)
        if cap not in creator
    ]
    if problems:
        raise Validation(problems)
    return sort_caps(set(requested))


def check_expiry(expires_at: int | None, now: int) -> None:
    if expires_at is not None and expires_at <= now:
        raise Validation.invalid("expires_at", "must be in the future")

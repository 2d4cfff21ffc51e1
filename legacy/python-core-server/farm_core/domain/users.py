"""Users: names, passwords, roles, and the rule that a site never loses its last admin."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from farm_core.domain.errors import Conflict, Validation

USERNAME_MAX = 32
PASSWORD_MIN = 10
# Argon2 happily hashes megabytes; a cap keeps login from becoming a CPU sink.
PASSWORD_MAX = 256
_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
_USERNAME_START = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class Role(enum.Enum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


def parse_username(field: str, raw: str) -> str:
    """3-32 characters of `a-z 0-9 . _ -`, starting with a letter or digit."""
    if 3 <= len(raw.encode()) <= USERNAME_MAX and _USERNAME_CHARS.issuperset(raw) and raw[0] in _USERNAME_START:
        return raw
    raise Validation.invalid(
        field, "must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    )


def parse_password(field: str, raw: str) -> str:
    """A new password that meets the rules (counted in characters, not bytes)."""
    if len(raw) < PASSWORD_MIN:
        raise Validation.invalid(field, "must be at least 10 characters")
    if len(raw) > PASSWORD_MAX:
        raise Validation.invalid(field, "must be at most 256 characters")
    return raw


@dataclass(frozen=True, slots=True)
class User:
    """A user as the API shows it (never with the password hash); times in epoch milliseconds."""

    id: int
    username: str
    role: Role
    disabled: bool
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class UserChange:
    """A change to a user; `None` leaves the field as it is."""

    role: Role | None = None
    disabled: bool | None = None
    password_hash: str | None = None

    def keeps_admin(self, user: User) -> bool:
        role = self.role if self.role is not None else user.role
        disabled = self.disabled if self.disabled is not None else user.disabled
        return role is Role.ADMIN and not disabled


def is_active_admin(user: User) -> bool:
    return user.role is Role.ADMIN and not user.disabled


def check_change_keeps_an_admin(user: User, change: UserChange, active_admins: int) -> None:
    """Demoting or disabling the only enabled admin would lock everyone out of user management."""
    if is_active_admin(user) and not change.keeps_admin(user) and active_admins <= 1:
        raise Conflict("the last enabled admin cannot be demoted or disabled")


def check_delete_keeps_an_admin(user: User, active_admins: int) -> None:
    if is_active_admin(user) and active_admins <= 1:
        raise Conflict("the last enabled admin cannot be deleted")

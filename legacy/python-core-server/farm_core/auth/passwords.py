"""Argon2id password hashes in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$...`), with the
Rust server's parameters, so a user created by one backend logs in on the other."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# The `argon2` crate's defaults (Argon2::default()): argon2id v19, 19 MiB, 2 passes, 1 lane.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password: str, phc: str) -> bool:
    """False for a wrong password and for a hash that cannot be parsed."""
    try:
        return _HASHER.verify(phc, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")


def verify_dummy(password: str) -> None:
    """Spends the time a real verification would, so an unknown username answers no faster than a
    wrong password."""
    verify(password, _dummy_hash())

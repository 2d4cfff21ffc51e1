"""The one error family below the HTTP layer. It names what went wrong in domain terms;
`farm_core.errors` turns it into a status code and the JSON error body at the boundary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field of a request, as reported in `error.details`."""

    field: str
    problem: str


class DomainError(Exception):
    """Base of the errors the HTTP boundary knows how to answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Validation(DomainError):
    """Well-formed but invalid input; at least one field says why."""

    def __init__(self, fields: list[FieldError]) -> None:
        super().__init__("; ".join(f"{f.field} {f.problem}" for f in fields))
        self.fields = fields

    @classmethod
    def invalid(cls, field: str, problem: str) -> Validation:
        return cls([FieldError(field, problem)])


class BadRequest(DomainError):
    """Input that could not be read at all (malformed JSON, bad path parameter)."""


class PayloadTooLarge(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


class Forbidden(DomainError):
    pass


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class Conflict(DomainError):
    """A unique name taken, a stale update, a rule such as "the last admin stays"."""


class RateLimited(DomainError):
    def __init__(self, retry_after_secs: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after_secs} s")
        self.retry_after_secs = retry_after_secs


class Unavailable(DomainError):
    pass


class TokenExpired(DomainError):
    """A single-use token whose time ran out (adoption)."""

    def __init__(self) -> None:
        super().__init__("the token has expired; ask for a new one")

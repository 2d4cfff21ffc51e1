"""Outputs (relays and levels) and the commands that move them, with their lifecycle:
`queued -> delivered -> confirmed | failed | expired`."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from farm_core.domain.errors import Validation

# A command not delivered (or, once delivered, not acknowledged) within this long expires.
COMMAND_TTL_MS = 60_000


class OutputKind(enum.Enum):
    # On/off: state 0 or 1.
    RELAY = "relay"
    # Proportional: state 0 to 100 (percent).
    LEVEL = "level"

    @property
    def max_state(self) -> int:
        return 1 if self is OutputKind.RELAY else 100

    def check_state(self, field: str, state: int) -> int:
        if 0 <= state <= self.max_state:
            return state
        if self is OutputKind.RELAY:
            raise Validation.invalid(field, "must be 0 (off) or 1 (on) for a relay")
        raise Validation.invalid(field, "must be between 0 and 100 for a level output")


def output_kind_from_db(text: str) -> OutputKind:
    return OutputKind.LEVEL if text == "level" else OutputKind.RELAY


@dataclass(frozen=True, slots=True)
class Output:
    id: int
    node_id: int
    key: str
    name: str
    kind: OutputKind
    # What it returns to when nothing claims it.
    default_state: int
    # What the controller wants.
    desired_state: int
    # What the node last said it is.
    reported_state: int | None
    reported_at: int | None


class CommandStatus(enum.Enum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self is CommandStatus.QUEUED or self is CommandStatus.DELIVERED


class CommandSource(enum.Enum):
    USER = "user"
    API_TOKEN = "api_token"
    SCHEDULE = "schedule"
    RECONCILIATION = "reconciliation"


_STATUSES = {s.value: s for s in CommandStatus}
_SOURCES = {s.value: s for s in CommandSource}


def status_from_db(text: str) -> CommandStatus:
    return _STATUSES.get(text, CommandStatus.EXPIRED)


def source_from_db(text: str) -> CommandSource:
    return _SOURCES.get(text, CommandSource.USER)


@dataclass(frozen=True, slots=True)
class Command:
    id: int
    output_id: int
    node_id: int
    # The output's key on its node, so the agent knows which output to move.
    output_key: str
    state: int
    source: CommandSource
    requested_by: str | None
    status: CommandStatus
    created_at: int
    delivered_at: int | None
    finished_at: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked for a command."""

    source: CommandSource
    name: str | None


@dataclass(frozen=True, slots=True)
class Ack:
    """The outcome a node reports for a command."""

    ok: bool
    reported_state: int | None
    error: str | None

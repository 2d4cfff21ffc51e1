"""Roles map to capabilities; handlers only ever check capabilities."""

from __future__ import annotations

import enum

from farm_core.domain.users import Role


class Capability(enum.Enum):
    """Declared in alphabetical order, so sorting by declaration sorts by name (as in Rust)."""

    ALARMS_ACK = "alarms.ack"
    ALARMS_VIEW = "alarms.view"
    BACKUPS_MANAGE = "backups.manage"
    BACKUPS_VIEW = "backups.view"
    CONFIG_WRITE = "config.write"
    LOGS_VIEW = "logs.view"
    NODES_MANAGE = "nodes.manage"
    NODES_VIEW = "nodes.view"
    OUTPUTS_COMMAND = "outputs.command"
    SCHEDULES_RUN = "schedules.run"
    SCHEDULES_VIEW = "schedules.view"
    SCHEDULES_WRITE = "schedules.write"
    TOKENS_MANAGE = "tokens.manage"
    USERS_MANAGE = "users.manage"


ALL: tuple[Capability, ...] = tuple(Capability)
_ORDER = {cap: i for i, cap in enumerate(ALL)}
_BY_NAME = {cap.value: cap for cap in ALL}

_VIEWER = (
    Capability.NODES_VIEW,
    Capability.SCHEDULES_VIEW,
    Capability.ALARMS_VIEW,
    Capability.LOGS_VIEW,
    Capability.BACKUPS_VIEW,
)
_OPERATOR_EXTRA = (Capability.OUTPUTS_COMMAND, Capability.ALARMS_ACK, Capability.SCHEDULES_RUN)


def sort_caps(caps: list[Capability] | tuple[Capability, ...] | set[Capability]) -> list[Capability]:
    return sorted(caps, key=_ORDER.__getitem__)


def parse(name: str) -> Capability | None:
    return _BY_NAME.get(name)


_BY_ROLE: dict[Role, tuple[Capability, ...]] = {
    Role.VIEWER: tuple(sort_caps(_VIEWER)),
    Role.OPERATOR: tuple(sort_caps(_VIEWER + _OPERATOR_EXTRA)),
    Role.ADMIN: ALL,
}


def capabilities_of(role: Role) -> tuple[Capability, ...]:
    """What a role may do, sorted."""
    return _BY_ROLE[role]

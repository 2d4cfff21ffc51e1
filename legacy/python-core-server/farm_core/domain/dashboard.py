"""What the overview page needs, in one response."""

from __future__ import annotations

from dataclasses import dataclass

from farm_core.domain.nodes import Node, NodeStatus
from farm_core.domain.outputs import Command, Output
from farm_core.domain.sensors import Sensor
from farm_core.domain.site import Site

# A reading older than this many intervals is stale.
STALE_INTERVALS = 3


def is_stale(sensor: Sensor, now: int) -> bool:
    if sensor.last_ts is None:
        return True
    return now - sensor.last_ts > STALE_INTERVALS * sensor.interval_s * 1000


@dataclass(frozen=True, slots=True)
class Counts:
    nodes_online: int
    nodes_offline: int
    nodes_retired: int
    sensors: int
    sensors_stale: int
    outputs: int
    commands_pending: int


# A backup older than this is stale, and the backup check raises an alarm.
BACKUP_STALE_AFTER_MS = 2 * 24 * 3_600_000


@dataclass(frozen=True, slots=True)
class BackupHealth:
    """The newest verified backup, for the overview's backup card."""

    newest_verified_at: int | None = None
    age_s: int | None = None
    # No verified backup, or the newest is older than two days (an alarm is raised as well).
    stale: bool = False

    @staticmethod
    def at(newest_verified: int | None, now: int) -> BackupHealth:
        if newest_verified is None:
            return BackupHealth(None, None, True)
        age_ms = now - newest_verified
        return BackupHealth(newest_verified, age_ms // 1000, age_ms > BACKUP_STALE_AFTER_MS)


@dataclass(frozen=True, slots=True)
class DashboardState:
    site: Site
    nodes: list[Node]
    # Each sensor with whether it is stale (no reading within three intervals).
    sensors: list[tuple[Sensor, bool]]
    # Each output with its newest command (None when none), pending or not.
    outputs: list[tuple[Output, Command | None]]
    counts: Counts
    generated_at: int
    # Filled in from the backups folder, not the database.
    backup: BackupHealth = BackupHealth()


def assemble(
    site: Site, nodes: list[Node], sensors: list[Sensor], outputs: list[tuple[Output, Command | None]], now: int
) -> DashboardState:
    by_status = dict.fromkeys(NodeStatus, 0)
    for node in nodes:
        by_status[node.status] += 1
    sensor_states = [(s, is_stale(s, now)) for s in sensors]
    pending = sum(1 for _, last in outputs if last is not None and last.status.is_open)
    counts = Counts(
        nodes_online=by_status[NodeStatus.ONLINE],
        nodes_offline=by_status[NodeStatus.OFFLINE],
        nodes_retired=by_status[NodeStatus.RETIRED],
        sensors=len(sensor_states),
        sensors_stale=sum(1 for _, stale in sensor_states if stale),
        outputs=len(outputs),
        commands_pending=pending,
    )
    return DashboardState(site, nodes, sensor_states, outputs, counts, now)

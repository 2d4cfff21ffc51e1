"""Adoption: a new field node announces itself, an admin issues a single-use token bound to its
MAC, and the node claims its identity with it. A replacement token binds a new device to an
existing node, which keeps its sensors, outputs, history and schedules."""

from __future__ import annotations

from dataclasses import dataclass

from farm_core.domain.outputs import OutputKind
from farm_core.domain.sensors import SensorKind

# Announcements older than this drop off the candidates list.
CANDIDATE_TTL_MS = 10 * 60 * 1000
# An adoption token is good for this long.
TOKEN_TTL_MS = 15 * 60 * 1000
BUNDLE_VERSION = 1
# How often an unadopted node should announce itself.
ANNOUNCE_EVERY_S = 30


@dataclass(frozen=True, slots=True)
class Candidate:
    mac: str
    model: str
    agent_version: str
    ip: str | None
    # `announce` or `mdns`.
    source: str
    first_seen_at: int
    last_seen_at: int


@dataclass(frozen=True, slots=True)
class AdoptionToken:
    id: int
    mac: str
    name: str
    # Set for a replacement: the node the new device becomes.
    node_id: int | None
    expires_at: int


@dataclass(frozen=True, slots=True)
class BundleSensor:
    key: str
    name: str
    kind: SensorKind
    unit: str
    interval_s: int
    retention_days: int


@dataclass(frozen=True, slots=True)
class BundleOutput:
    key: str
    name: str
    kind: OutputKind
    default_state: int
    desired_state: int


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    """A schedule row as the Rust server stores it: recurrence, conditions and actions are the
    JSON serde wrote, which reads back and writes again to the same text."""

    id: int
    name: str
    enabled: bool
    priority: int
    timezone: str | None
    recurrence: str
    conditions: str | None
    actions: str
    missed_run_policy: str
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class NodeBundle:
    """Everything needed to set a node up again: its settings, sensors, outputs and the schedules
    that act on it. Versioned, so an older agent can tell it cannot read a newer bundle."""

    version: int
    name: str
    heartbeat_interval_s: int
    sensors: list[BundleSensor]
    outputs: list[BundleOutput]
    schedules: list[StoredSchedule]

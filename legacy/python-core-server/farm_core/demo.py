"""The demo farm for `serve --demo`, the Rust server's (crates/core-server/src/demo.rs): an admin
with a one-time password, a site, three nodes with ten sensors and six outputs, 30 days of
one-minute history from the node simulator's waveforms, and `demo-nodes.json` with the node
tokens for `node-sim`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

from farm_core.auth import passwords, secrets
from farm_core.domain import users
from farm_core.domain.metrics import HOUR_MS
from farm_core.domain.outputs import OutputKind
from farm_core.domain.sensors import Reading, SensorKind
from farm_core.domain.site import Units
from farm_core.store import Store
from farm_core.store.nodes import NewNode, NewOutput, NewSensor
from farm_core.store.site import SiteChange
from farm_core.waveform import Drivers, Sensor

log = logging.getLogger("farm_core")

HISTORY_DAYS = 30
MINUTE_MS = 60_000
DAY_MS = 24 * HOUR_MS

# (name, MAC, sensors (key, name, kind, unit), outputs (key, name, kind, default state))
NODES = [
    (
        "Greenhouse",
        "b8:27:eb:00:00:01",
        [
            ("air_temp", "Air temperature", SensorKind.TEMPERATURE, "°C"),
            ("air_humidity", "Air humidity", SensorKind.HUMIDITY, "%"),
            ("soil_bed_a", "Soil moisture, bed A", SensorKind.SOIL_MOISTURE, "%"),
            ("soil_bed_b", "Soil moisture, bed B", SensorKind.SOIL_MOISTURE, "%"),
        ],
        [
            ("irrigation_valve", "Irrigation valve", OutputKind.RELAY, 0),
            ("vent_fan", "Vent fan", OutputKind.RELAY, 0),
            ("grow_lights", "Grow lights", OutputKind.LEVEL, 0),
        ],
    ),
    (
        "Pump house",
        "b8:27:eb:00:00:02",
        [
            ("tank_level", "Tank level", SensorKind.LEVEL, "%"),
            ("line_pressure", "Line pressure", SensorKind.PRESSURE, "hPa"),
            ("flow", "Flow", SensorKind.FLOW, "L/min"),
        ],
        [("pump", "Well pump", OutputKind.RELAY, 0)],
    ),
    (
        "Barn",
        "b8:27:eb:00:00:03",
        [
            ("barn_temp", "Barn temperature", SensorKind.TEMPERATURE, "°C"),
            ("battery", "Battery voltage", SensorKind.VOLTAGE, "V"),
            ("power", "Power draw", SensorKind.POWER, "W"),
        ],
        [
            ("heater", "Heater", OutputKind.RELAY, 0),
            ("barn_lights", "Barn lights", OutputKind.RELAY, 0),
        ],
    ),
]

_IDLE = Drivers()
_IRRIGATING = (13 * 60, 13 * 60 + 30)
_PUMPING = (12 * 60 + 50, 13 * 60 + 40)


def drivers_at(t_ms: int) -> Drivers:
    """The demo's irrigation routine, so the history shows soil moisture rising at dawn."""
    minute_of_day = t_ms % DAY_MS // MINUTE_MS
    irrigating = _IRRIGATING[0] <= minute_of_day < _IRRIGATING[1]
    pumping = _PUMPING[0] <= minute_of_day < _PUMPING[1]
    if not (irrigating or pumping):
        return _IDLE
    return Drivers(irrigating, pumping, int(irrigating) + int(pumping))


def history(kind: SensorKind, seed: int, start: int, end: int) -> list[tuple[int, float]]:
    """One reading a minute from `start` until `end`, as the Rust demo computes them."""
    wave = Sensor(kind.value, seed)
    return [(t, wave.read(t, MINUTE_MS, drivers_at(t))) for t in range(start, end, MINUTE_MS)]


async def seed(store: Store, data_dir: str, now: int) -> str | None:
    """Creates the admin (when no user exists) and the demo farm (when no node exists). Returns
    the admin password when one was created, to be printed once."""
    admin_password = None
    if await store.users.count() == 0:
        password = "".join(ch for ch in secrets.random_secret() if ch.isascii() and ch.isalnum())[:16]
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        await store.users.create("admin", password_hash, users.Role.ADMIN, now)
        admin_password = password
    if await store.nodes.list(now):
        return admin_password
    started = time.monotonic()
    # The waveforms peak mid-afternoon UTC, which is mid-afternoon here too.
    await store.site.update(SiteChange("Demo Farm", "Europe/Berlin", Units.METRIC), now)
    nodes_file = []
    readings: list[Reading] = []
    start = now - HISTORY_DAYS * DAY_MS
    for n, (name, mac, sensors, outputs) in enumerate(NODES):
        token = secrets.new_node_token()
        new = NewNode(
            name=name,
            mac=mac,
            model="Raspberry Pi 4",
            agent_version="demo",
            heartbeat_interval_s=15,
            token_hash=secrets.digest(token),
            sensors=[NewSensor(key, label, kind, unit, 10, 365) for key, label, kind, unit in sensors],
            outputs=[NewOutput(key, label, kind, default) for key, label, kind, default in outputs],
        )
        _, created, _ = await store.nodes.create(new, now)
        for i, sensor in enumerate(created):
            points = await asyncio.to_thread(history, sensor.kind, n * 10 + i + 1, start, now)
            readings.extend((sensor.id, t, v) for t, v in points)
        nodes_file.append(
            {
                "name": name,
                "token": token,
                "sensors": [{"key": key, "kind": kind.value} for key, _, kind, _ in sensors],
                "outputs": [
                    {"key": key, "kind": kind.value, "default_state": default} for key, _, kind, default in outputs
                ],
            }
        )
    stored = (await store.metrics.import_readings(readings)).stored
    text = json.dumps({"nodes": nodes_file}, indent=2, sort_keys=True, ensure_ascii=False)
    write_secret_file(os.path.join(data_dir, "demo-nodes.json"), text.encode())
    log.info("demo farm seeded readings=%s days=%s seconds=%.1f", stored, HISTORY_DAYS, time.monotonic() - started)
    return admin_password


def write_secret_file(path: str, data: bytes) -> None:
    """Writes a file only its owner can read: it holds node tokens."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)

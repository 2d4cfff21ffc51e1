"""Believable sensor readings, the same numbers as the Rust node simulator's waveforms
(crates/node-sim/src/waveform.rs): a daily temperature cycle, humidity that mirrors it, soil
moisture that dries out and rises while irrigation runs, a tank that drains while the pump runs,
and small deterministic noise. Every operation is the Rust one, in the same order, so the demo
history of both backends is the same to the last bit."""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY_MS = 86_400_000.0
HOUR_MS = 3_600_000.0
_MASK = 2**64 - 1
_U64_MAX = float(_MASK)


def noise(t_ms: int, seed: int) -> float:
    """Deterministic noise in [-1, 1] from a time and a seed (splitmix64)."""
    z = ((t_ms & _MASK) + seed * 0x9E37_79B9_7F4A_7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & _MASK
    z ^= z >> 31
    return (float(z) / _U64_MAX) * 2.0 - 1.0


def daily(t_ms: int) -> float:
    """Fraction of the day's cycle, peaking mid-afternoon (15:00 UTC)."""
    phase = math.fmod(float(t_ms), DAY_MS) / DAY_MS
    return math.sin(math.tau * (phase - 0.375))


def rust_round(value: float) -> float:
    """`f64::round`: half-way cases away from zero."""
    if not math.isfinite(value):
        return value
    whole = float(math.trunc(value))
    if abs(value - whole) >= 0.5:
        whole += math.copysign(1.0, value)
    return math.copysign(whole, value)


def round2(value: float) -> float:
    return rust_round(value * 100.0) / 100.0


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


@dataclass(frozen=True, slots=True)
class Drivers:
    """Which outputs are on, as far as the waveforms care."""

    irrigating: bool = False
    pumping: bool = False
    # Relays switched on (for current and power draw).
    relays_on: int = 0


class Sensor:
    """A simulated sensor and the state it carries between readings (soil moisture, tank level)."""

    __slots__ = ("kind", "level", "seed")

    def __init__(self, kind: str, seed: int) -> None:
        self.kind = kind
        self.seed = seed
        self.level = {"soil_moisture": 32.0, "level": 70.0}.get(kind, 0.0)

    def read(self, t_ms: int, dt_ms: int, drivers: Drivers) -> float:
        """The reading at `t_ms`, `dt_ms` after the previous one."""
        n = noise(t_ms, self.seed)
        hours = float(dt_ms) / HOUR_MS
        kind = self.kind
        if kind == "temperature":
            v = 17.0 + 7.0 * daily(t_ms) + 0.3 * n
        elif kind == "humidity":
            v = clamp(68.0 - 18.0 * daily(t_ms) + 1.5 * n, 5.0, 100.0)
        elif kind == "soil_moisture":
            drying = 0.35 + 0.25 * max(daily(t_ms), 0.0)
            delta = 9.0 if drivers.irrigating else -drying
            self.level = clamp(self.level + delta * hours, 12.0, 55.0)
            v = self.level + 0.2 * n
        elif kind == "pressure":
            v = 1013.0 + 4.0 * math.sin((float(t_ms) / (3.0 * DAY_MS)) * math.tau) + 0.3 * n
        elif kind == "flow":
            v = 12.0 + 0.4 * n if drivers.pumping or drivers.irrigating else 0.0
        elif kind == "level":
            delta = -6.0 if drivers.pumping else 1.5
            self.level = clamp(self.level + delta * hours, 5.0, 98.0)
            v = self.level + 0.1 * n
        elif kind == "voltage":
            v = 12.6 - 0.3 * float(min(drivers.relays_on, 4)) / 4.0 + 0.05 * n
        elif kind == "current":
            v = 0.2 + 2.8 * float(drivers.relays_on) + 0.05 * abs(n)
        elif kind == "power":
            v = 15.0 + 340.0 * float(drivers.relays_on) + 3.0 * n
        else:
            v = 50.0 + 10.0 * daily(t_ms) + n
        return round2(v)

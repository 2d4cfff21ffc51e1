"""Site settings: the farm's name, its IANA time zone and preferred units."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from farm_core.domain.errors import Validation
from farm_core.domain.iana_zones import NAMES


class Units(enum.Enum):
    METRIC = "metric"
    IMPERIAL = "imperial"


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    # IANA time zone, e.g. `America/Los_Angeles`.
    timezone: str
    units: Units
    updated_at: int


def parse_timezone(field: str, raw: str) -> str:
    """Only names in the IANA database are accepted (no abbreviations such as `PST`)."""
    if raw in NAMES:
        return raw
    raise Validation.invalid(field, "must be an IANA time zone such as Europe/Berlin")

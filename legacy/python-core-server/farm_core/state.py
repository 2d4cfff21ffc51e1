"""What every handler can reach: the configuration, the clock, the store and the login throttle."""

from __future__ import annotations

from dataclasses import dataclass, field

from farm_core.auth.throttle import LoginThrottle
from farm_core.clock import Clock
from farm_core.config import Config
from farm_core.store import Store


@dataclass(slots=True)
class AppState:
    config: Config
    clock: Clock
    store: Store
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

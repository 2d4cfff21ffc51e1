"""Background work: command expiry, node liveness events and metric retention. Each step is a
plain async function over the app state, so tests drive it with a manual clock instead of
waiting for the loop."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from farm_core.domain.nodes import NodeStatus

if TYPE_CHECKING:
    from farm_core.state import AppState

log = logging.getLogger("farm_core")

# How often expiry and liveness run.
TICK_S = 1.0
# How often retention runs, and how many rows it deletes per transaction.
RETENTION_EVERY_S = 3600.0
RETENTION_BATCH = 5000


class Liveness:
    """The node statuses last announced, to publish only changes."""

    def __init__(self) -> None:
        self.known: dict[int, NodeStatus] = {}

    def changed(self, node_id: int, status: NodeStatus) -> bool:
        """Records `status`; true when it differs from a status known before. A node seen for the
        first time (just registered, or after a restart) is recorded without counting as a
        change, so only what time passing changed is announced, and announcements do not depend
        on when the first tick ran."""
        previous = self.known.get(node_id)
        self.known[node_id] = status
        return previous is not None and previous is not status


async def tick(state: AppState) -> None:
    """Expires overdue commands and announces nodes whose status changed by time passing."""
    now = state.clock.now_ms()
    for command in await state.store.commands.expire(now):
        state.events.command(command)
    for node in await state.store.nodes.list(now):
        if state.liveness.changed(node.id, node.status):
            state.events.node(node)


async def retention(state: AppState) -> int:
    return await state.store.metrics.retention(state.clock.now_ms(), RETENTION_BATCH)


async def run(state: AppState) -> None:
    """The field-data loop and, unless the clock is frozen, the schedule runner and the backup
    schedule, until cancelled. (With a frozen clock requests still evaluate the schedules.)"""
    from farm_core.engine import backups, schedules

    if not state.background:
        await run_field(state)
        return
    tasks = [
        asyncio.create_task(run_field(state)),
        asyncio.create_task(schedules.run(state)),
        asyncio.create_task(backups.run(state)),
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_field(state: AppState) -> None:
    """Runs `tick` every second and `retention` every hour until cancelled."""
    last_retention = time.monotonic()
    next_tick = time.monotonic()
    while True:
        # Like a tokio interval with `MissedTickBehavior::Delay`: the first tick is immediate.
        await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
        next_tick = time.monotonic() + TICK_S
        try:
            await tick(state)
        except Exception as err:  # the loop must survive a bad tick (a locked database, say)
            log.warning("engine tick failed: %s", err)
        if time.monotonic() - last_retention >= RETENTION_EVERY_S:
            last_retention = time.monotonic()
            try:
                deleted = await retention(state)
                if deleted:
                    log.info("retention removed old raw readings deleted=%s", deleted)
            except Exception as err:
                log.warning("retention failed: %s", err)

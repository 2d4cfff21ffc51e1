"""The schedule runner (Rust's `engine/schedules.rs`): evaluates the schedules' state at each
transition and applies what the pure `domain.schedule_engine.decide` planned."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from farm_core.domain import schedule_engine
from farm_core.http import wire

if TYPE_CHECKING:
    from farm_core.state import AppState

log = logging.getLogger("farm_core")

# Even with nothing due, evaluate this often (a clock jump, an edit the runner missed).
MAX_SLEEP_S = 60.0


async def evaluate(state: AppState) -> int | None:
    """One evaluation at the clock's now; returns when the next one is due (epoch ms)."""
    async with state.schedules_turn:
        now = state.clock.now_ms()
        store = state.store.schedules
        snapshot = await store.engine_snapshot(now)
        wanted = schedule_engine.sensors_needed(snapshot, now)
        if wanted:
            snapshot.samples = await store.engine_samples(wanted)
        # Pure but CPU-bound (recurrence expansion): off the event loop.
        plan = await asyncio.to_thread(schedule_engine.decide, snapshot, now)
        for entry in plan.logs:
            log.info("schedule schedule=%s outcome=%s reason=%s", entry.schedule_name, entry.outcome, entry.reason)
        applied = await store.engine_apply(plan, now)
    for c in (*applied.superseded, *applied.commands):
        state.events.command(c)
        state.wakeups.wake(c.node_id)
    for o in applied.outputs:
        state.events.output(o)
    for a in applied.alarms:
        state.events.publish("alarm", wire.alarm(a))
    return plan.next_wake


async def changed(state: AppState) -> None:
    """Applies a schedule change at once (so the answer reflects it) and wakes the runner."""
    try:
        await evaluate(state)
    except Exception as err:  # the change itself succeeded; the runner retries
        log.warning("schedule evaluation after a change failed: %s", err)
    state.schedules_changed.set()


async def run(state: AppState) -> None:
    """Evaluates at every transition (or when schedules change) until cancelled."""
    while True:
        state.schedules_changed.clear()
        try:
            upcoming = await evaluate(state)
        except Exception as err:
            log.warning("schedule evaluation failed: %s", err)
            upcoming = None
        now = state.clock.now_ms()
        wait = MAX_SLEEP_S if upcoming is None else min(MAX_SLEEP_S, max(0, upcoming - now) / 1000)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.schedules_changed.wait(), wait)

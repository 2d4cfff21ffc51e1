"""Live events for the dashboard (`GET /api/events`): a broadcast to every subscriber plus a short
replay buffer, so a client that reconnects with `Last-Event-ID` misses nothing that is still
buffered, and is told to reload (`reset`) when it missed more than that.

Each event's data is JSON, byte for byte what the Rust twin sends (its engine/events.rs says more):
`node`, `output` and `sensor` carry the resource as its `GET` returns it; a removed output or
sensor is announced once more as it was, plus `removed_at`. Handlers publish after their
transaction committed, and only on success.

Everything here runs on the event loop's thread (handlers and the engine tick), so it needs no
locks; publishing never waits."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from farm_core.domain.nodes import Node
from farm_core.domain.outputs import Command, Output
from farm_core.domain.sensors import Reading, Sensor
from farm_core.http import wire

# Events kept for resuming clients, and how far a subscriber may fall behind before it is reset.
REPLAY = 1024
# Sensor readings are forwarded at most once per sensor per this long.
READING_THROTTLE_MS = 1000


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    # `node`, `sensor`, `reading`, `output`, `command`, `backup`, `alarm` (or `reset`, sent only to
    # one client).
    kind: str
    data: str


class Subscriber:
    """One client's live stream: a bounded queue that turns into a `reset` when it overflows."""

    def __init__(self) -> None:
        self._queue: deque[Event] = deque()
        self._ready = asyncio.Event()
        self.lagged = False
        self.closed = False

    def push(self, event: Event) -> None:
        if len(self._queue) >= REPLAY:
            # Too far behind: the client is told to reload, and goes on with what is newest.
            self._queue.popleft()
            self.lagged = True
        self._queue.append(event)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next(self) -> Event:
        """The next event, waiting for it. Raises `EOFError` once closed and drained."""
        while not self._queue:
            if self.closed:
                raise EOFError
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()


@dataclass(frozen=True, slots=True)
class Subscription:
    """What a subscriber gets: events it missed, then the live stream."""

    backlog: list[Event]
    # The client's `Last-Event-ID` is older than the buffer (or from another run): reload.
    reset: bool
    live: Subscriber


class Events:
    def __init__(self, first_id: int) -> None:
        """Ids start at the current epoch milliseconds so they keep increasing across restarts."""
        self.next_id = max(first_id, 1)
        self.replay: deque[Event] = deque(maxlen=REPLAY)
        self.last_reading: dict[int, int] = {}
        self.subscribers: set[Subscriber] = set()
        self.closed = False

    def publish(self, kind: str, data: str) -> None:
        event = Event(self.next_id, kind, data)
        self.next_id += 1
        self.replay.append(event)
        for subscriber in self.subscribers:
            subscriber.push(event)

    def node(self, node: Node) -> None:
        self.publish("node", wire.node(node))

    def output(self, output: Output) -> None:
        self.publish("output", wire.output(output))

    def output_removed(self, output: Output, removed_at: int) -> None:
        """`output` as it was before its removal at `removed_at` (epoch ms)."""
        self.publish("output", wire.removed(wire.output(output), removed_at))

    def sensor(self, sensor: Sensor) -> None:
        self.publish("sensor", wire.sensor(sensor))

    def sensor_removed(self, sensor: Sensor, removed_at: int) -> None:
        """`sensor` as it was before its removal at `removed_at` (epoch ms)."""
        self.publish("sensor", wire.removed(wire.sensor(sensor), removed_at))

    def command(self, command: Command) -> None:
        self.publish("command", wire.command(command))

    def reading(self, reading: Reading, now: int) -> None:
        """Forwards a reading unless this sensor had one forwarded within the last second."""
        sensor_id, ts, value = reading
        last = self.last_reading.get(sensor_id)
        if last is not None and now - last < READING_THROTTLE_MS:
            return
        self.last_reading[sensor_id] = now
        self.publish("reading", f'{{"sensor_id":{sensor_id},"ts":"{wire.to_rfc3339(ts)}","value":{wire.f64(value)}}}')

    def subscribe(self, last_event_id: int | None) -> Subscription:
        live = Subscriber()
        self.subscribers.add(live)
        if self.closed:
            live.close()
        if last_event_id is None:
            return Subscription([], False, live)
        oldest = self.replay[0].id if self.replay else self.next_id
        known = last_event_id + 1 >= oldest and last_event_id < self.next_id
        backlog = [e for e in self.replay if e.id > last_event_id] if known else []
        return Subscription(backlog, not known, live)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def close(self) -> None:
        """Ends every stream (at shutdown)."""
        self.closed = True
        for subscriber in self.subscribers:
            subscriber.close()

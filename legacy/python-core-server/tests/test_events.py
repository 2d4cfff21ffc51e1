"""Server-Sent Events deliver changes to the dashboard, and resume with Last-Event-ID (ported from
the Rust crate's tests/api/events.rs). These read a real stream, with short real waits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
from conftest import T0, SimNode, TestApp, greenhouse, json_of


class Stream:
    """Reads an event stream block by block."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.chunks: Iterator[str] = response.iter_text()
        self.buffer = ""

    def events(self) -> Iterator[dict[str, str]]:
        while True:
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                fields = {}
                for line in block.split("\n"):
                    name, _, value = line.partition(": ")
                    fields[name] = value
                yield fields
            self.buffer += next(self.chunks)

    def wait_for(self, kind: str, needle: str) -> dict[str, str]:
        """The first event of `kind` whose data contains `needle` (within 10 s)."""
        deadline = time.monotonic() + 10
        for event in self.events():
            if event.get("event") == kind and needle in event.get("data", ""):
                return event
            assert time.monotonic() < deadline, f"no {kind} event with {needle}"
        raise AssertionError("stream ended")

    def next_event(self) -> tuple[str, Any, str]:
        """The next event (keep-alive comments skipped): its name, its data as JSON and as sent.
        Fails at the first keep-alive after 10 s without one."""
        deadline = time.monotonic() + 10
        for event in self.events():
            if "event" in event:
                assert event.get("id", "").isdigit(), f"an id: {event}"
                return event["event"], json.loads(event["data"]), event["data"]
            assert time.monotonic() < deadline, "no event"
        raise AssertionError("stream ended")


def removed(resource: dict, at: str) -> dict:
    """`resource` with the `removed_at` a removal event adds."""
    return {**resource, "removed_at": at}


def test_sse_delivers_a_command_status_change_and_resumes(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    with admin.stream("GET", "/api/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        stream = Stream(response)
        admin.post(f"/api/outputs/{node.output_id('valve')}/command", json={"state": 1})
        queued = stream.wait_for("command", '"status":"queued"')
        SimNode(node).poll()
        stream.wait_for("command", '"status":"confirmed"')

    # Reconnecting after the queued event replays what came after it.
    with admin.stream("GET", "/api/events", headers={"last-event-id": queued["id"]}) as response:
        stream = Stream(response)
        stream.wait_for("command", '"status":"confirmed"')


def test_ids_start_at_the_clock_and_old_ids_reset(app: TestApp) -> None:
    admin = app.admin()
    app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    with admin.stream("GET", "/api/events", headers={"last-event-id": str(T0 - 1)}) as response:
        first = next(Stream(response).events())
    assert first["id"] == str(T0), "the node registered before the stream"
    assert first["event"] == "node"
    assert '"name":"G"' in first["data"]
    with admin.stream("GET", "/api/events", headers={"last-event-id": "0"}) as response:
        assert next(Stream(response).events()) == {"event": "reset", "data": "{}"}


def test_readings_are_forwarded_at_most_once_a_second_per_sensor(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    for value in (1.0, 2.0):
        reading = {"sensor_key": "air_temp", "ts": app.ts(), "value": value}
        node.post("/api/node/telemetry", {"readings": [reading]})
        app.clock.advance_ms(999)
    node.post("/api/node/telemetry", {"readings": [{"sensor_key": "air_temp", "ts": app.ts(), "value": 3.0}]})
    events = app.state.events
    readings = [e.data for e in events.replay if e.kind == "reading"]
    assert readings == [
        '{"sensor_id":1,"ts":"2026-03-01T06:00:00.000Z","value":1.0}',
        '{"sensor_id":1,"ts":"2026-03-01T06:00:01.998Z","value":3.0}',
    ]


def test_liveness_announces_only_changes_of_known_nodes(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    events = app.state.events

    def node_events() -> list[str]:
        return [e.data for e in events.replay if e.kind == "node"]

    app.tick()
    assert len(node_events()) == 1, "registration only: a first sighting is not a change"
    node.post("/api/node/heartbeat", {})
    app.tick()
    assert len(node_events()) == 2, "the heartbeat announced the node online; the tick saw no change"
    app.clock.advance_ms(60_000)
    app.tick()
    assert '"status":"offline"' in node_events()[-1]
    app.tick()
    assert len(node_events()) == 3


def test_events_need_authentication(app: TestApp) -> None:
    assert app.anonymous().get("/api/events").status_code == 401


def test_adding_changing_and_removing_a_sensor_each_send_a_sensor_event(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    with admin.stream("GET", "/api/events") as response:
        stream = Stream(response)

        declaration = {"key": "co2", "name": "CO2", "kind": "generic", "unit": "ppm"}
        status, added = json_of(admin.post(f"/api/nodes/{node.id}/sensors", json=declaration))
        assert status == 201, added
        sensor = f"/api/sensors/{added['id']}"
        kind, data, _ = stream.next_event()
        assert (kind, data) == ("sensor", json_of(admin.get(sensor))[1]), "the sensor as GET returns it"

        status, renamed = json_of(admin.patch(sensor, json={"name": "Carbon dioxide", "interval_s": 120}))
        assert status == 200, renamed
        kind, data, _ = stream.next_event()
        assert (kind, data) == ("sensor", renamed)
        assert (data["name"], data["interval_s"]) == ("Carbon dioxide", 120)

        app.clock.advance_ms(1500)
        assert admin.delete(sensor).status_code == 204
        kind, data, text = stream.next_event()
        assert (kind, data) == ("sensor", removed(renamed, app.ts()))
        assert text.endswith(',"removed_at":"2026-03-01T06:00:01.500Z"}'), "the resource's fields, then removed_at"


def test_a_purged_sensor_is_announced_as_it_was_with_its_last_reading(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    reading = {"sensor_key": "soil", "ts": app.ts(), "value": 33.5}
    assert node.post("/api/node/telemetry", {"readings": [reading]}).status_code == 200
    sensor = f"/api/sensors/{node.sensor_id('soil')}"
    before = json_of(admin.get(sensor))[1]
    with admin.stream("GET", "/api/events") as response:
        stream = Stream(response)
        assert admin.delete(sensor, params={"purge": "true"}).status_code == 204
        kind, data, _ = stream.next_event()
    assert (kind, data) == ("sensor", removed(before, app.ts()))
    assert data["last_value"] == 33.5, "the row is gone, the event still says what it showed"


def test_a_refused_sensor_change_sends_no_event(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    sensor = f"/api/sensors/{node.sensor_id('soil')}"
    admin.post("/api/users", json={"username": "vera", "password": "vera password", "role": "viewer"})
    viewer = app.login("vera", "vera password")
    with admin.stream("GET", "/api/events") as response:
        stream = Stream(response)
        refused = [
            admin.patch(sensor, json={"interval_s": 0}).status_code,
            viewer.patch(sensor, json={"name": "Mine"}).status_code,
            admin.patch("/api/sensors/999999", json={"name": "X"}).status_code,
            admin.delete("/api/sensors/999999").status_code,
            viewer.delete(sensor).status_code,
            admin.post(
                f"/api/nodes/{node.id}/sensors",
                json={"key": "soil", "name": "Soil again", "kind": "soil_moisture", "unit": "%"},
            ).status_code,
        ]
        assert refused == [422, 403, 404, 404, 403, 409]
        status, renamed = json_of(admin.patch(sensor, json={"name": "Soil"}))
        assert status == 200, renamed
        assert stream.next_event()[:2] == ("sensor", renamed), "the first event is the change that was made"


def test_removing_an_output_sends_it_with_removed_at(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    output = f"/api/outputs/{node.output_id('lights')}"
    before = json_of(admin.get(output))[1]
    with admin.stream("GET", "/api/events") as response:
        stream = Stream(response)
        assert admin.delete(output).status_code == 204
        assert stream.next_event()[:2] == ("output", removed(before, app.ts()))

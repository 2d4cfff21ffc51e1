"""Schedules, their engine, action logs and alarms (after the Rust crate's tests/api/schedules.rs
and domain/schedules/tests.rs; the expected answers are the Rust server's): CRUD, validation,
preview and calendar across DST changes, the runner driving an output, the decisions it logs,
alarms."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from conftest import T0, TestApp, assert_error, greenhouse, json_of

from farm_core.domain import local_time
from farm_core.domain.errors import Validation
from farm_core.domain.schedules import ParsedRecurrence
from farm_core.domain.time import parse_rfc3339, to_rfc3339
from farm_core.domain.users import Role
from farm_core.engine import schedules as runner

MINUTE = 60_000
HOUR = 60 * MINUTE
ALARM = [{"type": "alarm", "severity": "info", "message": "x"}]


def weekly(*blocks: tuple[str, str, str]) -> dict:
    return {"type": "weekly", "blocks": [{"day": d, "start": s, "end": e} for d, s, e in blocks]}


def rrule(rule: str, dtstart: str, minutes: int) -> dict:
    return {"type": "rrule", "rrule": rule, "dtstart": dtstart, "duration_minutes": minutes}


def create(admin: httpx.Client, body: dict) -> tuple[int, dict]:
    return json_of(admin.post("/api/schedules", json=body))


def expand(
    recurrence: dict, zone: str, start: str, end: str, limit: int = 100
) -> list[tuple[str, str, str, str, list]]:
    parsed = ParsedRecurrence.parse(recurrence)
    found = parsed.expand(local_time.zone(zone), parse_rfc3339(start), parse_rfc3339(end), limit)
    return [(to_rfc3339(o.start), to_rfc3339(o.end), o.start_local, o.end_local, o.notes) for o in found]


# --- the pure expansion, checked against answers of the Rust server ------------------------------


def test_a_block_in_the_los_angeles_gap_starts_when_the_gap_ends() -> None:
    found = expand(
        weekly(("sun", "02:30", "04:00")), "America/Los_Angeles", "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z"
    )
    assert found == [
        (
            "2026-03-08T10:00:00.000Z",
            "2026-03-08T11:00:00.000Z",
            "2026-03-08T03:00",
            "2026-03-08T04:00",
            [
                "starts 03:00 instead of 02:30: clocks skip 02:00\u201303:00 (spring forward)",
                "lasts 1 h instead of 1 h 30 min because of the clock change",
            ],
        )
    ]


def test_a_block_entirely_inside_the_gap_does_not_run_that_night() -> None:
    found = expand(
        weekly(("sun", "02:00", "02:30")), "America/Los_Angeles", "2026-03-07T00:00:00Z", "2026-03-16T00:00:00Z"
    )
    assert [f[2] for f in found] == ["2026-03-15T02:00"]


def test_an_overnight_block_lasts_nine_real_hours_on_the_berlin_fall_back_night() -> None:
    found = expand(weekly(("sat", "22:00", "06:00")), "Europe/Berlin", "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z")
    assert found == [
        (
            "2026-10-24T20:00:00.000Z",
            "2026-10-25T05:00:00.000Z",
            "2026-10-24T22:00",
            "2026-10-25T06:00",
            ["lasts 9 h instead of 8 h because of the clock change"],
        )
    ]


def test_a_repeated_time_is_taken_at_its_first_occurrence_in_berlin() -> None:
    found = expand(
        rrule("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-10-01T02:30", 60),
        "Europe/Berlin",
        "2026-10-25T00:00:00Z",
        "2026-10-25T02:00:00Z",
    )
    assert found == [
        (
            "2026-10-25T00:30:00.000Z",
            "2026-10-25T01:30:00.000Z",
            "2026-10-25T02:30",
            "2026-10-25T02:30",
            [
                "starts at the first 02:30 (UTC+02:00): clocks fall back 03:00\u219202:00, "
                "so 02:00\u201303:00 happens twice",
                "runs the full 1 h; clocks fall back by 1 h meanwhile, so it ends at 02:30 local",
            ],
        )
    ]


def test_lord_howe_skips_half_an_hour() -> None:
    found = expand(
        rrule("FREQ=DAILY", "2026-10-01T02:10", 30),
        "Australia/Lord_Howe",
        "2026-10-03T12:00:00Z",
        "2026-10-04T12:00:00Z",
    )
    assert [(f[2], f[3], f[4][0]) for f in found] == [
        (
            "2026-10-04T02:30",
            "2026-10-04T03:00",
            "starts 02:30 instead of 02:10: clocks skip 02:00\u201302:30 (spring forward)",
        )
    ]


def test_lord_howe_repeats_half_an_hour_in_april() -> None:
    found = expand(
        weekly(("sun", "01:40", "01:50")), "Australia/Lord_Howe", "2026-04-04T12:00:00Z", "2026-04-05T12:00:00Z"
    )
    assert found[0][0] == "2026-04-04T14:40:00.000Z"
    assert found[0][4][0].startswith("starts at the first 01:40 (UTC+11:00): clocks fall back 02:00\u219201:30")


def test_hourly_occurrences_that_meet_in_the_gap_fire_once() -> None:
    found = expand(
        rrule("FREQ=HOURLY;BYMINUTE=0", "2026-03-01T00:00", 60),
        "America/Los_Angeles",
        "2026-03-08T09:00:00Z",
        "2026-03-08T11:00:00Z",
    )
    assert [(f[2], f[3], f[4]) for f in found] == [
        ("2026-03-08T01:00", "2026-03-08T03:00",
         ["runs the full 1 h; clocks spring forward by 1 h meanwhile, so it ends at 03:00 local"]),
        (
            "2026-03-08T03:00",
            "2026-03-08T04:00",
            [
                "starts 03:00 instead of 02:00: clocks skip 02:00\u201303:00 (spring forward)",
                "also stands for the 03:00 occurrence, which starts at the same instant (fires once)",
            ],
        ),
    ]  # fmt: skip


def test_an_occurrence_that_runs_into_the_next_is_shortened() -> None:
    found = expand(
        rrule("FREQ=HOURLY;BYMINUTE=30", "2026-03-01T00:30", 60),
        "America/Los_Angeles",
        "2026-03-08T09:30:00Z",
        "2026-03-08T10:10:00Z",
    )
    shortened = "shortened from 1 h to 30 min so that it ends when the next occurrence starts"
    assert [(f[2], f[3], f[4][-1]) for f in found] == [
        ("2026-03-08T01:30", "2026-03-08T03:00", shortened),
        ("2026-03-08T03:00", "2026-03-08T03:30", shortened),
    ]


@pytest.mark.parametrize(
    ("rule", "dtstart", "minutes", "field", "problem"),
    [
        ("FREQ=SOMETIMES", "2026-03-01T06:00", 10, "recurrence.rrule",
         "is not a valid RRULE: `SOMETIMES` is not a valid frequency."),
        ("FREQ=DAILY;UNTIL=20260301", "2026-03-01T06:00", 10, "recurrence.rrule",
         "UNTIL=20260301 must be a UTC date-time such as 20261231T235959Z (RFC 5545 requires UTC here)"),
        ("FREQ=DAILY;BYHOUR=6,7", "2026-03-01T06:00", 61, "recurrence.duration_minutes",
         "must be at most 60 minutes: the rule starts occurrences 60 minutes apart "
         "(2026-03-01T06:00 and 2026-03-01T07:00), which would overlap"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-03-01T06:00", 10, "recurrence.rrule",
         "never produces an occurrence on or after dtstart"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "2026-03-01T06:00", 10, "recurrence.rrule",
         "is not a valid RRULE with this dtstart: `BYMONTHDAY` can not be used with the current frequency (WEEKLY)."),
        ("FREQ=DAILY;BYHOUR=1,,2", "2026-03-01T06:00", 10, "recurrence.rrule",
         "is not a valid RRULE: `1,,2` is not a valid BYHOUR value. Expected a comma-separated list of values in "
         "range 0..=23, e.g. `1,3,4`"),
        ("FREQ=DAILY", "2026-03-01", 10, "recurrence.dtstart",
         "must be a local date-time YYYY-MM-DDTHH:MM, such as 2026-03-01T06:00, in the years 1900 to 9998"),
    ],
)  # fmt: skip
def test_rules_are_refused_in_the_rust_words(rule: str, dtstart: str, minutes: int, field: str, problem: str) -> None:
    with pytest.raises(Validation) as err:
        ParsedRecurrence.parse(rrule(rule, dtstart, minutes))
    assert [(f.field, f.problem) for f in err.value.fields] == [(field, problem)]


def test_gap_mapping_matches_the_first_valid_instant() -> None:
    resolved = local_time.resolve(local_time.zone("America/Los_Angeles"), datetime(2026, 3, 8, 2, 30))
    assert resolved is not None
    assert to_rfc3339(resolved.ms) == "2026-03-08T10:00:00.000Z"
    samoa = local_time.resolve(local_time.zone("Pacific/Apia"), datetime(2011, 12, 30, 12, 0))
    assert samoa is not None
    assert to_rfc3339(samoa.ms) == "2011-12-30T10:00:00.000Z"


# --- CRUD and validation through HTTP ------------------------------------------------------------


def test_create_read_update_and_delete(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    body = {
        "name": " Morning water ",
        "recurrence": weekly(("mon", "06:00", "06:30")),
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}],
    }
    status, created = create(admin, body)
    assert status == 201, created
    assert created == {
        "id": 1,
        "name": "Morning water",
        "enabled": True,
        "priority": 0,
        "timezone": None,
        "recurrence": {"type": "weekly", "blocks": [{"day": "mon", "start": "06:00", "end": "06:30"}]},
        "conditions": None,
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}],
        "missed_run_policy": "skip",
        "created_at": "2026-03-01T06:00:00.000Z",
        "updated_at": "2026-03-01T06:00:00.000Z",
    }
    assert app.column("schedules", "recurrence") == [
        '{"type":"weekly","blocks":[{"day":"mon","start":"06:00","end":"06:30"}]}'
    ]
    assert json_of(admin.get("/api/schedules"))[1] == {"items": [created]}
    app.clock.advance_ms(MINUTE)
    status, updated = json_of(admin.patch("/api/schedules/1", json={"enabled": False, "timezone": "Europe/Berlin"}))
    assert status == 200, updated
    assert (updated["enabled"], updated["timezone"], updated["updated_at"]) == (False, "Europe/Berlin", app.ts())
    status, cleared = json_of(admin.patch("/api/schedules/1", json={"timezone": None}))
    assert (status, cleared["timezone"]) == (200, None)
    assert admin.delete("/api/schedules/1").status_code == 204
    assert_error(*json_of(admin.delete("/api/schedules/1")), 404, "not_found")
    assert app.count("schedules") == 0


def test_invalid_schedules_are_refused_with_every_field_and_nothing_is_stored(app: TestApp) -> None:
    admin = app.admin()
    status, body = create(
        admin,
        {
            "name": "",
            "priority": 5000,
            "timezone": "Mars/Olympus",
            "recurrence": weekly(("mon", "06:00", "08:00"), ("mon", "07:00", "25:00"), ("tue", "01:00", "01:00")),
            "actions": [],
        },
    )
    assert_error(status, body, 422, "validation_failed")
    assert [d["field"] for d in body["error"]["details"]] == [
        "name",
        "priority",
        "timezone",
        "recurrence.blocks[1].end",
        "recurrence.blocks[2].end",
        "actions",
    ]
    assert app.count("schedules") == 0


def test_body_shape_errors_name_the_field_as_serde_does(app: TestApp) -> None:
    admin = app.admin()
    cases = [
        ({"name": "a", "recurrence": {"type": "daily"}, "actions": ALARM}, "recurrence.type",
         "unknown variant `daily`, expected `weekly` or `rrule`"),
        ({"name": "a", "recurrence": {"blocks": []}, "actions": ALARM}, "recurrence.type", "is required"),
        ({"name": "a", "recurrence": {"type": "weekly"}, "actions": ALARM}, "recurrence.blocks", "is required"),
        ({"name": "a", "recurrence": {"type": "weekly", "blocks": [], "x": 1}, "actions": ALARM}, "recurrence",
         "is not a known field"),
        ({"name": "a", "recurrence": weekly(("mon", "06:00", "07:00")),
          "actions": [{"type": "alarm", "severity": "loud", "message": "x"}]},
         "actions[0]", "unknown variant `loud`, expected one of `info`, `warning`, `critical`"),
    ]  # fmt: skip
    for body, field, problem in cases:
        status, answer = create(admin, body)
        assert status == 422, answer
        assert answer["error"]["details"] == [{"field": field, "problem": problem}]
    assert app.count("schedules") == 0


def test_the_name_is_unique(app: TestApp) -> None:
    admin = app.admin()
    body = {"name": "A", "recurrence": weekly(("mon", "06:00", "07:00")), "actions": ALARM}
    assert create(admin, body)[0] == 201
    assert_error(*create(admin, body), 409, "conflict")
    assert create(admin, {**body, "name": "B"})[0] == 201
    assert_error(*json_of(admin.patch("/api/schedules/2", json={"name": "A"})), 409, "conflict")
    assert app.column("schedules", "name") == ["A", "B"]


def test_references_are_checked_against_the_store(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    status, body = create(
        admin,
        {
            "name": "X",
            "recurrence": weekly(("mon", "06:00", "07:00")),
            "conditions": {"mode": "all", "rules": [{"sensor_id": 999, "op": "lt", "value": 1}]},
            "actions": [
                {"type": "set_output", "output_id": 999, "state": 1},
                {"type": "set_output", "output_id": node.output_id("valve"), "state": 5},
            ],
        },
    )
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [
        {"field": "actions[0].output_id", "problem": "no such output"},
        {"field": "actions[1].state", "problem": "must be 0 (off) or 1 (on) for a relay"},
        {"field": "conditions.rules[0].sensor_id", "problem": "no such sensor"},
    ]


def test_who_may(app: TestApp) -> None:
    admin = app.admin()
    app.create_user("vera", Role.VIEWER, "vera password")
    viewer = app.login("vera", "vera password")
    assert create(admin, {"name": "A", "recurrence": weekly(("mon", "06:00", "07:00")), "actions": ALARM})[0] == 201
    assert viewer.get("/api/schedules").status_code == 200
    assert_error(*create(viewer, {"name": "B", "recurrence": weekly(), "actions": ALARM}), 403, "forbidden")
    assert_error(*json_of(viewer.post("/api/schedules/1/run", json={})), 403, "forbidden")
    assert_error(*json_of(app.anonymous().get("/api/schedules")), 401, "unauthenticated")


# --- preview and calendar -----------------------------------------------------------------------


def test_preview_across_the_us_spring_forward(app: TestApp) -> None:
    admin = app.admin()
    admin.patch("/api/site", json={"timezone": "America/Los_Angeles"})
    create(admin, {"name": "Night", "recurrence": weekly(("sat", "22:00", "06:00")), "actions": ALARM})
    status, page = json_of(admin.get("/api/schedules/1/preview?from=2026-03-07T00:00:00Z&to=2026-03-09T00:00:00Z"))
    assert status == 200, page
    assert page["items"] == [
        {
            "schedule_id": 1,
            "schedule_name": "Night",
            "enabled": True,
            "priority": 0,
            "timezone": "America/Los_Angeles",
            "start": "2026-03-08T06:00:00.000Z",
            "end": "2026-03-08T13:00:00.000Z",
            "start_local": "2026-03-07T22:00",
            "end_local": "2026-03-08T06:00",
            "notes": ["lasts 7 h instead of 8 h because of the clock change"],
        }
    ]
    status, next_three = json_of(admin.get("/api/schedules/1/preview?count=3"))
    assert [f["start_local"] for f in next_three["items"]] == [
        "2026-02-28T22:00",
        "2026-03-07T22:00",
        "2026-03-14T22:00",
    ]
    assert_error(*json_of(admin.get("/api/schedules/1/preview?count=0")), 422, "validation_failed")
    assert_error(*json_of(admin.get("/api/schedules/1/preview?from=2026-03-01T00:00:00Z")), 422, "validation_failed")


def test_the_calendar_names_conflicts(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    for name, priority in (("Low", 1), ("High", 5)):
        create(
            admin,
            {
                "name": name,
                "priority": priority,
                "recurrence": weekly(("mon", "06:00", "07:00")),
                "actions": [{"type": "set_output", "output_id": valve, "state": 1}],
            },
        )
    status, page = json_of(admin.get("/api/schedules/calendar?from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z"))
    assert status == 200, page
    assert [(f["schedule_name"], f["notes"]) for f in page["items"]] == [
        ("Low", [f"overlaps 'High' on output(s) [{valve}]: it wins by priority"]),
        ("High", [f"overlaps 'Low' on output(s) [{valve}]: this wins by priority"]),
    ]
    status, body = json_of(admin.get("/api/schedules/calendar?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z"))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [{"field": "to", "problem": "must be at most 31 days after from"}]
    status, body = json_of(admin.get("/api/schedules/calendar"))
    assert (status, body["error"]["message"]) == (400, "Failed to deserialize query string: missing field `from`")


# --- the runner ---------------------------------------------------------------------------------


def evaluate(app: TestApp) -> int | None:
    return app.run(runner.evaluate(app.state))


def desired(admin: httpx.Client, output_id: int) -> int:
    return json_of(admin.get(f"/api/outputs/{output_id}"))[1]["desired_state"]


def test_the_runner_drives_an_output_through_an_occurrence(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    # T0 is Sunday 06:00 UTC; the block starts at 06:10.
    status, _ = create(
        admin,
        {
            "name": "Water",
            "recurrence": weekly(("sun", "06:10", "06:20")),
            "actions": [{"type": "set_output", "output_id": valve, "state": 1}],
        },
    )
    assert status == 201
    assert desired(admin, valve) == 0
    assert evaluate(app) == T0 + 10 * MINUTE, "wakes when the block starts"

    app.clock.advance_ms(10 * MINUTE)
    assert evaluate(app) == T0 + 20 * MINUTE
    assert desired(admin, valve) == 1
    assert app.rows("SELECT output_id, schedule_id, state FROM schedule_claims") == [(valve, 1, 1)]
    command = app.rows("SELECT source, requested_by, state FROM commands ORDER BY id DESC LIMIT 1")
    assert command == [("schedule", "Water", 1)]

    app.clock.advance_ms(10 * MINUTE)
    evaluate(app)
    assert desired(admin, valve) == 0, "back to its default"
    assert app.count("schedule_claims") == 0
    outcomes = app.rows("SELECT outcome, command_ids FROM action_logs ORDER BY id")
    assert outcomes == [("fired", "[1]"), ("ended", "[2]")]


def test_a_condition_must_hold_or_the_occurrence_is_skipped(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    soil = node.sensor_id("soil")
    body = {
        "name": "Dry soil",
        "recurrence": weekly(("sun", "05:00", "07:00")),
        "conditions": {"mode": "all", "rules": [{"sensor_id": soil, "op": "lt", "value": 30}]},
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}],
    }
    create(admin, body)
    logs = json_of(admin.get("/api/action-logs"))[1]["items"]
    assert [(log["outcome"], log["reason"]) for log in logs] == [("skipped", "condition_false")]
    assert logs[0]["detail"] == {"rules": [{"held": False, "reason": "no_data", "sensor_id": soil, "value": None}]}


def test_run_now_fires_at_once_and_raises_its_alarm(app: TestApp) -> None:
    admin = app.admin()
    create(
        admin,
        {
            "name": "Tank",
            "recurrence": weekly(("sat", "09:00", "09:05")),
            "actions": [{"type": "alarm", "severity": "warning", "message": "Check the tank"}],
        },
    )
    status, run = json_of(admin.post("/api/schedules/1/run", json={}))
    assert status == 202, run
    assert run == {
        "id": 1,
        "schedule_id": 1,
        "start": app.ts(),
        "end": app.ts(5 * MINUTE),
        "reason": "manual",
        "requested_by": "ada",
    }
    status, alarms = json_of(admin.get("/api/alarms?open=true"))
    assert status == 200
    assert [(a["severity"], a["message"], a["schedule_id"]) for a in alarms["items"]] == [
        ("warning", "Check the tank", 1)
    ]
    assert_error(
        *json_of(admin.post("/api/schedules/1/run", json={"duration_minutes": 20000})), 422, "validation_failed"
    )


def test_missed_occurrences_are_logged_or_caught_up(app: TestApp) -> None:
    admin = app.admin()
    create(admin, {"name": "Skip", "recurrence": weekly(("sun", "07:00", "07:30")), "actions": ALARM})
    create(
        admin,
        {
            "name": "Catch up",
            "missed_run_policy": "run_once",
            "recurrence": weekly(("sun", "08:00", "08:30")),
            "actions": ALARM,
        },
    )
    app.clock.advance_ms(3 * HOUR)
    evaluate(app)
    rows = app.rows("SELECT schedule_name, outcome, detail FROM action_logs WHERE outcome = 'missed' ORDER BY id")
    assert rows == [
        ("Skip", "missed", '{"caught_up":false,"end":1772350200000,"policy":"skip"}'),
        ("Catch up", "missed", '{"caught_up":true,"end":1772353800000,"policy":"run_once"}'),
    ]
    assert app.rows("SELECT schedule_id, reason, end_at - start_at FROM schedule_runs") == [
        (2, "catch_up", 30 * MINUTE)
    ]


# --- action logs and alarms ---------------------------------------------------------------------


def test_action_logs_filter_and_page(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    create(
        admin,
        {
            "name": "Now",
            "recurrence": weekly(("sun", "05:00", "07:00")),
            "actions": [{"type": "set_output", "output_id": valve, "state": 1}],
        },
    )
    create(admin, {"name": "Off", "enabled": False, "recurrence": weekly(("sun", "05:00", "07:00")), "actions": ALARM})
    status, page = json_of(admin.get("/api/action-logs?limit=1"))
    assert status == 200
    assert [(i["schedule_name"], i["outcome"], i["reason"]) for i in page["items"]] == [("Off", "skipped", "disabled")]
    status, rest = json_of(admin.get(f"/api/action-logs?limit=1&cursor={page['next_cursor']}"))
    assert [(i["schedule_name"], i["outcome"]) for i in rest["items"]] == [("Now", "fired")]
    assert rest["next_cursor"] is None
    assert [i["id"] for i in json_of(admin.get(f"/api/action-logs?output_id={valve}"))[1]["items"]] == [1]
    assert json_of(admin.get("/api/action-logs?schedule_id=2&outcome=fired"))[1]["items"] == []
    status, body = json_of(admin.get("/api/action-logs?outcome=exploded"))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [{"field": "outcome", "problem": "must be fired, ended, skipped or missed"}]


def four_decisions_ten_minutes_apart(app: TestApp, admin: httpx.Client) -> None:
    """Fired, ended, fired, ended at 06:10, 06:20, 06:30 and 06:40 (ids 1 to 4)."""
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    status, _ = create(
        admin,
        {
            "name": "Twice",
            "recurrence": weekly(("sun", "06:10", "06:20"), ("sun", "06:30", "06:40")),
            "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}],
        },
    )
    assert status == 201
    for minute in (10, 20, 30, 40):
        app.clock.set_ms(T0 + minute * MINUTE)
        evaluate(app)


def log_ids(admin: httpx.Client, query: str) -> tuple[list[int], int | None]:
    status, page = json_of(admin.get(f"/api/action-logs?{query}"))
    assert status == 200, (query, page)
    return [i["id"] for i in page["items"]], page["next_cursor"]


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("", [4, 3, 2, 1]),
        ("from=2026-03-01T06:20:00.000Z", [4, 3, 2]),
        ("to=2026-03-01T06:30:00.000Z", [2, 1]),
        ("from=2026-03-01T06:20:00Z&to=2026-03-01T06:40:00Z", [3, 2]),
        ("from=2026-03-01T06:19:59.999Z&to=2026-03-01T06:20:00.001Z", [2]),
        ("from=2026-03-01T07:20:00%2B01:00", [4, 3, 2]),
        ("from=2026-03-01T06:41:00Z", []),
        ("from=2026-03-01T06:20:00Z&outcome=fired", [3]),
    ],
)
def test_action_logs_filter_by_a_half_open_time_range(app: TestApp, query: str, want: list[int]) -> None:
    admin = app.admin()
    four_decisions_ten_minutes_apart(app, admin)
    assert log_ids(admin, query) == (want, None)


def test_a_time_range_pages_with_the_cursor(app: TestApp) -> None:
    admin = app.admin()
    four_decisions_ten_minutes_apart(app, admin)
    time_range = "from=2026-03-01T06:10:00Z&to=2026-03-01T06:40:00Z"
    assert log_ids(admin, f"{time_range}&limit=2") == ([3, 2], 2)
    assert log_ids(admin, f"{time_range}&limit=2&cursor=2") == ([1], None), "the range still applies past the cursor"


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("from=yesterday", [("from", "must be an RFC 3339 date-time")]),
        ("to=2026-03-01", [("to", "must be an RFC 3339 date-time")]),
        ("from=6am&to=soon", [("from", "must be an RFC 3339 date-time"), ("to", "must be an RFC 3339 date-time")]),
        ("from=2026-03-01T06:20:00Z&to=2026-03-01T06:20:00Z", [("to", "must be after from")]),
        ("from=2026-03-01T06:20:00Z&to=2026-03-01T06:10:00Z", [("to", "must be after from")]),
        # Checked in the Rust server's order: limit, outcome, then the range.
        ("from=soon&outcome=exploded", [("outcome", "must be fired, ended, skipped or missed")]),
        ("from=soon&limit=0", [("limit", "must be between 1 and 1000")]),
    ],
)
def test_a_bad_time_range_is_422_naming_the_bound(app: TestApp, query: str, details: list[tuple[str, str]]) -> None:
    status, body = json_of(app.admin().get(f"/api/action-logs?{query}"))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [{"field": f, "problem": p} for f, p in details]


def test_an_alarm_is_acknowledged_once(app: TestApp) -> None:
    admin = app.admin()
    create(admin, {"name": "Now", "recurrence": weekly(("sun", "05:00", "07:00")), "actions": ALARM})
    app.clock.advance_ms(MINUTE)
    status, alarm = json_of(admin.post("/api/alarms/1/acknowledge"))
    assert status == 200, alarm
    assert (alarm["acknowledged_at"], alarm["acknowledged_by"]) == (app.ts(), "ada")
    assert_error(*json_of(admin.post("/api/alarms/1/acknowledge")), 409, "conflict")
    assert_error(*json_of(admin.post("/api/alarms/99/acknowledge")), 404, "not_found")
    assert json_of(admin.get("/api/alarms?open=true"))[1] == {"items": []}
    assert len(json_of(admin.get("/api/alarms"))[1]["items"]) == 1

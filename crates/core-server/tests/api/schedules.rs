//! Schedules through the API and the engine, driven by a manual clock.

use core_server::engine::schedules::evaluate;
use serde_json::{Value, json};

use crate::support::{T0, TestApp, TestNode, assert_error, greenhouse, json_of};

const MINUTE: i64 = 60_000;

/// T0 (2026-03-01T06:00Z) is a Sunday; the site's zone is UTC unless a test changes it.
fn block(start: &str, end: &str) -> Value {
    json!({"type": "weekly", "blocks": [{"day": "sun", "start": start, "end": end}]})
}

async fn create(app: &TestApp, admin: &reqwest::Client, body: Value) -> Value {
    let (status, schedule) = json_of(admin.post(app.url("/api/schedules")).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 201, "{schedule}");
    schedule
}

async fn at(app: &TestApp, minutes_after_t0: i64) {
    app.clock.set_ms(T0 + minutes_after_t0 * MINUTE);
    evaluate(app.state()).await.unwrap();
}

async fn logs(app: &TestApp, admin: &reqwest::Client) -> Vec<Value> {
    let (_, page) = json_of(admin.get(app.url("/api/action-logs")).send().await.unwrap()).await;
    let mut items = page["items"].as_array().unwrap_or_else(|| panic!("{page}")).clone();
    items.reverse();
    items
}

fn outcomes(logs: &[Value]) -> Vec<String> {
    logs.iter()
        .map(|l| match l["reason"].as_str() {
            Some(reason) => format!("{}:{reason}", l["outcome"].as_str().unwrap()),
            None => l["outcome"].as_str().unwrap().to_owned(),
        })
        .collect()
}

fn desired(app: &TestApp) -> Vec<Value> {
    app.column("outputs", "desired_state")
}

async fn farm(app: &TestApp, admin: &reqwest::Client) -> TestNode {
    app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01")).await
}

#[tokio::test]
async fn block_start_sets_the_output_and_block_end_returns_it_to_default() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let valve = node.output_id("valve");
    create(
        &app,
        &admin,
        json!({"name": "Morning water", "recurrence": block("06:10", "06:20"),
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}]}),
    )
    .await;

    at(&app, 0).await;
    assert_eq!(app.count("commands"), 0, "nothing before the block");
    at(&app, 10).await;
    assert_eq!(desired(&app)[0], 1);
    assert_eq!(app.column("commands", "source"), [json!("schedule")]);
    assert_eq!(app.column("commands", "requested_by"), [json!("Morning water")]);
    at(&app, 15).await;
    assert_eq!(app.count("commands"), 1, "mid-block: nothing new");
    at(&app, 20).await;
    assert_eq!(desired(&app)[0], 0, "back to the default");
    assert_eq!(app.column("commands", "state"), [json!(1), json!(0)]);
    let logged = logs(&app, &admin).await;
    assert_eq!(outcomes(&logged), ["fired", "ended"]);
    assert_eq!(logged[0]["command_ids"], json!([1]));
    assert_eq!(logged[0]["occurrence_start"], "2026-03-01T06:10:00.000Z");
}

#[tokio::test]
async fn false_condition_skips_and_logs_the_values_seen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let soil = node.sensor_id("soil");
    app.clock.set_ms(T0 + 9 * MINUTE);
    app.node_post(
        &node,
        "/api/node/telemetry",
        json!({"readings": [{"sensor_key": "soil", "ts": app.ts(0), "value": 45.0}]}),
    )
    .send()
    .await
    .unwrap();
    create(
        &app,
        &admin,
        json!({"name": "Water when dry", "recurrence": block("06:10", "06:20"),
        "conditions": {"mode": "all", "rules": [{"sensor_id": soil, "op": "lt", "value": 30.0}]},
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]}),
    )
    .await;
    at(&app, 10).await;
    assert_eq!(app.count("commands"), 0);
    let logged = logs(&app, &admin).await;
    assert_eq!(outcomes(&logged), ["skipped:condition_false"]);
    assert_eq!(logged[0]["detail"]["rules"][0]["value"], 45.0);
    assert_eq!(logged[0]["detail"]["rules"][0]["held"], false);
    at(&app, 12).await;
    assert_eq!(outcomes(&logs(&app, &admin).await), ["skipped:condition_false"], "decided once per occurrence");
}

#[tokio::test]
async fn a_stale_sensor_skips_with_reason_stale() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    app.node_post(
        &node,
        "/api/node/telemetry",
        json!({"readings": [{"sensor_key": "soil", "ts": app.ts(0), "value": 10.0}]}),
    )
    .send()
    .await
    .unwrap();
    create(
        &app,
        &admin,
        json!({"name": "Water when dry", "recurrence": block("06:10", "06:20"),
        "conditions": {"mode": "any", "rules": [{"sensor_id": node.sensor_id("soil"), "op": "lt", "value": 30.0}]},
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]}),
    )
    .await;
    at(&app, 10).await;
    assert_eq!(outcomes(&logs(&app, &admin).await), ["skipped:stale"], "a 30 s sensor silent for 10 minutes");
}

#[tokio::test]
async fn higher_priority_wins_and_the_loser_is_logged_with_the_winner() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let lights = node.output_id("lights");
    create(
        &app,
        &admin,
        json!({"name": "Dim", "priority": 1, "recurrence": block("06:10", "07:00"),
        "actions": [{"type": "set_output", "output_id": lights, "state": 20}]}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"name": "Bright", "priority": 5, "recurrence": block("06:20", "06:40"),
        "actions": [{"type": "set_output", "output_id": lights, "state": 90}]}),
    )
    .await;
    at(&app, 10).await;
    assert_eq!(desired(&app)[1], 20);
    at(&app, 20).await;
    assert_eq!(desired(&app)[1], 90, "higher priority takes over");
    let logs_now = logs(&app, &admin).await;
    let conflict = logs_now.iter().find(|l| l["reason"] == "conflict").expect("conflict logged");
    assert_eq!(
        (conflict["schedule_name"].clone(), conflict["detail"]["winner"].clone()),
        (json!("Dim"), json!("Bright"))
    );
    at(&app, 40).await;
    assert_eq!(desired(&app)[1], 20, "the still-active lower priority block holds it again");
    at(&app, 60).await;
    assert_eq!(desired(&app)[1], 0);
}

#[tokio::test]
async fn restart_mid_block_reconciles_outputs() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    create(
        &app,
        &admin,
        json!({"name": "Pump", "recurrence": block("06:10", "06:30"),
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]}),
    )
    .await;
    at(&app, 5).await;
    // The controller is down from 06:05 to 06:20: the block started without it.
    let app = app.restart().await;
    at(&app, 20).await;
    assert_eq!(desired(&app)[0], 1, "brought to the state it should have now");
    let admin = app.login("ada", crate::support::ADMIN_PASSWORD).await;
    let logs_now = logs(&app, &admin).await;
    assert_eq!(outcomes(&logs_now), ["fired"]);
    assert!(logs_now[0]["detail"]["note"].as_str().unwrap().contains("late"));
    // Down again over the block's end: on restart the output goes back to its default.
    let app = app.restart().await;
    at(&app, 45).await;
    assert_eq!(desired(&app)[0], 0);
}

#[tokio::test]
async fn missed_one_shot_follows_the_policy() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (name, policy, start, end) in
        [("Check skip", "skip", "06:10", "06:15"), ("Check run", "run_once", "06:20", "06:25")]
    {
        create(
            &app,
            &admin,
            json!({"name": name, "missed_run_policy": policy, "recurrence": block(start, end),
            "actions": [{"type": "alarm", "severity": "warning", "message": format!("{name} fired")}]}),
        )
        .await;
    }
    at(&app, 0).await;
    // Down from 06:00 to 07:00: both occurrences came and went.
    at(&app, 60).await;
    let logs_now = logs(&app, &admin).await;
    assert_eq!(outcomes(&logs_now), ["missed", "missed"]);
    let (_, alarms) = json_of(admin.get(app.url("/api/alarms")).send().await.unwrap()).await;
    assert_eq!(alarms["items"].as_array().unwrap().len(), 0, "nothing raised yet");
    at(&app, 60).await;
    let (_, alarms) = json_of(admin.get(app.url("/api/alarms")).send().await.unwrap()).await;
    let messages: Vec<_> = alarms["items"].as_array().unwrap().iter().map(|a| a["message"].clone()).collect();
    assert_eq!(messages, [json!("Check run fired")], "run_once caught up, skip did not");
    let id = alarms["items"][0]["id"].as_i64().unwrap();
    let (status, acked) =
        json_of(admin.post(app.url(&format!("/api/alarms/{id}/acknowledge"))).send().await.unwrap()).await;
    assert_eq!((status, acked["acknowledged_by"].clone()), (200, json!("ada")));
    let (status, body) =
        json_of(admin.post(app.url(&format!("/api/alarms/{id}/acknowledge"))).send().await.unwrap()).await;
    assert_error(status, &body, 409, "conflict");
}

#[tokio::test]
async fn run_now_holds_the_output_for_the_duration() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let schedule = create(
        &app,
        &admin,
        json!({"name": "Flush", "recurrence": block("20:00", "20:15"),
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]}),
    )
    .await;
    let id = schedule["id"].as_i64().unwrap();
    let (status, run) =
        json_of(admin.post(app.url(&format!("/api/schedules/{id}/run"))).json(&json!({})).send().await.unwrap()).await;
    assert_eq!(status, 202, "{run}");
    assert_eq!(
        (run["start"].clone(), run["end"].clone()),
        (json!("2026-03-01T06:00:00.000Z"), json!("2026-03-01T06:15:00.000Z"))
    );
    at(&app, 0).await;
    assert_eq!(desired(&app)[0], 1);
    at(&app, 15).await;
    assert_eq!(desired(&app)[0], 0);
}

#[tokio::test]
async fn invalid_schedules_name_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let valve = node.output_id("valve");
    let cases = [
        (
            json!({"type": "weekly", "blocks": [{"day": "mon", "start": "06:00", "end": "08:00"}, {"day": "mon", "start": "07:00", "end": "09:00"}]}),
            "recurrence.blocks[1]",
        ),
        (
            json!({"type": "weekly", "blocks": [{"day": "mon", "start": "06:00", "end": "06:00"}]}),
            "recurrence.blocks[0]",
        ),
        (
            json!({"type": "rrule", "rrule": "FREQ=SOMETIMES", "dtstart": "2026-03-01T06:00", "duration_minutes": 10}),
            "recurrence.rrule",
        ),
    ];
    for (recurrence, field) in cases {
        let body = json!({"name": "Bad", "recurrence": recurrence, "actions": [{"type": "set_output", "output_id": valve, "state": 1}]});
        let (status, error) = json_of(admin.post(app.url("/api/schedules")).json(&body).send().await.unwrap()).await;
        assert_error(status, &error, 422, "validation_failed");
        let fields: Vec<_> = error["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_owned())
            .collect();
        assert!(fields.iter().any(|f| f.starts_with(field)), "{field} not in {fields:?}");
    }
    let body = json!({"name": "Bad", "recurrence": block("06:00", "07:00"), "timezone": "Nowhere/Land",
        "actions": [{"type": "set_output", "output_id": 999, "state": 1}, {"type": "set_output", "output_id": valve, "state": 7}]});
    let (status, error) = json_of(admin.post(app.url("/api/schedules")).json(&body).send().await.unwrap()).await;
    assert_error(status, &error, 422, "validation_failed");
    assert_eq!(error["error"]["details"][0]["field"], "timezone");
    let body = json!({"name": "Bad", "recurrence": block("06:00", "07:00"),
        "actions": [{"type": "set_output", "output_id": 999, "state": 1}, {"type": "set_output", "output_id": valve, "state": 7}]});
    let (_, error) = json_of(admin.post(app.url("/api/schedules")).json(&body).send().await.unwrap()).await;
    let fields: Vec<_> = error["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].clone()).collect();
    assert_eq!(fields, [json!("actions[0].output_id"), json!("actions[1].state")]);
    assert_eq!(app.count("schedules"), 0);
}

#[tokio::test]
async fn preview_and_calendar_show_local_times_and_dst_notes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    admin.patch(app.url("/api/site")).json(&json!({"timezone": "America/Los_Angeles"})).send().await.unwrap();
    // 2026-03-08 is the US spring-forward night: 02:30 does not exist there.
    let schedule = create(&app, &admin, json!({"name": "Night", "recurrence": {"type": "weekly", "blocks": [{"day": "sun", "start": "02:30", "end": "04:00"}]},
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]})).await;
    let id = schedule["id"].as_i64().unwrap();
    // T0 is Saturday 22:00 in Los Angeles, so the first firing is the next night.
    let (status, preview) =
        json_of(admin.get(app.url(&format!("/api/schedules/{id}/preview?count=3"))).send().await.unwrap()).await;
    assert_eq!(status, 200, "{preview}");
    let items = preview["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        (items[0]["start"].clone(), items[0]["start_local"].clone()),
        (json!("2026-03-01T10:30:00.000Z"), json!("2026-03-01T02:30"))
    );
    assert!(items[0]["notes"].as_array().unwrap().is_empty());
    let gap = &items[1];
    assert_eq!(
        (gap["start"].clone(), gap["start_local"].clone()),
        (json!("2026-03-08T10:00:00.000Z"), json!("2026-03-08T03:00"))
    );
    assert!(!gap["notes"].as_array().unwrap().is_empty(), "a DST note: {gap}");
    assert_eq!(items[2]["start"], "2026-03-15T09:30:00.000Z", "02:30 PDT");

    let (status, calendar) = json_of(
        admin
            .get(app.url("/api/schedules/calendar?from=2026-03-07T00:00:00Z&to=2026-03-14T00:00:00Z"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(calendar["items"].as_array().unwrap().len(), 1);
    assert_eq!(calendar["items"][0]["schedule_name"], "Night");
    let (status, body) = json_of(
        admin
            .get(app.url("/api/schedules/calendar?from=2026-03-07T00:00:00Z&to=2026-06-14T00:00:00Z"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
}

#[tokio::test]
async fn deleting_or_disabling_a_running_schedule_releases_its_outputs() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let (valve, lights) = (node.output_id("valve"), node.output_id("lights"));
    let a = create(
        &app,
        &admin,
        json!({"name": "A", "recurrence": block("06:10", "07:00"),
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}]}),
    )
    .await;
    let b = create(
        &app,
        &admin,
        json!({"name": "B", "recurrence": block("06:10", "07:00"),
        "actions": [{"type": "set_output", "output_id": lights, "state": 50}]}),
    )
    .await;
    at(&app, 10).await;
    assert_eq!(desired(&app), [json!(1), json!(50)]);

    let a_id = a["id"].as_i64().unwrap();
    assert_eq!(admin.delete(app.url(&format!("/api/schedules/{a_id}"))).send().await.unwrap().status(), 204);
    let b_id = b["id"].as_i64().unwrap();
    let (status, _) = json_of(
        admin.patch(app.url(&format!("/api/schedules/{b_id}"))).json(&json!({"enabled": false})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    at(&app, 11).await;
    assert_eq!(desired(&app), [json!(0), json!(0)], "both outputs back to their defaults");
    assert_eq!(app.column("commands", "requested_by").last(), Some(&json!("B")));
    assert_eq!(app.count("schedule_claims"), 0);
}

#[tokio::test]
async fn action_logs_filter_by_schedule_output_and_outcome() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let (valve, lights) = (node.output_id("valve"), node.output_id("lights"));
    let a = create(
        &app,
        &admin,
        json!({"name": "A", "recurrence": block("06:10", "06:20"),
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}]}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"name": "B", "recurrence": block("06:10", "06:20"),
        "actions": [{"type": "set_output", "output_id": lights, "state": 30}]}),
    )
    .await;
    at(&app, 10).await;
    at(&app, 20).await;
    let get = |query: String| {
        let admin = admin.clone();
        let url = app.url(&format!("/api/action-logs?{query}"));
        async move { json_of(admin.get(url).send().await.unwrap()).await.1 }
    };
    let names =
        |page: &Value| page["items"].as_array().unwrap().iter().map(|l| l["schedule_name"].clone()).collect::<Vec<_>>();
    assert_eq!(names(&get(format!("output_id={lights}")).await), [json!("B"), json!("B")]);
    assert_eq!(names(&get(format!("schedule_id={}&outcome=fired", a["id"])).await), [json!("A")]);
    let first = get("limit=3".into()).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let rest = get(format!("limit=3&cursor={}", first["next_cursor"])).await;
    assert_eq!((rest["items"].as_array().unwrap().len(), rest["next_cursor"].clone()), (1, json!(null)));
    let (status, body) = json_of(admin.get(app.url("/api/action-logs?outcome=exploded")).send().await.unwrap()).await;
    assert_error(status, &body, 422, "validation_failed");
}

/// Four decisions, one every ten minutes from 06:10 to 06:40: fired, ended, fired, ended
/// (ids 1 to 4).
async fn four_decisions_ten_minutes_apart(app: &TestApp, admin: &reqwest::Client) {
    let node = farm(app, admin).await;
    let blocks = json!({"type": "weekly", "blocks": [
        {"day": "sun", "start": "06:10", "end": "06:20"}, {"day": "sun", "start": "06:30", "end": "06:40"}]});
    create(
        app,
        admin,
        json!({"name": "Twice", "recurrence": blocks,
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]}),
    )
    .await;
    for minute in [10, 20, 30, 40] {
        at(app, minute).await;
    }
}

async fn log_page(app: &TestApp, admin: &reqwest::Client, query: &str) -> (u16, Value) {
    json_of(admin.get(app.url(&format!("/api/action-logs?{query}"))).send().await.unwrap()).await
}

/// The ids of a page, newest first, and its `next_cursor`.
async fn log_ids(app: &TestApp, admin: &reqwest::Client, query: &str) -> (Vec<i64>, Value) {
    let (status, page) = log_page(app, admin, query).await;
    assert_eq!(status, 200, "{query}: {page}");
    let ids = page["items"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect();
    (ids, page["next_cursor"].clone())
}

#[tokio::test]
async fn action_logs_filter_by_a_half_open_time_range() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    four_decisions_ten_minutes_apart(&app, &admin).await;
    let (_, all) = log_page(&app, &admin, "").await;
    let times: Vec<&str> = all["items"].as_array().unwrap().iter().map(|l| l["at"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2026-03-01T06:40:00.000Z",
            "2026-03-01T06:30:00.000Z",
            "2026-03-01T06:20:00.000Z",
            "2026-03-01T06:10:00.000Z"
        ]
    );

    for (query, want) in [
        ("from=2026-03-01T06:20:00.000Z", vec![4, 3, 2]),
        ("to=2026-03-01T06:30:00.000Z", vec![2, 1]),
        ("from=2026-03-01T06:20:00Z&to=2026-03-01T06:40:00Z", vec![3, 2]),
        ("from=2026-03-01T06:19:59.999Z&to=2026-03-01T06:20:00.001Z", vec![2]),
        ("from=2026-03-01T07:20:00%2B01:00", vec![4, 3, 2]),
        ("from=2026-03-01T06:41:00Z", vec![]),
        ("from=2026-03-01T06:20:00Z&outcome=fired", vec![3]),
    ] {
        assert_eq!(log_ids(&app, &admin, query).await, (want, json!(null)), "{query}");
    }
}

#[tokio::test]
async fn a_time_range_pages_with_the_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    four_decisions_ten_minutes_apart(&app, &admin).await;
    let range = "from=2026-03-01T06:10:00Z&to=2026-03-01T06:40:00Z";

    let first = log_ids(&app, &admin, &format!("{range}&limit=2")).await;
    assert_eq!(first, (vec![3, 2], json!(2)));
    let rest = log_ids(&app, &admin, &format!("{range}&limit=2&cursor=2")).await;
    assert_eq!(rest, (vec![1], json!(null)), "the range still applies past the cursor");
}

#[tokio::test]
async fn an_unreadable_time_bound_is_422_naming_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (query, fields) in
        [("from=yesterday", vec!["from"]), ("to=2026-03-01", vec!["to"]), ("from=6am&to=soon", vec!["from", "to"])]
    {
        let (status, body) = log_page(&app, &admin, query).await;
        assert_error(status, &body, 422, "validation_failed");
        let named: Vec<&str> =
            body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert_eq!(named, fields, "{query}: {body}");
        assert_eq!(body["error"]["details"][0]["problem"], "must be an RFC 3339 date-time");
    }
}

#[tokio::test]
async fn a_time_range_whose_end_is_not_after_its_start_is_422_naming_to() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for query in
        ["from=2026-03-01T06:20:00Z&to=2026-03-01T06:20:00Z", "from=2026-03-01T06:20:00Z&to=2026-03-01T06:10:00Z"]
    {
        let (status, body) = log_page(&app, &admin, query).await;
        assert_error(status, &body, 422, "validation_failed");
        assert_eq!(body["error"]["details"], json!([{"field": "to", "problem": "must be after from"}]), "{query}");
    }
}

#[tokio::test]
async fn a_condition_must_hold_for_its_whole_window() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let soil = node.sensor_id("soil");
    // A reading every 30 s for the ten minutes before 06:10; `wet_at` makes one of them wet.
    let readings = |wet_at: Option<i64>| -> Vec<Value> {
        (0..20)
            .map(|i| {
                let minute = 10 * 60 - i * 30; // every 30 s back from 06:10
                let value = if Some(i) == wet_at { 45.0 } else { 20.0 };
                json!({"sensor_key": "soil", "ts": node_sim::client::rfc3339(T0 + (minute - 1) * 1000), "value": value})
            })
            .collect()
    };
    app.clock.set_ms(T0 + 10 * MINUTE);
    app.node_post(&node, "/api/node/telemetry", json!({"readings": readings(None)})).send().await.unwrap();
    create(
        &app,
        &admin,
        json!({"name": "Dry for 5 minutes", "recurrence": block("06:10", "06:20"),
        "conditions": {"mode": "all", "rules": [{"sensor_id": soil, "op": "lt", "value": 30.0, "for_s": 300}]},
        "actions": [{"type": "set_output", "output_id": node.output_id("valve"), "state": 1}]}),
    )
    .await;
    assert_eq!(outcomes(&logs(&app, &admin).await), ["fired"], "dry throughout the window");

    // Next week, one wet reading inside the window vetoes it.
    let week = 7 * 24 * 60;
    app.clock.set_ms(T0 + (week + 10) * MINUTE);
    let wet: Vec<Value> = readings(Some(3))
        .into_iter()
        .map(|mut r| {
            let ts = core_server::domain::time::Timestamp::parse_rfc3339(r["ts"].as_str().unwrap()).unwrap().millis();
            r["ts"] = json!(node_sim::client::rfc3339(ts + week * MINUTE));
            r
        })
        .collect();
    app.node_post(&node, "/api/node/telemetry", json!({"readings": wet})).send().await.unwrap();
    at(&app, week + 10).await;
    let admin = app.login("ada", crate::support::ADMIN_PASSWORD).await;
    let logged = logs(&app, &admin).await;
    assert_eq!(
        outcomes(&logged),
        ["fired", "skipped:condition_false", "ended"],
        "last week's block ended, this week's was vetoed"
    );
}

#[tokio::test]
async fn two_evaluations_at_once_fire_an_occurrence_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = farm(&app, &admin).await;
    let valve = node.output_id("valve");
    create(
        &app,
        &admin,
        json!({"name": "Morning water", "recurrence": block("06:10", "06:20"),
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}]}),
    )
    .await;
    app.clock.set_ms(T0 + 10 * MINUTE);
    // The runner and a request (a schedule change, a restore) may evaluate at the same moment.
    let (a, b) = tokio::join!(evaluate(app.state()), evaluate(app.state()));
    a.unwrap();
    b.unwrap();
    assert_eq!(outcomes(&logs(&app, &admin).await), ["fired"]);
    assert_eq!(app.count("commands"), 1);
}

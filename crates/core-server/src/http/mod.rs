//! Handlers, one module per resource, each exposing `router(purpose)`. Handlers parse and authorize,
//! call the domain and the store, and map errors; they hold no SQL.

pub mod action_logs;
pub mod adoption;
pub mod api_tokens;
pub mod auth;
pub mod backups;
pub mod dashboard;
pub mod events;
pub mod health;
pub mod json;
pub mod metrics;
pub mod node_api;
pub mod nodes;
pub mod outputs;
pub mod schedules;
pub mod sensors;
pub mod setup;
pub mod site;
pub mod users;

pub use json::Json;

use serde::Serialize;
use utoipa::ToSchema;

/// `{"items": [...]}`, the shape of every list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> From<Vec<T>> for Items<T> {
    fn from(items: Vec<T>) -> Self {
        Self { items }
    }
}

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The `limit` of a paginated list (API-CONVENTIONS: default 100, at most 1000).
pub fn page_limit(limit: Option<i64>) -> Result<i64, crate::domain::Error> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(crate::domain::Error::invalid("limit", "must be between 1 and 1000"));
    }
    Ok(limit)
}

/// What a router is assembled for. Serving needs only each route's path and methods; the
/// description of every operation, and the schemas it refers to, is built only for the OpenAPI
/// document, so start-up does not spend time and memory on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Serve,
    Document,
}

/// `utoipa_axum::routes!` that, for `Purpose::Serve`, reads only each handler's path and
/// methods: `routes!(purpose; handler, other_handler)`, handlers of one path. Both purposes
/// read the same lists, and the API tests call every documented operation on the served router.
macro_rules! routes {
    ($purpose:expr; $($handler:ident),+ $(,)?) => {
        if $purpose == $crate::http::Purpose::Document {
            utoipa_axum::routes!($($handler),+)
        } else {
            use utoipa_axum::PathItemExt as _;
            let mut paths = utoipa::openapi::path::Paths::new();
            let mut router = axum::routing::MethodRouter::new();
            $(
                utoipa_axum::paste! {
                    let path = <[<__path_ $handler>] as utoipa::Path>::path();
                    let methods = <[<__path_ $handler>] as utoipa::Path>::methods();
                }
                for method in &methods {
                    router = router.on(method.to_method_filter(), $handler);
                }
                paths.add_path_operation(&path, methods, utoipa::openapi::path::Operation::default());
            )+
            (Vec::new(), paths, router)
        }
    };
}
pub(crate) use routes;

/// Security requirement names used in the OpenAPI document.
pub const SESSION_COOKIE_SCHEME: &str = "session_cookie";
pub const BEARER_SCHEME: &str = "bearer";

/// The bounds the OpenAPI document states are the ones the validators enforce: each is read
/// from the generated document and tried on its validator just inside and just outside.
#[cfg(test)]
mod contract_bounds {
    use serde_json::Value;

    use crate::domain::outputs::OutputKind;
    use crate::domain::schedule_rules::{self, Action, Severity};
    use crate::domain::{api_tokens, metrics, nodes, schedules, sensors, site, users};

    fn doc() -> Value {
        serde_json::to_value(crate::app::openapi()).expect("the document serializes")
    }

    fn property<'a>(doc: &'a Value, schema: &str, field: &str) -> &'a Value {
        &doc["components"]["schemas"][schema]["properties"][field]
    }

    fn parameter<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
        let params = doc["paths"][path][method]["parameters"].as_array().expect("parameters");
        &params.iter().find(|p| p["name"] == name).expect("the parameter")["schema"]
    }

    type Accepts<'a> = &'a dyn Fn(i64) -> bool;

    fn bound(schema: &Value, key: &str) -> i64 {
        schema[key].as_i64().unwrap_or_else(|| panic!("no integer {key} in {schema}"))
    }

    /// `accepts` takes `min` and `max` and refuses the values just outside them.
    fn assert_range(what: &str, schema: &Value, (min, max): (&str, &str), accepts: impl Fn(i64) -> bool) {
        let (low, high) = (bound(schema, min), bound(schema, max));
        assert!(accepts(low) && accepts(high), "{what}: the validator refuses {low} or {high}");
        assert!(!accepts(low - 1) && !accepts(high + 1), "{what}: the validator accepts beyond {low}..={high}");
    }

    #[test]
    fn integer_bounds_are_the_validators() {
        let doc = doc();
        let numbers: [(&str, &str, Accepts); 12] = [
            ("NodeCreate", "heartbeat_interval_s", &|v| nodes::check_heartbeat_interval("f", v).is_ok()),
            ("NodeUpdate", "heartbeat_interval_s", &|v| nodes::check_heartbeat_interval("f", v).is_ok()),
            ("SensorDeclaration", "interval_s", &|v| sensors::check_interval("f", v).is_ok()),
            ("SensorUpdate", "interval_s", &|v| sensors::check_interval("f", v).is_ok()),
            ("SensorDeclaration", "retention_days", &|v| sensors::check_retention("f", v).is_ok()),
            ("SensorUpdate", "retention_days", &|v| sensors::check_retention("f", v).is_ok()),
            // A relay takes 0 or 1 of these; which output is meant, the schema cannot know.
            ("OutputDeclaration", "default_state", &|v| OutputKind::Level.check_state("f", v).is_ok()),
            ("OutputUpdate", "default_state", &|v| OutputKind::Level.check_state("f", v).is_ok()),
            ("OutputCommand", "state", &|v| OutputKind::Level.check_state("f", v).is_ok()),
            ("GroupCommandItem", "state", &|v| OutputKind::Level.check_state("f", v).is_ok()),
            ("ScheduleCreate", "priority", &|v| schedule_rules::check_priority(v).is_ok()),
            ("ScheduleUpdate", "priority", &|v| schedule_rules::check_priority(v).is_ok()),
        ];
        for (schema, field, accepts) in numbers {
            assert_range(&format!("{schema}.{field}"), property(&doc, schema, field), ("minimum", "maximum"), accepts);
        }
        let run = property(&doc, "ScheduleRunRequest", "duration_minutes");
        assert_range("duration_minutes", run, ("minimum", "maximum"), |v| {
            (1..=schedules::MAX_DURATION_MINUTES).contains(&v)
        });
        for (path, method) in [("/api/commands", "get"), ("/api/action-logs", "get")] {
            let limit = parameter(&doc, path, method, "limit");
            assert_range(path, limit, ("minimum", "maximum"), |v| super::page_limit(Some(v)).is_ok());
        }
        let max_points = parameter(&doc, "/api/metrics/query", "get", "max_points");
        assert_range("max_points", max_points, ("minimum", "maximum"), |v| {
            metrics::parse_query("1", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", Some(v)).is_ok()
        });
        let count = parameter(&doc, "/api/schedules/{id}/preview", "get", "count");
        assert_range("count", count, ("minimum", "maximum"), |v| {
            usize::try_from(v).is_ok_and(|v| (1..=super::schedules::MAX_PREVIEW).contains(&v))
        });
    }

    #[test]
    fn list_lengths_are_the_validators() {
        let doc = doc();
        let alarm = Action::Alarm { severity: Severity::Info, message: "water".into() };
        let actions = property(&doc, "ScheduleCreate", "actions");
        assert_range("actions", actions, ("minItems", "maxItems"), |n| {
            schedule_rules::check_actions(&vec![alarm.clone(); usize::try_from(n).unwrap_or(0)]).is_empty() && n >= 0
        });
        assert_eq!(property(&doc, "ScheduleUpdate", "actions")["maxItems"], schedule_rules::MAX_ACTIONS);
        let commands = property(&doc, "OutputsCommand", "commands");
        assert_eq!((bound(commands, "minItems"), bound(commands, "maxItems")), (1, super::outputs::MAX_GROUP as i64));
        let readings = property(&doc, "TelemetryBatch", "readings");
        assert_eq!((bound(readings, "minItems"), bound(readings, "maxItems")), (1, super::node_api::MAX_BATCH as i64));
        assert_eq!(bound(property(&doc, "ApiTokenCreate", "capabilities"), "minItems"), 1);
        assert!(api_tokens::check_capabilities(&[], &[]).is_err(), "no capability is refused");
        let ids = parameter(&doc, "/api/metrics/query", "get", "sensor_id")["pattern"].as_str().expect("a pattern");
        assert!(ids.ends_with(&format!("{{0,{}}}$", metrics::MAX_SENSORS - 1)), "{ids}");
    }

    #[test]
    fn string_lengths_are_the_validators() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let key = &schemas["Key"];
        assert_range("Key", key, ("minLength", "maxLength"), |n| {
            nodes::parse_key("k", &"k".repeat(usize::try_from(n).unwrap_or(0))).is_ok() && n >= 0
        });
        let password = &schemas["Password"];
        assert_range("Password", password, ("minLength", "maxLength"), |n| {
            users::Password::parse("p", &"p".repeat(usize::try_from(n).unwrap_or(0))).is_ok() && n >= 0
        });
        assert_eq!(bound(&schemas["Label"], "maxLength"), nodes::LABEL_MAX as i64);
        assert!(nodes::parse_label("l", &"l".repeat(nodes::LABEL_MAX)).is_ok());
        assert!(nodes::parse_label("l", &"l".repeat(nodes::LABEL_MAX + 1)).is_err());
        assert_eq!(bound(&schemas["SensorUnit"], "maxLength"), sensors::UNIT_MAX as i64);
        assert!(sensors::parse_unit("u", &"u".repeat(sensors::UNIT_MAX)).is_ok());
        assert!(sensors::parse_unit("u", &"u".repeat(sensors::UNIT_MAX + 1)).is_err());
        // The trimmed-length patterns spell their maximum as `{0,max-2}` between two characters.
        for (name, max, parse) in [
            ("DisplayName", nodes::NAME_MAX, &(|s: &str| nodes::parse_name("n", s).is_ok()) as &dyn Fn(&str) -> bool),
            ("TokenName", api_tokens::NAME_MAX, &|s: &str| api_tokens::parse_name(s).is_ok()),
        ] {
            let pattern = schemas[name]["pattern"].as_str().expect("a pattern");
            assert!(pattern.contains(&format!("{{0,{}}}", max - 2)), "{name}: {pattern}");
            assert!(parse(&format!(" {} ", "x".repeat(max))) && !parse(&"x".repeat(max + 1)), "{name}");
        }
        let username = schemas["Username"]["pattern"].as_str().expect("a pattern");
        assert!(username.ends_with(&format!("{{2,{}}}$", users::USERNAME_MAX - 1)), "{username}");
        assert!(users::Username::parse("u", &"u".repeat(users::USERNAME_MAX)).is_ok());
        assert!(users::Username::parse("u", &"u".repeat(users::USERNAME_MAX + 1)).is_err());
    }

    #[test]
    fn the_time_zone_pattern_lists_exactly_the_accepted_zones() {
        let doc = doc();
        let pattern = doc["components"]["schemas"]["TimeZone"]["pattern"].as_str().expect("a pattern");
        let listed: Vec<String> = pattern
            .trim_start_matches("^(?:")
            .trim_end_matches(")$")
            .split('|')
            .map(|n| n.replace("\\+", "+"))
            .collect();
        assert_eq!(listed.len(), chrono_tz::TZ_VARIANTS.len());
        for name in &listed {
            assert_eq!(site::parse_timezone("timezone", name).ok().as_deref(), Some(name.as_str()));
        }
    }
}

//! Field nodes: names, MAC addresses, keys of their sensors and outputs, and liveness.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;

pub const DEFAULT_HEARTBEAT_INTERVAL_S: i64 = 30;
/// Longest name (in characters, after trimming) of a node, sensor, output, site or schedule.
pub const NAME_MAX: usize = 64;
/// Longest sensor or output key.
pub const KEY_MAX: usize = 32;
/// Longest free-text label a node reports about itself (model, agent version, IP).
pub const LABEL_MAX: usize = 64;

/// A node is online while its last heartbeat is younger than this many intervals.
pub const ONLINE_INTERVALS: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Online,
    Offline,
    Retired,
}

/// Online when seen within two heartbeat intervals; retired trumps everything.
pub fn node_status(last_seen_at: Option<i64>, interval_s: i64, retired: bool, now: i64) -> NodeStatus {
    if retired {
        return NodeStatus::Retired;
    }
    match last_seen_at {
        Some(seen) if now - seen < ONLINE_INTERVALS * interval_s * 1000 => NodeStatus::Online,
        _ => NodeStatus::Offline,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Node {
    pub id: i64,
    pub name: String,
    /// Lower-case, colon-separated.
    pub mac: String,
    pub model: String,
    pub agent_version: String,
    pub ip: Option<String>,
    pub status: NodeStatus,
    pub heartbeat_interval_s: i64,
    pub uptime_s: Option<i64>,
    pub adopted_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    pub retired_at: Option<Timestamp>,
}

/// 1–64 characters, trimmed, no control characters.
pub fn parse_name(field: &str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be 1 to 64 characters without control characters"));
    }
    Ok(name.to_owned())
}

/// Accepts `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF` or `aabbccddeeff`; returns the colon form.
pub fn parse_mac(field: &str, raw: &str) -> Result<String> {
    let hex: String = raw.trim().chars().filter(|c| !matches!(c, ':' | '-')).collect();
    let separators = raw.trim().chars().filter(|c| matches!(c, ':' | '-')).count();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) || !(separators == 0 || separators == 5) {
        return Err(Error::invalid(field, "must be a MAC address such as b8:27:eb:12:34:56"));
    }
    let lower = hex.to_ascii_lowercase();
    Ok(lower.as_bytes().chunks(2).map(|p| String::from_utf8_lossy(p).into_owned()).collect::<Vec<_>>().join(":"))
}

/// Sensor and output keys, as the node's agent names them: 1–32 of `a-z 0-9 _`.
pub fn parse_key(field: &str, raw: &str) -> Result<String> {
    let ok = (1..=KEY_MAX).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(Error::invalid(field, "must be 1 to 32 characters of a-z, 0-9 and '_'"));
    }
    Ok(raw.to_owned())
}

pub fn check_heartbeat_interval(field: &str, seconds: i64) -> Result<i64> {
    if !(5..=3600).contains(&seconds) {
        return Err(Error::invalid(field, "must be between 5 and 3600 seconds"));
    }
    Ok(seconds)
}

/// Free text a node reports about itself (model, agent version, IP): at most 64 characters.
pub fn parse_label(field: &str, raw: &str) -> Result<String> {
    if raw.chars().count() > LABEL_MAX || raw.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be at most 64 characters without control characters"));
    }
    Ok(raw.to_owned())
}

// The OpenAPI schemas of the strings above, built from the same constants. They only describe:
// the parse functions above decide, and give the messages. Patterns are ECMA 262 and Python `re`
// alike (what schemathesis and the dashboard read); `\uXXXX` escapes keep them ASCII.

/// What `str::trim` removes: the Unicode `White_Space` characters, as a regex class body.
pub const WHITE_SPACE_CLASS: &str = "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/// What `char::is_control` matches (general category Cc), as a regex class body.
pub const CONTROL_CLASS: &str = "\\u0000-\\u001f\\u007f-\\u009f";

fn string_schema(description: &str, pattern: String) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
}

/// `^ws* x (any{0,max-2} x)? ws*$`: at most `max` characters once trimmed, the first and last of
/// them `x` (not white space), every one `any`; white space around is trimmed away.
pub fn trimmed_pattern(max: usize, any: &str, not_white_space: &str) -> String {
    let ws = format!("[{WHITE_SPACE_CLASS}]");
    format!("^{ws}*{not_white_space}(?:{any}{{0,{}}}{not_white_space})?{ws}*$", max - 2)
}

/// A name as [`parse_name`] takes it.
pub struct DisplayName;

impl utoipa::PartialSchema for DisplayName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // Not white space and not control: U+0020 and U+0085, U+00A0 fold into the control ranges.
        let visible = "[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
        let pattern = trimmed_pattern(NAME_MAX, &format!("[^{CONTROL_CLASS}]"), visible);
        string_schema("1 to 64 characters once white space around is trimmed, no control characters.", pattern)
            .examples(["Greenhouse 1"])
            .into()
    }
}

impl utoipa::ToSchema for DisplayName {}

/// A sensor or output key as [`parse_key`] takes it.
pub struct Key;

impl utoipa::PartialSchema for Key {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        string_schema("How the node names it: 1 to 32 of a-z, 0-9 and '_'.", format!("^[a-z0-9_]{{1,{KEY_MAX}}}$"))
            .min_length(Some(1))
            .max_length(Some(KEY_MAX))
            .examples(["soil_1"])
            .into()
    }
}

impl utoipa::ToSchema for Key {}

/// A MAC address as [`parse_mac`] takes it: the pattern states the usual forms (colons, dashes
/// or none); the parser also tolerates its five separators elsewhere among the twelve digits.
pub struct MacAddress;

impl utoipa::PartialSchema for MacAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let ws = format!("[{WHITE_SPACE_CLASS}]");
        let pattern = format!("^{ws}*(?:[0-9A-Fa-f]{{2}}(?:[:-][0-9A-Fa-f]{{2}}){{5}}|[0-9A-Fa-f]{{12}}){ws}*$");
        string_schema("aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF or aabbccddeeff; answered in the colon form.", pattern)
            .examples(["b8:27:eb:12:34:56"])
            .into()
    }
}

impl utoipa::ToSchema for MacAddress {}

/// At most `max` characters, none of them a control character.
pub fn free_text_schema(description: &str, max: usize) -> utoipa::openapi::ObjectBuilder {
    string_schema(description, format!("^[^{CONTROL_CLASS}]*$")).max_length(Some(max))
}

/// Free text a node reports about itself, as [`parse_label`] takes it.
pub struct Label;

impl utoipa::PartialSchema for Label {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        free_text_schema("At most 64 characters, no control characters.", LABEL_MAX).into()
    }
}

impl utoipa::ToSchema for Label {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_normalise_to_lower_colon_form() {
        for raw in ["B8:27:EB:12:34:56", "b8-27-eb-12-34-56", "b827eb123456", " b8:27:eb:12:34:56 "] {
            assert_eq!(parse_mac("mac", raw).unwrap(), "b8:27:eb:12:34:56", "{raw}");
        }
        for bad in ["", "b8:27:eb:12:34", "b8:27:eb:12:34:5g", "b8:27:eb:1234:56", "b8:27:eb:12:34:56:78"] {
            assert!(parse_mac("mac", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_follows_two_heartbeat_intervals() {
        let now = 1_000_000;
        assert_eq!(node_status(Some(now - 59_999), 30, false, now), NodeStatus::Online);
        assert_eq!(node_status(Some(now - 60_000), 30, false, now), NodeStatus::Offline);
        assert_eq!(node_status(None, 30, false, now), NodeStatus::Offline);
        assert_eq!(node_status(Some(now), 30, true, now), NodeStatus::Retired);
    }

    #[test]
    fn keys_are_strict() {
        assert!(parse_key("key", "soil_1").is_ok());
        for bad in ["", "Soil", "soil-1", "x".repeat(33).as_str()] {
            assert!(parse_key("key", bad).is_err(), "{bad}");
        }
    }
}

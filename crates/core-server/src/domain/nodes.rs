//! Field nodes: names, MAC addresses, keys of their sensors and outputs, and liveness.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;

pub const DEFAULT_HEARTBEAT_INTERVAL_S: i64 = 30;

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
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
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
    let ok =
        (1..=32).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
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
    if raw.chars().count() > 64 || raw.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be at most 64 characters without control characters"));
    }
    Ok(raw.to_owned())
}

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

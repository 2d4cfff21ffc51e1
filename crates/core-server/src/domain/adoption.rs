//! Adoption: a new field node announces itself, an admin issues a single-use token bound to its
//! MAC, and the node claims its identity with it. A replacement token binds a new device to an
//! existing node, which keeps its sensors, outputs, history and schedules.

use serde::Serialize;
use utoipa::ToSchema;

use super::outputs::OutputKind;
use super::schedule_rules::Schedule;
use super::sensors::SensorKind;
use super::time::Timestamp;

/// Announcements older than this drop off the candidates list.
pub const CANDIDATE_TTL_MS: i64 = 10 * 60 * 1000;
/// An adoption token is good for this long.
pub const TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
pub const BUNDLE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Candidate {
    pub mac: String,
    pub model: String,
    pub agent_version: String,
    pub ip: Option<String>,
    /// `announce` or `mdns`.
    pub source: String,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AdoptionToken {
    pub id: i64,
    pub mac: String,
    pub name: String,
    /// Set for a replacement: the node the new device becomes.
    pub node_id: Option<i64>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BundleNode {
    pub name: String,
    pub heartbeat_interval_s: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BundleSensor {
    pub key: String,
    pub name: String,
    pub kind: SensorKind,
    pub unit: String,
    pub interval_s: i64,
    pub retention_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BundleOutput {
    pub key: String,
    pub name: String,
    pub kind: OutputKind,
    pub default_state: i64,
    pub desired_state: i64,
}

/// Everything needed to set a node up again: its settings, sensors, outputs and the schedules
/// that act on it. Versioned, so an older agent can tell it cannot read a newer bundle.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NodeBundle {
    pub version: u32,
    pub node: BundleNode,
    pub sensors: Vec<BundleSensor>,
    pub outputs: Vec<BundleOutput>,
    pub schedules: Vec<Schedule>,
}

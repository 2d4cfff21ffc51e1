//! What the overview page needs, in one response.

use serde::Serialize;
use utoipa::ToSchema;

use super::nodes::{Node, NodeStatus};
use super::outputs::{Command, Output};
use super::sensors::Sensor;
use super::site::Site;
use super::time::Timestamp;

/// A reading older than this many intervals is stale.
pub const STALE_INTERVALS: i64 = 3;

pub fn is_stale(sensor: &Sensor, now: i64) -> bool {
    match sensor.last_ts {
        Some(ts) => now - ts.millis() > STALE_INTERVALS * sensor.interval_s * 1000,
        None => true,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SensorState {
    #[serde(flatten)]
    pub sensor: Sensor,
    /// No reading within three intervals.
    pub stale: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutputState {
    #[serde(flatten)]
    pub output: Output,
    /// The newest command while it is queued or delivered (the toggle shows a spinner).
    pub pending_command: Option<Command>,
    /// The newest command whatever its status (shows a failed or expired one).
    pub last_command: Option<Command>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Counts {
    pub nodes_online: i64,
    pub nodes_offline: i64,
    pub nodes_retired: i64,
    pub sensors: i64,
    pub sensors_stale: i64,
    pub outputs: i64,
    pub commands_pending: i64,
}

/// The newest verified backup, for the overview's backup card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct BackupHealth {
    /// When the newest verified backup was taken; `null` when there is none.
    pub newest_verified_at: Option<Timestamp>,
    /// Seconds since then.
    pub age_s: Option<i64>,
    /// No verified backup, or the newest is older than two days (an alarm is raised as well).
    pub stale: bool,
}

/// A backup older than this is stale, and the backup check raises an alarm.
pub const BACKUP_STALE_AFTER_MS: i64 = 2 * 24 * 3_600_000;

impl BackupHealth {
    pub fn at(newest_verified: Option<i64>, now: i64) -> Self {
        let age_ms = newest_verified.map(|t| now - t);
        Self {
            newest_verified_at: newest_verified.map(Timestamp),
            age_s: age_ms.map(|ms| ms.div_euclid(1000)),
            stale: age_ms.is_none_or(|ms| ms > BACKUP_STALE_AFTER_MS),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DashboardState {
    pub site: Site,
    pub nodes: Vec<Node>,
    pub sensors: Vec<SensorState>,
    pub outputs: Vec<OutputState>,
    pub counts: Counts,
    /// Filled in from the backups folder, not the database.
    pub backup: BackupHealth,
    pub generated_at: Timestamp,
}

impl DashboardState {
    pub fn assemble(
        site: Site,
        nodes: Vec<Node>,
        sensors: Vec<Sensor>,
        outputs: Vec<(Output, Option<Command>)>,
        now: i64,
    ) -> Self {
        let mut counts = Counts::default();
        for n in &nodes {
            match n.status {
                NodeStatus::Online => counts.nodes_online += 1,
                NodeStatus::Offline => counts.nodes_offline += 1,
                NodeStatus::Retired => counts.nodes_retired += 1,
            }
        }
        let sensors: Vec<SensorState> =
            sensors.into_iter().map(|s| SensorState { stale: is_stale(&s, now), sensor: s }).collect();
        counts.sensors = sensors.len() as i64;
        counts.sensors_stale = sensors.iter().filter(|s| s.stale).count() as i64;
        let outputs: Vec<OutputState> = outputs
            .into_iter()
            .map(|(output, last)| OutputState {
                output,
                pending_command: last.clone().filter(|c| c.status.is_open()),
                last_command: last,
            })
            .collect();
        counts.outputs = outputs.len() as i64;
        counts.commands_pending = outputs.iter().filter(|o| o.pending_command.is_some()).count() as i64;
        Self { site, nodes, sensors, outputs, counts, backup: BackupHealth::default(), generated_at: Timestamp(now) }
    }
}

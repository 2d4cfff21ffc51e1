//! Roles map to capabilities; handlers only ever check capabilities.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::users::Role;

/// Declared in alphabetical order, so sorting capabilities sorts them by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub enum Capability {
    #[serde(rename = "alarms.ack")]
    AlarmsAck,
    #[serde(rename = "alarms.view")]
    AlarmsView,
    /// Create, delete and restore backups.
    #[serde(rename = "backups.manage")]
    BackupsManage,
    #[serde(rename = "backups.view")]
    BackupsView,
    #[serde(rename = "config.write")]
    ConfigWrite,
    /// Command history and schedule action logs.
    #[serde(rename = "logs.view")]
    LogsView,
    /// Register, adopt, replace, edit and retire nodes.
    #[serde(rename = "nodes.manage")]
    NodesManage,
    /// Nodes, sensors, outputs, metrics and the dashboard state.
    #[serde(rename = "nodes.view")]
    NodesView,
    #[serde(rename = "outputs.command")]
    OutputsCommand,
    #[serde(rename = "schedules.run")]
    SchedulesRun,
    #[serde(rename = "schedules.view")]
    SchedulesView,
    #[serde(rename = "schedules.write")]
    SchedulesWrite,
    #[serde(rename = "tokens.manage")]
    TokensManage,
    #[serde(rename = "users.manage")]
    UsersManage,
}

impl Capability {
    pub const ALL: [Capability; 14] = [
        Capability::AlarmsAck,
        Capability::AlarmsView,
        Capability::BackupsManage,
        Capability::BackupsView,
        Capability::ConfigWrite,
        Capability::LogsView,
        Capability::NodesManage,
        Capability::NodesView,
        Capability::OutputsCommand,
        Capability::SchedulesRun,
        Capability::SchedulesView,
        Capability::SchedulesWrite,
        Capability::TokensManage,
        Capability::UsersManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::NodesView => "nodes.view",
            Capability::SchedulesView => "schedules.view",
            Capability::AlarmsView => "alarms.view",
            Capability::LogsView => "logs.view",
            Capability::BackupsView => "backups.view",
            Capability::OutputsCommand => "outputs.command",
            Capability::AlarmsAck => "alarms.ack",
            Capability::SchedulesRun => "schedules.run",
            Capability::NodesManage => "nodes.manage",
            Capability::SchedulesWrite => "schedules.write",
            Capability::BackupsManage => "backups.manage",
            Capability::UsersManage => "users.manage",
            Capability::TokensManage => "tokens.manage",
            Capability::ConfigWrite => "config.write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

const VIEWER: &[Capability] = &[
    Capability::NodesView,
    Capability::SchedulesView,
    Capability::AlarmsView,
    Capability::LogsView,
    Capability::BackupsView,
];

const OPERATOR_EXTRA: &[Capability] = &[Capability::OutputsCommand, Capability::AlarmsAck, Capability::SchedulesRun];

/// What a role may do, sorted.
pub fn capabilities_of(role: Role) -> Vec<Capability> {
    let mut caps: Vec<Capability> = match role {
        Role::Viewer => VIEWER.to_vec(),
        Role::Operator => [VIEWER, OPERATOR_EXTRA].concat(),
        Role::Admin => Capability::ALL.to_vec(),
    };
    caps.sort();
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        let viewer = capabilities_of(Role::Viewer);
        let operator = capabilities_of(Role::Operator);
        let admin = capabilities_of(Role::Admin);
        assert!(viewer.iter().all(|c| operator.contains(c)));
        assert!(operator.iter().all(|c| admin.contains(c)));
        assert!(!viewer.contains(&Capability::UsersManage));
        assert!(!operator.contains(&Capability::UsersManage));
        assert!(operator.contains(&Capability::OutputsCommand));
    }

    #[test]
    fn declaration_order_is_alphabetical() {
        let names: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        let mut caps = Capability::ALL.to_vec();
        caps.sort();
        assert_eq!(caps, Capability::ALL.to_vec());
    }

    #[test]
    fn names_round_trip_through_serde() {
        for cap in Capability::ALL {
            let json = serde_json::to_string(&cap).unwrap();
            assert_eq!(json, format!("\"{}\"", cap.as_str()));
            assert_eq!(Capability::parse(cap.as_str()), Some(cap));
        }
    }
}

//! Outputs (relays and levels) and the commands that move them, with their lifecycle:
//! `queued → delivered → confirmed | failed | expired`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;

/// A command not delivered (or, once delivered, not acknowledged) within this long expires.
pub const COMMAND_TTL_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// On/off: state 0 or 1.
    Relay,
    /// Proportional: state 0 to 100 (percent).
    Level,
}

impl OutputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Relay => "relay",
            OutputKind::Level => "level",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "relay" => Some(OutputKind::Relay),
            "level" => Some(OutputKind::Level),
            _ => None,
        }
    }

    pub fn max_state(self) -> i64 {
        match self {
            OutputKind::Relay => 1,
            OutputKind::Level => 100,
        }
    }

    pub fn check_state(self, field: &str, state: i64) -> Result<i64> {
        if (0..=self.max_state()).contains(&state) {
            return Ok(state);
        }
        Err(Error::invalid(
            field,
            match self {
                OutputKind::Relay => "must be 0 (off) or 1 (on) for a relay",
                OutputKind::Level => "must be between 0 and 100 for a level output",
            },
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Output {
    pub id: i64,
    pub node_id: i64,
    pub key: String,
    pub name: String,
    pub kind: OutputKind,
    /// What it returns to when nothing claims it.
    pub default_state: i64,
    /// What the controller wants.
    pub desired_state: i64,
    /// What the node last said it is.
    pub reported_state: Option<i64>,
    pub reported_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    Queued,
    Delivered,
    Confirmed,
    Failed,
    Expired,
}

impl CommandStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Queued => "queued",
            CommandStatus::Delivered => "delivered",
            CommandStatus::Confirmed => "confirmed",
            CommandStatus::Failed => "failed",
            CommandStatus::Expired => "expired",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        [Self::Queued, Self::Delivered, Self::Confirmed, Self::Failed, Self::Expired]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        matches!(self, CommandStatus::Queued | CommandStatus::Delivered)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommandSource {
    User,
    ApiToken,
    Schedule,
    Reconciliation,
}

impl CommandSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandSource::User => "user",
            CommandSource::ApiToken => "api_token",
            CommandSource::Schedule => "schedule",
            CommandSource::Reconciliation => "reconciliation",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        [Self::User, Self::ApiToken, Self::Schedule, Self::Reconciliation].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Command {
    pub id: i64,
    pub output_id: i64,
    pub node_id: i64,
    /// The output's key on its node, so the agent knows which output to move.
    pub output_key: String,
    pub state: i64,
    pub source: CommandSource,
    pub requested_by: Option<String>,
    pub status: CommandStatus,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub error: Option<String>,
}

/// Who asked for a command.
#[derive(Debug, Clone)]
pub struct Requester {
    pub source: CommandSource,
    pub name: Option<String>,
}

/// The outcome a node reports for a command.
#[derive(Debug, Clone)]
pub struct Ack {
    pub ok: bool,
    pub reported_state: Option<i64>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_checked_per_kind() {
        assert!(OutputKind::Relay.check_state("state", 1).is_ok());
        assert!(OutputKind::Relay.check_state("state", 2).is_err());
        assert!(OutputKind::Level.check_state("state", 100).is_ok());
        assert!(OutputKind::Level.check_state("state", -1).is_err());
    }
}

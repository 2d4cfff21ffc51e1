//! Background work: command expiry, node liveness events and metric retention. Each step is a
//! plain async function over `AppState`, so tests drive it with a manual clock instead of
//! waiting for the loop.

pub mod backups;
pub mod discovery;
pub mod events;
pub mod schedules;
pub mod wakeups;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::app::AppState;
use crate::domain::nodes::NodeStatus;

/// How often expiry and liveness run.
pub const TICK: Duration = Duration::from_secs(1);
/// How often retention runs, and how many rows it deletes per transaction.
pub const RETENTION_EVERY: Duration = Duration::from_secs(3600);
pub const RETENTION_BATCH: i64 = 5000;

/// The node statuses last announced, to publish only changes.
#[derive(Default)]
pub struct Liveness {
    known: Mutex<HashMap<i64, NodeStatus>>,
}

impl Liveness {
    /// Records `status`; true when it differs from a status known before. A node seen for the
    /// first time (just registered, or after a restart) is recorded without counting as a
    /// change, so only what time passing changed is announced, and announcements do not depend
    /// on when the first tick ran.
    pub fn changed(&self, node_id: i64, status: NodeStatus) -> bool {
        let previous = self.known.lock().unwrap_or_else(|p| p.into_inner()).insert(node_id, status);
        previous.is_some_and(|p| p != status)
    }
}

/// Expires overdue commands and announces nodes whose status changed by time passing.
pub async fn tick(state: &AppState) -> crate::domain::error::Result<()> {
    let now = state.clock.now_ms();
    for command in state.store.commands_expire(now).await? {
        state.events.command(&command);
    }
    for node in state.store.nodes_list(now).await? {
        if state.liveness.changed(node.id, node.status) {
            state.events.node(&node);
        }
    }
    Ok(())
}

pub async fn retention(state: &AppState) -> crate::domain::error::Result<u64> {
    state.store.metrics_retention(state.clock.now_ms(), RETENTION_BATCH).await
}

/// Runs `tick` every second and `retention` every hour until the server stops.
pub async fn run(state: AppState) {
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_retention = tokio::time::Instant::now();
    loop {
        ticker.tick().await;
        if let Err(e) = tick(&state).await {
            tracing::warn!("engine tick failed: {e}");
        }
        if last_retention.elapsed() >= RETENTION_EVERY {
            last_retention = tokio::time::Instant::now();
            match retention(&state).await {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "retention removed old raw readings"),
                Ok(_) => {}
                Err(e) => tracing::warn!("retention failed: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_of_known_nodes_count() {
        let liveness = Liveness::default();
        assert!(!liveness.changed(1, NodeStatus::Offline), "first sighting");
        assert!(!liveness.changed(1, NodeStatus::Offline), "no change");
        assert!(liveness.changed(1, NodeStatus::Online));
        assert!(liveness.changed(1, NodeStatus::Offline));
    }
}

//! Wakes a node's long-poll (`GET /api/node/commands?wait=…`) as soon as a command is queued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Default)]
pub struct NodeWakeups {
    nodes: Mutex<HashMap<i64, Arc<Notify>>>,
}

impl NodeWakeups {
    pub fn of(&self, node_id: i64) -> Arc<Notify> {
        Arc::clone(self.nodes.lock().unwrap_or_else(|p| p.into_inner()).entry(node_id).or_default())
    }

    pub fn wake(&self, node_id: i64) {
        self.of(node_id).notify_waiters();
    }
}

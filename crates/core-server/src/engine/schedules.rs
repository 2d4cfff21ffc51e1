//! The schedule runner: evaluates the schedules' state at each transition and applies what the
//! pure `domain::schedule_engine::decide` planned.

use std::time::Duration;

use crate::app::AppState;
use crate::domain::error::Result;
use crate::domain::schedule_engine;

/// Even with nothing due, evaluate this often (a clock jump, an edit the runner missed).
pub const MAX_SLEEP: Duration = Duration::from_secs(60);

/// One evaluation at the clock's now; returns when the next one is due. Evaluations take turns:
/// the snapshot, the decision and applying it are one step.
pub async fn evaluate(state: &AppState) -> Result<Option<i64>> {
    let _turn = state.schedules_turn.lock().await;
    let now = state.clock.now_ms();
    let mut snapshot = state.store.engine_snapshot(now).await?;
    let wanted = schedule_engine::sensors_needed(&snapshot, now);
    if !wanted.is_empty() {
        snapshot.samples = state.store.engine_samples(wanted).await?;
    }
    let plan = schedule_engine::decide(&snapshot, now);
    let next = plan.next_wake;
    for log in &plan.logs {
        tracing::info!(schedule = %log.schedule_name, outcome = log.outcome, reason = ?log.reason, "schedule");
    }
    let applied = state.store.engine_apply(plan, now).await?;
    for c in applied.issued.superseded.iter().chain(&applied.issued.commands) {
        state.events.command(c);
        state.wakeups.wake(c.node_id);
    }
    for o in &applied.issued.outputs {
        state.events.output(o);
    }
    for a in &applied.alarms {
        state.events.alarm(a);
    }
    Ok(next)
}

/// Evaluates at every transition (or when schedules change) until the server stops.
pub async fn run(state: AppState) {
    loop {
        let next = match evaluate(&state).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!("schedule evaluation failed: {e}");
                None
            }
        };
        let now = state.clock.now_ms();
        let wait =
            next.map_or(MAX_SLEEP, |t| Duration::from_millis(u64::try_from(t - now).unwrap_or(0))).min(MAX_SLEEP);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = state.schedules_changed.notified() => {}
        }
    }
}

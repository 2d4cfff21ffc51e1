//! SQL for schedules, their runs, the engine's claims and decisions (action logs), and alarms.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;
use utoipa::ToSchema;

use super::commands::{CommandRequest, Issued};
use super::{SqliteStore, internal, map_unique};
use crate::domain::error::{Error, FieldError, Result};
use crate::domain::outputs::{CommandSource, Requester};
use crate::domain::schedule_engine::{ClaimRow, OutputInfo, Plan, Run, Snapshot};
use crate::domain::schedule_rules::{Action, MissedRunPolicy, Sample, Schedule, ScheduleDraft, Severity};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScheduleRun {
    pub id: i64,
    pub schedule_id: i64,
    pub start: Timestamp,
    pub end: Timestamp,
    /// `manual` (run now) or `catch_up` (a missed occurrence run late).
    pub reason: String,
    pub requested_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ActionLog {
    pub id: i64,
    pub at: Timestamp,
    pub schedule_id: Option<i64>,
    pub schedule_name: String,
    pub occurrence_start: Option<Timestamp>,
    /// `fired`, `ended`, `skipped` or `missed`.
    pub outcome: String,
    /// For skipped: `condition_false`, `stale`, `conflict` or `disabled`.
    pub reason: Option<String>,
    pub output_ids: Vec<i64>,
    pub command_ids: Vec<i64>,
    /// Values seen, the winner of a conflict, notes.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Alarm {
    pub id: i64,
    pub schedule_id: Option<i64>,
    pub severity: Severity,
    pub message: String,
    pub raised_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub schedule_id: Option<i64>,
    pub output_id: Option<i64>,
    pub outcome: Option<String>,
    /// Decided at or after (epoch ms).
    pub from: Option<i64>,
    /// Decided before (epoch ms).
    pub to: Option<i64>,
}

#[derive(Debug)]
pub struct LogPage {
    pub items: Vec<ActionLog>,
    pub next_cursor: Option<i64>,
}

/// What applying a plan changed, for events and wake-ups.
#[derive(Debug, Default)]
pub struct Applied {
    pub issued: Issued,
    pub alarms: Vec<Alarm>,
}

#[async_trait]
pub trait ScheduleStore {
    async fn schedules_list(&self) -> Result<Vec<Schedule>>;
    async fn schedule_get(&self, id: i64) -> Result<Schedule>;
    async fn schedule_create(&self, draft: ScheduleDraft, now: i64) -> Result<Schedule>;
    async fn schedule_update(&self, id: i64, draft: ScheduleDraft, now: i64) -> Result<Schedule>;
    async fn schedule_delete(&self, id: i64) -> Result<()>;
    async fn schedule_run_create(
        &self,
        schedule_id: i64,
        start: i64,
        end: i64,
        by: Option<String>,
        now: i64,
    ) -> Result<ScheduleRun>;
    async fn action_logs_list(&self, filter: LogFilter, limit: i64, cursor: Option<i64>) -> Result<LogPage>;
    async fn alarms_list(&self, open_only: bool) -> Result<Vec<Alarm>>;
    async fn alarm_acknowledge(&self, id: i64, by: String, now: i64) -> Result<Alarm>;
    /// Raises an alarm not tied to a schedule run (e.g. backups getting old).
    async fn alarm_raise(
        &self,
        schedule_id: Option<i64>,
        severity: Severity,
        message: String,
        now: i64,
    ) -> Result<Alarm>;
    /// Whether an unacknowledged alarm with this message exists.
    async fn alarm_open_with_message(&self, message: String) -> Result<bool>;
    /// Everything the engine reads, except sensor samples.
    async fn engine_snapshot(&self, now: i64) -> Result<Snapshot>;
    /// Readings since `since` for each (sensor, since), with the sensor's interval.
    async fn engine_samples(&self, wanted: Vec<(i64, i64)>) -> Result<HashMap<i64, (i64, Vec<Sample>)>>;
    /// Applies a plan in one transaction: commands, claims, logs, alarms, catch-up runs.
    async fn engine_apply(&self, plan: Plan, now: i64) -> Result<Applied>;
}

const COLUMNS: &str =
    "id, name, enabled, priority, timezone, recurrence, conditions, actions, missed_run_policy, created_at, updated_at";

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = row.get(i)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into()))
}

fn schedule_from_row(row: &Row<'_>) -> rusqlite::Result<Schedule> {
    let conditions: Option<String> = row.get(6)?;
    let policy: String = row.get(8)?;
    Ok(Schedule {
        id: row.get(0)?,
        name: row.get(1)?,
        enabled: row.get(2)?,
        priority: row.get(3)?,
        timezone: row.get(4)?,
        recurrence: json_column(row, 5)?,
        conditions: match conditions {
            Some(text) => Some(
                serde_json::from_str(&text)
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into()))?,
            ),
            None => None,
        },
        actions: json_column(row, 7)?,
        missed_run_policy: MissedRunPolicy::from_db(&policy),
        created_at: Timestamp(row.get(9)?),
        updated_at: Timestamp(row.get(10)?),
    })
}

fn get(conn: &Connection, id: i64) -> Result<Schedule> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"), [id], schedule_from_row)
        .optional()
        .map_err(internal)?
        .ok_or(Error::NotFound("schedule"))
}

/// Every schedule, by id.
pub(crate) fn list(conn: &Connection) -> Result<Vec<Schedule>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM schedules ORDER BY id")).map_err(internal)?;
    let rows = stmt.query_map([], schedule_from_row).map_err(internal)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
}

/// The parts of a draft only the database can check: outputs and sensors exist, states fit.
fn check_references(conn: &Connection, draft: &ScheduleDraft) -> Result<()> {
    let mut problems = Vec::new();
    for (i, action) in draft.actions.iter().enumerate() {
        if let Action::SetOutput { output_id, state } = action {
            match super::outputs::get(conn, *output_id) {
                Ok(output) => {
                    if let Err(Error::Validation(mut p)) =
                        output.kind.check_state(&format!("actions[{i}].state"), *state)
                    {
                        problems.append(&mut p);
                    }
                }
                Err(Error::NotFound(_)) => {
                    problems.push(FieldError::new(format!("actions[{i}].output_id"), "no such output"))
                }
                Err(e) => return Err(e),
            }
        }
    }
    for (i, rule) in draft.conditions.iter().flat_map(|c| c.rules.iter()).enumerate() {
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sensors WHERE id = ?1 AND removed_at IS NULL)",
                [rule.sensor_id],
                |r| r.get(0),
            )
            .map_err(internal)?;
        if !exists {
            problems.push(FieldError::new(format!("conditions.rules[{i}].sensor_id"), "no such sensor"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Validation(problems)) }
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(internal)
}

fn log_from_row(row: &Row<'_>) -> rusqlite::Result<ActionLog> {
    Ok(ActionLog {
        id: row.get(0)?,
        at: Timestamp(row.get(1)?),
        schedule_id: row.get(2)?,
        schedule_name: row.get(3)?,
        occurrence_start: row.get::<_, Option<i64>>(4)?.map(Timestamp),
        outcome: row.get(5)?,
        reason: row.get(6)?,
        output_ids: json_column(row, 7)?,
        command_ids: json_column(row, 8)?,
        detail: json_column(row, 9)?,
    })
}

fn alarm_from_row(row: &Row<'_>) -> rusqlite::Result<Alarm> {
    let severity: String = row.get(2)?;
    Ok(Alarm {
        id: row.get(0)?,
        schedule_id: row.get(1)?,
        severity: Severity::from_db(&severity).unwrap_or(Severity::Warning),
        message: row.get(3)?,
        raised_at: Timestamp(row.get(4)?),
        acknowledged_at: row.get::<_, Option<i64>>(5)?.map(Timestamp),
        acknowledged_by: row.get(6)?,
    })
}

const ALARM_COLUMNS: &str = "id, schedule_id, severity, message, raised_at, acknowledged_at, acknowledged_by";

fn alarm_get(conn: &Connection, id: i64) -> Result<Alarm> {
    conn.query_row(&format!("SELECT {ALARM_COLUMNS} FROM alarms WHERE id = ?1"), [id], alarm_from_row)
        .optional()
        .map_err(internal)?
        .ok_or(Error::NotFound("alarm"))
}

fn write_draft(conn: &Connection, id: Option<i64>, d: &ScheduleDraft, now: i64) -> Result<i64> {
    let conditions = d.conditions.as_ref().map(to_json).transpose()?;
    let params = (
        &d.name,
        d.enabled,
        d.priority,
        &d.timezone,
        to_json(&d.recurrence)?,
        conditions,
        to_json(&d.actions)?,
        d.missed_run_policy.as_str(),
        now,
    );
    let taken = |e| map_unique(e, "schedule name is taken");
    match id {
        None => {
            conn.execute(
                "INSERT INTO schedules (name, enabled, priority, timezone, recurrence, conditions, actions, missed_run_policy,
                                        created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params,
            )
            .map_err(taken)?;
            Ok(conn.last_insert_rowid())
        }
        Some(id) => {
            let (a, b, c, e, f, g, h, i, j) = params;
            conn.execute(
                "UPDATE schedules SET name = ?1, enabled = ?2, priority = ?3, timezone = ?4, recurrence = ?5, conditions = ?6,
                        actions = ?7, missed_run_policy = ?8, updated_at = ?9 WHERE id = ?10",
                rusqlite::params![a, b, c, e, f, g, h, i, j, id],
            )
            .map_err(taken)?;
            Ok(id)
        }
    }
}

#[async_trait]
impl ScheduleStore for SqliteStore {
    async fn schedules_list(&self) -> Result<Vec<Schedule>> {
        self.pool.run(|conn| list(conn)).await
    }

    async fn schedule_get(&self, id: i64) -> Result<Schedule> {
        self.pool.run(move |conn| get(conn, id)).await
    }

    async fn schedule_create(&self, draft: ScheduleDraft, now: i64) -> Result<Schedule> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                check_references(&tx, &draft)?;
                let id = write_draft(&tx, None, &draft, now)?;
                let schedule = get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(schedule)
            })
            .await
    }

    async fn schedule_update(&self, id: i64, draft: ScheduleDraft, now: i64) -> Result<Schedule> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                get(&tx, id)?;
                check_references(&tx, &draft)?;
                write_draft(&tx, Some(id), &draft, now)?;
                let schedule = get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(schedule)
            })
            .await
    }

    async fn schedule_delete(&self, id: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                let changed = conn.execute("DELETE FROM schedules WHERE id = ?1", [id]).map_err(internal)?;
                if changed == 0 { Err(Error::NotFound("schedule")) } else { Ok(()) }
            })
            .await
    }

    async fn schedule_run_create(
        &self,
        schedule_id: i64,
        start: i64,
        end: i64,
        by: Option<String>,
        now: i64,
    ) -> Result<ScheduleRun> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                get(&tx, schedule_id)?;
                tx.execute(
                    "INSERT INTO schedule_runs (schedule_id, start_at, end_at, reason, requested_by, created_at)
                     VALUES (?1, ?2, ?3, 'manual', ?4, ?5)",
                    (schedule_id, start, end, &by, now),
                )
                .map_err(internal)?;
                let run = ScheduleRun {
                    id: tx.last_insert_rowid(),
                    schedule_id,
                    start: Timestamp(start),
                    end: Timestamp(end),
                    reason: "manual".into(),
                    requested_by: by,
                };
                tx.commit().map_err(internal)?;
                Ok(run)
            })
            .await
    }

    async fn action_logs_list(&self, filter: LogFilter, limit: i64, cursor: Option<i64>) -> Result<LogPage> {
        self.pool
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, at, schedule_id, schedule_name, occurrence_start, outcome, reason, output_ids, command_ids, detail
                         FROM action_logs
                         WHERE (?1 IS NULL OR schedule_id = ?1) AND (?2 IS NULL OR outcome = ?2)
                           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(output_ids) WHERE value = ?3))
                           AND (?4 IS NULL OR id < ?4)
                           AND (?6 IS NULL OR at >= ?6) AND (?7 IS NULL OR at < ?7)
                         ORDER BY id DESC LIMIT ?5",
                    )
                    .map_err(internal)?;
                let args =
                    (filter.schedule_id, filter.outcome, filter.output_id, cursor, limit + 1, filter.from, filter.to);
                let mut items = stmt
                    .query_map(args, log_from_row)
                    .map_err(internal)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(internal)?;
                let next_cursor = if items.len() as i64 > limit {
                    items.truncate(limit as usize);
                    items.last().map(|l| l.id)
                } else {
                    None
                };
                Ok(LogPage { items, next_cursor })
            })
            .await
    }

    async fn alarms_list(&self, open_only: bool) -> Result<Vec<Alarm>> {
        self.pool
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {ALARM_COLUMNS} FROM alarms WHERE (?1 = 0 OR acknowledged_at IS NULL) ORDER BY id DESC LIMIT 1000"
                    ))
                    .map_err(internal)?;
                let rows = stmt.query_map([open_only], alarm_from_row).map_err(internal)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
            })
            .await
    }

    async fn alarm_acknowledge(&self, id: i64, by: String, now: i64) -> Result<Alarm> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                if alarm_get(&tx, id)?.acknowledged_at.is_some() {
                    return Err(Error::Conflict("alarm is already acknowledged".into()));
                }
                tx.execute("UPDATE alarms SET acknowledged_at = ?2, acknowledged_by = ?3 WHERE id = ?1", (id, now, by))
                    .map_err(internal)?;
                let alarm = alarm_get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(alarm)
            })
            .await
    }

    async fn alarm_raise(
        &self,
        schedule_id: Option<i64>,
        severity: Severity,
        message: String,
        now: i64,
    ) -> Result<Alarm> {
        self.pool
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO alarms (schedule_id, severity, message, raised_at) VALUES (?1, ?2, ?3, ?4)",
                    (schedule_id, severity.as_str(), &message, now),
                )
                .map_err(internal)?;
                alarm_get(conn, conn.last_insert_rowid())
            })
            .await
    }

    async fn alarm_open_with_message(&self, message: String) -> Result<bool> {
        self.pool
            .run(move |conn| {
                conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM alarms WHERE message = ?1 AND acknowledged_at IS NULL)",
                    [message],
                    |r| r.get(0),
                )
                .map_err(internal)
            })
            .await
    }

    async fn engine_snapshot(&self, now: i64) -> Result<Snapshot> {
        self.pool
            .run(move |conn| {
                let tx = conn.transaction().map_err(internal)?;
                let site = super::site::get(&tx)?;
                let schedules = list(&tx)?;
                let horizon = now - crate::domain::schedule_engine::MISSED_LOOKBACK_MS - 8 * 24 * 3_600_000;
                let runs = {
                    let mut stmt =
                        tx.prepare_cached("SELECT id, schedule_id, start_at, end_at FROM schedule_runs WHERE end_at > ?1").map_err(internal)?;
                    let rows = stmt
                        .query_map([now], |r| Ok(Run { id: r.get(0)?, schedule_id: r.get(1)?, start: r.get(2)?, end: r.get(3)? }))
                        .map_err(internal)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)?
                };
                let claims = {
                    let mut stmt = tx
                        .prepare_cached("SELECT output_id, schedule_id, occurrence_start, occurrence_end, state FROM schedule_claims")
                        .map_err(internal)?;
                    let rows = stmt
                        .query_map([], |r| {
                            Ok(ClaimRow {
                                output_id: r.get(0)?,
                                schedule_id: r.get(1)?,
                                occurrence_start: r.get(2)?,
                                occurrence_end: r.get(3)?,
                                state: r.get(4)?,
                            })
                        })
                        .map_err(internal)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)?
                };
                let mut decided = HashMap::new();
                let mut conflicts_logged = HashSet::new();
                {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT schedule_id, occurrence_start, outcome, reason, output_ids FROM action_logs
                             WHERE schedule_id IS NOT NULL AND occurrence_start >= ?1 AND outcome IN ('fired', 'skipped', 'missed')",
                        )
                        .map_err(internal)?;
                    let mut rows = stmt.query([horizon]).map_err(internal)?;
                    while let Some(r) = rows.next().map_err(internal)? {
                        let (schedule_id, start): (i64, i64) = (r.get(0).map_err(internal)?, r.get(1).map_err(internal)?);
                        let outcome: String = r.get(2).map_err(internal)?;
                        let reason: Option<String> = r.get(3).map_err(internal)?;
                        if reason.as_deref() == Some("conflict") {
                            let outputs: Vec<i64> = json_column(r, 4).map_err(internal)?;
                            conflicts_logged.extend(outputs.into_iter().map(|o| (schedule_id, start, o)));
                        } else {
                            decided.entry((schedule_id, start)).or_insert(outcome == "fired");
                        }
                    }
                }
                let evaluated_at: Option<i64> =
                    tx.query_row("SELECT evaluated_at FROM engine_state WHERE id = 1", [], |r| r.get(0)).map_err(internal)?;
                let outputs = {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT o.id, o.default_state, o.desired_state, n.retired_at IS NOT NULL
                             FROM outputs o JOIN nodes n ON n.id = o.node_id WHERE o.removed_at IS NULL",
                        )
                        .map_err(internal)?;
                    let rows = stmt
                        .query_map([], |r| Ok((r.get(0)?, OutputInfo { default_state: r.get(1)?, desired_state: r.get(2)?, retired: r.get(3)? })))
                        .map_err(internal)?;
                    rows.collect::<rusqlite::Result<HashMap<_, _>>>().map_err(internal)?
                };
                tx.finish().map_err(internal)?;
                Ok(Snapshot {
                    site_timezone: site.timezone,
                    schedules,
                    runs,
                    claims,
                    decided,
                    conflicts_logged,
                    evaluated_at,
                    outputs,
                    samples: HashMap::new(),
                })
            })
            .await
    }

    async fn engine_samples(&self, wanted: Vec<(i64, i64)>) -> Result<HashMap<i64, (i64, Vec<Sample>)>> {
        self.pool
            .run(move |conn| {
                let mut out = HashMap::new();
                for (sensor_id, since) in wanted {
                    let interval: Option<i64> = conn
                        .query_row("SELECT interval_s FROM sensors WHERE id = ?1", [sensor_id], |r| r.get(0))
                        .optional()
                        .map_err(internal)?;
                    let Some(interval) = interval else { continue };
                    // The window, plus the last reading before it (it may be all there is).
                    let mut stmt = conn
                        .prepare_cached(
                            "SELECT ts, value FROM metrics WHERE sensor_id = ?1 AND ts >= ?2
                             UNION ALL
                             SELECT ts, value FROM (SELECT ts, value FROM metrics WHERE sensor_id = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT 1)",
                        )
                        .map_err(internal)?;
                    let samples = stmt
                        .query_map((sensor_id, since), |r| Ok(Sample { ts: r.get(0)?, value: r.get(1)? }))
                        .map_err(internal)?
                        .collect::<rusqlite::Result<Vec<_>>>()
                        .map_err(internal)?;
                    out.insert(sensor_id, (interval, samples));
                }
                Ok(out)
            })
            .await
    }

    async fn engine_apply(&self, plan: Plan, now: i64) -> Result<Applied> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let mut applied = Applied::default();
                for run in &plan.catch_up {
                    tx.execute(
                        // Skipped if the schedule was deleted since the snapshot.
                        "INSERT INTO schedule_runs (schedule_id, start_at, end_at, reason, created_at)
                         SELECT ?1, ?2, ?3, 'catch_up', ?4 WHERE EXISTS (SELECT 1 FROM schedules WHERE id = ?1)",
                        (run.schedule_id, run.start, run.end, now),
                    )
                    .map_err(internal)?;
                }
                let mut command_of: HashMap<i64, i64> = HashMap::new();
                for (output_id, state, schedule_name) in &plan.commands {
                    let by = Requester { source: CommandSource::Schedule, name: Some(schedule_name.clone()) };
                    let request = CommandRequest { field: String::new(), output_id: *output_id, state: *state };
                    let issued = super::commands::issue_in(&tx, vec![request], &by, now)?;
                    if let Some(c) = issued.commands.first() {
                        command_of.insert(*output_id, c.id);
                    }
                    applied.issued.commands.extend(issued.commands);
                    applied.issued.superseded.extend(issued.superseded);
                    applied.issued.outputs.extend(issued.outputs);
                }
                tx.execute("DELETE FROM schedule_claims", []).map_err(internal)?;
                for c in &plan.claims {
                    tx.execute(
                        "INSERT INTO schedule_claims (output_id, schedule_id, occurrence_start, occurrence_end, state) VALUES (?1, ?2, ?3, ?4, ?5)",
                        (c.output_id, c.schedule_id, c.occurrence_start, c.occurrence_end, c.state),
                    )
                    .map_err(internal)?;
                }
                for log in &plan.logs {
                    let commands: Vec<i64> = if matches!(log.outcome, "fired" | "ended") {
                        log.output_ids.iter().filter_map(|o| command_of.get(o).copied()).collect()
                    } else {
                        Vec::new()
                    };
                    tx.execute(
                        "INSERT INTO action_logs (at, schedule_id, schedule_name, occurrence_start, outcome, reason, output_ids, command_ids, detail)
                         VALUES (?1, (SELECT id FROM schedules WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        // A deleted schedule's last decisions keep its name but no id.
                        rusqlite::params![
                            now,
                            log.schedule_id,
                            log.schedule_name,
                            log.occurrence_start,
                            log.outcome,
                            log.reason,
                            to_json(&log.output_ids)?,
                            to_json(&commands)?,
                            log.detail.to_string()
                        ],
                    )
                    .map_err(internal)?;
                }
                for alarm in &plan.alarms {
                    tx.execute(
                        "INSERT INTO alarms (schedule_id, severity, message, raised_at)
                         VALUES ((SELECT id FROM schedules WHERE id = ?1), ?2, ?3, ?4)",
                        (alarm.schedule_id, alarm.severity.as_str(), &alarm.message, now),
                    )
                    .map_err(internal)?;
                    applied.alarms.push(alarm_get(&tx, tx.last_insert_rowid())?);
                }
                tx.execute("UPDATE engine_state SET evaluated_at = ?1 WHERE id = 1", [now]).map_err(internal)?;
                tx.commit().map_err(internal)?;
                Ok(applied)
            })
            .await
    }
}

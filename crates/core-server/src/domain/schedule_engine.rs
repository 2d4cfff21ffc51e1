//! The schedule engine's decisions, as a pure function of a snapshot and the time.
//!
//! State, not edges: every evaluation computes which occurrences are active now, which of them
//! hold which outputs, and what each output should therefore be; it then issues only the
//! commands needed to get there. After downtime the same computation brings every output to
//! where it should be, and occurrences that began and ended while the controller was down are
//! logged as missed (or run once, late, per the schedule's `missed_run_policy`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use super::schedule_rules::{
    Action, Claim, MissedRunPolicy, RuleOutcome, Sample, Schedule, combine, evaluate_rule, winner,
};
use super::schedules::{active_at, expand, next_transition};

/// Late by more than this, an occurrence's firing says the controller was not running.
pub const LATE_MS: i64 = 60_000;
/// How far back missed occurrences are looked for after downtime.
pub const MISSED_LOOKBACK_MS: i64 = 7 * 24 * 3_600_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: i64,
    pub schedule_id: i64,
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    pub output_id: i64,
    pub schedule_id: i64,
    pub occurrence_start: i64,
    pub occurrence_end: i64,
    pub state: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputInfo {
    pub default_state: i64,
    pub desired_state: i64,
    /// On a retired node: never commanded.
    pub retired: bool,
}

/// Everything an evaluation reads.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub site_timezone: String,
    pub schedules: Vec<Schedule>,
    pub runs: Vec<Run>,
    pub claims: Vec<ClaimRow>,
    /// Occurrences already fired or skipped: (schedule id, occurrence start) → fired?
    pub decided: HashMap<(i64, i64), bool>,
    /// Conflicts already logged: (schedule id, occurrence start, output id).
    pub conflicts_logged: HashSet<(i64, i64, i64)>,
    pub evaluated_at: Option<i64>,
    pub outputs: HashMap<i64, OutputInfo>,
    /// For each sensor a condition names: its interval and recent readings.
    pub samples: HashMap<i64, (i64, Vec<Sample>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub schedule_id: i64,
    pub schedule_name: String,
    pub occurrence_start: i64,
    pub outcome: &'static str,
    pub reason: Option<&'static str>,
    pub output_ids: Vec<i64>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAlarm {
    pub schedule_id: i64,
    pub severity: super::schedule_rules::Severity,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub schedule_id: i64,
    pub start: i64,
    pub end: i64,
}

/// What an evaluation decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// (output, state, schedule name that wants it).
    pub commands: Vec<(i64, i64, String)>,
    /// The full set of claims from now on.
    pub claims: Vec<ClaimRow>,
    pub logs: Vec<LogEntry>,
    pub alarms: Vec<NewAlarm>,
    pub catch_up: Vec<NewRun>,
    /// When to evaluate again at the latest.
    pub next_wake: Option<i64>,
}

/// An occurrence active now, from the calendar or a run.
#[derive(Debug, Clone)]
struct Active<'a> {
    schedule: &'a Schedule,
    start: i64,
    end: i64,
}

/// The sensors whose readings the conditions of occurrences starting now will need.
pub fn sensors_needed(snapshot: &Snapshot, now: i64) -> Vec<(i64, i64)> {
    let mut needed = BTreeMap::new();
    for a in active(snapshot, now) {
        if snapshot.decided.contains_key(&(a.schedule.id, a.start)) || !a.schedule.enabled {
            continue;
        }
        for rule in a.schedule.conditions.iter().flat_map(|c| &c.rules) {
            let since = now - rule.for_s * 1000;
            let entry = needed.entry(rule.sensor_id).or_insert(since);
            *entry = (*entry).min(since);
        }
    }
    needed.into_iter().collect()
}

fn active(snapshot: &Snapshot, now: i64) -> Vec<Active<'_>> {
    let mut out = Vec::new();
    for schedule in &snapshot.schedules {
        let tz = schedule.zone(&snapshot.site_timezone);
        if let Some(o) = active_at(&schedule.recurrence, tz, now) {
            out.push(Active { schedule, start: o.start, end: o.end });
        }
        for run in snapshot.runs.iter().filter(|r| r.schedule_id == schedule.id && r.start <= now && now < r.end) {
            out.push(Active { schedule, start: run.start, end: run.end });
        }
    }
    out
}

pub fn decide(snapshot: &Snapshot, now: i64) -> Plan {
    let mut plan = Plan::default();
    let mut fired: Vec<Active<'_>> = Vec::new();

    for a in active(snapshot, now) {
        let key = (a.schedule.id, a.start);
        if let Some(&was_fired) = snapshot.decided.get(&key) {
            if was_fired && a.schedule.enabled {
                fired.push(a);
            }
            continue;
        }
        let log = |outcome, reason, detail| LogEntry {
            schedule_id: a.schedule.id,
            schedule_name: a.schedule.name.clone(),
            occurrence_start: a.start,
            outcome,
            reason,
            output_ids: a.schedule.output_states().map(|(o, _)| o).collect(),
            detail,
        };
        if !a.schedule.enabled {
            plan.logs.push(log("skipped", Some("disabled"), json!({})));
            continue;
        }
        if let Some(conditions) = &a.schedule.conditions {
            let outcomes: Vec<RuleOutcome> = conditions
                .rules
                .iter()
                .map(|rule| {
                    let (interval, samples) =
                        snapshot.samples.get(&rule.sensor_id).cloned().unwrap_or((60, Vec::new()));
                    evaluate_rule(rule, interval, &samples, now)
                })
                .collect();
            if !combine(conditions.mode, &outcomes) {
                let stale = outcomes.iter().any(|o| o.reason.as_deref() == Some("stale"));
                let reason = if stale { "stale" } else { "condition_false" };
                plan.logs.push(log("skipped", Some(reason), json!({ "rules": outcomes })));
                continue;
            }
        }
        let late = now - a.start > LATE_MS;
        let note = late.then_some("started late: the controller was not running when it began");
        plan.logs.push(log("fired", None, json!({ "end": a.end, "note": note })));
        for action in &a.schedule.actions {
            if let Action::Alarm { severity, message } = action {
                plan.alarms.push(NewAlarm {
                    schedule_id: a.schedule.id,
                    severity: *severity,
                    message: message.clone(),
                });
            }
        }
        fired.push(a);
    }

    // Who holds each output.
    let mut wanted: BTreeMap<i64, Vec<Claim>> = BTreeMap::new();
    for a in &fired {
        for (output_id, state) in a.schedule.output_states() {
            wanted.entry(output_id).or_default().push(Claim {
                schedule_id: a.schedule.id,
                priority: a.schedule.priority,
                occurrence_start: a.start,
                occurrence_end: a.end,
                state,
            });
        }
    }
    let name_of = |id: i64| {
        snapshot
            .schedules
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("schedule {id} (deleted)"), |s| s.name.clone())
    };
    for (output_id, claims) in &wanted {
        let Some(win) = winner(claims) else { continue };
        for loser in
            claims.iter().filter(|c| c.schedule_id != win.schedule_id || c.occurrence_start != win.occurrence_start)
        {
            if !snapshot.conflicts_logged.contains(&(loser.schedule_id, loser.occurrence_start, *output_id)) {
                plan.logs.push(LogEntry {
                    schedule_id: loser.schedule_id,
                    schedule_name: name_of(loser.schedule_id),
                    occurrence_start: loser.occurrence_start,
                    outcome: "skipped",
                    reason: Some("conflict"),
                    output_ids: vec![*output_id],
                    detail: json!({"winner_schedule_id": win.schedule_id, "winner": name_of(win.schedule_id)}),
                });
            }
        }
        plan.claims.push(ClaimRow {
            output_id: *output_id,
            schedule_id: win.schedule_id,
            occurrence_start: win.occurrence_start,
            occurrence_end: win.occurrence_end,
            state: win.state,
        });
    }

    // Commands: claimed outputs to their state, released ones back to their default.
    for claim in &plan.claims {
        if let Some(info) = snapshot.outputs.get(&claim.output_id).filter(|i| !i.retired)
            && info.desired_state != claim.state
        {
            plan.commands.push((claim.output_id, claim.state, name_of(claim.schedule_id)));
        }
    }
    let mut ended: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    for old in &snapshot.claims {
        let still_active = fired.iter().any(|a| a.schedule.id == old.schedule_id && a.start == old.occurrence_start);
        if !still_active {
            ended.entry((old.schedule_id, old.occurrence_start)).or_default().push(old.output_id);
        }
        if plan.claims.iter().any(|c| c.output_id == old.output_id) {
            continue;
        }
        if let Some(info) = snapshot.outputs.get(&old.output_id).filter(|i| !i.retired)
            && info.desired_state != info.default_state
        {
            plan.commands.push((old.output_id, info.default_state, name_of(old.schedule_id)));
        }
    }
    for ((schedule_id, occurrence_start), output_ids) in ended {
        plan.logs.push(LogEntry {
            schedule_id,
            schedule_name: name_of(schedule_id),
            occurrence_start,
            outcome: "ended",
            reason: None,
            output_ids,
            detail: json!({}),
        });
    }

    // Occurrences that began and ended while nobody was evaluating.
    if let Some(since) = snapshot.evaluated_at.filter(|e| *e < now) {
        let since = since.max(now - MISSED_LOOKBACK_MS);
        for schedule in snapshot.schedules.iter().filter(|s| s.enabled) {
            let tz = schedule.zone(&snapshot.site_timezone);
            for o in expand(&schedule.recurrence, tz, since, now, 1000) {
                if o.start <= since || o.end > now || snapshot.decided.contains_key(&(schedule.id, o.start)) {
                    continue;
                }
                let caught_up = schedule.missed_run_policy == MissedRunPolicy::RunOnce;
                if caught_up {
                    plan.catch_up.push(NewRun { schedule_id: schedule.id, start: now, end: now + (o.end - o.start) });
                }
                plan.logs.push(LogEntry {
                    schedule_id: schedule.id,
                    schedule_name: schedule.name.clone(),
                    occurrence_start: o.start,
                    outcome: "missed",
                    reason: None,
                    output_ids: schedule.output_states().map(|(o, _)| o).collect(),
                    detail: json!({ "end": o.end, "policy": schedule.missed_run_policy, "caught_up": caught_up }),
                });
            }
        }
    }

    // Wake at the next start or end of anything.
    let mut next: Vec<i64> = Vec::new();
    for schedule in &snapshot.schedules {
        if let Some(t) = next_transition(&schedule.recurrence, schedule.zone(&snapshot.site_timezone), now) {
            next.push(t);
        }
    }
    next.extend(snapshot.runs.iter().flat_map(|r| [r.start, r.end]).filter(|t| *t > now));
    next.extend(plan.claims.iter().map(|c| c.occurrence_end).filter(|t| *t > now));
    if !plan.catch_up.is_empty() {
        next.push(now);
    }
    plan.next_wake = next.into_iter().min();
    plan
}

//! What a schedule does when it fires and when it may: conditions on sensor values, actions
//! (hold outputs at a state for the occurrence, raise an alarm), which of two schedules wins an
//! output, and what happens to occurrences missed while the controller was down.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, FieldError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Ne,
}

impl Op {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Lte => value <= threshold,
            Op::Gt => value > threshold,
            Op::Gte => value >= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub sensor_id: i64,
    pub op: Op,
    pub value: f64,
    /// The comparison must have held for at least this long (default 0: the last reading).
    #[serde(default)]
    pub for_s: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    All,
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    pub mode: Mode,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        [Severity::Info, Severity::Warning, Severity::Critical].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Hold the output at `state` for the occurrence; it returns to its default afterwards
    /// unless another active occurrence claims it.
    SetOutput { output_id: i64, state: i64 },
    /// Raise an alarm once, when the occurrence starts.
    Alarm { severity: Severity, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissedRunPolicy {
    /// Log the occurrence as missed.
    Skip,
    /// Run it once, late, for its full duration.
    RunOnce,
}

impl MissedRunPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            MissedRunPolicy::Skip => "skip",
            MissedRunPolicy::RunOnce => "run_once",
        }
    }

    pub fn from_db(text: &str) -> Self {
        if text == "run_once" { MissedRunPolicy::RunOnce } else { MissedRunPolicy::Skip }
    }
}

pub const MAX_RULES: usize = 16;
pub const MAX_ACTIONS: usize = 32;

pub fn check_conditions(conditions: &Conditions) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if conditions.rules.is_empty() || conditions.rules.len() > MAX_RULES {
        problems.push(FieldError::new("conditions.rules", "must hold 1 to 16 rules"));
    }
    for (i, rule) in conditions.rules.iter().enumerate() {
        if !rule.value.is_finite() {
            problems.push(FieldError::new(format!("conditions.rules[{i}].value"), "must be a finite number"));
        }
        if !(0..=86_400).contains(&rule.for_s) {
            problems
                .push(FieldError::new(format!("conditions.rules[{i}].for_s"), "must be between 0 and 86400 seconds"));
        }
    }
    problems
}

/// Shape checks; whether outputs exist and states fit their kind is checked against the store.
pub fn check_actions(actions: &[Action]) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if actions.is_empty() || actions.len() > MAX_ACTIONS {
        problems.push(FieldError::new("actions", "must hold 1 to 32 actions"));
    }
    let mut outputs = std::collections::HashSet::new();
    for (i, action) in actions.iter().enumerate() {
        match action {
            Action::SetOutput { output_id, .. } => {
                if !outputs.insert(*output_id) {
                    problems.push(FieldError::new(format!("actions[{i}].output_id"), "names an output twice"));
                }
            }
            Action::Alarm { message, .. } => {
                let len = message.trim().chars().count();
                if len == 0 || len > 200 {
                    problems.push(FieldError::new(format!("actions[{i}].message"), "must be 1 to 200 characters"));
                }
            }
        }
    }
    problems
}

/// A schedule's priority: higher wins an output.
pub fn check_priority(priority: i64) -> Result<i64> {
    if !(-1000..=1000).contains(&priority) {
        return Err(Error::invalid("priority", "must be between -1000 and 1000"));
    }
    Ok(priority)
}

/// One reading as a condition sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub ts: i64,
    pub value: f64,
}

/// What evaluating one rule found, for the action log.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RuleOutcome {
    pub sensor_id: i64,
    pub held: bool,
    /// The last value seen, if any.
    pub value: Option<f64>,
    /// Why it did not hold when the value alone does not say: `stale`, `no_data`, `not_long_enough`.
    pub reason: Option<String>,
}

/// Evaluates one rule at `now`: the sensor's last reading must be fresher than three intervals
/// (else `stale`), and every reading of the last `for_s` seconds must satisfy the comparison,
/// with readings reaching back to the start of that window.
pub fn evaluate_rule(rule: &Rule, interval_s: i64, window: &[Sample], now: i64) -> RuleOutcome {
    let last = window.iter().max_by_key(|s| s.ts).copied();
    let outcome = |held, reason: Option<&str>| RuleOutcome {
        sensor_id: rule.sensor_id,
        held,
        value: last.map(|s| s.value),
        reason: reason.map(str::to_owned),
    };
    let Some(last) = last else { return outcome(false, Some("no_data")) };
    if now - last.ts > 3 * interval_s * 1000 {
        return outcome(false, Some("stale"));
    }
    let since = now - rule.for_s * 1000;
    let recent: Vec<&Sample> = window.iter().filter(|s| s.ts >= since).collect();
    if !recent.iter().all(|s| rule.op.holds(s.value, rule.value)) || !rule.op.holds(last.value, rule.value) {
        return outcome(false, None);
    }
    let oldest = window.iter().map(|s| s.ts).min().unwrap_or(last.ts);
    if rule.for_s > 0 && oldest > since + interval_s * 1000 {
        return outcome(false, Some("not_long_enough"));
    }
    outcome(true, None)
}

pub fn combine(mode: Mode, outcomes: &[RuleOutcome]) -> bool {
    match mode {
        Mode::All => outcomes.iter().all(|o| o.held),
        Mode::Any => outcomes.iter().any(|o| o.held),
    }
}

/// A schedule occurrence that wants an output.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub schedule_id: i64,
    pub priority: i64,
    pub occurrence_start: i64,
    pub occurrence_end: i64,
    pub state: i64,
}

/// Higher priority wins; on a tie the occurrence that started later; then the higher id.
pub fn winner(claims: &[Claim]) -> Option<&Claim> {
    claims.iter().max_by_key(|c| (c.priority, c.occurrence_start, c.schedule_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(op: Op, value: f64, for_s: i64) -> Rule {
        Rule { sensor_id: 1, op, value, for_s }
    }

    #[test]
    fn stale_readings_make_a_condition_false() {
        let now = 1_000_000;
        let window = [Sample { ts: now - 181_000, value: 10.0 }];
        let o = evaluate_rule(&rule(Op::Lt, 20.0, 0), 60, &window, now);
        assert_eq!((o.held, o.reason.as_deref()), (false, Some("stale")));
        let fresh = [Sample { ts: now - 179_000, value: 10.0 }];
        assert!(evaluate_rule(&rule(Op::Lt, 20.0, 0), 60, &fresh, now).held);
    }

    #[test]
    fn for_at_least_needs_every_reading_of_the_window() {
        let now = 10_000_000;
        let window: Vec<Sample> =
            (0..10).map(|i| Sample { ts: now - i * 60_000, value: if i == 4 { 25.0 } else { 10.0 } }).collect();
        assert!(!evaluate_rule(&rule(Op::Lt, 20.0, 600), 60, &window, now).held, "one reading broke it");
        assert!(evaluate_rule(&rule(Op::Lt, 20.0, 180), 60, &window, now).held, "the last three minutes held");
        let short: Vec<Sample> = window[..2].to_vec();
        let o = evaluate_rule(&rule(Op::Lt, 20.0, 600), 60, &short, now);
        assert_eq!(o.reason.as_deref(), Some("not_long_enough"));
    }

    #[test]
    fn priority_then_later_start_then_id_wins() {
        let c = |id, priority, start| Claim {
            schedule_id: id,
            priority,
            occurrence_start: start,
            occurrence_end: start + 10,
            state: 1,
        };
        assert_eq!(winner(&[c(1, 5, 0), c(2, 1, 100)]).unwrap().schedule_id, 1);
        assert_eq!(winner(&[c(1, 1, 0), c(2, 1, 100)]).unwrap().schedule_id, 2);
        assert_eq!(winner(&[c(1, 1, 0), c(2, 1, 0)]).unwrap().schedule_id, 2);
        assert!(winner(&[]).is_none());
    }

    #[test]
    fn actions_and_conditions_are_checked() {
        let twice = [Action::SetOutput { output_id: 1, state: 1 }, Action::SetOutput { output_id: 1, state: 0 }];
        assert_eq!(check_actions(&twice)[0].field, "actions[1].output_id");
        assert_eq!(check_actions(&[])[0].field, "actions");
        let c = Conditions { mode: Mode::All, rules: vec![rule(Op::Gt, f64::NAN, -1)] };
        let fields: Vec<_> = check_conditions(&c).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["conditions.rules[0].value", "conditions.rules[0].for_s"]);
    }
}

/// A schedule as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub priority: i64,
    /// IANA time zone of the recurrence; null means the site's.
    pub timezone: Option<String>,
    pub recurrence: super::schedules::Recurrence,
    pub conditions: Option<Conditions>,
    pub actions: Vec<Action>,
    pub missed_run_policy: MissedRunPolicy,
    pub created_at: super::time::Timestamp,
    pub updated_at: super::time::Timestamp,
}

impl Schedule {
    /// The outputs this schedule sets, with their states.
    pub fn output_states(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.actions.iter().filter_map(|a| match a {
            Action::SetOutput { output_id, state } => Some((*output_id, *state)),
            Action::Alarm { .. } => None,
        })
    }

    /// The zone the recurrence is read in.
    pub fn zone(&self, site_timezone: &str) -> chrono_tz::Tz {
        self.timezone.as_deref().unwrap_or(site_timezone).parse().unwrap_or(chrono_tz::UTC)
    }
}

/// A schedule's fields as written: validated except where the store must look (outputs, sensors).
#[derive(Debug, Clone)]
pub struct ScheduleDraft {
    pub name: String,
    pub enabled: bool,
    pub priority: i64,
    pub timezone: Option<String>,
    pub recurrence: super::schedules::Recurrence,
    pub conditions: Option<Conditions>,
    pub actions: Vec<Action>,
    pub missed_run_policy: MissedRunPolicy,
}

impl ScheduleDraft {
    /// Every problem of the draft at once, with its field path.
    pub fn check(&self) -> Result<()> {
        let mut problems = Vec::new();
        if let Err(Error::Validation(mut p)) = super::nodes::parse_name("name", &self.name) {
            problems.append(&mut p);
        }
        if let Err(Error::Validation(mut p)) = check_priority(self.priority) {
            problems.append(&mut p);
        }
        if let Some(tz) = &self.timezone
            && let Err(Error::Validation(mut p)) = super::site::parse_timezone("timezone", tz)
        {
            problems.append(&mut p);
        }
        if let Err(Error::Validation(mut p)) = super::schedules::validate(&self.recurrence) {
            problems.append(&mut p);
        }
        if let Some(c) = &self.conditions {
            problems.extend(check_conditions(c));
        }
        problems.extend(check_actions(&self.actions));
        if problems.is_empty() { Ok(()) } else { Err(Error::Validation(problems)) }
    }
}

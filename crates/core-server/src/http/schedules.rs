//! Schedules: CRUD, run now, preview of the next firings, and the week calendar.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::{SchedulesRun, SchedulesView, SchedulesWrite};
use crate::domain::error::Error;
use crate::domain::schedule_rules::{Action, Conditions, MissedRunPolicy, Schedule, ScheduleDraft};
use crate::domain::schedules::{self, Recurrence};
use crate::domain::time::Timestamp;
use crate::error::ApiError;
use crate::store::schedules::ScheduleRun;

pub const MAX_PREVIEW: usize = 200;
pub const DEFAULT_PREVIEW: usize = 10;
/// The calendar answers at most this range (a month: the week view asks for one week).
pub const MAX_CALENDAR_MS: i64 = 31 * 24 * 3_600_000;
pub const MAX_CALENDAR_EVENTS: usize = 5000;
/// "Run now" of a schedule with no upcoming occurrence to take a duration from.
pub const DEFAULT_RUN_MINUTES: i64 = 30;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; schedules_list, schedule_create))
        .routes(routes!(purpose; schedules_calendar))
        .routes(routes!(purpose; schedule_get, schedule_update, schedule_delete))
        .routes(routes!(purpose; schedule_run))
        .routes(routes!(purpose; schedule_preview))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn explicit<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleCreate {
    #[schema(value_type = crate::domain::nodes::DisplayName)]
    pub name: String,
    /// Default true.
    pub enabled: Option<bool>,
    /// Higher wins an output claimed by two schedules at once (default 0, -1000 to 1000).
    #[schema(minimum = -1000, maximum = 1000)]
    pub priority: Option<i64>,
    /// IANA time zone of the recurrence; omit for the site's.
    #[schema(value_type = Option<crate::domain::site::TimeZone>)]
    pub timezone: Option<String>,
    pub recurrence: Recurrence,
    pub conditions: Option<Conditions>,
    /// 1 to 32 actions.
    #[schema(min_items = 1, max_items = 32)]
    pub actions: Vec<Action>,
    /// Default `skip`.
    pub missed_run_policy: Option<MissedRunPolicy>,
}

/// Fields to change; `timezone` or `conditions` set to null clear them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleUpdate {
    #[schema(value_type = Option<crate::domain::nodes::DisplayName>)]
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// -1000 to 1000.
    #[schema(minimum = -1000, maximum = 1000)]
    pub priority: Option<i64>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<crate::domain::site::TimeZone>)]
    pub timezone: Option<Option<String>>,
    pub recurrence: Option<Recurrence>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<Conditions>)]
    pub conditions: Option<Option<Conditions>>,
    /// 1 to 32 actions.
    #[schema(min_items = 1, max_items = 32)]
    pub actions: Option<Vec<Action>>,
    pub missed_run_policy: Option<MissedRunPolicy>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRunRequest {
    /// How long to run, 1–10080 minutes; default the duration of the schedule's next occurrence
    /// (or 30).
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// The next N firings from now (1–200, default 10), unless from/to are given.
    #[param(minimum = 1, maximum = 200)]
    pub count: Option<usize>,
    /// Range start (RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Range end (RFC 3339), at most 31 days after from.
    #[param(format = DateTime)]
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarParams {
    /// Range start (RFC 3339).
    #[param(format = DateTime)]
    pub from: String,
    /// Range end (RFC 3339), at most 31 days after from.
    #[param(format = DateTime)]
    pub to: String,
}

/// One firing: UTC instants, the wall-clock times as they happen locally, and notes on DST
/// adjustments and conflicts with other schedules.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Firing {
    pub schedule_id: i64,
    pub schedule_name: String,
    pub enabled: bool,
    pub priority: i64,
    pub timezone: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// `YYYY-MM-DDTHH:MM` in the schedule's zone.
    pub start_local: String,
    pub end_local: String,
    pub notes: Vec<String>,
}

fn draft_of(body: ScheduleCreate) -> ScheduleDraft {
    ScheduleDraft {
        name: body.name.trim().to_owned(),
        enabled: body.enabled.unwrap_or(true),
        priority: body.priority.unwrap_or(0),
        timezone: body.timezone,
        recurrence: body.recurrence,
        conditions: body.conditions,
        actions: body.actions,
        missed_run_policy: body.missed_run_policy.unwrap_or(MissedRunPolicy::Skip),
    }
}

fn merged(current: Schedule, body: ScheduleUpdate) -> ScheduleDraft {
    ScheduleDraft {
        name: body.name.map(|n| n.trim().to_owned()).unwrap_or(current.name),
        enabled: body.enabled.unwrap_or(current.enabled),
        priority: body.priority.unwrap_or(current.priority),
        timezone: body.timezone.unwrap_or(current.timezone),
        recurrence: body.recurrence.unwrap_or(current.recurrence),
        conditions: body.conditions.unwrap_or(current.conditions),
        actions: body.actions.unwrap_or(current.actions),
        missed_run_policy: body.missed_run_policy.unwrap_or(current.missed_run_policy),
    }
}

/// The firings of `schedules` in a range, each with DST notes and conflicts named.
async fn firings(
    state: &AppState,
    only: Option<i64>,
    from: i64,
    to: i64,
    limit: usize,
) -> Result<Vec<Firing>, ApiError> {
    let site = state.store.site_get().await?;
    // Each recurrence is parsed once (an RRULE is validated by scanning its occurrences), not
    // once per firing it is compared with.
    let all: Vec<(Schedule, chrono_tz::Tz, schedules::ParsedRecurrence)> = state
        .store
        .schedules_list()
        .await?
        .into_iter()
        .filter_map(|s| {
            let tz = s.zone(&site.timezone);
            schedules::ParsedRecurrence::parse(&s.recurrence).ok().map(|parsed| (s, tz, parsed))
        })
        .collect();
    // Expanding and comparing recurrences is CPU work that grows with the number of schedules:
    // it runs on a blocking thread, not on an async worker every other request shares.
    tokio::task::spawn_blocking(move || expand_firings(&all, only, from, to, limit))
        .await
        .map_err(|e| ApiError::internal(e.into()))
}

fn expand_firings(
    all: &[(Schedule, chrono_tz::Tz, schedules::ParsedRecurrence)],
    only: Option<i64>,
    from: i64,
    to: i64,
    limit: usize,
) -> Vec<Firing> {
    let own: Vec<(usize, Vec<schedules::Occurrence>)> = all
        .iter()
        .enumerate()
        .filter(|(_, (s, _, _))| only.is_none_or(|id| id == s.id))
        .map(|(i, (_, tz, parsed))| (i, parsed.expand(*tz, from, to, limit)))
        .collect();
    let occurrences = || own.iter().flat_map(|(_, found)| found);
    let (Some(span_start), Some(span_end)) = (occurrences().map(|o| o.start).min(), occurrences().map(|o| o.end).max())
    else {
        return Vec::new();
    };
    // Conflicts: every other enabled schedule sharing an output is expanded once over the span
    // of these firings, and each firing looks its window up there, instead of expanding each
    // other schedule again for each firing.
    let mut windows: Vec<Option<Windows>> = (0..all.len()).map(|_| None).collect();
    let mut out = Vec::new();
    for (i, found) in own {
        let (s, tz, _) = &all[i];
        let rivals: Vec<(usize, Vec<i64>)> = all
            .iter()
            .enumerate()
            .filter(|(_, (other, _, _))| other.id != s.id && other.enabled)
            .map(|(j, (other, _, _))| {
                (j, s.output_states().map(|(o, _)| o).filter(|o| other.output_states().any(|(p, _)| p == *o)).collect())
            })
            .filter(|(_, shared): &(usize, Vec<i64>)| !shared.is_empty())
            .collect();
        for o in found {
            let mut notes = o.notes;
            for (j, shared) in &rivals {
                let (other, other_tz, other_parsed) = &all[*j];
                let window =
                    windows[*j].get_or_insert_with(|| Windows::of(other_parsed, *other_tz, span_start, span_end));
                if !window.overlaps(other_parsed, *other_tz, o.start, o.end) {
                    continue;
                }
                let verdict = if (other.priority, other.id) > (s.priority, s.id) { "it wins" } else { "this wins" };
                notes.push(format!("overlaps '{}' on output(s) {:?}: {verdict} by priority", other.name, shared));
            }
            out.push(Firing {
                schedule_id: s.id,
                schedule_name: s.name.clone(),
                enabled: s.enabled,
                priority: s.priority,
                timezone: tz.name().to_owned(),
                start: Timestamp(o.start),
                end: Timestamp(o.end),
                start_local: o.start_local,
                end_local: o.end_local,
                notes,
            });
        }
    }
    out.sort_by_key(|f| (f.start, f.schedule_id));
    out.truncate(limit);
    out
}

/// Occurrences of one schedule over a span, as `(start, end)` sorted by start. They never
/// overlap, so the ends are sorted too.
enum Windows {
    Known(Vec<(i64, i64)>),
    /// More than `Windows::MAX` in the span (a minutely rule, say): each firing asks the
    /// recurrence itself.
    Many,
}

impl Windows {
    const MAX: usize = 20_000;

    fn of(parsed: &schedules::ParsedRecurrence, tz: chrono_tz::Tz, start: i64, end: i64) -> Self {
        let found = parsed.expand(tz, start, end, Self::MAX + 1);
        if found.len() > Self::MAX {
            return Self::Many;
        }
        Self::Known(found.into_iter().map(|o| (o.start, o.end)).collect())
    }

    /// Whether an occurrence overlaps `[start, end)`, which lies inside the span.
    fn overlaps(&self, parsed: &schedules::ParsedRecurrence, tz: chrono_tz::Tz, start: i64, end: i64) -> bool {
        match self {
            Self::Known(windows) => {
                let first_ending_after = windows.partition_point(|&(_, e)| e <= start);
                windows.get(first_ending_after).is_some_and(|&(s, _)| s < end)
            }
            Self::Many => !parsed.expand(tz, start, end, 1).is_empty(),
        }
    }
}

fn parse_range(from: &str, to: &str) -> Result<(i64, i64), Error> {
    let mut problems = Vec::new();
    let range = crate::domain::time::check_range(Some(from), Some(to), &mut problems);
    match range {
        (Some(f), Some(t)) if problems.is_empty() && t - f > MAX_CALENDAR_MS => {
            Err(Error::invalid("to", "must be at most 31 days after from"))
        }
        (Some(f), Some(t)) if problems.is_empty() => Ok((f, t)),
        _ => Err(Error::Validation(problems)),
    }
}

/// Applies a schedule change at once (so the answer reflects it) and wakes the runner to
/// recompute when it next has work.
async fn changed(state: &AppState) {
    if let Err(e) = crate::engine::schedules::evaluate(state).await {
        tracing::warn!("schedule evaluation after a change failed: {e}");
    }
    state.schedules_changed.notify_one();
}

/// All schedules, by id.
#[utoipa::path(
    get, path = "/api/schedules", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Schedules", body = Items<Schedule>),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn schedules_list(
    State(state): State<AppState>,
    _: Authz<SchedulesView>,
) -> Result<Json<Items<Schedule>>, ApiError> {
    Ok(Json(state.store.schedules_list().await?.into()))
}

/// Create a schedule: weekly blocks or an RRULE, optional conditions, actions.
#[utoipa::path(
    post, path = "/api/schedules", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = ScheduleCreate,
    responses(
        (status = 201, description = "Created", body = Schedule),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn schedule_create(
    State(state): State<AppState>,
    _: Authz<SchedulesWrite>,
    Json(body): Json<ScheduleCreate>,
) -> Result<(StatusCode, Json<Schedule>), ApiError> {
    let draft = draft_of(body);
    draft.check()?;
    let schedule = state.store.schedule_create(draft, state.clock.now_ms()).await?;
    changed(&state).await;
    Ok((StatusCode::CREATED, Json(schedule)))
}

/// One schedule.
#[utoipa::path(
    get, path = "/api/schedules/{id}", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Schedule id")),
    responses(
        (status = 200, description = "The schedule", body = Schedule),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn schedule_get(
    State(state): State<AppState>,
    _: Authz<SchedulesView>,
    Path(id): Path<i64>,
) -> Result<Json<Schedule>, ApiError> {
    Ok(Json(state.store.schedule_get(id).await?))
}

/// Change a schedule (enable or disable it with `enabled`).
#[utoipa::path(
    patch, path = "/api/schedules/{id}", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Schedule id")),
    request_body = ScheduleUpdate,
    responses(
        (status = 200, description = "The updated schedule", body = Schedule),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn schedule_update(
    State(state): State<AppState>,
    _: Authz<SchedulesWrite>,
    Path(id): Path<i64>,
    Json(body): Json<ScheduleUpdate>,
) -> Result<Json<Schedule>, ApiError> {
    let draft = merged(state.store.schedule_get(id).await?, body);
    draft.check()?;
    let schedule = state.store.schedule_update(id, draft, state.clock.now_ms()).await?;
    changed(&state).await;
    Ok(Json(schedule))
}

/// Delete a schedule; outputs it holds return to their default at the next evaluation.
#[utoipa::path(
    delete, path = "/api/schedules/{id}", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Schedule id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn schedule_delete(
    State(state): State<AppState>,
    _: Authz<SchedulesWrite>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.schedule_delete(id).await?;
    changed(&state).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a schedule now, for its usual duration or the one given (send `{}` for the default).
#[utoipa::path(
    post, path = "/api/schedules/{id}/run", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Schedule id")),
    request_body = ScheduleRunRequest,
    responses(
        (status = 202, description = "Started; the engine applies it at once", body = ScheduleRun),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn schedule_run(
    State(state): State<AppState>,
    Authz(principal, _): Authz<SchedulesRun>,
    Path(id): Path<i64>,
    Json(body): Json<ScheduleRunRequest>,
) -> Result<(StatusCode, Json<ScheduleRun>), ApiError> {
    let schedule = state.store.schedule_get(id).await?;
    let now = state.clock.now_ms();
    let minutes = match body.duration_minutes {
        Some(m) if !(1..=schedules::MAX_DURATION_MINUTES).contains(&m) => {
            return Err(Error::invalid("duration_minutes", "must be between 1 and 10080").into());
        }
        Some(m) => m,
        None => {
            let site = state.store.site_get().await?;
            schedules::expand(&schedule.recurrence, schedule.zone(&site.timezone), now, now + 8 * 24 * 3_600_000, 1)
                .first()
                .map_or(DEFAULT_RUN_MINUTES, |o| (o.end - o.start) / 60_000)
        }
    };
    let run =
        state.store.schedule_run_create(id, now, now + minutes * 60_000, Some(principal.user.username), now).await?;
    changed(&state).await;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

/// The next firings of one schedule, or those in a range, with DST notes and conflicts.
#[utoipa::path(
    get, path = "/api/schedules/{id}/preview", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Schedule id"), PreviewParams),
    responses(
        (status = 200, description = "Firings, by start", body = Items<Firing>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn schedule_preview(
    State(state): State<AppState>,
    _: Authz<SchedulesView>,
    Path(id): Path<i64>,
    Query(params): Query<PreviewParams>,
) -> Result<Json<Items<Firing>>, ApiError> {
    state.store.schedule_get(id).await?;
    let (from, to, limit) = match (params.from.as_deref(), params.to.as_deref()) {
        (None, None) => {
            let count = params.count.unwrap_or(DEFAULT_PREVIEW);
            if !(1..=MAX_PREVIEW).contains(&count) {
                return Err(Error::invalid("count", "must be between 1 and 200").into());
            }
            let now = state.clock.now_ms();
            (now, now + 400 * 24 * 3_600_000, count)
        }
        (Some(from), Some(to)) => {
            let (from, to) = parse_range(from, to)?;
            (from, to, MAX_PREVIEW)
        }
        _ => return Err(Error::invalid("to", "give both from and to, or neither").into()),
    };
    Ok(Json(firings(&state, Some(id), from, to, limit).await?.into()))
}

/// Every schedule's firings in a range (a week view), with DST-correct instants.
#[utoipa::path(
    get, path = "/api/schedules/calendar", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(CalendarParams),
    responses(
        (status = 200, description = "Firings of all schedules, by start", body = Items<Firing>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn schedules_calendar(
    State(state): State<AppState>,
    _: Authz<SchedulesView>,
    Query(params): Query<CalendarParams>,
) -> Result<Json<Items<Firing>>, ApiError> {
    let (from, to) = parse_range(&params.from, &params.to)?;
    Ok(Json(firings(&state, None, from, to, MAX_CALENDAR_EVENTS).await?.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedules::{Block, Weekday};

    /// The conflict search as it was: every other schedule expanded again for each firing.
    fn one_by_one(
        all: &[(Schedule, chrono_tz::Tz, schedules::ParsedRecurrence)],
        from: i64,
        to: i64,
        limit: usize,
    ) -> Vec<(i64, i64, i64, Vec<String>)> {
        let mut out = Vec::new();
        for (s, tz, parsed) in all {
            for o in parsed.expand(*tz, from, to, limit) {
                let mut notes = o.notes.clone();
                for (other, other_tz, other_parsed) in all.iter().filter(|(x, _, _)| x.id != s.id && x.enabled) {
                    let shared: Vec<i64> = s
                        .output_states()
                        .map(|(o, _)| o)
                        .filter(|o| other.output_states().any(|(p, _)| p == *o))
                        .collect();
                    if shared.is_empty() || other_parsed.expand(*other_tz, o.start, o.end, 1).is_empty() {
                        continue;
                    }
                    let verdict = if (other.priority, other.id) > (s.priority, s.id) { "it wins" } else { "this wins" };
                    notes.push(format!("overlaps '{}' on output(s) {:?}: {verdict} by priority", other.name, shared));
                }
                out.push((o.start, s.id, o.end, notes));
            }
        }
        out.sort_by_key(|f| (f.0, f.1));
        out.truncate(limit);
        out
    }

    fn schedule(
        id: i64,
        zone: &str,
        recurrence: Recurrence,
        output: i64,
    ) -> (Schedule, chrono_tz::Tz, schedules::ParsedRecurrence) {
        let parsed = schedules::ParsedRecurrence::parse(&recurrence).unwrap();
        let s = Schedule {
            id,
            name: format!("s{id}"),
            enabled: id % 7 != 3,
            priority: id % 4,
            timezone: Some(zone.to_owned()),
            recurrence,
            conditions: None,
            actions: vec![Action::SetOutput { output_id: output, state: 1 }],
            missed_run_policy: MissedRunPolicy::Skip,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        };
        let tz = s.zone("UTC");
        (s, tz, parsed)
    }

    fn rrule(rule: &str, dtstart: &str, minutes: i64) -> Recurrence {
        Recurrence::Rrule { rrule: rule.into(), dtstart: dtstart.into(), duration_minutes: minutes }
    }

    #[test]
    fn conflicts_found_once_per_schedule_match_a_search_per_firing() {
        let weekly = |start: &str, end: &str| Recurrence::Weekly {
            blocks: [Weekday::Sat, Weekday::Sun]
                .into_iter()
                .map(|day| Block { day, start: start.into(), end: end.into() })
                .collect(),
        };
        // Clock changes (Berlin, New York, Lord Howe's half hour), blocks across midnight, a
        // minutely rule, and more schedules than outputs so most firings overlap something.
        let all = vec![
            schedule(1, "Europe/Berlin", weekly("01:30", "03:30"), 1),
            schedule(2, "Europe/Berlin", rrule("FREQ=HOURLY", "2025-01-01T00:10", 50), 1),
            schedule(3, "America/New_York", rrule("FREQ=DAILY", "2025-01-01T01:45", 120), 1),
            schedule(4, "America/New_York", weekly("22:00", "02:30"), 2),
            schedule(5, "Australia/Lord_Howe", rrule("FREQ=MINUTELY;INTERVAL=7", "2025-06-01T01:00", 5), 2),
            schedule(6, "UTC", rrule("FREQ=WEEKLY;BYDAY=SA,SU", "2025-03-01T00:00", 600), 2),
            schedule(7, "Europe/Berlin", rrule("FREQ=MONTHLY;BYMONTHDAY=26,27,28,29,30", "2025-01-26T02:00", 90), 1),
            schedule(8, "America/New_York", rrule("FREQ=HOURLY;INTERVAL=5;COUNT=400", "2026-01-01T00:00", 30), 2),
            schedule(9, "UTC", weekly("00:00", "23:59"), 3),
        ];
        let hour = 3_600_000;
        // Around the 2026 clock changes: Europe 29 March and 25 October, US 8 March and 1 November,
        // Lord Howe 5 April and 4 October.
        let starts =
            [1_772_928_000_000_i64, 1_774_738_800_000, 1_775_347_200_000, 1_791_000_000_000, 1_793_500_000_000];
        for (n, start) in starts.into_iter().enumerate() {
            let month = (n == 0).then_some((31 * 24 * hour, 300));
            for (span, limit) in [(6 * hour, 5000), (3 * 24 * hour, 5000)].into_iter().chain(month) {
                let (from, to) = (start - 2 * hour, start - 2 * hour + span);
                let fast: Vec<_> = expand_firings(&all, None, from, to, limit)
                    .into_iter()
                    .map(|f| (f.start.millis(), f.schedule_id, f.end.millis(), f.notes))
                    .collect();
                let slow = one_by_one(&all, from, to, limit);
                assert!(fast.iter().any(|f| f.3.iter().any(|n| n.starts_with("overlaps"))), "conflicts were found");
                assert_eq!(fast, slow, "from {from} to {to}");
            }
        }
    }

    #[test]
    fn a_schedule_with_too_many_occurrences_is_asked_per_firing() {
        let (_, tz, parsed) =
            schedule(5, "Australia/Lord_Howe", rrule("FREQ=MINUTELY;INTERVAL=7", "2025-06-01T01:00", 5), 2);
        let (from, to) = (1_775_347_200_000_i64, 1_775_347_200_000 + 2 * 24 * 3_600_000);
        let known = Windows::of(&parsed, tz, from, to);
        assert!(matches!(known, Windows::Known(ref w) if w.len() > 400), "two days of a rule every 7 minutes");
        for start in (from..to).step_by(61_000 * 7 + 13_000) {
            let end = start + 90_000;
            assert_eq!(
                known.overlaps(&parsed, tz, start, end),
                Windows::Many.overlaps(&parsed, tz, start, end),
                "{start}"
            );
        }
    }
}

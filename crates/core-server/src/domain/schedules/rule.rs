//! RRULE recurrences: parsing and checking the rule text, and expansion.
//!
//! The rrule crate can expand in a chrono-tz zone, but its mapping does not follow our DST rules:
//! a time in a gap is shifted by the gap's length (02:30 becomes 03:30, as RFC 5545 §3.3.5 says)
//! and an occurrence is silently dropped when local midnight itself does not exist or repeats.
//! It also reads an UNTIL without `Z` in the server's own time zone. So the rule is expanded on a
//! floating wall clock (the crate's UTC, which has no gaps or repeats: rule parts such as BYHOUR
//! then mean local hours), and each wall-clock occurrence is mapped to an instant here, with
//! UNTIL applied to the mapped instants.

use chrono::{DateTime, Datelike, Months, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleError, RRuleSet, Unvalidated};

use super::local_time::{self, Resolved};
use super::{MAX_DURATION_MINUTES, Occurrence};
use crate::domain::error::{Error, FieldError, Result};

/// Validation looks for occurrences that would overlap (consecutive starts closer than the
/// duration) among at most this many, in at most `OVERLAP_SCAN_MONTHS`: long enough for every
/// leap-year and weekday-of-date combination to come round (the calendar repeats every 28 years
/// within a century).
const OVERLAP_SCAN: usize = 2000;
const OVERLAP_SCAN_MONTHS: u32 = 30 * 12;
/// The widest UTC offsets in use (UTC-12:00, UTC+14:00): bounds on where a wall-clock time can
/// fall in UTC when the zone is not known, as during validation.
const MAX_AHEAD_OF_UTC: TimeDelta = TimeDelta::hours(14);

#[derive(Debug, Clone)]
pub(super) struct Rule {
    rule: RRule,
    /// Local wall-clock time.
    dtstart: NaiveDateTime,
    /// Epoch ms UTC; occurrences that start later are dropped.
    until: Option<i64>,
    has_count: bool,
    duration: TimeDelta,
}

pub(super) fn parse(rrule: &str, dtstart: &str, duration_minutes: i64) -> Result<Rule> {
    let mut problems = Vec::new();
    let start = parse_dtstart(dtstart);
    if start.is_none() {
        problems.push(FieldError::new(
            "recurrence.dtstart",
            "must be a local date-time YYYY-MM-DDTHH:MM, such as 2026-03-01T06:00, in the years 1900 to 9998",
        ));
    }
    if !(1..=MAX_DURATION_MINUTES).contains(&duration_minutes) {
        problems.push(FieldError::new(
            "recurrence.duration_minutes",
            format!("must be between 1 and {MAX_DURATION_MINUTES} minutes (one week)"),
        ));
    }
    let text = match split(rrule) {
        Ok(text) => Some(text),
        Err(problem) => {
            problems.push(FieldError::new("recurrence.rrule", problem));
            None
        }
    };
    let unvalidated = text.as_ref().and_then(|text| match text.rest.parse::<RRule<Unvalidated>>() {
        Ok(rule) => Some(rule),
        Err(e) => {
            problems.push(FieldError::new("recurrence.rrule", format!("is not a valid RRULE: {}", rrule_words(&e))));
            None
        }
    });
    if let Some(rule) = &unvalidated {
        if rule.get_interval() == 0 {
            problems.push(FieldError::new("recurrence.rrule", "INTERVAL must be at least 1"));
        }
        // To reach the next BYHOUR value the crate jumps whole hours, not whole INTERVALs, which
        // leaves the rule's grid (dtstart plus whole INTERVALs) unless whole hours are on it: it
        // would fire at times the rule does not contain.
        let interval = rule.get_interval();
        if rule.get_freq() == Frequency::Minutely
            && !rule.get_by_hour().is_empty()
            && interval != 0
            && 60 % interval != 0
            && interval % 60 != 0
        {
            problems.push(FieldError::new(
                "recurrence.rrule",
                "FREQ=MINUTELY with BYHOUR needs an INTERVAL that divides 60 or is a multiple of 60",
            ));
        }
        if rule.get_freq() == Frequency::Secondly {
            problems.push(FieldError::new(
                "recurrence.rrule",
                "FREQ=SECONDLY is not supported: schedules have minute resolution (use MINUTELY or coarser)",
            ));
        }
    }
    // The rule's meaning depends on dtstart (it supplies defaults such as the hour), so the deeper
    // checks need all three fields.
    let (Some(text), Some(rule), Some(dtstart), true) = (text, unvalidated, start, problems.is_empty()) else {
        return Err(Error::Validation(problems));
    };
    let rule = rule.validate(floating(dtstart)).map_err(|e| {
        Error::invalid("recurrence.rrule", format!("is not a valid RRULE with this dtstart: {}", rrule_words(&e)))
    })?;
    let parsed = Rule {
        rule,
        dtstart,
        until: text.until,
        has_count: text.has_count,
        duration: TimeDelta::minutes(duration_minutes),
    };
    parsed.check_occurrences()?;
    Ok(parsed)
}

/// The rule text minus UNTIL (which we apply ourselves), with what we learnt on the way.
struct RuleText {
    rest: String,
    until: Option<i64>,
    has_count: bool,
}

fn split(raw: &str) -> Result<RuleText, String> {
    let text = raw.trim();
    let text = match text.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &text[6..],
        _ => text,
    };
    if text.to_ascii_uppercase().contains("DTSTART") {
        return Err("must not contain DTSTART: the start goes in recurrence.dtstart".into());
    }
    let other_properties = "must be a single RRULE value such as FREQ=WEEKLY;BYDAY=MO,TH, without other properties";
    if text.contains(['\n', '\r']) {
        return Err(other_properties.into());
    }
    let mut rest = Vec::new();
    let mut until = None;
    let mut has_count = false;
    for part in text.split(';') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        if key.contains(':') {
            return Err(other_properties.into());
        }
        match key.trim().to_ascii_uppercase().as_str() {
            "UNTIL" if until.is_some() => return Err("must contain UNTIL at most once".into()),
            "UNTIL" => until = Some(parse_until(value.trim())?),
            "BYSECOND" => return Err("BYSECOND is not supported: schedules have minute resolution".into()),
            "COUNT" => {
                has_count = true;
                rest.push(part);
            }
            _ => rest.push(part),
        }
    }
    if has_count && until.is_some() {
        return Err("must not contain both COUNT and UNTIL (RFC 5545)".into());
    }
    Ok(RuleText { rest: rest.join(";"), until, has_count })
}

/// `20261231T235959Z`. RFC 5545 requires UTC for UNTIL when DTSTART has a time zone, and a
/// floating UNTIL would be read in the server's zone by the rrule crate.
fn parse_until(value: &str) -> Result<i64, String> {
    let well_formed = value.len() == 16
        && value.ends_with('Z')
        && value.as_bytes()[8] == b'T'
        && value.bytes().enumerate().all(|(i, b)| matches!(i, 8 | 15) || b.is_ascii_digit());
    let parsed = well_formed.then(|| NaiveDateTime::parse_from_str(&value[..15], "%Y%m%dT%H%M%S").ok()).flatten();
    parsed.map(|utc| utc.and_utc().timestamp_millis()).ok_or_else(|| {
        format!("UNTIL={value} must be a UTC date-time such as 20261231T235959Z (RFC 5545 requires UTC here)")
    })
}

fn parse_dtstart(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let shape = b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    let wall = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok().filter(|_| shape)?;
    (1900..=9998).contains(&wall.year()).then_some(wall)
}

/// The crate's message without its "RRule parsing error:" wrapper.
fn rrule_words(e: &RRuleError) -> String {
    match e {
        RRuleError::ParserError(e) => e.to_string(),
        RRuleError::ValidationError(e) => e.to_string(),
        RRuleError::IterError(e) => e.clone(),
    }
}

/// A wall-clock time on the crate's UTC clock, which has no gaps or repeats.
fn floating(wall: NaiveDateTime) -> DateTime<rrule::Tz> {
    wall.and_utc().with_timezone(&rrule::Tz::UTC)
}

fn floating_ms(wall: NaiveDateTime) -> i64 {
    wall.and_utc().timestamp_millis()
}

impl Rule {
    /// Wall-clock occurrences from `start` on (`start` must keep the rule's phase; see
    /// [`Rule::skip_ahead`]). `limit()` makes the crate give up after 100 000 consecutive periods
    /// without an occurrence (for sub-daily rules it skips whole empty days per period): only
    /// impossible rules get near that.
    fn walls_from(&self, start: NaiveDateTime) -> impl Iterator<Item = NaiveDateTime> {
        let set = RRuleSet::new(floating(start)).rrule(self.rule.clone()).limit();
        (&set).into_iter().map(|dt| dt.naive_utc())
    }

    /// Rejects rules that never occur, end before they start, or whose occurrences would run
    /// into each other. Without the zone this works on wall-clock times; expansion still shortens
    /// any occurrence that a clock change pushes into the next.
    fn check_occurrences(&self) -> Result<()> {
        let horizon = self.dtstart.checked_add_months(Months::new(OVERLAP_SCAN_MONTHS)).unwrap_or(self.dtstart);
        let walls: Vec<NaiveDateTime> = self
            .walls_from(self.dtstart)
            .enumerate()
            .take_while(|(i, wall)| *i == 0 || *wall <= horizon)
            .map(|(_, wall)| wall)
            .take(OVERLAP_SCAN)
            .collect();
        let Some(first) = walls.first() else {
            return Err(Error::invalid("recurrence.rrule", "never produces an occurrence on or after dtstart"));
        };
        // Whatever the zone, a wall-clock time is at most 14 hours ahead of UTC.
        let surely_after_until =
            |wall: &NaiveDateTime| self.until.is_some_and(|until| floating_ms(*wall - MAX_AHEAD_OF_UTC) > until);
        if surely_after_until(first) {
            return Err(Error::invalid("recurrence.rrule", "UNTIL is before the first occurrence"));
        }
        let closest =
            walls.windows(2).filter(|pair| !surely_after_until(&pair[1])).min_by_key(|pair| pair[1] - pair[0]);
        if let Some(pair) = closest
            && pair[1] - pair[0] < self.duration
        {
            let gap = (pair[1] - pair[0]).num_minutes();
            return Err(Error::invalid(
                "recurrence.duration_minutes",
                format!(
                    "must be at most {gap} minutes: the rule starts occurrences {gap} minutes apart ({} and {}), which would overlap",
                    pair[0].format("%Y-%m-%dT%H:%M"),
                    pair[1].format("%Y-%m-%dT%H:%M"),
                ),
            ));
        }
        Ok(())
    }

    /// A start for iteration at or before `wall` that keeps the rule's phase: dtstart moved by
    /// whole multiples of INTERVAL × FREQ. The crate always iterates from its start, so without
    /// this "what runs now" would walk every occurrence since dtstart. Moving keeps the defaults
    /// the rule took from dtstart (weekday, day of month, month, time of day) as long as the date
    /// exists in every period, hence no skipping for days 29–31 in monthly and Feb 29 in yearly
    /// rules. COUNT counts from the real dtstart, so rules with COUNT are never moved.
    fn skip_ahead(&self, wall: NaiveDateTime) -> NaiveDateTime {
        if self.has_count || wall <= self.dtstart {
            return self.dtstart;
        }
        let interval = i64::from(self.rule.get_interval());
        let fixed_step = match self.rule.get_freq() {
            Frequency::Minutely => Some(TimeDelta::minutes(interval)),
            Frequency::Hourly => Some(TimeDelta::hours(interval)),
            Frequency::Daily => Some(TimeDelta::days(interval)),
            Frequency::Weekly => Some(TimeDelta::weeks(interval)),
            _ => None,
        };
        if let Some(step) = fixed_step {
            let steps = (wall - self.dtstart).num_minutes() / step.num_minutes();
            return self.dtstart + TimeDelta::minutes(steps * step.num_minutes());
        }
        let months_per_step = match self.rule.get_freq() {
            Frequency::Monthly if self.dtstart.day() <= 28 => interval,
            Frequency::Yearly if !(self.dtstart.month() == 2 && self.dtstart.day() == 29) => 12 * interval,
            _ => return self.dtstart,
        };
        let months_between = i64::from(wall.year() - self.dtstart.year()) * 12 + i64::from(wall.month0())
            - i64::from(self.dtstart.month0());
        // Months elapsed, rounded down to whole steps; one step back if that still lands after `wall`.
        let mut steps = months_between / months_per_step;
        while steps > 0 {
            let moved = u32::try_from(steps * months_per_step)
                .ok()
                .and_then(|m| self.dtstart.checked_add_months(Months::new(m)));
            match moved {
                Some(moved) if moved <= wall => return moved,
                _ => steps -= 1,
            }
        }
        self.dtstart
    }

    pub(super) fn expand(&self, tz: Tz, from: i64, to: i64, limit: usize) -> Vec<Occurrence> {
        // Anything whose wall-clock start is before the wall clock at (from - duration) has ended
        // by `from`: mapping never reorders times and maps a time to its first instant.
        let Some(scan_from) = local_time::wall_at(tz, from - self.duration.num_milliseconds()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // Each occurrence is final only once the next one is known: a clock change can make two
        // start together (they fire once) or make one run into the next (it is shortened).
        let mut pending: Option<Draft> = None;
        for wall in self.walls_from(self.skip_ahead(scan_from)) {
            let Some(start) = local_time::resolve(tz, wall) else { continue };
            if self.until.is_some_and(|until| start.millis() > until) {
                break;
            }
            let next = self.draft(&start);
            let Some(mut prev) = pending.take() else {
                pending = Some(next);
                continue;
            };
            if next.occurrence.start == prev.occurrence.start {
                prev.occurrence.notes.push(format!(
                    "also stands for the {} occurrence, which starts at the same instant (fires once)",
                    local_time::hh_mm(start.wall)
                ));
                pending = Some(prev);
                continue;
            }
            if next.occurrence.start < prev.occurrence.end {
                prev.cut_at(&next.occurrence);
            }
            let next_starts_late = next.occurrence.start >= to;
            pending = Some(next);
            let done = prev.finish(tz);
            if done.end > from && done.start < to {
                out.push(done);
                if out.len() >= limit {
                    return out;
                }
            }
            if next_starts_late {
                return out;
            }
        }
        if let Some(last) = pending.map(|draft| draft.finish(tz))
            && last.end > from
            && last.start < to
        {
            out.push(last);
        }
        out
    }

    fn draft(&self, start: &Resolved) -> Draft {
        let end = start.at + self.duration;
        Draft {
            occurrence: Occurrence {
                start: start.millis(),
                end: end.timestamp_millis(),
                start_local: local_time::local_minute(start.at),
                end_local: local_time::local_minute(end),
                notes: local_time::explain("starts", start).into_iter().collect(),
            },
            shortened_from: None,
        }
    }
}

/// An occurrence waiting for its successor.
struct Draft {
    occurrence: Occurrence,
    /// The full duration in minutes, once the next occurrence has cut this one short.
    shortened_from: Option<i64>,
}

impl Draft {
    fn cut_at(&mut self, next: &Occurrence) {
        let full = (self.occurrence.end - self.occurrence.start) / 60_000;
        self.occurrence.end = next.start;
        self.occurrence.end_local.clone_from(&next.start_local);
        self.shortened_from = Some(full);
    }

    /// Adds the note on how long it runs, now that its end is final.
    fn finish(mut self, tz: Tz) -> Occurrence {
        let o = &mut self.occurrence;
        let minutes = (o.end - o.start) / 60_000;
        if let Some(full) = self.shortened_from {
            o.notes.push(format!(
                "shortened from {} to {} so that it ends when the next occurrence starts",
                local_time::duration_text(full),
                local_time::duration_text(minutes)
            ));
        } else if let (Some(start), Some(end)) =
            (local_time::resolve_instant(tz, o.start), local_time::resolve_instant(tz, o.end))
        {
            // Real minutes: the local clock at the end is off by the shift from start + duration.
            let shift = local_time::offset_of(end) - local_time::offset_of(start);
            if !shift.is_zero() {
                o.notes.push(format!(
                    "runs the full {}; clocks {} by {} meanwhile, so it ends at {} local",
                    local_time::duration_text(minutes),
                    if shift > TimeDelta::zero() { "spring forward" } else { "fall back" },
                    local_time::duration_text(shift.num_minutes().abs()),
                    local_time::hh_mm(end.naive_local()),
                ));
            }
        }
        self.occurrence
    }
}

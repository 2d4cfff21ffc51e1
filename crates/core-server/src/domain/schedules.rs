//! Schedule recurrences (weekly blocks or an RFC 5545 RRULE in the site's time zone): their
//! validation, and their expansion into concrete occurrences in UTC that stay right across
//! daylight-saving changes.
//!
//! # DST rules
//!
//! Schedules are written in the site's local wall-clock time; the engine needs instants. Twice a
//! year some wall-clock times do not exist (spring forward) or happen twice (fall back), so the
//! mapping needs rules. A missed or doubled pump run costs money, so every occurrence is mapped
//! by exactly these rules and any adjustment is explained in [`Occurrence::notes`]:
//!
//! - **Gap (spring forward).** A local time that does not exist is moved to the first valid
//!   instant after the gap: 02:30 on the US spring-forward night starts at 03:00 local. This
//!   applies to starts and to block ends alike. This is deliberately *not* RFC 5545 §3.3.5,
//!   which would read 02:30 with the pre-gap offset (03:30 local): we would rather start early
//!   than late.
//! - **Overlap (fall back).** A local time that happens twice is taken at its *first* occurrence
//!   (the earlier instant, with the pre-transition offset), so a block fires once, not twice.
//! - **Weekly blocks are wall-clock based.** A block runs from its local start until the local
//!   clock shows its end, so 22:00–06:00 lasts 9 real hours on a fall-back night and 7 on a
//!   spring-forward night. A block that lies entirely inside a gap (02:00–02:30 on a US
//!   spring-forward night) has no wall-clock time that night and does not run then.
//! - **RRULEs.** `dtstart` is a local wall-clock time in the zone, and the rule's parts (BYHOUR,
//!   BYDAY, ...) speak of local wall-clock time: the rule is expanded on the wall clock and each
//!   occurrence's start is mapped with the gap and overlap rules above. The duration is in *real*
//!   minutes added to that start instant, so a 90-minute run lasts 90 minutes even when the clocks
//!   change during it. UNTIL is an instant in UTC (RFC 5545 requires that with a zoned DTSTART)
//!   and keeps every occurrence whose actual start is at or before it; COUNT counts the rule's
//!   instances from `dtstart`.
//! - **Occurrences never overlap.** Mapping can bring two RRULE occurrences together (an hourly
//!   rule's 02:00 and 03:00 both start at 03:00 on a spring-forward night): occurrences that start
//!   at the same instant fire once, and one that would run into the next is shortened to end
//!   where the next starts. Both are noted. Weekly blocks cannot collide (the mapping never
//!   reorders times, and validation rejects overlapping blocks).
//!
//! Instants are epoch milliseconds UTC (as [`super::time::Timestamp`]); expansion supports the
//! years 1900 to 9998 and clamps requested ranges to them.

mod local_time;
mod rule;
mod weekly;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::Result;

/// A weekly schedule has at most this many blocks.
pub const MAX_BLOCKS: usize = 100;
/// An RRULE occurrence lasts at most a week.
pub const MAX_DURATION_MINUTES: i64 = 7 * 24 * 60;
/// Earliest instant expansion considers: 1900-01-01T00:00Z.
pub const EARLIEST_MS: i64 = -2_208_988_800_000;
/// Instant where expansion stops: 9999-01-01T00:00Z (the rrule crate iterates up to year 10000).
pub const LATEST_MS: i64 = 253_370_764_800_000;

/// When a schedule is on, in the schedule's (the site's) local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Recurrence {
    /// Weekly blocks in the schedule's local time. `end <= start` means the block ends the next
    /// day (`end == start` is rejected as empty).
    Weekly { blocks: Vec<Block> },
    /// An RFC 5545 RRULE (without DTSTART), e.g. `FREQ=WEEKLY;BYDAY=MO,WE,FR`, starting at
    /// `dtstart` (local wall-clock time, `YYYY-MM-DDTHH:MM`); each occurrence lasts
    /// `duration_minutes` real minutes.
    Rrule { rrule: String, dtstart: String, duration_minutes: i64 },
}

/// One weekly block: on `day` from `start` to `end` (local `HH:MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub day: Weekday,
    /// `HH:MM`, 00:00 to 23:59.
    pub start: String,
    /// `HH:MM`; at or before `start` means the next day.
    pub end: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    fn to_chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Mon => chrono::Weekday::Mon,
            Weekday::Tue => chrono::Weekday::Tue,
            Weekday::Wed => chrono::Weekday::Wed,
            Weekday::Thu => chrono::Weekday::Thu,
            Weekday::Fri => chrono::Weekday::Fri,
            Weekday::Sat => chrono::Weekday::Sat,
            Weekday::Sun => chrono::Weekday::Sun,
        }
    }
}

/// One concrete run of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Occurrence {
    /// Epoch milliseconds UTC.
    pub start: i64,
    /// Epoch milliseconds UTC, always after `start`.
    pub end: i64,
    /// `YYYY-MM-DDTHH:MM`: the local wall clock when it actually starts.
    pub start_local: String,
    /// `YYYY-MM-DDTHH:MM`: the local wall clock when it actually ends.
    pub end_local: String,
    /// Why this occurrence differs from the plain reading of the schedule (DST adjustments).
    pub notes: Vec<String>,
}

/// A recurrence that passed validation, ready to expand many times without parsing again.
#[derive(Debug, Clone)]
pub struct ParsedRecurrence(Parsed);

#[derive(Debug, Clone)]
enum Parsed {
    Weekly(weekly::Weekly),
    Rrule(rule::Rule),
}

/// Checks a recurrence; errors name fields by their JSON path (`recurrence.blocks[2].start`).
pub fn validate(recurrence: &Recurrence) -> Result<()> {
    ParsedRecurrence::parse(recurrence).map(|_| ())
}

impl ParsedRecurrence {
    /// Validates and parses; reports every invalid field at once.
    pub fn parse(recurrence: &Recurrence) -> Result<Self> {
        match recurrence {
            Recurrence::Weekly { blocks } => weekly::parse(blocks).map(|w| Self(Parsed::Weekly(w))),
            Recurrence::Rrule { rrule, dtstart, duration_minutes } => {
                rule::parse(rrule, dtstart, *duration_minutes).map(|r| Self(Parsed::Rrule(r)))
            }
        }
    }

    /// The occurrences that overlap `[from, to)`, sorted by start, at most `limit` of them. One
    /// that started before `from` and is still running at `from` is included.
    pub fn expand(&self, tz: Tz, from: i64, to: i64, limit: usize) -> Vec<Occurrence> {
        let (from, to) = (from.clamp(EARLIEST_MS, LATEST_MS), to.clamp(EARLIEST_MS, LATEST_MS));
        if from >= to || limit == 0 {
            return Vec::new();
        }
        match &self.0 {
            Parsed::Weekly(w) => w.expand(tz, from, to, limit),
            Parsed::Rrule(r) => r.expand(tz, from, to, limit),
        }
    }

    /// The occurrence running at instant `at` (start <= at < end), if any.
    pub fn active_at(&self, tz: Tz, at: i64) -> Option<Occurrence> {
        self.expand(tz, at, at.saturating_add(1), 1).into_iter().next()
    }

    /// The next instant strictly after `after` at which an occurrence starts or ends.
    pub fn next_transition(&self, tz: Tz, after: i64) -> Option<i64> {
        // The first occurrence overlapping (after, ∞) is either running at `after` (its end is the
        // next change: occurrences never overlap, so nothing starts before it ends) or starts later.
        let first = self.expand(tz, after, LATEST_MS, 1).into_iter().next()?;
        Some(if first.start > after { first.start } else { first.end })
    }
}

/// [`ParsedRecurrence::expand`] for an unparsed recurrence. An invalid recurrence (one that
/// [`validate`] rejects) has no occurrences; store only validated ones.
pub fn expand(recurrence: &Recurrence, tz: Tz, from: i64, to: i64, limit: usize) -> Vec<Occurrence> {
    parsed(recurrence).map(|p| p.expand(tz, from, to, limit)).unwrap_or_default()
}

/// The occurrence covering instant `at`, if any; see [`ParsedRecurrence::active_at`].
pub fn active_at(recurrence: &Recurrence, tz: Tz, at: i64) -> Option<Occurrence> {
    parsed(recurrence)?.active_at(tz, at)
}

/// The next start or end strictly after `after`; see [`ParsedRecurrence::next_transition`].
pub fn next_transition(recurrence: &Recurrence, tz: Tz, after: i64) -> Option<i64> {
    parsed(recurrence)?.next_transition(tz, after)
}

fn parsed(recurrence: &Recurrence) -> Option<ParsedRecurrence> {
    match ParsedRecurrence::parse(recurrence) {
        Ok(p) => Some(p),
        Err(e) => {
            // Only reachable if an unvalidated recurrence was stored; say so rather than run nothing quietly.
            tracing::warn!(error = %e, "invalid schedule recurrence has no occurrences");
            None
        }
    }
}

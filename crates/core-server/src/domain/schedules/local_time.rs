//! Local wall-clock time to instant under the module's DST rules (a time in a gap moves to the
//! first instant after the gap; a repeated time is taken at its first occurrence), plus the
//! wording that explains such adjustments.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;

/// What happened to a wall-clock time that the zone does not map to exactly one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Adjustment {
    /// The time does not exist: the clocks jumped from `from` to `to` (spring forward).
    Skipped { from: NaiveDateTime, to: NaiveDateTime },
    /// The time happens twice: the clocks went back from `from` to `to` (fall back).
    Repeated { from: NaiveDateTime, to: NaiveDateTime },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Resolved {
    /// The wall-clock time asked for.
    pub wall: NaiveDateTime,
    /// When it actually happens.
    pub at: DateTime<Tz>,
    pub adjustment: Option<Adjustment>,
}

impl Resolved {
    pub fn millis(&self) -> i64 {
        self.at.timestamp_millis()
    }
}

/// Maps a wall-clock time in `tz` to an instant. `None` only far outside the supported years.
pub(super) fn resolve(tz: Tz, wall: NaiveDateTime) -> Option<Resolved> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(at) => Some(Resolved { wall, at, adjustment: None }),
        LocalResult::Ambiguous(a, b) => {
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            let change = first_instant_with_offset(tz, first, second)?;
            let adjustment = Adjustment::Repeated {
                from: change.naive_utc() + offset_of(first),
                to: change.naive_utc() + offset_of(second),
            };
            Some(Resolved { wall, at: first, adjustment: Some(adjustment) })
        }
        LocalResult::None => {
            let (gap_end, at) = end_of_gap(tz, wall)?;
            let before = at.checked_sub_signed(TimeDelta::seconds(1))?;
            let adjustment = Adjustment::Skipped { from: at.naive_utc() + offset_of(before), to: gap_end };
            Some(Resolved { wall, at, adjustment: Some(adjustment) })
        }
    }
}

/// The local wall-clock time of an instant.
pub(super) fn wall_at(tz: Tz, millis: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(millis).map(|utc| utc.with_timezone(&tz).naive_local())
}

/// An instant in `tz`.
pub(super) fn resolve_instant(tz: Tz, millis: i64) -> Option<DateTime<Tz>> {
    DateTime::from_timestamp_millis(millis).map(|utc| utc.with_timezone(&tz))
}

pub(super) fn offset_of(at: DateTime<Tz>) -> TimeDelta {
    TimeDelta::seconds(i64::from(at.offset().fix().local_minus_utc()))
}

/// `wall` is in a gap. Finds the first wall-clock time after it that exists (the end of the gap)
/// and its instant, which is the first valid instant after the gap.
fn end_of_gap(tz: Tz, wall: NaiveDateTime) -> Option<(NaiveDateTime, DateTime<Tz>)> {
    let exists = |t: NaiveDateTime| tz.from_local_datetime(&t).earliest();
    // Gaps last from minutes to a day (Samoa skipped 2011-12-30): probe doubling steps, then
    // bisect to the second. Transitions fall on whole seconds, so this finds the gap's end exactly.
    let mut missing = wall;
    let mut step = TimeDelta::minutes(1);
    let mut present = None;
    for _ in 0..20 {
        let probe = missing.checked_add_signed(step)?;
        if exists(probe).is_some() {
            present = Some(probe);
            break;
        }
        missing = probe;
        step = step * 2;
    }
    let mut present = present?;
    while present - missing > TimeDelta::seconds(1) {
        let mid = missing + (present - missing) / 2;
        if exists(mid).is_some() {
            present = mid;
        } else {
            missing = mid;
        }
    }
    Some((present, exists(present)?))
}

/// Between two instants with different offsets (the two readings of a repeated time), the first
/// instant that has the later offset: the moment the clocks went back.
fn first_instant_with_offset(tz: Tz, first: DateTime<Tz>, second: DateTime<Tz>) -> Option<DateTime<Tz>> {
    let target = offset_of(second);
    let offset_at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|utc| offset_of(utc.with_timezone(&tz)));
    let (mut before, mut after) = (first.timestamp(), second.timestamp());
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if offset_at(mid)? == target {
            after = mid;
        } else {
            before = mid;
        }
    }
    DateTime::from_timestamp(after, 0).map(|utc| utc.with_timezone(&tz))
}

/// `starts 03:00 instead of 02:30: clocks skip 02:00–03:00 (spring forward)`; `edge` is the verb
/// (`starts` / `ends`).
pub(super) fn explain(edge: &str, resolved: &Resolved) -> Option<String> {
    Some(match resolved.adjustment? {
        Adjustment::Skipped { from, to } => format!(
            "{edge} {} instead of {}: clocks skip {}–{} (spring forward)",
            hh_mm(resolved.at.naive_local()),
            hh_mm(resolved.wall),
            hh_mm(from),
            hh_mm(to),
        ),
        Adjustment::Repeated { from, to } => format!(
            "{edge} at the first {} ({}): clocks fall back {}→{}, so {}–{} happens twice",
            hh_mm(resolved.wall),
            utc_offset(resolved.at),
            hh_mm(from),
            hh_mm(to),
            hh_mm(to),
            hh_mm(from),
        ),
    })
}

pub(super) fn hh_mm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

/// `YYYY-MM-DDTHH:MM` as the local clock shows it at that instant.
pub(super) fn local_minute(at: DateTime<Tz>) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

/// `UTC-07:00`, `UTC+10:30`.
fn utc_offset(at: DateTime<Tz>) -> String {
    let secs = at.offset().fix().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let minutes = secs.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `9 h`, `7 h 30 min`, `45 min`.
pub(super) fn duration_text(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap()
    }

    #[test]
    fn a_time_in_the_gap_moves_to_the_end_of_the_gap_and_names_the_gap() {
        let r = resolve(chrono_tz::America::Los_Angeles, wall(2026, 3, 8, 2, 30)).unwrap();
        assert_eq!(r.at.to_rfc3339(), "2026-03-08T03:00:00-07:00");
        assert_eq!(
            explain("starts", &r).unwrap(),
            "starts 03:00 instead of 02:30: clocks skip 02:00–03:00 (spring forward)"
        );
    }

    #[test]
    fn a_half_hour_gap_is_found_to_the_minute() {
        let r = resolve(chrono_tz::Australia::Lord_Howe, wall(2026, 10, 4, 2, 10)).unwrap();
        assert_eq!(r.at.to_rfc3339(), "2026-10-04T02:30:00+11:00");
        assert_eq!(
            r.adjustment,
            Some(Adjustment::Skipped { from: wall(2026, 10, 4, 2, 0), to: wall(2026, 10, 4, 2, 30) })
        );
    }

    #[test]
    fn a_day_long_gap_is_found() {
        // Samoa skipped 2011-12-30 entirely when it moved across the date line.
        let r = resolve(chrono_tz::Pacific::Apia, wall(2011, 12, 30, 12, 0)).unwrap();
        assert_eq!(r.at.to_rfc3339(), "2011-12-31T00:00:00+14:00");
    }

    #[test]
    fn a_repeated_time_takes_its_first_occurrence_and_names_the_repeat() {
        let r = resolve(chrono_tz::Europe::Berlin, wall(2026, 10, 25, 2, 30)).unwrap();
        assert_eq!(r.at.to_rfc3339(), "2026-10-25T02:30:00+02:00");
        assert_eq!(
            explain("ends", &r).unwrap(),
            "ends at the first 02:30 (UTC+02:00): clocks fall back 03:00→02:00, so 02:00–03:00 happens twice"
        );
    }

    #[test]
    fn ordinary_times_are_not_adjusted() {
        let r = resolve(chrono_tz::Europe::Berlin, wall(2026, 10, 25, 3, 0)).unwrap();
        assert_eq!((r.at.to_rfc3339(), r.adjustment), ("2026-10-25T03:00:00+01:00".to_owned(), None));
        assert_eq!(explain("starts", &r), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!([duration_text(45), duration_text(540), duration_text(450)], ["45 min", "9 h", "7 h 30 min"]);
    }
}

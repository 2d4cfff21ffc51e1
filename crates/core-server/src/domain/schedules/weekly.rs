//! Weekly blocks: parsing, the overlap rules between blocks, and expansion day by day.

use chrono::{Datelike, NaiveTime, TimeDelta};
use chrono_tz::Tz;

use super::local_time::{self, Resolved};
use super::{Block, MAX_BLOCKS, Occurrence};
use crate::domain::error::{Error, FieldError, Result};

const DAY_MINUTES: i64 = 24 * 60;
const WEEK_MINUTES: i64 = 7 * DAY_MINUTES;

/// Validated blocks, grouped by the weekday they start on and sorted by start time, so that
/// walking the days in order yields occurrences in start order.
#[derive(Debug, Clone)]
pub(super) struct Weekly {
    by_day: [Vec<DayBlock>; 7],
}

#[derive(Debug, Clone, Copy)]
struct DayBlock {
    start: NaiveTime,
    /// Wall-clock length; an overnight block runs past midnight.
    minutes: i64,
}

pub(super) fn parse(blocks: &[Block]) -> Result<Weekly> {
    if blocks.is_empty() {
        return Err(Error::invalid("recurrence.blocks", "must contain at least one block"));
    }
    if blocks.len() > MAX_BLOCKS {
        return Err(Error::invalid("recurrence.blocks", format!("must contain at most {MAX_BLOCKS} blocks")));
    }
    let mut problems = Vec::new();
    // Each valid block as [start, end) in minutes since Monday 00:00; end may pass the week's end.
    let mut spans: Vec<Option<(i64, i64)>> = Vec::with_capacity(blocks.len());
    for (i, block) in blocks.iter().enumerate() {
        let start = minute_of_day(&block.start);
        let end = minute_of_day(&block.end);
        if start.is_none() {
            problems.push(FieldError::new(format!("recurrence.blocks[{i}].start"), HH_MM_PROBLEM));
        }
        if end.is_none() {
            problems.push(FieldError::new(format!("recurrence.blocks[{i}].end"), HH_MM_PROBLEM));
        }
        let span = match (start, end) {
            (Some(start), Some(end)) if start == end => {
                problems.push(FieldError::new(
                    format!("recurrence.blocks[{i}].end"),
                    "must differ from start: a block ending when it starts would be empty (split a 24-hour block in two)",
                ));
                None
            }
            (Some(start), Some(end)) => {
                let week_start = i64::from(block.day.to_chrono().num_days_from_monday()) * DAY_MINUTES + start;
                Some((week_start, week_start + (end - start).rem_euclid(DAY_MINUTES)))
            }
            _ => None,
        };
        spans.push(span);
    }
    for (i, span) in spans.iter().enumerate() {
        let Some(span) = span else { continue };
        let earlier = spans[..i].iter().position(|other| other.is_some_and(|other| overlap(*span, other)));
        if let Some(j) = earlier {
            problems.push(FieldError::new(format!("recurrence.blocks[{i}]"), format!("overlaps blocks[{j}]")));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }

    let mut by_day: [Vec<DayBlock>; 7] = Default::default();
    for (block, span) in blocks.iter().zip(spans) {
        let Some((start, end)) = span else { continue };
        let time = NaiveTime::MIN + TimeDelta::minutes(start % DAY_MINUTES);
        by_day[block.day.to_chrono().num_days_from_monday() as usize]
            .push(DayBlock { start: time, minutes: end - start });
    }
    for day in &mut by_day {
        day.sort_by_key(|b| b.start);
    }
    Ok(Weekly { by_day })
}

const HH_MM_PROBLEM: &str = "must be a time HH:MM from 00:00 to 23:59";

/// Minutes since midnight of a strict `HH:MM`.
fn minute_of_day(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |i: usize| i64::from(b[i] - b'0');
    let (hour, minute) = (digit(0) * 10 + digit(1), digit(3) * 10 + digit(4));
    (hour < 24 && minute < 60).then_some(hour * 60 + minute)
}

/// Whether two week spans share a minute, on the week's circle (Sunday night runs into Monday).
fn overlap((a_start, a_end): (i64, i64), (b_start, b_end): (i64, i64)) -> bool {
    [-WEEK_MINUTES, 0, WEEK_MINUTES].iter().any(|shift| a_start < b_end + shift && b_start + shift < a_end)
}

impl Weekly {
    pub(super) fn expand(&self, tz: Tz, from: i64, to: i64, limit: usize) -> Vec<Occurrence> {
        let mut out = Vec::new();
        // Blocks last under a day of wall-clock time, so one starting two local days before
        // `from` has ended by then.
        let first_day = local_time::wall_at(tz, from).and_then(|w| w.date().pred_opt());
        let last_day = local_time::wall_at(tz, to).map(|w| w.date());
        let (Some(first_day), Some(last_day)) = (first_day, last_day) else { return out };
        for day in first_day.iter_days().take_while(|day| *day <= last_day) {
            for block in &self.by_day[day.weekday().num_days_from_monday() as usize] {
                let start_wall = day.and_time(block.start);
                let end_wall = start_wall + TimeDelta::minutes(block.minutes);
                let (Some(start), Some(end)) = (local_time::resolve(tz, start_wall), local_time::resolve(tz, end_wall))
                else {
                    continue;
                };
                // Day order and start-time order within a day are start order, and the wall-clock
                // to instant mapping never reorders, so everything after this starts later too.
                if start.millis() >= to {
                    return out;
                }
                // end <= start: the whole block lies in the skipped time, so it has no time tonight.
                if end.millis() <= start.millis() || end.millis() <= from {
                    continue;
                }
                out.push(occurrence(&start, &end, block.minutes));
                if out.len() >= limit {
                    return out;
                }
            }
        }
        out
    }
}

fn occurrence(start: &Resolved, end: &Resolved, wall_minutes: i64) -> Occurrence {
    let mut notes: Vec<String> =
        [local_time::explain("starts", start), local_time::explain("ends", end)].into_iter().flatten().collect();
    let real_minutes = (end.millis() - start.millis()) / 60_000;
    if real_minutes != wall_minutes {
        notes.push(format!(
            "lasts {} instead of {} because of the clock change",
            local_time::duration_text(real_minutes),
            local_time::duration_text(wall_minutes)
        ));
    }
    Occurrence {
        start: start.millis(),
        end: end.millis(),
        start_local: local_time::local_minute(start.at),
        end_local: local_time::local_minute(end.at),
        notes,
    }
}

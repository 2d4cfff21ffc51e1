//! Chart queries: how to answer "sensor S from A to B in at most N points" without scanning a
//! year of raw rows. Small ranges return raw readings; larger ones return buckets with min, max
//! and average, taken from raw rows or, when a bucket spans an hour or more, from the hourly
//! rollups.

use serde::Serialize;
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;

pub const HOUR_MS: i64 = 3_600_000;
pub const DEFAULT_MAX_POINTS: i64 = 1000;
pub const MAX_MAX_POINTS: i64 = 10_000;
/// At most this many sensors in one query (overlay charts).
pub const MAX_SENSORS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Each point is one reading (min = max = avg, count = 1).
    Raw,
    /// Buckets aggregated from raw readings.
    Bucketed,
    /// Buckets aggregated from hourly rollups; bucket edges fall on whole UTC hours.
    Hourly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub resolution: Resolution,
    /// Start of the first bucket (the hour `from` falls in, for hourly plans).
    pub start: i64,
    pub end: i64,
    /// Bucket width; 0 for raw.
    pub bucket_ms: i64,
}

/// `a / b` rounded up, for `a >= 0` and `b > 0` (`i64::div_ceil` is not stable yet).
pub fn ceil_div(a: i64, b: i64) -> i64 {
    a / b + i64::from(a % b != 0)
}

/// Picks the cheapest source that answers in at most `max_points` points. `readings` is the
/// number of readings in the range as the hourly rollups count them; `raw_complete` is false
/// when retention already deleted raw readings of the range, so only the rollups cover it.
pub fn plan(from: i64, to: i64, max_points: i64, readings: i64, raw_complete: bool) -> Plan {
    if raw_complete && readings <= max_points {
        return Plan { resolution: Resolution::Raw, start: from, end: to, bucket_ms: 0 };
    }
    let span = to - from;
    let bucket_ms = ceil_div(span, max_points).max(1);
    if raw_complete && bucket_ms < HOUR_MS {
        return Plan { resolution: Resolution::Bucketed, start: from, end: to, bucket_ms };
    }
    let start = from.div_euclid(HOUR_MS) * HOUR_MS;
    let hours = ceil_div(to - start, HOUR_MS);
    let hours_per_bucket = ceil_div(hours, max_points).max(1);
    Plan { resolution: Resolution::Hourly, start, end: to, bucket_ms: hours_per_bucket * HOUR_MS }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Point {
    /// Start of the bucket (raw: the reading's time).
    pub ts: Timestamp,
    pub min: f64,
    pub max: f64,
    pub avg: f64,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Series {
    pub sensor_id: i64,
    pub resolution: Resolution,
    /// Bucket width in milliseconds; 0 for raw points.
    pub bucket_ms: i64,
    pub points: Vec<Point>,
}

/// The validated query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub sensor_ids: Vec<i64>,
    pub from: i64,
    pub to: i64,
    pub max_points: i64,
}

pub fn parse_query(sensor_ids: &str, from: &str, to: &str, max_points: Option<i64>) -> Result<Query> {
    let mut problems = Vec::new();
    let ids: Vec<i64> = sensor_ids.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    if ids.is_empty() || ids.len() != sensor_ids.split(',').count() || ids.len() > MAX_SENSORS {
        problems.push(super::FieldError::new("sensor_id", "must be 1 to 16 comma-separated sensor ids"));
    }
    let (from, to) = super::time::check_range(Some(from), Some(to), &mut problems);
    let max_points = max_points.unwrap_or(DEFAULT_MAX_POINTS);
    if !(2..=MAX_MAX_POINTS).contains(&max_points) {
        problems.push(super::FieldError::new("max_points", "must be between 2 and 10000"));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let (from, to) = (from.unwrap_or_default(), to.unwrap_or_default());
    Ok(Query { sensor_ids: ids, from, to, max_points })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * HOUR_MS;

    #[test]
    fn small_ranges_are_raw() {
        let p = plan(0, HOUR_MS, 1000, 60, true);
        assert_eq!(p.resolution, Resolution::Raw);
    }

    #[test]
    fn a_day_of_minutes_is_bucketed_from_raw() {
        let p = plan(0, DAY, 1000, 1440, true);
        assert_eq!((p.resolution, p.bucket_ms), (Resolution::Bucketed, 86_400));
    }

    #[test]
    fn long_ranges_use_hourly_rollups_and_never_exceed_max_points() {
        for (from, to, max) in [(0, 365 * DAY, 1000), (1_234_567, 30 * DAY + 7, 100), (HOUR_MS / 2, 90 * DAY, 2)] {
            let p = plan(from, to, max, i64::MAX, true);
            assert_eq!(p.resolution, Resolution::Hourly);
            assert_eq!(p.start % HOUR_MS, 0);
            assert_eq!(p.bucket_ms % HOUR_MS, 0);
            let buckets = ceil_div(p.end - p.start, p.bucket_ms);
            assert!(buckets <= max, "{buckets} buckets for max {max}");
        }
    }

    #[test]
    fn ranges_older_than_the_raw_readings_use_rollups() {
        assert_eq!(plan(0, DAY, 1000, 10, false).resolution, Resolution::Hourly);
        assert_eq!(
            plan(0, DAY, 1000, 1440, false),
            Plan { resolution: Resolution::Hourly, start: 0, end: DAY, bucket_ms: HOUR_MS }
        );
    }

    #[test]
    fn bucketed_plans_never_exceed_max_points() {
        for (span, max) in [(DAY, 1000), (7 * DAY, 1000), (DAY + 1, 7), (999, 10)] {
            let p = plan(0, span, max, i64::MAX, true);
            if p.resolution == Resolution::Bucketed {
                assert!(ceil_div(span, p.bucket_ms) <= max, "span {span} max {max}");
            }
        }
    }

    #[test]
    fn query_parameters_are_validated() {
        let q = parse_query("3,4", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", None).unwrap();
        assert_eq!((q.sensor_ids, q.max_points), (vec![3, 4], 1000));
        let Err(Error::Validation(p)) = parse_query("3,x", "yesterday", "2026-03-02T00:00:00Z", Some(1)) else {
            panic!()
        };
        let fields: Vec<_> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["sensor_id", "from", "max_points"]);
        let Err(Error::Validation(p)) = parse_query("3", "2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", None) else {
            panic!()
        };
        assert_eq!(p[0].field, "to");
    }
}

//! Sensors: what they measure, and the readings nodes send.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, FieldError, Result};
use super::time::Timestamp;

pub const DEFAULT_INTERVAL_S: i64 = 60;
pub const DEFAULT_RETENTION_DAYS: i64 = 30;
/// Readings may come from clocks a little ahead of ours, not further.
pub const MAX_FUTURE_MS: i64 = 5 * 60 * 1000;
/// Longest unit, in characters.
pub const UNIT_MAX: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    Temperature,
    Humidity,
    SoilMoisture,
    Pressure,
    Flow,
    Level,
    Voltage,
    Current,
    Power,
    Generic,
}

impl SensorKind {
    pub const ALL: [SensorKind; 10] = [
        SensorKind::Temperature,
        SensorKind::Humidity,
        SensorKind::SoilMoisture,
        SensorKind::Pressure,
        SensorKind::Flow,
        SensorKind::Level,
        SensorKind::Voltage,
        SensorKind::Current,
        SensorKind::Power,
        SensorKind::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SensorKind::Temperature => "temperature",
            SensorKind::Humidity => "humidity",
            SensorKind::SoilMoisture => "soil_moisture",
            SensorKind::Pressure => "pressure",
            SensorKind::Flow => "flow",
            SensorKind::Level => "level",
            SensorKind::Voltage => "voltage",
            SensorKind::Current => "current",
            SensorKind::Power => "power",
            SensorKind::Generic => "generic",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Sensor {
    pub id: i64,
    pub node_id: i64,
    pub key: String,
    pub name: String,
    pub kind: SensorKind,
    pub unit: String,
    /// How often the node reports it; a reading older than three intervals is stale.
    pub interval_s: i64,
    pub retention_days: i64,
    pub last_value: Option<f64>,
    pub last_ts: Option<Timestamp>,
}

pub fn parse_unit(field: &str, raw: &str) -> Result<String> {
    if raw.chars().count() > UNIT_MAX || raw.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be at most 16 characters"));
    }
    Ok(raw.to_owned())
}

/// A unit as [`parse_unit`] takes it (the OpenAPI schema; the parser decides).
pub struct SensorUnit;

impl utoipa::PartialSchema for SensorUnit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::nodes::free_text_schema("At most 16 characters, no control characters; may be empty.", UNIT_MAX)
            .examples(["°C"])
            .into()
    }
}

impl utoipa::ToSchema for SensorUnit {}

pub fn check_interval(field: &str, seconds: i64) -> Result<i64> {
    if !(1..=86_400).contains(&seconds) {
        return Err(Error::invalid(field, "must be between 1 and 86400 seconds"));
    }
    Ok(seconds)
}

pub fn check_retention(field: &str, days: i64) -> Result<i64> {
    if !(1..=3650).contains(&days) {
        return Err(Error::invalid(field, "must be between 1 and 3650 days"));
    }
    Ok(days)
}

/// A reading as a node sends it, before validation.
#[derive(Debug, Clone)]
pub struct RawReading {
    pub sensor_key: String,
    pub ts: Option<Timestamp>,
    /// `None` when the node sent NaN, Infinity or null.
    pub value: Option<f64>,
}

/// A validated reading: finite value, not from the future, for a known sensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub sensor_id: i64,
    pub ts: i64,
    pub value: f64,
}

/// Validates a whole batch; any bad reading rejects the batch, naming every offender.
pub fn validate_batch(
    readings: &[RawReading],
    sensor_id_of: impl Fn(&str) -> Option<i64>,
    now: i64,
) -> Result<Vec<Reading>> {
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(readings.len());
    for (i, r) in readings.iter().enumerate() {
        let sensor_id = sensor_id_of(&r.sensor_key);
        if sensor_id.is_none() {
            problems.push(FieldError::new(
                format!("readings[{i}].sensor_key"),
                format!("no sensor '{}' on this node", r.sensor_key),
            ));
        }
        match r.ts {
            None => problems.push(FieldError::new(format!("readings[{i}].ts"), "must be an RFC 3339 date-time")),
            Some(ts) if ts.millis() > now + MAX_FUTURE_MS => {
                problems.push(FieldError::new(format!("readings[{i}].ts"), "is more than 5 minutes in the future"));
            }
            Some(_) => {}
        }
        let value = r.value.filter(|v| v.is_finite());
        if value.is_none() {
            problems.push(FieldError::new(format!("readings[{i}].value"), "must be a finite number"));
        }
        if let (Some(sensor_id), Some(ts), Some(value)) = (sensor_id, r.ts, value) {
            out.push(Reading { sensor_id, ts: ts.millis(), value });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(Error::Validation(problems)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(key: &str, ts: i64, value: Option<f64>) -> RawReading {
        RawReading { sensor_key: key.into(), ts: Some(Timestamp(ts)), value }
    }

    #[test]
    fn a_batch_names_every_bad_reading() {
        let ids = |k: &str| (k == "temp").then_some(7);
        let now = 1_000_000_000;
        let batch = [
            raw("temp", now, Some(1.0)),
            raw("nope", now, Some(1.0)),
            raw("temp", now + MAX_FUTURE_MS + 1, Some(1.0)),
            raw("temp", now, None),
            raw("temp", now, Some(f64::INFINITY)),
        ];
        let Err(Error::Validation(problems)) = validate_batch(&batch, ids, now) else { panic!("accepted") };
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["readings[1].sensor_key", "readings[2].ts", "readings[3].value", "readings[4].value"]);
        assert_eq!(validate_batch(&batch[..1], ids, now).unwrap(), vec![Reading { sensor_id: 7, ts: now, value: 1.0 }]);
    }
}

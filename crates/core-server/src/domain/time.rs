//! Instants as the API shows them: stored as epoch milliseconds UTC, rendered as
//! RFC 3339 UTC with exactly three fraction digits (`2026-03-01T06:00:00.000Z`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::FieldError;

/// Epoch milliseconds UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    /// RFC 3339 with milliseconds and `Z`.
    pub fn to_rfc3339(self) -> String {
        match DateTime::<Utc>::from_timestamp_millis(self.0) {
            Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
            // Outside chrono's range (±262,000 years): cannot come from our own clock or parser.
            None => "invalid-time".to_owned(),
        }
    }

    /// Accepts any RFC 3339 instant (any offset), normalised to UTC milliseconds.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text).ok().map(|dt| Self(dt.timestamp_millis()))
    }
}

/// Reads a half-open range `[from, to)` of RFC 3339 instants, either bound optional, the way
/// queries take one: each given bound must parse, and with both, `to` must be after `from`.
/// Problems are appended (naming `from` or `to`, in that order) so callers can add their own;
/// the bounds come back as milliseconds, `None` when absent or unreadable.
pub fn check_range(from: Option<&str>, to: Option<&str>, problems: &mut Vec<FieldError>) -> (Option<i64>, Option<i64>) {
    let f = from.map(Timestamp::parse_rfc3339);
    let t = to.map(Timestamp::parse_rfc3339);
    if f == Some(None) {
        problems.push(FieldError::new("from", "must be an RFC 3339 date-time"));
    }
    if t == Some(None) {
        problems.push(FieldError::new("to", "must be an RFC 3339 date-time"));
    }
    let (f, t) = (f.flatten().map(Timestamp::millis), t.flatten().map(Timestamp::millis));
    if let (Some(f), Some(t)) = (f, t)
        && t <= f
    {
        problems.push(FieldError::new("to", "must be after from"));
    }
    (f, t)
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom("must be an RFC 3339 date-time such as 2026-03-01T06:00:00.000Z"))
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime)))
            .examples(["2026-03-01T06:00:00.000Z"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_three_fraction_digits_in_utc() {
        assert_eq!(Timestamp(1_772_344_800_000).to_rfc3339(), "2026-03-01T06:00:00.000Z");
        assert_eq!(Timestamp(1_772_344_800_123).to_rfc3339(), "2026-03-01T06:00:00.123Z");
    }

    #[test]
    fn parses_offsets_into_utc() {
        assert_eq!(Timestamp::parse_rfc3339("2026-03-01T07:00:00+01:00"), Some(Timestamp(1_772_344_800_000)));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn a_range_names_each_bad_bound_and_an_empty_range() {
        let check = |from, to| {
            let mut problems = Vec::new();
            let bounds = check_range(from, to, &mut problems);
            (bounds, problems.into_iter().map(|p| format!("{}: {}", p.field, p.problem)).collect::<Vec<_>>())
        };
        let t0 = "2026-03-01T06:00:00Z";
        let t1 = "2026-03-01T07:00:00+01:00"; // the same instant
        assert_eq!(check(None, None), ((None, None), vec![]));
        assert_eq!(check(Some(t0), None), ((Some(1_772_344_800_000), None), vec![]));
        assert_eq!(check(None, Some(t0)), ((None, Some(1_772_344_800_000)), vec![]));
        assert_eq!(check(Some(t0), Some(t1)).1, ["to: must be after from"]);
        assert_eq!(
            check(Some("soon"), Some("")).1,
            ["from: must be an RFC 3339 date-time", "to: must be an RFC 3339 date-time"]
        );
        assert_eq!(
            check(Some("soon"), Some(t0)),
            ((None, Some(1_772_344_800_000)), vec!["from: must be an RFC 3339 date-time".to_owned()])
        );
    }
}

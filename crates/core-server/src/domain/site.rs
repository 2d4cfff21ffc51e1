//! Site settings: the farm's name, its IANA time zone and preferred units.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Units {
    Metric,
    Imperial,
}

impl Units {
    pub fn as_str(self) -> &'static str {
        match self {
            Units::Metric => "metric",
            Units::Imperial => "imperial",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "metric" => Some(Units::Metric),
            "imperial" => Some(Units::Imperial),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Site {
    pub name: String,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    pub timezone: String,
    pub units: Units,
    pub updated_at: Timestamp,
}

/// Only names in the IANA database are accepted (no abbreviations such as `PST`).
pub fn parse_timezone(field: &str, raw: &str) -> Result<String> {
    match raw.parse::<chrono_tz::Tz>() {
        Ok(tz) => Ok(tz.name().to_owned()),
        Err(_) => Err(Error::invalid(field, "must be an IANA time zone such as Europe/Berlin")),
    }
}

/// An IANA time zone as [`parse_timezone`] takes it: the pattern lists every name chrono-tz
/// knows, so it is exactly the accepted set (the OpenAPI schema; the parser decides).
pub struct TimeZone;

impl utoipa::PartialSchema for TimeZone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        names.sort_unstable();
        let escaped: Vec<String> = names.iter().map(|n| n.replace('+', "\\+")).collect();
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An IANA time zone name such as Europe/Berlin (no abbreviations such as PST)."))
            .pattern(Some(format!("^(?:{})$", escaped.join("|"))))
            .examples(["Europe/Berlin"])
            .into()
    }
}

impl utoipa::ToSchema for TimeZone {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_come_from_the_iana_database() {
        assert_eq!(parse_timezone("timezone", "Australia/Lord_Howe").unwrap(), "Australia/Lord_Howe");
        assert!(parse_timezone("timezone", "Mars/Olympus_Mons").is_err());
        assert!(parse_timezone("timezone", "").is_err());
    }
}

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

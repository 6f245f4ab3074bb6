//! How values become columns: RFC 3339 timestamps, enums as their serde names, JSON
//! columns that fail with the table, row and column they came from, and repository
//! identities.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sluice_core::model::RepositoryUrl;

use super::{Fault, Result};

/// The current time as RFC 3339 UTC with second precision, e.g. `2026-03-01T12:00:00Z`.
pub(super) fn now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(seconds)
}

/// Unix seconds as RFC 3339 UTC.
pub(super) fn rfc3339(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let second_of_day = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01. Works in 400-year eras (146 097
/// days each) counted from 0000-03-01, so the leap day falls at the end of a year.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The comparison key of a repository URL; a string that does not parse compares by its
/// trimmed lowercase text.
pub(super) fn identity(repository: &str) -> String {
    match RepositoryUrl::parse(repository) {
        Ok(url) => url.identity().to_string(),
        Err(_) => repository.trim().to_lowercase(),
    }
}

/// A unit-variant enum as its serde name (`Open`, `changesRequested`, `fired`).
pub(super) fn name_of<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        Ok(other) => Err(Fault::Data(format!("cannot store {other} as a name"))),
        Err(error) => Err(Fault::Data(format!("cannot encode a value: {error}"))),
    }
}

/// Parses a name written by [`name_of`]; `place` says where it was read.
pub(super) fn from_name<T: DeserializeOwned>(name: &str, place: &dyn Fn() -> String) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|_| Fault::Data(format!("{}: unknown value `{name}`", place())))
}

/// A value as a JSON column.
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|error| Fault::Data(format!("cannot encode a value: {error}")))
}

/// Parses a JSON column; `place` says where it was read.
pub(super) fn from_json<T: DeserializeOwned>(text: &str, place: &dyn Fn() -> String) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|error| Fault::Data(format!("{}: invalid JSON: {error}", place())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn identity_falls_back_to_lowercase_text() {
        assert_eq!(
            identity("https://GitHub.com/Contoso/SDK.git"),
            identity("https://github.com/contoso/sdk")
        );
        assert_eq!(identity("  Not A Url "), "not a url");
    }
}

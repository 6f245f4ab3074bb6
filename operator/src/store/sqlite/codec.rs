//! How values become columns: RFC 3339 timestamps from the process clock, enums as
//! their serde names, JSON columns that fail with the table, row and column they came
//! from, and repository identities.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fault, Result};

/// The current time as RFC 3339 UTC with second precision, e.g. `2026-03-01T12:00:00Z`.
pub(super) use crate::clock::now_rfc3339 as now;

/// The comparison key of a repository URL; a string that does not parse compares by its
/// trimmed lowercase text.
pub(super) fn identity(repository: &str) -> String {
    sluice_core::flow::repository_identity(repository)
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
    fn identity_falls_back_to_lowercase_text() {
        assert_eq!(
            identity("https://GitHub.com/Contoso/SDK.git"),
            identity("https://github.com/contoso/sdk")
        );
        assert_eq!(identity("  Not A Url "), "not a url");
    }
}

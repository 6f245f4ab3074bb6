//! Subscription records: progress (requested, applied, rejected builds) and condition.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sluice_core::flow::{BuildId, SubscriptionState};

use super::Result;
use crate::store::SubscriptionRecord;

const COLUMNS: &str = "name, last_applied_build, requested_build, force, rejected_build, condition, reason, message, last_fired, first_seen";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(String, SubscriptionRecord)> {
    Ok((
        row.get(0)?,
        SubscriptionRecord {
            state: SubscriptionState {
                last_applied_build: row.get(1)?,
                requested_build: row.get(2)?,
                force: row.get(3)?,
                rejected_build: row.get(4)?,
            },
            condition: row.get(5)?,
            reason: row.get(6)?,
            message: row.get(7)?,
            last_fired: row.get(8)?,
            first_seen: row.get(9)?,
        },
    ))
}

/// The stored record of `name`, if any (one statement).
pub(super) fn load(tx: &Connection, name: &str) -> Result<Option<SubscriptionRecord>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE name = ?1"
        ))?
        .query_row([name], from_row)
        .optional()?
        .map(|(_, record)| record))
}

/// Every stored record by name.
pub(super) fn list(tx: &Transaction<'_>) -> Result<BTreeMap<String, SubscriptionRecord>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM subscriptions ORDER BY name"
        ))?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Inserts or replaces the record of `name`.
pub(super) fn save(tx: &Transaction<'_>, name: &str, record: &SubscriptionRecord) -> Result<()> {
    let state = &record.state;
    tx.prepare_cached(&format!(
        "INSERT INTO subscriptions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (name) DO UPDATE SET
            last_applied_build = excluded.last_applied_build,
            requested_build = excluded.requested_build,
            force = excluded.force,
            rejected_build = excluded.rejected_build,
            condition = excluded.condition,
            reason = excluded.reason,
            message = excluded.message,
            last_fired = excluded.last_fired,
            first_seen = excluded.first_seen"
    ))?
    .execute(params![
        name,
        state.last_applied_build,
        state.requested_build,
        state.force,
        state.rejected_build,
        record.condition,
        record.reason,
        record.message,
        record.last_fired,
        record.first_seen,
    ])?;
    Ok(())
}

/// Asks `name` to apply `build` unless it already wants that build or a newer one. A
/// request that moves clears `force`: a forced request stays forced only until it is
/// superseded. Returns whether the request moved.
pub(super) fn request(tx: &Transaction<'_>, name: &str, build: BuildId) -> Result<bool> {
    let mut record = load(tx, name)?.unwrap_or_default();
    if !record.state.request(build) {
        return Ok(false);
    }
    save(tx, name, &record)?;
    Ok(true)
}

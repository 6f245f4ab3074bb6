//! Subscription records: progress (requested, applied, rejected builds) and conditions.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sluice_core::flow::{BuildId, SubscriptionState};
use sluice_core::model::Condition;

use super::{Result, codec};
use crate::store::SubscriptionRecord;

const COLUMNS: &str = "name, last_applied_build, requested_build, force, rejected_build, conditions, last_fired, first_seen";

/// A row as stored, before its JSON column is decoded.
struct Raw {
    name: String,
    record: SubscriptionRecord,
    conditions: String,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        name: row.get(0)?,
        record: SubscriptionRecord {
            state: SubscriptionState {
                last_applied_build: row.get(1)?,
                requested_build: row.get(2)?,
                force: row.get(3)?,
                rejected_build: row.get(4)?,
            },
            conditions: Vec::new(),
            last_fired: row.get(6)?,
            first_seen: row.get(7)?,
        },
        conditions: row.get(5)?,
    })
}

fn decode(raw: Raw) -> Result<(String, SubscriptionRecord)> {
    let Raw {
        name,
        mut record,
        conditions,
    } = raw;
    record.conditions = codec::from_json::<Vec<Condition>>(&conditions, &|| {
        format!("table subscriptions, row `{name}`, column conditions")
    })?;
    Ok((name, record))
}

/// The stored record of `name`, if any (one statement).
pub(super) fn load(tx: &Connection, name: &str) -> Result<Option<SubscriptionRecord>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE name = ?1"
    ))?
    .query_row([name], raw)
    .optional()?
    .map(|raw| decode(raw).map(|(_, record)| record))
    .transpose()
}

/// Every stored record by name.
pub(super) fn list(tx: &Transaction<'_>) -> Result<BTreeMap<String, SubscriptionRecord>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscriptions ORDER BY name"
    ))?
    .query_map([], raw)?
    .map(|raw| decode(raw?))
    .collect()
}

/// Inserts or replaces the record of `name`.
pub(super) fn save(tx: &Transaction<'_>, name: &str, record: &SubscriptionRecord) -> Result<()> {
    let state = &record.state;
    tx.prepare_cached(&format!(
        "INSERT INTO subscriptions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (name) DO UPDATE SET
            last_applied_build = excluded.last_applied_build,
            requested_build = excluded.requested_build,
            force = excluded.force,
            rejected_build = excluded.rejected_build,
            conditions = excluded.conditions,
            last_fired = excluded.last_fired,
            first_seen = excluded.first_seen"
    ))?
    .execute(params![
        name,
        state.last_applied_build,
        state.requested_build,
        state.force,
        state.rejected_build,
        codec::to_json(&record.conditions)?,
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

//! The append-only flow history.

use rusqlite::{Row, Transaction, params};
use sluice_core::flow::BuildId;

use super::{Result, codec};
use crate::store::{EventKind, FlowEvent};

const COLUMNS: &str = "seq, at, kind, subscription, build, pull_request, message";

/// Appends `event` (an empty `at` means now) and returns its sequence number.
pub(super) fn append(tx: &Transaction<'_>, event: &FlowEvent) -> Result<i64> {
    let at = if event.at.is_empty() {
        codec::now()
    } else {
        event.at.clone()
    };
    tx.prepare_cached(
        "INSERT INTO events (at, kind, subscription, build, pull_request, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        at,
        codec::name_of(&event.kind)?,
        event.subscription,
        event.build,
        event.pull_request,
        event.message,
    ])?;
    Ok(tx.last_insert_rowid())
}

type RawEvent = (
    i64,
    String,
    String,
    Option<String>,
    Option<BuildId>,
    Option<String>,
    String,
);

fn raw(row: &Row<'_>) -> rusqlite::Result<RawEvent> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn decode(raw: RawEvent) -> Result<FlowEvent> {
    let (seq, at, kind, subscription, build, pull_request, message) = raw;
    let place = || format!("table events, row {seq}, column kind");
    let kind: EventKind = codec::from_name(&kind, &place)?;
    Ok(FlowEvent {
        seq,
        at,
        kind,
        subscription,
        build,
        pull_request,
        message,
    })
}

/// Events about `build`, oldest first.
pub(super) fn for_build(tx: &Transaction<'_>, build: BuildId) -> Result<Vec<FlowEvent>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE build = ?1 ORDER BY seq"
    ))?
    .query_map([build], raw)?
    .map(|row| decode(row?))
    .collect()
}

/// When each subscription's newest event about `build` happened, by subscription.
pub(super) fn last_by_subscription(
    tx: &Transaction<'_>,
    build: BuildId,
) -> Result<std::collections::BTreeMap<String, String>> {
    // SQLite takes the bare column `at` from the row holding MAX(seq).
    tx.prepare_cached(
        "SELECT subscription, at, MAX(seq) FROM events \
         WHERE build = ?1 AND subscription IS NOT NULL GROUP BY subscription",
    )?
    .query_map([build], |row| Ok((row.get(0)?, row.get(1)?)))?
    .map(|row| Ok(row?))
    .collect()
}

/// The newest `limit` events, oldest first.
pub(super) fn recent(tx: &Transaction<'_>, limit: u32) -> Result<Vec<FlowEvent>> {
    let mut events: Vec<FlowEvent> = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM events ORDER BY seq DESC LIMIT ?1"
        ))?
        .query_map([limit], raw)?
        .map(|row| decode(row?))
        .collect::<Result<_>>()?;
    events.reverse();
    Ok(events)
}

/// At most `limit` events after `seq`, oldest first.
pub(super) fn after(tx: &Transaction<'_>, seq: i64, limit: u32) -> Result<Vec<FlowEvent>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?
    .query_map(params![seq, limit], raw)?
    .map(|row| decode(row?))
    .collect()
}

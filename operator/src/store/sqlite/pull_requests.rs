//! sluice's record of each update key's pull requests, on any forge.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sluice_core::flow::{BuildId, UpdateKey};
use sluice_core::model::{PolicyEvaluation, PullRequestState};

use super::{Result, codec};
use crate::store::TrackedPullRequest;

/// The stored form of a key: its stable id, as the engine writes it into
/// [`TrackedPullRequest::key`].
pub(super) fn key_id(key: &UpdateKey) -> String {
    key.id()
}

const COLUMNS: &str = "seq, key, id, url, repository, target_branch, head_branch, state, head_commit, base_commit, \
                       carried, failure_commented, settled, policies, created_at, updated_at, \
                       manual_commits_noticed";

/// A row as stored, before its enum and JSON columns are decoded.
struct Raw {
    seq: i64,
    pr: TrackedPullRequest,
    state: String,
    carried: String,
    policies: String,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        seq: row.get(0)?,
        pr: TrackedPullRequest {
            key: row.get(1)?,
            id: row.get(2)?,
            url: row.get(3)?,
            repository: row.get(4)?,
            target_branch: row.get(5)?,
            head_branch: row.get(6)?,
            state: PullRequestState::Open,
            head_commit: row.get(8)?,
            base_commit: row.get(9)?,
            carried: BTreeMap::new(),
            failure_commented: row.get(11)?,
            manual_commits_noticed: row.get(16)?,
            settled: row.get(12)?,
            policies: Vec::new(),
            created_at: row.get(14)?,
            updated_at: row.get(15)?,
        },
        state: row.get(7)?,
        carried: row.get(10)?,
        policies: row.get(13)?,
    })
}

fn decode(raw: Raw) -> Result<TrackedPullRequest> {
    let Raw {
        seq,
        mut pr,
        state,
        carried,
        policies,
    } = raw;
    let place = |column: &str| format!("table tracked_pull_requests, row {seq}, column {column}");
    pr.state = codec::from_name(&state, &|| place("state"))?;
    pr.carried = codec::from_json::<BTreeMap<String, BuildId>>(&carried, &|| place("carried"))?;
    pr.policies = codec::from_json::<Vec<PolicyEvaluation>>(&policies, &|| place("policies"))?;
    Ok(pr)
}

/// The most recently created pull request of the key with stored form `key` (one
/// statement).
pub(super) fn latest(tx: &Connection, key: &str) -> Result<Option<TrackedPullRequest>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tracked_pull_requests WHERE key = ?1 ORDER BY seq DESC LIMIT 1"
    ))?
    .query_row([key], raw)
    .optional()?
    .map(decode)
    .transpose()
}

/// Pull requests that are open or whose outcome is not yet settled, oldest first.
pub(super) fn active(tx: &Transaction<'_>) -> Result<Vec<TrackedPullRequest>> {
    let open = codec::name_of(&PullRequestState::Open)?;
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tracked_pull_requests WHERE settled = 0 OR state = ?1 ORDER BY seq"
    ))?
    .query_map([open], raw)?
    .map(|row| decode(row?))
    .collect()
}

/// Inserts the pull request, or replaces the one with the same key and id. A replaced
/// row keeps its place in creation order.
pub(super) fn save(tx: &Transaction<'_>, pr: &TrackedPullRequest) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO tracked_pull_requests (key, id, url, repository, target_branch, head_branch, state, head_commit,
             base_commit, carried, failure_commented, settled, policies, created_at, updated_at,
             manual_commits_noticed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (key, id) DO UPDATE SET
             url = excluded.url,
             repository = excluded.repository,
             target_branch = excluded.target_branch,
             head_branch = excluded.head_branch,
             state = excluded.state,
             head_commit = excluded.head_commit,
             base_commit = excluded.base_commit,
             carried = excluded.carried,
             failure_commented = excluded.failure_commented,
             manual_commits_noticed = excluded.manual_commits_noticed,
             settled = excluded.settled,
             policies = excluded.policies,
             created_at = excluded.created_at,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        pr.key,
        pr.id,
        pr.url,
        pr.repository,
        pr.target_branch,
        pr.head_branch,
        codec::name_of(&pr.state)?,
        pr.head_commit,
        pr.base_commit,
        codec::to_json(&pr.carried)?,
        pr.failure_commented,
        pr.settled,
        codec::to_json(&pr.policies)?,
        pr.created_at,
        pr.updated_at,
        pr.manual_commits_noticed,
    ])?;
    Ok(())
}

//! Pages of the git-native forge's pull requests, newest first: a bounded listing that
//! goes on from the last pull request of the previous page.

use rusqlite::{Transaction, params};

use super::{Result, local_forge};
use crate::store::{LocalPullRequest, PullRequestQuery};

/// How many pull requests a query without a limit returns.
const DEFAULT_LIMIT: u32 = 100;

/// The pull requests `query` asks for, newest (highest number) first.
pub(super) fn page(
    tx: &Transaction<'_>,
    query: &PullRequestQuery,
) -> Result<Vec<LocalPullRequest>> {
    let numbers: Vec<i64> = tx
        .prepare_cached(
            "SELECT number FROM local_pull_requests
             WHERE (?2 IS NULL OR number < ?2)
             ORDER BY number DESC LIMIT ?1",
        )?
        .query_map(
            params![query.limit.unwrap_or(DEFAULT_LIMIT), query.before],
            |row| row.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    // One read transaction: every number listed is still there.
    numbers
        .into_iter()
        .filter_map(|number| local_forge::load(tx, number).transpose())
        .collect()
}

//! The git-native forge's pull requests, with their comments, checks and reviews.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use sluice_core::flow::{Check, Review};
use sluice_core::model::PullRequestState;

use super::{Fault, Result, SqliteStore, codec};
use crate::store::{LocalForgeStore, LocalPullRequest, PullRequestQuery, StoreError};

/// What creating a pull request needs.
pub(super) struct NewPullRequest<'a> {
    pub(super) repository: &'a str,
    pub(super) base_branch: &'a str,
    pub(super) head_branch: &'a str,
    pub(super) title: &'a str,
    pub(super) description: &'a str,
}

const COLUMNS: &str = "number, repository, base_branch, head_branch, title, description, state, merge_commit, created_at, updated_at";

fn raw(row: &Row<'_>) -> rusqlite::Result<(LocalPullRequest, String)> {
    Ok((
        LocalPullRequest {
            number: row.get(0)?,
            repository: row.get(1)?,
            base_branch: row.get(2)?,
            head_branch: row.get(3)?,
            title: row.get(4)?,
            description: row.get(5)?,
            state: PullRequestState::Open,
            merge_commit: row.get(7)?,
            comments: Vec::new(),
            created_at: row.get(8)?,
            updated_at: row.get(9)?,
        },
        row.get(6)?,
    ))
}

/// Decodes the state and attaches the comments.
fn complete(
    tx: &Transaction<'_>,
    (mut pr, state): (LocalPullRequest, String),
) -> Result<LocalPullRequest> {
    let number = pr.number;
    pr.state = codec::from_name(&state, &|| {
        format!("table local_pull_requests, row {number}, column state")
    })?;
    pr.comments = tx
        .prepare_cached(
            "SELECT body FROM local_pull_request_comments WHERE number = ?1 ORDER BY seq",
        )?
        .query_map([number], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(pr)
}

/// Opens a pull request, or returns the open one of the same repository and head branch.
pub(super) fn create(tx: &Transaction<'_>, new: &NewPullRequest<'_>) -> Result<LocalPullRequest> {
    if let Some(existing) = find_open(tx, new.repository, new.head_branch)? {
        return Ok(existing);
    }
    let now = codec::now();
    tx.execute(
        "INSERT INTO local_pull_requests (repository, repository_identity, base_branch, head_branch, title, description,
             state, merge_commit, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?8)",
        params![
            new.repository,
            codec::identity(new.repository),
            new.base_branch,
            new.head_branch,
            new.title,
            new.description,
            codec::name_of(&PullRequestState::Open)?,
            now,
        ],
    )?;
    let number = tx.last_insert_rowid();
    load(tx, number)?.ok_or_else(|| {
        Fault::Data(format!(
            "local pull request {number} vanished while it was created"
        ))
    })
}

/// One pull request.
pub(super) fn load(tx: &Transaction<'_>, number: i64) -> Result<Option<LocalPullRequest>> {
    let row = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM local_pull_requests WHERE number = ?1"
        ))?
        .query_row([number], raw)
        .optional()?;
    row.map(|row| complete(tx, row)).transpose()
}

/// The open pull request of `repository` (by identity) from `head_branch`.
pub(super) fn find_open(
    tx: &Transaction<'_>,
    repository: &str,
    head_branch: &str,
) -> Result<Option<LocalPullRequest>> {
    let row = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM local_pull_requests
             WHERE repository_identity = ?1 AND head_branch = ?2 AND state = ?3
             ORDER BY number DESC LIMIT 1"
        ))?
        .query_row(
            params![
                codec::identity(repository),
                head_branch,
                codec::name_of(&PullRequestState::Open)?
            ],
            raw,
        )
        .optional()?;
    row.map(|row| complete(tx, row)).transpose()
}

/// How many pull requests a page without a limit holds.
const DEFAULT_LIMIT: u32 = 100;

/// The pull requests `query` asks for, newest (highest number) first.
pub(super) fn page(
    tx: &Transaction<'_>,
    query: &PullRequestQuery,
) -> Result<Vec<LocalPullRequest>> {
    let rows: Vec<(LocalPullRequest, String)> = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM local_pull_requests
             WHERE (?2 IS NULL OR number < ?2)
             ORDER BY number DESC LIMIT ?1"
        ))?
        .query_map(
            params![query.limit.unwrap_or(DEFAULT_LIMIT), query.before],
            raw,
        )?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(|row| complete(tx, row)).collect()
}

/// Replaces title, description, state and merge commit; stamps `updated_at`.
pub(super) fn save(tx: &Transaction<'_>, pr: &LocalPullRequest) -> Result<()> {
    let changed = tx
        .execute(
            "UPDATE local_pull_requests SET title = ?2, description = ?3, state = ?4, merge_commit = ?5, updated_at = ?6
             WHERE number = ?1",
            params![
                pr.number,
                pr.title,
                pr.description,
                codec::name_of(&pr.state)?,
                pr.merge_commit,
                codec::now()
            ],
        )
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => Fault::Answer(StoreError::Conflict(format!(
                "local pull request {} cannot reopen: another pull request from {} is open in {}",
                pr.number, pr.head_branch, pr.repository
            ))),
            _ => Fault::Sql(error),
        })?;
    if changed == 0 {
        return Err(not_found(pr.number));
    }
    Ok(())
}

/// [`save`] only while the stored state is `expected`; false when it is not.
pub(super) fn save_if(
    tx: &Transaction<'_>,
    pr: &LocalPullRequest,
    expected: PullRequestState,
) -> Result<bool> {
    if state_of(tx, pr.number)? != expected {
        return Ok(false);
    }
    save(tx, pr)?;
    Ok(true)
}

/// Appends a comment (any state: closing and merge notes come after the fact).
pub(super) fn comment(tx: &Transaction<'_>, number: i64, body: &str) -> Result<()> {
    state_of(tx, number)?;
    tx.execute(
        "INSERT INTO local_pull_request_comments (number, body, created_at) VALUES (?1, ?2, ?3)",
        params![number, body, codec::now()],
    )?;
    touch(tx, number)
}

/// Records a check on `head_commit`; the latest report per check name wins.
pub(super) fn report_check(
    tx: &Transaction<'_>,
    number: i64,
    head_commit: &str,
    check: &Check,
) -> Result<()> {
    require_open(tx, number, "a check")?;
    tx.execute(
        "INSERT INTO checks (number, head_commit, name, state, reported_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (number, head_commit, name) DO UPDATE SET state = excluded.state, reported_at = excluded.reported_at",
        params![number, head_commit, check.name, codec::name_of(&check.state)?, codec::now()],
    )?;
    Ok(())
}

/// Checks on `head_commit`, by name.
pub(super) fn checks(tx: &Transaction<'_>, number: i64, head_commit: &str) -> Result<Vec<Check>> {
    let rows: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT name, state FROM checks WHERE number = ?1 AND head_commit = ?2 ORDER BY name",
        )?
        .query_map(params![number, head_commit], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(name, state)| {
            let place = || format!("table checks, pull request {number} commit {head_commit} check {name}, column state");
            Ok(Check { state: codec::from_name(&state, &place)?, name })
        })
        .collect()
}

/// Records a review; the latest per reviewer wins.
pub(super) fn report_review(tx: &Transaction<'_>, number: i64, review: &Review) -> Result<()> {
    require_open(tx, number, "a review")?;
    tx.execute(
        "INSERT INTO reviews (number, reviewer, state, reported_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (number, reviewer) DO UPDATE SET state = excluded.state, reported_at = excluded.reported_at",
        params![number, review.reviewer, codec::name_of(&review.state)?, codec::now()],
    )?;
    Ok(())
}

/// Current reviews, by reviewer.
pub(super) fn reviews(tx: &Transaction<'_>, number: i64) -> Result<Vec<Review>> {
    let rows: Vec<(String, String)> = tx
        .prepare_cached("SELECT reviewer, state FROM reviews WHERE number = ?1 ORDER BY reviewer")?
        .query_map([number], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(reviewer, state)| {
            let place = || {
                format!("table reviews, pull request {number} reviewer {reviewer}, column state")
            };
            Ok(Review {
                state: codec::from_name(&state, &place)?,
                reviewer,
            })
        })
        .collect()
}

fn not_found(number: i64) -> Fault {
    Fault::Answer(StoreError::NotFound {
        what: format!("local pull request {number}"),
    })
}

fn state_of(tx: &Transaction<'_>, number: i64) -> Result<PullRequestState> {
    let state: Option<String> = tx
        .prepare_cached("SELECT state FROM local_pull_requests WHERE number = ?1")?
        .query_row([number], |row| row.get(0))
        .optional()?;
    let state = state.ok_or_else(|| not_found(number))?;
    codec::from_name(&state, &|| {
        format!("table local_pull_requests, row {number}, column state")
    })
}

/// Checks and reviews only count while a pull request is open.
fn require_open(tx: &Transaction<'_>, number: i64, what: &str) -> Result<()> {
    match state_of(tx, number)? {
        PullRequestState::Open => Ok(()),
        state => Err(Fault::Answer(StoreError::Conflict(format!(
            "cannot record {what} on local pull request {number}: it is {}",
            codec::name_of(&state)?.to_lowercase()
        )))),
    }
}

fn touch(tx: &Transaction<'_>, number: i64) -> Result<()> {
    tx.execute(
        "UPDATE local_pull_requests SET updated_at = ?2 WHERE number = ?1",
        params![number, codec::now()],
    )?;
    Ok(())
}

impl LocalForgeStore for SqliteStore {
    fn create_local_pull_request(
        &self,
        repository: &str,
        base_branch: &str,
        head_branch: &str,
        title: &str,
        description: &str,
    ) -> std::result::Result<LocalPullRequest, StoreError> {
        self.write(|tx| {
            let new = NewPullRequest {
                repository,
                base_branch,
                head_branch,
                title,
                description,
            };
            create(tx, &new)
        })
    }

    fn local_pull_request(
        &self,
        number: i64,
    ) -> std::result::Result<Option<LocalPullRequest>, StoreError> {
        self.read(|tx| load(tx, number))
    }

    fn find_local_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> std::result::Result<Option<LocalPullRequest>, StoreError> {
        self.read(|tx| find_open(tx, repository, head_branch))
    }

    fn local_pull_request_page(
        &self,
        query: &PullRequestQuery,
    ) -> std::result::Result<Vec<LocalPullRequest>, StoreError> {
        self.read(|tx| page(tx, query))
    }

    fn save_local_pull_request(
        &self,
        pr: &LocalPullRequest,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| save(tx, pr))
    }

    fn save_local_pull_request_if(
        &self,
        pr: &LocalPullRequest,
        expected: PullRequestState,
    ) -> std::result::Result<bool, StoreError> {
        self.write(|tx| save_if(tx, pr, expected))
    }

    fn comment_local_pull_request(
        &self,
        number: i64,
        body: &str,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| comment(tx, number, body))
    }

    fn report_check(
        &self,
        number: i64,
        head_commit: &str,
        check: &Check,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| report_check(tx, number, head_commit, check))
    }

    fn checks(
        &self,
        number: i64,
        head_commit: &str,
    ) -> std::result::Result<Vec<Check>, StoreError> {
        self.read(|tx| checks(tx, number, head_commit))
    }

    fn report_review(&self, number: i64, review: &Review) -> std::result::Result<(), StoreError> {
        self.write(|tx| report_review(tx, number, review))
    }

    fn reviews(&self, number: i64) -> std::result::Result<Vec<Review>, StoreError> {
        self.read(|tx| reviews(tx, number))
    }
}

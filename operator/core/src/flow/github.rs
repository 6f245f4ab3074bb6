//! What GitHub's answers mean for sluice: which repository a URL names, and how check
//! runs, commit statuses and reviews read as [`Check`]s and [`Review`]s. The GitHub forge
//! only fetches; these functions decide.

use std::collections::BTreeMap;

use super::types::{Check, CheckState, Review, ReviewState};
use crate::validate::{self, Invalid};

/// The name of the check run sluice publishes its own merge-policy results as; it never
/// counts as one of the checks the policies look at.
pub const SLUICE_CHECK_RUN: &str = "sluice / merge policies";

/// A repository on a GitHub host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubRepository {
    /// The owner (user or organization).
    pub owner: String,
    /// The repository name, without `.git`.
    pub name: String,
}

fn valid_segment(segment: &str, owner: bool) -> bool {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || c == '-' || (!owner && (c == '_' || c == '.'));
    !segment.is_empty()
        && segment.len() <= 100
        && segment != "."
        && segment != ".."
        && segment.chars().all(allowed)
}

/// The owner and name of a GitHub repository URL (`https://HOST/OWNER/REPO(.git)`,
/// `ssh://git@HOST/OWNER/REPO.git` or `git@HOST:OWNER/REPO.git`), after the core's
/// repository validator has accepted it.
pub fn repository(url: &str) -> Result<GitHubRepository, Invalid> {
    let parsed = validate::repository(url)?;
    let refuse = |reason: &str| Invalid::new("repository", url, reason);
    let text = parsed.as_str();
    let path = if let Some((_, rest)) = text.split_once("://") {
        rest.split_once('/').map(|(_, path)| path)
    } else {
        text.split_once(':').map(|(_, path)| path)
    };
    let Some(path) = path else {
        return Err(refuse("names no OWNER/REPO path"));
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut segments = path.split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some(owner), Some(name), None)
            if valid_segment(owner, true) && valid_segment(name, false) =>
        {
            Ok(GitHubRepository {
                owner: owner.to_string(),
                name: name.to_string(),
            })
        }
        _ => Err(refuse(
            "is not a GitHub repository: expected https://HOST/OWNER/REPO",
        )),
    }
}

/// A check run's state: `success`, `neutral` and `skipped` pass; `failure`, `timed_out`,
/// `cancelled`, `action_required` and `stale` fail; `queued`, `in_progress`, `waiting`
/// and `requested` are pending.
pub fn check_run_state(status: &str, conclusion: Option<&str>) -> CheckState {
    if status != "completed" {
        return CheckState::Pending;
    }
    match conclusion {
        Some("success" | "neutral" | "skipped") => CheckState::Success,
        Some(_) => CheckState::Failure,
        None => CheckState::Pending,
    }
}

/// A commit status's state: `success` passes, `failure` and `error` fail, `pending`
/// (and anything unknown) is pending.
pub fn commit_status_state(state: &str) -> CheckState {
    match state {
        "success" => CheckState::Success,
        "failure" | "error" => CheckState::Failure,
        _ => CheckState::Pending,
    }
}

/// The checks of a commit: its check runs (`name`, `status`, `conclusion`) and commit
/// statuses (`context`, `state`), sluice's own check run (or commit status) left out. A check run and a
/// status of the same name both count (a CI reporting both ways reports twice).
pub fn checks(
    check_runs: &[(String, String, Option<String>)],
    statuses: &[(String, String)],
) -> Vec<Check> {
    let runs = check_runs
        .iter()
        .filter(|(name, _, _)| name != SLUICE_CHECK_RUN)
        .map(|(name, status, conclusion)| Check {
            name: name.clone(),
            state: check_run_state(status, conclusion.as_deref()),
        });
    let statuses = statuses
        .iter()
        .filter(|(context, _)| context != SLUICE_CHECK_RUN)
        .map(|(context, state)| Check {
            name: context.clone(),
            state: commit_status_state(state),
        });
    runs.chain(statuses).collect()
}

/// The reviews that count, from a pull request's reviews in submission order (`login`,
/// `state`): the latest verdict per reviewer (`APPROVED` or `CHANGES_REQUESTED`; a later
/// comment does not withdraw a verdict, a `DISMISSED` review does); a reviewer who only
/// commented counts as commenting. Sorted by reviewer.
pub fn latest_reviews(reviews: &[(String, String)]) -> Vec<Review> {
    let mut latest: BTreeMap<&str, Option<ReviewState>> = BTreeMap::new();
    for (login, state) in reviews {
        let entry = latest.entry(login.as_str()).or_insert(None);
        match state.as_str() {
            "APPROVED" => *entry = Some(ReviewState::Approved),
            "CHANGES_REQUESTED" => *entry = Some(ReviewState::ChangesRequested),
            "DISMISSED" => *entry = Some(ReviewState::Commented),
            _ => {
                if entry.is_none() {
                    *entry = Some(ReviewState::Commented);
                }
            }
        }
    }
    latest
        .into_iter()
        .filter_map(|(reviewer, state)| {
            state.map(|state| Review {
                reviewer: reviewer.to_string(),
                state,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

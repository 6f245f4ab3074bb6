//! The one place a tracked pull request record is made: when sluice opens a pull request,
//! and when it adopts one it has no record of.

use sluice_core::flow::UpdateKey;
use sluice_core::model::PullRequestState;

use super::now_rfc3339;
use crate::forge::ForgePullRequest;
use crate::store::TrackedPullRequest;

/// The record of `pr`, just opened (or found open) for `key` from `head_branch` into
/// `target_branch` of `repository`, before anything is known of its commits and builds.
pub(super) fn opened(
    key: &UpdateKey,
    repository: &str,
    target_branch: &str,
    pr: &ForgePullRequest,
    head_branch: &str,
) -> TrackedPullRequest {
    let now = now_rfc3339();
    TrackedPullRequest {
        key: key.id(),
        id: pr.id.clone(),
        url: pr.url.clone(),
        repository: repository.to_string(),
        target_branch: target_branch.to_string(),
        head_branch: head_branch.to_string(),
        state: PullRequestState::Open,
        head_commit: String::new(),
        base_commit: String::new(),
        carried: Default::default(),
        failure_commented: false,
        manual_commits_noticed: false,
        settled: false,
        policies: Vec::new(),
        created_at: now.clone(),
        updated_at: now,
    }
}

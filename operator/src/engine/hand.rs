//! What people do to pull requests of the git-native forge through sluice: report checks
//! and reviews, close, merge.

use sluice_core::flow::pacing::Trigger;
use sluice_core::flow::{Check, Review};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::triggers::TriggerError;
use crate::forge::Forge;
use crate::store::{LocalForgeStore, TrackedPullRequest};

impl Engine {
    /// Records a check result on a local pull request's current head (where its head
    /// branch is, with any commits a person added) and re-evaluates it. With `commit`, the
    /// result is refused unless it is that head or the last one sluice pushed, so a result
    /// for an older head can never pass a newer one; each result counts only for the
    /// commit it names.
    pub async fn report_check(
        &self,
        pull_request: i64,
        check: &Check,
        commit: Option<&str>,
    ) -> Result<(), TriggerError> {
        sluice_core::validate::label("check name", &check.name)
            .map_err(|e| TriggerError::Invalid(e.to_string()))?;
        let tracked = self.tracked_local(pull_request)?;
        let head = self.current_head(&tracked).await?;
        let checked = match commit {
            None => head.as_str(),
            Some(commit) if commit == head || commit == tracked.head_commit => commit,
            Some(commit) => {
                return Err(TriggerError::Conflict(format!(
                    "pull request #{pull_request} is at {head}, not {commit}; report the check for the current head"
                )));
            }
        };
        self.local_store()
            .report_check(pull_request, checked, check)?;
        self.enqueue_for(&tracked.key, Trigger::Report);
        Ok(())
    }

    /// Where a pull request's head branch is now (read afresh), or the head sluice
    /// recorded while the branch is missing.
    pub(super) async fn current_head(
        &self,
        tracked: &TrackedPullRequest,
    ) -> Result<String, TriggerError> {
        let repo = self
            .observer
            .repo(&tracked.repository)
            .map_err(|e| TriggerError::Invalid(e.to_string()))?;
        let tip = repo
            .head(&tracked.head_branch)
            .await
            .map_err(|e| TriggerError::Unavailable(e.to_string()))?;
        Ok(tip.map_or(tracked.head_commit.clone(), |tip| tip.to_string()))
    }

    /// Records a review on a local pull request and re-evaluates it.
    pub fn report_review(&self, pull_request: i64, review: &Review) -> Result<(), TriggerError> {
        sluice_core::validate::label("reviewer", &review.reviewer)
            .map_err(|e| TriggerError::Invalid(e.to_string()))?;
        let tracked = self.tracked_local(pull_request)?;
        self.local_store().report_review(pull_request, review)?;
        self.enqueue_for(&tracked.key, Trigger::Report);
        Ok(())
    }

    /// Closes a local pull request as a person would (not reopened until a newer build);
    /// the forge deletes its head branch.
    pub async fn close_local_pull_request(&self, pull_request: i64) -> Result<(), TriggerError> {
        self.leading()?;
        let tracked = self.tracked_local(pull_request)?;
        let result = self
            .forges
            .native()
            .close_pull_request(&tracked.repository, &tracked.id)
            .await;
        self.enqueue(&tracked.key);
        // Only an open one closes; a merge that landed meanwhile stays merged.
        Ok(result?)
    }

    /// Merges a local pull request as a person would, whatever its merge policies say.
    pub async fn merge_local_pull_request(&self, pull_request: i64) -> Result<(), TriggerError> {
        self.leading()?;
        let tracked = self.tracked_local(pull_request)?;
        // A person merges the branch as it is, with any commits they added to it.
        let tip = self.current_head(&tracked).await?;
        let result = self
            .forges
            .native()
            .merge_pull_request(&tracked.repository, &tracked.id, &tip)
            .await;
        self.enqueue(&tracked.key);
        match result {
            Ok(()) => Ok(()),
            Err(err @ crate::forge::ForgeError::Conflict { .. }) => Err(TriggerError::Conflict(
                format!("{err}; sluice is rebuilding the update, try again shortly"),
            )),
            Err(err) => Err(err.into()),
        }
    }

    /// Refuses a merge or close asked of a replica standing by: only the leader writes.
    pub(super) fn leading(&self) -> Result<(), TriggerError> {
        if self.may_act.get() {
            Ok(())
        } else {
            Err(TriggerError::Unavailable(
                "this replica is standing by (another holds the lease); ask the leader".into(),
            ))
        }
    }

    /// The git-native forge's tables.
    pub(super) fn local_store(&self) -> &std::sync::Arc<dyn LocalForgeStore> {
        self.forges.native().store()
    }

    /// The open pull request `number`; one that is merged or closed is a conflict, one
    /// that does not exist is not found.
    fn tracked_local(&self, number: i64) -> Result<TrackedPullRequest, TriggerError> {
        let id = number.to_string();
        let open = self
            .store
            .active_pull_requests()?
            .into_iter()
            .find(|t| t.id == id && t.state == PullRequestState::Open);
        if let Some(tracked) = open {
            return Ok(tracked);
        }
        match self.local_store().local_pull_request(number)? {
            Some(pr) if pr.state != PullRequestState::Open => Err(TriggerError::Conflict(format!(
                "pull request #{number} is already {}",
                format!("{:?}", pr.state).to_lowercase()
            ))),
            _ => Err(TriggerError::NotFound(format!(
                "no open pull request #{number}"
            ))),
        }
    }
}

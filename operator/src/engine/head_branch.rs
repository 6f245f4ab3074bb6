//! Observing how the head branch of an open pull request relates to what sluice wrote:
//! facts for `sluice_core::flow::head_branch::classify`, which decides what they mean.

use sluice_core::flow::{PullRequestObservation, TargetObservation, TipAncestry};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::observe::ObserveError;
use crate::git::ObjectId;

impl Engine {
    /// Fills `pr.tip_ancestry` when its head branch is not at the recorded head: fetches
    /// the branch and relates its tip to the recorded head and the target head.
    pub(super) async fn observe_tip_ancestry(
        &self,
        pr: &mut PullRequestObservation,
        head_branch: &str,
        repository: &str,
        target: &TargetObservation,
    ) -> Result<(), ObserveError> {
        let Some(tip) = pr.head_branch_tip.as_deref() else {
            return Ok(());
        };
        if pr.state != PullRequestState::Open || tip == pr.head_commit {
            return Ok(());
        }
        let parse = |text: &str| ObjectId::from_hex(text.as_bytes()).ok();
        let Some(tip) = parse(tip) else {
            return Err(ObserveError::InvalidRepository {
                repository: repository.to_string(),
                message: format!("branch {head_branch} is at {tip:?}, not a commit id"),
            });
        };
        let repo = self.observer.repo(repository)?;
        let fetched = repo.fetch(head_branch).await?;
        if fetched != tip {
            return Err(ObserveError::Moved {
                repository: repository.to_string(),
                branch: head_branch.to_string(),
                message: format!("moved from {tip} to {fetched} while observed"),
            });
        }
        let mut seen = TipAncestry::default();
        if let Some(recorded) = parse(&pr.head_commit) {
            seen.contains_recorded_head = repo.is_ancestor(recorded, tip).await?;
        }
        if let Some(head) = target.head.as_deref().and_then(parse) {
            seen.within_target = repo.is_ancestor(tip, head).await?;
            seen.contains_target = repo.is_ancestor(head, tip).await?;
        }
        seen.committed_by_sluice = repo.committer(tip).await? == self.author;
        pr.tip_ancestry = seen;
        Ok(())
    }

    /// Deletes the head branch of a pull request just merged at `head_commit` when its
    /// forge leaves it behind ([`crate::forge::Forge::leaves_merged_head`]): through git,
    /// as sluice pushed it, and only while it is still at the merged head, so a commit a
    /// person pushed since is kept. Failures are logged, not fatal: the merge happened,
    /// and a branch left behind is reused by the next update.
    pub(super) async fn delete_merged_head(
        &self,
        forge: &dyn crate::forge::Forge,
        repository: &str,
        head_branch: &str,
        head_commit: &str,
    ) {
        if !forge.leaves_merged_head(repository).await {
            return;
        }
        let Ok(merged) = ObjectId::from_hex(head_commit.as_bytes()) else {
            return;
        };
        let deleted = match self.observer.repo(repository) {
            Ok(repo) => repo
                .delete_branch(head_branch, merged)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match deleted {
            Ok(()) => self.observer.note_moved(repository, &[head_branch]),
            Err(error) => {
                tracing::warn!(repository, branch = head_branch, %error, "could not delete the merged head branch")
            }
        }
    }
}

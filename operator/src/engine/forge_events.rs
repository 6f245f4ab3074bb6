//! Events a hosted forge delivers (a GitHub webhook, an Azure DevOps service hook): the
//! keys they concern are re-evaluated at once, and only those.

use sluice_core::flow::github_events::{EventSubject, Tracked, concerned};
use sluice_core::flow::pacing::Trigger;
use sluice_core::model::PullRequestState;

use super::Engine;
use crate::store::StoreError;

impl Engine {
    /// Queues the keys with an open pull request that a forge's delivery about `subject`
    /// concerns; their ids.
    pub fn forge_event(&self, subject: &EventSubject) -> Result<Vec<String>, StoreError> {
        let active = self.store.active_pull_requests()?;
        let tracked: Vec<Tracked<'_>> = active
            .iter()
            .filter(|pr| pr.state == PullRequestState::Open)
            .map(|pr| Tracked {
                key: &pr.key,
                repository: &pr.repository,
                target_branch: &pr.target_branch,
                head_branch: &pr.head_branch,
                head_commit: &pr.head_commit,
            })
            .collect();
        let keys: Vec<String> = concerned(&tracked, subject)
            .into_iter()
            .map(str::to_string)
            .collect();
        for key in &keys {
            self.enqueue_for(key, Trigger::Report);
        }
        Ok(keys)
    }

    /// Tells the forge serving `repository` (a URL) that the repository itself changed
    /// (GitHub's `repository` delivery: made private or public, renamed, its settings
    /// edited), so what it kept of it is read again.
    pub fn repository_changed(&self, repository: &str) {
        self.forges
            .forge_for(repository)
            .repository_changed(repository);
    }
}

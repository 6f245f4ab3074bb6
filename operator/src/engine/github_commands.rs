//! Commands people give in a GitHub pull request comment (`/sluice refresh`, `/sluice
//! merge`), carried out for a commenter with write access to the repository (the core's
//! [`sluice_core::flow::github_commands`] decides who may).

use sluice_core::flow::github;
use sluice_core::flow::github_commands::{Command, CommentCommand, may_command};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::triggers::TriggerError;
use crate::store::TrackedPullRequest;

impl Engine {
    /// Carries out `asked` on the open update pull request it names; what was done, in a
    /// sentence. Refused (`Invalid`) for a commenter without write access, `NotFound` for a
    /// pull request that is not an open update of sluice's.
    pub async fn pull_request_command(
        &self,
        asked: &CommentCommand,
    ) -> Result<String, TriggerError> {
        let tracked = self.tracked_by_number(&asked.full_name, asked.number)?;
        let forge = self.forges.forge_for(&tracked.repository);
        let permission = forge
            .permission(&tracked.repository, &asked.login)
            .await?
            .unwrap_or_default();
        if !may_command(&permission) {
            return Err(TriggerError::Invalid(format!(
                "{} has {} access to {}; commands need write access",
                asked.login,
                if permission.is_empty() {
                    "no known"
                } else {
                    &permission
                },
                asked.full_name
            )));
        }
        self.leading()?;
        match asked.command {
            Command::Merge => {
                // A person merges the branch as it is, with any commits they added.
                let tip = self.current_head(&tracked).await?;
                let merged = forge
                    .merge_pull_request(&tracked.repository, &tracked.id, &tip)
                    .await;
                if merged.is_ok() {
                    let (repository, branch) = (&tracked.repository, &tracked.head_branch);
                    self.delete_merged_head(forge.as_ref(), repository, branch, &tip)
                        .await;
                }
                self.enqueue(&tracked.key);
                merged?;
                Ok(format!(
                    "merged pull request #{} as {} asked",
                    tracked.id, asked.login
                ))
            }
            Command::Refresh => {
                let mut refreshed = Vec::new();
                for subscription in tracked.carried.keys() {
                    self.trigger_subscription(subscription, None, true)?;
                    refreshed.push(subscription.clone());
                }
                self.enqueue(&tracked.key);
                Ok(format!(
                    "rebuilding pull request #{} on the current target ({})",
                    tracked.id,
                    refreshed.join(", ")
                ))
            }
        }
    }

    /// The open update pull request `number` of GitHub repository `full_name`.
    fn tracked_by_number(
        &self,
        full_name: &str,
        number: u64,
    ) -> Result<TrackedPullRequest, TriggerError> {
        let id = number.to_string();
        let found = self.store.active_pull_requests()?.into_iter().find(|pr| {
            pr.state == PullRequestState::Open
                && pr.id == id
                && github::repository(&pr.repository).is_ok_and(|repo| {
                    format!("{}/{}", repo.owner, repo.name).eq_ignore_ascii_case(full_name)
                })
        });
        found.ok_or_else(|| {
            TriggerError::NotFound(format!(
                "{full_name}#{number} is not an open update pull request of sluice's"
            ))
        })
    }
}

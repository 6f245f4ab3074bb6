//! Completing a pull request: squash, delete the source branch, `lastMergeSourceCommit`
//! set to the evaluated head; a refusal read by the core
//! ([`sluice_core::flow::azure_devops::states::completion_refusal`]) as blocked (the
//! branch policies), a conflict (a moved head) or what its status says; an unknown
//! outcome looked up before anything is sent again; a completion under way waited for.

use std::time::Duration;

use serde_json::{Value, json};
use sluice_core::flow::azure_devops::states::{self, Completion};

use super::{AzureDevOpsForge, Target, api, number, text};
use crate::forge::ForgeError;

/// Looks at a completion that is under way at most this many times, a second apart.
const COMPLETION_LOOKS: u32 = 5;

impl AzureDevOpsForge {
    /// Completes pull request `id` by squash at `head_commit` (see the module's doc).
    pub(super) async fn complete(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<(), ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        let current = self.get_pull(&target, repository, n).await?.body;
        if text(&current, "/status") != "active" {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!(
                    "pull request {n} is {}, not active",
                    text(&current, "/status")
                ),
            ));
        }
        let body = json!({
            "status": "completed",
            "lastMergeSourceCommit": { "commitId": head_commit },
            "completionOptions": {
                "mergeStrategy": "squash",
                "deleteSourceBranch": true,
                "transitionWorkItems": false,
                "mergeCommitMessage": format!("{} (!{n})", text(&current, "/title")),
            },
        });
        let what = format!("completion of pull request {n}");
        let unknown = match self.patch(&target, repository, n, &body, &what).await {
            Ok(answer) if answer.ok() => {
                return self.completed(&target, repository, n, answer.body).await;
            }
            Ok(answer) if answer.status.is_server_error() => {
                self.api.failure(&answer, repository, &what)
            }
            Ok(answer) => {
                let error = self.api.failure(&answer, repository, &what);
                let key = text(&answer.body, "/typeKey");
                let message = text(&answer.body, "/message");
                return Err(
                    match states::completion_refusal(answer.status.as_u16(), key, message) {
                        Completion::Blocked => {
                            blocked(repository, n, &api::service_message(&answer.body))
                        }
                        Completion::Conflict => {
                            ForgeError::conflict(repository, id, error.message())
                        }
                        Completion::Other => error,
                    },
                );
            }
            Err(error) => error,
        };
        // The outcome is unknown: look whether it completed before anyone tries again.
        match self.get_pull(&target, repository, n).await {
            Ok(answer) if text(&answer.body, "/status") == "completed" => Ok(()),
            _ => Err(unknown),
        }
    }

    /// Waits for a completion the service accepted to finish: `Ok` once completed.
    async fn completed(
        &self,
        target: &Target,
        repository: &str,
        id: u64,
        mut pr: Value,
    ) -> Result<(), ForgeError> {
        for look in 0..=COMPLETION_LOOKS {
            match text(&pr, "/status") {
                "completed" => return Ok(()),
                "abandoned" => {
                    return Err(ForgeError::conflict(
                        repository,
                        &id.to_string(),
                        format!("pull request {id} was abandoned meanwhile"),
                    ));
                }
                _ => {}
            }
            let merge_status = text(&pr, "/mergeStatus");
            let refused = match states::merge_status(merge_status) {
                Completion::Blocked => Some(blocked(
                    repository,
                    id,
                    "its branch policies rejected the completion",
                )),
                Completion::Conflict => Some(ForgeError::conflict(
                    repository,
                    &id.to_string(),
                    format!("pull request {id} cannot be completed: merge status {merge_status}"),
                )),
                Completion::Other => None,
            };
            if let Some(refused) = refused {
                return Err(refused);
            }
            if look == COMPLETION_LOOKS {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            pr = self.get_pull(target, repository, id).await?.body;
        }
        Err(ForgeError::unavailable(
            repository,
            format!("pull request {id}: the completion is still under way"),
        ))
    }
}

/// The refusal of a pull request its branch policies block.
fn blocked(repository: &str, id: u64, detail: &str) -> ForgeError {
    ForgeError::rejected(
        repository,
        format!(
            "pull request {id} is blocked by its branch policies ({detail}); it is completed once they pass"
        ),
    )
}

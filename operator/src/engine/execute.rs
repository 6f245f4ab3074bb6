//! Executing planned actions against git, the forge and the store. Nothing here decides:
//! each action is carried out as the planner stated it, and every step is idempotent so a
//! crash between two steps is repaired by the next cycle.

use std::collections::BTreeMap;

use sluice_core::flow::{Action, BuildId, UpdateKey};
use sluice_core::model::PullRequestState;

use super::cycle::action_name;
use super::error::ExecuteError;
use super::{Engine, now_rfc3339};
use crate::forge::NewPullRequest;
use crate::git::{Expected, FileEdit, GitError, ObjectId};
use crate::store::{EventKind, FlowEvent, StoreError, TrackedPullRequest};

fn oid(action: &'static str, text: &str) -> Result<ObjectId, ExecuteError> {
    ObjectId::from_hex(text.as_bytes()).map_err(|_| ExecuteError::Plan {
        action,
        message: format!("{text:?} is not a commit id"),
    })
}

/// A commit this cycle pushed to the key's update branch.
#[derive(Debug, Clone)]
struct Pushed {
    /// The new head of the update branch.
    commit: ObjectId,
    /// The target branch head it was built on.
    parent: String,
}

/// The state one key's execution carries from action to action.
pub struct KeyExecution<'a> {
    /// The key.
    pub key: &'a UpdateKey,
    /// Target repository URL.
    pub repository: &'a str,
    /// Target branch.
    pub branch: &'a str,
    /// The tracked pull request as it stands.
    pub tracked: Option<TrackedPullRequest>,
    /// How its pull request merges.
    pub merge_method: sluice_core::model::MergeMethod,
    /// The last push in this cycle.
    pushed: Option<Pushed>,
}

impl<'a> KeyExecution<'a> {
    /// Starts executing for a key.
    pub fn new(
        key: &'a UpdateKey,
        repository: &'a str,
        branch: &'a str,
        tracked: Option<TrackedPullRequest>,
    ) -> Self {
        KeyExecution {
            key,
            repository,
            branch,
            tracked,
            merge_method: Default::default(),
            pushed: None,
        }
    }
}

impl Engine {
    /// Carries out one action.
    pub(super) async fn execute(
        &self,
        run: &mut KeyExecution<'_>,
        action: &Action,
    ) -> Result<(), ExecuteError> {
        let name = action_name(action);
        // Fencing: leadership is checked right before every action, so a replica that
        // lost its lease mid-cycle pushes, opens and merges nothing more.
        if !self.may_act.get() {
            return Err(ExecuteError::NotLeader { action: name });
        }
        let forge_err = |source| ExecuteError::Forge {
            action: name,
            source,
        };
        let store_err = |source| ExecuteError::Store {
            action: name,
            source,
        };
        let git_err = |source: GitError| ExecuteError::Git {
            action: name,
            source,
        };
        let forge = self.forges.forge_for(run.repository);
        match action {
            Action::PushUpdate {
                branch,
                parent,
                files,
                message,
                expected,
            } => {
                let repo =
                    self.observer
                        .repo(run.repository)
                        .map_err(|source| ExecuteError::Observe {
                            action: name,
                            source,
                        })?;
                let edits = files
                    .iter()
                    .map(|(path, content)| FileEdit::Write {
                        path: path.clone(),
                        content: content.clone(),
                    })
                    .collect();
                let commit = repo
                    .commit(oid(name, parent)?, edits, message, &self.author)
                    .await
                    .map_err(|e| git_err(e.into()))?;
                // Compare-and-swap where the planner saw the branch: one that moved
                // since is a conflict, and the cycle plans again.
                let expected = match expected {
                    Some(head) => Expected::At(oid(name, head)?),
                    None => Expected::Absent,
                };
                repo.push(commit, branch, expected)
                    .await
                    .map_err(|e| git_err(e.into()))?;
                self.observer
                    .note_push(run.repository, branch, Some(commit));
                run.pushed = Some(Pushed {
                    commit,
                    parent: parent.clone(),
                });
            }
            Action::OpenPullRequest {
                head_branch,
                title,
                description,
                carried,
            } => {
                let pushed = run.pushed.clone().ok_or_else(|| ExecuteError::Plan {
                    action: name,
                    message: "pull request planned without a push".into(),
                })?;
                let existing = forge
                    .find_pull_request(run.repository, head_branch)
                    .await
                    .map_err(forge_err)?;
                let pr = match existing {
                    Some(pr) if pr.state == PullRequestState::Open => {
                        forge
                            .update_pull_request(run.repository, &pr.id, title, description)
                            .await
                            .map_err(forge_err)?;
                        pr
                    }
                    _ => {
                        let new = NewPullRequest {
                            repository: run.repository.to_string(),
                            base_branch: run.branch.to_string(),
                            head_branch: head_branch.clone(),
                            title: title.clone(),
                            description: description.clone(),
                        };
                        forge.create_pull_request(&new).await.map_err(forge_err)?
                    }
                };
                let mut tracked =
                    super::tracked::opened(run.key, run.repository, run.branch, &pr, head_branch);
                tracked.head_commit = pushed.commit.to_string();
                tracked.base_commit = pushed.parent;
                tracked.carried = carried.clone();
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                self.events_for(
                    carried,
                    EventKind::PullRequestCreated,
                    Some(&pr.url),
                    "pull request opened",
                )
                .map_err(store_err)?;
                self.metrics.pull_requests_opened.inc();
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %pr.id, url = %pr.url, "pull request opened");
                run.tracked = Some(tracked);
            }
            Action::UpdatePullRequest {
                id,
                title,
                description,
                carried,
            } => {
                forge
                    .update_pull_request(run.repository, id, title, description)
                    .await
                    .map_err(forge_err)?;
                let mut tracked = self.tracked(run, name, id)?;
                if let Some(pushed) = run.pushed.clone() {
                    tracked.head_commit = pushed.commit.to_string();
                    tracked.base_commit = pushed.parent;
                    tracked.failure_commented = false;
                    tracked.manual_commits_noticed = false;
                }
                tracked.carried = carried.clone();
                tracked.updated_at = now_rfc3339();
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                self.events_for(
                    carried,
                    EventKind::PullRequestUpdated,
                    Some(&tracked.url),
                    "pull request updated",
                )
                .map_err(store_err)?;
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %tracked.id, url = %tracked.url, "pull request updated");
                run.tracked = Some(tracked);
            }
            Action::Merge { id, head_commit } => {
                let done = forge
                    .merge_pull_request_by(run.repository, id, head_commit, run.merge_method)
                    .await
                    .map_err(forge_err)?;
                if done == crate::forge::Merged::Later {
                    // The forge merges by itself once its own rules allow: the pull
                    // request is looked at again until it says merged.
                    tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %id, "auto-merge on: the forge merges when its rules allow");
                    return Ok(());
                }
                let head_branch = run.key.head_branch(run.branch);
                self.delete_merged_head(forge.as_ref(), run.repository, &head_branch, head_commit)
                    .await;
                // The target and the head branch moved: their readers list afresh.
                self.observer
                    .note_moved(run.repository, &[run.branch, &head_branch]);
                let mut tracked = self.tracked(run, name, id)?;
                tracked.state = PullRequestState::Merged;
                tracked.updated_at = now_rfc3339();
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                self.metrics.pull_requests_merged.inc();
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %tracked.id, url = %tracked.url, "pull request merged");
                run.tracked = Some(tracked);
            }
            Action::Close { id, reason } => {
                forge
                    .comment(run.repository, id, reason)
                    .await
                    .map_err(forge_err)?;
                forge
                    .close_pull_request(run.repository, id)
                    .await
                    .map_err(forge_err)?;
                // The forge may have deleted the head branch.
                let head_branch = run.key.head_branch(run.branch);
                self.observer.note_moved(run.repository, &[&head_branch]);
                let mut tracked = self.tracked(run, name, id)?;
                tracked.state = PullRequestState::Closed;
                // Closed by sluice, not by a person: nothing to reject.
                tracked.settled = true;
                tracked.updated_at = now_rfc3339();
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %tracked.id, url = %tracked.url, reason = %reason, "pull request closed");
                run.tracked = Some(tracked);
            }
            Action::Comment { id, body } => {
                forge
                    .comment(run.repository, id, body)
                    .await
                    .map_err(forge_err)?;
                let mut tracked = self.tracked(run, name, id)?;
                tracked.failure_commented = true;
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                run.tracked = Some(tracked);
            }
            Action::NoticeManualCommits { id, body } => {
                forge
                    .comment(run.repository, id, body)
                    .await
                    .map_err(forge_err)?;
                let mut tracked = self.tracked(run, name, id)?;
                tracked.manual_commits_noticed = true;
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                run.tracked = Some(tracked);
            }
            Action::RecordApplied {
                subscription,
                build,
            } => {
                let build = *build;
                self.store
                    .update_subscription(subscription, &mut |record| {
                        record.state.record_applied(build)
                    })
                    .map_err(store_err)?;
                let (kind, url, message) = match run
                    .tracked
                    .as_ref()
                    .filter(|t| t.carried.get(subscription) == Some(&build))
                {
                    // Only the merge being recorded now; a settled one was recorded
                    // already (a forced build the target has needs no second merge).
                    Some(t) if t.state == PullRequestState::Merged && !t.settled => {
                        (EventKind::PullRequestMerged, Some(t.url.clone()), "merged")
                    }
                    _ => (
                        EventKind::NothingToDo,
                        None,
                        "nothing to change in the target",
                    ),
                };
                self.event(
                    kind,
                    Some(subscription),
                    Some(build),
                    url.as_deref(),
                    message,
                )
                .map_err(store_err)?;
            }
            Action::RecordRejected {
                subscription,
                build,
            } => {
                let build = *build;
                self.store
                    .update_subscription(subscription, &mut |record| {
                        record.state.record_rejected(build)
                    })
                    .map_err(store_err)?;
                let url = run.tracked.as_ref().map(|t| t.url.clone());
                self.event(
                    EventKind::PullRequestClosed,
                    Some(subscription),
                    Some(build),
                    url.as_deref(),
                    "closed without merging; waiting for a newer build",
                )
                .map_err(store_err)?;
            }
            Action::Settle { id } => {
                let mut tracked = self.tracked(run, name, id)?;
                tracked.settled = true;
                self.store
                    .save_tracked_pull_request(&tracked)
                    .map_err(store_err)?;
                run.tracked = Some(tracked);
            }
        }
        Ok(())
    }

    fn tracked(
        &self,
        run: &KeyExecution<'_>,
        action: &'static str,
        id: &str,
    ) -> Result<TrackedPullRequest, ExecuteError> {
        run.tracked
            .clone()
            .filter(|t| t.id == id)
            .ok_or_else(|| ExecuteError::Plan {
                action,
                message: format!("pull request {id} is not tracked for {}", run.key.id()),
            })
    }

    fn events_for(
        &self,
        carried: &BTreeMap<String, BuildId>,
        kind: EventKind,
        url: Option<&str>,
        message: &str,
    ) -> Result<(), StoreError> {
        for (subscription, build) in carried {
            self.event(kind, Some(subscription), Some(*build), url, message)?;
        }
        Ok(())
    }

    /// Appends a flow event stamped now.
    pub(super) fn event(
        &self,
        kind: EventKind,
        subscription: Option<&str>,
        build: Option<BuildId>,
        url: Option<&str>,
        message: &str,
    ) -> Result<(), StoreError> {
        self.store.append_event(&FlowEvent {
            seq: 0,
            at: now_rfc3339(),
            kind,
            subscription: subscription.map(str::to_string),
            build,
            pull_request: url.map(str::to_string),
            message: message.to_string(),
        })
    }
}

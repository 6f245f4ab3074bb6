//! Executing planned actions against git, the forge and the store. Nothing here decides:
//! each action is carried out as the planner stated it, and every step is idempotent so a
//! crash between two steps is repaired by the next cycle.

use std::collections::BTreeMap;

use sluice_core::flow::{Action, BuildId, UpdateKey};
use sluice_core::model::PullRequestState;

use super::observe::ObserveError;
use super::{Engine, now_rfc3339};
use crate::forge::{ForgeError, NewPullRequest};
use crate::git::{Expected, FileEdit, ObjectId, PushError};
use crate::store::{EventKind, FlowEvent, StoreError, TrackedPullRequest};

/// Why executing an action stopped the cycle.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// Something moved under us (a branch, the target); observe again and re-plan.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Worth retrying later.
    #[error("{0}")]
    Retryable(String),
    /// Retrying will not help until the input changes.
    #[error("{0}")]
    Permanent(String),
}

impl From<StoreError> for ExecuteError {
    fn from(err: StoreError) -> Self {
        ExecuteError::Retryable(err.to_string())
    }
}

impl From<ForgeError> for ExecuteError {
    fn from(err: ForgeError) -> Self {
        match err {
            ForgeError::Conflict(m) => ExecuteError::Conflict(m),
            ForgeError::Retryable { message, .. } => ExecuteError::Retryable(message),
            ForgeError::NotFound(m) | ForgeError::Rejected(m) => ExecuteError::Permanent(m),
        }
    }
}

impl From<ObserveError> for ExecuteError {
    fn from(err: ObserveError) -> Self {
        match err {
            ObserveError::Invalid(m) => ExecuteError::Permanent(m),
            ObserveError::Retryable(m) => ExecuteError::Retryable(m),
        }
    }
}

fn oid(text: &str) -> Result<ObjectId, ExecuteError> {
    ObjectId::from_hex(text.as_bytes())
        .map_err(|_| ExecuteError::Permanent(format!("{text:?} is not a commit id")))
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
    /// Head and base of the last push in this cycle.
    pushed: Option<(String, String, String)>,
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
        match action {
            Action::PushUpdate {
                branch,
                parent,
                files,
                message,
                expected,
            } => {
                let repo = self.observer.repo(run.repository)?;
                let edits = files
                    .iter()
                    .map(|(path, content)| FileEdit::Write {
                        path: path.clone(),
                        content: content.clone(),
                    })
                    .collect();
                let commit = repo
                    .commit(oid(parent)?, edits, message, &self.author)
                    .await
                    .map_err(|e| ExecuteError::Retryable(e.to_string()))?;
                let expected = match expected {
                    Some(head) => Expected::At(oid(head)?),
                    None => Expected::Absent,
                };
                match repo.push(commit, branch, expected).await {
                    Ok(()) => {}
                    // The branch exists though no pull request uses it: a push that landed
                    // before a crash, with no pull request opened. Take it over.
                    Err(PushError::Conflict { .. })
                        if expected == Expected::Absent
                            && run.tracked.as_ref().is_none_or(|t| t.settled) =>
                    {
                        let Some(orphan) = repo
                            .head(branch)
                            .await
                            .map_err(|e| ExecuteError::Retryable(e.to_string()))?
                        else {
                            return Err(ExecuteError::Conflict(format!(
                                "{branch} changed during the push"
                            )));
                        };
                        repo.push(commit, branch, Expected::At(orphan))
                            .await
                            .map_err(push_error)?;
                    }
                    Err(err) => return Err(push_error(err)),
                }
                self.observer
                    .note_push(run.repository, branch, Some(commit));
                run.pushed = Some((branch.clone(), commit.to_string(), parent.clone()));
            }
            Action::OpenPullRequest {
                head_branch,
                title,
                description,
                carried,
            } => {
                let (_, head, base) = run.pushed.clone().ok_or_else(|| {
                    ExecuteError::Permanent("pull request planned without a push".into())
                })?;
                let existing = self
                    .forge
                    .find_pull_request(run.repository, head_branch)
                    .await?;
                let pr = match existing {
                    Some(pr) if pr.state == PullRequestState::Open => {
                        self.forge
                            .update_pull_request(run.repository, &pr.id, title, description)
                            .await?;
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
                        self.forge.create_pull_request(&new).await?
                    }
                };
                let now = now_rfc3339();
                let tracked = TrackedPullRequest {
                    key: run.key.id(),
                    id: pr.id.clone(),
                    url: pr.url.clone(),
                    repository: run.repository.to_string(),
                    target_branch: run.branch.to_string(),
                    head_branch: head_branch.clone(),
                    state: PullRequestState::Open,
                    head_commit: head,
                    base_commit: base,
                    carried: carried.clone(),
                    failure_commented: false,
                    manual_commits_noticed: false,
                    settled: false,
                    policies: Vec::new(),
                    created_at: now.clone(),
                    updated_at: now,
                };
                self.store.save_tracked_pull_request(&tracked)?;
                self.events_for(
                    carried,
                    EventKind::PullRequestCreated,
                    Some(&pr.url),
                    "pull request opened",
                )?;
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
                self.forge
                    .update_pull_request(run.repository, id, title, description)
                    .await?;
                let mut tracked = self.tracked(run, id)?;
                if let Some((_, head, base)) = run.pushed.clone() {
                    tracked.head_commit = head;
                    tracked.base_commit = base;
                    tracked.failure_commented = false;
                    tracked.manual_commits_noticed = false;
                }
                tracked.carried = carried.clone();
                tracked.updated_at = now_rfc3339();
                self.store.save_tracked_pull_request(&tracked)?;
                self.events_for(
                    carried,
                    EventKind::PullRequestUpdated,
                    Some(&tracked.url),
                    "pull request updated",
                )?;
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %tracked.id, url = %tracked.url, "pull request updated");
                run.tracked = Some(tracked);
            }
            Action::Merge { id, head_commit } => {
                self.forge
                    .merge_pull_request(run.repository, id, head_commit)
                    .await?;
                // The target and the head branch moved: their readers list afresh.
                let head_branch = run.key.head_branch(run.branch);
                self.observer
                    .note_moved(run.repository, &[run.branch, &head_branch]);
                let mut tracked = self.tracked(run, id)?;
                tracked.state = PullRequestState::Merged;
                tracked.updated_at = now_rfc3339();
                self.store.save_tracked_pull_request(&tracked)?;
                self.metrics.pull_requests_merged.inc();
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %tracked.id, url = %tracked.url, "pull request merged");
                run.tracked = Some(tracked);
            }
            Action::Close { id, reason } => {
                self.forge.comment(run.repository, id, reason).await?;
                self.forge.close_pull_request(run.repository, id).await?;
                // The forge may have deleted the head branch.
                let head_branch = run.key.head_branch(run.branch);
                self.observer.note_moved(run.repository, &[&head_branch]);
                let mut tracked = self.tracked(run, id)?;
                tracked.state = PullRequestState::Closed;
                // Closed by sluice, not by a person: nothing to reject.
                tracked.settled = true;
                tracked.updated_at = now_rfc3339();
                self.store.save_tracked_pull_request(&tracked)?;
                tracing::info!(key = %run.key.id(), repository = %run.repository, pull_request = %tracked.id, url = %tracked.url, reason = %reason, "pull request closed");
                run.tracked = Some(tracked);
            }
            Action::Comment { id, body } => {
                self.forge.comment(run.repository, id, body).await?;
                let mut tracked = self.tracked(run, id)?;
                tracked.failure_commented = true;
                self.store.save_tracked_pull_request(&tracked)?;
                run.tracked = Some(tracked);
            }
            Action::NoticeManualCommits { id, body } => {
                self.forge.comment(run.repository, id, body).await?;
                let mut tracked = self.tracked(run, id)?;
                tracked.manual_commits_noticed = true;
                self.store.save_tracked_pull_request(&tracked)?;
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
                    })?;
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
                )?;
            }
            Action::RecordRejected {
                subscription,
                build,
            } => {
                let build = *build;
                self.store
                    .update_subscription(subscription, &mut |record| {
                        record.state.record_rejected(build)
                    })?;
                let url = run.tracked.as_ref().map(|t| t.url.clone());
                self.event(
                    EventKind::PullRequestClosed,
                    Some(subscription),
                    Some(build),
                    url.as_deref(),
                    "closed without merging; waiting for a newer build",
                )?;
            }
            Action::Settle { id } => {
                let mut tracked = self.tracked(run, id)?;
                tracked.settled = true;
                self.store.save_tracked_pull_request(&tracked)?;
                run.tracked = Some(tracked);
            }
        }
        Ok(())
    }

    fn tracked(
        &self,
        run: &KeyExecution<'_>,
        id: &str,
    ) -> Result<TrackedPullRequest, ExecuteError> {
        run.tracked.clone().filter(|t| t.id == id).ok_or_else(|| {
            ExecuteError::Permanent(format!(
                "pull request {id} is not tracked for {}",
                run.key.id()
            ))
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

fn push_error(err: PushError) -> ExecuteError {
    match err {
        PushError::Conflict { .. } => ExecuteError::Conflict(err.to_string()),
        other => ExecuteError::Retryable(other.to_string()),
    }
}

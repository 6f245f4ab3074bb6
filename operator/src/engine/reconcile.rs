//! One reconcile cycle of an update key: observe, plan, execute; again until the plan is
//! empty or only waits, re-planning on conflicts.

use std::collections::BTreeMap;
use std::time::Instant;

use sluice_core::flow::{
    self, KeyInput, Outcome, PullRequestObservation, SubscriptionView, TargetObservation,
};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::execute::{ExecuteError, KeyExecution};
use super::observe::ObserveError;
use super::snapshot::KeyConfig;
use crate::store::{EventKind, TrackedPullRequest};

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CycleResult {
    /// Nothing more to do until an input changes.
    Settled,
    /// A pull request is open; look again later.
    Waiting,
    /// A transient failure; retry with backoff.
    Retry(String),
}

/// Rounds of plan-and-execute per cycle: enough for push, open, merge and record.
const MAX_ROUNDS: usize = 6;

impl Engine {
    /// Reconciles one key by id.
    pub async fn reconcile(&self, key_id: &str) -> CycleResult {
        let started = Instant::now();
        if !self.configured() {
            // Without a configuration in force every key would look retired.
            return CycleResult::Settled;
        }
        let snapshot = self.snapshot();
        let Some(config) = snapshot
            .keys
            .get(key_id)
            .cloned()
            .or_else(|| self.retired_key(key_id))
        else {
            return CycleResult::Settled;
        };
        let result = self.reconcile_key(&config).await;
        self.metrics.reconciles.inc();
        self.metrics
            .reconcile_seconds
            .observe(started.elapsed().as_secs_f64());
        if let CycleResult::Retry(reason) = &result {
            self.metrics.failure(if reason.contains("conflict") {
                "conflict"
            } else {
                "retryable"
            });
            tracing::warn!(key = key_id, reason = %reason, "reconcile will be retried");
            // What the last observation cached may be what failed (a git cache rebuilt
            // under it, say): observe afresh next time.
            self.observer.forget(&config.target_repository);
            // Say so in status: a failure that repeats (an expired token) must not hide
            // behind the last good condition.
            let outcome = Outcome::Reconciling {
                reason: "Retrying".into(),
                message: format!(
                    "{}: {reason}; retrying with backoff",
                    config.target_repository
                ),
            };
            let outcomes = config
                .subscriptions
                .iter()
                .map(|s| (s.clone(), outcome.clone()))
                .collect();
            self.record_outcomes(&config, &outcomes);
        }
        result
    }

    async fn reconcile_key(&self, config: &KeyConfig) -> CycleResult {
        for _ in 0..MAX_ROUNDS {
            let input = match self.observe_key(config).await {
                Ok(input) => input,
                Err(ObserveError::Retryable(m)) => return CycleResult::Retry(m),
                Err(ObserveError::Invalid(m)) => {
                    let outcome = Outcome::Stalled {
                        reason: "TargetUnreachable".into(),
                        message: m,
                    };
                    self.record_outcomes(
                        config,
                        &config
                            .subscriptions
                            .iter()
                            .map(|s| (s.clone(), outcome.clone()))
                            .collect(),
                    );
                    return CycleResult::Settled;
                }
            };
            let plan = flow::plan(&input);
            tracing::debug!(
                key = %config.key.id(),
                head = ?input.target.head,
                pull_request = ?input.pull_request.as_ref().map(|p| (&p.id, p.state, &p.carried, &p.base_commit, p.settled)),
                actions = ?plan.actions.iter().map(action_name).collect::<Vec<_>>(),
                outcomes = ?plan.outcomes,
                "planned"
            );
            // The record is needed only to save the policies or to execute.
            let mut tracked = if plan.policies.is_empty() && plan.actions.is_empty() {
                None
            } else {
                self.store.tracked_pull_request(&config.key).ok().flatten()
            };
            if let Some(t) = tracked
                .as_mut()
                .filter(|t| !plan.policies.is_empty() && t.policies != plan.policies)
            {
                t.policies = plan.policies.clone();
                let _ = self.store.save_tracked_pull_request(t);
            }
            self.record_outcomes(config, &plan.outcomes);
            if plan.actions.is_empty() {
                let open = input
                    .pull_request
                    .as_ref()
                    .is_some_and(|p| p.state == PullRequestState::Open);
                return if open {
                    CycleResult::Waiting
                } else {
                    CycleResult::Settled
                };
            }
            let mut run = KeyExecution::new(
                &config.key,
                &config.target_repository,
                &config.target_branch,
                tracked,
            );
            for action in &plan.actions {
                tracing::debug!(key = %config.key.id(), action = action_name(action), "executing");
                match self.execute(&mut run, action).await {
                    Ok(()) => {}
                    Err(ExecuteError::Conflict(m)) => {
                        // Something moved: read the repository afresh before re-planning.
                        self.observer.forget(&config.target_repository);
                        tracing::info!(key = %config.key.id(), reason = %m, "re-planning after a conflict");
                        break;
                    }
                    Err(ExecuteError::Retryable(m)) => return CycleResult::Retry(m),
                    Err(ExecuteError::Permanent(m)) => {
                        for sub in &config.subscriptions {
                            let _ = self.event(EventKind::Failed, Some(sub), None, None, &m);
                        }
                        self.metrics.failure("permanent");
                        let outcome = Outcome::Stalled {
                            reason: "ActionFailed".into(),
                            message: m,
                        };
                        self.record_outcomes(
                            config,
                            &config
                                .subscriptions
                                .iter()
                                .map(|s| (s.clone(), outcome.clone()))
                                .collect(),
                        );
                        return CycleResult::Settled;
                    }
                }
            }
        }
        CycleResult::Retry("the plan did not settle; trying again later".into())
    }

    /// Gathers everything the planner needs for a key.
    pub(super) async fn observe_key(&self, config: &KeyConfig) -> Result<KeyInput, ObserveError> {
        let snapshot = self.snapshot();
        let store_err = |e: crate::store::StoreError| ObserveError::Retryable(e.to_string());
        let mut subscriptions = Vec::new();
        let mut dirs: Vec<String> = Vec::new();
        for name in &config.subscriptions {
            let Some(spec) = snapshot.subscriptions.get(name) else {
                continue;
            };
            let record = self.store.subscription(name).map_err(store_err)?;
            for dir in &spec.target.directories {
                if !dirs.contains(dir) {
                    dirs.push(dir.clone());
                }
            }
            subscriptions.push(SubscriptionView {
                name: name.clone(),
                spec: spec.clone(),
                state: record.state,
            });
        }
        let tracked = self
            .store
            .tracked_pull_request(&config.key)
            .map_err(store_err)?;
        let wants = flow::needs_target(&subscriptions, None);
        let mut pull_request = match tracked {
            Some(t) if !t.settled => Some(self.observe_pull_request(t).await?),
            // A pull request opened just before a crash has no record yet; it can only
            // exist while a build is wanted.
            _ if wants => self.adopt_pull_request(config).await?,
            _ => None,
        };
        // With nothing wanted and no pull request the plan does not depend on the target:
        // spare the ref advertisement.
        let target = if flow::needs_target(&subscriptions, pull_request.as_ref()) {
            self.observer
                .target(&config.target_repository, &config.target_branch, &dirs)
                .await?
        } else {
            TargetObservation::default()
        };
        // Only the builds the plan reads: none for a settled key.
        let mut builds = BTreeMap::new();
        for id in flow::builds_to_read(&subscriptions, pull_request.as_ref()) {
            if let Some(build) = self.store.build(id).map_err(store_err)? {
                builds.insert(id, build);
            }
        }
        if let Some(pr) = pull_request.as_mut() {
            let head_branch = config.key.head_branch(&config.target_branch);
            let repository = &config.target_repository;
            self.observe_tip_ancestry(pr, &head_branch, repository, &target)
                .await?;
        }
        Ok(KeyInput {
            key: config.key.clone(),
            target_repository: config.target_repository.clone(),
            target_branch: config.target_branch.clone(),
            subscriptions,
            builds,
            merge_policies: config.merge_policies.clone(),
            failure_notification_tags: config.failure_notification_tags.clone(),
            target,
            pull_request,
        })
    }

    async fn observe_pull_request(
        &self,
        mut tracked: TrackedPullRequest,
    ) -> Result<PullRequestObservation, ObserveError> {
        let retry = |e: crate::forge::ForgeError| ObserveError::Retryable(e.to_string());
        if tracked.state == PullRequestState::Open {
            let seen = self
                .forge
                .pull_request(&tracked.repository, &tracked.id)
                .await
                .map_err(retry)?;
            if seen.state != tracked.state {
                tracked.state = seen.state;
                let _ = self.store.save_tracked_pull_request(&tracked);
                self.note_outside_change(&tracked);
            }
        }
        // Where the head branch really is: the record can lag behind a push that landed
        // just before a failure, and people can move or delete branches.
        let head_branch_tip = if tracked.state == PullRequestState::Open {
            self.observer
                .branch_head(&tracked.repository, &tracked.head_branch)
                .await?
                .map(|tip| tip.to_string())
        } else {
            None
        };
        // Checks of the head a merge would take: the branch's real tip.
        let checked = head_branch_tip.as_deref().unwrap_or(&tracked.head_commit);
        let (checks, reviews) = if tracked.state == PullRequestState::Open {
            (
                self.forge
                    .checks(&tracked.repository, &tracked.id, checked)
                    .await
                    .map_err(retry)?,
                self.forge
                    .reviews(&tracked.repository, &tracked.id)
                    .await
                    .map_err(retry)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(PullRequestObservation {
            id: tracked.id,
            url: tracked.url,
            state: tracked.state,
            head_commit: tracked.head_commit,
            base_commit: tracked.base_commit,
            head_branch_tip,
            tip_ancestry: Default::default(),
            carried: tracked.carried,
            checks,
            reviews,
            failure_commented: tracked.failure_commented,
            manual_commits_noticed: tracked.manual_commits_noticed,
            settled: tracked.settled,
        })
    }

    /// An open pull request from the key's head branch that sluice has no record of (the
    /// record was lost between opening it and saving it): adopt it instead of opening
    /// another. Its carried builds are unknown, so the planner refreshes it.
    async fn adopt_pull_request(
        &self,
        config: &KeyConfig,
    ) -> Result<Option<PullRequestObservation>, ObserveError> {
        let head_branch = config.key.head_branch(&config.target_branch);
        let found = self
            .forge
            .find_pull_request(&config.target_repository, &head_branch)
            .await
            .map_err(|e| ObserveError::Retryable(e.to_string()))?;
        let Some(pr) = found.filter(|p| p.state == PullRequestState::Open) else {
            return Ok(None);
        };
        let head = self
            .observer
            .branch_head(&config.target_repository, &head_branch)
            .await?;
        let now = super::now_rfc3339();
        let tracked = TrackedPullRequest {
            key: config.key.id(),
            id: pr.id,
            url: pr.url,
            repository: config.target_repository.clone(),
            target_branch: config.target_branch.clone(),
            head_branch,
            state: PullRequestState::Open,
            head_commit: head.map(|h| h.to_string()).unwrap_or_default(),
            base_commit: String::new(),
            carried: BTreeMap::new(),
            failure_commented: false,
            manual_commits_noticed: false,
            settled: false,
            policies: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
        };
        self.store
            .save_tracked_pull_request(&tracked)
            .map_err(|e| ObserveError::Retryable(e.to_string()))?;
        tracing::info!(key = %config.key.id(), pull_request = %tracked.url, "adopted an existing pull request");
        self.observe_pull_request(tracked).await.map(Some)
    }

    /// A key no longer in the config that still has an open pull request: planned with no
    /// subscriptions, which closes the pull request.
    fn retired_key(&self, key_id: &str) -> Option<KeyConfig> {
        let tracked = self
            .store
            .active_pull_requests()
            .ok()?
            .into_iter()
            .find(|t| t.key == key_id && !t.settled)?;
        Some(KeyConfig {
            key: flow::UpdateKey::parse_id(&tracked.key)?,
            target_repository: tracked.repository,
            target_branch: tracked.target_branch,
            subscriptions: Vec::new(),
            merge_policies: Vec::new(),
            failure_notification_tags: Vec::new(),
        })
    }
}

fn action_name(action: &flow::Action) -> &'static str {
    use flow::Action as A;
    match action {
        A::PushUpdate { .. } => "push-update",
        A::OpenPullRequest { .. } => "open-pull-request",
        A::UpdatePullRequest { .. } => "update-pull-request",
        A::Merge { .. } => "merge",
        A::Close { .. } => "close",
        A::Comment { .. } => "comment",
        A::NoticeManualCommits { .. } => "notice-manual-commits",
        A::RecordApplied { .. } => "record-applied",
        A::RecordRejected { .. } => "record-rejected",
        A::Settle { .. } => "settle",
    }
}

//! One reconcile cycle of an update key, as a pipeline of named steps: observe (reads
//! only, [`super::observe_key`]), record what was learned ([`super::record`]), plan (the
//! core's [`flow::plan`]), record the outcomes, execute ([`super::execute`]); again until
//! the plan is empty or only waits. A conflict re-plans at once; any other failure ends
//! the cycle with its class and the wait the remote asked for, which the queue honours.

use std::time::Instant;

use sluice_core::flow::failure::{self, FailureClass};
use sluice_core::flow::{self, Reason};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::error::CycleFailure;
use super::execute::KeyExecution;
use super::snapshot::KeyConfig;

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CycleResult {
    /// Nothing more to do until an input changes.
    Settled,
    /// A pull request is open; look again later.
    Waiting,
    /// A step failed: retried as its class and the remote say; a permanent failure stalls
    /// the key's subscriptions until an input changes.
    Failed(CycleFailure),
}

/// Rounds of plan-and-execute per cycle: enough for push, open, merge and record.
const MAX_ROUNDS: usize = 6;

/// Most levels of an update's product graph read in one cycle.
const MAX_GRAPH_LEVELS: usize = 64;

impl Engine {
    /// Reconciles one key by id.
    pub async fn reconcile(&self, key_id: &str) -> CycleResult {
        let started = Instant::now();
        if !self.may_act.get() {
            // A standby: the leader works on the key; on taking over, every key is
            // queued again ([`Engine::wake_all`]).
            return CycleResult::Settled;
        }
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
        if let CycleResult::Failed(failure) = &result {
            self.record_failure(&config, failure);
        }
        result
    }

    /// The key's plan, after reading the product graph below its update as far as
    /// `ValidateCoherency` with `graph: true` asks (a breadth-first level per round, each
    /// level in parallel). When a level cannot be read now, the plan leaves the policy
    /// pending.
    async fn plan_with_graph(&self, input: &mut flow::KeyInput) -> flow::Plan {
        let mut plan = flow::plan(input);
        // Each node is tried once per cycle: one that failed in a way that may mend is
        // read again by a later cycle, not in a loop here.
        let mut tried = std::collections::BTreeSet::new();
        for _ in 0..MAX_GRAPH_LEVELS {
            let fresh: Vec<_> = std::mem::take(&mut plan.graph_reads)
                .into_iter()
                .filter(|at| tried.insert(at.clone()))
                .collect();
            if fresh.is_empty() {
                break;
            }
            let read = self.observer.product_manifests(fresh).await;
            if read.is_empty() {
                break;
            }
            input.product_manifests.extend(read);
            plan = flow::plan(input);
        }
        plan
    }

    async fn reconcile_key(&self, config: &KeyConfig) -> CycleResult {
        let mut last_conflict = None;
        for _ in 0..MAX_ROUNDS {
            let mut observed = match self.observe_key(config).await {
                Ok(observed) => observed,
                Err(err) if err.class() == FailureClass::Conflict => {
                    self.replan_after(config, &err.to_string());
                    last_conflict = Some(CycleFailure::from(&err));
                    continue;
                }
                Err(err) => return CycleResult::Failed((&err).into()),
            };
            if let Err(err) = self.record_observed(config, &observed) {
                return CycleResult::Failed(err);
            }
            let plan = self.plan_with_graph(&mut observed.input).await;
            let input = &observed.input;
            tracing::debug!(
                key = %config.key.id(),
                head = ?input.target.head,
                pull_request = ?input.pull_request.as_ref().map(|p| (&p.id, p.state, &p.carried, &p.base_commit, p.settled)),
                actions = ?plan.actions.iter().map(action_name).collect::<Vec<_>>(),
                outcomes = ?plan.outcomes,
                "planned"
            );
            let tracked = self.record_policies(observed.tracked, &plan.policies);
            self.publish_policies(input, &plan.policies).await;
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
            run.merge_method = config.merge_method;
            for action in &plan.actions {
                let name = action_name(action);
                tracing::debug!(key = %config.key.id(), action = name, "executing");
                let Err(err) = self.execute(&mut run, action).await else {
                    continue;
                };
                if let super::ExecuteError::NotLeader { .. } = err {
                    tracing::info!(key = %config.key.id(), action = name, "leadership lost: the cycle stops before acting");
                    return CycleResult::Settled;
                }
                if err.class() != FailureClass::Conflict {
                    return CycleResult::Failed((&err).into());
                }
                self.replan_after(config, &err.to_string());
                last_conflict = Some(CycleFailure::from(&err));
                break;
            }
        }
        CycleResult::Failed(last_conflict.unwrap_or_else(|| CycleFailure {
            class: FailureClass::Retryable,
            retry_after: None,
            message: "the plan did not settle; trying again later".into(),
            stalled_reason: Reason::ActionFailed,
        }))
    }

    /// Something moved: read the repository afresh before planning again.
    fn replan_after(&self, config: &KeyConfig, reason: &str) {
        self.metrics.failure(FailureClass::Conflict);
        self.observer.forget(&config.target_repository);
        tracing::info!(key = %config.key.id(), %reason, "re-planning after a conflict");
    }

    /// Counts a failed cycle, says so in the log and in status: a permanent failure
    /// stalls the key's subscriptions with its reason, any other shows they are being
    /// retried (a failure that repeats, an expired token say, must not hide behind the
    /// last good condition).
    fn record_failure(&self, config: &KeyConfig, failure: &CycleFailure) {
        let key = config.key.id();
        if failure.class != FailureClass::Conflict {
            // Conflicts were counted as they happened.
            self.metrics.failure(failure.class);
        }
        if failure.class == FailureClass::Permanent {
            tracing::warn!(%key, reason = %failure.message, "reconcile failed; stalled until an input changes");
            for sub in &config.subscriptions {
                let _ = self.event(
                    crate::store::EventKind::Failed,
                    Some(sub),
                    None,
                    None,
                    &failure.message,
                );
            }
        } else {
            tracing::warn!(%key, reason = %failure.message, retry_after = ?failure.retry_after, "reconcile will be retried");
            // What the last observation cached may be what failed (a git cache
            // rebuilt under it, say): observe afresh next time.
            self.observer.forget(&config.target_repository);
        }
        let outcome = failure::failure_outcome(
            &failure.failure(),
            failure.stalled_reason,
            &config.target_repository,
            &failure.message,
        );
        self.record_outcomes(config, &outcome.for_each(&config.subscriptions));
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
            merge_method: Default::default(),
            failure_notification_tags: Vec::new(),
            channels: Default::default(),
        })
    }
}

/// The action's name, as logs and errors spell it.
pub(super) fn action_name(action: &flow::Action) -> &'static str {
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

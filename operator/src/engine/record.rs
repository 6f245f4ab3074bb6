//! The record step of a cycle: what observing learned (pull requests people merged or
//! closed, one adopted after a crash), the latest merge policy results, and each
//! subscription's condition (only when it changed, with a log line when it stalls or
//! recovers).

use std::collections::BTreeMap;

use sluice_core::flow::{Outcome, status};
use sluice_core::model::{PolicyEvaluation, PullRequestState};

use super::Engine;
use super::error::{CycleFailure, ExecuteError};
use super::observe_key::{Learned, Observed};
use super::snapshot::KeyConfig;
use crate::store::TrackedPullRequest;

impl Engine {
    /// Logs and counts a pull request that a person merged or closed (by hand, with
    /// `sluice pr merge` or `sluice pr close`, or on the forge).
    pub(super) fn note_outside_change(&self, tracked: &TrackedPullRequest) {
        let (key, repository, id, url) =
            (&tracked.key, &tracked.repository, &tracked.id, &tracked.url);
        match tracked.state {
            PullRequestState::Merged => {
                self.metrics.pull_requests_merged.inc();
                tracing::info!(%key, %repository, pull_request = %id, %url, "pull request merged by a person");
            }
            PullRequestState::Closed => {
                tracing::info!(%key, %repository, pull_request = %id, %url, "pull request closed by a person");
            }
            PullRequestState::Open => {}
        }
    }

    /// Writes each subscription's conditions (made by
    /// [`sluice_core::flow::status::conditions`]) when they changed; says so when one
    /// stalls or comes back from a stall.
    pub(super) fn record_outcomes(&self, config: &KeyConfig, outcomes: &BTreeMap<String, Outcome>) {
        let now = super::now_rfc3339();
        let key = config.key.id();
        for (name, outcome) in outcomes {
            // Conditions keep their transition times while their status holds, so a pass
            // with nothing new writes nothing.
            let previous = self
                .store
                .subscription(name)
                .map(|r| r.conditions)
                .unwrap_or_default();
            let next = status::conditions(&previous, outcome, None, &now);
            if next == previous {
                continue;
            }
            let result = self.store.update_subscription(name, &mut |record| {
                record.conditions = status::conditions(&record.conditions, outcome, None, &now);
            });
            let (reason, message) = (outcome.reason, &outcome.message);
            let (was, is) = (status::is_stalled(&previous), status::is_stalled(&next));
            match result {
                Err(err) => {
                    tracing::warn!(%key, subscription = %name, error = %err, "could not record status")
                }
                Ok(_) if !was && is => {
                    tracing::warn!(%key, subscription = %name, %reason, %message, "stalled")
                }
                Ok(_) if was && !is => {
                    let condition = status::summary(&next).condition;
                    tracing::info!(%key, subscription = %name, %condition, %reason, "recovered from a stall")
                }
                Ok(_) => {}
            }
        }
    }

    /// Writes what observing learned before anything is planned on it: a pull request
    /// a person merged or closed, or one adopted after a crash.
    pub(super) fn record_observed(
        &self,
        config: &KeyConfig,
        observed: &Observed,
    ) -> Result<(), CycleFailure> {
        let (Some(learned), Some(tracked)) = (observed.learned, observed.tracked.as_ref()) else {
            return Ok(());
        };
        self.store
            .save_tracked_pull_request(tracked)
            .map_err(|source| {
                let err = ExecuteError::Store {
                    action: "observed pull request",
                    source,
                };
                CycleFailure::from(&err)
            })?;
        match learned {
            Learned::StateChanged => self.note_outside_change(tracked),
            Learned::Adopted => {
                tracing::info!(key = %config.key.id(), pull_request = %tracked.url, "adopted an existing pull request")
            }
        }
        Ok(())
    }

    /// Shows the merge policies' results on the open pull request's forge (GitHub:
    /// sluice's check run on the head they were evaluated on). The leader alone writes to
    /// forges; a failure is logged and the cycle goes on.
    pub(super) async fn publish_policies(
        &self,
        input: &sluice_core::flow::KeyInput,
        policies: &[PolicyEvaluation],
    ) {
        let open = input
            .pull_request
            .as_ref()
            .filter(|p| p.state == PullRequestState::Open);
        let Some(pr) = open else {
            return;
        };
        if policies.is_empty() || !self.may_act.get() {
            return;
        }
        let head = pr.head_branch_tip.as_deref().unwrap_or(&pr.head_commit);
        let repository = &input.target_repository;
        let forge = self.forges.forge_for(repository);
        if let Err(error) = forge
            .publish_policies(repository, &pr.id, head, policies)
            .await
        {
            tracing::warn!(key = %input.key.id(), repository = %repository, pull_request = %pr.id, %error, "could not publish the merge policy results");
        }
    }

    /// Keeps the latest merge policy evaluation with the tracked pull request, written
    /// only when it changed.
    pub(super) fn record_policies(
        &self,
        tracked: Option<TrackedPullRequest>,
        policies: &[PolicyEvaluation],
    ) -> Option<TrackedPullRequest> {
        let mut tracked = tracked?;
        if !policies.is_empty() && tracked.policies != policies {
            tracked.policies = policies.to_vec();
            if let Err(err) = self.store.save_tracked_pull_request(&tracked) {
                tracing::warn!(key = %tracked.key, error = %err, "could not record merge policy results");
            }
        }
        Some(tracked)
    }
}

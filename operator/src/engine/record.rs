//! Recording what a cycle found: each subscription's condition (only when it changed, with
//! a log line when it stalls or recovers) and pull requests people merged or closed.

use std::collections::BTreeMap;

use sluice_core::flow::{Outcome, status};
use sluice_core::model::PullRequestState;

use super::Engine;
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
}

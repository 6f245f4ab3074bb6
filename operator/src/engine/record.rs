//! Recording what a cycle found: each subscription's condition (only when it changed, with
//! a log line when it stalls or recovers) and pull requests people merged or closed.

use std::collections::BTreeMap;

use sluice_core::flow::Outcome;
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

    /// Writes each subscription's condition when it changed; says so when one stalls or
    /// comes back from a stall.
    pub(super) fn record_outcomes(&self, config: &KeyConfig, outcomes: &BTreeMap<String, Outcome>) {
        for (name, outcome) in outcomes {
            let condition = format!("{:?}", outcome.condition());
            let (reason, message) = (outcome.reason.as_str(), &outcome.message);
            // Status is rewritten only when it changed, so a pass with nothing to do
            // writes nothing.
            let previous = self.store.subscription(name).ok();
            let same = previous.as_ref().is_some_and(|r| {
                r.condition == condition && r.reason == reason && r.message == *message
            });
            if same {
                continue;
            }
            let was_stalled = previous.is_some_and(|r| r.condition == "Stalled");
            let result = self.store.update_subscription(name, &mut |record| {
                record.condition = condition.clone();
                record.reason = reason.to_string();
                record.message = message.clone();
            });
            let key = config.key.id();
            match result {
                Err(err) => {
                    tracing::warn!(%key, subscription = %name, error = %err, "could not record status")
                }
                Ok(_) if !was_stalled && condition == "Stalled" => {
                    tracing::warn!(%key, subscription = %name, %reason, %message, "stalled")
                }
                Ok(_) if was_stalled && condition != "Stalled" => {
                    tracing::info!(%key, subscription = %name, %condition, %reason, "recovered from a stall")
                }
                Ok(_) => {}
            }
        }
    }
}

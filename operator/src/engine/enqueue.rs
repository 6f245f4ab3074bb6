//! Queueing keys: the host each key's network work goes to (the unit of the queue's
//! concurrency limit), why a key is queued (which decides whether it may leave its
//! backoff, see `sluice_core::flow::pacing`), and the keys whose target branch a fresh ref
//! advertisement shows moved. Each timer tick re-reads (through the shared cache) the
//! advertisement of every repository with an open pull request, so a target branch that a
//! person moved is noticed within seconds, not at the pull request's next revisit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sluice_core::flow::pacing::{self, Trigger};
use sluice_core::flow::revisit::{BuiltOn, moved_targets};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::advertisements::Listing;

impl Engine {
    /// Queues a key for a cycle because one of its inputs changed (it leaves any backoff).
    pub fn enqueue(&self, key_id: &str) {
        self.enqueue_for(key_id, Trigger::Manual);
    }

    /// Queues a key for a cycle for `trigger`. Its target repository is demanded: the
    /// cycle observes it through a listing read from now on.
    pub fn enqueue_for(&self, key_id: &str, trigger: Trigger) {
        let host = match self.repository_of_key(key_id) {
            Some(repository) => {
                self.observer.demand(&repository);
                pacing::host_of(&repository)
            }
            // A key of no known repository gets a host of its own.
            None => format!("key:{key_id}"),
        };
        self.queue.push(key_id, &host, trigger);
    }

    /// The target repository of a key: from the configuration, or from its pull request
    /// for a key the configuration dropped.
    fn repository_of_key(&self, key_id: &str) -> Option<String> {
        if let Some(config) = self.snapshot().keys.get(key_id) {
            return Some(config.target_repository.clone());
        }
        self.store
            .active_pull_requests()
            .ok()
            .and_then(|prs| prs.into_iter().find(|t| t.key == key_id))
            .map(|t| t.repository)
    }

    /// Reads, in the background, the advertisement of each repository with an open pull
    /// request whose keys are not failing (those are left to their backoff). A listing
    /// read from the remote reaches [`Engine::notice_moved_targets`]; a failed one queues
    /// the repository's keys, whose own cycles then fail into backoff.
    pub(super) fn refresh_advertisements(self: &Arc<Self>) {
        let Ok(active) = self.store.active_pull_requests() else {
            return;
        };
        let mut repositories: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        let mut failing = BTreeSet::new();
        for pr in active
            .into_iter()
            .filter(|t| t.state == PullRequestState::Open && !t.settled)
        {
            if self.queue.failing(&pr.key) {
                failing.insert(pr.repository.clone());
            }
            repositories
                .entry(pr.repository)
                .or_insert_with(|| (pr.target_branch, Vec::new()))
                .1
                .push(pr.key);
        }
        for (repository, (branch, keys)) in repositories {
            if failing.contains(&repository) {
                continue;
            }
            let Some(guard) = self.observer.begin_refresh(&repository) else {
                continue;
            };
            let engine = self.clone();
            tokio::spawn(async move {
                let _guard = guard;
                if let Err(err) = engine.observer.refresh_head(&repository, &branch).await {
                    tracing::debug!(repository = %repository, error = %err, "advertisement refresh failed");
                    for key in keys {
                        engine.enqueue_for(&key, Trigger::TargetMoved);
                    }
                }
            });
        }
    }

    /// Queues the keys whose open pull request was built on another commit than the head
    /// `listing` shows for its target branch.
    pub(super) fn notice_moved_targets(&self, listing: &Listing) {
        let Ok(active) = self.store.active_pull_requests() else {
            return;
        };
        let open: Vec<BuiltOn<'_>> = active
            .iter()
            .filter(|t| {
                t.state == PullRequestState::Open
                    && !t.settled
                    && t.repository == listing.repository
            })
            .map(|t| BuiltOn {
                key: &t.key,
                branch: &t.target_branch,
                base_commit: &t.base_commit,
            })
            .collect();
        if open.is_empty() {
            return;
        }
        let heads = listing
            .heads
            .iter()
            .map(|(branch, commit)| (branch.clone(), commit.to_string()))
            .collect();
        for key in moved_targets(&heads, &open) {
            tracing::info!(key = %key, repository = %listing.repository, "target branch moved; rebuilding the pull request");
            self.enqueue_for(&key, Trigger::TargetMoved);
        }
    }
}

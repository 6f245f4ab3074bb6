//! The observe step of a cycle: everything the planner needs about one key, read from the
//! store, the key's forge and the target repository. It reads only. What it learns that
//! the store does not hold yet (a pull request a person merged or closed on the forge, one
//! adopted after a crash) comes back in [`Observed::learned`], and the record step writes
//! it.

use std::collections::BTreeMap;

use sluice_core::flow::{
    self, KeyInput, PullRequestObservation, SubscriptionView, TargetObservation,
};
use sluice_core::model::PullRequestState;

use super::Engine;
use super::error::ObserveError;
use super::snapshot::KeyConfig;
use crate::store::TrackedPullRequest;

/// What the store does not hold yet about the key's pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Learned {
    /// The forge reports a state the record does not have (a person merged or closed it).
    StateChanged,
    /// An open pull request from the key's head branch that sluice had no record of (the
    /// record was lost between opening it and saving it), adopted instead of opening
    /// another. Its carried builds are unknown, so the planner refreshes it.
    Adopted,
}

/// One observation of a key.
pub(super) struct Observed {
    /// The planner's input.
    pub input: KeyInput,
    /// The key's pull request record, as observed.
    pub tracked: Option<TrackedPullRequest>,
    /// What the record step must write before anything is executed.
    pub learned: Option<Learned>,
}

impl Engine {
    /// Gathers everything the planner needs for a key.
    pub(super) async fn observe_key(&self, config: &KeyConfig) -> Result<Observed, ObserveError> {
        let snapshot = self.snapshot();
        let key = config.key.id();
        let store_err = |source| ObserveError::Store {
            key: key.clone(),
            source,
        };
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
        let (mut tracked, learned) = match tracked {
            Some(t) if !t.settled => {
                let (t, changed) = self.pull_request_state(t).await?;
                (Some(t), changed.then_some(Learned::StateChanged))
            }
            // A pull request opened just before a crash has no record yet; it can only
            // exist while a build is wanted.
            _ if wants => match self.find_unrecorded(config).await? {
                Some(t) => (Some(t), Some(Learned::Adopted)),
                None => (tracked, None),
            },
            _ => (tracked, None),
        };
        let mut pull_request = match tracked.as_mut().filter(|t| !t.settled) {
            Some(t) => Some(self.observe_pull_request(t).await?),
            None => None,
        };
        let head_branch = config.key.head_branch(&config.target_branch);
        let repository = &config.target_repository;
        // With nothing wanted and no pull request the plan does not depend on the target:
        // spare the ref advertisement.
        let target = if flow::needs_target(&subscriptions, pull_request.as_ref()) {
            let mut target = self
                .observer
                .target(repository, &config.target_branch, &dirs)
                .await?;
            if pull_request.is_none() {
                // A head branch no open pull request uses (a push that landed before a
                // crash, one left by a settled pull request): the planner takes it over.
                target.update_branch = self
                    .observer
                    .branch_head(repository, &head_branch)
                    .await?
                    .map(|tip| tip.to_string());
            }
            target
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
            self.observe_tip_ancestry(pr, &head_branch, repository, &target)
                .await?;
        }
        let visibility = self
            .observe_visibility(config, &subscriptions, &builds)
            .await?;
        let mut input = KeyInput {
            key: config.key.clone(),
            target_repository: config.target_repository.clone(),
            target_branch: config.target_branch.clone(),
            subscriptions,
            builds,
            merge_policies: config.merge_policies.clone(),
            failure_notification_tags: config.failure_notification_tags.clone(),
            target,
            pull_request,
            parent_manifests: Default::default(),
            product_manifests: Default::default(),
            visibility,
        };
        // Coherent children follow parents the update moves: read those parents'
        // manifests at the builds' commits (none when no dependency follows a parent).
        let reads = flow::coherency::parent_reads(&input);
        if !reads.is_empty() {
            input.parent_manifests = self.observer.parent_manifests(reads).await;
        }
        Ok(Observed {
            input,
            tracked,
            learned,
        })
    }

    /// The tracked pull request with the state its forge reports, and whether that
    /// differs from the record.
    async fn pull_request_state(
        &self,
        mut tracked: TrackedPullRequest,
    ) -> Result<(TrackedPullRequest, bool), ObserveError> {
        if tracked.state != PullRequestState::Open {
            return Ok((tracked, false));
        }
        let seen = self
            .forges
            .forge_for(&tracked.repository)
            .pull_request(&tracked.repository, &tracked.id)
            .await?;
        let changed = seen.state != tracked.state;
        tracked.state = seen.state;
        Ok((tracked, changed))
    }

    /// The planner's view of a tracked pull request: where its head branch really is
    /// (the record can lag behind a push that landed just before a failure, and people
    /// move or delete branches), and the checks and reviews of that tip.
    async fn observe_pull_request(
        &self,
        tracked: &TrackedPullRequest,
    ) -> Result<PullRequestObservation, ObserveError> {
        let open = tracked.state == PullRequestState::Open;
        let head_branch_tip = if open {
            self.observer
                .branch_head(&tracked.repository, &tracked.head_branch)
                .await?
                .map(|tip| tip.to_string())
        } else {
            None
        };
        // Checks of the head a merge would take: the branch's real tip.
        let checked = head_branch_tip.as_deref().unwrap_or(&tracked.head_commit);
        let (checks, reviews) = if open {
            let forge = self.forges.forge_for(&tracked.repository);
            (
                forge
                    .checks(&tracked.repository, &tracked.id, checked)
                    .await?,
                forge.reviews(&tracked.repository, &tracked.id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(PullRequestObservation {
            id: tracked.id.clone(),
            url: tracked.url.clone(),
            state: tracked.state,
            head_commit: tracked.head_commit.clone(),
            base_commit: tracked.base_commit.clone(),
            head_branch_tip,
            tip_ancestry: Default::default(),
            carried: tracked.carried.clone(),
            checks,
            reviews,
            failure_commented: tracked.failure_commented,
            manual_commits_noticed: tracked.manual_commits_noticed,
            settled: tracked.settled,
        })
    }

    /// An open pull request from the key's head branch that sluice has no record of, as
    /// the record adopting it would be.
    async fn find_unrecorded(
        &self,
        config: &KeyConfig,
    ) -> Result<Option<TrackedPullRequest>, ObserveError> {
        let head_branch = config.key.head_branch(&config.target_branch);
        let repository = &config.target_repository;
        let found = self
            .forges
            .forge_for(repository)
            .find_pull_request(repository, &head_branch)
            .await?;
        let Some(pr) = found.filter(|p| p.state == PullRequestState::Open) else {
            return Ok(None);
        };
        let head = self.observer.branch_head(repository, &head_branch).await?;
        let mut tracked = super::tracked::opened(
            &config.key,
            repository,
            &config.target_branch,
            &pr,
            &head_branch,
        );
        tracked.head_commit = head.map(|h| h.to_string()).unwrap_or_default();
        Ok(Some(tracked))
    }
}

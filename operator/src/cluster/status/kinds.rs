//! The status of Builds, Channels, DefaultChannels and RepositoryPolicies: accepted or
//! refused, and what each holds (where a build flowed, the newest builds of a channel,
//! the builds a default channel assigned, the batched pull request of a branch).

use std::collections::BTreeSet;

use kube::api::DynamicObject;
use serde_json::Value;
use sluice_core::flow::{self, BuildInfo, FlowState, UpdateKey, assign, status};
use sluice_core::model::{
    BatchedPullRequest, BuildFlow, BuildReference, BuildStatus, ChannelStatus, Condition,
    DefaultChannelSpec, DefaultChannelStatus, RepositoryPolicySpec, RepositoryPolicyStatus,
};

use super::{StatusWriter, refused, to_value};
use crate::cluster::builds::Ingest;
use crate::cluster::resources::{self, spec};
use crate::engine::FlowReader;
use crate::store::BuildQuery;

/// How many recent builds a DefaultChannel shows.
const ASSIGNED_SHOWN: usize = 5;

fn reference(build: &BuildInfo) -> BuildReference {
    BuildReference {
        id: build.id,
        build_number: build.build_number.clone(),
        repository: build.repository.clone(),
        branch: build.branch.clone(),
        commit: build.commit.clone(),
        produced_at: build.produced_at.clone(),
    }
}

impl StatusWriter {
    /// A Build resource's status: refused, or its store id and where it flowed; `None`
    /// before it was ingested.
    pub(super) fn build(
        &self,
        object: &DynamicObject,
        previous: &[Condition],
        now: &str,
        flows: Option<&FlowReader<'_>>,
    ) -> Option<Value> {
        let generation = object.metadata.generation;
        let id = match self.ingested.get(&resources::key(object), generation)? {
            Ingest::Refused { rule, message } => {
                return Some(refused(previous, &rule, &message, generation, now));
            }
            Ingest::Stored(id) => id,
        };
        let times = self.state.engine.store().flow_times(id).unwrap_or_default();
        let flow = flows
            .and_then(|f| f.flow(id).ok().flatten())
            .unwrap_or_default()
            .into_iter()
            .map(|entry| BuildFlow {
                at: times.get(&entry.subscription).cloned(),
                state: FlowState::parse(&entry.state)
                    .unwrap_or(FlowState::Pending)
                    .into(),
                subscription: entry.subscription,
                target_repository: entry.target_repository,
                target_branch: entry.target_branch,
                pull_request: entry.pull_request,
            })
            .collect();
        let assets = spec::<Value>(object)
            .and_then(|spec| spec.get("assets").and_then(Value::as_array).map(Vec::len))
            .unwrap_or(0);
        Some(to_value(&BuildStatus {
            observed_generation: generation,
            conditions: status::accepted(previous, generation, now),
            id: Some(id),
            asset_count: Some(assets as i64),
            flow,
        }))
    }

    /// A Channel's status: the newest build of each repository on it (those with builds
    /// recently, and every repository a subscription reads from it).
    pub(super) fn channel(
        &self,
        name: &str,
        generation: Option<i64>,
        conditions: Vec<Condition>,
    ) -> Value {
        let store = self.state.engine.store();
        let snapshot = self.state.engine.snapshot();
        let recent = store
            .builds(&BuildQuery {
                channel: Some(name.to_string()),
                limit: Some(100),
                ..Default::default()
            })
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        let mut latest: Vec<BuildReference> = recent
            .iter()
            .filter(|b| seen.insert(flow::repository_identity(&b.repository)))
            .map(reference)
            .collect();
        let subscribed = snapshot
            .subscriptions
            .values()
            .filter(|s| s.source.channel == name)
            .map(|s| s.source.repository.clone());
        for repository in subscribed {
            if !seen.insert(flow::repository_identity(&repository)) {
                continue;
            }
            if let Ok(Some(build)) = store.latest_build(&repository, name) {
                latest.push(reference(&build));
            }
        }
        latest.sort_by(|a, b| a.repository.cmp(&b.repository));
        to_value(&ChannelStatus {
            observed_generation: generation,
            conditions,
            latest_builds: latest,
        })
    }

    /// A DefaultChannel's status: the newest builds of its repository branch on its
    /// channel.
    pub(super) fn default_channel(
        &self,
        object: &DynamicObject,
        generation: Option<i64>,
        conditions: Vec<Condition>,
    ) -> Value {
        let assigned = spec::<DefaultChannelSpec>(object)
            .map(|spec| {
                self.state
                    .engine
                    .store()
                    .builds(&BuildQuery {
                        repository: Some(spec.repository.clone()),
                        channel: Some(spec.channel.clone()),
                        limit: Some(50),
                        ..Default::default()
                    })
                    .unwrap_or_default()
                    .iter()
                    .filter(|b| assign::branch_matches(&spec, &b.branch))
                    .take(ASSIGNED_SHOWN)
                    .map(reference)
                    .collect()
            })
            .unwrap_or_default();
        to_value(&DefaultChannelStatus {
            observed_generation: generation,
            conditions,
            assigned_builds: assigned,
        })
    }

    /// A RepositoryPolicy's status: the batched pull request of its branch.
    pub(super) fn repository_policy(
        &self,
        object: &DynamicObject,
        generation: Option<i64>,
        conditions: Vec<Condition>,
    ) -> Value {
        let pull_request = spec::<RepositoryPolicySpec>(object).and_then(|spec| {
            let key = UpdateKey::Batch {
                repository: flow::repository_identity(&spec.repository),
                branch: spec.branch.clone(),
            };
            let tracked = self
                .state
                .engine
                .store()
                .tracked_pull_request(&key)
                .ok()
                .flatten()?;
            Some(BatchedPullRequest {
                url: tracked.url,
                state: tracked.state,
                subscriptions: tracked.carried.into_keys().collect(),
                policies: tracked.policies,
            })
        });
        to_value(&RepositoryPolicyStatus {
            observed_generation: generation,
            conditions,
            pull_request,
        })
    }
}

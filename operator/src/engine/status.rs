//! Status as people read it: one row per subscription, and where a build has flowed. Numbers are numbers and references are
//! objects; formatting is the reader's business.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sluice_core::flow::status::{self, Summary};
use sluice_core::flow::{BuildId, BuildInfo};
use sluice_core::model::{Condition, PolicyEvaluation, PullRequestState};

use super::Engine;
use super::snapshot::Snapshot;
use crate::store::{StoreError, SubscriptionRecord, TrackedPullRequest};

/// A build as views name it: its id and its build number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRef {
    /// Store id.
    pub id: BuildId,
    /// The CI build number, e.g. `20261101.3`.
    pub number: String,
}

impl From<&BuildInfo> for BuildRef {
    fn from(build: &BuildInfo) -> Self {
        BuildRef {
            id: build.id,
            number: build.build_number.clone(),
        }
    }
}

/// A pull request as views name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestRef {
    /// Its number on the forge (`None` for a forge whose ids are not numbers).
    pub number: Option<i64>,
    /// Where a person finds it.
    pub url: String,
    /// Open, merged or closed.
    pub state: PullRequestState,
    /// The head commit sluice pushed last.
    pub head_commit: String,
}

impl From<&TrackedPullRequest> for PullRequestRef {
    fn from(t: &TrackedPullRequest) -> Self {
        PullRequestRef {
            number: t.id.parse().ok(),
            url: t.url.clone(),
            state: t.state,
            head_commit: t.head_commit.clone(),
        }
    }
}

/// One subscription's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionStatusView {
    /// Name.
    pub name: String,
    /// Source repository.
    pub source: String,
    /// Channel.
    pub channel: String,
    /// Target repository.
    pub target: String,
    /// Target branch.
    pub branch: String,
    /// Update frequency.
    pub frequency: String,
    /// Enabled.
    pub enabled: bool,
    /// The build applied last.
    pub last_applied_build: Option<BuildRef>,
    /// The build being applied (while its pull request is open) or waiting to be.
    pub requested_build: Option<BuildRef>,
    /// When a scheduled subscription fires next (RFC 3339, UTC); a time already past
    /// means at the next schedule check.
    pub next_update: Option<String>,
    /// The current or last pull request.
    pub pull_request: Option<PullRequestRef>,
    /// Its merge policies' latest evaluation.
    pub policies: Vec<PolicyEvaluation>,
    /// kstatus conditions (`Ready`, and `Reconciling` or `Stalled` while true), as the
    /// controller writes them to the status subresource.
    pub conditions: Vec<Condition>,
    /// What a table row shows of them: `condition` (`Ready`, `Reconciling`, `Stalled`,
    /// `Unknown`), `reason` and `message`.
    #[serde(flatten)]
    pub summary: Summary,
}

/// Where a build went in one dependent subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildFlowEntry {
    /// Subscription name.
    pub subscription: String,
    /// Target repository.
    pub target_repository: String,
    /// Target branch.
    pub target_branch: String,
    /// The pull request carrying the build, if one did: its URL.
    pub pull_request: Option<String>,
    /// `applied`, `pull-request-open`, `closed`, `pending` or `superseded`.
    pub state: String,
}

impl Engine {
    /// Status of every configured subscription, sorted by name.
    pub fn status(&self) -> Result<Vec<SubscriptionStatusView>, StoreError> {
        let snapshot = self.snapshot();
        let records = self.store.subscriptions()?;
        let now = super::unix_now();
        let mut rows = Vec::new();
        // Many subscriptions share a key and a build: each is read once per call.
        let mut builds: HashMap<BuildId, Option<BuildRef>> = HashMap::new();
        let mut pulls: HashMap<String, Option<TrackedPullRequest>> = HashMap::new();
        for (name, spec) in &snapshot.subscriptions {
            let record = records.get(name).cloned().unwrap_or_default();
            let tracked = match snapshot.key_for_subscription(name) {
                Some(k) => match pulls.get(&k.key.id()) {
                    Some(known) => known.clone(),
                    None => {
                        let read = self.store.tracked_pull_request(&k.key)?;
                        pulls.insert(k.key.id(), read.clone());
                        read
                    }
                },
                None => None,
            };
            let mut build_ref = |id: Option<BuildId>| -> Result<Option<BuildRef>, StoreError> {
                let Some(id) = id else {
                    return Ok(None);
                };
                if let Some(known) = builds.get(&id) {
                    return Ok(known.clone());
                }
                let read = self.store.build(id)?.as_ref().map(BuildRef::from);
                builds.insert(id, read.clone());
                Ok(read)
            };
            let requested = record
                .state
                .requested_build
                .filter(|r| Some(*r) != record.state.last_applied_build);
            let next_update = if spec.enabled {
                sluice_core::flow::next_firing(
                    spec.update_frequency,
                    record.last_fired,
                    record.first_seen.unwrap_or(now),
                    &self.config.schedule,
                )
                .map(super::rfc3339)
            } else {
                None
            };
            let conditions =
                status::shown(spec.enabled, &record.conditions, None, &super::rfc3339(now));
            rows.push(SubscriptionStatusView {
                name: name.clone(),
                source: spec.source.repository.clone(),
                channel: spec.source.channel.clone(),
                target: spec.target.repository.clone(),
                branch: spec.target.branch.clone(),
                frequency: format!("{:?}", spec.update_frequency),
                enabled: spec.enabled,
                last_applied_build: build_ref(record.state.last_applied_build)?,
                requested_build: build_ref(requested)?,
                next_update,
                pull_request: tracked.as_ref().map(PullRequestRef::from),
                policies: tracked.map(|t| t.policies).unwrap_or_default(),
                summary: status::summary(&conditions),
                conditions,
            });
        }
        Ok(rows)
    }

    /// Where a build has flowed: one entry per subscription reading its repository on one
    /// of its channels.
    pub fn build_flow(&self, id: BuildId) -> Result<Vec<BuildFlowEntry>, StoreError> {
        self.flow_reader()?
            .flow(id)?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("build {id}"),
            })
    }

    /// A reader of where builds flowed that reads the subscription records once and each
    /// update key's pull request at most once, however many builds it is asked about.
    pub fn flow_reader(&self) -> Result<FlowReader<'_>, StoreError> {
        Ok(FlowReader {
            engine: self,
            snapshot: self.snapshot(),
            records: self.store.subscriptions()?,
            tracked: Mutex::new(BTreeMap::new()),
        })
    }
}

/// Where builds flowed, as of one moment ([`Engine::flow_reader`]).
pub struct FlowReader<'a> {
    engine: &'a Engine,
    snapshot: Arc<Snapshot>,
    records: BTreeMap<String, SubscriptionRecord>,
    tracked: Mutex<BTreeMap<String, Option<TrackedPullRequest>>>,
}

impl FlowReader<'_> {
    fn tracked(
        &self,
        key: &sluice_core::flow::UpdateKey,
    ) -> Result<Option<TrackedPullRequest>, StoreError> {
        let id = key.id();
        if let Some(t) = self.tracked.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(t);
        }
        let t = self.engine.store.tracked_pull_request(key)?;
        if let Ok(mut m) = self.tracked.lock() {
            m.insert(id, t.clone());
        }
        Ok(t)
    }

    /// Where build `id` flowed (`None` when there is no such build): one entry per
    /// subscription reading it, by name.
    pub fn flow(&self, id: BuildId) -> Result<Option<Vec<BuildFlowEntry>>, StoreError> {
        let Some(build) = self.engine.store.build(id)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for name in self.snapshot.readers.of(&build) {
            let Some(spec) = self.snapshot.subscriptions.get(&name) else {
                continue;
            };
            let state = self
                .records
                .get(&name)
                .map(|r| r.state.clone())
                .unwrap_or_default();
            let tracked = match self.snapshot.key_for_subscription(&name) {
                Some(k) => self.tracked(&k.key)?,
                None => None,
            };
            let carrying = tracked.filter(|t| t.carried.get(&name) == Some(&id));
            let flow_state =
                sluice_core::flow::FlowState::of(id, &state, carrying.as_ref().map(|t| t.state));
            out.push(BuildFlowEntry {
                target_repository: spec.target.repository.clone(),
                target_branch: spec.target.branch.clone(),
                pull_request: carrying.map(|t| t.url),
                state: flow_state.as_str().to_string(),
                subscription: name,
            });
        }
        Ok(Some(out))
    }
}

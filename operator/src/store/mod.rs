//! Persistent state: builds and their channels, subscription progress, tracked pull
//! requests and the append-only flow event history ([`Store`], what every deployment
//! needs), and the git-native forge's pull requests with their checks and reviews
//! ([`LocalForgeStore`], only where that forge runs).
//!
//! [`Store`] is what the engine sees; [`sqlite::SqliteStore`] is the embedded
//! implementation. No SQL leaks through the trait, so a Kubernetes-backed store can stand
//! beside it. Every method is one transaction: a crash leaves either all of a call's
//! writes or none.

mod local_forge;
pub mod sqlite;

pub use local_forge::{LocalForgeStore, LocalPullRequest, PullRequestQuery};

use serde::{Deserialize, Serialize};
use sluice_core::flow::{BuildId, BuildInfo, SubscriptionState, UpdateKey};
use sluice_core::model::{Asset, Condition, PolicyEvaluation, PullRequestState};

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, migrated or queried.
    #[error("store {path}: {message}")]
    Database {
        /// The database file.
        path: String,
        /// What failed.
        message: String,
    },
    /// A referenced record does not exist.
    #[error("{what} not found")]
    NotFound {
        /// e.g. `build 42`.
        what: String,
    },
    /// The request contradicts stored state (e.g. a check for a closed pull request).
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    /// The class of this failure for a reconcile cycle: a database that failed may
    /// answer next time; a missing record or a contradiction is decided by the data.
    pub fn class(&self) -> sluice_core::flow::failure::FailureClass {
        use sluice_core::flow::failure::FailureClass;
        match self {
            StoreError::Database { .. } => FailureClass::Retryable,
            StoreError::NotFound { .. } => FailureClass::Permanent,
            StoreError::Conflict(_) => FailureClass::Conflict,
        }
    }
}

/// A build as published, before the store assigns its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewBuild {
    /// Source repository URL.
    pub repository: String,
    /// Source branch.
    pub branch: String,
    /// Source commit (full SHA).
    pub commit: String,
    /// CI build number.
    pub build_number: String,
    /// When it was produced (RFC 3339, UTC).
    #[serde(default)]
    pub produced_at: String,
    /// Assets produced.
    #[serde(default)]
    pub assets: Vec<Asset>,
    /// Channels it is assigned to explicitly.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// Filter for listing builds; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildQuery {
    /// Only builds of this repository (compared by identity).
    pub repository: Option<String>,
    /// Only builds on this channel.
    pub channel: Option<String>,
    /// Only builds of this commit (full id, any case).
    pub commit: Option<String>,
    /// At most this many, newest first (default 100).
    pub limit: Option<u32>,
    /// Only builds older than this id: the next page after a page whose last build it is.
    pub before: Option<BuildId>,
}

/// sluice's own record of the pull request of an update key, for every forge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackedPullRequest {
    /// The key's stable id ([`UpdateKey::id`]).
    pub key: String,
    /// Forge identity of the pull request.
    pub id: String,
    /// Where a person finds it.
    pub url: String,
    /// Target repository URL.
    pub repository: String,
    /// Target branch.
    pub target_branch: String,
    /// Head branch.
    pub head_branch: String,
    /// Last observed state.
    pub state: PullRequestState,
    /// The commit sluice last pushed.
    pub head_commit: String,
    /// The target head that commit was built on.
    pub base_commit: String,
    /// Builds carried, per subscription.
    pub carried: std::collections::BTreeMap<String, BuildId>,
    /// The failing-policy comment was posted for `head_commit`.
    pub failure_commented: bool,
    /// sluice commented that it stopped updating the pull request because a person
    /// added commits to its head branch (reset by sluice's next push).
    pub manual_commits_noticed: bool,
    /// The merged/closed outcome was recorded in subscription state.
    pub settled: bool,
    /// Latest policy evaluation.
    pub policies: Vec<PolicyEvaluation>,
    /// When it was opened (RFC 3339).
    pub created_at: String,
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
}

pub use sluice_core::flow::history::EventKind;

/// One entry of the flow history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowEvent {
    /// Store-assigned sequence number (0 when appending).
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// What happened.
    pub kind: EventKind,
    /// The subscription concerned, if any.
    pub subscription: Option<String>,
    /// The build concerned, if any.
    pub build: Option<BuildId>,
    /// The pull request URL concerned, if any.
    pub pull_request: Option<String>,
    /// A sentence.
    pub message: String,
}

/// The recorded status of one subscription, for `sluice status` and resource status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRecord {
    /// Progress.
    pub state: SubscriptionState,
    /// kstatus conditions as [`sluice_core::flow::status::conditions`] made them (empty
    /// before the first cycle).
    pub conditions: Vec<Condition>,
    /// When a scheduled trigger last fired (Unix seconds).
    pub last_fired: Option<i64>,
    /// When sluice first saw the subscription (Unix seconds).
    pub first_seen: Option<i64>,
}

/// Persistent state of sluice. Implementations are internally synchronized; every
/// method is atomic.
pub trait Store: Send + Sync + 'static {
    /// Stores a build with its explicit channels plus `default_channels`, and in the same
    /// transaction asks each of `trigger` (subscription names) to apply it unless they
    /// already want a newer build. Appends a `BuildPublished` event and one `Fired` event
    /// per triggered subscription. Returns the stored build.
    fn publish_build(
        &self,
        build: &NewBuild,
        default_channels: &[String],
        trigger: &[String],
    ) -> Result<BuildInfo, StoreError>;
    /// The build of `repository` (by identity) at `commit` with `build_number`, if
    /// published ([`Store::publish_build`] refuses a second one as a conflict).
    fn find_build(
        &self,
        repository: &str,
        commit: &str,
        build_number: &str,
    ) -> Result<Option<BuildInfo>, StoreError>;
    /// One build.
    fn build(&self, id: BuildId) -> Result<Option<BuildInfo>, StoreError>;
    /// Builds matching `query`, newest first.
    fn builds(&self, query: &BuildQuery) -> Result<Vec<BuildInfo>, StoreError>;
    /// Assigns a build to a channel and triggers `trigger` as [`Store::publish_build`]
    /// does. Returns false when it was already on the channel.
    fn add_to_channel(
        &self,
        id: BuildId,
        channel: &str,
        trigger: &[String],
    ) -> Result<bool, StoreError>;
    /// The newest build of `repository` (by identity) on `channel`.
    fn latest_build(
        &self,
        repository: &str,
        channel: &str,
    ) -> Result<Option<BuildInfo>, StoreError>;

    /// A subscription's record (default when unknown).
    fn subscription(&self, name: &str) -> Result<SubscriptionRecord, StoreError>;
    /// Every stored subscription record by name.
    fn subscriptions(
        &self,
    ) -> Result<std::collections::BTreeMap<String, SubscriptionRecord>, StoreError>;
    /// Read-modify-write of a subscription's record in one transaction.
    fn update_subscription(
        &self,
        name: &str,
        change: &mut dyn FnMut(&mut SubscriptionRecord),
    ) -> Result<SubscriptionRecord, StoreError>;

    /// Read-modify-write of several subscription records in one transaction: `change`
    /// is called with each of `names` and its record.
    fn update_subscriptions(
        &self,
        names: &[String],
        change: &mut dyn FnMut(&str, &mut SubscriptionRecord),
    ) -> Result<(), StoreError>;

    /// The latest tracked pull request of a key.
    fn tracked_pull_request(
        &self,
        key: &UpdateKey,
    ) -> Result<Option<TrackedPullRequest>, StoreError>;
    /// Every tracked pull request that is open or not yet settled.
    fn active_pull_requests(&self) -> Result<Vec<TrackedPullRequest>, StoreError>;
    /// Inserts or replaces the tracked pull request (by key and id).
    fn save_tracked_pull_request(&self, pr: &TrackedPullRequest) -> Result<(), StoreError>;

    /// Appends an event (its `seq` is ignored and assigned).
    fn append_event(&self, event: &FlowEvent) -> Result<(), StoreError>;
    /// Events about a build, oldest first.
    fn events_for_build(&self, build: BuildId) -> Result<Vec<FlowEvent>, StoreError>;
    /// When each subscription's newest event about `build` happened (RFC 3339), by
    /// subscription name: where a build flowed, without reading its whole history.
    fn flow_times(
        &self,
        build: BuildId,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError>;
    /// The newest `limit` events, oldest first.
    fn recent_events(&self, limit: u32) -> Result<Vec<FlowEvent>, StoreError>;
    /// At most `limit` events with a sequence number above `seq`, oldest first: a
    /// reader following the history resumes from the last `seq` it saw.
    fn events_after(&self, seq: i64, limit: u32) -> Result<Vec<FlowEvent>, StoreError>;

    /// A number that grows with every row written: a reader deriving views from the
    /// store (the controller's status) recomputes them only when it moved.
    fn revision(&self) -> u64;
}

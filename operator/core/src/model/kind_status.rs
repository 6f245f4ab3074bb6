//! The status of Channels, DefaultChannels and RepositoryPolicies: their conditions and
//! what sluice did with them (the builds a channel holds, the builds a default channel
//! assigned, the batched pull request of a repository policy).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status::Condition;
use super::subscription::{PolicyEvaluation, PullRequestState};

/// A build as statuses name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BuildReference {
    /// sluice's id of the build (what `sluice build show` and the HTTP API take).
    pub id: i64,
    /// The CI build number, e.g. `20261101.3`.
    pub build_number: String,
    /// The repository that was built.
    pub repository: String,
    /// The branch that was built.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub branch: String,
    /// The commit that was built.
    pub commit: String,
    /// When the build finished (RFC 3339).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub produced_at: String,
}

/// What a Channel shows: its conditions and the newest build of each repository on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelStatus {
    /// The `metadata.generation` last acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions, one per type: `Ready` always, `Reconciling` and `Stalled` only
    /// while `True`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// The newest build of each repository on the channel, by repository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latest_builds: Vec<BuildReference>,
}

/// What a DefaultChannel shows: its conditions and the builds it assigned most recently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultChannelStatus {
    /// The `metadata.generation` last acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions, one per type: `Ready` always, `Reconciling` and `Stalled` only
    /// while `True`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// The newest builds of the repository branch on the channel, newest first (at most
    /// five; `sluice build list` has the whole history).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assigned_builds: Vec<BuildReference>,
}

/// A batched pull request, as a RepositoryPolicy shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchedPullRequest {
    /// Where a person finds it.
    pub url: String,
    /// Open, merged or closed.
    pub state: PullRequestState,
    /// The subscriptions whose updates it carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
    /// The merge policies' latest evaluation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyEvaluation>,
}

/// What a RepositoryPolicy shows: its conditions and the batched pull request of its
/// branch, if there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryPolicyStatus {
    /// The `metadata.generation` last acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions, one per type: `Ready` always, `Reconciling` and `Stalled` only
    /// while `True`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// The batched pull request of the branch: the open one, else the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<BatchedPullRequest>,
}

//! Subscription: a source repository's builds on a channel flow onto a target branch.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::channel::Visibility;
use super::merge_policy::MergePolicy;
use super::status::Condition;

/// How often a subscription applies new builds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum UpdateFrequency {
    /// Never by itself; only when triggered by hand.
    None,
    /// As soon as a build from the source repository lands on the channel.
    #[default]
    EveryBuild,
    /// At 05:00 and 19:00 UTC.
    TwiceDaily,
    /// At 05:00 UTC.
    EveryDay,
    /// On Mondays at 05:00 UTC.
    EveryWeek,
    /// On the 1st and the 14th of the month at 05:00 UTC.
    EveryTwoWeeks,
    /// On the 1st of the month at 05:00 UTC.
    EveryMonth,
}

/// Where the builds come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSource {
    /// The source repository URL, e.g. `https://github.com/contoso/runtime`.
    pub repository: String,
    /// The `metadata.name` of the channel whose builds flow.
    pub channel: String,
    /// Who may see the source repository; when absent the forge is asked, then the forge
    /// kind decides (public on github.com, internal on Azure DevOps and git remotes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// For an internal source, the public repository its public commits are pushed to
    /// (a GitHub mirror, say): a build flows into a public target only when its commit is
    /// there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_repository: Option<String>,
}

/// Where the builds go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionTarget {
    /// The target repository URL.
    pub repository: String,
    /// The target branch, e.g. `main`.
    pub branch: String,
    /// Directories of the target whose manifests are updated; `.` is the repository root.
    #[serde(default = "default_directories")]
    pub directories: Vec<String>,
    /// Who may see the target repository; when absent the forge is asked, then the forge
    /// kind decides (public on github.com, internal on Azure DevOps and git remotes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

fn default_directories() -> Vec<String> {
    vec![".".to_string()]
}

/// Maps the builds of one source repository on one channel onto a target repository branch.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "sluice.dev",
    version = "v1alpha1",
    kind = "Subscription",
    namespaced,
    status = "SubscriptionStatus",
    shortname = "sub",
    category = "sluice",
    doc = "Flows the builds of a source repository on a channel onto a target repository branch.",
    printcolumn(
        name = "Source",
        type_ = "string",
        json_path = ".spec.source.repository"
    ),
    printcolumn(name = "Channel", type_ = "string", json_path = ".spec.source.channel"),
    printcolumn(
        name = "Target",
        type_ = "string",
        json_path = ".spec.target.repository"
    ),
    printcolumn(name = "Branch", type_ = "string", json_path = ".spec.target.branch"),
    printcolumn(
        name = "Frequency",
        type_ = "string",
        json_path = ".spec.updateFrequency"
    ),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(
        name = "Last Build",
        type_ = "string",
        json_path = ".status.lastAppliedBuild.buildNumber"
    ),
    printcolumn(
        name = "Pull Request",
        type_ = "string",
        json_path = ".status.pullRequest.url"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    crates(
        kube_core = "::kube_core",
        k8s_openapi = "::k8s_openapi",
        schemars = "::schemars",
        serde = "::serde",
        serde_json = "::serde_json"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSpec {
    /// Where the builds come from.
    pub source: SubscriptionSource,
    /// Where they go.
    pub target: SubscriptionTarget,
    /// How often new builds are applied.
    #[serde(default)]
    pub update_frequency: UpdateFrequency,
    /// Share one pull request per target branch with the other batchable subscriptions; the
    /// target's RepositoryPolicy then decides when it merges.
    #[serde(default)]
    pub batchable: bool,
    /// Glob patterns (`*`, `?`) of asset names never updated by this subscription.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_assets: Vec<String>,
    /// Policies that must all pass before the pull request merges; empty means a person merges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge_policies: Vec<MergePolicy>,
    /// Users or teams tagged (e.g. `@contoso/sdk-owners`) when a merge policy fails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failure_notification_tags: Vec<String>,
    /// A disabled subscription applies nothing.
    #[serde(default = "super::default_true")]
    pub enabled: bool,
    /// Flow source code rather than dependency versions (source-code flow).
    #[serde(default)]
    pub source_enabled: bool,
    /// Source-code flow into a repository that holds others: the directory of the source
    /// repository's code inside the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_directory: Option<String>,
    /// Source-code flow out of such a repository: the directory of the target's code inside
    /// the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_directory: Option<String>,
}

/// The build a subscription applied last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedBuild {
    /// The Build's `metadata.name` (or store id).
    pub name: String,
    /// The build number, e.g. `20261101.3`.
    pub build_number: String,
    /// The source commit.
    pub commit: String,
    /// When its pull request merged (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_at: Option<String>,
}

/// State of an update pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullRequestState {
    /// Open and waiting for its policies or a person.
    Open,
    /// Merged into the target branch.
    Merged,
    /// Closed without merging.
    Closed,
}

/// Outcome of one merge policy on a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PolicyResult {
    /// Not decided yet (checks running, nothing reported).
    Pending,
    /// The policy passes.
    Passed,
    /// The policy fails; the message says why.
    Failed,
}

/// One merge policy's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyEvaluation {
    /// The policy name.
    pub name: String,
    /// Its outcome.
    pub result: PolicyResult,
    /// Why, in a sentence.
    #[serde(default)]
    pub message: String,
}

/// The subscription's update pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestStatus {
    /// Where a person finds it.
    pub url: String,
    /// Open, merged or closed.
    pub state: PullRequestState,
    /// The head commit sluice pushed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_commit: Option<String>,
    /// The merge policies' latest evaluation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyEvaluation>,
}

/// What sluice observed and did for a subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionStatus {
    /// The `metadata.generation` last acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions, one per type: `Ready` always, `Reconciling` and `Stalled` only
    /// while `True`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// The build applied last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_build: Option<AppliedBuild>,
    /// The build requested and not applied yet: carried by the open pull request, or
    /// waiting for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_build: Option<AppliedBuild>,
    /// The current or last update pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequestStatus>,
    /// The last `sluice.dev/requestedAt` annotation value acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_requested_at: Option<String>,
    /// The last `sluice.dev/forceAt` annotation value acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_force_at: Option<String>,
}

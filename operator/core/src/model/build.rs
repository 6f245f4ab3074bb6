//! Build: one CI run of a repository at a commit, with the assets it produced.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status::Condition;

/// Kind of place an asset was published to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum LocationType {
    /// A NuGet feed (its `index.json` URL).
    NugetFeed,
    /// A container registry repository.
    Container,
    /// Blob storage or any other plain download location.
    Blob,
}

/// Where an asset can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssetLocation {
    /// The URL of the feed, registry or container.
    pub location: String,
    /// What kind of location it is.
    #[serde(rename = "type")]
    pub type_: LocationType,
}

/// Something a build produced: a package, an SDK, an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// The asset name, matched case-insensitively against manifest dependency names.
    pub name: String,
    /// The version produced.
    pub version: String,
    /// True for assets that never ship to customers (test utilities, build tasks).
    #[serde(default)]
    pub non_shipping: bool,
    /// Where the asset was published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<AssetLocation>,
}

/// One CI run of a repository at a commit.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "sluice.dev",
    version = "v1alpha1",
    kind = "Build",
    namespaced,
    status = "BuildStatus",
    shortname = "bld",
    category = "sluice",
    doc = "One CI run of a repository at a commit, with the assets it produced.",
    printcolumn(name = "Repository", type_ = "string", json_path = ".spec.repository"),
    printcolumn(name = "Commit", type_ = "string", json_path = ".spec.commit"),
    printcolumn(name = "Number", type_ = "string", json_path = ".spec.buildNumber"),
    printcolumn(name = "Channels", type_ = "string", json_path = ".spec.channels"),
    printcolumn(name = "Assets", type_ = "integer", json_path = ".status.assetCount"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
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
pub struct BuildSpec {
    /// The repository that was built.
    pub repository: String,
    /// The branch that was built.
    pub branch: String,
    /// The commit that was built (full SHA).
    pub commit: String,
    /// The CI system's build number, e.g. `20261101.3`.
    pub build_number: String,
    /// When the build finished (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub produced_at: String,
    /// Channels the build is assigned to explicitly (default channels add more).
    #[serde(default)]
    pub channels: Vec<String>,
    /// What the build produced.
    #[serde(default)]
    pub assets: Vec<Asset>,
}

/// Where a build stands in one dependent subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BuildFlowState {
    /// Not proposed yet (waiting for a schedule, a cycle or a person).
    Pending,
    /// An open update pull request carries it.
    PullRequestOpen,
    /// The target has it.
    Applied,
    /// The target has a newer build of the same repository.
    Superseded,
    /// The pull request carrying it was closed unmerged.
    Closed,
}

/// Where a build went: its state in one dependent subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BuildFlow {
    /// The dependent subscription's name.
    pub subscription: String,
    /// Its target repository.
    pub target_repository: String,
    /// Its target branch.
    pub target_branch: String,
    /// Where the build stands there.
    pub state: BuildFlowState,
    /// The update pull request carrying this build, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<String>,
    /// When it last moved there (RFC 3339): the pull request opened, merged or closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Where a build has flowed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BuildStatus {
    /// The `metadata.generation` last acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions, one per type: `Ready` always, `Reconciling` and `Stalled` only
    /// while `True`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// sluice's id of the build once it is in the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Number of assets, for `kubectl get`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_count: Option<i64>,
    /// One entry per dependent subscription.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<BuildFlow>,
}

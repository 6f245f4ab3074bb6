//! DefaultChannel: every build of a repository branch goes to a channel.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind_status::DefaultChannelStatus;

/// "Every build of repository R on branch B (or a branch matching a pattern) goes to channel C."
///
/// Exactly one of `branch` and `branchPattern` is set.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "sluice.dev",
    version = "v1alpha1",
    kind = "DefaultChannel",
    namespaced,
    status = "DefaultChannelStatus",
    shortname = "dch",
    category = "sluice",
    doc = "Assigns every build of a repository branch to a channel.",
    printcolumn(name = "Repository", type_ = "string", json_path = ".spec.repository"),
    printcolumn(name = "Branch", type_ = "string", json_path = ".spec.branch"),
    printcolumn(name = "Pattern", type_ = "string", json_path = ".spec.branchPattern"),
    printcolumn(name = "Channel", type_ = "string", json_path = ".spec.channel"),
    printcolumn(name = "Enabled", type_ = "boolean", json_path = ".spec.enabled"),
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
pub struct DefaultChannelSpec {
    /// The source repository URL, e.g. `https://github.com/contoso/runtime`.
    pub repository: String,
    /// The exact branch whose builds go to the channel, e.g. `main`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// A regular expression matched against the whole branch name, e.g. `release/11\.0\.\d+xx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_pattern: Option<String>,
    /// The `metadata.name` of the channel builds are assigned to.
    pub channel: String,
    /// A disabled default channel assigns nothing.
    #[serde(default = "super::default_true")]
    pub enabled: bool,
}

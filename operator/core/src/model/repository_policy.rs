//! RepositoryPolicy: merge policies of a target repository branch.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind_status::RepositoryPolicyStatus;
use super::merge_policy::{MergeMethod, MergePolicy};

/// The merge policies of a target repository branch. Batched pull requests, which carry
/// updates from several batchable subscriptions, are merged under these policies.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "sluice.dev",
    version = "v1alpha1",
    kind = "RepositoryPolicy",
    plural = "repositorypolicies",
    namespaced,
    status = "RepositoryPolicyStatus",
    shortname = "rpol",
    category = "sluice",
    doc = "Merge policies for a target repository branch, used by batched pull requests.",
    printcolumn(name = "Repository", type_ = "string", json_path = ".spec.repository"),
    printcolumn(name = "Branch", type_ = "string", json_path = ".spec.branch"),
    printcolumn(
        name = "Policies",
        type_ = "string",
        json_path = ".spec.mergePolicies[*].name"
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
pub struct RepositoryPolicySpec {
    /// The target repository URL.
    pub repository: String,
    /// The target branch.
    pub branch: String,
    /// Policies that must all pass before a pull request merges; empty means a person merges.
    #[serde(default)]
    pub merge_policies: Vec<MergePolicy>,
    /// How update pull requests into this branch are merged: `squash` (the default),
    /// `merge`, `rebase`, or `platform` (the forge's own auto-merge, turned on once the
    /// policies pass). Applies to every update of the branch, batched or not.
    #[serde(default, skip_serializing_if = "is_squash")]
    pub merge_method: MergeMethod,
}

fn is_squash(method: &MergeMethod) -> bool {
    *method == MergeMethod::Squash
}

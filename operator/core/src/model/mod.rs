//! Resource model of the `sluice.dev/v1alpha1` API.
//!
//! The same types back the Kubernetes custom resources (`kubectl apply`) and the YAML
//! committed to a config repository. CRDs and JSON Schemas are generated from them.

// Every `printcolumn(...)` of a kind repeats the keys `name`, `type_` and `json_path`, which
// this lint mistakes for duplicated attributes.
#![allow(clippy::duplicated_attributes)]

mod build;
mod channel;
mod default_channel;
mod kind;
mod kind_status;
mod merge_policy;
mod repository;
mod repository_policy;
mod schema;
mod status;
mod subscription;

pub use build::{
    Asset, AssetLocation, Build, BuildFlow, BuildFlowState, BuildSpec, BuildStatus, LocationType,
};
pub use channel::{Channel, ChannelSpec, Visibility};
pub use default_channel::{DefaultChannel, DefaultChannelSpec};
pub use kind::{API_VERSION, GROUP, ResourceKind, VERSION, all_crds};
pub use kind_status::{
    BatchedPullRequest, BuildReference, ChannelStatus, DefaultChannelStatus, RepositoryPolicyStatus,
};
pub use merge_policy::{MergeMethod, MergePolicy, MergePolicyName, MergePolicyProperties};
pub use repository::{RepositoryUrl, RepositoryUrlError, redact_credentials};
pub use repository_policy::{RepositoryPolicy, RepositoryPolicySpec};
pub use schema::{any_document_schema, document_schema};
pub use status::{CommonStatus, Condition, ConditionStatus, ConditionType};
pub use subscription::{
    AppliedBuild, PolicyEvaluation, PolicyResult, PullRequestState, PullRequestStatus,
    Subscription, SubscriptionSource, SubscriptionSpec, SubscriptionStatus, SubscriptionTarget,
    UpdateFrequency,
};

fn default_true() -> bool {
    true
}

//! Status types shared by every kind, following the kstatus conventions.
//!
//! A resource reports three condition types: `Ready` (converged), `Reconciling`
//! (work in progress) and `Stalled` (the input is wrong; no retry until it changes).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kstatus condition types sluice reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ConditionType {
    /// The resource has converged: nothing is left to do until an input changes.
    Ready,
    /// sluice is working on the resource (a pull request is open, a push is under way).
    Reconciling,
    /// The resource cannot make progress until its input changes (bad manifest, unknown channel).
    Stalled,
}

/// Truth value of a condition, as Kubernetes spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not yet known.
    Unknown,
}

/// One observation about a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Which condition this is.
    #[serde(rename = "type")]
    pub type_: ConditionType,
    /// Whether it holds.
    pub status: ConditionStatus,
    /// A CamelCase machine-readable reason such as `PullRequestOpening` or `ManifestInvalid`
    /// (`sluice status --help` lists them), or `NotReconciled` before the first cycle.
    pub reason: String,
    /// A human-readable explanation; names repository, branch, file and line where relevant.
    #[serde(default)]
    pub message: String,
    /// When `status` last changed (RFC 3339); a new reason or message does not move it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    /// The `metadata.generation` this condition was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// The status every kind without richer state reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommonStatus {
    /// The `metadata.generation` last acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions, one per type: `Ready` always, `Reconciling` and `Stalled` only
    /// while `True`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

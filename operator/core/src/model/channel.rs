//! Channel: a named intent that builds are assigned to.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind_status::ChannelStatus;

/// Who may see the builds on a channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Visibility {
    /// Builds are public; their feeds may be referenced from public repositories.
    #[default]
    Public,
    /// Builds are internal; feeds are authenticated and flow only to internal targets.
    Internal,
}

/// A named intent that builds are assigned to, such as "product 11 dev" or "tools latest".
///
/// Subscriptions and default channels refer to a channel by its `metadata.name`.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "sluice.dev",
    version = "v1alpha1",
    kind = "Channel",
    namespaced,
    status = "ChannelStatus",
    shortname = "ch",
    category = "sluice",
    doc = "A named intent that builds are assigned to.",
    printcolumn(
        name = "Display Name",
        type_ = "string",
        json_path = ".spec.displayName"
    ),
    printcolumn(
        name = "Classification",
        type_ = "string",
        json_path = ".spec.classification"
    ),
    printcolumn(name = "Visibility", type_ = "string", json_path = ".spec.visibility"),
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
pub struct ChannelSpec {
    /// Human-readable name, e.g. ".NET 11 Dev". Defaults to `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Free-form grouping such as `product`, `tools` or `test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// Who may see the builds on this channel.
    #[serde(default)]
    pub visibility: Visibility,
}

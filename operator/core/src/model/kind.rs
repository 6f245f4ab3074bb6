//! The kinds of the API and their generated CustomResourceDefinitions.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube_core::CustomResourceExt;

use super::{Build, Channel, DefaultChannel, RepositoryPolicy, Subscription};

/// The API group of every sluice kind.
pub const GROUP: &str = "sluice.dev";
/// The API version of every sluice kind.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` as written in manifests.
pub const API_VERSION: &str = "sluice.dev/v1alpha1";

/// The kinds of `sluice.dev/v1alpha1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// [`Channel`].
    Channel,
    /// [`DefaultChannel`].
    DefaultChannel,
    /// [`Subscription`].
    Subscription,
    /// [`RepositoryPolicy`].
    RepositoryPolicy,
    /// [`Build`].
    Build,
}

impl ResourceKind {
    /// Every kind, in the order CRDs are printed.
    pub const ALL: [ResourceKind; 5] = [
        Self::Channel,
        Self::DefaultChannel,
        Self::Subscription,
        Self::RepositoryPolicy,
        Self::Build,
    ];

    /// The `kind` as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "Channel",
            Self::DefaultChannel => "DefaultChannel",
            Self::Subscription => "Subscription",
            Self::RepositoryPolicy => "RepositoryPolicy",
            Self::Build => "Build",
        }
    }

    /// Looks a kind up by its exact name.
    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The generated CustomResourceDefinition.
    pub fn crd(self) -> CustomResourceDefinition {
        match self {
            Self::Channel => Channel::crd(),
            Self::DefaultChannel => DefaultChannel::crd(),
            Self::Subscription => Subscription::crd(),
            Self::RepositoryPolicy => RepositoryPolicy::crd(),
            Self::Build => Build::crd(),
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The CRDs of every kind, in [`ResourceKind::ALL`] order.
pub fn all_crds() -> Vec<CustomResourceDefinition> {
    ResourceKind::ALL
        .into_iter()
        .map(ResourceKind::crd)
        .collect()
}

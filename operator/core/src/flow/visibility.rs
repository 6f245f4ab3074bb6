//! Public and internal: the visibility of a repository, and whether a build may flow into a
//! target. A build on an internal channel, a build whose commit is not in the source's
//! public repository, and a build with assets only on internal feeds never flow into a
//! public target; internal targets take every build.

use std::collections::BTreeMap;

use super::forges::ForgeKind;
use super::types::{BuildId, BuildInfo};
use crate::manifest::nuget_config::is_internal_feed;
use crate::model::{SubscriptionSpec, Visibility};

/// The visibility of a repository nobody declared and its forge could not tell: public on
/// GitHub, internal on Azure DevOps (projects are private unless made public) and on plain
/// git remotes (a self-hosted server is not a public place unless declared so).
pub fn default_visibility(kind: ForgeKind) -> Visibility {
    match kind {
        ForgeKind::GitHub => Visibility::Public,
        ForgeKind::AzureDevOps | ForgeKind::Native => Visibility::Internal,
    }
}

/// A repository's visibility: as declared in the configuration, else as its forge reports
/// it, else the default of its forge kind.
pub fn resolve(
    declared: Option<Visibility>,
    forge: Option<Visibility>,
    kind: ForgeKind,
) -> Visibility {
    declared
        .or(forge)
        .unwrap_or_else(|| default_visibility(kind))
}

/// What GitHub's repository answer says: its `visibility` (`public`, `private`, or
/// `internal` on GitHub Enterprise), else its `private` flag; `None` when it says neither.
pub fn github_visibility(visibility: Option<&str>, private: Option<bool>) -> Option<Visibility> {
    match (visibility, private) {
        (Some("public"), _) => Some(Visibility::Public),
        (Some("private" | "internal"), _) => Some(Visibility::Internal),
        (_, Some(true)) => Some(Visibility::Internal),
        (_, Some(false)) => Some(Visibility::Public),
        (_, None) => None,
    }
}

/// What an Azure DevOps project's `visibility` says (`public`; `private`, or
/// `organization` on older servers); `None` for anything else.
pub fn azure_devops_visibility(visibility: Option<&str>) -> Option<Visibility> {
    match visibility.map(str::to_ascii_lowercase).as_deref() {
        Some("public") => Some(Visibility::Public),
        Some("private" | "organization") => Some(Visibility::Internal),
        _ => None,
    }
}

/// The repository a build's commit must be in for the build to flow into a public target:
/// the source itself when it is public, else its declared `publicRepository`.
pub fn public_repository(spec: &SubscriptionSpec, source: Visibility) -> Option<&str> {
    match source {
        Visibility::Public => Some(&spec.source.repository),
        Visibility::Internal => spec.source.public_repository.as_deref(),
    }
}

/// Where a build's commit stands with respect to the source's public repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitReach {
    /// The public repository has the commit.
    Public {
        /// The public repository.
        repository: String,
    },
    /// The public repository does not have the commit.
    NotPublic {
        /// The public repository.
        repository: String,
    },
    /// The source is internal and declares no public repository.
    NoPublicRepository {
        /// The source repository.
        source: String,
    },
}

/// What the planner knows about visibility for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVisibility {
    /// The target repository's visibility.
    pub target: Visibility,
    /// The visibility of each subscription's channel, by subscription name.
    pub channels: BTreeMap<String, Visibility>,
    /// Where each wanted build's commit stands; observed only for a public target.
    pub commits: BTreeMap<BuildId, CommitReach>,
}

impl Default for KeyVisibility {
    /// An internal target, which takes every build.
    fn default() -> Self {
        KeyVisibility {
            target: Visibility::Internal,
            channels: BTreeMap::new(),
            commits: BTreeMap::new(),
        }
    }
}

/// The names of `build`'s assets (minus those `spec` excludes) whose every location is an
/// internal feed (`darc-int-*`): a public target could not restore them.
pub fn internal_only_assets<'a>(spec: &SubscriptionSpec, build: &'a BuildInfo) -> Vec<&'a str> {
    build
        .assets
        .iter()
        .filter(|a| {
            !spec
                .excluded_assets
                .iter()
                .any(|g| super::render::glob_matches(g, &a.name))
        })
        .filter(|a| {
            !a.locations.is_empty() && a.locations.iter().all(|l| is_internal_feed(&l.location))
        })
        .map(|a| a.name.as_str())
        .collect()
}

/// `build` as a public target may see it: internal feed locations removed, so no
/// `darc-int-*` feed is ever written into a public repository.
pub fn public_view(build: &BuildInfo) -> BuildInfo {
    let mut build = build.clone();
    for asset in &mut build.assets {
        asset.locations.retain(|l| !is_internal_feed(&l.location));
    }
    build
}

/// Why subscription `name` (of `spec`) may not apply `build` to its target, or `None` when
/// it may. Only a public target refuses anything.
pub fn refusal(
    visibility: &KeyVisibility,
    name: &str,
    spec: &SubscriptionSpec,
    build: &BuildInfo,
) -> Option<String> {
    if visibility.target == Visibility::Internal {
        return None;
    }
    let target = &spec.target.repository;
    let what = format!("build {} ({})", build.build_number, build.repository);
    let channel = visibility
        .channels
        .get(name)
        .copied()
        .unwrap_or(Visibility::Internal);
    if channel == Visibility::Internal {
        return Some(format!(
            "{what} is on internal channel `{}` and never flows into public repository {target}",
            spec.source.channel
        ));
    }
    let internal = internal_only_assets(spec, build);
    if !internal.is_empty() {
        return Some(format!(
            "{what} has assets only on internal feeds ({}), which public repository {target} cannot use",
            internal.join(", ")
        ));
    }
    match visibility.commits.get(&build.id) {
        Some(CommitReach::Public { .. }) => None,
        Some(CommitReach::NotPublic { repository }) => Some(format!(
            "commit {} of {what} is not in public repository {repository}, so it never flows into public repository {target}",
            build.commit
        )),
        Some(CommitReach::NoPublicRepository { source }) => Some(format!(
            "source {source} is internal and declares no `publicRepository`, so the commit {} of {what} cannot be shown public for public repository {target}",
            build.commit
        )),
        None => Some(format!(
            "commit {} of {what} was not verified in a public repository, so it does not flow into public repository {target}",
            build.commit
        )),
    }
}

#[cfg(test)]
#[path = "visibility_tests.rs"]
mod tests;

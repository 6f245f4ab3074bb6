//! The visibility part of observing a key: the target's visibility (declared, else its
//! forge's answer, else the forge kind's default), the subscriptions' channels', and, for
//! a public target only, whether each build's commit is in its source's public repository.
//! The core's [`visibility::refusal`] decides from these; nothing here refuses anything.

use std::collections::BTreeMap;

use sluice_core::flow::visibility::{self, CommitReach, KeyVisibility};
use sluice_core::flow::{BuildId, BuildInfo, SubscriptionView};
use sluice_core::model::{RepositoryUrl, Visibility};

use super::Engine;
use super::error::ObserveError;
use super::snapshot::KeyConfig;
use crate::git::{GitError, ObjectId};

impl Engine {
    /// What the planner needs to keep internal builds and commits out of a public target.
    pub(super) async fn observe_visibility(
        &self,
        config: &KeyConfig,
        subscriptions: &[SubscriptionView],
        builds: &BTreeMap<BuildId, BuildInfo>,
    ) -> Result<KeyVisibility, ObserveError> {
        // Only a wanted build is ever refused: with none, the forge is not asked.
        if builds.is_empty() {
            return Ok(KeyVisibility::default());
        }
        let declared = declared_target(subscriptions);
        let target = self
            .repository_visibility(&config.target_repository, declared)
            .await?;
        let mut seen = KeyVisibility {
            target,
            channels: config.channels.clone(),
            commits: BTreeMap::new(),
        };
        if target == Visibility::Internal {
            return Ok(seen);
        }
        for sub in subscriptions {
            if seen.channels.get(&sub.name) != Some(&Visibility::Public) {
                continue;
            }
            let Ok(source) = RepositoryUrl::parse(&sub.spec.source.repository) else {
                continue;
            };
            let from_source = builds.values().filter(|b| {
                RepositoryUrl::parse(&b.repository).is_ok_and(|r| r == source)
                    && !seen.commits.contains_key(&b.id)
            });
            let from_source: Vec<&BuildInfo> = from_source.collect();
            if from_source.is_empty() {
                continue;
            }
            let spec = &sub.spec;
            let source_visibility = self
                .repository_visibility(&spec.source.repository, spec.source.visibility)
                .await?;
            for build in from_source {
                let reach = match visibility::public_repository(spec, source_visibility) {
                    None => CommitReach::NoPublicRepository {
                        source: spec.source.repository.clone(),
                    },
                    Some(public) => self.commit_reach(public, &build.commit).await?,
                };
                seen.commits.insert(build.id, reach);
            }
        }
        Ok(seen)
    }

    /// A repository's visibility: `declared`, else its forge's answer, else its kind's
    /// default.
    async fn repository_visibility(
        &self,
        repository: &str,
        declared: Option<Visibility>,
    ) -> Result<Visibility, ObserveError> {
        let kind = self.forges.kind_of(repository);
        if declared.is_some() {
            return Ok(visibility::resolve(declared, None, kind));
        }
        let known = self
            .forges
            .forge_for(repository)
            .repository_visibility(repository)
            .await?;
        Ok(visibility::resolve(None, known, kind))
    }

    /// Whether `public` holds `commit`, asked by id (see
    /// [`crate::git::RemoteRepo::missing_commits`]).
    async fn commit_reach(&self, public: &str, commit: &str) -> Result<CommitReach, ObserveError> {
        let repository = public.to_string();
        let Ok(id) = ObjectId::from_hex(commit.as_bytes()) else {
            return Ok(CommitReach::NotPublic { repository });
        };
        let repo = self.observer.repo(public)?;
        let missing = repo.missing_commits(&[id]).await.map_err(GitError::from)?;
        Ok(if missing.is_empty() {
            CommitReach::Public { repository }
        } else {
            CommitReach::NotPublic { repository }
        })
    }
}

/// The target visibility the key's subscriptions declare: public when any declares it
/// public (the stricter wins), internal when they declare only that, else none.
fn declared_target(subscriptions: &[SubscriptionView]) -> Option<Visibility> {
    let declared = subscriptions
        .iter()
        .filter_map(|s| s.spec.target.visibility);
    declared.reduce(|a, b| {
        if a == Visibility::Public || b == Visibility::Public {
            Visibility::Public
        } else {
            Visibility::Internal
        }
    })
}

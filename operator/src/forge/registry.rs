//! [`ForgeRegistry`]: the forge of each repository, chosen by URL with the core's rule
//! ([`ForgeHosts`]). The engine holds the registry, never a single forge, so one
//! configuration may flow between repositories on several forges.

use std::collections::BTreeMap;
use std::sync::Arc;

use sluice_core::flow::forges::{ForgeHosts, ForgeKind, InvalidHostPattern};

use super::Forge;
use super::local::LocalForge;

/// A hosted forge to add to a deployment: its kind, the forge, and the hosts it claims
/// beyond its kind's well-known ones.
#[derive(Clone)]
pub struct HostedForge {
    /// The kind.
    pub kind: ForgeKind,
    /// The forge.
    pub forge: Arc<dyn Forge>,
    /// Extra hosts (`host`, `host:port` or `*.domain`), GitHub Enterprise servers say.
    pub hosts: Vec<String>,
}

/// The forges of a deployment.
#[derive(Clone)]
pub struct ForgeRegistry {
    hosts: ForgeHosts,
    native: Arc<LocalForge>,
    hosted: BTreeMap<ForgeKind, Arc<dyn Forge>>,
}

impl ForgeRegistry {
    /// Every repository served by the git-native forge.
    pub fn new(native: Arc<LocalForge>) -> Self {
        ForgeRegistry {
            hosts: ForgeHosts::new(),
            native,
            hosted: BTreeMap::new(),
        }
    }

    /// Adds a hosted forge of `kind`, which claims the kind's well-known hosts and
    /// `extra_hosts` (`host`, `host:port` or `*.domain`).
    pub fn with(
        mut self,
        kind: ForgeKind,
        forge: Arc<dyn Forge>,
        extra_hosts: &[&str],
    ) -> Result<Self, InvalidHostPattern> {
        for host in extra_hosts {
            self.hosts.claim(host, kind)?;
        }
        self.hosts.enable(kind);
        self.hosted.insert(kind, forge);
        Ok(self)
    }

    /// The kind of forge serving `repository` (only added forges claim hosts).
    pub fn kind_of(&self, repository: &str) -> ForgeKind {
        self.hosts.kind_of(repository)
    }

    /// The forge serving `repository`.
    pub fn forge_for(&self, repository: &str) -> Arc<dyn Forge> {
        match self.hosted.get(&self.kind_of(repository)) {
            Some(forge) => forge.clone(),
            None => self.native.clone(),
        }
    }

    /// The git-native forge (its pull requests are the ones people check, review, merge
    /// and close through sluice).
    pub fn native(&self) -> &Arc<LocalForge> {
        &self.native
    }
}

impl From<Arc<LocalForge>> for ForgeRegistry {
    fn from(native: Arc<LocalForge>) -> Self {
        ForgeRegistry::new(native)
    }
}

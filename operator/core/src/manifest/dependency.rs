//! The dependency record every manifest format reads into, and the build that
//! updates it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::pos::Pos;

mod plan;

pub use plan::{NameIndex, Unmoved, plan_updates, plan_updates_indexed, unmoved_assets};

/// Whether a dependency ships in the product or is only used to build it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    /// Part of what the repository ships.
    #[default]
    Product,
    /// Used only to build (SDKs, build tasks).
    Toolset,
}

impl fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DependencyKind::Product => "product",
            DependencyKind::Toolset => "toolset",
        })
    }
}

/// Source-build metadata of a dependency (`<SourceBuild RepoName ...>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceBuild {
    /// The source-build repository name.
    pub repo_name: String,
    /// Built only in managed-only configurations.
    pub managed_only: bool,
    /// Built only from the source tarball.
    pub tarball_only: bool,
}

/// One entry of a repository's dependency manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// Asset name (matched case-insensitively).
    pub name: String,
    /// The version the repository currently uses.
    pub version: String,
    /// URI of the repository that produces it.
    pub repository: String,
    /// Commit of that repository the version was built from.
    pub commit: String,
    /// Product or toolset.
    pub kind: DependencyKind,
    /// Name of the dependency this one must stay coherent with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coherent_parent: Option<String>,
    /// Pinned dependencies are never updated by a build.
    pub pinned: bool,
    /// No version property is generated for it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skip_property: bool,
    /// Source-build metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_build: Option<SourceBuild>,
    /// Where the entry is declared.
    #[serde(skip)]
    pub pos: Pos,
}

impl Dependency {
    /// A dependency with the given identity and no flags.
    pub fn new(name: &str, version: &str, repository: &str, commit: &str) -> Self {
        Dependency {
            name: name.to_string(),
            version: version.to_string(),
            repository: repository.to_string(),
            commit: commit.to_string(),
            kind: DependencyKind::Product,
            coherent_parent: None,
            pinned: false,
            skip_property: false,
            source_build: None,
            pos: Pos::default(),
        }
    }
}

/// What planning reads of a dependency, borrowed: from a [`Dependency`]
/// ([`Dependency::view`]) or straight from the file that declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DependencyRef<'a> {
    /// Asset name.
    pub name: &'a str,
    /// The version the repository currently uses.
    pub version: &'a str,
    /// URI of the repository that produces it.
    pub repository: &'a str,
    /// Commit of that repository the version was built from.
    pub commit: &'a str,
    /// Name of the dependency this one must stay coherent with.
    pub coherent_parent: Option<&'a str>,
    /// Pinned dependencies are never updated by a build.
    pub pinned: bool,
}

impl Dependency {
    /// The fields planning reads, borrowed.
    pub fn view(&self) -> DependencyRef<'_> {
        DependencyRef {
            name: &self.name,
            version: &self.version,
            repository: &self.repository,
            commit: &self.commit,
            coherent_parent: self.coherent_parent.as_deref(),
            pinned: self.pinned,
        }
    }
}

/// One asset of a build: a name, a version and where it was published.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Asset {
    /// Asset name.
    pub name: String,
    /// Asset version.
    pub version: String,
    /// Feed or registry URLs the asset was published to.
    pub locations: Vec<String>,
}

/// A build of a source repository to apply to a target's manifests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildUpdate {
    /// URI of the source repository.
    pub source_repo: String,
    /// Commit the build was made from.
    pub commit: String,
    /// The assets it produced.
    pub assets: Vec<Asset>,
    /// The source repository's own global.json at that commit, when known.
    pub source_global_json: Option<Vec<u8>>,
    /// Coherent parents this update follows: a dependency whose coherent parent is named
    /// here moves although the build does not carry the parent (the parent moved in the
    /// same update, and this is the version the parent's own manifest references).
    pub coherent_parents: Vec<String>,
}

/// One dependency moving from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyUpdate {
    /// Name after the update (case-corrected to the asset's).
    pub name: String,
    /// Version before.
    pub from_version: String,
    /// Version after.
    pub to_version: String,
    /// Commit before.
    pub from_commit: String,
    /// Commit after.
    pub to_commit: String,
    /// Repository URI after.
    pub repository: String,
}

/// Whether `a` and `b` name the same asset (ASCII case-insensitive, as the
/// established tooling compares).
pub fn same_name(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    !(a.is_ascii() && b.is_ascii()) && a.to_lowercase() == b.to_lowercase()
}

/// Positions of names by [`name_hash`]: the candidates for a name without a scan of
/// them all (the caller compares each candidate).
#[derive(Debug, Clone, Default)]
pub struct NameHashes {
    /// The high half of each name's hash above its position, sorted.
    keys: Vec<u64>,
}

impl NameHashes {
    const HIGH: u64 = 0xffff_ffff_0000_0000;

    /// Indexes `names` by position.
    pub fn new<'n>(names: impl Iterator<Item = &'n str>) -> Self {
        let mut keys: Vec<u64> = names
            .enumerate()
            .map(|(i, name)| (name_hash(name) & Self::HIGH) | (i as u64 & !Self::HIGH))
            .collect();
        keys.sort_unstable();
        NameHashes { keys }
    }

    /// The positions whose name may be `name`, in increasing order.
    pub fn candidates(&self, name: &str) -> impl Iterator<Item = usize> + '_ {
        let high = name_hash(name) & Self::HIGH;
        let from = self.keys.partition_point(|k| k & Self::HIGH < high);
        self.keys[from..]
            .iter()
            .take_while(move |k| *k & Self::HIGH == high)
            .map(|k| (k & !Self::HIGH) as usize)
    }
}

/// A hash that names equal under [`same_name`] (and so under ASCII case-insensitive
/// comparison) share, for indexes that then compare the candidates: the lowercased
/// bytes with bit `0x20` set (which folds case, and sometimes more), eight at a time.
pub fn name_hash(name: &str) -> u64 {
    fn mix(bytes: &[u8]) -> u64 {
        const FOLD: u64 = 0x2020_2020_2020_2020;
        let step =
            |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
        let mut h = bytes.len() as u64;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            h = step(h, u64::from_le_bytes(word) | FOLD);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            h = step(h, u64::from_le_bytes(word) | FOLD);
        }
        h
    }
    if name.is_ascii() {
        mix(name.as_bytes())
    } else {
        // The whole string, as `same_name` lowercases it (a final sigma differs).
        mix(name.to_lowercase().as_bytes())
    }
}

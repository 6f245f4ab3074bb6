//! The product graph's values: nodes (a repository at a commit), edges (a dependency
//! between them), what a read of a node's manifest gave, and the walk's options.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::manifest::{Dependency, DependencyKind};
use crate::model::RepositoryUrl;

use super::coherency::Incoherency;

/// A repository at a commit, spelled as the manifest that referenced it spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RepoAt {
    /// The repository URL.
    pub repository: String,
    /// The commit.
    pub commit: String,
}

impl RepoAt {
    /// `repository` at `commit`.
    pub fn new(repository: impl Into<String>, commit: impl Into<String>) -> Self {
        RepoAt {
            repository: repository.into(),
            commit: commit.into(),
        }
    }

    /// What makes two spellings one node: the repository's canonical identity (see
    /// [`RepositoryUrl`]; the URL itself when it does not parse) and the commit in lower
    /// case.
    pub(crate) fn key(&self) -> (String, String) {
        (
            repository_identity(&self.repository),
            self.commit.to_ascii_lowercase(),
        )
    }
}

/// The canonical identity of a repository URL: two spellings of one repository (case of
/// a forge's path, a trailing `.git` or `/`) give the same identity.
pub fn repository_identity(url: &str) -> String {
    RepositoryUrl::parse(url)
        .map(|u| u.identity().to_owned())
        .unwrap_or_else(|_| url.to_owned())
}

/// A short name of a repository for people: the last segment of its path, without `.git`.
pub fn display_name(url: &str) -> &str {
    let trimmed = url.trim_end_matches('/');
    let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
    let name = trimmed.rsplit(['/', ':']).next().unwrap_or(trimmed);
    if name.is_empty() { url } else { name }
}

/// What reading a node's `eng/Version.Details.xml` gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestRead {
    /// The dependencies it declares (an empty list for a repository without one).
    Dependencies(Vec<Dependency>),
    /// It could not be read or parsed; the reason names the file and what went wrong.
    Unreadable(String),
}

/// What the adapter has read so far, by the node it was asked to read.
pub type Manifests = BTreeMap<RepoAt, ManifestRead>;

/// How far and through what the walk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalkOptions {
    /// The largest depth of a node (the root is at 0); `None` for no bound. Nodes at the
    /// bound are in the graph but their manifests are not read.
    pub max_depth: Option<usize>,
    /// Follow toolset dependencies too (they then count for coherency).
    pub include_toolset: bool,
}

impl WalkOptions {
    /// Whether a dependency of `kind` is followed.
    pub fn follows(&self, kind: DependencyKind) -> bool {
        self.include_toolset || kind == DependencyKind::Product
    }

    /// Whether a node at `depth` has its manifest read.
    pub fn expands(&self, depth: usize) -> bool {
        self.max_depth.is_none_or(|max| depth < max)
    }
}

/// One node: a repository at a commit and its distance from the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The repository URL.
    pub repository: String,
    /// The commit.
    pub commit: String,
    /// The number of dependency edges on the shortest path from the root.
    pub depth: usize,
}

/// One dependency: the node `from` depends on `dependency` at `version`, built from `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// Index of the depending node in [`ProductGraph::nodes`].
    pub from: usize,
    /// Index of the node that produced the dependency.
    pub to: usize,
    /// The dependency's name.
    pub dependency: String,
    /// Its version.
    pub version: String,
    /// Product or toolset.
    pub kind: DependencyKind,
}

/// A node whose manifest could not be read; the walk goes on without its dependencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// Index of the node in [`ProductGraph::nodes`].
    pub node: usize,
    /// The repository URL.
    pub repository: String,
    /// The commit.
    pub commit: String,
    /// Why it could not be read.
    pub reason: String,
}

/// The product graph walked from a root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductGraph {
    /// Where the walk started (also node 0).
    pub root: RepoAt,
    /// Every node, in breadth-first order.
    pub nodes: Vec<Node>,
    /// Every dependency followed, in the order the walk met them.
    pub edges: Vec<Edge>,
    /// Repositories reached at more than one commit.
    pub incoherencies: Vec<Incoherency>,
    /// Nodes whose manifests could not be read.
    pub unreadable: Vec<Unreadable>,
}

impl ProductGraph {
    /// Whether node `index` belongs to an incoherency.
    pub fn is_incoherent(&self, index: usize) -> bool {
        let key = repository_identity(&self.nodes[index].repository);
        self.incoherencies
            .iter()
            .any(|i| repository_identity(&i.repository) == key)
    }

    /// The reason node `index` could not be read, if it could not.
    pub fn unreadable_reason(&self, index: usize) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|u| u.node == index)
            .map(|u| u.reason.as_str())
    }
}

/// What a node's read gave, from the bytes of its `eng/Version.Details.xml` (`None` when
/// the commit has no such file: a repository without dependencies, a leaf). A file that
/// does not parse is unreadable, with the file, line and column in the reason.
pub fn manifest_read(details_xml: Option<&[u8]>) -> ManifestRead {
    let Some(bytes) = details_xml else {
        return ManifestRead::Dependencies(Vec::new());
    };
    let files = crate::manifest::ManifestFiles::from([(
        crate::manifest::paths::VERSION_DETAILS_XML.to_owned(),
        bytes.to_vec(),
    )]);
    match crate::manifest::list(&files) {
        Ok(deps) => ManifestRead::Dependencies(deps),
        Err(err) => ManifestRead::Unreadable(err.to_string()),
    }
}

/// Where a walk starts in its repository: a commit id, or a branch whose head is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootRef {
    /// A full commit id (40 or 64 hexadecimal digits).
    Commit(String),
    /// A branch name.
    Branch(String),
}

impl RootRef {
    /// A full commit id is a commit; anything else must be a valid branch name.
    pub fn parse(value: &str) -> Result<Self, crate::validate::Invalid> {
        let hex = value.chars().all(|c| c.is_ascii_hexdigit());
        if hex && matches!(value.len(), 40 | 64) {
            return Ok(RootRef::Commit(value.to_ascii_lowercase()));
        }
        crate::validate::branch(value)?;
        Ok(RootRef::Branch(value.to_owned()))
    }
}

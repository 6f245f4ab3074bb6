//! Observing a target branch: its head from the repository's ref advertisement (shared by
//! every key on that repository, see [`super::advertisements`]), and the manifest files at
//! that head from the object database. The head last read per branch is kept, so an
//! unchanged head costs no fetch (its files are read from the cache again, not kept in
//! memory for every branch).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sluice_core::flow::TargetObservation;
use sluice_core::flow::render::{path_in, path_within};
use sluice_core::graph::{Manifests, RepoAt};
use sluice_core::manifest::{self, ManifestFiles};

use tokio::sync::mpsc::UnboundedReceiver;

use super::advertisements::{Advertisements, Listing, Reuse};
use crate::git::{Git, ObjectId, RemoteRepo};
use crate::product_graph;
use crate::remotes::Remotes;

pub use super::error::ObserveError;

type CacheKey = (String, String, Vec<String>);

/// Most manifests read at once for coherent parents and product graphs.
pub const PARALLEL_READS: usize = 8;
/// The head last read for a key (its objects are in the cache).
type Seen = ObjectId;

/// Reads target branches through the git layer.
pub struct Observer {
    git: Arc<Git>,
    remotes: Remotes,
    last: Mutex<HashMap<CacheKey, Seen>>,
    adverts: Advertisements,
    listings: Mutex<Option<UnboundedReceiver<Listing>>>,
    refreshing: Mutex<HashSet<String>>,
    memo: product_graph::ManifestMemo,
}

/// A background refresh of one repository's advertisement; ends when dropped.
pub struct RefreshGuard {
    observer: Arc<Observer>,
    repository: String,
}

impl Drop for RefreshGuard {
    fn drop(&mut self) {
        if let Ok(mut refreshing) = self.observer.refreshing.lock() {
            refreshing.remove(&self.repository);
        }
    }
}

impl Observer {
    /// An observer over `git`, reusing a repository's ref advertisement for `advert_ttl`.
    pub fn new(git: Arc<Git>, remotes: Remotes, advert_ttl: Duration) -> Self {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        Observer {
            git,
            remotes,
            last: Mutex::new(HashMap::new()),
            adverts: Advertisements::new(advert_ttl, sender),
            listings: Mutex::new(Some(receiver)),
            refreshing: Mutex::default(),
            memo: product_graph::ManifestMemo::default(),
        }
    }

    /// Marks `repository` as being refreshed in the background; `None` when it already
    /// is. The refresh ends when the returned guard is dropped.
    pub fn begin_refresh(self: &Arc<Self>, repository: &str) -> Option<RefreshGuard> {
        let mut refreshing = self.refreshing.lock().ok()?;
        refreshing
            .insert(repository.to_string())
            .then(|| RefreshGuard {
                observer: self.clone(),
                repository: repository.to_string(),
            })
    }

    /// The ref advertisements read from remotes from now on (once; `None` afterwards).
    pub fn listings(&self) -> Option<UnboundedReceiver<Listing>> {
        self.listings.lock().ok()?.take()
    }

    /// Drops what was cached for a repository: its advertisement and its branches' files.
    pub fn forget(&self, repository: &str) {
        self.adverts.forget(repository);
        if let Ok(mut last) = self.last.lock() {
            last.retain(|(repo, _, _), _| repo != repository);
        }
    }

    /// Records that sluice moved a branch (`None`: deleted it).
    pub fn note_push(&self, repository: &str, branch: &str, commit: Option<ObjectId>) {
        self.adverts.note(repository, branch, commit);
    }

    /// Records that `branches` of `repository` moved to commits sluice does not know (a
    /// merge or close on the forge): their next reader lists the repository again, while
    /// keys of its other branches keep the listing and the files read at their heads.
    pub fn note_moved(&self, repository: &str, branches: &[&str]) {
        self.adverts.moved(repository, branches);
    }

    /// Records that a key of `repository` was queued: its cycle observes the repository
    /// through a listing read from now on (shared with every key queued before it).
    pub fn demand(&self, repository: &str) {
        self.adverts.demand(repository);
    }

    /// Where `branch` of `repository` is, from the shared advertisement, for a key's
    /// cycle: any listing read since a key of the repository was last queued.
    pub async fn branch_head(
        &self,
        repository: &str,
        branch: &str,
    ) -> Result<Option<ObjectId>, ObserveError> {
        self.head_from(repository, branch, Reuse::SinceDemand).await
    }

    /// Where `branch` of `repository` is, for a background refresh: from a listing no
    /// older than the advertisement TTL.
    pub async fn refresh_head(
        &self,
        repository: &str,
        branch: &str,
    ) -> Result<Option<ObjectId>, ObserveError> {
        self.head_from(repository, branch, Reuse::Recent).await
    }

    async fn head_from(
        &self,
        repository: &str,
        branch: &str,
        reuse: Reuse,
    ) -> Result<Option<ObjectId>, ObserveError> {
        let repo = self.repo(repository)?;
        let heads = self.adverts.heads(repository, &repo, branch, reuse).await?;
        Ok(heads.get(branch).copied())
    }

    /// The git handle of a repository.
    pub fn repo(&self, repository: &str) -> Result<RemoteRepo, ObserveError> {
        let remote =
            self.remotes
                .resolve(repository)
                .map_err(|e| ObserveError::InvalidRepository {
                    repository: repository.to_string(),
                    message: e.to_string(),
                })?;
        Ok(self.git.remote(remote))
    }

    /// `eng/Version.Details.xml` of each of `reads` (coherent parents at the commits an
    /// update moves them to), read in parallel. A read that failed in a way that may mend
    /// is left out, so the update's coherency stays pending until a later cycle reads it.
    pub async fn parent_manifests(&self, reads: Vec<RepoAt>) -> Manifests {
        product_graph::read_all(&self.git, &self.remotes, reads, PARALLEL_READS, None).await
    }

    /// `eng/Version.Details.xml` of each of `reads` (nodes of an update's product graph,
    /// for `ValidateCoherency` with `graph: true`), at most [`PARALLEL_READS`] at once
    /// from the bare caches, each node read once per process. A read that may mend is
    /// left out: the policy stays pending until a later cycle reads it.
    pub async fn product_manifests(&self, reads: Vec<RepoAt>) -> Manifests {
        product_graph::read_all(
            &self.git,
            &self.remotes,
            reads,
            PARALLEL_READS,
            Some(&self.memo),
        )
        .await
    }

    /// The head of `branch` and the manifest files under each of `dirs` at that head.
    pub async fn target(
        &self,
        repository: &str,
        branch: &str,
        dirs: &[String],
    ) -> Result<TargetObservation, ObserveError> {
        let repo = self.repo(repository)?;
        let Some(head) = self.branch_head(repository, branch).await? else {
            return Ok(TargetObservation {
                head: None,
                ..TargetObservation::default()
            });
        };
        let key = (repository.to_string(), branch.to_string(), dirs.to_vec());
        // A head read before is in the cache: its files are read from there, without a
        // fetch. Only the head is kept, not the files (thousands of branches' manifests
        // would stay in memory); a read that fails fetches again.
        let seen = self.last.lock().ok().and_then(|m| m.get(&key).copied());
        if seen == Some(head)
            && let Ok(files) = self.read_manifests(&repo, head, dirs).await
        {
            return Ok(TargetObservation {
                head: Some(head.to_string()),
                files,
                update_branch: None,
            });
        }
        let fetched = repo.fetch(branch).await?;
        let files = self.read_manifests(&repo, fetched, dirs).await?;
        if let Ok(mut last) = self.last.lock() {
            last.insert(key, fetched);
        }
        Ok(TargetObservation {
            head: Some(fetched.to_string()),
            files,
            update_branch: None,
        })
    }

    async fn read_manifests(
        &self,
        repo: &RemoteRepo,
        commit: ObjectId,
        dirs: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, ObserveError> {
        let paths: Vec<String> = dirs
            .iter()
            .flat_map(|d| {
                manifest::paths::all()
                    .into_iter()
                    .map(move |p| path_in(d, p))
            })
            .collect();
        let mut files: BTreeMap<String, Vec<u8>> = repo
            .read(commit, &paths)
            .await?
            .into_iter()
            .filter_map(|(path, content)| Some((path, content?)))
            .collect();
        // The native manifest names further files; read them in a second round.
        let mut extra = Vec::new();
        for dir in dirs {
            let local: ManifestFiles = files
                .iter()
                .filter_map(|(path, bytes)| {
                    Some((path_within(dir, path)?.to_string(), bytes.clone()))
                })
                .collect();
            if let Ok(referenced) = manifest::referenced_paths(&local) {
                extra.extend(
                    referenced
                        .into_iter()
                        .map(|p| path_in(dir, &p))
                        .filter(|p| !files.contains_key(p)),
                );
            }
        }
        if !extra.is_empty() {
            for (path, content) in repo.read(commit, &extra).await? {
                if let Some(content) = content {
                    files.insert(path, content);
                }
            }
        }
        Ok(files)
    }
}

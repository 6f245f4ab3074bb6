//! One ref advertisement per repository, shared: every key on a repository's branches
//! reads the same listing, concurrent readers wait for one request, and sluice's own
//! pushes update the listing instead of invalidating it. Staleness is safe: every write
//! is a compare-and-swap, and a conflict drops the listing. Every listing read from a
//! remote is also sent to whoever watches (the engine, which rebuilds pull requests whose
//! target moved).
//!
//! How old a listing may be depends on who asks. A key's cycle takes any listing read
//! after the repository was last *demanded* (a key of it queued: a build, a report, a
//! configuration change...), however long ago that was, or one younger than the TTL: so
//! a pass that works on every key of a repository, however long it takes, lists the
//! repository once, and no key works from a listing older than the event that queued
//! it. A background refresh takes only a listing younger than the TTL.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::git::{HeadError, ObjectId, RemoteRepo};

/// Branch name to commit.
pub type Heads = Arc<BTreeMap<String, ObjectId>>;

/// A ref advertisement just read from a remote.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The repository URL, as the engine names it.
    pub repository: String,
    /// Its branches.
    pub heads: Heads,
}

/// Which listings a reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// A key's cycle: a listing read since the repository was last demanded, or one
    /// younger than the TTL.
    SinceDemand,
    /// A refresh: only a listing younger than the TTL.
    Recent,
}

/// A listing as kept.
struct Entry {
    /// When the request that read it started.
    read_at: Instant,
    heads: Heads,
    /// Branches that moved since (a merge elsewhere): their readers list again.
    moved: BTreeSet<String>,
}

/// Recent ref advertisements by repository.
pub struct Advertisements {
    ttl: Duration,
    listings: tokio::sync::mpsc::UnboundedSender<Listing>,
    entries: Mutex<HashMap<String, Entry>>,
    /// When a key of each repository was last queued.
    demanded: Mutex<HashMap<String, Instant>>,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Advertisements {
    /// Listings are reused for `ttl` (and by keys, since the last demand); each one read
    /// from a remote is sent to `listings`.
    pub fn new(ttl: Duration, listings: tokio::sync::mpsc::UnboundedSender<Listing>) -> Self {
        Advertisements {
            ttl,
            listings,
            entries: Mutex::default(),
            demanded: Mutex::default(),
            inflight: Mutex::default(),
        }
    }

    /// Records that a key of `repository` was queued now: its cycle wants a listing read
    /// from now on (or one younger than the TTL).
    pub fn demand(&self, repository: &str) {
        if let Ok(mut demanded) = self.demanded.lock() {
            match demanded.get_mut(repository) {
                Some(at) => *at = Instant::now(),
                None => {
                    demanded.insert(repository.to_string(), Instant::now());
                }
            }
        }
    }

    fn fresh(&self, repository: &str, branch: &str, reuse: Reuse) -> Option<Heads> {
        let demanded = match reuse {
            Reuse::SinceDemand => self.demanded.lock().ok()?.get(repository).copied(),
            Reuse::Recent => None,
        };
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(repository)?;
        let usable = !entry.moved.contains(branch)
            && (entry.read_at.elapsed() < self.ttl
                || demanded.is_some_and(|at| entry.read_at >= at));
        usable.then(|| entry.heads.clone())
    }

    /// The branches of `repository` (read through `repo`) from a listing `reuse` accepts,
    /// in which `branch` has not moved since.
    pub async fn heads(
        &self,
        repository: &str,
        repo: &RemoteRepo,
        branch: &str,
        reuse: Reuse,
    ) -> Result<Heads, HeadError> {
        if let Some(heads) = self.fresh(repository, branch, reuse) {
            return Ok(heads);
        }
        let gate = {
            let mut inflight = self.inflight.lock().map_err(|_| poisoned(repo))?;
            inflight.entry(repository.to_string()).or_default().clone()
        };
        let _turn = gate.lock().await;
        // Whoever held the gate before may have just read it.
        if let Some(heads) = self.fresh(repository, branch, reuse) {
            return Ok(heads);
        }
        let read_at = Instant::now();
        let heads: Heads = Arc::new(repo.heads().await?);
        if let Ok(mut entries) = self.entries.lock() {
            let entry = Entry {
                read_at,
                heads: heads.clone(),
                moved: BTreeSet::new(),
            };
            entries.insert(repository.to_string(), entry);
        }
        // Nobody watching (an engine not spawned) is fine.
        let _ = self.listings.send(Listing {
            repository: repository.to_string(),
            heads: heads.clone(),
        });
        Ok(heads)
    }

    /// Records that sluice moved `branch` to `commit` (`None`: deleted).
    pub fn note(&self, repository: &str, branch: &str, commit: Option<ObjectId>) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some(entry) = entries.get_mut(repository)
        {
            let mut updated = (*entry.heads).clone();
            match commit {
                Some(commit) => updated.insert(branch.to_string(), commit),
                None => updated.remove(branch),
            };
            entry.heads = Arc::new(updated);
            entry.moved.remove(branch);
        }
    }

    /// Records that `branches` of `repository` moved to commits sluice does not know (a
    /// merge or a close on the forge): the next reader of one of them lists the
    /// repository again; readers of its other branches keep the listing.
    pub fn moved(&self, repository: &str, branches: &[&str]) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some(entry) = entries.get_mut(repository)
        {
            entry
                .moved
                .extend(branches.iter().map(|branch| branch.to_string()));
        }
    }

    /// Drops the listing of a repository.
    pub fn forget(&self, repository: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(repository);
        }
    }
}

fn poisoned(repo: &RemoteRepo) -> HeadError {
    HeadError::Remote {
        remote: repo.remote().url.clone(),
        branch: "*".to_string(),
        message: "advertisement cache lock poisoned".to_string(),
    }
}
